package main

// The rows of the bad-input table (badinput_test.go): JSONL files, config
// files and flags, tokenizers, safetensors and checkpoints.

// initRun is a training run from the fixture checkpoint on the fixture data,
// with args changing one input.
func initRun(f *fixtures, args ...string) []string {
	return append([]string{"--init", f.path("ck"), "--data", f.path("train.jsonl"), "--eval-data", f.path("eval.jsonl")}, args...)
}

func jsonlRows() []badRow {
	const in = "JSONL"
	data := func(name string) func(f *fixtures) []string {
		return func(f *fixtures) []string { return initRun(f, "--data", f.path(name)) }
	}
	return []badRow{
		{input: in, bad: "invalid JSON on a line (`--data`; the same for `--eval-data`, `--sft-data`, `sft`, `eval`)", gets: "`bad_json.jsonl:2: invalid JSON: …`, every bad line listed, then `fix them, fix the field mapping, or skip bad lines (--jsonl-on-error skip)`",
			args: data("bad_json.jsonl"), want: []string{"--data", "bad_json.jsonl:2: invalid JSON", "--jsonl-on-error skip"}, not: []string{"(--on-error", "OnError"}},
		{input: in, bad: "prompt field missing", gets: "`no_prompt.jsonl:1: field \"prompt\": missing, and no \"messages\" conversation either (set the prompt key …)`",
			args: data("no_prompt.jsonl"), want: []string{`no_prompt.jsonl:1: field "prompt": missing`, "prompt key"}},
		{input: in, bad: "prompt empty", gets: "`empty_prompt.jsonl:1: field \"prompt\": empty prompt`",
			args: data("empty_prompt.jsonl"), want: []string{`empty_prompt.jsonl:1: field "prompt": empty prompt`}},
		{input: in, bad: "answer missing", gets: "`no_answer.jsonl:1: field \"answer\": missing answer (absent or null)`",
			args: data("no_answer.jsonl"), want: []string{`no_answer.jsonl:1: field "answer": missing answer`}},
		{input: in, bad: "prompt of the wrong type", gets: "`prompt_number.jsonl:1: field \"prompt\": want a string, have a number, or a conversation (…)`",
			args: data("prompt_number.jsonl"), want: []string{`prompt_number.jsonl:1: field "prompt": want a string, have a number`}},
		{input: in, bad: "answer of the wrong type", gets: "`answer_object.jsonl:1: field \"answer\": want a string or number, have an object`",
			args: data("answer_object.jsonl"), want: []string{`answer_object.jsonl:1: field "answer": want a string or number, have an object`}},
		{input: in, bad: "a line that is not an object", gets: "`array_line.jsonl:1: want a JSON object, have array`",
			args: data("array_line.jsonl"), want: []string{"array_line.jsonl:1: want a JSON object"}},
		{input: in, bad: "a line over 1 MiB", gets: "`huge_line.jsonl:2: line of 1100029 bytes is over the 1048576-byte limit (MaxLineBytes): split or shorten it, or raise the limit` (`--jsonl-max-line-bytes`); the line is never held whole in memory",
			args: data("huge_line.jsonl"), want: []string{"huge_line.jsonl:2: line of", "1048576-byte limit", "max-line-bytes"}},
		{input: in, bad: "UTF-8 byte-order mark, CRLF line ends", gets: "accepted: the mark is dropped from line 1, `\\r\\n` ends a line (`data check` counts 2 examples)",
			args: func(f *fixtures) []string { return []string{"data", "check", f.path("bom_crlf.jsonl")} }, ok: true},
		{input: in, bad: "empty `--data` (with `--eval-data`)", gets: "`--data empty.jsonl holds no examples: give a JSONL file with one example per line`",
			args: data("empty.jsonl"), want: []string{"--data {f}/empty.jsonl holds no examples"}, not: []string{"held-out split"}},
		{input: in, bad: "empty `--eval-data`", gets: "`no held-out examples: --eval-data empty.jsonl holds none (a run needs held-out problems …)`",
			args: func(f *fixtures) []string { return initRun(f, "--eval-data", f.path("empty.jsonl")) }, want: []string{"--eval-data {f}/empty.jsonl holds none"}},
		{input: in, bad: "empty `--sft-data`", gets: "`no demonstrations for the warm start (--sft-data empty.jsonl holds no example with a solution): give --init …`",
			args: func(f *fixtures) []string {
				return []string{"--data", f.path("train.jsonl"), "--eval-data", f.path("eval.jsonl"), "--sft-data", f.path("empty.jsonl")}
			}, want: []string{"--sft-data {f}/empty.jsonl holds no example"}},
		{input: in, bad: "file missing", gets: "`--data: data: open nope.jsonl: no such file or directory`",
			args: data("nope.jsonl"), want: []string{"--data", "nope.jsonl: no such file"}},
		{input: in, bad: "prompt + completion cap longer than the context (`--init`)", gets: "`--data: long_prompt.jsonl:2: 613 tokens > context 128 (a 597-token prompt + 16 completion tokens (--max-completion-length))`, then `shorten or drop these lines, lower --max-completion-length, or use a checkpoint with a longer context`; at load, before anything is written",
			args: data("long_prompt.jsonl"), want: []string{"long_prompt.jsonl:2: ", "> context 128", "--max-completion-length", "shorten or drop"}},
		{input: in, bad: "held-out prompt longer than the context", gets: "`--eval-data: long_prompt.jsonl:2: … tokens > context 128 (… (--eval-max-new-tokens))`",
			args: func(f *fixtures) []string { return initRun(f, "--eval-data", f.path("long_prompt.jsonl")) },
			want: []string{"--eval-data: {f}/long_prompt.jsonl:2: ", "> context 128", "--eval-max-new-tokens"}},
		{input: in, bad: "demonstration longer than the context (warm start being built)", gets: "`--sft-data: long_demo.jsonl:2: 542 tokens > context 64 (a 7-token prompt + a 534-token solution + the end token)`, then `shorten or drop these demonstrations, or raise --model-max-position-embeddings`; right after the BPE is trained, before SFT",
			args: func(f *fixtures) []string {
				return []string{"--data", f.path("train.jsonl"), "--eval-data", f.path("eval.jsonl"), "--sft-data", f.path("long_demo.jsonl"),
					"--model-max-position-embeddings", "64", "--warm-vocab-size", "300", "--sft-steps", "1"}
			}, want: []string{"--sft-data: {f}/long_demo.jsonl:2: ", "> context 64", "--model-max-position-embeddings"}},
		{input: in, bad: "`sft`: demonstration longer than the context", gets: "`--data: long_demo.jsonl:2: … tokens > context 64 (…)`, before any step",
			args: func(f *fixtures) []string {
				return []string{"sft", "--data", f.path("long_demo.jsonl"), "--eval-data", f.path("train.jsonl"), "--model-max-position-embeddings", "64", "--vocab-size", "300"}
			}, want: []string{"--data: {f}/long_demo.jsonl:2: ", "> context 64"}},
		{input: in, bad: "`sft --data` with a bad line", gets: "as `train`, with the hint `--jsonl-on-error skip`",
			args: func(f *fixtures) []string { return []string{"sft", "--data", f.path("bad_json.jsonl")} },
			want: []string{"bad_json.jsonl:2: invalid JSON", "--jsonl-on-error skip"}, not: []string{"(--on-error", "OnError"}},
		{input: in, bad: "`data check` of a bad line", gets: "as `train`, with this command's hint `--on-error skip`",
			args: func(f *fixtures) []string { return []string{"data", "check", f.path("bad_json.jsonl")} },
			want: []string{"bad_json.jsonl:2: invalid JSON", "(--on-error skip)"}},
		{input: in, bad: "`data split` of a bad line", gets: "as `data check`; the existing train/test outputs are left as they were",
			args: func(f *fixtures) []string {
				return []string{"data", "split", "-in", f.path("bad_json.jsonl"), "-train-out", f.path("split_train.jsonl"), "-test-out", f.path("split_test.jsonl")}
			}, want: []string{"-in", "bad_json.jsonl:2: invalid JSON", "(--on-error skip)"}},
	}
}

