package rl

// ByteCodec is the simplest Codec: each byte is its own token, ids 0–255;
// larger ids (specials such as an end-of-text 256) decode to nothing. It
// lets a model with a 257+ token vocabulary read and write text without a
// trained tokenizer — tests, and untrained models.
type ByteCodec struct{}

// Encode returns the bytes of s as ids.
func (ByteCodec) Encode(s string) []int32 {
	out := make([]int32, len(s))
	for i := range len(s) {
		out[i] = int32(s[i])
	}
	return out
}

// Decode returns the bytes of the ids below 256.
func (ByteCodec) Decode(ids []int32) string {
	b := make([]byte, 0, len(ids))
	for _, id := range ids {
		if id >= 0 && id < 256 {
			b = append(b, byte(id))
		}
	}
	return string(b)
}
