package data

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// ErrorPolicy says what ReadJSONL does with a bad line.
type ErrorPolicy string

const (
	// OnErrorFail reads the whole source, then fails listing the bad lines.
	OnErrorFail ErrorPolicy = "fail"
	// OnErrorSkip drops bad lines and counts them in Stats.
	OnErrorSkip ErrorPolicy = "skip"
)

// JSONLConfig maps the keys of a JSONL source onto Example fields and says
// how strict reading is.
type JSONLConfig struct {
	// IDKey names the id field (string or integer). Default "id". When the
	// key is empty or the field absent, the id is ContentID(prompt), so that
	// repeated prompts deduplicate and always land in the same split.
	IDKey string
	// PromptKey names the prompt field: a non-empty string, or a
	// conversation as MessagesKey holds it (TRL's conversational prompt).
	// Default "prompt".
	PromptKey string
	// MessagesKey names a conversation field, used when the prompt field is
	// absent: an array of {"role", "content"} with roles system (first
	// only), user and assistant, as TRL and verl datasets hold them. The
	// messages up to the last user turn are the prompt (Example.Messages);
	// an assistant message after it is the solution. Default "messages".
	MessagesKey string
	// AnswerKey names the gold answer field (string or number; a number keeps
	// its literal JSON text). Default "answer".
	AnswerKey string
	// SolutionKey names an optional worked solution (string). Default "solution".
	SolutionKey string
	// TaskKey names an optional task name (string). Default "task".
	TaskKey string
	// Task is the task name given to lines without one. Default "" (unknown).
	Task string
	// RequireAnswer makes a missing or empty answer a bad line. Default true.
	RequireAnswer bool
	// OnError is OnErrorFail (default) or OnErrorSkip.
	OnError ErrorPolicy
	// Dedup drops examples whose ID was already seen (first one kept). Default true.
	Dedup bool
	// MaxErrors caps how many line errors are kept in Stats and listed in the
	// error of OnErrorFail; all are counted. Default 20, range >= 1.
	MaxErrors int
	// MaxLineBytes caps the length of a line in bytes: a longer line is a bad
	// line, and no more than the cap of it is held in memory. Default 1 MiB
	// (1048576); 0 means no cap.
	MaxLineBytes int
}

// DefaultMaxLineBytes is JSONLConfig.MaxLineBytes's default: far above any
// prompt a model's context holds, far below what would stall loading.
const DefaultMaxLineBytes = 1 << 20

// DefaultJSONLConfig returns the defaults documented on JSONLConfig.
func DefaultJSONLConfig() JSONLConfig {
	return JSONLConfig{
		IDKey: "id", PromptKey: "prompt", MessagesKey: "messages", AnswerKey: "answer",
		SolutionKey: "solution", TaskKey: "task",
		RequireAnswer: true, OnError: OnErrorFail, Dedup: true, MaxErrors: 20,
		MaxLineBytes: DefaultMaxLineBytes,
	}
}

// Validate checks the configuration.
func (c JSONLConfig) Validate() error {
	if c.PromptKey == "" {
		return errors.New("data: JSONLConfig.PromptKey is empty; name the prompt field (e.g. \"prompt\", \"question\")")
	}
	if c.AnswerKey == "" && c.RequireAnswer {
		return errors.New("data: JSONLConfig.AnswerKey is empty but RequireAnswer is set; name the answer field or turn RequireAnswer off")
	}
	if c.OnError != OnErrorFail && c.OnError != OnErrorSkip {
		return fmt.Errorf("data: JSONLConfig.OnError %q: want %q or %q", c.OnError, OnErrorFail, OnErrorSkip)
	}
	if c.MaxErrors < 1 {
		return fmt.Errorf("data: JSONLConfig.MaxErrors %d: want >= 1", c.MaxErrors)
	}
	if c.MaxLineBytes < 0 {
		return fmt.Errorf("data: JSONLConfig.MaxLineBytes %d: want >= 0 (0: no cap)", c.MaxLineBytes)
	}
	keys := map[string]string{}
	for _, k := range [][2]string{{"IDKey", c.IDKey}, {"PromptKey", c.PromptKey}, {"MessagesKey", c.MessagesKey}, {"AnswerKey", c.AnswerKey}, {"SolutionKey", c.SolutionKey}, {"TaskKey", c.TaskKey}} {
		if k[1] == "" {
			continue
		}
		if prev, dup := keys[k[1]]; dup {
			return fmt.Errorf("data: JSONLConfig.%s and .%s both name %q; give each field its own key", prev, k[0], k[1])
		}
		keys[k[1]] = k[0]
	}
	return nil
}

// LineError is one bad line of a JSONL source.
type LineError struct {
	File  string // source name as given to ReadJSONL
	Line  int    // 1-based line number
	Field string // offending field, "" when the line as a whole is bad
	Err   error
}

func (e *LineError) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("%s:%d: %v", e.File, e.Line, e.Err)
	}
	return fmt.Sprintf("%s:%d: field %q: %v", e.File, e.Line, e.Field, e.Err)
}

func (e *LineError) Unwrap() error { return e.Err }