func configRows() []badRow {
	const cf = "config file"
	conf := func(name string, more ...string) func(f *fixtures) []string {
		return func(f *fixtures) []string { return initRun(f, append([]string{"--config", f.path(name)}, more...)...) }
	}
	const fl = "flags"
	flags := func(more ...string) func(f *fixtures) []string {
		return func(f *fixtures) []string { return initRun(f, more...) }
	}
	return []badRow{
		{input: cf, bad: "unknown key", gets: "`--config c.json:3: json: unknown field \"stepz\": \"stepz\" is not a config key: check its spelling and nesting …`",
			args: conf("c_unknown.json"), want: []string{"c_unknown.json:3", `unknown field "stepz"`, "spelling"}},
		{input: cf, bad: "value of the wrong type", gets: "`--config c.json:3: json: cannot unmarshal string into Go struct field TrainConfig.train.steps of type int: give train.steps a value of type int`",
			args: conf("c_type.json"), want: []string{"c_type.json:3", "steps"}},
		{input: cf, bad: "JSON syntax error", gets: "`--config c.json:4: invalid character '}' …: fix the JSON syntax there`",
			args: conf("c_syntax.json"), want: []string{"c_syntax.json:4", "fix the JSON syntax"}},
		{input: cf, bad: "truncated file", gets: "`--config c.json:4: unexpected EOF: the file ends before the JSON object does: complete it`",
			args: conf("c_truncated.json"), want: []string{"c_truncated.json:", "complete it"}},
		{input: cf, bad: "value out of range", gets: "`lr = -1: must be > 0` (checked after flags, so it names the key)",
			args: conf("c_range.json"), want: []string{"lr = -1: must be > 0"}},
		{input: cf, bad: "contradicts a flag (`algo` vs `--algo`)", gets: "`--config c.json sets algorithm \"ppo\" but --algo is \"grpo\": make them agree`",
			args: conf("c_algo.json", "--algo", "grpo"), want: []string{"c_algo.json", "make them agree"}},
		{input: cf, bad: "file missing", gets: "`--config: open nope.json: no such file or directory`",
			args: conf("nope.json"), want: []string{"--config", "no such file"}},
		{input: fl, bad: "unknown flag", gets: "`flag provided but not defined: -bogus` after the list of flags",
			args: flags("--bogus"), want: []string{"-bogus"}},
		{input: fl, bad: "value of the wrong type", gets: "`invalid value \"x\" for flag -steps: …`",
			args: flags("--steps", "x"), want: []string{`invalid value "x" for flag -steps`}},
		{input: fl, bad: "value out of range", gets: "`lr = -1: must be > 0`",
			args: flags("--lr", "-1"), want: []string{"lr = -1: must be > 0"}},
		{input: fl, bad: "group too small for the algorithm", gets: "`GroupSize = 1: the grpo advantage needs a group baseline of ≥ 2 samples …; set GroupSize ≥ 2 …`",
			args: flags("--group-size", "1"), want: []string{"group-size = 1", "set GroupSize ≥ 2"}},
		{input: fl, bad: "unknown algorithm", gets: "`--algo: rl: unknown algorithm \"nope\": choose one of grpo, dr_grpo, dapo, ppo, rloo, reinforce_pp, nft`",
			args: flags("--algo", "nope"), want: []string{"--algo", "unknown algorithm"}},
		{input: fl, bad: "stray argument", gets: "`unexpected argument \"stray\" (flags start with --)`",
			args: flags("stray"), want: []string{`unexpected argument "stray"`}},
		{input: fl, bad: "model-shape flags with `--init`", gets: "`--model-hidden-size: the model comes from --init ck, so warm-start and model-shape flags do not apply; drop them or drop --init`",
			args: flags("--model-hidden-size", "64"), want: []string{"--model-hidden-size", "drop them or drop --init"}},
		{input: fl, bad: "`--resume` with `--config`", gets: "`--resume takes the run's own config.json: drop --config`",
			args: func(f *fixtures) []string {
				return []string{"--resume", f.path("resume_run"), "--config", f.path("c_range.json")}
			},
			want: []string{"drop --config"}},
		{input: fl, bad: "`--out` holding a finished run", gets: "`--out done already holds a finished run (summary.json): choose another --out, or add --overwrite to replace it`",
			args: func(f *fixtures) []string { return initRun(f, "--out", f.path("done")) }, want: []string{"already holds a finished run", "--overwrite"}},
		{input: fl, bad: "unknown reward", gets: "`--reward: rewards: reward spec entry 1 \"nope:1\": unknown reward \"nope\"; known: accuracy, …`",
			args: flags("--reward", "nope:1"), want: []string{"--reward", "nope"}},
		{input: fl, bad: "`sft`: unknown flag", gets: "`flag provided but not defined: -bogus`",
			args: func(f *fixtures) []string { return []string{"sft", "--bogus"} }, want: []string{"-bogus"}},
		{input: fl, bad: "`sft` without `--data`", gets: "`--data is required: a JSONL file of prompt/solution pairs`",
			args: func(f *fixtures) []string { return []string{"sft"} }, want: []string{"--data is required"}},
		{input: fl, bad: "`sft`: stray argument", gets: "`unexpected argument \"stray\" (flags start with --)`",
			args: func(f *fixtures) []string { return []string{"sft", "--data", f.path("train.jsonl"), "stray"} }, want: []string{`unexpected argument "stray"`}},
		{input: fl, bad: "`eval` without `--init`", gets: "`--init is required: the checkpoint folder to evaluate (…)`",
			args: func(f *fixtures) []string { return []string{"eval"} }, want: []string{"--init is required"}},
		{input: fl, bad: "`-h` on any command", gets: "accepted: the flags and their defaults, exit 0",
			args: func(f *fixtures) []string { return []string{"sft", "-h"} }, ok: true},
	}
}

