package data

import (
	"errors"
	"strings"
	"testing"
)

// A byte-order mark and CRLF line ends are accepted; a line over
// MaxLineBytes is a bad line named by number; LineOf maps IDs to lines; the
// skip hint is the caller's.
func TestJSONLLimitsAndLines(t *testing.T) {
	cfg := DefaultJSONLConfig()
	cfg.MaxLineBytes = 100
	src := "\xef\xbb\xbf" + `{"id": "a", "prompt": "p", "answer": "1"}` + "\r\n\r\n" +
		`{"id": "b", "prompt": "` + strings.Repeat("x", 200) + `", "answer": "1"}` + "\n" +
		`{"id": "c", "prompt": "q", "answer": "2"}`
	exs, st, err := ReadJSONL(strings.NewReader(src), "f.jsonl", cfg)
	var ble *BadLinesError
	if !errors.As(err, &ble) || ble.Bad != 1 || !strings.Contains(err.Error(), "f.jsonl:3: line of 240 bytes is over the 100-byte limit") {
		t.Fatalf("err = %v", err)
	}
	if !strings.Contains(err.Error(), "(OnError: skip)") {
		t.Fatalf("default hint missing: %v", err)
	}
	ble.SkipHint = "--my-flag skip"
	if !strings.Contains(err.Error(), "(--my-flag skip)") {
		t.Fatalf("caller's hint not used: %v", err)
	}
	var le *LineError
	if !errors.As(err, &le) || le.Line != 3 {
		t.Fatalf("LineError not reachable: %v", le)
	}
	cfg.OnError = OnErrorSkip
	exs, st, err = ReadJSONL(strings.NewReader(src), "f.jsonl", cfg)
	if err != nil || len(exs) != 2 || exs[0].ID != "a" || exs[0].Prompt != "p" {
		t.Fatalf("skip: %v %+v", err, exs)
	}
	if st.LineOf["a"] != 1 || st.LineOf["c"] != 4 || len(st.LineOf) != 2 {
		t.Fatalf("LineOf = %v, want a:1 c:4", st.LineOf)
	}
	cfg.MaxLineBytes = 0 // no cap
	if exs, _, err = ReadJSONL(strings.NewReader(src), "f.jsonl", cfg); err != nil || len(exs) != 3 {
		t.Fatalf("no cap: %v, %d examples", err, len(exs))
	}
}
