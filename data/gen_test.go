package data

import (
	"bytes"
	"flag"
	"go/ast"
	"go/constant"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/data")

// goEval evaluates an integer expression with Go's own parser and exact
// constant arithmetic: an oracle independent of the generators' evaluators.
func goEval(t *testing.T, expr string) constant.Value {
	t.Helper()
	e, err := parser.ParseExpr(expr)
	if err != nil {
		t.Fatalf("go/parser: %q: %v", expr, err)
	}
	var ev func(ast.Expr) constant.Value
	ev = func(e ast.Expr) constant.Value {
		switch e := e.(type) {
		case *ast.BasicLit:
			return constant.MakeFromLiteral(e.Value, e.Kind, 0)
		case *ast.ParenExpr:
			return ev(e.X)
		case *ast.UnaryExpr:
			return constant.UnaryOp(e.Op, ev(e.X), 0)
		case *ast.BinaryExpr:
			if e.Op == token.QUO { // exact rational division, not integer division
				return constant.BinaryOp(constant.ToFloat(ev(e.X)), e.Op, constant.ToFloat(ev(e.Y)))
			}
			return constant.BinaryOp(ev(e.X), e.Op, ev(e.Y))
		}
		t.Fatalf("unexpected node %T in %q", e, expr)
		return nil
	}
	return ev(e)
}

var stepRE = regexp.MustCompile(`^\(?(-?\d+)\)?([-+*/])\(?(-?\d+)\)?=(-?\d+)$`)

// checkSteps verifies the arithmetic of every "a op b=r" step in a think block.
func checkSteps(t *testing.T, ex Example, steps []string) {
	t.Helper()
	for _, s := range steps {
		m := stepRE.FindStringSubmatch(s)
		if m == nil {
			t.Fatalf("%s: step %q is not a op b=r", ex.Prompt, s)
		}
		a, _ := strconv.ParseInt(m[1], 10, 64)
		b, _ := strconv.ParseInt(m[3], 10, 64)
		r, _ := strconv.ParseInt(m[4], 10, 64)
		var want int64
		switch m[2] {
		case "+":
			want = a + b
		case "-":
			want = a - b
		case "*":
			want = a * b
		case "/":
			if b == 0 || a%b != 0 {
				t.Fatalf("%s: step %q is not an exact division", ex.Prompt, s)
			}
			want = a / b
		}
		if r != want {
			t.Fatalf("%s: step %q: want %d", ex.Prompt, s, want)
		}
	}
}

// split returns the think steps and the answer of a solution.
func splitSolution(t *testing.T, ex Example) ([]string, string) {
	t.Helper()
	s := ex.Solution
	if !strings.HasPrefix(s, "<think>") || !strings.HasSuffix(s, "</answer>") || strings.Count(s, "</think><answer>") != 1 {
		t.Fatalf("solution %q not in <think>…</think><answer>…</answer> form", s)
	}
	body := strings.TrimPrefix(strings.TrimSuffix(s, "</answer>"), "<think>")
	think, ans, _ := strings.Cut(body, "</think><answer>")
	return strings.Split(think, ", "), ans
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 || (s[i] < 0x20) {
			return false
		}
	}
	return true
}

