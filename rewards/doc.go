// Package rewards scores completions: verifiable rewards for math answers and
// countdown expressions, a format reward, DAPO's overlong length shaping, and
// weighted sums of rewards as in TRL's reward_funcs + reward_weights.
//
// A Reward sees the example and the completion and returns a Result. A
// Result with OK false means "could not score" (the verifier hit its context
// deadline, the gold answer is unusable, a needed input is missing): it is
// not a wrong answer, must not be averaged in as 0, and is left out of group
// baselines by the trainer. A wrong or missing answer is OK with a low score.
//
// Every verifier runs under the caller's context and polls it in its loops,
// and every parser is linear or bounded in the input length, so a 100 KB
// adversarial completion finishes well within any sane deadline.
//
// The completion format of the built-in tasks (see package data) is
//
//	<think>steps</think><answer>final</answer>
//
// ForTask returns the reward a built-in task is trained with; ParseSpec builds
// one from a "name:weight,…" spec. A BatchReward scores a whole batch at once
// (consensus, judge models, external programs) and joins a Weighted sum
// through AsReward; ScoreItems scores a batch with both kinds.
package rewards
