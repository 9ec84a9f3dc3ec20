package nn

// Panic messages for programmer errors (shape and call-order mistakes).
// Errors from the outside world (files, configs) are returned, never panicked.
const (
	errBadStart      = "nn: Seq.Start must satisfy 1 <= Start <= len(Tokens)"
	errBadToken      = "nn: token id outside [0, VocabSize)"
	errBadTemp       = "nn: ScoreOptions.Temperature must be >= 0"
	errNoValueHead   = "nn: ScoreOptions.Values needs Config.ValueHead"
	errNoGradState   = "nn: Backward needs a preceding Score call with Grad set"
	errGradShape     = "nn: Backward gradient shape does not match the scored positions"
	errNotContiguous = "nn: parameter views expected to be adjacent in the slab are not"
	errSlabLength    = "nn: slice length does not match the parameter slab"
	errModelLayout   = "nn: model and optimiser were built for different layouts"
)
