// Command _gen writes the assembly of package asm with avo. Each kernel family
// lives in its own file (dot.go, gemm.go, …) that registers a generator under
// a name and carries its own go:generate line:
//
//	//go:generate go run . -kernel dot -out ../dot_amd64.s
//
// Outputs are committed; `make check-generate` and asm's freshness test fail
// when they are stale. Stubs are hand-written in asm/*_amd64.go (the Go stub
// decides the signature, the generator supplies the body).
package main

import (
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"

	. "github.com/mmcloughlin/avo/build"
)

// generators maps a kernel family name to the function that emits its TEXT
// blocks into avo's global context.
var generators = map[string]func(){}

func register(name string, gen func()) {
	if _, dup := generators[name]; dup {
		panic("duplicate generator " + name)
	}
	generators[name] = gen
}

var kernel = flag.String("kernel", "", "kernel family to generate")

// kernelArg finds -kernel before avo parses the command line (avo's Generate
// parses flag.CommandLine itself).
func kernelArg() string {
	for i, a := range os.Args[1:] {
		a = strings.TrimLeft(a, "-")
		if v, ok := strings.CutPrefix(a, "kernel="); ok {
			return v
		}
		if a == "kernel" && i+2 < len(os.Args) {
			return os.Args[i+2]
		}
	}
	return ""
}

func main() {
	name := kernelArg()
	gen, ok := generators[name]
	if !ok {
		names := make([]string, 0, len(generators))
		for n := range generators {
			names = append(names, n)
		}
		sort.Strings(names)
		fmt.Fprintf(os.Stderr, "_gen: -kernel %q unknown; have %s\n", name, strings.Join(names, ", "))
		os.Exit(2)
	}
	os.Setenv("GOARCH", "amd64")
	ConstraintExpr("!purego")
	Package("github.com/rltrain/rltrain/asm")
	gen()
	Generate()
}
