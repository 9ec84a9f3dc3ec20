package rewards

// Reward programs (rltrain --reward-cmd NAME=COMMAND): a long-lived process
// the trainer writes one JSON request per line to and reads one JSON answer
// per line from, in order (the protocol is in doc.go). A user's checker in
// any language becomes a BatchReward.
//
// Decisions:
//   - the command runs as `sh -c COMMAND`, in its own process group, so
//     "python3 check.py" works and shutting down also ends what it started;
//   - answers come in request order: the k-th line answers the k-th pending
//     request, so a malformed line costs exactly its own sample (no score,
//     an error naming the program and the line) and never misaligns the rest;
//   - at most MaxBatch requests are in flight; a batch is sent in chunks;
//   - a call (one chunk) that passes Timeout, or the caller's deadline, kills
//     the program (its late answers could not be matched); it is started
//     again on the next call and the chunk's unanswered samples get no score;
//   - a program that exits mid-chunk is started again and the unanswered
//     samples are sent once more; after MaxRestarts restarts over the run it
//     stays down and every sample gets no score (logged);
//   - every failure is logged with the sample ids and counted as no score,
//     never 0; the program's stderr goes to the log, prefixed with its name.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"

	"github.com/rltrain/rltrain/data"
)

// ProgramConfig configures a reward program.
type ProgramConfig struct {
	// Timeout bounds one call: sending up to MaxBatch requests and reading
	// their answers. A program past it is killed and its unanswered samples
	// get no score. Default 60s.
	Timeout time.Duration `json:"timeout"`
	// MaxBatch is the most requests in flight at once; larger batches are
	// sent in chunks. Default 256, range >= 1.
	MaxBatch int `json:"max_batch"`
	// MaxRestarts is how many times over the run a program that exited or
	// hung is started again; past it its samples get no score. Default 5,
	// range >= 0.
	MaxRestarts int `json:"max_restarts"`
	// StartWait is how long a new program must stay up to count as
	// started: one that exits sooner (a typo in the command, a missing
	// file, a failed import) is a start-up error with its stderr. It is
	// waited once per start (a start that fails fast returns at once).
	// Default 1s (a Python interpreter on a loaded machine can take a
	// few hundred milliseconds to fail).
	StartWait time.Duration `json:"start_wait"`
}

// DefaultProgramConfig returns the defaults documented on ProgramConfig.
func DefaultProgramConfig() ProgramConfig {
	return ProgramConfig{Timeout: 60 * time.Second, MaxBatch: 256, MaxRestarts: 5, StartWait: time.Second}
}

// Validate checks the configuration.
func (c ProgramConfig) Validate() error {
	if err := validateBatchConfig("ProgramConfig", c.Timeout, c.MaxBatch); err != nil {
		return err
	}
	switch {
	case c.MaxRestarts < 0:
		return fmt.Errorf("rewards: ProgramConfig.MaxRestarts %d: want >= 0", c.MaxRestarts)
	case c.StartWait < 0:
		return fmt.Errorf("rewards: ProgramConfig.StartWait %v: want >= 0", c.StartWait)
	}
	return nil
}

// maxProgramLine bounds one answer line in bytes.
const maxProgramLine = 1 << 20

// ProgramStats counts a program's work over the run.
type ProgramStats struct {
	// Calls is the number of chunks sent; Samples the requests among them.
	Calls, Samples int
	// Failed is the number of samples that got no score through a failure
	// (not a null score the program chose); Restarts the restarts.
	Failed, Restarts int
	// Busy is the wall time spent in calls.
	Busy time.Duration
}

// Program is a reward program: a BatchReward backed by a long-lived
// process. It is safe for concurrent use (calls are serialised). Close it
// when the run ends.
type Program struct {
	name, command string
	cfg           ProgramConfig
	log           io.Writer

	mu      sync.Mutex
	proc    *programProc // nil: not running
	nextID  int64
	closed  bool
	stats   ProgramStats
	downMsg string // set when MaxRestarts is exhausted
}