func modelRows() []badRow {
	const tk, st, ck = "tokenizer", "safetensors", "checkpoint"
	initDir := func(name string) func(f *fixtures) []string {
		return func(f *fixtures) []string {
			return []string{"--init", f.path(name), "--data", f.path("train.jsonl"), "--eval-data", f.path("eval.jsonl")}
		}
	}
	return []badRow{
		{input: tk, bad: "truncated `tokenizer.json` in a checkpoint", gets: "`--init: … tokenizer.json: …unexpected end of JSON input (a checkpoint folder needs its tokenizer.json)`",
			args: initDir("tok_trunc"), want: []string{"--init", "tokenizer.json"}},
		{input: tk, bad: "`tokenizer.json` of another model (more tokens than the embedding)", gets: "`load checkpoint tok_other: tokenizer.json has 400 tokens but the model's embedding has 287 rows: the tokenizer belongs to another model; …`",
			args: initDir("tok_other"), want: []string{"tokenizer.json has 400 tokens", "belongs to another model"}},
		{input: tk, bad: "`tokenize --tokenizer` of an unsupported model type", gets: "`--tokenizer: …WordPiece…`",
			args: func(f *fixtures) []string { return []string{"tokenize", "--tokenizer", f.path("tok_wordpiece.json")} },
			want: []string{"--tokenizer", "WordPiece"}},
		{input: tk, bad: "`sft --tokenizer` truncated", gets: "`--tokenizer: …`",
			args: func(f *fixtures) []string {
				return []string{"sft", "--data", f.path("train.jsonl"), "--tokenizer", f.path("tok_trunc/tokenizer.json")}
			}, want: []string{"--tokenizer", "tokenizer.json"}},
		{input: st, bad: "truncated `model.safetensors` (`--init`; the same for `--resume`, `sft --init`)", gets: "`safetensors …/model.safetensors: data_offsets […] run past the … data bytes of the file: truncated?` (or the header, when cut inside it)",
			args: initDir("st_trunc"), want: []string{"model.safetensors", "truncated"}},
		{input: st, bad: "absurd header length", gets: "`safetensors …: header length 1099511627776 exceeds the … bytes after it: truncated or not a safetensors file`",
			args: initDir("st_header"), want: []string{"model.safetensors", "header length"}},
		{input: st, bad: "overlapping data offsets", gets: "`safetensors …: tensor …: data_offsets […] overlap the previous tensor …`",
			args: initDir("st_overlap"), want: []string{"model.safetensors", "overlap"}},
		{input: st, bad: "absurd shape", gets: "`safetensors …: tensor …: shape [1099511627776 1099511627776] has an implausible dimension`",
			args: initDir("st_shape"), want: []string{"model.safetensors", "shape"}},
		{input: st, bad: "wrong dtype", gets: "`safetensors …: tensor … has dtype I32, which does not convert to float32 (want F32, F64, F16 or BF16)`",
			args: initDir("st_dtype"), want: []string{"model.safetensors", "I32"}},
		{input: st, bad: "`eval --init` of a truncated file", gets: "`--init …: … model.safetensors: … truncated?`",
			args: func(f *fixtures) []string {
				return []string{"eval", "--init", f.path("st_trunc"), "--data", f.path("eval.jsonl")}
			},
			want: []string{"--init", "model.safetensors", "truncated"}},
		{input: st, bad: "weights file missing", gets: "`load checkpoint: st_missing has neither model.safetensors nor model.safetensors.index.json`",
			args: initDir("st_missing"), want: []string{"has neither model.safetensors"}},
		{input: ck, bad: "`config.json` of another shape than the weights", gets: "`--init: load checkpoint: cfg_other/model.safetensors: tensor model.embed_tokens.weight has shape [287 16], but config.json implies [287 32]`",
			args: initDir("cfg_other"), want: []string{"model.safetensors", "config.json implies"}},
		{input: ck, bad: "folder missing", gets: "`--init: load checkpoint …: no such file or directory`",
			args: initDir("nope"), want: []string{"--init", "no such file"}},
		{input: ck, bad: "`--resume` with another seed than the checkpoint's run", gets: "`--resume run: rl: resume: the checkpoint was written by a run with seed 1, this run has seed 2: resume with the run's own settings (drop the flags that change them), or start a new run with another --out`; the run folder is left as it was",
			args: func(f *fixtures) []string { return []string{"--resume", f.path("resume_run"), "--seed", "2"} },
			want: []string{"--resume", "seed 1", "seed 2", "drop the flags"}},
	}
}
