package main

import (
	"bytes"
	"context"
	"strconv"
	"strings"
	"testing"
)

func TestBenchGRPOBadFlags(t *testing.T) {
	err := runBenchGRPO([]string{"-model", "T", "-max-completion", "64"})
	if err == nil || !strings.Contains(err.Error(), "-max-completion") {
		t.Errorf("bench grpo completion past max seq: error %v", err)
	}
}

func TestBenchGRPOSmoke(t *testing.T) {
	cfg := DefaultBenchGRPOConfig()
	cfg.Model, cfg.Vocab, cfg.Threads = "T", 300, "1"
	cfg.Prompts, cfg.Group, cfg.MaxCompletion = 2, 2, 12
	cfg.Warmup, cfg.Steps = 0, 1
	cfg.Format = "tsv"
	var buf bytes.Buffer
	if err := benchGRPO(context.Background(), &buf, cfg); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("want comment, header and one row, got\n%s", buf.String())
	}
	head, row := strings.Split(lines[1], "\t"), strings.Split(lines[2], "\t")
	if len(head) != len(row) {
		t.Fatalf("header %d fields, row %d", len(head), len(row))
	}
	for i, f := range row {
		v, err := strconv.ParseFloat(f, 64)
		if err != nil || !(v > 0) {
			t.Errorf("%s = %q, want a positive number", head[i], f)
		}
		if head[i] == "mean_len" && v != 12 {
			t.Errorf("mean completion length %g, want the forced 12", v)
		}
	}
}
