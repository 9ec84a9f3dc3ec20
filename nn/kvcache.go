package nn

// KVCache holds the attention keys and values of up to Slots sequences of up
// to MaxLen positions for every layer, in two slabs allocated once and reused
// for every batch a Generator runs. Row t of head h of a sequence in slot s
// keeps the RoPE-rotated key (and the value) of token t for KV head h.
//
// The layout is head-major within a slot, (NKV, MaxLen, HS), the same as the
// training forward's k/v activations: the keys one query head reads are one
// contiguous (pos+1, HS) block, streamed from memory in order, and the
// decode attention (attendCached) reads them with unit stride.
//
// Memory: 2·NLayers·Slots·NKV·MaxLen·HS float32s.
type KVCache struct {
	Layers, Slots, KVHeads, MaxLen, HeadSize int

	K []float32 // (NLayers, Slots, NKV, MaxLen, HS)
	V []float32 // (NLayers, Slots, NKV, MaxLen, HS)
}

// NewKVCache allocates a zeroed cache for cfg with slots sequences of up to
// maxLen positions. cfg must be valid and slots, maxLen ≥ 1.
func NewKVCache(cfg Config, slots, maxLen int) *KVCache {
	if slots < 1 || maxLen < 1 {
		panic(errKVCacheShape)
	}
	n := cfg.NLayers * slots * cfg.NKVHeads * maxLen * cfg.HeadSize()
	return &KVCache{
		Layers: cfg.NLayers, Slots: slots, KVHeads: cfg.NKVHeads, MaxLen: maxLen,
		HeadSize: cfg.HeadSize(),
		K:        make([]float32, n), V: make([]float32, n),
	}
}

// Keys returns the keys of layer l, slot s, KV head h: (MaxLen, HS).
func (c *KVCache) Keys(l, s, h int) []float32 {
	off := c.offset(l, s, h)
	return c.K[off : off+c.MaxLen*c.HeadSize]
}

// Values returns the values of layer l, slot s, KV head h: (MaxLen, HS).
func (c *KVCache) Values(l, s, h int) []float32 {
	off := c.offset(l, s, h)
	return c.V[off : off+c.MaxLen*c.HeadSize]
}

func (c *KVCache) offset(l, s, h int) int {
	if l < 0 || l >= c.Layers || s < 0 || s >= c.Slots || h < 0 || h >= c.KVHeads {
		panic(errKVCacheIndex)
	}
	return ((l*c.Slots+s)*c.KVHeads + h) * c.MaxLen * c.HeadSize
}

// Bytes is the memory the cache holds.
func (c *KVCache) Bytes() int64 { return int64(len(c.K)+len(c.V)) * 4 }
