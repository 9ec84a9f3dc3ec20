package main

// The data-parallel parts of `rltrain --algo X` under mpirun (package dist):
// one warm start for all ranks, a collective stop, and a check that the
// replicas ended identical.

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"

	"github.com/rltrain/rltrain/data"
	"github.com/rltrain/rltrain/dist"
	"github.com/rltrain/rltrain/nn"
	"github.com/rltrain/rltrain/tokenizer"
	"github.com/rltrain/rltrain/warmstart"
)

// buildWarmStart builds the warm start on rank 0 first; the other ranks
// then build theirs, which with the cache on is a load of rank 0's entry
// (and without it the same deterministic SFT). The trainer broadcasts rank
// 0's weights anyway; the tokenizer must agree, and does, being trained
// deterministically on the same demonstrations.
func buildWarmStart(intr *interrupts, cfg runConfig, comm dist.Comm, trainEx, demos, heldOut []data.Example, stdout io.Writer) (*warmstart.WarmStart, error) {
	defer intr.exitDuring("the warm start")()
	if comm.Rank() != 0 {
		if err := comm.Barrier(); err != nil {
			return nil, err
		}
	}
	// Prompts and demonstrations that cannot fit stop the build before SFT.
	check := func(tok *tokenizer.Tokenizer, context int) error {
		return badInput(checkRunFits(cfg, tok, context, trainEx, heldOut, demos, false))
	}
	ws, err := warmstart.BuildChecked(cfg.Warm.Build, demos, heldOut, cfg.Warm.Cache, stdout, check)
	if comm.Rank() == 0 && comm.Size() > 1 {
		if ee := (exitError{}); errors.As(err, &ee) {
			// Bad input (a prompt too long): the other ranks wait at the
			// barrier below, and runTrain aborts only on other errors.
			fmt.Fprintf(os.Stderr, "rltrain train: %v\n", err)
			comm.Abort(ee.code)
		}
		if err != nil {
			return nil, err // Abort follows in runTrain
		}
		if err := comm.Barrier(); err != nil {
			return nil, err
		}
	}
	return ws, err
}

// stopAll reports whether any rank was interrupted, so that all stop at the
// same step.
func stopAll(ctx context.Context, comm dist.Comm) (bool, error) {
	if comm.Size() == 1 {
		return ctx.Err() != nil, nil
	}
	flag := []float64{0}
	if ctx.Err() != nil {
		flag[0] = 1
	}
	if err := comm.AllReduceSum64(flag); err != nil {
		return false, err
	}
	return flag[0] > 0, nil
}

// paramChecksum checks, in a run of several ranks, that every rank ended
// with bitwise the same weights, and prints the checksum.
func paramChecksum(comm dist.Comm, m *nn.Model, stdout io.Writer) error {
	if comm.Size() == 1 {
		return nil
	}
	h := sha256.New()
	var b [4]byte
	for _, v := range m.P.Data {
		binary.LittleEndian.PutUint32(b[:], math.Float32bits(v))
		h.Write(b[:])
	}
	sum := h.Sum(nil)
	all, err := comm.Gather([]float64{float64(binary.LittleEndian.Uint32(sum))}, 0)
	if err != nil || comm.Rank() != 0 {
		return err
	}
	for r, v := range all {
		if v != all[0] {
			return fmt.Errorf("rank %d ended with different weights than rank 0 (checksums %08x and %08x): the replicas diverged", r, uint32(v), uint32(all[0]))
		}
	}
	fmt.Fprintf(stdout, "weights identical on all %d ranks (checksum %08x)\n", comm.Size(), uint32(all[0]))
	return nil
}
