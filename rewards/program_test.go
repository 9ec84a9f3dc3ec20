package rewards

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rltrain/rltrain/data"
)

// TestMain lets the test binary play a reward program: with
// RLTRAIN_FAKE_PROGRAM=mode it answers on stdin/stdout as that mode says
// (fakeProgram) instead of running the tests.
func TestMain(m *testing.M) {
	if mode := os.Getenv("RLTRAIN_FAKE_PROGRAM"); mode != "" {
		os.Exit(fakeProgram(mode))
	}
	os.Exit(m.Run())
}

// fakeProgram answers each request: score = tokens, except that a
// completion naming a fault produces it (garbage mode), and the modes exit,
// hang or crash.
func fakeProgram(mode string) int {
	if mode == "exit" {
		fmt.Fprintln(os.Stderr, "cannot open checker.db")
		return 3
	}
	sc := bufio.NewScanner(os.Stdin)
	sc.Buffer(nil, 1<<20)
	w := bufio.NewWriter(os.Stdout)
	n := 0
	for sc.Scan() {
		var req struct {
			ID         int64
			Tokens     int
			Completion string
			Numbers    []int
		}
		if err := json.Unmarshal(sc.Bytes(), &req); err != nil {
			fmt.Fprintln(os.Stderr, "bad request:", err)
			return 1
		}
		n++
		switch {
		case mode == "hang":
			continue
		case mode == "crash" && n == 2:
			if marker := os.Getenv("RLTRAIN_FAKE_MARKER"); marker != "" {
				if _, err := os.Stat(marker); err != nil {
					os.WriteFile(marker, nil, 0o644)
					w.Flush()
					return 1
				}
			}
		case mode == "crashalways" && n == 2:
			w.Flush()
			return 1
		}
		line := fmt.Sprintf(`{"id": %d, "score": %d, "components": {"len": %d, "nums": %d}, "message": "ok"}`, req.ID, req.Tokens, req.Tokens, len(req.Numbers))
		switch req.Completion {
		case "badjson":
			line = "Traceback (most recent call last):"
		case "wrongid":
			line = fmt.Sprintf(`{"id": %d, "score": 1}`, req.ID+1000)
		case "noscore":
			line = fmt.Sprintf(`{"id": %d}`, req.ID)
		case "nan":
			line = fmt.Sprintf(`{"id": %d, "score": NaN}`, req.ID)
		case "string":
			line = fmt.Sprintf(`{"id": %d, "score": "1"}`, req.ID)
		case "null":
			line = fmt.Sprintf(`{"id": %d, "score": null, "message": "cannot judge"}`, req.ID)
		case "badcomp":
			line = fmt.Sprintf(`{"id": %d, "score": 1, "components": {"x": "high"}}`, req.ID)
		}
		fmt.Fprintln(w, line)
		w.Flush()
	}
	w.Flush()
	return 0
}

// fakeCommand is the shell command running the test binary as mode.
func fakeCommand(t *testing.T, mode string, env ...string) string {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("RLTRAIN_FAKE_PROGRAM=%s %s exec '%s'", mode, strings.Join(env, " "), exe)
}

// syncBuffer is a log safe for the program's stderr copier and the caller.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// checkNoLeak fails when goroutines started during the test outlive it.
func checkNoLeak(t *testing.T) {
	t.Helper()
	before := runtime.NumGoroutine()
	t.Cleanup(func() {
		for i := 0; i < 200 && runtime.NumGoroutine() > before; i++ {
			time.Sleep(10 * time.Millisecond)
		}
		if n := runtime.NumGoroutine(); n > before {
			buf := make([]byte, 1<<16)
			t.Errorf("%d goroutines before, %d after:\n%s", before, n, buf[:runtime.Stack(buf, true)])
		}
	})
}

func fastProgramConfig() ProgramConfig {
	c := DefaultProgramConfig()
	c.Timeout, c.StartWait = 5*time.Second, 20*time.Millisecond
	return c
}

func items(texts ...string) []Item {
	out := make([]Item, len(texts))
	for i, s := range texts {
		out[i] = Item{Example: data.Example{ID: fmt.Sprint("ex", i), Prompt: "p", Answer: "7",
			Meta: map[string]any{"numbers": []int{1, 2, 3}}}, Completion: Completion{Text: s, Tokens: i + 1}, Group: i / 2}
	}
	return out
}

