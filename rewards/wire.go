package rewards

// The JSON a reward program (Program, --reward-cmd) and a reward server
// (HTTPReward, --reward-http) exchange with the trainer: building a
// request from an Item and checking one answer's score and components.
// The protocols themselves are described in doc.go.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
)

// wireRequest is one request line of a reward program: the sample id, the
// example's fields and the completion. Meta keys that do not clash with
// these names are also copied to the top level (TinyZero-style "numbers",
// "target"), so a checker reads them like the fields of its JSONL line.
func wireRequest(id int64, it Item) map[string]any {
	ex := it.Example
	m := make(map[string]any, 12+len(ex.Meta))
	for k, v := range ex.Meta {
		if !slices.Contains(wireReserved, k) {
			m[k] = v
		}
	}
	m["id"] = id
	m["example_id"] = ex.ID
	m["task"] = ex.Task
	m["prompt"] = ex.Prompt
	m["answer"] = ex.Answer
	m["solution"] = ex.Solution
	m["meta"] = ex.Meta
	m["completion"] = it.Completion.Text
	m["tokens"] = it.Completion.Tokens
	m["truncated"] = it.Completion.Truncated
	m["group"] = it.Group
	return m
}

// encodeRequest appends the request line of sample id to buf. The line
// starts with "id", "tokens" and "truncated" in that order, so a checker in
// sh/awk can read them with a pattern; the other keys follow sorted.
func encodeRequest(buf *bytes.Buffer, id int64, it Item) error {
	m := wireRequest(id, it)
	for _, k := range []string{"id", "tokens", "truncated"} {
		delete(m, k)
	}
	var rest bytes.Buffer
	enc := json.NewEncoder(&rest)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(m); err != nil {
		return err
	}
	fmt.Fprintf(buf, `{"id":%d,"tokens":%d,"truncated":%t,`, id, it.Completion.Tokens, it.Completion.Truncated)
	buf.Write(rest.Bytes()[1:]) // without its "{"; ends in "}\n"
	return nil
}

// wireReserved are the request keys a Meta key may not overwrite.
var wireReserved = []string{"id", "example_id", "task", "prompt", "answer", "solution", "meta", "completion", "tokens", "truncated", "group"}

// wireScore turns a score's JSON (absent: nil) and its components into a
// Result for sample id, or an error saying what is wrong with them.
// null is no score (the message, or "no score", is the reason).
func wireScore(raw json.RawMessage, comps map[string]json.RawMessage, message string) (Result, error) {
	s := strings.TrimSpace(string(raw))
	if s == "" {
		return Result{}, fmt.Errorf(`missing "score" (a number, or null for no score)`)
	}
	reason := describeComponents(message, nil)
	if s == "null" {
		if reason == "" {
			reason = "no score"
		}
		return NoScore(reason), nil
	}
	score, err := wireNumber(s)
	if err != nil {
		return Result{}, fmt.Errorf(`"score": %w`, err)
	}
	parts := map[string]float64{}
	for k, v := range comps {
		x, err := wireNumber(strings.TrimSpace(string(v)))
		if err != nil {
			return Result{}, fmt.Errorf(`"components" %q: %w`, k, err)
		}
		parts[k] = x
	}
	return Scored(score, describeComponents(message, parts)), nil
}

// wireNumber parses a finite JSON number.
func wireNumber(s string) (float64, error) {
	if s == "" || (s[0] != '-' && (s[0] < '0' || s[0] > '9')) {
		return 0, fmt.Errorf("%s is not a number", clipRaw(s))
	}
	x, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(x, 0) || math.IsNaN(x) {
		return 0, fmt.Errorf("%s is not a finite number", clipRaw(s))
	}
	return x, nil
}

// describeComponents is a result's reason: the message, then the
// components sorted by name ("right answer; format=1 value=0").
func describeComponents(message string, parts map[string]float64) string {
	var b strings.Builder
	b.WriteString(message)
	for i, k := range slices.Sorted(maps.Keys(parts)) {
		if i == 0 && b.Len() > 0 {
			b.WriteString("; ")
		} else if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%s=%g", k, parts[k])
	}
	return b.String()
}

// nanHint explains a JSON decoding failure caused by a non-finite number,
// which JSON cannot hold (Python's json.dumps writes NaN and Infinity).
func nanHint(line string) string {
	if strings.Contains(line, "NaN") || strings.Contains(line, "Infinity") {
		return " (NaN and Infinity are not JSON numbers: send null for no score)"
	}
	return ""
}

// clip shortens s for an error message.
func clip(s string) string {
	const max = 80
	r := []rune(s)
	if len(r) > max {
		return strconv.Quote(string(r[:max])) + "…"
	}
	return strconv.Quote(s)
}

// clipRaw shortens raw JSON for an error message.
func clipRaw(s string) string {
	if r := []rune(s); len(r) > 80 {
		return string(r[:80]) + "…"
	}
	return s
}

// sampleIDs names sample ids for a log line: "sample id 3" or
// "sample ids 3-9,12".
func sampleIDs(ids []int64) string {
	if len(ids) == 1 {
		return fmt.Sprintf("sample id %d", ids[0])
	}
	return "sample ids " + idRanges(ids)
}

// idRanges writes sample ids compactly ("3-9,12") for logs.
func idRanges(ids []int64) string {
	var b strings.Builder
	for i := 0; i < len(ids); {
		j := i
		for j+1 < len(ids) && ids[j+1] == ids[j]+1 {
			j++
		}
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		if j > i {
			fmt.Fprintf(&b, "%d-%d", ids[i], ids[j])
		} else {
			fmt.Fprintf(&b, "%d", ids[i])
		}
		i = j + 1
	}
	return b.String()
}