// StartProgram starts `sh -c command` as the reward program name and checks
// that it stays up for cfg.StartWait. Log lines (failures, the program's
// stderr) go to log (nil: os.Stderr).
func StartProgram(name, command string, cfg ProgramConfig, log io.Writer) (*Program, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if strings.TrimSpace(command) == "" {
		return nil, fmt.Errorf("rewards: reward program %q: empty command", name)
	}
	if log == nil {
		log = os.Stderr
	}
	p := &Program{name: name, command: command, cfg: cfg, log: log, nextID: 1}
	proc, err := p.start()
	if err != nil {
		return nil, err
	}
	p.proc = proc
	return p, nil
}

// Name returns the program's name, the reward's name in logs and metrics.
func (p *Program) Name() string { return p.name }

// Stats returns the counts so far.
func (p *Program) Stats() ProgramStats {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stats
}

// Close ends the program: its stdin is closed, and it is killed if it has
// not exited within a second. Later calls give no score. Close is
// idempotent.
func (p *Program) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	if p.proc != nil {
		p.proc.stop(time.Second)
		p.proc = nil
	}
	return nil
}

// Score implements Reward as a batch of one.
func (p *Program) Score(ctx context.Context, ex data.Example, c Completion) Result {
	return p.ScoreBatch(ctx, []Item{{Example: ex, Completion: c}})[0]
}

// ScoreBatch implements BatchReward: the items go to the program in chunks
// of at most MaxBatch, each answered in order.
func (p *Program) ScoreBatch(ctx context.Context, items []Item) []Result {
	p.mu.Lock()
	defer p.mu.Unlock()
	return scoreChunks(items, p.cfg.MaxBatch, &p.stats, func(chunk []Item, out []Result) {
		p.call(ctx, chunk, out)
	})
}

// call scores one chunk: pending[k] is the index in items of the k-th
// request still unanswered. A program that exits mid-chunk is started again
// and the rest sent once more.
func (p *Program) call(ctx context.Context, items []Item, out []Result) {
	pending := make([]int, len(items))
	for i := range pending {
		pending[i] = i
	}
	ids := make([]int64, len(items)) // a retry sends the same ids to the new process
	for i := range ids {
		ids[i] = p.nextID
		p.nextID++
	}
	for attempt := 0; ; attempt++ {
		if err := p.ensureRunning(); err != nil {
			p.fail(out, pending, ids, err.Error())
			return
		}
		left, err := p.exchange(ctx, items, out, pending, ids)
		if err == nil {
			return
		}
		var exited *exitedError
		if errors.As(err, &exited) && attempt == 0 && ctx.Err() == nil {
			p.logf("%s: %v; starting it again and sending them once more", sampleIDs(pick(ids, left)), err)
			pending = left
			continue
		}
		p.fail(out, left, ids, err.Error())
		return
	}
}

// pick returns ids[i] for each i in idx.
func pick(ids []int64, idx []int) []int64 {
	out := make([]int64, len(idx))
	for k, i := range idx {
		out[k] = ids[i]
	}
	return out
}

// fail gives the pending items no score, logging reason with their ids.
func (p *Program) fail(out []Result, pending []int, ids []int64, reason string) {
	if len(pending) == 0 {
		return
	}
	p.logf("%s: %s: no score", sampleIDs(pick(ids, pending)), reason)
	for _, i := range pending {
		out[i] = NoScore(fmt.Sprintf("reward program %s: %s", p.name, reason))
	}
	p.stats.Failed += len(pending)
}

// ensureRunning starts the program again when it is down.
func (p *Program) ensureRunning() error {
	switch {
	case p.closed:
		return errors.New("closed")
	case p.downMsg != "":
		return errors.New(p.downMsg)
	case p.proc != nil:
		return nil
	}
	if p.stats.Restarts >= p.cfg.MaxRestarts {
		p.downMsg = fmt.Sprintf("down after %d restarts (max_restarts)", p.stats.Restarts)
		return errors.New(p.downMsg)
	}
	p.stats.Restarts++
	proc, err := p.start()
	if err != nil {
		return err
	}
	p.proc = proc
	return nil
}

// exitedError says the program ended before answering.
type exitedError struct{ msg string }

func (e *exitedError) Error() string { return e.msg }