func start(t *testing.T, mode string, cfg ProgramConfig, log *syncBuffer, env ...string) *Program {
	t.Helper()
	p, err := StartProgram("fake", fakeCommand(t, mode, env...), cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

func TestProgramScoresInChunks(t *testing.T) {
	checkNoLeak(t)
	var log syncBuffer
	cfg := fastProgramConfig()
	cfg.MaxBatch = 3
	p := start(t, "echo", cfg, &log)
	rs := p.ScoreBatch(context.Background(), items("a", "b", "c", "d", "e", "f", "g"))
	for i, r := range rs {
		if !r.OK || r.Score != float64(i+1) || r.Reason != "ok; len="+fmt.Sprint(i+1)+" nums=3" {
			t.Errorf("item %d: %v", i, r)
		}
	}
	if s := p.Stats(); s.Calls != 3 || s.Samples != 7 || s.Failed != 0 || s.Restarts != 0 {
		t.Errorf("stats %+v", s)
	}
	// Sample ids keep counting over the run.
	if rs := p.ScoreBatch(context.Background(), items("a")); !rs[0].OK {
		t.Errorf("second batch: %v", rs[0])
	}
	p.Close()
	if rs := p.ScoreBatch(context.Background(), items("a")); rs[0].OK || !strings.Contains(rs[0].Reason, "closed") {
		t.Errorf("after Close: %v", rs[0])
	}
	if log.String() == "" || !strings.Contains(log.String(), "closed") {
		t.Errorf("log: %q", log.String())
	}
}

func TestProgramMalformedLinesCostTheirSampleOnly(t *testing.T) {
	checkNoLeak(t)
	var log syncBuffer
	p := start(t, "echo", fastProgramConfig(), &log)
	in := items("ok", "badjson", "wrongid", "noscore", "nan", "string", "null", "badcomp", "ok")
	rs := p.ScoreBatch(context.Background(), in)
	want := []string{"", "line 2", "line 3", "line 4", "line 5", "line 6", "cannot judge", "line 8", ""}
	for i, r := range rs {
		switch {
		case want[i] == "" && (!r.OK || r.Score != float64(i+1)):
			t.Errorf("item %d %q: %v, want score %d", i, in[i].Completion.Text, r, i+1)
		case want[i] != "" && (r.OK || !math.IsNaN(r.Value()) || !strings.Contains(r.Reason, want[i])):
			t.Errorf("item %d %q: %v, want no score naming %q", i, in[i].Completion.Text, r, want[i])
		}
	}
	for _, s := range []string{"reward program fake: sample id 2: output line 2", "not a JSON object", `"id" is 1003, want 3`,
		`missing "score"`, "NaN and Infinity are not JSON", `"1" is not a number`, `"components" "x"`} {
		if !strings.Contains(log.String(), s) {
			t.Errorf("log lacks %q:\n%s", s, log.String())
		}
	}
	if s := p.Stats(); s.Failed != 6 {
		t.Errorf("failed %d, want 6 (null is the program's choice, not a failure)", s.Failed)
	}
}

func TestProgramThatCannotStart(t *testing.T) {
	checkNoLeak(t)
	var log syncBuffer
	cfg := fastProgramConfig()
	cfg.StartWait = 2 * time.Second // returns as soon as it exits
	_, err := StartProgram("mycheck", fakeCommand(t, "exit"), cfg, &log)
	if err == nil || !strings.Contains(err.Error(), "reward program mycheck") || !strings.Contains(err.Error(), "exit status 3") ||
		!strings.Contains(err.Error(), "cannot open checker.db") {
		t.Fatalf("err %v", err)
	}
	_, err = StartProgram("typo", "no-such-command-rltrain", cfg, &log)
	if err == nil || !strings.Contains(err.Error(), "reward program typo") || !strings.Contains(err.Error(), "exit status 127") {
		t.Fatalf("err %v", err)
	}
	if _, err = StartProgram("empty", " ", cfg, &log); err == nil {
		t.Fatal("empty command accepted")
	}
}

func TestProgramThatHangsTimesOut(t *testing.T) {
	checkNoLeak(t)
	var log syncBuffer
	cfg := fastProgramConfig()
	cfg.Timeout = 200 * time.Millisecond
	p := start(t, "hang", cfg, &log)
	t0 := time.Now()
	rs := p.ScoreBatch(context.Background(), items("a", "b"))
	if d := time.Since(t0); d > 3*time.Second {
		t.Errorf("took %v with a 200ms timeout", d)
	}
	for _, r := range rs {
		if r.OK || !strings.Contains(r.Reason, "timed out") {
			t.Errorf("%v", r)
		}
	}
	if !strings.Contains(log.String(), "sample ids 1-2: timed out") {
		t.Errorf("log: %s", log.String())
	}
	// The caller's deadline is honoured too, and the program is restarted.
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	cfg.Timeout = time.Minute
	rs = p.ScoreBatch(ctx, items("a"))
	if rs[0].OK || p.Stats().Restarts != 1 {
		t.Errorf("%v, stats %+v", rs[0], p.Stats())
	}
}

func TestProgramCrashMidBatchIsRetriedOnce(t *testing.T) {
	checkNoLeak(t)
	var log syncBuffer
	marker := filepath.Join(t.TempDir(), "crashed")
	p := start(t, "crash", fastProgramConfig(), &log, "RLTRAIN_FAKE_MARKER="+marker)
	rs := p.ScoreBatch(context.Background(), items("a", "b", "c", "d"))
	for i, r := range rs {
		if !r.OK || r.Score != float64(i+1) {
			t.Errorf("item %d: %v", i, r)
		}
	}
	if s := p.Stats(); s.Restarts != 1 || s.Failed != 0 {
		t.Errorf("stats %+v", s)
	}
	if !strings.Contains(log.String(), "sample ids 2-4: it exited before answering (exit status 1); starting it again") {
		t.Errorf("log: %s", log.String())
	}

	// A program that crashes again on the retry: no score, and after
	// MaxRestarts it stays down.
	log = syncBuffer{}
	cfg := fastProgramConfig()
	cfg.MaxRestarts = 2
	p = start(t, "crashalways", cfg, &log)
	// The first process answers "a" and exits; the retry answers "b" and
	// exits: "c" gets no score.
	rs = p.ScoreBatch(context.Background(), items("a", "b", "c"))
	if !rs[0].OK || !rs[1].OK || rs[2].OK || !strings.Contains(rs[2].Reason, "exited before answering") {
		t.Errorf("%v", rs)
	}
	rs = p.ScoreBatch(context.Background(), items("a", "b"))
	if !rs[0].OK || rs[1].OK || !strings.Contains(rs[1].Reason, "down after 2 restarts") {
		t.Errorf("%v", rs)
	}
	rs = p.ScoreBatch(context.Background(), items("a"))
	if rs[0].OK || !strings.Contains(log.String(), "sample id 6: down after 2 restarts") {
		t.Errorf("%v\n%s", rs, log.String())
	}
	if s := p.Stats(); s.Restarts != 2 {
		t.Errorf("stats %+v", s)
	}
}

func TestProgramInWeightedSum(t *testing.T) {
	checkNoLeak(t)
	var log syncBuffer
	p := start(t, "echo", fastProgramConfig(), &log)
	w, err := ParseSpec("fake:0.5,format:0.1", SpecOptions{Extra: map[string]Reward{"fake": p}})
	if err != nil {
		t.Fatal(err)
	}
	in := items("<think>x</think><answer>1</answer>", "garbage")
	totals, parts := ScoreItems(context.Background(), w, in, time.Second)
	if !totals[0].OK || math.Abs(totals[0].Score-(0.5*1+0.1*1)) > 1e-12 || parts[1][0].Score != 2 {
		t.Errorf("totals %v parts %v", totals, parts)
	}
	m := Metrics(w.Names(), totals, parts)
	if m["rewards/fake/mean"] != 1.5 {
		t.Errorf("metrics %v", m)
	}
	if p.Stats().Calls != 1 {
		t.Errorf("%d calls for one batch", p.Stats().Calls)
	}
	if _, err := ParseSpec("format:1", SpecOptions{Extra: map[string]Reward{"format": p}}); err == nil {
		t.Error("a program shadowed a built-in")
	}
}

func TestEncodeRequestStartsWithIDTokensTruncated(t *testing.T) {
	var b bytes.Buffer
	it := items("say \"hi\" <b>")[0]
	it.Example.Meta["id"] = "clash"
	if err := encodeRequest(&b, 42, it); err != nil {
		t.Fatal(err)
	}
	line := b.String()
	if !strings.HasPrefix(line, `{"id":42,"tokens":1,"truncated":false,"answer":"7",`) || !strings.HasSuffix(line, "}\n") {
		t.Fatalf("line %s", line)
	}
	var m map[string]any
	if err := json.Unmarshal(b.Bytes(), &m); err != nil {
		t.Fatal(err)
	}
	if m["completion"] != `say "hi" <b>` || m["id"] != 42.0 || m["meta"].(map[string]any)["id"] != "clash" || len(m["numbers"].([]any)) != 3 {
		t.Errorf("%v", m)
	}
	if got := idRanges([]int64{1, 2, 3, 5, 7, 8}); got != "1-3,5,7-8" {
		t.Errorf("idRanges %q", got)
	}
}
