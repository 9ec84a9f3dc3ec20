package data

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
)

// maxFuzzInput bounds the inputs of the fuzz targets of this package, and
// with them each execution's time and memory.
const maxFuzzInput = 1 << 20

var errFuzzRead = errors.New("fuzz: read failed")

// fuzzJSONLConfig maps the bits of mode onto a JSONLConfig: bit 0 the error
// policy, bit 1 RequireAnswer off, bit 2 Dedup off, bits 3–4 the key
// mapping, bit 5 MaxErrors 1.
func fuzzJSONLConfig(mode uint8) JSONLConfig {
	cfg := DefaultJSONLConfig()
	if mode&1 != 0 {
		cfg.OnError = OnErrorSkip
	}
	cfg.RequireAnswer = mode&2 == 0
	cfg.Dedup = mode&4 == 0
	switch mode >> 3 & 3 {
	case 1: // GSM8K style
		cfg.PromptKey, cfg.IDKey, cfg.Task = "question", "idx", "word"
	case 2: // content ids, no optional fields
		cfg.IDKey, cfg.SolutionKey, cfg.TaskKey = "", "", ""
	case 3: // everything renamed, "meta" a mapped key
		cfg.PromptKey, cfg.AnswerKey, cfg.IDKey, cfg.SolutionKey, cfg.TaskKey = "q", "a", "meta", "s", "t"
	}
	if mode&32 != 0 {
		cfg.MaxErrors = 1
	}
	return cfg
}

// fuzzReader wraps in as bits 6–7 of mode say: whole, one byte per Read,
// data with io.EOF, or failing with errFuzzRead half-way.
func fuzzReader(in []byte, mode uint8) (r io.Reader, failsAt int) {
	switch mode >> 6 {
	case 1:
		return iotest.OneByteReader(bytes.NewReader(in)), -1
	case 2:
		return iotest.DataErrReader(bytes.NewReader(in)), -1
	case 3:
		half := len(in) / 2
		return io.MultiReader(bytes.NewReader(in[:half]), iotest.ErrReader(errFuzzRead)), half
	}
	return bytes.NewReader(in), -1
}