// exchange sends the pending requests and reads their answers in order. It
// returns nil, nil when all are answered; otherwise the pending items left
// unanswered and why, with the program stopped (p.proc nil).
func (p *Program) exchange(ctx context.Context, items []Item, out []Result, pending []int, ids []int64) ([]int, error) {
	proc := p.proc
	t0 := time.Now()
	deadline := t0.Add(p.cfg.Timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	var buf bytes.Buffer
	for _, i := range pending {
		if err := encodeRequest(&buf, ids[i], items[i]); err != nil {
			return p.abort(pending, fmt.Errorf("encoding sample id %d: %v", ids[i], err), nil)
		}
	}
	// Write while reading, so a program that answers before it has read
	// every request never blocks on a full pipe.
	proc.stdin.SetWriteDeadline(deadline)
	wrote := make(chan error, 1)
	go func() {
		_, err := proc.stdin.Write(buf.Bytes())
		wrote <- err
	}()
	timer := time.NewTimer(time.Until(deadline))
	defer timer.Stop()
	for k, i := range pending {
		select {
		case l, ok := <-proc.lines:
			if !ok {
				return p.abort(pending[k:], &exitedError{"it exited before answering (" + proc.exitStatus(time.Second) + ")"}, wrote)
			}
			out[i] = p.answer(l, ids[i])
		case <-timer.C:
			if ctx.Err() != nil {
				return p.abort(pending[k:], fmt.Errorf("stopped: %v", ctx.Err()), wrote)
			}
			return p.abort(pending[k:], fmt.Errorf("timed out after %v (timeout %v)", time.Since(t0).Round(time.Millisecond), p.cfg.Timeout), wrote)
		case <-ctx.Done():
			return p.abort(pending[k:], fmt.Errorf("stopped: %v", ctx.Err()), wrote)
		}
	}
	<-wrote // every request was read: it has been answered
	return nil, nil
}

// abort stops the program after a failed exchange, waits for the writer
// (nil: none started) and returns left and why.
func (p *Program) abort(left []int, why error, wrote chan error) ([]int, error) {
	p.proc.stop(0) // a program past its deadline would answer out of step
	p.proc = nil
	if wrote != nil {
		<-wrote
	}
	return left, why
}

// answer parses output line l as the answer to sample id.
func (p *Program) answer(l programLine, id int64) Result {
	bad := func(format string, args ...any) Result {
		msg := fmt.Sprintf("output line %d %s: %s", l.n, clip(l.text), fmt.Sprintf(format, args...))
		p.logf("sample id %d: %s: no score", id, msg)
		p.stats.Failed++
		return NoScore("reward program " + p.name + ": " + msg)
	}
	if l.tooLong {
		return bad("longer than %d bytes", maxProgramLine)
	}
	var a struct {
		ID         json.RawMessage            `json:"id"`
		Score      json.RawMessage            `json:"score"`
		Components map[string]json.RawMessage `json:"components"`
		Message    string                     `json:"message"`
	}
	if err := json.Unmarshal([]byte(l.text), &a); err != nil {
		return bad("not a JSON object: %v%s", err, nanHint(l.text))
	}
	if got := strings.TrimSpace(string(a.ID)); got != fmt.Sprint(id) {
		if got == "" {
			got = "none"
		}
		return bad(`"id" is %s, want %d (answer each request with its id, in order)`, got, id)
	}
	r, err := wireScore(a.Score, a.Components, a.Message)
	if err != nil {
		return bad("%v", err)
	}
	if r.Reason == "" {
		r.Reason = p.name
	}
	return r
}

// logf writes one log line naming the program.
func (p *Program) logf(format string, args ...any) {
	fmt.Fprintf(p.log, "reward program %s: %s\n", p.name, fmt.Sprintf(format, args...))
}

// programLine is one line of a program's stdout (n counts from 1 over the
// process's life).
type programLine struct {
	text    string
	n       int
	tooLong bool
}

// programProc is one running process of a program.
type programProc struct {
	cmd    *exec.Cmd
	stdin  *os.File
	stdout *os.File
	lines  chan programLine // closed at the end of stdout
	done   chan struct{}    // closed by stop: the reader gives up sending
	exited chan struct{}    // closed when the process has been waited for
	err    error            // Wait's error, read after exited
	stderr *tailWriter
}

// start runs the program and waits StartWait to see it stay up.
func (p *Program) start() (*programProc, error) {
	cmd := exec.Command("sh", "-c", p.command)
	setProcessGroup(cmd)
	inR, inW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		inR.Close()
		inW.Close()
		return nil, err
	}
	tail := &tailWriter{prefix: "[" + p.name + "] ", log: p.log}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = inR, outW, tail
	cmd.WaitDelay = time.Second // a grandchild holding stderr cannot stall Wait
	err = cmd.Start()
	inR.Close()
	outW.Close()
	if err != nil {
		inW.Close()
		outR.Close()
		return nil, fmt.Errorf("rewards: reward program %s: cannot start sh -c %q: %w", p.name, p.command, err)
	}
	pr := &programProc{cmd: cmd, stdin: inW, stdout: outR, lines: make(chan programLine, 64),
		done: make(chan struct{}), exited: make(chan struct{}), stderr: tail}
	go func() {
		pr.err = cmd.Wait()
		close(pr.exited)
	}()
	go pr.read()
	if p.cfg.StartWait > 0 {
		select {
		case <-pr.exited:
			pr.stop(0)
			return nil, fmt.Errorf("rewards: reward program %s (sh -c %q) exited at start-up (%s)%s; check the command",
				p.name, p.command, pr.exitStatus(0), tail.last())
		case <-time.After(p.cfg.StartWait):
		}
	}
	return pr, nil
}

