package asm

import (
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

func TestForEachPath(t *testing.T) {
	before := Path()
	var seen []string
	ForEachPath(func(path string) {
		seen = append(seen, path)
		if got := Path(); got != path {
			t.Errorf("inside ForEachPath(%q): Path() = %q", path, got)
		}
	})
	want := append(Available(), PathGeneric)
	if testPaths != nil {
		want = testPaths
	}
	if !slices.Equal(seen, want) {
		t.Errorf("ForEachPath visited %v, want %v", seen, want)
	}
	if Path() != before {
		t.Errorf("ForEachPath left Path() = %q, want %q", Path(), before)
	}
	if testPaths == nil && seen[len(seen)-1] != PathGeneric {
		t.Errorf("last path %q, want %q", seen[len(seen)-1], PathGeneric)
	}
	t.Logf("CPU %q, paths %v", CPUName(), seen)
}

func TestParseTestPaths(t *testing.T) {
	if got := parseTestPaths(""); got != nil {
		t.Errorf(`parseTestPaths("") = %v, want nil (every path)`, got)
	}
	if got := parseTestPaths(" Generic "); !slices.Equal(got, []string{PathGeneric}) {
		t.Errorf(`parseTestPaths(" Generic ") = %v, want [generic]`, got)
	}
	if len(Available()) > 0 {
		best := Available()[0]
		if got := parseTestPaths(best + ",generic"); !slices.Equal(got, []string{best, PathGeneric}) {
			t.Errorf("parseTestPaths(%q) = %v", best+",generic", got)
		}
	}
}

// TestTestPathsUnavailable runs this test binary again with a path no CPU
// has: it must stop at start-up, naming the variable, instead of running no
// path and passing.
func TestTestPathsUnavailable(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-test.run=^TestForEachPath$")
	cmd.Env = append(os.Environ(), "RLTRAIN_TEST_PATHS=avx512,neon")
	out, err := cmd.CombinedOutput()
	ee, ok := err.(*exec.ExitError)
	if !ok || ee.ExitCode() != 2 {
		t.Fatalf("RLTRAIN_TEST_PATHS=avx512,neon: err = %v, want exit status 2; output:\n%s", err, out)
	}
	if !strings.Contains(string(out), `RLTRAIN_TEST_PATHS="avx512,neon"`) || !strings.Contains(string(out), "not available") {
		t.Errorf("output does not explain the bad path:\n%s", out)
	}
}