// FuzzReadJSONLModes reads arbitrary bytes as a JSONL file under every
// JSONLConfig shape (both error policies, optional answers, no dedup,
// renamed keys, MaxErrors 1) and through readers that split or fail. It
// never panics; every error names the source and a line that exists and
// holds text; the counts add up; the two error policies agree; and what is
// kept is a valid example.
func FuzzReadJSONLModes(f *testing.F) {
	const good = `{"id":"a1","prompt":"compute 2+2","answer":"4"}`
	for _, s := range []string{
		good + "\n" + `{"id":7,"prompt":"p","answer":9,"meta":{"k":[1,{"x":null}]},"level":1}` + "\n",
		"\ufeff" + good + "\n" + good,                                                    // BOM; then a duplicate
		good + "\r\n" + `{"prompt":"q\r\n","answer":"1"}` + "\r\n\r\n",                   // CRLF
		`{"prompt":"` + strings.Repeat("long ", 14000) + `","answer":"x"}` + "\n" + good, // a 70 kB line, over bufio's 64 kB
		"{\"prompt\":\"\xff\xfe\xc3\",\"answer\":\"\xe2\x82\"}\n{\"prompt\":\"\\ud800\",\"answer\":\"\\udfff\"}",
		`{"prompt":5,"answer":"1"}` + "\n" + `{"prompt":"p","answer":[1]}` + "\n" + `{"prompt":"p","answer":"1","id":{"a":1}}` +
			"\n" + `{"prompt":"p","answer":"1","solution":3}` + "\n" + `{"prompt":"p","answer":true,"task":[]}`,
		`{"answer":"1"}` + "\n" + `{"prompt":"","answer":"1"}` + "\n" + `{"prompt":" \t","answer":"1"}` + "\n" +
			`{"prompt":"p"}` + "\n" + `{"prompt":"p","answer":null}` + "\n" + `{"prompt":"p","answer":""}` + "\n" + `{"prompt":"p","answer":" "}`,
		`{"question":"Q?","answer":"3","idx":1}` + "\n" + `{"q":"x","a":-1.5e3,"meta":"m","s":"sol","t":"task"}`,
		"null\n[]\n\"s\"\n12\ntrue\n{}\n{\n}\n{\"prompt\":\"p\",\"answer\":\"1\"} trailing",
		`{"prompt":"p","answer":"1","meta":` + strings.Repeat("[", 10001) + strings.Repeat("]", 10001) + "}",
		`{"prompt":"p","prompt":"dup key","answer":"1","answer":2}`,
		`{"prompt":"p","answer":1e999}` + "\n" + `{"prompt":"p","answer":-0}` + "\n" + `{"prompt":"p","answer":01}`,
		"\n\n \t \n\r\n\x00\n\u2028\n\u00a0",
		// conversations: messages, a conversational prompt, and the bad kinds
		`{"messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"2+2?"},{"role":"assistant","content":"4"}],"answer":"4"}` + "\n" +
			`{"prompt":[{"role":"user","content":"hi"},{"role":"assistant","content":"yo"},{"role":"user","content":"3+3?"}],"answer":6}` + "\n" +
			`{"prompt":"2+2?","messages":[{"role":"user","content":"2+2?"}],"answer":"4","solution":"4"}`,
		`{"messages":"hi","answer":"1"}` + "\n" + `{"messages":[],"answer":"1"}` + "\n" + `{"messages":[{"role":"bot","content":"x"}],"answer":"1"}` + "\n" +
			`{"messages":[{"role":"user","content":" "}],"answer":"1"}` + "\n" + `{"messages":[{"role":"assistant","content":"x"}],"answer":"1"}` + "\n" +
			`{"messages":[{"role":"user","content":"q"},{"role":"system","content":"s"}],"answer":"1"}` + "\n" +
			`{"messages":[{"role":"user","content":"q"},{"role":"assistant","content":"a"},{"role":"assistant","content":"b"}],"answer":"1"}` + "\n" +
			`{"messages":[{"role":"user","content":["x"]}],"answer":"1"}` + "\n" + `{"messages":[null,1],"answer":"1"}` + "\n" +
			`{"prompt":"other","messages":[{"role":"user","content":"q"}],"answer":"1"}` + "\n" +
			`{"messages":[{"role":"user","content":"q"},{"role":"assistant","content":"a"}],"solution":"b","answer":"1"}`,
		"",
	} {
		f.Add([]byte(s), uint8(0))
		f.Add([]byte(s), uint8(1|2|4|8))
		f.Add([]byte(s), uint8(1|16|32|64))
		f.Add([]byte(s), uint8(24|128))
		f.Add([]byte(s), uint8(3|192))
	}
	f.Fuzz(func(t *testing.T, in []byte, mode uint8) {
		if len(in) > maxFuzzInput {
			t.Skip("input over 1 MB")
		}
		cfg := fuzzJSONLConfig(mode)
		r, failsAt := fuzzReader(in, mode)
		exs, st, err := ReadJSONL(r, "fuzz", cfg)

		// The lines as ReadJSONL numbers them: 1-based, split at '\n'.
		lines := bytes.Split(in, []byte("\n"))
		if failsAt >= 0 {
			// Every line before the failure was read whole; the failing
			// line is the one holding byte failsAt.
			failLine := bytes.Count(in[:failsAt], []byte("\n")) + 1
			if err == nil || !errors.Is(err, errFuzzRead) {
				t.Fatalf("read error lost: %v", err)
			}
			if want := fmt.Sprintf("fuzz:%d:", failLine); !strings.Contains(err.Error(), want) {
				t.Fatalf("read error does not name %s: %v", want, err)
			}
			return
		}
		nonBlank := 0
		for i, l := range lines {
			if i == 0 {
				l = bytes.TrimPrefix(l, []byte("\ufeff")) // a leading byte-order mark is accepted
			}
			if len(bytes.TrimSpace(l)) > 0 {
				nonBlank++
			}
		}
		if st.Lines != nonBlank {
			t.Fatalf("Lines = %d, the input has %d non-blank lines", st.Lines, nonBlank)
		}
		if want := min(st.Bad, cfg.MaxErrors); len(st.Errors) != want {
			t.Fatalf("%d errors kept of %d bad lines, MaxErrors %d", len(st.Errors), st.Bad, cfg.MaxErrors)
		}
		prev := 0
		for _, e := range st.Errors {
			if e.File != "fuzz" || e.Line <= prev || e.Line > len(lines) || len(bytes.TrimSpace(lines[e.Line-1])) == 0 {
				t.Fatalf("error at line %d (previous %d) of %d, file %q: %v", e.Line, prev, len(lines), e.File, e)
			}
			prev = e.Line
			if want := fmt.Sprintf("fuzz:%d: ", e.Line); !strings.HasPrefix(e.Error(), want) {
				t.Fatalf("line error does not start with %q: %v", want, e)
			}
			if e.Err == nil {
				t.Fatalf("line error without a cause at line %d", e.Line)
			}
		}

		switch {
		case cfg.OnError == OnErrorFail && st.Bad > 0:
			if err == nil || exs != nil {
				t.Fatalf("%d bad lines, OnError fail: err %v, %d examples", st.Bad, err, len(exs))
			}
			var le *LineError
			if !errors.As(err, &le) || le != st.Errors[0] {
				t.Fatalf("error does not unwrap to the first line error: %v", err)
			}
			for _, e := range st.Errors {
				if !strings.Contains(err.Error(), e.Error()) {
					t.Fatalf("error does not list line %d:\n%v", e.Line, err)
				}
			}
		case err != nil:
			t.Fatalf("unexpected error (bad %d, policy %s): %v", st.Bad, cfg.OnError, err)
		default:
			if st.Kept != len(exs) || st.Kept+st.Bad+st.Duplicates != st.Lines {
				t.Fatalf("counts do not add up: %+v, %d examples", st, len(exs))
			}
		}

		seen := map[string]bool{}
		for _, ex := range exs {
			if strings.TrimSpace(ex.Prompt) == "" || ex.ID == "" {
				t.Fatalf("invalid example kept: %+v", ex)
			}
			if cfg.RequireAnswer && strings.TrimSpace(ex.Answer) == "" {
				t.Fatalf("example without an answer kept: %+v", ex)
			}
			if cfg.Dedup && seen[ex.ID] {
				t.Fatalf("duplicate id %q kept", ex.ID)
			}
			if len(ex.Messages) > 0 {
				checkConversation(t, ex)
			}
			seen[ex.ID] = true
		}

		// The other policy sees the same lines, and the same examples
		// when nothing is bad.
		other := cfg
		other.OnError = map[ErrorPolicy]ErrorPolicy{OnErrorFail: OnErrorSkip, OnErrorSkip: OnErrorFail}[cfg.OnError]
		exs2, st2, err2 := ReadJSONL(bytes.NewReader(in), "fuzz", other)
		if st2.Lines != st.Lines || st2.Bad != st.Bad || !reflect.DeepEqual(st2.Errors, st.Errors) {
			t.Fatalf("policies disagree: %s %+v, %s %+v", cfg.OnError, st, other.OnError, st2)
		}
		if st.Bad == 0 && (err2 != nil || !reflect.DeepEqual(exs2, exs)) {
			t.Fatalf("policies disagree on a clean file: %v", err2)
		}

		// What was kept writes and reads back unchanged.
		if len(exs) > 0 && cfg.RequireAnswer {
			var buf bytes.Buffer
			if err := WriteJSONL(&buf, exs); err != nil {
				t.Fatal(err)
			}
			rcfg := DefaultJSONLConfig()
			rcfg.Dedup = cfg.Dedup
			back, _, err := ReadJSONL(&buf, "back", rcfg)
			if err != nil || len(back) != len(exs) {
				t.Fatalf("kept examples do not read back: %v, %d of %d", err, len(back), len(exs))
			}
			for i, b := range back {
				a := exs[i]
				if a.ID != b.ID || a.Task != b.Task || a.Prompt != b.Prompt || a.Answer != b.Answer || a.Solution != b.Solution || !reflect.DeepEqual(a.Messages, b.Messages) {
					t.Fatalf("example changed in a round trip:\n%+v\n%+v", a, b)
				}
			}
		}
	})
}

