// Package data holds the examples an RL run trains and evaluates on: the
// Example type, JSONL sources with line-level validation, deduplication and
// deterministic hash splits, and built-in task generators that are
// deterministic by seed.
//
// # Formats
//
// Generated prompts are short, plain ASCII and carry no instructions, so that a
// tiny model with a small vocabulary and sequences of about 128 tokens can
// learn them:
//
//	arithmetic  "compute 12+3*(4-5)"
//	countdown   "countdown 3 5 2 target 16"
//	linear      "solve 3x+5=20"
//	word        "Ann has 5 pens and buys 3 more. How many pens?"
//
// Every generated example carries a worked Solution, the completion an SFT
// warm start imitates, in the format the rewards parse:
//
//	<think>4-5=-1, 3*(-1)=-3, 12+(-3)=9</think><answer>9</answer>
//	<think>3*5=15, 15+2=17 no. 3+5=8, 8*2=16 yes.</think><answer>(3+5)*2</answer>
//
// Countdown problems use every given number exactly once (TinyZero's rule);
// the generator only emits solvable ones and, by default, only targets
// reachable with non-negative integer intermediates.
//
// The Answer field holds the gold answer as text: a number for arithmetic,
// linear and word problems, the target for countdown (whose Meta also holds
// "numbers" and "target", the keys the countdown reward reads).
//
// # JSONL
//
// A JSONL file holds one JSON object per line. The keys for id, prompt, answer,
// solution and task are named by a JSONLConfig; every other key, and the
// members of an object under the "meta" key, land in Example.Meta (a "meta"
// member wins over a top-level key of the same name). Bad lines
// are reported as file:line plus the field at fault.
//
// A line may hold a conversation instead of a prompt string, as TRL and verl
// datasets do: "messages" (or a prompt field holding the same kind of
// array) is a list of {"role", "content"} with roles system (first only),
// user and assistant. The messages up to the last user turn are the prompt
// (Example.Messages, with Example.Prompt the last user content); one
// assistant message after it is the Solution. A chat template renders the
// conversation (tokenizer.ChatTemplate); without one it is PlainPrompt.
package data
