package tokenizer

import (
	"hash/maphash"
	"math"
	"strings"
	"sync/atomic"
)

// noRank marks a pair of symbols that no merge joins.
const noRank = math.MaxUint32

// pairTable maps a pair of token ids (a, b) to the merge that joins them:
// its rank (position in the merge list, lower merges first) and the id of
// the joined token. Open addressing with linear probing over a power-of-two
// table; a lookup is one multiply and usually one probe, a few times faster
// than a Go map on the encode hot path.
type pairTable struct {
	keys  []uint64 // uint64(a)<<32 | uint64(b); emptyKey when free
	vals  []uint64 // uint64(rank)<<32 | uint64(id)
	shift uint     // 64 - log2(len(keys))
}

const emptyKey = math.MaxUint64 // would need a = b = 2^32-1, never an id

func newPairTable(n int) pairTable {
	size, bits := 16, uint(4)
	for size < 2*n { // load factor ≤ 1/2
		size *= 2
		bits++
	}
	t := pairTable{keys: make([]uint64, size), vals: make([]uint64, size), shift: 64 - bits}
	for i := range t.keys {
		t.keys[i] = emptyKey
	}
	return t
}

func pairKey(a, b int32) uint64 { return uint64(uint32(a))<<32 | uint64(uint32(b)) }

// slot returns the index where key lives or would be inserted.
func (t *pairTable) slot(key uint64) int {
	mask := len(t.keys) - 1
	i := int((key * 0x9E3779B97F4A7C15) >> t.shift)
	for t.keys[i] != key && t.keys[i] != emptyKey {
		i = (i + 1) & mask
	}
	return i
}

// put sets the merge of (a, b), replacing an earlier one: as in GPT-2's
// encoder.py and Hugging Face, a pair listed twice keeps its later rank.
func (t *pairTable) put(a, b int32, rank uint32, id int32) {
	i := t.slot(pairKey(a, b))
	t.keys[i] = pairKey(a, b)
	t.vals[i] = uint64(rank)<<32 | uint64(uint32(id))
}

// get returns the rank and joined id of (a, b), or noRank.
func (t *pairTable) get(a, b int32) (rank uint32, id int32) {
	i := t.slot(pairKey(a, b))
	if t.keys[i] == emptyKey {
		return noRank, -1
	}
	v := t.vals[i]
	return uint32(v >> 32), int32(uint32(v))
}

// shortWord is the longest word merged by the quadratic loop on the stack;
// longer ones use a heap, O(n log n).
const shortWord = 64

// mergeWord appends the BPE tokens of word (raw bytes, len ≥ 1): start with
// one symbol per byte and repeatedly join the adjacent pair of lowest rank,
// the leftmost one on ties, until no pair has a rank.
func (t *Tokenizer) mergeWord(dst []int32, word string) []int32 {
	n := len(word)
	if n > shortWord {
		return t.mergeWordHeap(dst, word)
	}
	var symBuf, idBuf [shortWord]int32
	var rankBuf [shortWord]uint32
	syms := symBuf[:n]
	for i := 0; i < n; i++ {
		syms[i] = t.byteID[word[i]]
	}
	ranks, ids := rankBuf[:n-1], idBuf[:n-1] // ranks[i]: merge of syms[i], syms[i+1]
	for i := range ranks {
		ranks[i], ids[i] = t.pairs.get(syms[i], syms[i+1])
	}
	for len(ranks) > 0 {
		best, br := 0, ranks[0]
		for i := 1; i < len(ranks); i++ {
			if ranks[i] < br {
				best, br = i, ranks[i]
			}
		}
		if br == noRank {
			break
		}
		syms[best] = ids[best]
		copy(syms[best+1:], syms[best+2:])
		syms = syms[:len(syms)-1]
		copy(ranks[best:], ranks[best+1:])
		copy(ids[best:], ids[best+1:])
		ranks, ids = ranks[:len(ranks)-1], ids[:len(ids)-1]
		if best > 0 {
			ranks[best-1], ids[best-1] = t.pairs.get(syms[best-1], syms[best])
		}
		if best < len(ranks) {
			ranks[best], ids[best] = t.pairs.get(syms[best], syms[best+1])
		}
	}
	return append(dst, syms...)
}

