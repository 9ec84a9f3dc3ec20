package prof

import (
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/google/pprof/profile"
)

// Label is the pprof label key that names a phase.
const Label = "phase"

// Other names the samples without a phase label.
const Other = "other"

// Func is one function's CPU time within a phase.
type Func struct {
	Name string
	// Flat is the time the function itself was running (the leaf of the
	// stack); Cum the time it was anywhere on the stack.
	Flat, Cum time.Duration
}

// Phase is the CPU time of one phase and its top functions.
type Phase struct {
	Name string
	CPU  time.Duration
	// Share is CPU over the profile's total CPU time.
	Share float64
	// Samples counts the profiler's ticks in the phase.
	Samples int
	// ByFlat and ByCum are the top functions, most time first.
	ByFlat, ByCum []Func
}

// Summary is a CPU profile split by phase.
type Summary struct {
	// Duration is the wall time the profile covered (0 if not recorded).
	Duration time.Duration
	// Total is the CPU time of all samples.
	Total time.Duration
	// Samples counts the profiler's ticks (Go profiles every 10 ms of CPU).
	Samples int
	// Top is the length limit of each phase's function lists.
	Top int
	// Phases are sorted by CPU time, most first, with Other last.
	Phases []Phase
}

// Phase returns the phase with the given name.
func (s Summary) Phase(name string) (Phase, bool) {
	for _, p := range s.Phases {
		if p.Name == name {
			return p, true
		}
	}
	return Phase{}, false
}

var units = map[string]time.Duration{"nanoseconds": time.Nanosecond, "microseconds": time.Microsecond,
	"milliseconds": time.Millisecond, "seconds": time.Second}

// Summarize reads a CPU profile (pprof format, gzipped or not) and splits its
// CPU time by the "phase" label, keeping the top functions of each phase (top
// ≤ 0 keeps them all).
func Summarize(r io.Reader, top int) (Summary, error) {
	p, err := profile.Parse(r)
	if err != nil {
		return Summary{}, fmt.Errorf("not a readable pprof profile: %w", err)
	}
	vi, ni := -1, -1
	var types []string
	for i, st := range p.SampleType {
		types = append(types, st.Type+"/"+st.Unit)
		switch st.Type {
		case "cpu":
			vi = i
		case "samples":
			ni = i
		}
	}
	if vi < 0 {
		return Summary{}, fmt.Errorf("not a CPU profile: its sample types are %s (write one with --cpuprofile)", strings.Join(types, ", "))
	}
	unit, ok := units[p.SampleType[vi].Unit]
	if !ok {
		return Summary{}, fmt.Errorf("CPU profile in unknown unit %q", p.SampleType[vi].Unit)
	}
	type acc struct {
		cpu       time.Duration
		n         int
		flat, cum map[string]time.Duration
	}
	phases := map[string]*acc{}
	s := Summary{Duration: time.Duration(p.DurationNanos), Top: top}
	for _, smp := range p.Sample {
		if vi >= len(smp.Value) || ni >= len(smp.Value) {
			return Summary{}, errors.New("malformed CPU profile: a sample has fewer values than sample types")
		}
		v := time.Duration(smp.Value[vi]) * unit
		name := Other
		if l := smp.Label[Label]; len(l) > 0 && l[0] != "" {
			name = l[0]
		}
		a := phases[name]
		if a == nil {
			a = &acc{flat: map[string]time.Duration{}, cum: map[string]time.Duration{}}
			phases[name] = a
		}
		n := 1 // one profile record holds every tick of one stack
		if ni >= 0 {
			n = int(smp.Value[ni])
		}
		a.cpu += v
		a.n += n
		s.Total += v
		s.Samples += n
		seen := map[string]bool{}
		for i, loc := range smp.Location {
			for j, fn := range frames(loc) {
				if i == 0 && j == 0 {
					a.flat[fn] += v
				}
				if !seen[fn] {
					seen[fn] = true
					a.cum[fn] += v
				}
			}
		}
		if len(smp.Location) == 0 {
			a.flat["(unknown)"] += v
			a.cum["(unknown)"] += v
		}
	}
	for name, a := range phases {
		ph := Phase{Name: name, CPU: a.cpu, Samples: a.n}
		if s.Total > 0 {
			ph.Share = float64(a.cpu) / float64(s.Total)
		}
		ph.ByFlat = topFuncs(a.flat, a.cum, top, false)
		ph.ByCum = topFuncs(a.flat, a.cum, top, true)
		s.Phases = append(s.Phases, ph)
	}
	sort.Slice(s.Phases, func(i, j int) bool {
		a, b := s.Phases[i], s.Phases[j]
		if (a.Name == Other) != (b.Name == Other) {
			return b.Name == Other
		}
		if a.CPU != b.CPU {
			return a.CPU > b.CPU
		}
		return a.Name < b.Name
	})
	return s, nil
}

// frames returns the function names of a location, innermost first (a
// location holds several when calls were inlined).
func frames(loc *profile.Location) []string {
	if len(loc.Line) == 0 {
		return []string{fmt.Sprintf("0x%x", loc.Address)}
	}
	out := make([]string, 0, len(loc.Line))
	for _, ln := range loc.Line {
		if ln.Function != nil && ln.Function.Name != "" {
			out = append(out, ln.Function.Name)
		} else {
			out = append(out, fmt.Sprintf("0x%x", loc.Address))
		}
	}
	return out
}

// topFuncs returns the functions sorted by flat (or cum) time, at most top.
func topFuncs(flat, cum map[string]time.Duration, top int, byCum bool) []Func {
	fs := make([]Func, 0, len(cum))
	for name, c := range cum {
		fs = append(fs, Func{Name: name, Flat: flat[name], Cum: c})
	}
	key := func(f Func) time.Duration {
		if byCum {
			return f.Cum
		}
		return f.Flat
	}
	sort.Slice(fs, func(i, j int) bool {
		if ki, kj := key(fs[i]), key(fs[j]); ki != kj {
			return ki > kj
		}
		return fs[i].Name < fs[j].Name
	})
	if !byCum {
		for len(fs) > 0 && fs[len(fs)-1].Flat == 0 {
			fs = fs[:len(fs)-1]
		}
	}
	if top > 0 && len(fs) > top {
		fs = fs[:top]
	}
	return fs
}
