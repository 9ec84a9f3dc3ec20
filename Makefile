# rltrain — build, test and benchmark targets. `make test` is the README's test command.
GO      ?= go
PKGS    := ./...
FUZZTIME ?= 10s

.PHONY: all build deps test test-purego test-avx512 test-mpi test-resume test-hf-real bench-hf vet generate check-generate bench bench-compare fuzz clean

all: build

# build: the static rltrain binary in ./bin
build:
	CGO_ENABLED=0 $(GO) build -o bin/rltrain ./cmd/rltrain

# deps: install the real peers the tests compare against (PyTorch, OpenBLAS, npm tokenizers)
deps:
	bash scripts/install-deps.sh

# test: every test, with the peers installed and required (long runs gated by -short)
test: deps
	RLTRAIN_REQUIRE_PEERS=1 $(GO) test -short -timeout 30m $(PKGS)

# test-purego: the same tests on the pure-Go fallbacks only
test-purego:
	$(GO) test -short -tags purego -timeout 30m ./asm/... ./tensor/...

# test-avx512: the asm, tensor and nn tests on an emulated AVX-512 CPU (Bochs,
# Skylake-X model), so the AVX-512 kernels are tested on CPUs without it
test-avx512:
	bash scripts/test-avx512-emu.sh

# test-mpi: the dist package's MPI binding under mpirun with 1-4 ranks, then
# seeded training runs of grpo, ppo and nft in one process and on 2 ranks,
# then RISE, SCoRe, consensus, sharded evaluation and resume on 2 ranks
# (installs Debian's OpenMPI when missing)
test-mpi:
	bash scripts/test-mpi.sh
	bash scripts/test-mpi-train.sh
	bash scripts/test-mpi-features.sh

# test-hf-real: real-size HF layouts (SmolLM2-135M, Qwen2.5-0.5B, Qwen3-0.6B) with
# random weights, logits against the PyTorch reference (minutes; ~8 GB RAM)
test-hf-real: deps
	RLTRAIN_HF_REAL=1 RLTRAIN_REQUIRE_PEERS=1 $(GO) test -run TestHFRealSize -v -timeout 60m ./nn

# bench-hf: load time and one GRPO step (tok/s, peak RSS) of the HF layouts
bench-hf: build
	for c in smollm2-135m qwen2.5-0.5b; do bin/rltrain bench model --model-config nn/testdata/hf/$$c.json; done

# test-resume: kill -9 a seeded run 20 times at random moments; every resume
# must end where an uninterrupted run does, bitwise
test-resume:
	bash scripts/test-resume.sh 20

# vet: go vet here and cross-arch, so the fallbacks cannot rot
vet:
	$(GO) vet $(PKGS)
	$(GO) vet -tags purego $(PKGS)
	GOARCH=arm64 $(GO) vet $(PKGS)
	GOARCH=386 $(GO) build $(PKGS)

# generate: regenerate the assembly from the avo programs in asm/_gen
generate:
	cd asm/_gen && $(GO) generate ./...

# check-generate: fail if the committed assembly is stale
check-generate: generate
	git diff --exit-code -- asm/

# bench: kernel, model and RL benchmarks (long): every Go benchmark once, then
# the CLI benchmarks (kernels with % of peak, training step, generation, one GRPO step)
bench: build
	$(GO) test -run '^$$' -bench . -benchtime 1x $(PKGS)
	bin/rltrain bench kernels
	bin/rltrain bench train
	bin/rltrain bench generate
	bin/rltrain bench grpo

# bench-compare: ours against OpenBLAS and PyTorch on the same shapes, in one run
bench-compare: deps
	bash scripts/bench-compare.sh
	bash scripts/bench-model-compare.sh

# fuzz: each fuzz target for FUZZTIME
fuzz:
	bash scripts/fuzz.sh $(FUZZTIME)

clean:
	rm -rf bin
