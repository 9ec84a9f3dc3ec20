package nn

import (
	"encoding/json"
	"math/big"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// maxFuzzInput bounds the inputs of the fuzz targets of this package, and
// with them each execution's time and memory.
const maxFuzzInput = 1 << 20

// FuzzHFConfig reads arbitrary bytes as a Hugging Face config.json. It
// never panics (and allocates nothing by a declared size: ParseHFConfig
// only decodes); errors name the file; what it accepts is a valid Config of
// a supported architecture that MarshalHFConfig writes and ParseHFConfig
// reads back to the same Config and token ids.
func FuzzHFConfig(f *testing.F) {
	for _, s := range []string{
		qwen25Config, tinyLlamaConfig, llama32Config, qwen3Config,
		`{"model_type":"llama","vocab_size":10,"hidden_size":8,"num_hidden_layers":1,"num_attention_heads":2,"intermediate_size":4}`,
		`{"architectures":["Qwen2ForCausalLM"],"vocab_size":10,"hidden_size":8,"num_hidden_layers":1,"num_attention_heads":2,"num_key_value_heads":1,"intermediate_size":4,"eos_token_id":[1,2],"bos_token_id":null,"head_dim":4,"rope_scaling":null}`,
		`{"model_type":"llama","vocab_size":-1,"hidden_size":0,"num_hidden_layers":1e3,"num_attention_heads":3,"num_key_value_heads":0,"intermediate_size":"4","rms_norm_eps":-1,"rope_theta":0}`,
		`{"model_type":"llama","vocab_size":9223372036854775807,"hidden_size":4294967296,"num_hidden_layers":2147483647,"num_attention_heads":2,"intermediate_size":4294967296}`,
		`{"architectures":["LlamaForCausalLM","Qwen2ForCausalLM"],"model_type":"qwen2"}`,
		`{"model_type":"llama","eos_token_id":"x","hidden_act":"gelu","mlp_bias":true,"use_sliding_window":true,"attention_bias":true,"quantization_config":{}}`,
		`null`, `[]`, `{}`, `{"model_type":null}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) > maxFuzzInput {
			t.Skip("input over 1 MB")
		}
		const name = "fuzz/config.json"
		hc, err := ParseHFConfig(name, b)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "config "+name+": ") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		if err := hc.Validate(); err != nil {
			t.Fatalf("accepted an invalid config: %v", err)
		}
		if hc.Architecture != archLlama && hc.Architecture != archQwen2 && hc.Architecture != archQwen3 {
			t.Fatalf("accepted architecture %q", hc.Architecture)
		}
		if hc.QKVBias != (hc.ModelType == "qwen2") || hc.QKNorm != (hc.ModelType == "qwen3") {
			t.Fatalf("model_type %q with QKVBias %v, QKNorm %v", hc.ModelType, hc.QKVBias, hc.QKNorm)
		}
		// The cost model is plain arithmetic on any valid config.
		_, _ = hc.ParamCount(), hc.MatmulParams()

		out, err := MarshalHFConfig(hc.Config, SaveOptions{BOSTokenID: hc.BOSTokenID, EOSTokenIDs: hc.EOSTokenIDs})
		if err != nil {
			t.Fatalf("MarshalHFConfig of an accepted config: %v", err)
		}
		hc2, err := ParseHFConfig("back.json", out)
		if err != nil {
			t.Fatalf("written config.json does not read back: %v\n%s", err, out)
		}
		if hc2.Config != hc.Config {
			t.Fatalf("config changed in a round trip:\n%+v\n%+v", hc.Config, hc2.Config)
		}
		if !reflect.DeepEqual(hc2.BOSTokenID, hc.BOSTokenID) || len(hc2.EOSTokenIDs)+len(hc.EOSTokenIDs) > 0 && !reflect.DeepEqual(hc2.EOSTokenIDs, hc.EOSTokenIDs) {
			t.Fatalf("token ids changed in a round trip: bos %v eos %v → bos %v eos %v", hc.BOSTokenID, hc.EOSTokenIDs, hc2.BOSTokenID, hc2.EOSTokenIDs)
		}
	})
}

// FuzzConfigJSON reads arbitrary bytes as the JSON of a Config (the
// warm-start model section of a run config) and of an SFTConfig, onto their
// defaults. Neither decoding nor Validate panics, and a config that
// validates writes and reads back unchanged.
func FuzzConfigJSON(f *testing.F) {
	for _, v := range []any{ConfigS(), ConfigM(), ckptConfig(), DefaultSFTConfig()} {
		b, err := json.Marshal(v)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range []string{
		`{"hidden_size":255,"num_attention_heads":5,"num_key_value_heads":2,"rope_theta":-1,"rms_norm_eps":0}`,
		`{"hidden_size":6,"num_attention_heads":2}`,
		`{"vocab_size":1e3,"value_head":true,"attention_bias":true,"tie_word_embeddings":false}`,
		`{"steps":-1,"batch_seqs":0,"lr":0,"warmup":-1,"min_lr_ratio":2,"weight_decay":-1,"max_grad_norm":-1,"eval_every":-1,"seed":-1}`,
		`{"lr":1e309}`, `null`, `[]`, `{}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) > maxFuzzInput {
			t.Skip("input over 1 MB")
		}
		c := ConfigS()
		if json.Unmarshal(b, &c) == nil && c.Validate() == nil {
			_, _ = c.ParamCount(), c.HeadSize()
			var back Config
			if out, err := json.Marshal(c); err != nil || json.Unmarshal(out, &back) != nil || back != c {
				t.Fatalf("valid Config changed in a JSON round trip: %+v → %+v (%v)", c, back, err)
			}
		}
		s := DefaultSFTConfig()
		if json.Unmarshal(b, &s) == nil && s.Validate() == nil {
			var back SFTConfig
			if out, err := json.Marshal(s); err != nil || json.Unmarshal(out, &back) != nil || back != s {
				t.Fatalf("valid SFTConfig changed in a JSON round trip: %+v → %+v (%v)", s, back, err)
			}
		}
	})
}

