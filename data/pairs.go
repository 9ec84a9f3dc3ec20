package data

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
)

// Pair is one preference pair for DPO: a prompt and two completions of it,
// the chosen one preferred to the rejected one.
type Pair struct {
	Prompt, Chosen, Rejected string
	// Line is the pair's 1-based line in its source, for later errors
	// (a pair too long for a model's context).
	Line int
}

// ReadPairs reads preference pairs from r, one JSON object per line with
// non-empty string fields "prompt", "chosen" and "rejected" (other fields
// are ignored); name is used in error messages. Blank lines are ignored.
// Every bad line is reported (the first 20 listed) as name:line: field: why,
// in a *BadLinesError; identical chosen and rejected texts are a bad line,
// since such a pair carries no preference.
func ReadPairs(r io.Reader, name string) ([]Pair, error) {
	const maxErrors = 20
	br := bufio.NewReaderSize(r, 1<<16)
	var out []Pair
	bad := &BadLinesError{File: name, SkipHint: "delete them from the file"}
	for lineNo := 1; ; lineNo++ {
		line, n, over, rerr := readLine(br, DefaultMaxLineBytes)
		if rerr != nil && rerr != io.EOF {
			return nil, fmt.Errorf("data: read %s:%d: %w", name, lineNo, rerr)
		}
		if lineNo == 1 {
			line = bytes.TrimPrefix(line, []byte(byteOrderMark))
		}
		if over || len(bytes.TrimSpace(line)) > 0 {
			var p Pair
			var lerr *LineError
			if over {
				lerr = &LineError{Err: fmt.Errorf("line of %d bytes is over the %d-byte limit", n, DefaultMaxLineBytes)}
			} else {
				p, lerr = parsePair(line)
			}
			if lerr != nil {
				lerr.File, lerr.Line = name, lineNo
				if bad.Bad++; len(bad.Errors) < maxErrors {
					bad.Errors = append(bad.Errors, lerr)
				}
			} else {
				p.Line = lineNo
				out = append(out, p)
			}
		}
		if rerr == io.EOF {
			break
		}
	}
	if bad.Bad > 0 {
		return nil, bad
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("data: %s holds no preference pairs (JSONL lines with prompt, chosen and rejected)", name)
	}
	return out, nil
}

// LoadPairs reads the JSONL file at path; see ReadPairs.
func LoadPairs(path string) ([]Pair, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("data: %w", err)
	}
	defer f.Close()
	return ReadPairs(f, path)
}

func parsePair(line []byte) (Pair, *LineError) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(line, &obj); err != nil {
		return Pair{}, &LineError{Err: fmt.Errorf("not a JSON object: %v", err)}
	}
	var p Pair
	for _, f := range []struct {
		key string
		dst *string
	}{{"prompt", &p.Prompt}, {"chosen", &p.Chosen}, {"rejected", &p.Rejected}} {
		raw, ok := obj[f.key]
		if !ok || isNull(raw) {
			return Pair{}, &LineError{Field: f.key, Err: errors.New("missing: each line needs prompt, chosen and rejected")}
		}
		s, err := rawString(raw)
		if err != nil {
			return Pair{}, &LineError{Field: f.key, Err: err}
		}
		if s == "" {
			return Pair{}, &LineError{Field: f.key, Err: errors.New("empty")}
		}
		*f.dst = s
	}
	if p.Chosen == p.Rejected {
		return Pair{}, &LineError{Field: "rejected", Err: errors.New("identical to chosen: a pair needs two different completions")}
	}
	return p, nil
}
