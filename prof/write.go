package prof

import (
	"fmt"
	"io"
	"time"
)

// Write prints the summary: a table of the phases' CPU time and share, then
// each phase's top functions by flat and by cumulative time (percentages of
// the phase's own CPU time).
func (s Summary) Write(w io.Writer) error {
	ew := &errWriter{w: w}
	wall := ""
	if s.Duration > 0 {
		wall = fmt.Sprintf(" over %s of wall time", secs(s.Duration))
	}
	ew.printf("CPU profile: %s of CPU in %d samples%s\n", secs(s.Total), s.Samples, wall)
	if s.Samples == 0 {
		ew.printf("no samples: the profiled program ran too briefly (profiling samples every 10ms)\n")
		return ew.err
	}
	ew.printf("\n%-12s %10s %7s\n", "phase", "cpu", "share")
	for _, p := range s.Phases {
		ew.printf("%-12s %10s %6.1f%%\n", p.Name, secs(p.CPU), 100*p.Share)
	}
	for _, p := range s.Phases {
		for _, list := range []struct {
			by    string
			funcs []Func
		}{{"flat", p.ByFlat}, {"cum", p.ByCum}} {
			ew.printf("\n%s (%s, %.1f%% of CPU): top functions by %s time\n", p.Name, secs(p.CPU), 100*p.Share, list.by)
			ew.printf("%10s %6s %10s %6s  %s\n", "flat", "flat%", "cum", "cum%", "function")
			for _, f := range list.funcs {
				ew.printf("%10s %5.1f%% %10s %5.1f%%  %s\n", secs(f.Flat), pct(f.Flat, p.CPU), secs(f.Cum), pct(f.Cum, p.CPU), f.Name)
			}
		}
	}
	return ew.err
}

func secs(d time.Duration) string { return fmt.Sprintf("%.2fs", d.Seconds()) }

func pct(d, of time.Duration) float64 {
	if of == 0 {
		return 0
	}
	return 100 * float64(d) / float64(of)
}

// errWriter keeps the first write error.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) printf(format string, args ...any) {
	if e.err == nil {
		_, e.err = fmt.Fprintf(e.w, format, args...)
	}
}

// WriteShares prints the phases' shares of the CPU time on one line, most
// first, "other" last: what a run prints at its end when it was profiled.
func (s Summary) WriteShares(w io.Writer) error {
	ew := &errWriter{w: w}
	ew.printf("CPU profile by phase (%s of CPU):", secs(s.Total))
	for _, p := range s.Phases {
		ew.printf("  %s %.1f%%", p.Name, 100*p.Share)
	}
	if s.Samples == 0 {
		ew.printf("  (no samples: the run was too short to profile)")
	}
	ew.printf("\n")
	return ew.err
}
