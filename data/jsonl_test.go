package data

import (
	"bytes"
	"errors"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

var mixed = filepath.Join("..", "testdata", "data", "mixed.jsonl")

// mixedBad lists every bad line of testdata/data/mixed.jsonl: line, field, message part.
var mixedBad = []struct {
	line       int
	field, msg string
}{
	{4, "prompt", "empty prompt"},
	{5, "answer", "missing answer"},
	{6, "", "invalid JSON"},
	{7, "prompt", "want a string, have a number"},
	{8, "answer", "want a string or number, have an array"},
	{9, "", "want a JSON object"},
	{12, "answer", "missing answer"},
	{13, "id", "want a string or number, have an object"},
}

func TestReadJSONLSkip(t *testing.T) {
	cfg := DefaultJSONLConfig()
	cfg.OnError = OnErrorSkip
	exs, st, err := LoadJSONL(mixed, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if st.Lines != 13 || st.Bad != len(mixedBad) || st.Duplicates != 1 || st.Kept != 4 || len(exs) != 4 {
		t.Fatalf("stats %+v, %d examples", st, len(exs))
	}
	for i, want := range mixedBad {
		e := st.Errors[i]
		if e.Line != want.line || e.Field != want.field || !strings.Contains(e.Err.Error(), want.msg) || e.File != mixed {
			t.Errorf("error %d = %v; want line %d field %q %q", i, e, want.line, want.field, want.msg)
		}
	}
	ids := []string{exs[0].ID, exs[1].ID, exs[2].ID, exs[3].ID}
	if ids[0] != "a1" || ids[1] != "a2" || ids[2] != "8" || ids[3] != ContentID("compute 6+6") {
		t.Errorf("ids %v", ids)
	}
	if exs[0].Prompt != "compute 2+2" || exs[0].Answer != "4" {
		t.Errorf("first example %+v", exs[0])
	}
	if exs[1].Answer != "9" || exs[1].Meta["source"] != "hand" || exs[1].Meta["level"] != 1.0 {
		t.Errorf("numeric answer / meta: %+v", exs[1])
	}
	if exs[2].Task != "arithmetic" || exs[2].Solution == "" {
		t.Errorf("task / solution: %+v", exs[2])
	}
}

func TestReadJSONLFail(t *testing.T) {
	_, st, err := LoadJSONL(mixed, DefaultJSONLConfig())
	if err == nil {
		t.Fatal("bad lines accepted")
	}
	msg := err.Error()
	for _, want := range mixedBad {
		loc := mixed + ":" + strconv.Itoa(want.line) + ":"
		if !strings.Contains(msg, loc) {
			t.Errorf("error does not name %s:\n%s", loc, msg)
		}
	}
	if !strings.Contains(msg, `mixed.jsonl:4: field "prompt": empty prompt`) || !strings.Contains(msg, "OnError: skip") {
		t.Errorf("error text:\n%s", msg)
	}
	var le *LineError
	if !errors.As(err, &le) || le.Line != 4 {
		t.Errorf("errors.As LineError: %v", le)
	}
	if st.Bad != len(mixedBad) {
		t.Errorf("bad = %d", st.Bad)
	}
	// MaxErrors caps the list but not the count.
	cfg := DefaultJSONLConfig()
	cfg.MaxErrors = 2
	_, st, err = LoadJSONL(mixed, cfg)
	if st.Bad != len(mixedBad) || len(st.Errors) != 2 || !strings.Contains(err.Error(), "first 2 listed") {
		t.Errorf("MaxErrors: %+v %v", st, err)
	}
}

func TestReadJSONLMapping(t *testing.T) {
	cfg := DefaultJSONLConfig()
	cfg.PromptKey, cfg.IDKey, cfg.Task = "question", "idx", "word"
	exs, st, err := LoadJSONL(filepath.Join("..", "testdata", "data", "gsm_style.jsonl"), cfg)
	if err != nil || st.Kept != 2 {
		t.Fatalf("%v %+v", err, st)
	}
	if exs[0].ID != "1" || exs[1].Answer != "3" || exs[1].Task != "word" || !strings.HasPrefix(exs[1].Prompt, "Bob has") {
		t.Errorf("%+v", exs)
	}
	// The default mapping finds no prompt: every line names the field.
	_, _, err = LoadJSONL(filepath.Join("..", "testdata", "data", "gsm_style.jsonl"), DefaultJSONLConfig())
	if err == nil || !strings.Contains(err.Error(), `gsm_style.jsonl:2: field "prompt": missing`) {
		t.Errorf("default mapping on GSM-style file: %v", err)
	}
	for _, bad := range []JSONLConfig{
		{PromptKey: "", AnswerKey: "a", OnError: OnErrorFail, MaxErrors: 1},
		{PromptKey: "p", AnswerKey: "p", OnError: OnErrorFail, MaxErrors: 1},
		{PromptKey: "p", AnswerKey: "a", OnError: "ignore", MaxErrors: 1},
		{PromptKey: "p", AnswerKey: "a", OnError: OnErrorFail, MaxErrors: 0},
		{PromptKey: "p", RequireAnswer: true, OnError: OnErrorFail, MaxErrors: 1},
	} {
		if bad.Validate() == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
}

func TestJSONLRoundTrip(t *testing.T) {
	for _, task := range Tasks() {
		exs, err := Generate(task, 20, 5, DefaultGenConfig())
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := WriteJSONL(&buf, exs); err != nil {
			t.Fatal(err)
		}
		back, st, err := ReadJSONL(&buf, task, DefaultJSONLConfig())
		if err != nil || st.Kept != len(exs) {
			t.Fatalf("%s: %v %+v", task, err, st)
		}
		for i := range exs {
			a, b := exs[i], back[i]
			if a.ID != b.ID || a.Task != b.Task || a.Prompt != b.Prompt || a.Answer != b.Answer || a.Solution != b.Solution {
				t.Fatalf("%s: %+v != %+v", task, a, b)
			}
			if task == "countdown" {
				n1, _ := MetaInts(a, "numbers")
				n2, err := MetaInts(b, "numbers")
				t1, _ := MetaInt(a, "target")
				t2, err2 := MetaInt(b, "target")
				if err != nil || err2 != nil || len(n1) != len(n2) || t1 != t2 {
					t.Fatalf("meta after round trip: %v %v %v %v", n1, n2, err, err2)
				}
				for k := range n1 {
					if n1[k] != n2[k] {
						t.Fatalf("numbers %v != %v", n1, n2)
					}
				}
			}
		}
	}
}

func FuzzReadJSONL(f *testing.F) {
	f.Add([]byte(`{"id":"1","prompt":"p","answer":"a"}` + "\n" + `{"prompt":5}` + "\n\n{"))
	f.Add([]byte(`{"prompt":"x","answer":1e999,"meta":{"k":[1,2]}}`))
	f.Add([]byte("\xff\xfe{\"prompt\":\"\\ud800\",\"answer\":\"\"}\r\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		cfg := DefaultJSONLConfig()
		cfg.OnError = OnErrorSkip
		exs, st, err := ReadJSONL(bytes.NewReader(in), "fuzz", cfg)
		if err != nil {
			t.Fatal(err)
		}
		if st.Kept+st.Bad+st.Duplicates != st.Lines || len(exs) != st.Kept {
			t.Fatalf("counts do not add up: %+v, %d examples", st, len(exs))
		}
		lines := bytes.Count(in, []byte("\n")) + 1
		for _, e := range st.Errors {
			if e.Line < 1 || e.Line > lines || e.File != "fuzz" {
				t.Fatalf("error at line %d of %d: %v", e.Line, lines, e)
			}
		}
		for _, ex := range exs {
			if strings.TrimSpace(ex.Prompt) == "" || strings.TrimSpace(ex.Answer) == "" || ex.ID == "" {
				t.Fatalf("invalid example kept: %+v", ex)
			}
		}
	})
}
