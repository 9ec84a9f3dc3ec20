// Package rl holds the reinforcement-learning core of rltrain: episodes and
// groups, advantage estimators, KL estimators and losses, all as small pure
// functions over plain slices so that each is tested alone, without a model.
//
// # Shapes
//
// P prompts per step, G samples per prompt, N = P·G sequences stored
// group-contiguously (row n = p·G + g). Per-token quantities are ragged
// [][]float32 with one slice per sequence over its completion positions, the
// layout nn.Model.Score returns: lp (current log-prob of the sampled token),
// lpOld (behaviour policy), lpRef (frozen reference), m (loss mask: 1 for
// trained tokens, 0 for tool/environment tokens or masked-out samples), H
// (entropy) and V (values). Per-sequence quantities are []float32 of length N.
// All arithmetic is done in float64 and rounded to float32 on output.
//
// # The seam with the trainer
//
// A step of the trainer is a thin loop over this package:
//
//	cfg, _ := rl.Preset("grpo")                 // then -config file, flags; cfg.Validate()
//	a := cfg.GRPO.Advantages(rl.AdvantageInput{Rewards: r, Mask: m, ...})
//	norm := rl.NewNormalizer(cfg.GRPO.LossType, rl.Count(m), cfg.GRPO.MaxCompletionLen, nMicro)
//	for iter := 0; iter < cfg.GRPO.NumIterations; iter++ {
//		for each micro-batch mb {
//			sc := model.Score(mb.seqs, opts)
//			out := rl.PolicyLoss(rl.PolicyInput{LogP: sc.LogP, OldLogP: mb.old,
//				Adv: a.Adv[mb.lo:mb.hi], Mask: m[mb.lo:mb.hi], Entropy: sc.Entropy}, cfg.LossConfig(), norm)
//			model.Backward(out.DLogP, out.DEntropy, nil)
//		}
//		clip the gradient norm, AdamW step
//	}
//
// PPO adds ValueLoss (its DValues go to Backward's dValues) and NFT passes
// NFTConfig.Rates instead of advantages. DAPO's DynamicSampler and
// MaskTruncated act between scoring and Advantages.
//
// The Normalizer is computed once from the whole optimiser batch (after the
// distributed all-reduce of Count), so micro-batches share one denominator
// and the summed micro-batch losses and gradients equal the full-batch ones.
//
// Sources are cited at the top of each file; the maths and test vectors are
// those of docs/algorithms.md §0–3.
package rl
