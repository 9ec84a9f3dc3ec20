package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
)

// configError names the file and line of an error decoding a --config file
// and how to fix it: JSON syntax, a value of the wrong type, or an unknown
// key (the decoder refuses those, so a misspelt key is never ignored).
func configError(path string, b []byte, err error) error {
	off := -1
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	hint := "keys follow the JSON of the resolved config printed at start"
	switch {
	case errors.As(err, &se):
		off = int(se.Offset)
		hint = "fix the JSON syntax there"
	case errors.As(err, &te):
		off = int(te.Offset)
		hint = fmt.Sprintf("give %s a value of type %s", te.Field, te.Type)
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		off = len(b)
		hint = "the file ends before the JSON object does: complete it"
	default:
		if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
			if key, uerr := strconv.Unquote(name); uerr == nil {
				off = keyOffset(b, key)
				hint = fmt.Sprintf("%q is not a config key: check its spelling and nesting (%s)", key, hint)
			}
		}
	}
	where := path
	if off >= 0 {
		where = fmt.Sprintf("%s:%d", path, 1+bytes.Count(b[:min(off, len(b))], []byte("\n")))
	}
	return fmt.Errorf("--config %s: %w: %s", where, err, hint)
}

// keyOffset is the offset of the first "key": in b, or -1.
func keyOffset(b []byte, key string) int {
	re := regexp.MustCompile(regexp.QuoteMeta(strconv.Quote(key)) + `\s*:`)
	if loc := re.FindIndex(b); loc != nil {
		return loc[0]
	}
	return -1
}
