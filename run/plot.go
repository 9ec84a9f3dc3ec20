package run

import (
	"context"
	"fmt"
	"path/filepath"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"

	"github.com/rltrain/rltrain/rl"
)

// plotSpec is one PNG: a title and the metric series drawn on it.
type plotSpec struct {
	file, title string
	series      []string
}

var plotSpecs = []plotSpec{
	{"reward.png", "reward", []string{"reward"}},
	{"accuracy.png", "accuracy (train batch; eval pass@1 and greedy)", []string{"accuracy"}},
	{"kl.png", "KL to reference / approx KL to behaviour", []string{"kl", "approx_kl"}},
	{"entropy.png", "entropy", []string{"entropy"}},
	{"length.png", "completion length (tokens)", []string{"completions/mean_length"}},
}

// Plot writes the PNG curves of the run so far into the run folder. The
// accuracy plot also shows the held-out evaluations.
func (l *RunLog) Plot() (err error) {
	if l == nil {
		return nil
	}
	rl.Phase(context.Background(), rl.PhaseLog, func(context.Context) { err = l.plot() })
	return err
}

func (l *RunLog) plot() error {
	for _, spec := range plotSpecs {
		p := plot.New()
		p.Title.Text = spec.title
		p.X.Label.Text = "step"
		var lines []any
		for _, name := range spec.series {
			xy := plotter.XYs{}
			for _, m := range l.History {
				if v, ok := m[name]; ok {
					xy = append(xy, plotter.XY{X: m["step"], Y: v})
				}
			}
			if len(xy) > 0 {
				lines = append(lines, name, xy)
			}
		}
		if spec.file == "accuracy.png" && len(l.Evals) > 0 {
			p1, gr := plotter.XYs{}, plotter.XYs{}
			for _, e := range l.Evals {
				p1 = append(p1, plotter.XY{X: float64(e.Step), Y: e.Eval.Pass1})
				gr = append(gr, plotter.XY{X: float64(e.Step), Y: e.Eval.Greedy})
			}
			lines = append(lines, "eval pass@1", p1, "eval greedy", gr)
		}
		if len(lines) == 0 {
			continue
		}
		if err := plotutil.AddLinePoints(p, lines...); err != nil {
			return fmt.Errorf("plot %s: %w", spec.file, err)
		}
		p.Legend.Top = true
		if err := p.Save(6*vg.Inch, 4*vg.Inch, filepath.Join(l.Dir, spec.file)); err != nil {
			return fmt.Errorf("plot %s: %w", spec.file, err)
		}
	}
	return nil
}
