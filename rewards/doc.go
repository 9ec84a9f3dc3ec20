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
//
// # Reward programs and reward servers
//
// A user's own checker joins a Weighted sum by name (SpecOptions.Extra,
// rltrain --reward-cmd NAME=COMMAND and --reward-http NAME=URL), weighted
// and logged (rewards/NAME/mean) like a built-in reward. Every failure is
// logged with the sample ids and gives those samples no score, never 0.
//
// A Program runs `sh -c COMMAND` for the whole run. The trainer writes one
// JSON object per line to its stdin, one per sample:
//
//	{"id":17,"tokens":31,"truncated":false,"answer":"24","completion":"…",
//	 "example_id":"cd-42","group":3,"meta":{…},"numbers":[3,5,8],
//	 "prompt":"…","solution":"…","target":24,"task":"countdown"}
//
// id is the sample id (an integer, unique over the run); tokens is the
// completion's length in tokens and truncated whether it hit the
// generation cap; group numbers the completions of one prompt in the
// batch. id, tokens and truncated come first, in that order (a shell
// checker can read them by pattern); the other keys follow sorted, the
// keys of meta copied to the top level where they do not clash. The program
// writes one JSON object per line to stdout for each request, in request
// order:
//
//	{"id": 17, "score": 1, "components": {"format": 1}, "message": "correct"}
//
// score is a finite number, or null for no score; components (numbers) and
// message are optional and go into the result's reason (samples.jsonl). A
// line that is not such an object, or answers another id, is an error
// naming the program and the line, and its sample gets no score. Output
// must be flushed after each batch of answers (Python: print(...,
// flush=True)); stdout carries answers only: anything else goes to stderr,
// which is copied to the trainer's log. A program that exits within
// ProgramConfig.StartWait of its start is a start-up error; one that exits
// or hangs later is started again (see Program).
//
// An HTTPReward POSTs each batch to a server, with OpenRLHF's remote reward
// model fields first (query = prompt + completion, prompts, labels =
// answers), then rltrain's (completions, sample ids, and examples: the
// request objects above):
//
//	{"query": ["…"], "prompts": ["…"], "labels": ["24"], "completions": ["…"],
//	 "ids": [17], "examples": [{…}]}
//
// The server answers 200 with one reward per sample, in order; OpenRLHF's
// extra_logs (name → one number per sample) become components, and
// messages (one string per sample) is optional:
//
//	{"rewards": [1.0, null], "extra_logs": {"format": [1, 0]}}
package rewards