// read sends stdout's lines until its end or stop.
func (pr *programProc) read() {
	defer close(pr.lines)
	r := bufio.NewReaderSize(pr.stdout, 64<<10)
	for n := 1; ; n++ {
		var line []byte
		long := false
		for {
			chunk, err := r.ReadSlice('\n')
			if len(line)+len(chunk) <= maxProgramLine {
				line = append(line, chunk...)
			} else {
				long = true
			}
			if err == bufio.ErrBufferFull {
				continue
			}
			if err != nil && len(line) == 0 && !long {
				return
			}
			break
		}
		l := programLine{text: strings.TrimRight(string(line), "\r\n"), n: n, tooLong: long}
		if long {
			l.text = l.text[:min(len(l.text), 200)]
		}
		select {
		case pr.lines <- l:
		case <-pr.done:
			return
		}
	}
}

// exitStatus describes how the process ended, waiting up to wait for it.
func (pr *programProc) exitStatus(wait time.Duration) string {
	select {
	case <-pr.exited:
	default:
		select {
		case <-pr.exited:
		case <-time.After(wait):
			return "still running"
		}
	}
	if pr.err == nil {
		return "exit status 0"
	}
	return pr.err.Error() + pr.stderr.last()
}

// stop closes stdin, waits up to grace for the process to exit, then kills
// its process group, and waits for it and for the reader.
func (pr *programProc) stop(grace time.Duration) {
	pr.stdin.Close()
	select {
	case <-pr.exited:
	case <-time.After(grace):
	}
	killProcessGroup(pr.cmd)
	<-pr.exited
	close(pr.done)
	pr.stdout.Close()
	for range pr.lines { // drain: the reader ends at EOF or done
	}
}

// tailWriter forwards a program's stderr to the log, one prefixed line at a
// time, and keeps the last lines for error messages.
type tailWriter struct {
	prefix string
	log    io.Writer
	mu     sync.Mutex
	buf    []byte // an unfinished line
	tail   []string
}

func (t *tailWriter) Write(b []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, b...)
	for {
		i := bytes.IndexByte(t.buf, '\n')
		if i < 0 {
			break
		}
		t.emit(string(t.buf[:i]))
		t.buf = t.buf[i+1:]
	}
	if len(t.buf) > 4096 {
		t.emit(string(t.buf))
		t.buf = t.buf[:0]
	}
	return len(b), nil
}

func (t *tailWriter) emit(line string) {
	fmt.Fprintf(t.log, "%s%s\n", t.prefix, line)
	t.tail = append(t.tail, line)
	if len(t.tail) > 3 {
		t.tail = t.tail[1:]
	}
}

// last returns "; stderr: …" with the last stderr lines, or "".
func (t *tailWriter) last() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	tail := t.tail
	if len(t.buf) > 0 {
		tail = append(tail[:len(tail):len(tail)], string(t.buf))
	}
	if len(tail) == 0 {
		return ""
	}
	return "; stderr: " + clip(strings.Join(tail, " | "))
}
