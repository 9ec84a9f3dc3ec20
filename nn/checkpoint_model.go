package nn

import (
	"fmt"
	"path/filepath"
)

// SaveModel writes m to dir (created if missing) as dir/model.safetensors
// and dir/config.json in the Hugging Face layout, each file atomically. It
// refuses non-finite parameters with an error naming the tensor.
func SaveModel(dir string, m *Model) error { return SaveModelWith(dir, m, SaveOptions{}) }

// SaveModelWith is SaveModel with token ids for config.json and extra
// safetensors metadata.
func SaveModelWith(dir string, m *Model, opt SaveOptions) error {
	return saveParams(dir, m.Cfg, m.P, opt)
}

// LoadModel reads a Llama/Qwen2-family checkpoint directory (config.json
// plus model.safetensors or a sharded model.safetensors.index.json; F32,
// BF16, F16 or F64 weights) into a new model with zeroed gradients.
func LoadModel(dir string) (*Model, error) {
	m, _, err := LoadModelHF(dir)
	return m, err
}

// LoadModelHF is LoadModel that also returns what config.json says beyond
// the Config (architecture, bos/eos token ids). The model's Origin records
// dir and the token ids of dir/generation_config.json (or, without that
// file, of config.json); ids outside the vocabulary are an error.
func LoadModelHF(dir string) (*Model, HFConfig, error) {
	hc, err := ReadHFConfig(dir)
	if err != nil {
		return nil, HFConfig{}, err
	}
	if err := hc.Config.Validate(); err != nil {
		return nil, HFConfig{}, fmt.Errorf("load checkpoint %s: %w", dir, err)
	}
	tensors, err := openCheckpointTensors(dir)
	if err != nil {
		return nil, HFConfig{}, err
	}
	// A config.json that declares far more parameters than the weight files
	// hold is refused before the model's slabs are allocated (a smaller
	// shortfall is a missing tensor, which loading names precisely, after
	// an allocation no larger than the files).
	var have int64
	for _, t := range tensors {
		n := int64(1)
		for _, d := range t.info.Shape {
			n *= int64(d)
		}
		have += n
	}
	if want := hc.Config.ParamCount(); want > 2*have+1<<20 {
		return nil, HFConfig{}, fmt.Errorf("load checkpoint %s: %s declares %d parameters but the weight files hold %d values: the config and the weights do not belong together", dir, ConfigFile, want, have)
	}
	m, err := NewModel(hc.Config)
	if err != nil {
		return nil, HFConfig{}, fmt.Errorf("load checkpoint %s: %w", dir, err)
	}
	if err := loadParamsFrom(dir, tensors, hc.Config, m.P); err != nil {
		return nil, HFConfig{}, err
	}
	gen, ok, err := ReadGenerationConfig(dir)
	if err != nil {
		return nil, HFConfig{}, fmt.Errorf("load checkpoint: %w", err)
	}
	if !ok {
		gen = GenerationConfig{BOSTokenID: hc.BOSTokenID, EOSTokenIDs: hc.EOSTokenIDs}
	}
	if err := gen.checkVocab(filepath.Join(dir, GenerationConfigFile), hc.VocabSize); ok && err != nil {
		return nil, HFConfig{}, fmt.Errorf("load checkpoint: %w", err)
	} else if err := gen.checkVocab(filepath.Join(dir, ConfigFile), hc.VocabSize); !ok && err != nil {
		return nil, HFConfig{}, fmt.Errorf("load checkpoint: %w", err)
	}
	m.Origin = Origin{Dir: dir, Generation: gen}
	return m, hc, nil
}
