package rl

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
)

// fuzzRunConfig is the part of the CLI's run config (cmd/rltrain runConfig,
// read with DisallowUnknownFields) that this package defines.
type fuzzRunConfig struct {
	Algo  Config      `json:"algorithm"`
	Train TrainConfig `json:"train"`
	Eval  EvalConfig  `json:"eval"`
}

// FuzzConfigJSON reads arbitrary bytes as the algorithm section of a run
// config ({"algo": name, "<section>": settings}) onto every preset, and as a
// run config {"algorithm", "train", "eval"} onto the defaults, as --config
// does. Neither decoding nor Validate ever panics, whatever the decode left
// behind; a config that validates has its settings, and writes and reads
// back unchanged.
func FuzzConfigJSON(f *testing.F) {
	for _, a := range Algos {
		c, err := Preset(string(a))
		if err != nil {
			f.Fatal(err)
		}
		b, err := json.Marshal(c)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, uint8(0))
		run, err := json.Marshal(fuzzRunConfig{c, DefaultTrainConfig(), DefaultEvalConfig()})
		if err != nil {
			f.Fatal(err)
		}
		f.Add(run, uint8(3))
	}
	for _, s := range []string{
		`{"algo":"dapo","grpo":{"epsilon_high":0.3}}`,
		`{"algo":"dapo","ppo":{}}`,
		`{"algo":"nope"}`,
		`{"algo":5}`,
		`{"algo":"nft","nft":{"neg_weight":-1,"group_size":0,"loss_type":"x"}}`,
		`{"algo":"ppo","ppo":null}`,
		`{"grpo":{"group_size":1e300}}`,
		`{"algo":"grpo","grpo":{"target_kl":0.1,"beta":0,"kl_horizon":-1,"dynamic_sampling":true,"max_gen_batches":0,"short_batch":""}}`,
		`{"algo":"grpo","grpo":{"pg_coef":0,"entropy_coef":0,"delta":1.1,"dual_clip_c":0.5,"epsilon_low":1}}`,
		`null`, `[]`, `{}`, `"grpo"`,
		`{"algorithm":{"algo":"ppo"},"train":{"steps":-1,"lr":0,"temperature":0,"top_p":2,"reward_timeout":"2s"},"eval":{"k":0}}`,
		`{"algorithm":{"algo":"rloo","grpo":{"gamma":0}},"train":{"micro_batch":9223372036854775807,"temperature":1e39},"eval":{"max_new_tokens":0}}`,
		`{"train":{"seed":-1},"extra":1}`,
	} {
		f.Add([]byte(s), uint8(1))
	}
	f.Fuzz(func(t *testing.T, b []byte, which uint8) {
		if len(b) > 1<<20 {
			t.Skip("input over 1 MB")
		}
		a := Algos[int(which)%len(Algos)]

		// The algorithm section, onto a preset and onto the zero Config.
		c, err := Preset(string(a))
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []*Config{&c, {}} {
			err := json.Unmarshal(b, c)
			verr := c.Validate()
			_ = c.Policy()
			if err != nil || verr != nil {
				continue
			}
			checkConfigRoundTrip(t, *c)
		}

		// The run config, as --config reads it.
		run := fuzzRunConfig{Train: DefaultTrainConfig(), Eval: DefaultEvalConfig()}
		run.Algo, _ = Preset(string(a))
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		err = dec.Decode(&run)
		verrs := []error{run.Algo.Validate(), run.Train.Validate(), run.Eval.Validate()}
		if err != nil || verrs[0] != nil || verrs[1] != nil || verrs[2] != nil {
			return
		}
		checkConfigRoundTrip(t, run.Algo)
		out, err := json.Marshal(run)
		if err != nil {
			t.Fatalf("a valid run config does not marshal: %v", err)
		}
		back := fuzzRunConfig{}
		if err := json.Unmarshal(out, &back); err != nil {
			t.Fatalf("a valid run config does not read back: %v\n%s", err, out)
		}
		if !reflect.DeepEqual(back.Train, run.Train) || !reflect.DeepEqual(back.Eval, run.Eval) {
			t.Fatalf("run config changed in a round trip:\n%+v %+v\n%+v %+v", run.Train, run.Eval, back.Train, back.Eval)
		}
	})
}

// checkConfigRoundTrip: a valid algorithm config exposes its settings and
// survives a JSON round trip onto a zero Config unchanged.
func checkConfigRoundTrip(t *testing.T, c Config) {
	t.Helper()
	if c.Settings == nil || c.Policy() == nil {
		t.Fatalf("valid config %q without settings", c.Algo)
	}
	_ = c.LossConfig()
	_ = c.Settings.UsesCritic()
	out, err := json.Marshal(c)
	if err != nil {
		t.Fatalf("valid config %q does not marshal: %v", c.Algo, err)
	}
	var back Config
	if err := json.Unmarshal(out, &back); err != nil {
		t.Fatalf("valid config does not read back: %v\n%s", err, out)
	}
	if back.Algo != c.Algo || !reflect.DeepEqual(back.Settings, c.Settings) {
		t.Fatalf("config changed in a round trip:\n%+v\n%+v", c.Settings, back.Settings)
	}
	if err := back.Validate(); err != nil {
		t.Fatalf("config invalid after a round trip: %v", err)
	}
}
