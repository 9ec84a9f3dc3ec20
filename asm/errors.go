package asm

// Panic messages for programmer errors (lengths that do not match).
const (
	errShortY   = "asm: len(y) < len(x)"
	errShortDst = "asm: len(dst) < len(x)"
	errShortW   = "asm: len(w) < len(x)"
	errLengths  = "asm: slice lengths differ"
)
