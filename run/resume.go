package run

// Resumable checkpoints. A training checkpoint is a folder checkpoint-N
// holding the policy (model.safetensors, config.json, tokenizer.json), the
// trainer state (nn.TrainStateFile), the reference model when there is one
// (reference/), and checksums.json, the sha256 of every other file. It is
// written as .checkpoint-N.tmp and renamed into place, so a kill leaves
// either the old set of checkpoints or the new one; a checkpoint whose
// files do not match their checksums (a disk that lied, a copy cut short)
// is passed over for the one before it, with a warning.

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/rltrain/rltrain/nn"
	"github.com/rltrain/rltrain/tokenizer"
)

// ChecksumFile lists the sha256 of every file of a training checkpoint.
const ChecksumFile = "checksums.json"

// TrainCheckpoint is what SaveTrainCheckpoint writes.
type TrainCheckpoint struct {
	Model *nn.Model
	// Ref is the frozen reference model (nil without one).
	Ref   *nn.Model
	Tok   *tokenizer.Tokenizer
	State *nn.TrainState
}

// SaveTrainCheckpoint writes runDir/checkpoint-step atomically and then
// removes all but the newest keep checkpoints (keep 0: keep all).
func SaveTrainCheckpoint(runDir string, step, keep int, c TrainCheckpoint) (string, error) {
	final := filepath.Join(runDir, fmt.Sprintf("checkpoint-%d", step))
	tmp := filepath.Join(runDir, fmt.Sprintf(".checkpoint-%d.tmp", step))
	os.RemoveAll(tmp)
	if err := SaveCheckpoint(tmp, c.Model, c.Tok); err != nil {
		return "", err
	}
	if err := nn.SaveTrainState(filepath.Join(tmp, nn.TrainStateFile), c.State); err != nil {
		return "", fmt.Errorf("checkpoint %s: %w", final, err)
	}
	if c.Ref != nil {
		if err := nn.SaveModel(filepath.Join(tmp, "reference"), c.Ref); err != nil {
			return "", fmt.Errorf("checkpoint %s: reference model: %w", final, err)
		}
	}
	sums, err := checksums(tmp)
	if err != nil {
		return "", err
	}
	b, _ := json.MarshalIndent(sums, "", "  ")
	if err := nn.WriteFileAtomic(filepath.Join(tmp, ChecksumFile), func(w io.Writer) error { _, err := w.Write(b); return err }); err != nil {
		return "", err
	}
	if err := os.RemoveAll(final); err != nil {
		return "", err
	}
	if err := os.Rename(tmp, final); err != nil {
		return "", fmt.Errorf("checkpoint %s: %w", final, err)
	}
	// The sidecar files the model carries (tokenizer_config.json) are now
	// also in final: later checkpoints copy them from there, so rotating
	// away the folder the model was loaded from cannot lose them.
	if c.Model.Origin.Dir != "" {
		c.Model.Origin.Dir = final
	}
	// Temporary folders of checkpoints a kill interrupted are garbage now.
	if stale, _ := filepath.Glob(filepath.Join(runDir, ".checkpoint-*.tmp")); len(stale) > 0 {
		for _, d := range stale {
			os.RemoveAll(d)
		}
	}
	if keep > 0 {
		steps, _ := checkpointSteps(runDir)
		for _, s := range steps[min(keep, len(steps)):] {
			os.RemoveAll(filepath.Join(runDir, fmt.Sprintf("checkpoint-%d", s)))
		}
	}
	return final, nil
}

// checksums returns the sha256 of every file below dir, by slash path.
func checksums(dir string) (map[string]string, error) {
	sums := map[string]string{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Name() == ChecksumFile {
			return err
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		h := sha256.New()
		if _, err := io.Copy(h, f); err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		sums[filepath.ToSlash(rel)] = hex.EncodeToString(h.Sum(nil))
		return nil
	})
	return sums, err
}