func genN(t *testing.T, task string, n int, seed uint64, cfg GenConfig) []Example {
	t.Helper()
	exs, err := Generate(task, n, seed, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(exs) != n {
		t.Fatalf("%s: %d examples, want %d", task, len(exs), n)
	}
	ids := map[string]bool{}
	for _, ex := range exs {
		if ids[ex.ID] || ex.Task != task || !strings.HasPrefix(ex.ID, task+"-") {
			t.Fatalf("%s: bad or repeated id %q", task, ex.ID)
		}
		ids[ex.ID] = true
		if !isASCII(ex.Prompt) || !isASCII(ex.Solution) {
			t.Fatalf("%s: non-ASCII text %q %q", task, ex.Prompt, ex.Solution)
		}
	}
	return exs
}

func TestArithmeticAnswersMatchGoConstant(t *testing.T) {
	cfgs := []ArithmeticConfig{DefaultArithmeticConfig(), {MinOps: 4, MaxOps: 8, MaxDigits: 9, MulDigits: 4, Ops: "+-*", ParenProb: 1}, {MinOps: 1, MaxOps: 2, MaxDigits: 3, MulDigits: 1, Ops: "-", ParenProb: 0.5}}
	for _, ac := range cfgs {
		cfg := DefaultGenConfig()
		cfg.Arithmetic = ac
		for _, ex := range genN(t, "arithmetic", 300, 11, cfg) {
			expr := strings.TrimPrefix(ex.Prompt, "compute ")
			want := goEval(t, expr).ExactString()
			steps, ans := splitSolution(t, ex)
			if ex.Answer != want || ans != want {
				t.Fatalf("%q: answer %q / %q, go/constant says %s", expr, ex.Answer, ans, want)
			}
			checkSteps(t, ex, steps)
			if last := steps[len(steps)-1]; !strings.HasSuffix(last, "="+want) {
				t.Fatalf("%q: last step %q does not give the answer", expr, last)
			}
			if strings.Count(expr, "(") > 1 || strings.IndexFunc(expr, func(r rune) bool { return !strings.ContainsRune("0123456789()"+ac.Ops, r) }) >= 0 {
				t.Fatalf("%q: outside the config", expr)
			}
		}
	}
}

// linearGo turns "3x+5=2x+7" into Go expressions of x: "3*x+5", "2*x+7".
func linearGo(eq string) (string, string) {
	eq = regexp.MustCompile(`(\d)x`).ReplaceAllString(eq, "$1*x")
	eq = regexp.MustCompile(`(\d)\(`).ReplaceAllString(eq, "$1*(")
	l, r, _ := strings.Cut(eq, "=")
	return l, r
}

func TestLinearSolutionsSatisfyEquation(t *testing.T) {
	for _, lc := range []LinearConfig{DefaultLinearConfig(), {MaxForm: 3, MaxCoef: 100, MaxConst: 1000, MaxSolution: 1000, Negative: true}} {
		cfg := DefaultGenConfig()
		cfg.Linear = lc
		forms := map[int]int{}
		for _, ex := range genN(t, "linear", 300, 12, cfg) {
			l, r := linearGo(strings.TrimPrefix(ex.Prompt, "solve "))
			x := "(" + ex.Answer + ")"
			lv := goEval(t, strings.ReplaceAll(l, "x", x))
			rv := goEval(t, strings.ReplaceAll(r, "x", x))
			if constant.Compare(lv, token.NEQ, rv) {
				t.Fatalf("%q: x=%s gives %s != %s", ex.Prompt, ex.Answer, lv, rv)
			}
			if _, ans := splitSolution(t, ex); ans != ex.Answer {
				t.Fatalf("%q: solution answer %q != %q", ex.Prompt, ans, ex.Answer)
			}
			v, _ := strconv.Atoi(ex.Answer)
			if v < -lc.MaxSolution || v > lc.MaxSolution || (!lc.Negative && v < 0) {
				t.Fatalf("%q: x=%d out of range", ex.Prompt, v)
			}
			switch {
			case strings.Count(ex.Prompt, "x") == 2:
				forms[3]++
			case strings.Contains(ex.Prompt, "("):
				forms[2]++
			default:
				forms[1]++
			}
		}
		for f := 1; f <= lc.MaxForm; f++ {
			if forms[f] == 0 {
				t.Errorf("form %d never generated (MaxForm %d): %v", f, lc.MaxForm, forms)
			}
		}
		if forms[lc.MaxForm+1] != 0 {
			t.Errorf("forms beyond MaxForm: %v", forms)
		}
	}
}

func TestWordProblems(t *testing.T) {
	for _, steps := range []int{1, 2} {
		cfg := DefaultGenConfig()
		cfg.Word.MaxSteps = steps
		for _, ex := range genN(t, "word", 200, 13, cfg) {
			ss, ans := splitSolution(t, ex)
			if len(ss) > steps || ans != ex.Answer {
				t.Fatalf("%q: %d steps, answer %q vs %q", ex.Prompt, len(ss), ans, ex.Answer)
			}
			checkSteps(t, ex, ss)
			if !strings.HasSuffix(ss[len(ss)-1], "="+ex.Answer) {
				t.Fatalf("%q: last step %q", ex.Prompt, ss[len(ss)-1])
			}
			// The operands of the first step are quantities of the text.
			m := stepRE.FindStringSubmatch(ss[0])
			for _, q := range []string{m[1], m[3]} {
				if !regexp.MustCompile(`\b` + q + `\b`).MatchString(ex.Prompt) {
					t.Fatalf("%q: step operand %s not in the text", ex.Prompt, q)
				}
			}
			if v, _ := strconv.Atoi(ex.Answer); v < 0 {
				t.Fatalf("%q: negative answer", ex.Prompt)
			}
		}
	}
}

func TestCountdownSolver(t *testing.T) {
	// 8/(3-8/3) = 24 needs a fraction: only the rational search finds it.
	if _, ok := SolveCountdown([]int64{3, 3, 8, 8}, 24, false, nil); ok {
		t.Error("integer-only search solved 3 3 8 8 -> 24")
	}
	sol, ok := SolveCountdown([]int64{3, 3, 8, 8}, 24, true, nil)
	if !ok || goEval(t, sol.Expr).String() != "24" {
		t.Errorf("3 3 8 8 -> 24: %+v %v", sol, ok)
	}
	if _, ok := SolveCountdown([]int64{1, 1}, 5, true, nil); ok {
		t.Error("1 1 -> 5 solved")
	}
	if _, ok := SolveCountdown([]int64{7}, 7, false, nil); !ok {
		t.Error("7 -> 7 not solved")
	}
	// The reachable set of a tiny case, by hand: 2 and 3 give 5, 6, 1 and
	// (integer-only) no 2/3 or 3/2; -1 is never allowed without fractions.
	got := map[string]bool{}
	countdownReach(cdLeaves([]int64{2, 3}), false, func(v rat) { got[v.String()] = true })
	if len(got) != 3 || !got["5"] || !got["6"] || !got["1"] {
		t.Errorf("reach(2,3) = %v", got)
	}
	got = map[string]bool{}
	countdownReach(cdLeaves([]int64{2, 3}), true, func(v rat) { got[v.String()] = true })
	for _, w := range []string{"5", "6", "1", "-1", "2/3", "3/2"} {
		if !got[w] {
			t.Errorf("reach(2,3) with fractions lacks %s: %v", w, got)
		}
	}
}

var cdPromptRE = regexp.MustCompile(`^countdown((?: \d+)+) target (\d+)$`)

func TestCountdownGenerated(t *testing.T) {
	cfg := DefaultGenConfig()
	counts := map[int]int{}
	for _, ex := range genN(t, "countdown", 300, 14, cfg) {
		m := cdPromptRE.FindStringSubmatch(ex.Prompt)
		if m == nil {
			t.Fatalf("prompt %q", ex.Prompt)
		}
		nums, _ := MetaInts(ex, "numbers")
		target, _ := MetaInt(ex, "target")
		if strings.TrimSpace(m[1]) != joinInts(nums) || m[2] != strconv.FormatInt(target, 10) || ex.Answer != m[2] {
			t.Fatalf("prompt %q vs meta %v %d", ex.Prompt, nums, target)
		}
		counts[len(nums)]++
		for _, n := range nums {
			if n < int64(cfg.Countdown.MinValue) || n > int64(cfg.Countdown.MaxValue) {
				t.Fatalf("number %d out of range", n)
			}
		}
		if target < int64(cfg.Countdown.MinTarget) || target > int64(cfg.Countdown.MaxTarget) {
			t.Fatalf("target %d out of range", target)
		}
		// The answer evaluates to the target under Go's exact constants and
		// uses the numbers as a multiset.
		_, ans := splitSolution(t, ex)
		if v := goEval(t, ans); constant.Compare(v, token.NEQ, constant.MakeInt64(target)) {
			t.Fatalf("%q: answer %q = %s", ex.Prompt, ans, v)
		}
		used := regexp.MustCompile(`\d+`).FindAllString(ans, -1)
		if joinStrs(sorted(used)) != joinStrs(sorted(strings.Fields(m[1]))) {
			t.Fatalf("%q: answer %q uses %v", ex.Prompt, ans, used)
		}
		if !strings.HasSuffix(ex.Solution[:strings.Index(ex.Solution, "</think>")], " yes.") {
			t.Fatalf("demo %q does not end its search with yes.", ex.Solution)
		}
	}
	if counts[3] == 0 || counts[4] == 0 || len(counts) != 2 {
		t.Errorf("number counts %v, want 3 and 4", counts)
	}
}

func joinInts(a []int64) string {
	s := make([]string, len(a))
	for i, v := range a {
		s[i] = strconv.FormatInt(v, 10)
	}
	return strings.Join(s, " ")
}

func joinStrs(a []string) string { return strings.Join(a, " ") }

func sorted(a []string) []string {
	b := append([]string(nil), a...)
	for i := range b {
		for j := i + 1; j < len(b); j++ {
			x, _ := strconv.Atoi(b[i])
			y, _ := strconv.Atoi(b[j])
			if y < x {
				b[i], b[j] = b[j], b[i]
			}
		}
	}
	return b
}

func TestGenerateDeterministicAndGolden(t *testing.T) {
	for _, task := range Tasks() {
		a := genN(t, task, 50, 1, DefaultGenConfig())
		b := genN(t, task, 50, 1, DefaultGenConfig())
		c := genN(t, task, 50, 2, DefaultGenConfig())
		var ba, bb, bc bytes.Buffer
		WriteJSONL(&ba, a)
		WriteJSONL(&bb, b)
		WriteJSONL(&bc, c)
		if !bytes.Equal(ba.Bytes(), bb.Bytes()) {
			t.Errorf("%s: same seed, different output", task)
		}
		if bytes.Equal(ba.Bytes(), bc.Bytes()) {
			t.Errorf("%s: seeds 1 and 2 give the same output", task)
		}
		// Golden: pins the format and the stream, so a change is deliberate.
		var g bytes.Buffer
		WriteJSONL(&g, a[:5])
		path := filepath.Join("..", "testdata", "data", "golden_"+task+".jsonl")
		if *update {
			if err := os.WriteFile(path, g.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run go test ./data -run Golden -update to create it)", err)
		}
		if !bytes.Equal(g.Bytes(), want) {
			t.Errorf("%s: output differs from %s (go test ./data -run Golden -update if intended):\n%s", task, path, g.String())
		}
	}
}

func TestGenerateErrors(t *testing.T) {
	if _, err := Generate("chess", 1, 1, DefaultGenConfig()); err == nil || !strings.Contains(err.Error(), "countdown") {
		t.Errorf("unknown task: %v", err)
	}
	small := DefaultGenConfig()
	small.Arithmetic = ArithmeticConfig{MinOps: 1, MaxOps: 1, MaxDigits: 1, MulDigits: 1, Ops: "+", ParenProb: 0}
	if exs, err := Generate("arithmetic", 100, 1, small); err != nil || len(exs) != 100 {
		t.Errorf("all 100 one-digit sums: %v", err)
	}
	if _, err := Generate("arithmetic", 101, 1, small); err == nil || !strings.Contains(err.Error(), "only 100 distinct") {
		t.Errorf("101 one-digit sums: %v", err)
	}
	bad := DefaultGenConfig()
	bad.Countdown.MaxNumbers = 6
	if _, err := Generate("countdown", 1, 1, bad); err == nil {
		t.Error("6 countdown numbers accepted")
	}
	for _, c := range []func(*GenConfig){
		func(c *GenConfig) { c.Arithmetic.Ops = "+/" },
		func(c *GenConfig) { c.Arithmetic.ParenProb = 2 },
		func(c *GenConfig) { c.Linear.MaxForm = 4 },
		func(c *GenConfig) { c.Word.MaxSteps = 3 },
		func(c *GenConfig) { c.Countdown.MinTarget = 200 },
	} {
		g := DefaultGenConfig()
		c(&g)
		errs := 0
		for _, task := range Tasks() {
			if _, err := Generate(task, 1, 1, g); err != nil {
				errs++
			}
		}
		if errs != 1 {
			t.Errorf("a bad knob broke %d tasks, want exactly its own", errs)
		}
	}
}

// TestDefaultsFillTheTrainCommand: every built-in task at its default
// difficulty has enough distinct problems for `rltrain --task T` on its
// defaults (20000 training problems plus 400 held-out and 400 for the
// split's eval share), so no task fails to start without extra flags.
func TestDefaultsFillTheTrainCommand(t *testing.T) {
	for _, task := range Tasks() {
		genN(t, task, 20800, 1, DefaultGenConfig())
	}
}