// TestReadJSONLMetaPrecedence is the regression test of the first input
// FuzzReadJSONLModes failed on (testdata/fuzz/FuzzReadJSONLModes): a key
// both at the top level and in the "meta" object got either value, by map
// iteration order, so two reads of one file could differ. The "meta" member
// wins.
func TestReadJSONLMetaPrecedence(t *testing.T) {
	const line = `{"0":"0","1":0,"prompt":"0","answer":0,"meta":{"1":[0,{}]},"1":0} `
	for range 50 {
		exs, _, err := ReadJSONL(strings.NewReader(line), "meta.jsonl", DefaultJSONLConfig())
		if err != nil {
			t.Fatal(err)
		}
		if got, want := exs[0].Meta, map[string]any{"0": "0", "1": []any{0.0, map[string]any{}}}; !reflect.DeepEqual(got, want) {
			t.Fatalf("Meta = %v, want %v", got, want)
		}
	}
}

// checkConversation asserts what ReadJSONL promises of a conversation it
// keeps: known roles, a system message only first, no empty content, and
// a last message from the user whose content is the prompt.
func checkConversation(t *testing.T, ex Example) {
	t.Helper()
	for i, m := range ex.Messages {
		switch {
		case m.Role != RoleSystem && m.Role != RoleUser && m.Role != RoleAssistant:
			t.Fatalf("message %d has role %q: %+v", i, m.Role, ex)
		case m.Role == RoleSystem && i != 0:
			t.Fatalf("system message at %d: %+v", i, ex)
		case strings.TrimSpace(m.Content) == "":
			t.Fatalf("message %d is empty: %+v", i, ex)
		}
	}
	last := ex.Messages[len(ex.Messages)-1]
	if last.Role != RoleUser || last.Content != ex.Prompt {
		t.Fatalf("conversation does not end with the prompt as a user turn: %+v", ex)
	}
}
