package nn

// Model checkpoints in the Hugging Face layout: a directory holding
// model.safetensors (tensor names as in transformers' LlamaForCausalLM,
// Qwen2ForCausalLM and Qwen3ForCausalLM, see Params.Named) and config.json with the HF keys, so a
// model trained here opens with transformers' from_pretrained and a
// Llama-family model from the Hub loads here. Sharded checkpoints
// (model.safetensors.index.json) load too; BF16/F16/F64 weights are widened
// to float32.

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
)

// File names inside a checkpoint directory.
const (
	ModelFile      = "model.safetensors"            // the weights
	ModelIndexFile = "model.safetensors.index.json" // the shard map of a sharded checkpoint (read only)
	ConfigFile     = "config.json"                  // the architecture, HF keys
)

// HF architecture names written to and accepted from config.json.
const (
	archLlama = "LlamaForCausalLM"
	archQwen2 = "Qwen2ForCausalLM"
	archQwen3 = "Qwen3ForCausalLM"
)

// qwen3HeadDim is transformers' Qwen3Config default head_dim, used when a
// qwen3 config.json leaves it out.
const qwen3HeadDim = 128

// HFConfig is what config.json says: the architecture plus the fields the
// Config has no place for.
type HFConfig struct {
	Config
	// Architecture is architectures[0]: "LlamaForCausalLM",
	// "Qwen2ForCausalLM" or "Qwen3ForCausalLM".
	Architecture string
	// ModelType is model_type: "llama", "qwen2" or "qwen3".
	ModelType string
	// BOSTokenID is bos_token_id (nil when absent or null).
	BOSTokenID *int
	// EOSTokenIDs is eos_token_id; HF allows one id or a list (Llama 3).
	EOSTokenIDs []int
}

// SaveOptions are the optional extras of SaveModelWith.
type SaveOptions struct {
	// BOSTokenID is written as bos_token_id when not nil.
	BOSTokenID *int
	// EOSTokenIDs are written as eos_token_id when not empty (a number for
	// one id, a list for several).
	EOSTokenIDs []int
	// Metadata is added to the safetensors "__metadata__" (which always has
	// "format": "pt", as transformers requires).
	Metadata map[string]string
	// Generation is written as generation_config.json when not nil.
	Generation *GenerationConfig
}

// hfConfigOut is config.json as written, in a fixed key order.
type hfConfigOut struct {
	Architectures         []string `json:"architectures"`
	ModelType             string   `json:"model_type"`
	VocabSize             int      `json:"vocab_size"`
	HiddenSize            int      `json:"hidden_size"`
	IntermediateSize      int      `json:"intermediate_size"`
	NumHiddenLayers       int      `json:"num_hidden_layers"`
	NumAttentionHeads     int      `json:"num_attention_heads"`
	NumKeyValueHeads      int      `json:"num_key_value_heads"`
	HeadDim               int      `json:"head_dim,omitempty"`
	MaxPositionEmbeddings int      `json:"max_position_embeddings"`
	RopeTheta             float64  `json:"rope_theta"`
	RMSNormEps            float64  `json:"rms_norm_eps"`
	TieWordEmbeddings     bool     `json:"tie_word_embeddings"`
	AttentionBias         *bool    `json:"attention_bias,omitempty"`     // Llama, Qwen3 (false)
	UseSlidingWindow      *bool    `json:"use_sliding_window,omitempty"` // Qwen2, Qwen3 (false)
	HiddenAct             string   `json:"hidden_act"`
	AttentionDropout      float64  `json:"attention_dropout"`
	ValueHead             bool     `json:"value_head,omitempty"`
	TorchDtype            string   `json:"torch_dtype"`
	BOSTokenID            *int     `json:"bos_token_id,omitempty"`
	EOSTokenID            any      `json:"eos_token_id,omitempty"`
}

