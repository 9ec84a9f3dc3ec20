// Package bench is the harness behind `rltrain bench train` and `rltrain
// bench generate`: the model-level benchmarks of training-step and KV-cache
// generation speed and memory, for the named model configurations S and M
// of the issues (and T, a tiny one for smoke tests).
//
// A ModelConfig, whose fields the CLI binds one-to-one onto flags, expands
// into measurements (configuration × batch × threads). RunModel runs each
// one — in this process, or with Isolate in a fresh child process so that
// its peak RSS is its own — and prints a table or one TSV line per
// measurement (Result, TSVHeader; scripts/bench-model-compare.sh reads the
// TSV). The child is the caller's command (for the CLI, the rltrain binary
// with `bench train` or `bench generate`), which RunModel re-executes with
// the measurement's flags; see RunModel.
//
// Each Result sets the measured tokens/s and peak RSS against the model's
// cost from its nn.Config: model GFLOP/s (nn.Config.TrainFLOPsPerToken),
// weight traffic GB/s (nn.Config.DecodeWeightBytes) and the expected memory
// (nn.Config.TrainMemoryBytes, nn.Config.GenerateMemoryBytes).
//
// The building blocks are exported for the other benchmarks of the CLI
// (`rltrain bench grpo` compares one GRPO step with the same shapes run
// standalone): TimeReps, Median, RandomTokens, LMTrainer (the plain LM
// training step the train benchmark times), ModelByName, DefaultTrainBatch
// and ParseInts.
//
// The peer programs in the subdirectories c, openblas and torch are not Go:
// they measure the same shapes in C, OpenBLAS and PyTorch for
// scripts/bench-compare.sh and scripts/bench-model-compare.sh.
package bench