// absurdConfigJSON declares a model of 35 G parameters (two 140 GB slabs,
// parameters and gradients) in 170 bytes.
const absurdConfigJSON = `{"model_type":"llama","vocab_size":1048576,"hidden_size":16384,"num_hidden_layers":1,"num_attention_heads":2,"intermediate_size":4}`

// exactParamCount is ParamCount without overflow.
func exactParamCount(c Config) *big.Int {
	n := func(v int) *big.Int { return big.NewInt(int64(v)) }
	hsz := c.HeadDim
	if hsz == 0 {
		hsz = c.Dim / c.NHeads
	}
	C, F, V, L, hs := n(c.Dim), n(c.FFNDim), n(c.VocabSize), n(c.NLayers), n(hsz)
	q, kv := new(big.Int).Mul(n(c.NHeads), hs), new(big.Int).Mul(n(c.NKVHeads), hs)
	layer := new(big.Int).Mul(C, new(big.Int).Add(new(big.Int).Add(new(big.Int).Mul(q, big.NewInt(2)), new(big.Int).Mul(kv, big.NewInt(2))), new(big.Int).Mul(F, big.NewInt(3))))
	layer.Add(layer, new(big.Int).Mul(C, big.NewInt(2)))
	total := new(big.Int).Mul(L, layer)
	total.Add(total, new(big.Int).Mul(V, C)).Add(total, C)
	if !c.TieEmbeddings {
		total.Add(total, new(big.Int).Mul(V, C))
	}
	return total
}

// TestHFConfigAbsurdShapes is the regression test of a bug the fuzz targets
// point at but that lies outside the files they may change (nn/config.go,
// nn/checkpoint*.go): Config.Validate bounds no dimension, so a config.json
// of a few bytes declares a model of any size. LoadModel then allocates the
// declared parameter and gradient slabs before it looks at the weights:
// with absurdConfigJSON and a 10-byte model.safetensors the process dies
// with "fatal error: runtime: out of memory" (not a recoverable panic), and
// dimensions whose products overflow int64 make ParamCount (and NewParams'
// slab size) wrap. Remove the Skip once Validate (or LoadModelHF, against
// the size of the safetensors data) rejects such shapes. Fixed: Validate
// bounds every dimension and the parameter count, and LoadModelHF compares
// the declared count with the values the weight files hold before it
// allocates.
func TestHFConfigAbsurdShapes(t *testing.T) {
	overflow := Config{VocabSize: 2, Dim: 1 << 32, NLayers: 1, NHeads: 2, NKVHeads: 2, FFNDim: 1 << 32, MaxSeqLen: 1, RopeTheta: 1, NormEps: 1}
	if overflow.Validate() == nil && exactParamCount(overflow).Cmp(big.NewInt(overflow.ParamCount())) != 0 {
		t.Errorf("Validate accepts %+v, whose ParamCount %d wraps (exactly %v)", overflow, overflow.ParamCount(), exactParamCount(overflow))
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, ConfigFile), []byte(absurdConfigJSON), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, ModelFile), []byte("\x02\x00\x00\x00\x00\x00\x00\x00{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadModel(dir); err == nil {
		t.Error("LoadModel accepted a 35 G-parameter config.json with a 10-byte model.safetensors")
	}
}
