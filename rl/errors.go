package rl

// Panic messages for programmer errors (mismatched slice lengths and the
// like). Bad configuration is reported by the Validate methods instead.
const (
	errRagged    = "rl: per-token slices have mismatched lengths"
	errRows      = "rl: per-sequence slices have mismatched row counts"
	errGroupSize = "rl: row count is not a positive multiple of the group size"
	errMode      = "rl: unknown enum value (call Validate on the config first)"
	errNFTInput  = "rl: NFT loss needs PolicyInput.Correct and PolicyInput.PosRate for every row"
	errRefLogP   = "rl: KL in the loss needs PolicyInput.RefLogP"
	errEntropy   = "rl: an entropy coefficient needs PolicyInput.Entropy"
)
