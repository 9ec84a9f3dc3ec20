package run

import (
	"fmt"
	"io"
	"math"
	"strings"
	"time"
)

// Progress prints a one-line status per step (step, reward, accuracy, KL,
// entropy, ETA) and warns when the run has no learning signal:
// frac_reward_zero_std or completions/clipped_ratio staying near 1.
type Progress struct {
	W     io.Writer
	Total int
	start time.Time
	// recent values of the two warning metrics
	zeroStd, clipped []float64
	warned           map[string]bool
}

// NewProgress starts the clock for total steps.
func NewProgress(w io.Writer, total int) *Progress {
	return &Progress{W: w, Total: total, start: time.Now(), warned: map[string]bool{}}
}

// warnWindow is how many consecutive steps a metric must stay ≥ warnLevel
// before Progress warns.
const (
	warnWindow = 5
	warnLevel  = 0.95
)

// Step prints the status after step (1-based) with its metrics.
func (p *Progress) Step(step int, met map[string]float64) {
	el := time.Since(p.start)
	eta := time.Duration(0)
	if step > 0 {
		eta = time.Duration(float64(el) / float64(step) * float64(p.Total-step))
	}
	p.zeroStd = appendWindow(p.zeroStd, met["frac_reward_zero_std"])
	p.clipped = appendWindow(p.clipped, met["completions/clipped_ratio"])
	defer p.warn("frac_reward_zero_std", p.zeroStd,
		"almost every group has identical rewards, so advantages are 0 and nothing is learned: make the task easier/harder, raise --group-size, or use --dynamic-sampling")
	defer p.warn("completions/clipped_ratio", p.clipped,
		"almost every completion hits --max-completion-length without a stop token: raise the cap or warm-start the model on demonstrations that end")
	// About 30 status lines per run, plus the first and the last step.
	if every := max(1, p.Total/30); step != 1 && step != p.Total && step%every != 0 {
		return
	}
	width := 20
	done := width * step / max(1, p.Total)
	bar := strings.Repeat("#", done) + strings.Repeat(".", width-done)
	f := func(k string) string {
		v, ok := met[k]
		if !ok || math.IsNaN(v) {
			return "  -  "
		}
		return fmt.Sprintf("%.3f", v)
	}
	fmt.Fprintf(p.W, "[%s] step %d/%d  reward %s  acc %s  kl %s  entropy %s  len %s  %.1fs/step  ETA %s\n",
		bar, step, p.Total, f("reward"), f("accuracy"), f("kl"), f("entropy"), f("completions/mean_length"),
		el.Seconds()/float64(max(1, step)), eta.Round(time.Second))
}

func appendWindow(w []float64, v float64) []float64 {
	w = append(w, v)
	if len(w) > warnWindow {
		w = w[1:]
	}
	return w
}

func (p *Progress) warn(name string, w []float64, msg string) {
	if len(w) < warnWindow || p.warned[name] {
		return
	}
	for _, v := range w {
		if !(v >= warnLevel) {
			return
		}
	}
	p.warned[name] = true
	fmt.Fprintf(p.W, "warning: %s ≥ %.2f for %d steps: %s\n", name, warnLevel, warnWindow, msg)
}