// mergeEntry is a candidate merge of the adjacent nodes left and right whose
// symbols were a and b when it was pushed.
type mergeEntry struct {
	rank        uint32
	left, right int32
	a, b        int32
	id          int32
}

func (e mergeEntry) less(f mergeEntry) bool {
	return e.rank < f.rank || (e.rank == f.rank && e.left < f.left)
}

// mergeWordHeap is mergeWord for long words: the symbols form a linked list
// and candidate merges wait in a min-heap ordered by (rank, position);
// entries made stale by an earlier merge are skipped when popped.
func (t *Tokenizer) mergeWordHeap(dst []int32, word string) []int32 {
	n := len(word)
	sym := make([]int32, n)
	next := make([]int32, n) // -1 ends the list
	prev := make([]int32, n)
	alive := make([]bool, n)
	for i := 0; i < n; i++ {
		sym[i] = t.byteID[word[i]]
		next[i], prev[i], alive[i] = int32(i+1), int32(i-1), true
	}
	next[n-1] = -1
	var h []mergeEntry
	push := func(l, r int32) {
		rank, id := t.pairs.get(sym[l], sym[r])
		if rank == noRank {
			return
		}
		h = append(h, mergeEntry{rank: rank, left: l, right: r, a: sym[l], b: sym[r], id: id})
		for c := len(h) - 1; c > 0; { // sift up
			p := (c - 1) / 2
			if !h[c].less(h[p]) {
				break
			}
			h[c], h[p] = h[p], h[c]
			c = p
		}
	}
	pop := func() mergeEntry {
		top := h[0]
		last := len(h) - 1
		h[0] = h[last]
		h = h[:last]
		for p := 0; ; { // sift down
			c := 2*p + 1
			if c >= len(h) {
				break
			}
			if c+1 < len(h) && h[c+1].less(h[c]) {
				c++
			}
			if !h[c].less(h[p]) {
				break
			}
			h[c], h[p] = h[p], h[c]
			p = c
		}
		return top
	}
	for i := 0; i+1 < n; i++ {
		push(int32(i), int32(i+1))
	}
	for len(h) > 0 {
		e := pop()
		l, r := e.left, e.right
		if !alive[l] || !alive[r] || next[l] != r || sym[l] != e.a || sym[r] != e.b {
			continue // stale
		}
		sym[l] = e.id
		alive[r] = false
		next[l] = next[r]
		if next[l] >= 0 {
			prev[next[l]] = l
			push(l, next[l])
		}
		if prev[l] >= 0 {
			push(prev[l], l)
		}
	}
	for i := int32(0); i >= 0; i = next[i] {
		dst = append(dst, sym[i])
	}
	return dst
}

// Word cache: the tokens of a word never change, and natural text repeats
// its words, so encoding looks words up before merging them. The cache is
// direct-mapped (one entry per slot, a new word evicts the old one) with
// atomic pointers to immutable entries, so concurrent Encode calls share it
// without locks.
const (
	cacheSlots      = 1 << 16 // power of two
	cacheMaxWordLen = 128     // longer words are merged every time
)

type cacheEntry struct {
	word string
	ids  []int32
}

type wordCache struct {
	seed  maphash.Seed
	slots []atomic.Pointer[cacheEntry]
}

// init allocates the cache; Tokenizer.finish calls it before any use.
func (c *wordCache) init() {
	c.seed = maphash.MakeSeed()
	c.slots = make([]atomic.Pointer[cacheEntry], cacheSlots)
}

func (c *wordCache) slot(w string) *atomic.Pointer[cacheEntry] {
	return &c.slots[maphash.String(c.seed, w)&(cacheSlots-1)]
}

func (c *wordCache) get(w string) ([]int32, bool) {
	if e := c.slot(w).Load(); e != nil && e.word == w {
		return e.ids, true
	}
	return nil, false
}

func (c *wordCache) put(w string, ids []int32) {
	if len(w) > cacheMaxWordLen {
		return
	}
	e := &cacheEntry{word: strings.Clone(w), ids: append([]int32(nil), ids...)} // do not keep the caller's text alive
	c.slot(w).Store(e)
}
