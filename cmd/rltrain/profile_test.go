package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"testing"
	"time"
)

var profileSink float64

//go:noinline
func profileBurn(d time.Duration) {
	x := 1.0
	for end := time.Now().Add(d); time.Now().Before(end); {
		for i := 0; i < 10000; i++ {
			x = x*1.0000001 + 1e-9
		}
	}
	profileSink += x
}

func TestProfileCommand(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "cpu.pprof")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		t.Skipf("CPU profiling unavailable: %v", err)
	}
	pprof.Do(context.Background(), pprof.Labels("phase", "rollout"), func(context.Context) { profileBurn(150 * time.Millisecond) })
	pprof.StopCPUProfile()
	f.Close()

	// The file may come before or after the flags.
	for _, args := range [][]string{{"--top", "3", path}, {path, "--top", "3"}} {
		var out bytes.Buffer
		if err := profileCmd(args, &out, io.Discard); err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		s := out.String()
		if !strings.Contains(s, "CPU profile:") || !strings.Contains(s, "phase") {
			t.Fatalf("%v: output:\n%s", args, s)
		}
		if strings.Contains(s, " in 0 samples") {
			continue // starved profiler: nothing more to check
		}
		if !strings.Contains(s, "\nrollout ") || !strings.Contains(s, ".profileBurn") {
			t.Errorf("%v: the labelled burner is missing:\n%s", args, s)
		}
	}

	corrupt := filepath.Join(dir, "bad.pprof")
	os.WriteFile(corrupt, []byte("not a profile at all"), 0o644)
	for _, c := range []struct {
		args []string
		want string
	}{
		{nil, "name the CPU profile"},
		{[]string{path, path}, "one profile at a time"},
		{[]string{"--top", "-1", path}, "--top -1"},
		{[]string{filepath.Join(dir, "missing.pprof")}, "missing.pprof"},
		{[]string{corrupt}, corrupt + ": not a readable pprof profile"},
	} {
		err := profileCmd(c.args, io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: err = %v, want it to mention %q", c.args, err, c.want)
		}
	}
}
