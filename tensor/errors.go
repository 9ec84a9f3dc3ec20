package tensor

// Panic messages for programmer errors.
const (
	errNegativeDim = "tensor: negative dimension"
	errShortA      = "tensor: len(a) < m*k"
	errShortB      = "tensor: len(b) < k*n"
	errShortC      = "tensor: len(c) < m*n"
)