// Stats counts what ReadJSONL saw.
type Stats struct {
	Lines      int          // non-blank lines
	Kept       int          // examples returned
	Bad        int          // lines that failed validation
	Duplicates int          // valid lines dropped because their ID was seen before
	Errors     []*LineError // the first MaxErrors bad lines
	// LineOf maps the ID of each example returned to its 1-based line, so
	// that a later check (a prompt too long for a model) can name the line.
	LineOf map[string]int
}

// BadLinesError is ReadJSONL's error under OnErrorFail: the bad lines
// found and how to get past them. errors.As reaches each *LineError.
type BadLinesError struct {
	File   string
	Bad    int          // bad lines in all
	Errors []*LineError // the first MaxErrors of them
	// SkipHint says how the user skips bad lines, in the words of the program
	// that read the file (a command-line flag such as "--on-error skip");
	// default "OnError: skip".
	SkipHint string
}

func (e *BadLinesError) Error() string {
	var b strings.Builder
	for _, le := range e.Errors {
		b.WriteString(le.Error())
		b.WriteByte('\n')
	}
	fmt.Fprintf(&b, "data: %s: %d bad line(s)", e.File, e.Bad)
	if e.Bad > len(e.Errors) {
		fmt.Fprintf(&b, ", first %d listed", len(e.Errors))
	}
	hint := e.SkipHint
	if hint == "" {
		hint = "OnError: skip"
	}
	fmt.Fprintf(&b, "; fix them, fix the field mapping, or skip bad lines (%s)", hint)
	return b.String()
}

func (e *BadLinesError) Unwrap() []error {
	errs := make([]error, len(e.Errors))
	for i, le := range e.Errors {
		errs[i] = le
	}
	return errs
}

// byteOrderMark is what some editors write at the start of a UTF-8 file.
const byteOrderMark = "\xef\xbb\xbf"

// readLine reads the next line without its line ending, holding at most
// max+2 bytes of it in memory (max 0: no cap); n is its length in bytes and
// over says it passed max.
func readLine(br *bufio.Reader, max int) (line []byte, n int, over bool, err error) {
	for {
		chunk, rerr := br.ReadSlice('\n')
		n += len(chunk)
		if !over && max > 0 && len(line)+len(chunk) > max+2 {
			over, line = true, nil
		}
		if !over {
			line = append(line, chunk...)
		}
		if rerr == bufio.ErrBufferFull {
			continue
		}
		if rerr == nil {
			n-- // the newline
		}
		line = bytes.TrimRight(line, "\r\n")
		if max > 0 && len(line) > max {
			over = true
		}
		return line, n, over, rerr
	}
}

// ContentID is the ID given to an example without one: "p" followed by the
// first 16 hex digits of the SHA-256 of the prompt.
func ContentID(prompt string) string {
	h := sha256.Sum256([]byte(prompt))
	return "p" + hex.EncodeToString(h[:8])
}

// ReadJSONL reads examples from r, one JSON object per line; name is used in
// error messages (normally the file path). Blank lines are ignored.
func ReadJSONL(r io.Reader, name string, cfg JSONLConfig) ([]Example, Stats, error) {
	var st Stats
	if err := cfg.Validate(); err != nil {
		return nil, st, err
	}
	br := bufio.NewReaderSize(r, 1<<16)
	seen := map[string]bool{}
	st.LineOf = map[string]int{}
	var out []Example
	for lineNo := 1; ; lineNo++ {
		line, n, over, rerr := readLine(br, cfg.MaxLineBytes)
		if rerr != nil && rerr != io.EOF {
			return nil, st, fmt.Errorf("data: read %s:%d: %w", name, lineNo, rerr)
		}
		if lineNo == 1 {
			line = bytes.TrimPrefix(line, []byte(byteOrderMark))
		}
		if over || len(bytes.TrimSpace(line)) > 0 {
			st.Lines++
			var ex Example
			var lerr *LineError
			if over {
				lerr = &LineError{Err: fmt.Errorf("line of %d bytes is over the %d-byte limit (MaxLineBytes): split or shorten it, or raise the limit", n, cfg.MaxLineBytes)}
			} else {
				ex, lerr = parseLine(line, cfg)
			}
			switch {
			case lerr != nil:
				lerr.File, lerr.Line = name, lineNo
				st.Bad++
				if len(st.Errors) < cfg.MaxErrors {
					st.Errors = append(st.Errors, lerr)
				}
			case cfg.Dedup && seen[ex.ID]:
				st.Duplicates++
			default:
				seen[ex.ID] = true
				if _, dup := st.LineOf[ex.ID]; !dup {
					st.LineOf[ex.ID] = lineNo
				}
				out = append(out, ex)
			}
		}
		if rerr == io.EOF {
			break
		}
	}
	if st.Bad > 0 && cfg.OnError == OnErrorFail {
		return nil, st, &BadLinesError{File: name, Bad: st.Bad, Errors: st.Errors}
	}
	st.Kept = len(out)
	return out, st, nil
}