// MarshalHFConfig renders config.json for cfg: Qwen3ForCausalLM when cfg
// has the per-head q/k norm, Qwen2ForCausalLM when it has q/k/v biases (HF
// Llama's attention_bias would also put a bias on o_proj, which this model
// does not have), LlamaForCausalLM otherwise. head_dim is written when it
// is set, and always for Qwen3 (whose transformers default is 128, not
// hidden_size/num_attention_heads).
func MarshalHFConfig(cfg Config, opt SaveOptions) ([]byte, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.QKNorm && cfg.QKVBias {
		return nil, fmt.Errorf("a model with both the q/k norm and q/k/v biases has no Hugging Face architecture (Qwen3's attention_bias also biases o_proj)")
	}
	f := false
	out := hfConfigOut{
		Architectures: []string{archLlama}, ModelType: "llama",
		VocabSize: cfg.VocabSize, HiddenSize: cfg.Dim, IntermediateSize: cfg.FFNDim,
		NumHiddenLayers: cfg.NLayers, NumAttentionHeads: cfg.NHeads, NumKeyValueHeads: cfg.NKVHeads,
		MaxPositionEmbeddings: cfg.MaxSeqLen, RopeTheta: cfg.RopeTheta, RMSNormEps: cfg.NormEps,
		TieWordEmbeddings: cfg.TieEmbeddings, AttentionBias: &f, HiddenAct: "silu",
		ValueHead: cfg.ValueHead, TorchDtype: "float32", BOSTokenID: opt.BOSTokenID,
	}
	if cfg.HeadDim > 0 {
		out.HeadDim = cfg.HeadDim
	}
	switch {
	case cfg.QKNorm:
		out.Architectures, out.ModelType = []string{archQwen3}, "qwen3"
		out.UseSlidingWindow, out.HeadDim = &f, cfg.HeadSize()
	case cfg.QKVBias:
		out.Architectures, out.ModelType = []string{archQwen2}, "qwen2"
		out.AttentionBias, out.UseSlidingWindow = nil, &f
	}
	switch len(opt.EOSTokenIDs) {
	case 0:
	case 1:
		out.EOSTokenID = opt.EOSTokenIDs[0]
	default:
		out.EOSTokenID = opt.EOSTokenIDs
	}
	b, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// ParseHFConfig reads a Hugging Face config.json (name is used in errors).
// Keys this model does not need are ignored; keys that would change the
// architecture into one this model does not implement (rope_scaling,
// quantization, sliding windows, another activation, biases beyond q/k/v,
// interleaved RoPE) are errors that say so. Missing keys take the
// transformers defaults (for qwen3, head_dim 128).
func ParseHFConfig(name string, b []byte) (HFConfig, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return HFConfig{}, fmt.Errorf("config %s: %w", name, err)
	}
	var errs []error
	fail := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	// get decodes key into dst when present and not null; reports presence.
	get := func(key string, dst any) bool {
		v, ok := raw[key]
		if !ok || string(v) == "null" {
			return false
		}
		if err := json.Unmarshal(v, dst); err != nil {
			fail("%s: %v", key, err)
			return false
		}
		return true
	}
	var hc HFConfig
	var archs []string
	get("architectures", &archs)
	get("model_type", &hc.ModelType)
	if len(archs) > 0 {
		hc.Architecture = archs[0]
	}
	if len(archs) > 1 {
		fail("architectures %v: want one entry", archs)
	}
	if hc.ModelType == "" {
		switch hc.Architecture {
		case archLlama:
			hc.ModelType = "llama"
		case archQwen2:
			hc.ModelType = "qwen2"
		case archQwen3:
			hc.ModelType = "qwen3"
		}
	}
	var qwen, qwen3 bool
	switch hc.ModelType {
	case "llama":
		if hc.Architecture == "" {
			hc.Architecture = archLlama
		}
	case "qwen2":
		qwen = true
		if hc.Architecture == "" {
			hc.Architecture = archQwen2
		}
	case "qwen3":
		qwen3 = true
		if hc.Architecture == "" {
			hc.Architecture = archQwen3
		}
	case "":
		fail("neither model_type nor architectures is set: want model_type \"llama\", \"qwen2\" or \"qwen3\"")
	default:
		fail("model_type %q is not supported: this model implements the Llama, Qwen2 and Qwen3 architectures (\"llama\", \"qwen2\", \"qwen3\")", hc.ModelType)
	}
	if want := map[string]string{"llama": archLlama, "qwen2": archQwen2, "qwen3": archQwen3}[hc.ModelType]; want != "" && hc.Architecture != want {
		fail("architecture %q does not match model_type %q: want %s", hc.Architecture, hc.ModelType, want)
	}

	c := &hc.Config
	// Defaults as in transformers' LlamaConfig / Qwen2Config.
	c.RopeTheta, c.NormEps, c.MaxSeqLen = 10000, 1e-6, 2048
	if qwen || qwen3 {
		c.MaxSeqLen = 32768
	}
	for _, k := range []string{"vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size"} {
		if _, ok := raw[k]; !ok {
			fail("%s is missing", k)
		}
	}
	get("vocab_size", &c.VocabSize)
	get("hidden_size", &c.Dim)
	get("num_hidden_layers", &c.NLayers)
	get("num_attention_heads", &c.NHeads)
	get("intermediate_size", &c.FFNDim)
	if !get("num_key_value_heads", &c.NKVHeads) {
		c.NKVHeads = c.NHeads // multi-head attention, as transformers assumes
	}
	get("max_position_embeddings", &c.MaxSeqLen)
	get("rope_theta", &c.RopeTheta)
	get("rms_norm_eps", &c.NormEps)
	get("tie_word_embeddings", &c.TieEmbeddings)
	get("value_head", &c.ValueHead)
	var bias bool
	get("attention_bias", &bias)
	switch {
	case qwen:
		c.QKVBias = true // Qwen2 always has q/k/v biases and no o_proj bias
	case bias:
		fail("attention_bias = true: HF Llama and Qwen3 then have an o_proj bias too, which this model does not implement")
	}
	c.QKNorm = qwen3 // Qwen3 always normalises each q and k head
	if act := ""; get("hidden_act", &act) && act != "silu" {
		fail("hidden_act %q is not supported: the MLP is SwiGLU (\"silu\")", act)
	}
	if v, ok := raw["rope_scaling"]; ok && string(v) != "null" {
		fail("rope_scaling %s is not supported: only plain RoPE with rope_theta is implemented", v)
	}
	if v, ok := raw["quantization_config"]; ok && string(v) != "null" {
		fail("quantization_config is set: quantized checkpoints are not supported; use an unquantized float32/bf16/f16 export")
	}
	if mlpBias := false; get("mlp_bias", &mlpBias) && mlpBias {
		fail("mlp_bias = true is not supported: the MLP projections have no biases here")
	}
	if sw := false; get("use_sliding_window", &sw) && sw {
		fail("use_sliding_window = true is not supported: attention is full causal")
	}
	if ri := false; get("rope_interleaved", &ri) && ri {
		fail("rope_interleaved = true is not supported: RoPE rotates the two halves of each head (rotate_half), as transformers does")
	}
	if v, ok := raw["rope_parameters"]; ok && string(v) != "null" {
		// transformers ≥ 4.57 writes rope_theta here too.
		var rp struct {
			RopeType  string   `json:"rope_type"`
			RopeTheta *float64 `json:"rope_theta"`
		}
		if err := json.Unmarshal(v, &rp); err != nil {
			fail("rope_parameters: %v", err)
		} else if rp.RopeType != "" && rp.RopeType != "default" {
			fail("rope_parameters.rope_type %q is not supported: only plain RoPE (\"default\") is implemented", rp.RopeType)
		} else if _, has := raw["rope_theta"]; !has && rp.RopeTheta != nil {
			c.RopeTheta = *rp.RopeTheta
		}
	}
	var layerTypes []string
	get("layer_types", &layerTypes)
	for i, lt := range layerTypes {
		if lt != "full_attention" {
			fail("layer_types[%d] = %q is not supported: every layer has full causal attention here", i, lt)
			break
		}
	}
	hd := 0
	if qwen3 {
		hd = qwen3HeadDim
	}
	if get("head_dim", &hd) && hd <= 0 {
		fail("head_dim = %d: must be > 0", hd)
	}
	if hd > 0 && (c.NHeads <= 0 || c.Dim%c.NHeads != 0 || hd != c.Dim/c.NHeads) {
		c.HeadDim = hd // explicit only where it is not hidden_size/num_attention_heads
	}
	var bos int
	if get("bos_token_id", &bos) {
		hc.BOSTokenID = &bos
	}
	if v, ok := raw["eos_token_id"]; ok && string(v) != "null" {
		var one int
		if json.Unmarshal(v, &one) == nil {
			hc.EOSTokenIDs = []int{one}
		} else if err := json.Unmarshal(v, &hc.EOSTokenIDs); err != nil {
			fail("eos_token_id %s: want an id or a list of ids", v)
		}
	}
	if len(errs) == 0 {
		if err := c.Validate(); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return HFConfig{}, fmt.Errorf("config %s: %w", name, err)
	}
	return hc, nil
}