// checkpointSteps returns the steps of runDir's checkpoint-N folders, newest first.
func checkpointSteps(runDir string) ([]int, error) {
	ents, err := os.ReadDir(runDir)
	if err != nil {
		return nil, err
	}
	var steps []int
	for _, e := range ents {
		if n, ok := strings.CutPrefix(e.Name(), "checkpoint-"); ok && e.IsDir() {
			if s, err := strconv.Atoi(n); err == nil && s >= 0 {
				steps = append(steps, s)
			}
		}
	}
	sort.Sort(sort.Reverse(sort.IntSlice(steps)))
	return steps, nil
}

// VerifyCheckpoint checks a checkpoint folder's files against its checksums.
func VerifyCheckpoint(dir string) error {
	b, err := os.ReadFile(filepath.Join(dir, ChecksumFile))
	if err != nil {
		return fmt.Errorf("checkpoint %s: %w", dir, err)
	}
	var want map[string]string
	if err := json.Unmarshal(b, &want); err != nil {
		return fmt.Errorf("checkpoint %s: %s: %w", dir, ChecksumFile, err)
	}
	got, err := checksums(dir)
	if err != nil {
		return fmt.Errorf("checkpoint %s: %w", dir, err)
	}
	for name, sum := range want {
		if got[name] != sum {
			return fmt.Errorf("checkpoint %s: %s does not match its checksum (corrupt or cut short)", dir, name)
		}
	}
	if _, ok := want[nn.TrainStateFile]; !ok {
		return fmt.Errorf("checkpoint %s: no %s: not a resumable training checkpoint", dir, nn.TrainStateFile)
	}
	return nil
}

// LatestCheckpoint returns the newest checkpoint of runDir that passes
// VerifyCheckpoint and its step, with a warning for each newer one passed
// over. It returns "" when there is none.
func LatestCheckpoint(runDir string) (dir string, step int, warnings []string, err error) {
	steps, err := checkpointSteps(runDir)
	if err != nil {
		return "", 0, nil, err
	}
	for _, s := range steps {
		d := filepath.Join(runDir, fmt.Sprintf("checkpoint-%d", s))
		if err := VerifyCheckpoint(d); err != nil {
			warnings = append(warnings, fmt.Sprintf("warning: %v; falling back to an earlier checkpoint", err))
			continue
		}
		return d, s, warnings, nil
	}
	return "", 0, warnings, nil
}

// ReopenRunLog opens an existing run folder to continue after step: it
// keeps the metrics.jsonl and samples.jsonl lines of steps up to step (a
// killed run may have logged steps its last checkpoint does not hold), the
// evaluations up to step, and appends from there.
func ReopenRunLog(dir string, step int) (*RunLog, error) {
	l := &RunLog{Dir: dir}
	keep := func(name string, each func(line []byte)) (*os.File, error) {
		path := filepath.Join(dir, name)
		b, err := os.ReadFile(path)
		if err != nil && !os.IsNotExist(err) {
			return nil, err
		}
		var kept []byte
		for _, line := range strings.SplitAfter(string(b), "\n") {
			var rec struct {
				Step *int `json:"step"`
			}
			if !strings.HasSuffix(line, "\n") || json.Unmarshal([]byte(line), &rec) != nil || rec.Step == nil || *rec.Step > step {
				continue // a torn last line, or a step after the checkpoint
			}
			kept = append(kept, line...)
			if each != nil {
				each([]byte(line))
			}
		}
		if err := nn.WriteFileAtomic(path, func(w io.Writer) error { _, err := w.Write(kept); return err }); err != nil {
			return nil, err
		}
		return os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0o644)
	}
	var err error
	if l.metrics, err = keep("metrics.jsonl", func(line []byte) {
		var m map[string]float64
		if json.Unmarshal(line, &m) == nil {
			l.History = append(l.History, m)
		}
	}); err != nil {
		return nil, fmt.Errorf("resume %s: %w", dir, err)
	}
	if l.samples, err = keep("samples.jsonl", nil); err != nil {
		l.metrics.Close()
		return nil, fmt.Errorf("resume %s: %w", dir, err)
	}
	if l.evals, err = keep(evalsFile, func(line []byte) {
		var e StepEval
		if json.Unmarshal(line, &e) == nil {
			l.Evals = append(l.Evals, e)
		}
	}); err != nil {
		return nil, fmt.Errorf("resume %s: %w", dir, err)
	}
	l.initWriters()
	return l, nil
}
