package main

// The bad-input table: every input rltrain reads, a bad example of each, and
// what it gets. Each row runs the real command in-process on fixture files
// and must end with exit code 2, a message holding every `want` piece (the
// file:line or flag, and the fix), and every file under the test's folder
// — a run folder, output files, the fixtures — unchanged. A row marked ok
// is an input accepted on purpose (a byte-order mark, CRLF line ends) and
// must exit 0. The README's table is rendered from the same rows
// (TestBadInputTableInREADME).

import (
	"crypto/sha256"
	"errors"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// badRow is one line of the table.
type badRow struct {
	input string // the input, as the table's first column
	bad   string // what is wrong with it
	gets  string // what rltrain says (the table's last column)
	args  func(f *fixtures) []string
	want  []string // pieces the message must hold; {f} is replaced by the fixture folder
	not   []string // pieces it must not hold (a misleading hint)
	ok    bool     // accepted on purpose: exit 0
}

// badRows is the whole table, in the README's order.
func badRows() []badRow {
	return append(append(jsonlRows(), configRows()...), modelRows()...)
}

// runInProcess runs an rltrain command line as main would, with stdout and
// stderr discarded, and returns main's exit code and the error's text.
func runInProcess(t *testing.T, args []string) (int, string) {
	t.Helper()
	c, rest := commands[defaultCommand], args
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		c, rest = lookup(args)
	}
	if c == nil {
		t.Fatalf("no command for %q", args)
	}
	null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer null.Close()
	stdout, stderr := os.Stdout, os.Stderr
	os.Stdout, os.Stderr = null, null
	defer func() { os.Stdout, os.Stderr = stdout, stderr }()
	err = c.run(rest)
	switch {
	case err == nil || errors.Is(err, flag.ErrHelp):
		return 0, ""
	}
	var ec interface{ ExitCode() int }
	if errors.As(err, &ec) {
		return ec.ExitCode(), err.Error()
	}
	return 1, err.Error()
}

// snapshot hashes every file under root.
func snapshot(t *testing.T, root string) map[string][32]byte {
	t.Helper()
	out := map[string][32]byte{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		out[p] = sha256.Sum256(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// withDefaults puts the harness's flags before a row's (a row's own flags
// win): a run folder and an SFT output folder that exist and must stay as
// they are, a private warm-start cache, and settings that fit the fixture
// checkpoint's context.
func withDefaults(f *fixtures, args []string) []string {
	has := func(name string) bool {
		for _, a := range args {
			if strings.TrimLeft(a, "-") == name || strings.HasPrefix(strings.TrimLeft(a, "-"), name+"=") {
				return true
			}
		}
		return false
	}
	switch {
	case len(args) > 0 && args[0] == "sft":
		if !has("out") {
			args = append([]string{"sft", "--out", f.sftOut}, args[1:]...)
		}
	case len(args) == 0 || strings.HasPrefix(args[0], "-"):
		base := []string{"--cache", f.path("cache"), "--max-completion-length", "16", "--eval-max-new-tokens", "16",
			"--steps", "1", "--eval-n", "2", "--eval-k", "1"}
		if !has("out") && !has("resume") {
			base = append(base, "--out", f.runOut)
		}
		args = append(base, args...)
	}
	return args
}

// normalized lowers s and drops dashes, underscores and spaces, so that a
// flag (--max-non-finite) matches its config field (MaxNonFinite).
func normalized(s string) string {
	return strings.NewReplacer("-", "", "_", "", " ", "").Replace(strings.ToLower(s))
}

func TestBadInputTable(t *testing.T) {
	f := newFixtures(t)
	for _, r := range badRows() {
		t.Run(r.input+": "+r.bad, func(t *testing.T) {
			args := withDefaults(f, r.args(f))
			before := snapshot(t, f.root)
			code, msg := runInProcess(t, args)
			if r.ok {
				if code != 0 {
					t.Fatalf("%q: exit %d (%s), want it accepted", args, code, msg)
				}
			} else if code != 2 {
				t.Fatalf("%q: exit %d, want 2: %s", args, code, msg)
			}
			for _, w := range r.want {
				w = strings.ReplaceAll(w, "{f}", f.root)
				if !strings.Contains(msg, w) && !strings.Contains(normalized(msg), normalized(w)) {
					t.Errorf("message lacks %q:\n%s", w, msg)
				}
			}
			for _, w := range r.not {
				if strings.Contains(msg, w) {
					t.Errorf("message holds the misleading %q:\n%s", w, msg)
				}
			}
			after := snapshot(t, f.root)
			for p, h := range before {
				if a, ok := after[p]; !ok || a != h {
					t.Errorf("%s was changed or removed", p)
				}
			}
			for p := range after {
				if _, ok := before[p]; !ok {
					t.Errorf("%s was written", p)
				}
			}
		})
	}
}

// renderTable is the README's table of the rows.
func renderTable(rows []badRow) string {
	var b strings.Builder
	b.WriteString("| input | bad | what rltrain does (exit 2 unless accepted) |\n|---|---|---|\n")
	for _, r := range rows {
		b.WriteString("| " + r.input + " | " + r.bad + " | " + r.gets + " |\n")
	}
	return b.String()
}

// readmeHeading starts the README section that holds the table.
const readmeHeading = "### Bad input, row by row"

// The README's table lists exactly the rows this test runs (once the
// section is in the README; until then the rendered table is logged).
func TestBadInputTableInREADME(t *testing.T) {
	want := renderTable(badRows())
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	i := strings.Index(readme, readmeHeading)
	if i < 0 {
		t.Logf("README has no %q section yet; its table:\n%s", readmeHeading, want)
		return
	}
	sec := readme[i:]
	start := strings.Index(sec, "| input |")
	if start < 0 {
		t.Fatalf("README section %q has no table", readmeHeading)
	}
	sec = sec[start:]
	if end := strings.Index(sec, "\n\n"); end >= 0 {
		sec = sec[:end+1]
	}
	if sec != want {
		t.Fatalf("README's bad-input table differs from the test's rows; paste this:\n%s", want)
	}
}
