// Package rltrain_test holds checks on the shape of the repository itself:
// the layer order of the packages (docs/architecture.md), thin command
// files, and documentation cited from inside the repository.
package rltrain_test

import (
	"bufio"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/rltrain/rltrain/"

// rank is each package's layer: a package may import only packages of a
// strictly lower layer. tokenizer, data and rewards sit below rl; episode
// builders, the run folder, the warm start and the benchmark harness sit
// above it; the CLI is on top.
var rank = map[string]int{
	"asm":         0,
	"tensor":      1,
	"nn":          2,
	"tokenizer":   2,
	"data":        2,
	"rewards":     3,
	"dist":        3,
	"rl":          4,
	"selfimprove": 5,
	"run":         5,
	"warmstart":   5,
	"bench":       5,
	"prof":        5,
	"cmd/rltrain": 6,
}

// forbidden lists imports a lower rank alone would allow but the design
// rules out.
var forbidden = map[string][]string{
	"rl": {"tokenizer"}, // rl reads and writes text through rl.Codec
}

// imports returns the module-internal imports of the non-test Go files in dir.
func imports(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		af, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, im := range af.Imports {
			p, _ := strconv.Unquote(im.Path.Value)
			if rest, ok := strings.CutPrefix(p, module); ok {
				out[rest] = f
			}
		}
	}
	return out
}

func TestLayerOrder(t *testing.T) {
	err := filepath.WalkDir(".", func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			return nil
		}
		if name := d.Name(); path != "." && (strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") || name == "testdata") {
			return filepath.SkipDir
		}
		ims := imports(t, path)
		if len(ims) == 0 {
			return nil
		}
		top := path
		if !strings.HasPrefix(path, "cmd/") {
			top = strings.Split(path, string(filepath.Separator))[0]
		}
		r, ok := rank[top]
		if !ok {
			t.Errorf("%s: package not in the layer table of layers_test.go (add it, and to docs/architecture.md)", path)
			return nil
		}
		for im, file := range ims {
			imTop := strings.Split(im, "/")[0]
			if strings.HasPrefix(im, top+"/") || im == top {
				continue // a package's own sub-packages (asm/internal/…)
			}
			ir, ok := rank[imTop]
			switch {
			case !ok:
				t.Errorf("%s imports %s, which is not in the layer table", file, im)
			case ir >= r:
				t.Errorf("%s imports %s: %s (layer %d) may only import lower layers, %s is layer %d", file, im, top, r, imTop, ir)
			}
			for _, f := range forbidden[top] {
				if imTop == f {
					t.Errorf("%s imports %s, which %s must not", file, im, top)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestThinCommands: cmd/ parses flags, calls the library and prints, so no
// file of it grows past 300 lines.
func TestThinCommands(t *testing.T) {
	files, _ := filepath.Glob("cmd/*/*.go")
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if n := strings.Count(string(b), "\n"); n > 300 {
			t.Errorf("%s: %d lines; move logic into a package (limit 300)", f, n)
		}
	}
}

// TestDocsInRepo: code cites docs/ in this repository, never a document
// that lives outside it.
func TestDocsInRepo(t *testing.T) {
	for _, doc := range []string{"docs/algorithms.md", "docs/architecture.md"} {
		if _, err := os.Stat(doc); err != nil {
			t.Errorf("%s missing: %v", doc, err)
		}
	}
	filepath.WalkDir(".", func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") {
			return err
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		sc := bufio.NewScanner(f)
		for n := 1; sc.Scan(); n++ {
			if strings.Contains(sc.Text(), "ALGORITHMS"+".md") {
				t.Errorf("%s:%d cites ALGORITHMS"+".md, which is not in the repository: cite docs/algorithms.md", path, n)
			}
		}
		return nil
	})
}