// LoadJSONL reads the JSONL file at path; see ReadJSONL.
func LoadJSONL(path string, cfg JSONLConfig) ([]Example, Stats, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, Stats{}, fmt.Errorf("data: %w", err)
	}
	defer f.Close()
	return ReadJSONL(f, path, cfg)
}

func parseLine(line []byte, cfg JSONLConfig) (Example, *LineError) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(line, &obj); err != nil {
		var ute *json.UnmarshalTypeError
		if errors.As(err, &ute) {
			return Example{}, &LineError{Err: fmt.Errorf("want a JSON object, have %s", ute.Value)}
		}
		return Example{}, &LineError{Err: fmt.Errorf("invalid JSON: %v", err)}
	}
	if obj == nil {
		return Example{}, &LineError{Err: errors.New("want a JSON object, have null")}
	}
	ex := Example{Task: cfg.Task}
	var err error
	// prompt, or a conversation
	convSolution := ""
	if lerr := parsePrompt(obj, cfg, &ex, &convSolution); lerr != nil {
		return ex, lerr
	}
	// answer
	if cfg.AnswerKey != "" {
		if raw, ok := obj[cfg.AnswerKey]; ok && !isNull(raw) {
			if ex.Answer, err = rawScalar(raw); err != nil {
				return ex, &LineError{Field: cfg.AnswerKey, Err: err}
			}
		}
		if cfg.RequireAnswer && strings.TrimSpace(ex.Answer) == "" {
			if raw, ok := obj[cfg.AnswerKey]; !ok || isNull(raw) {
				return ex, &LineError{Field: cfg.AnswerKey, Err: errors.New("missing answer (absent or null)")}
			}
			return ex, &LineError{Field: cfg.AnswerKey, Err: errors.New("empty answer")}
		}
	}
	// id
	if raw, ok := obj[cfg.IDKey]; ok && cfg.IDKey != "" && !isNull(raw) {
		if ex.ID, err = rawScalar(raw); err != nil {
			return ex, &LineError{Field: cfg.IDKey, Err: err}
		}
	}
	if ex.ID == "" {
		ex.ID = ContentID(conversationText(ex.Conversation()))
	}
	// optional strings
	for _, f := range []struct {
		key string
		dst *string
	}{{cfg.SolutionKey, &ex.Solution}, {cfg.TaskKey, &ex.Task}} {
		if raw, ok := obj[f.key]; ok && f.key != "" && !isNull(raw) {
			s, err := rawString(raw)
			if err != nil {
				return ex, &LineError{Field: f.key, Err: err}
			}
			if s != "" {
				*f.dst = s
			}
		}
	}
	if convSolution != "" {
		if ex.Solution != "" && ex.Solution != convSolution {
			return ex, &LineError{Field: cfg.SolutionKey, Err: errors.New("differs from the conversation's final assistant message: give the solution once")}
		}
		ex.Solution = convSolution
	}
	// everything else is meta
	var metaObj map[string]any
	for k, raw := range obj {
		switch k {
		case cfg.IDKey, cfg.PromptKey, cfg.MessagesKey, cfg.AnswerKey, cfg.SolutionKey, cfg.TaskKey:
			continue
		}
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			return ex, &LineError{Field: k, Err: err}
		}
		if k == "meta" {
			if m, ok := v.(map[string]any); ok {
				metaObj = m
				continue
			}
		}
		ex.setMeta(k, v)
	}
	// The entries of a "meta" object win over top-level keys of the same
	// name, whatever order the map gives the keys in.
	for mk, mv := range metaObj {
		ex.setMeta(mk, mv)
	}
	return ex, nil
}

func (ex *Example) setMeta(k string, v any) {
	if ex.Meta == nil {
		ex.Meta = map[string]any{}
	}
	ex.Meta[k] = v
}

func isNull(raw json.RawMessage) bool { return string(bytes.TrimSpace(raw)) == "null" }

// rawString decodes a JSON string.
func rawString(raw json.RawMessage) (string, error) {
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", fmt.Errorf("want a string, have %s", jsonKind(raw))
	}
	return s, nil
}

// rawScalar decodes a JSON string, or keeps a JSON number as its literal text.
func rawScalar(raw json.RawMessage) (string, error) {
	t := bytes.TrimSpace(raw)
	if len(t) > 0 && (t[0] == '-' || (t[0] >= '0' && t[0] <= '9')) {
		return string(t), nil
	}
	s, err := rawString(raw)
	if err != nil {
		return "", fmt.Errorf("want a string or number, have %s", jsonKind(raw))
	}
	return s, nil
}

func jsonKind(raw json.RawMessage) string {
	t := bytes.TrimSpace(raw)
	if len(t) == 0 {
		return "nothing"
	}
	switch t[0] {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
}

// WriteJSONL writes one JSON object per example, in the layout ReadJSONL
// reads back with DefaultJSONLConfig.
func WriteJSONL(w io.Writer, exs []Example) error {
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	for i := range exs {
		if err := enc.Encode(&exs[i]); err != nil {
			return fmt.Errorf("data: write example %q: %w", exs[i].ID, err)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("data: write: %w", err)
	}
	return nil
}
