package asm

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// generateLine matches the go:generate lines of the avo programs in _gen:
//
//	//go:generate go run . -kernel dot -out ../dot_amd64.s
var generateLine = regexp.MustCompile(`(?m)^//go:generate go run \. (.*-out \.\./(\S+\.s).*)$`)

// TestGeneratedAssemblyFresh runs every avo generator of asm/_gen into a
// temporary directory and compares the result with the committed .s file,
// so stale assembly fails the tests (as math/big/internal/asmgen does).
// It needs the go command and the avo module (from the module cache or
// proxy); without the go command it is skipped under -short only.
func TestGeneratedAssemblyFresh(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		if testing.Short() {
			t.Skipf("go command not found (%v); the freshness check needs it", err)
		}
		t.Fatalf("go command not found (%v): install Go or run with -short", err)
	}
	srcs, err := filepath.Glob(filepath.Join("_gen", "*.go"))
	if err != nil || len(srcs) == 0 {
		t.Fatalf("no generator sources in _gen (%v)", err)
	}
	tmp := t.TempDir()
	gen := filepath.Join(tmp, "gen")
	build := exec.Command(goTool, "build", "-o", gen, ".")
	build.Dir = "_gen"
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the generators in asm/_gen: %v\n%s", err, out)
	}
	ran := 0
	for _, src := range srcs {
		text, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range generateLine.FindAllStringSubmatch(string(text), -1) {
			args, outName := strings.Fields(m[1]), m[2]
			tmpOut := filepath.Join(tmp, outName)
			for i, a := range args {
				if a == "../"+outName {
					args[i] = tmpOut
				}
			}
			cmd := exec.Command(gen, args...)
			cmd.Dir = "_gen"
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("%s: go run . %s: %v\n%s", src, m[1], err, out)
			}
			got, err := os.ReadFile(tmpOut)
			if err != nil {
				t.Fatal(err)
			}
			// The header names the output path; put the committed one back.
			got = bytes.ReplaceAll(got, []byte(tmpOut), []byte("../"+outName))
			want, err := os.ReadFile(outName)
			if err != nil {
				t.Fatalf("%s: committed output: %v", src, err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("asm/%s is stale: regenerate it with `make generate` (cd asm/_gen && go generate ./...)", outName)
			}
			ran++
		}
	}
	if ran == 0 {
		t.Fatal("no //go:generate lines found in asm/_gen")
	}
}
