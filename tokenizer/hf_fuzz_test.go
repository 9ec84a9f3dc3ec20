package tokenizer

import (
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// maxFuzzInput bounds the inputs of the fuzz targets of this package: a
// tokenizer.json of real size (several MB) is no more interesting to the
// fuzzer than a small one, and bounding it bounds time and memory.
const maxFuzzInput = 1 << 20

// byteVocabJSON is the "vocab" object of the 256 single-byte tokens, ids
// 0–255, in byte-level form, followed by extra entries.
func byteVocabJSON(extra string) string {
	var sb strings.Builder
	sb.WriteString("{")
	for b := 0; b < 256; b++ {
		if b > 0 {
			sb.WriteString(",")
		}
		sb.WriteString(jsonString(byteLevelForm(string([]byte{byte(b)}))))
		sb.WriteString(":")
		sb.WriteString(strconv.Itoa(b))
	}
	sb.WriteString(extra)
	sb.WriteString("}")
	return sb.String()
}

func jsonString(s string) string {
	b, err := json.Marshal(s)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// hfJSON assembles a tokenizer.json from its parts (raw JSON each).
func hfJSON(added, normalizer, pre, decoder, model string) string {
	return `{"version":"1.0","added_tokens":` + added + `,"normalizer":` + normalizer +
		`,"pre_tokenizer":` + pre + `,"post_processor":null,"decoder":` + decoder + `,"model":` + model + `}`
}

const hfByteLevel = `{"type":"ByteLevel","add_prefix_space":false,"trim_offsets":true,"use_regex":true}`

// hfHugeIDs are tokenizer.json files whose ids are far beyond their size:
// once a panic (an id of MaxInt32 made the id table length wrap to a
// negative number) or an allocation of gigabytes (the id table grows to the
// largest id).
var hfHugeIDs = []string{
	hfJSON(`[]`, `null`, hfByteLevel, `null`, `{"type":"BPE","vocab":`+byteVocabJSON(`,"ab":2147483647`)+`,"merges":[]}`),
	hfJSON(`[{"id":2147483647,"content":"<s>","special":true}]`, `null`, hfByteLevel, `null`, `{"type":"BPE","vocab":`+byteVocabJSON(``)+`,"merges":[]}`),
	hfJSON(`[]`, `null`, hfByteLevel, `null`, `{"type":"BPE","vocab":`+byteVocabJSON(`,"ab":2000000000`)+`,"merges":[]}`),
	hfJSON(`[{"id":1500000000,"content":"<s>","special":true}]`, `null`, hfByteLevel, `null`, `{"type":"BPE","vocab":`+byteVocabJSON(``)+`,"merges":[]}`),
	`{"pre_tokenizer":{"type":"ByteLevel"},"model":{"vocab":{"a":2147483647}}}`,
}

// TestParseHFHugeIDs: ids out of all proportion to the file are an error
// that names the id, never a panic or a multi-gigabyte allocation.
func TestParseHFHugeIDs(t *testing.T) {
	for i, js := range hfHugeIDs {
		tok, err := ParseHF([]byte(js))
		if err == nil {
			t.Errorf("%d: accepted, vocabulary size %d", i, tok.VocabSize())
			continue
		}
		if !strings.Contains(err.Error(), "id") {
			t.Errorf("%d: error does not name the id: %v", i, err)
		}
	}
}

// FuzzParseHF: any bytes given as a tokenizer.json either fail with an
// error or give a tokenizer that encodes and decodes without panicking,
// produces only ids that name tokens, round-trips text (Decode(Encode(s)) ==
// s when no normalizer or whitespace-stripping added token changes it), and
// survives MarshalHF → ParseHF with the same encodings.
func FuzzParseHF(f *testing.F) {
	for _, tok := range []*Tokenizer{tinyTokenizer(f), trained(f, DefaultPreTokenizer(), 300)} {
		b, err := tok.MarshalHF()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	model := `{"type":"BPE","dropout":null,"vocab":` + byteVocabJSON(`,"ab":256,"abc":257,"<s>":258`) + `,"merges":["a b","ab c"]}`
	f.Add([]byte(hfJSON(`[{"id":258,"content":"<s>","special":true,"lstrip":true}]`, `{"type":"NFC"}`, hfByteLevel, `{"type":"ByteLevel"}`, model)))
	f.Add([]byte(hfJSON(`[{"id":300,"content":"<|im_end|>","single_word":true}]`, `{"type":"Sequence","normalizers":[{"type":"NFC"}]}`,
		`{"type":"Sequence","pretokenizers":[{"type":"Split","pattern":{"Regex":`+strconv.Quote(PreTokenizer{Pattern: PatternLlama3, MaxDigits: 3}.Regex())+`},"behavior":"Isolated","invert":false},{"type":"ByteLevel","add_prefix_space":false,"use_regex":false}]}`,
		`{"type":"Sequence","decoders":[{"type":"ByteLevel"}]}`, model)))
	f.Add([]byte(hfJSON(`[]`, `null`, `{"type":"ByteLevel","add_prefix_space":true}`, `null`, `{"type":"BPE","ignore_merges":true,"vocab":`+byteVocabJSON(`,"ab":256`)+`,"merges":[["a","b"]]}`)))
	f.Add([]byte(`{"model":{"type":"WordPiece"}}`))
	f.Add([]byte(`{"model":{"type":"BPE","dropout":0.1}}`))
	f.Add([]byte(`{"added_tokens":[{"content":"x"}],"pre_tokenizer":{"type":"ByteLevel"},"model":{}}`))
	f.Add([]byte(`{"model":null}`))
	f.Add([]byte(`[]`))
	f.Add([]byte(`{"model":{"vocab":{"a":-1}},"pre_tokenizer":{"type":"ByteLevel"}}`))
	for _, js := range hfHugeIDs {
		f.Add([]byte(js))
	}
	texts := []string{"", "Hello, world! It's 12345.\n\n  x", "abcabc <s> ab<s>c", "<|im_end|>\n<|im_start|>user",
		"日本語 😀 e\u0301 \t\r\n", "\xff\xfe invalid \xc3 utf-8 \xe2\x82", strings.Repeat("ab", 300)}
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) > maxFuzzInput {
			t.Skip("input over 1 MB")
		}
		tok, err := ParseHF(b)
		if err != nil {
			if tok != nil {
				t.Fatalf("tokenizer and error both returned: %v", err)
			}
			return
		}
		strips := false
		ins := append([]string(nil), texts...)
		var all strings.Builder
		for _, a := range tok.AddedTokens() {
			strips = strips || a.LStrip || a.RStrip
			all.WriteString(a.Content)
			all.WriteString("x ")
		}
		ins = append(ins, all.String())
		encs := make([][]int32, len(ins))
		for i, s := range ins {
			ids := tok.Encode(s)
			encs[i] = ids
			for _, id := range ids {
				if _, ok := tok.Token(id); !ok {
					t.Fatalf("Encode(%q) produced id %d, which names no token", s, id)
				}
			}
			back := tok.Decode(ids)
			if _, err := tok.DecodeStrict(ids); err != nil {
				t.Fatalf("DecodeStrict(Encode(%q)): %v", s, err)
			}
			// A prefix space, a normalizer or an added token that swallows
			// whitespace change the text on purpose.
			exact := !strips && !tok.pre.AddPrefixSpace && (!tok.nfc || isASCII(s))
			if exact && back != s {
				t.Fatalf("Decode(Encode(%q)) = %q (ids %v)", s, back, ids)
			}
		}
		// Every token of the vocabulary decodes; ids past it do not.
		for id := int32(0); id < int32(tok.VocabSize()); id++ {
			tok.Decode([]int32{id})
		}
		if _, err := tok.DecodeStrict([]int32{int32(tok.VocabSize())}); err == nil {
			t.Fatalf("DecodeStrict accepted id %d = VocabSize", tok.VocabSize())
		}
		// What loads saves, and reloads to the same tokenizer.
		out, err := tok.MarshalHF()
		if err != nil {
			t.Fatalf("MarshalHF of a parsed tokenizer: %v", err)
		}
		tok2, err := ParseHF(out)
		if err != nil {
			t.Fatalf("ParseHF(MarshalHF(tok)): %v\n%s", err, out)
		}
		if tok2.VocabSize() != tok.VocabSize() || !reflect.DeepEqual(tok2.AddedTokens(), tok.AddedTokens()) {
			t.Fatalf("reloaded tokenizer differs: vocab %d → %d, added %v → %v", tok.VocabSize(), tok2.VocabSize(), tok.AddedTokens(), tok2.AddedTokens())
		}
		for i, s := range ins {
			if got := tok2.Encode(s); !reflect.DeepEqual(got, encs[i]) {
				t.Fatalf("reloaded tokenizer encodes %q as %v, was %v", s, got, encs[i])
			}
		}
	})
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
