package rl

// Exact resume: everything besides the weights that the next step depends
// on — the optimiser's moments and step, the data order and cursor, the
// generator of non-sampling choices, the group-key counter, the adaptive β
// and the count of skipped updates — goes into an nn.TrainState. Sampling
// itself needs nothing: every row's stream derives from (seed, step, row)
// (streams.go), so a resumed step samples what the uninterrupted one did.

import (
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/rltrain/rltrain/nn"
)

// resumeMeta is the part of the state kept as JSON metadata.
type resumeMeta struct {
	Order     []int   `json:"order"`
	Keys      int     `json:"keys"`
	NonFinite int     `json:"non_finite"`
	KLBeta    float64 `json:"kl_beta"`
}

// State captures the trainer's state after its last step.
func (t *Trainer) State() (*nn.TrainState, error) {
	st := &nn.TrainState{Step: t.step, DataCursor: int64(t.cursor), RNG: map[string][]byte{}, Meta: map[string]string{}}
	st.CaptureAdamW(t.Opt)
	b, err := t.src.MarshalBinary()
	if err != nil {
		return nil, err
	}
	st.RNG["trainer"] = b
	m, err := json.Marshal(resumeMeta{Order: t.order, Keys: t.keys.next, NonFinite: t.nonFinite, KLBeta: t.kl.Beta})
	if err != nil {
		return nil, err
	}
	st.Meta["trainer"] = string(m)
	st.Meta["seed"] = strconv.FormatUint(t.Cfg.Seed, 10)
	return st, nil
}

// Restore puts the trainer where State found it. The model's weights (and
// the reference model's) are restored by the caller; the state must come
// from a run with the same configuration, data and seed.
func (t *Trainer) Restore(st *nn.TrainState) error {
	if s := st.Meta["seed"]; s != strconv.FormatUint(t.Cfg.Seed, 10) {
		return fmt.Errorf("rl: resume: the checkpoint was written by a run with seed %s, this run has seed %d", s, t.Cfg.Seed)
	}
	var m resumeMeta
	if err := json.Unmarshal([]byte(st.Meta["trainer"]), &m); err != nil {
		return fmt.Errorf("rl: resume: trainer state: %w", err)
	}
	for _, i := range m.Order {
		if i < 0 || i >= len(t.Train) {
			return fmt.Errorf("rl: resume: the saved data order names example %d of %d: the checkpoint belongs to other training data", i, len(t.Train))
		}
	}
	if len(m.Order) != 0 && len(m.Order) != len(t.Train) {
		return fmt.Errorf("rl: resume: the saved data order covers %d examples, this run has %d: the checkpoint belongs to other training data", len(m.Order), len(t.Train))
	}
	if err := st.RestoreAdamW(t.Opt); err != nil {
		return fmt.Errorf("rl: resume: %w", err)
	}
	if err := t.src.UnmarshalBinary(st.RNG["trainer"]); err != nil {
		return fmt.Errorf("rl: resume: generator state: %w", err)
	}
	t.step, t.cursor, t.order = st.Step, int(st.DataCursor), m.Order
	t.keys.next, t.nonFinite, t.kl.Beta = m.Keys, m.NonFinite, m.KLBeta
	return nil
}
