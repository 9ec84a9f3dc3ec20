package data

import (
	"errors"
	"strings"
	"testing"
)

func TestReadPairs(t *testing.T) {
	src := byteOrderMark + `{"prompt":"p1","chosen":"a","rejected":"b","extra":1}` + "\n\n" +
		`{"prompt":"p2","chosen":"c","rejected":"d"}` + "\r\n"
	ps, err := ReadPairs(strings.NewReader(src), "ok.jsonl")
	if err != nil || len(ps) != 2 || ps[0] != (Pair{"p1", "a", "b", 1}) || ps[1] != (Pair{"p2", "c", "d", 3}) {
		t.Fatalf("%+v %v", ps, err)
	}
	bad := `{"prompt":"p","chosen":"a"}` + "\n" + // 1: missing rejected
		`{"prompt":"p","chosen":"a","rejected":null}` + "\n" + // 2: null is missing
		`{"prompt":"p","chosen":"","rejected":"b"}` + "\n" + // 3: empty chosen
		`{"prompt":"p","chosen":"a","rejected":"a"}` + "\n" + // 4: identical
		`{"prompt":7,"chosen":"a","rejected":"b"}` + "\n" + // 5: not a string
		`[1]` + "\n" + // 6: not an object
		`{"prompt":"p","chosen":"a","rejected":"b"}` + "\n" // 7: fine
	_, err = ReadPairs(strings.NewReader(bad), "bad.jsonl")
	var ble *BadLinesError
	if !errors.As(err, &ble) || ble.Bad != 6 {
		t.Fatalf("%v", err)
	}
	for _, w := range []string{`bad.jsonl:1: field "rejected": missing`, `bad.jsonl:2: field "rejected": missing`,
		`bad.jsonl:3: field "chosen": empty`, `bad.jsonl:4: field "rejected": identical to chosen`,
		`bad.jsonl:5: field "prompt": want a string, have a number`, `bad.jsonl:6: not a JSON object`} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error lacks %q:\n%v", w, err)
		}
	}
	if _, err := ReadPairs(strings.NewReader("\n\n"), "empty.jsonl"); err == nil || !strings.Contains(err.Error(), "no preference pairs") {
		t.Errorf("empty file: %v", err)
	}
}
