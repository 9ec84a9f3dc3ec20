package asm

// PathGeneric names the pure-Go path, which every build has.
const PathGeneric = "generic"

// Paths lists every kernel path this CPU and build can run, best first,
// ending with PathGeneric.
func Paths() []string { return append(Available(), PathGeneric) }

// ForEachPath runs f once per path of Paths, with the kernels switched to
// that path while f runs (better paths disabled through Disable), and
// restores the previous state afterwards. It is the one loop every kernel
// test and benchmark goes through, so that each assembly variant and the
// generic twin face the same checks:
//
//	asm.ForEachPath(func(path string) {
//		t.Run(path, func(t *testing.T) { … })
//	})
//
// Like Disable it is not safe while kernels run on other goroutines (run f's
// subtests serially, not with t.Parallel).
func ForEachPath(f func(path string)) {
	for _, p := range Paths() {
		restore := usePath(p)
		f(p)
		restore()
	}
}

// usePath switches the kernels to one path of Paths and returns the restore func.
func usePath(path string) (restore func()) {
	switch path {
	case FeatureAVX512:
		p2, p512 := useAVX2, useAVX512
		useAVX2, useAVX512 = hasAVX2, hasAVX512
		return func() { useAVX2, useAVX512 = p2, p512 }
	case FeatureAVX2:
		p2, p512 := useAVX2, useAVX512
		useAVX2, useAVX512 = hasAVX2, false
		return func() { useAVX2, useAVX512 = p2, p512 }
	case PathGeneric:
		return Disable("all")
	}
	panic("asm: unknown kernel path " + path)
}
