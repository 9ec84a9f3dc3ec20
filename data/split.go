package data

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
)

// Dedup returns exs without the examples whose ID was already seen (the first
// occurrence is kept, order is preserved) and how many were dropped.
func Dedup(exs []Example) ([]Example, int) {
	seen := make(map[string]bool, len(exs))
	out := make([]Example, 0, len(exs))
	for _, ex := range exs {
		if seen[ex.ID] {
			continue
		}
		seen[ex.ID] = true
		out = append(out, ex)
	}
	return out, len(exs) - len(out)
}

// HashUnit maps (salt, id) to a number in [0, 1): the first 8 bytes of
// SHA-256(salt || 0x00 || id), big-endian, top 53 bits. The same pair always
// gives the same number, on every machine and in every order. (FNV-1a was
// tried and rejected: its high bits barely depend on the last bytes, so IDs
// like "ex-1", "ex-2" gave a 13% test split for a 10% fraction.)
func HashUnit(salt, id string) float64 {
	h := sha256.New()
	h.Write([]byte(salt))
	h.Write([]byte{0})
	h.Write([]byte(id))
	return float64(binary.BigEndian.Uint64(h.Sum(nil))>>11) / (1 << 53)
}

// Split puts each example into test when HashUnit(salt, ID) < testFrac and
// into train otherwise. The assignment of an example depends only on its ID
// and the salt, so it is stable when the dataset grows or is reordered, and a
// repeated ID never straddles the split. testFrac must be in [0, 1].
func Split(exs []Example, testFrac float64, salt string) (train, test []Example, err error) {
	if !(testFrac >= 0 && testFrac <= 1) {
		return nil, nil, fmt.Errorf("data: test fraction %v: want a value in [0, 1]", testFrac)
	}
	for _, ex := range exs {
		if HashUnit(salt, ex.ID) < testFrac {
			test = append(test, ex)
		} else {
			train = append(train, ex)
		}
	}
	return train, test, nil
}
