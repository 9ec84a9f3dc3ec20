package tokenizer

import "strings"

// GPT-2's byte-level alphabet. Each byte is named by one printable rune so
// that vocabulary files can be plain text: the bytes '!'..'~', '¡'..'¬' and
// '®'..'ÿ' stand for themselves, and the remaining 68 bytes (controls, space,
// DEL, NBSP, soft hyphen) are shifted to U+0100.. in increasing byte order.
// The space byte, for example, becomes 'Ġ' (U+0120) and '\n' becomes 'Ċ'.
// Source: openai/gpt-2 encoder.py bytes_to_unicode.
var (
	byteToRune [256]rune
	runeToByte map[rune]byte
)

func init() {
	runeToByte = make(map[rune]byte, 256)
	n := rune(0)
	for b := 0; b < 256; b++ {
		if (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF) {
			byteToRune[b] = rune(b)
		} else {
			byteToRune[b] = 256 + n
			n++
		}
		runeToByte[byteToRune[b]] = byte(b)
	}
}

// byteLevelForm returns the printable vocabulary form of raw bytes.
func byteLevelForm(raw string) string {
	var sb strings.Builder
	sb.Grow(2 * len(raw))
	for i := 0; i < len(raw); i++ {
		sb.WriteRune(byteToRune[raw[i]])
	}
	return sb.String()
}

// rawBytes inverts byteLevelForm. ok is false when form holds a rune outside
// the byte-level alphabet (such a token cannot come out of byte-level BPE).
func rawBytes(form string) (raw string, ok bool) {
	b := make([]byte, 0, len(form))
	for _, r := range form {
		c, found := runeToByte[r]
		if !found {
			return "", false
		}
		b = append(b, c)
	}
	return string(b), true
}