// ReadHFConfig reads dir/config.json.
func ReadHFConfig(dir string) (HFConfig, error) {
	path := filepath.Join(dir, ConfigFile)
	b, err := os.ReadFile(path)
	if err != nil {
		return HFConfig{}, fmt.Errorf("load checkpoint: %w", err)
	}
	return ParseHFConfig(path, b)
}

// checkFinite returns an error naming the first tensor with a NaN or Inf.
func checkFinite(named []Named, where string) error {
	for _, t := range named {
		for i, v := range t.Data {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return fmt.Errorf("%s: tensor %s has a non-finite value (%v at flat index %d)", where, t.Name, v, i)
			}
		}
	}
	return nil
}

// saveParams writes dir/model.safetensors and dir/config.json for a model
// with configuration cfg and parameters p. It refuses non-finite parameters:
// a NaN checkpoint would silently poison every run resumed from it.
func saveParams(dir string, cfg Config, p *Params, opt SaveOptions) error {
	if err := checkFinite(p.Named(), "save checkpoint "+dir); err != nil {
		return fmt.Errorf("%w (refusing to write a non-finite checkpoint)", err)
	}
	js, err := MarshalHFConfig(cfg, opt)
	if err != nil {
		return fmt.Errorf("save checkpoint %s: %w", dir, err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("save checkpoint: %w", err)
	}
	meta := map[string]string{}
	for k, v := range opt.Metadata {
		meta[k] = v
	}
	meta["format"] = "pt"
	// Weights first, then the config: a config.json never describes weights
	// that are not on disk yet.
	if err := WriteSafetensors(filepath.Join(dir, ModelFile), p.Named(), meta); err != nil {
		return fmt.Errorf("save checkpoint: %w", err)
	}
	err = WriteFileAtomic(filepath.Join(dir, ConfigFile), func(w io.Writer) error {
		_, err := w.Write(js)
		return err
	})
	if err != nil {
		return fmt.Errorf("save checkpoint: %w", err)
	}
	if opt.Generation != nil {
		if err := writeGenerationConfig(dir, *opt.Generation); err != nil {
			return fmt.Errorf("save checkpoint: %w", err)
		}
	}
	return nil
}

// stTensor is a tensor found in one of a checkpoint's files.
type stTensor struct {
	file *SafetensorsFile
	info TensorInfo
}

// openCheckpointTensors reads dir/model.safetensors, or every shard named by
// dir/model.safetensors.index.json, and indexes their tensors by name.
func openCheckpointTensors(dir string) (map[string]stTensor, error) {
	var files []string
	single := filepath.Join(dir, ModelFile)
	index := filepath.Join(dir, ModelIndexFile)
	if _, err := os.Stat(single); err == nil {
		files = []string{single}
	} else if b, ierr := os.ReadFile(index); ierr == nil {
		var idx struct {
			WeightMap map[string]string `json:"weight_map"`
		}
		if err := json.Unmarshal(b, &idx); err != nil {
			return nil, fmt.Errorf("load checkpoint: %s: %w", index, err)
		}
		seen := map[string]bool{}
		for name, shard := range idx.WeightMap {
			if shard == "" || shard != filepath.Base(shard) || strings.HasPrefix(shard, ".") {
				return nil, fmt.Errorf("load checkpoint: %s: tensor %q maps to %q, which is not a file name in the checkpoint directory", index, name, shard)
			}
			if !seen[shard] {
				seen[shard] = true
				files = append(files, filepath.Join(dir, shard))
			}
		}
		sort.Strings(files)
		if len(files) == 0 {
			return nil, fmt.Errorf("load checkpoint: %s: empty weight_map", index)
		}
	} else {
		return nil, fmt.Errorf("load checkpoint: %s has neither %s nor %s: %w", dir, ModelFile, ModelIndexFile, err)
	}
	tensors := map[string]stTensor{}
	for _, path := range files {
		f, err := ReadSafetensors(path)
		if err != nil {
			return nil, fmt.Errorf("load checkpoint: %w", err)
		}
		for _, t := range f.Tensors {
			if prev, dup := tensors[t.Name]; dup {
				return nil, fmt.Errorf("load checkpoint: tensor %q is in both %s and %s", t.Name, prev.file.Path, path)
			}
			tensors[t.Name] = stTensor{f, t}
		}
	}
	return tensors, nil
}

// loadParams fills p (laid out for cfg) from the safetensors file(s) in dir.
// Every tensor of p must be present with its exact shape, and the files may
// hold nothing else, except for buffers transformers used to save
// (rotary_emb.inv_freq, recomputed from rope_theta here) and, with tied
// embeddings, an lm_head.weight identical to model.embed_tokens.weight.
func loadParams(dir string, cfg Config, p *Params) error {
	tensors, err := openCheckpointTensors(dir)
	if err != nil {
		return err
	}
	return loadParamsFrom(dir, tensors, cfg, p)
}

// loadParamsFrom is loadParams over the tensors of dir already opened.
func loadParamsFrom(dir string, tensors map[string]stTensor, cfg Config, p *Params) error {
	for _, n := range p.Named() {
		t, ok := tensors[n.Name]
		if !ok {
			return fmt.Errorf("load checkpoint %s: tensor %s (shape %v) is missing", dir, n.Name, n.Shape)
		}
		delete(tensors, n.Name)
		if !slices.Equal(t.info.Shape, n.Shape) {
			return fmt.Errorf("load checkpoint: %s: tensor %s has shape %v, but config.json implies %v", t.file.Path, n.Name, t.info.Shape, n.Shape)
		}
		if err := t.file.ReadFloat32(n.Name, n.Data); err != nil {
			return fmt.Errorf("load checkpoint: %w", err)
		}
		if err := checkFinite([]Named{n}, "load checkpoint "+t.file.Path); err != nil {
			return err
		}
	}
	names := make([]string, 0, len(tensors))
	for name := range tensors {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		t := tensors[name]
		switch {
		case strings.HasSuffix(name, ".rotary_emb.inv_freq"):
			continue
		case name == "lm_head.weight" && cfg.TieEmbeddings:
			head := make([]float32, len(p.Embed))
			if !slices.Equal(t.info.Shape, []int{cfg.VocabSize, cfg.Dim}) {
				return fmt.Errorf("load checkpoint: %s: tensor lm_head.weight has shape %v, want %v", t.file.Path, t.info.Shape, []int{cfg.VocabSize, cfg.Dim})
			}
			if err := t.file.ReadFloat32(name, head); err != nil {
				return fmt.Errorf("load checkpoint: %w", err)
			}
			if !slices.Equal(head, p.Embed) {
				return fmt.Errorf("load checkpoint: %s: tie_word_embeddings is true but tensor lm_head.weight differs from model.embed_tokens.weight; set tie_word_embeddings to false in config.json", t.file.Path)
			}
		default:
			return fmt.Errorf("load checkpoint: %s: unexpected tensor %s (shape %v): not part of a %s model with this config.json", t.file.Path, name, t.info.Shape, archName(cfg))
		}
	}
	return nil
}

func archName(cfg Config) string {
	switch {
	case cfg.QKNorm:
		return archQwen3
	case cfg.QKVBias:
		return archQwen2
	}
	return archLlama
}
