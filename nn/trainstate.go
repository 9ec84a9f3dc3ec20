package nn

// The trainer sidecar: everything besides the weights that an exact resume
// needs. It is a safetensors file (so the same hardened reader guards it and
// Python can inspect it) holding the AdamW moments as F32 tensors
// "adamw.m" and "adamw.v", with the scalars, RNG states and free-form
// metadata as JSON strings in "__metadata__", under a format name and
// version so that a future layout change is detected rather than misread.

import (
	"encoding/json"
	"fmt"
	"strconv"
)

// TrainStateFile is the conventional sidecar name inside a checkpoint directory.
const TrainStateFile = "trainer_state.safetensors"

const (
	trainStateFormat  = "rltrain.trainer_state"
	trainStateVersion = 1
)

// TrainState is the optimiser and data-loader state saved beside a model for
// exact resume.
type TrainState struct {
	// Step is the number of completed trainer steps.
	Step int
	// AdamStep is AdamW.Step (drives the bias correction); it can differ from
	// Step, e.g. after skipped updates.
	AdamStep int
	// M and V are the AdamW first and second moments, laid out as the
	// parameter slab (equal lengths; both empty without an optimiser).
	M, V []float32
	// DataCursor is the position of the data loader (examples consumed).
	DataCursor int64
	// RNG holds named generator states, each the MarshalBinary bytes of a
	// math/rand/v2 source (e.g. "sample", "data").
	RNG map[string][]byte
	// Meta is free-form string metadata (run id, config hash, …).
	Meta map[string]string
}

// SaveTrainState writes st to path atomically. Non-finite moments are
// refused: they mean training has already diverged.
func SaveTrainState(path string, st *TrainState) error {
	if len(st.M) != len(st.V) {
		return fmt.Errorf("save trainer state %s: AdamW moments have %d and %d values, want equal lengths", path, len(st.M), len(st.V))
	}
	tensors := []Named{
		{Name: "adamw.m", Shape: []int{len(st.M)}, Data: st.M},
		{Name: "adamw.v", Shape: []int{len(st.V)}, Data: st.V},
	}
	if err := checkFinite(tensors, "save trainer state "+path); err != nil {
		return err
	}
	rng, err := json.Marshal(st.RNG) // []byte values become base64
	if err != nil {
		return fmt.Errorf("save trainer state %s: %w", path, err)
	}
	meta, err := json.Marshal(st.Meta)
	if err != nil {
		return fmt.Errorf("save trainer state %s: %w", path, err)
	}
	md := map[string]string{
		"format":      trainStateFormat,
		"version":     strconv.Itoa(trainStateVersion),
		"step":        strconv.Itoa(st.Step),
		"adam_step":   strconv.Itoa(st.AdamStep),
		"data_cursor": strconv.FormatInt(st.DataCursor, 10),
		"rng":         string(rng),
		"meta":        string(meta),
	}
	if err := WriteSafetensors(path, tensors, md); err != nil {
		return fmt.Errorf("save trainer state: %w", err)
	}
	return nil
}

// LoadTrainState reads a sidecar written by SaveTrainState.
func LoadTrainState(path string) (*TrainState, error) {
	f, err := ReadSafetensors(path)
	if err != nil {
		return nil, fmt.Errorf("load trainer state: %w", err)
	}
	return decodeTrainState(f)
}

func decodeTrainState(f *SafetensorsFile) (*TrainState, error) {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("load trainer state %s: %s", f.Path, fmt.Sprintf(format, args...))
	}
	md := f.Metadata
	if md["format"] != trainStateFormat {
		return nil, bad("__metadata__ format is %q, want %q: not a trainer state file", md["format"], trainStateFormat)
	}
	if v := md["version"]; v != strconv.Itoa(trainStateVersion) {
		return nil, bad("version %q: this build reads version %d (written by a different rltrain?)", v, trainStateVersion)
	}
	st := &TrainState{}
	var err error
	if st.Step, err = strconv.Atoi(md["step"]); err != nil || st.Step < 0 {
		return nil, bad("step %q is not a non-negative integer", md["step"])
	}
	if st.AdamStep, err = strconv.Atoi(md["adam_step"]); err != nil || st.AdamStep < 0 {
		return nil, bad("adam_step %q is not a non-negative integer", md["adam_step"])
	}
	if st.DataCursor, err = strconv.ParseInt(md["data_cursor"], 10, 64); err != nil || st.DataCursor < 0 {
		return nil, bad("data_cursor %q is not a non-negative integer", md["data_cursor"])
	}
	if err := json.Unmarshal([]byte(md["rng"]), &st.RNG); err != nil {
		return nil, bad("rng: %v", err)
	}
	if err := json.Unmarshal([]byte(md["meta"]), &st.Meta); err != nil {
		return nil, bad("meta: %v", err)
	}
	if len(f.Tensors) != 2 {
		return nil, bad("holds %d tensors, want adamw.m and adamw.v", len(f.Tensors))
	}
	for _, name := range []string{"adamw.m", "adamw.v"} {
		t, ok := f.Lookup(name)
		if !ok {
			return nil, bad("tensor %s is missing", name)
		}
		if t.DType != F32 || len(t.Shape) != 1 {
			return nil, bad("tensor %s is %s%v, want a 1-D F32 tensor (moments must round-trip exactly)", name, t.DType, t.Shape)
		}
	}
	m, _ := f.Lookup("adamw.m")
	v, _ := f.Lookup("adamw.v")
	if m.Shape[0] != v.Shape[0] {
		return nil, bad("adamw.m has %d values but adamw.v has %d", m.Shape[0], v.Shape[0])
	}
	if st.M, err = f.Float32("adamw.m"); err != nil {
		return nil, fmt.Errorf("load trainer state: %w", err)
	}
	if st.V, err = f.Float32("adamw.v"); err != nil {
		return nil, fmt.Errorf("load trainer state: %w", err)
	}
	tensors := []Named{{Name: "adamw.m", Data: st.M}, {Name: "adamw.v", Data: st.V}}
	if err := checkFinite(tensors, "load trainer state "+f.Path); err != nil {
		return nil, err
	}
	return st, nil
}

// CaptureAdamW copies o's moments and step count into st.
func (st *TrainState) CaptureAdamW(o *AdamW) {
	st.M = append(st.M[:0], o.M...)
	st.V = append(st.V[:0], o.V...)
	st.AdamStep = o.Step
}

// RestoreAdamW copies st's moments and step count into o, which must have
// been made for a model with the same parameter layout.
func (st *TrainState) RestoreAdamW(o *AdamW) error {
	if len(st.M) != len(o.M) || len(st.V) != len(o.V) {
		return fmt.Errorf("restore AdamW: trainer state holds %d moments, the model has %d parameters: the checkpoint belongs to a different model config", len(st.M), len(o.M))
	}
	copy(o.M, st.M)
	copy(o.V, st.V)
	o.Step = st.AdamStep
	return nil
}
