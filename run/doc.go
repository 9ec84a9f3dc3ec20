// Package run owns a training run's folder: the metrics.jsonl and
// samples.jsonl logs, summary.json, the PNG plots, the terminal progress
// line and the policy checkpoints. It records what the trainer did; it
// decides nothing about training.
package run
