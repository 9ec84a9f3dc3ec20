package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"runtime/debug"
	"time"

	"github.com/rltrain/rltrain/bench"
	"github.com/rltrain/rltrain/data"
	"github.com/rltrain/rltrain/nn"
	"github.com/rltrain/rltrain/rewards"
	"github.com/rltrain/rltrain/rl"
	"github.com/rltrain/rltrain/tensor"
	"github.com/rltrain/rltrain/tokenizer"
)

// benchGRPOThreads measures bench grpo at one thread count (see benchGRPO).
func benchGRPOThreads(ctx context.Context, cfg BenchGRPOConfig, mc nn.Config, tok *tokenizer.Tokenizer, eos int32,
	reward *rewards.Weighted, exs []data.Example, threads int) (grpoResult, error) {
	prevProcs := runtime.GOMAXPROCS(threads)
	defer runtime.GOMAXPROCS(prevProcs)
	defer tensor.SetThreads(tensor.SetThreads(threads))
	res := grpoResult{threads: threads}

	m, err := nn.NewModel(mc)
	if err != nil {
		return res, err
	}
	m.InitRandom(rand.New(rand.NewPCG(cfg.Seed, 0)))
	pol := &rl.Policy{Model: m, Codec: tok, EOS: eos}
	algo, err := rl.Preset("grpo")
	if err != nil {
		return res, err
	}
	algo.Policy().GroupSize = cfg.Group
	algo.Policy().MaxCompletionLen = cfg.MaxCompletion
	tc := rl.DefaultTrainConfig()
	tc.Steps = cfg.Warmup + cfg.Steps
	tc.PromptsPerStep = cfg.Prompts
	tc.MicroBatch = cfg.MicroBatch
	tc.Temperature = 1
	tc.Seed = cfg.Seed
	tc.IgnoreEOS = cfg.ForceLength
	tr, err := rl.NewTrainer(tc, algo, pol, nil, rl.SingleTurn{Reward: reward}, reward, exs, nil)
	if err != nil {
		return res, fmt.Errorf("bench grpo: %w", err)
	}
	var rollS, scoreS, trainS, stepS, genTok, trainTok, lens []float64
	var last *rl.Batch
	for i := 0; i < cfg.Warmup+cfg.Steps; i++ {
		t0 := time.Now()
		sr, err := tr.Step(ctx)
		if err != nil {
			return res, fmt.Errorf("bench grpo: %w", err)
		}
		wall := time.Since(t0).Seconds()
		if sr.Batch == nil || sr.Batch.Len() == 0 {
			return res, errors.New("bench grpo: the step produced no batch")
		}
		if i < cfg.Warmup {
			continue
		}
		b := sr.Batch
		last = b
		nTrain := 0
		for _, tu := range b.Turns("") {
			nTrain += len(tu.Prompt) + len(tu.Completion)
		}
		stepS = append(stepS, wall)
		rollS = append(rollS, sr.Metrics["rollout_s"])
		scoreS = append(scoreS, sr.Metrics["score_s"])
		trainS = append(trainS, sr.Metrics["train_s"])
		genTok = append(genTok, float64(b.GenTokens))
		trainTok = append(trainTok, float64(nTrain))
		lens = append(lens, float64(b.GenTokens)/float64(b.Len()))
	}
	res.step = bench.Median(stepS)
	res.rollout = grpoPhase{bench.Median(rollS), bench.Median(genTok)}
	res.score = grpoPhase{bench.Median(scoreS), bench.Median(genTok)}
	res.train = grpoPhase{bench.Median(trainS), bench.Median(trainTok)}
	res.meanLen = bench.Median(lens)
	if cfg.ForceLength && res.meanLen != float64(cfg.MaxCompletion) {
		return res, fmt.Errorf("bench grpo: mean completion length %.1f with -force-length, want %d", res.meanLen, cfg.MaxCompletion)
	}

	// The same shapes outside the trainer: the last step's prompts decoded
	// to the same lengths with no stop token, and a plain LM step over its
	// sequences in the same micro-batches.
	turns := last.Turns("")
	prompts := make([][]int32, len(turns))
	seqs := make([]nn.Seq, len(turns))
	maxLen := 0
	for i, tu := range turns {
		prompts[i] = tu.Prompt
		toks := append(append([]int32(nil), tu.Prompt...), tu.Completion...)
		seqs[i] = nn.Seq{Tokens: toks, Start: len(tu.Prompt)}
		maxLen = max(maxLen, len(tu.Prompt)+cfg.MaxCompletion)
	}
	g := nn.NewGenerator(m, min(tc.MaxBatch, len(prompts)), maxLen)
	sc := nn.SampleConfig{Temperature: 1, MaxNewTokens: int(res.meanLen + 0.5)}
	call := uint64(0)
	secs, reps := bench.TimeReps(func() {
		call++
		_, err = g.Generate(prompts, sc, rand.New(rand.NewPCG(cfg.Seed, 100+call)))
	}, time.Nanosecond, 1)
	if err != nil {
		return res, fmt.Errorf("bench grpo: standalone generate: %w", err)
	}
	res.soloGen = float64(reps*len(prompts)*sc.MaxNewTokens) / secs
	lt := bench.NewLMTrainerMicro(m, seqs, cfg.MicroBatch)
	secs, reps = bench.TimeReps(lt.Step, time.Nanosecond, 1)
	res.soloTrain = res.train.tokens * float64(reps) / secs

	// The bench generate (batch 16) and bench train shapes, random tokens.
	rng := rand.New(rand.NewPCG(cfg.Seed, 7))
	const promptLen = 32
	newTok := min(128, mc.MaxSeqLen-promptLen)
	bp := make([][]int32, 16)
	for i := range bp {
		bp[i] = bench.RandomTokens(rng, promptLen, mc.VocabSize)
	}
	g16 := nn.NewGenerator(m, 16, promptLen+newTok)
	sc16 := nn.SampleConfig{Temperature: 1, MaxNewTokens: newTok}
	secs, reps = bench.TimeReps(func() {
		call++
		_, err = g16.Generate(bp, sc16, rand.New(rand.NewPCG(cfg.Seed, 100+call)))
	}, time.Second, 2)
	if err != nil {
		return res, fmt.Errorf("bench grpo: generate b16: %w", err)
	}
	res.benchGen16 = float64(reps*16*newTok) / secs
	bs := make([]nn.Seq, bench.DefaultTrainBatch(cfg.Model))
	for i := range bs {
		bs[i] = nn.Seq{Tokens: bench.RandomTokens(rng, mc.MaxSeqLen, mc.VocabSize), Start: 1}
	}
	lt = bench.NewLMTrainer(m, bs)
	secs, reps = bench.TimeReps(lt.Step, time.Second, 2)
	res.benchTrain = float64(reps*len(bs)*mc.MaxSeqLen) / secs
	debug.FreeOSMemory()
	return res, nil
}
