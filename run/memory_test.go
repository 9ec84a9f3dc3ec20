package run

import "testing"

func TestParseMemAvailable(t *testing.T) {
	in := "MemTotal:       24600000 kB\nMemFree:         1000 kB\nMemAvailable:   20000000 kB\n"
	got, ok := parseMemAvailable([]byte(in))
	if !ok || got != 20000000*1024 {
		t.Fatalf("got %d %v, want %d", got, ok, 20000000*1024)
	}
	for _, bad := range []string{"", "MemFree: 5 kB\n", "MemAvailable: x kB\n", "MemAvailable: -3 kB\n"} {
		if _, ok := parseMemAvailable([]byte(bad)); ok {
			t.Errorf("%q: accepted", bad)
		}
	}
}
