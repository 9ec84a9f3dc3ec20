package asm

import (
	"slices"
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
	if want := append(Available(), PathGeneric); !slices.Equal(seen, want) {
		t.Errorf("ForEachPath visited %v, want %v", seen, want)
	}
	if Path() != before {
		t.Errorf("ForEachPath left Path() = %q, want %q", Path(), before)
	}
	if seen[len(seen)-1] != PathGeneric {
		t.Errorf("last path %q, want %q", seen[len(seen)-1], PathGeneric)
	}
	t.Logf("CPU %q, paths %v", CPUName(), seen)
}
