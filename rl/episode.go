package rl

import (
	"fmt"
	"math"
)

// Role says what a Turn does inside an Episode. Single-turn RLVR uses only
// RoleSolve; RISE adds RoleVerify turns built from the model's own solution;
// SCoRe is RoleSolve followed by RoleCorrect; self-rewarding adds RoleJudge.
type Role string

// The roles a Turn can play.
const (
	RoleSolve   Role = "solve"   // answer the task's prompt
	RoleVerify  Role = "verify"  // judge the model's own earlier solution
	RoleCorrect Role = "correct" // revise an earlier attempt
	RoleJudge   Role = "judge"   // rate another completion (LLM-as-judge)
)

// Valid reports whether r is one of the defined roles.
func (r Role) Valid() bool {
	switch r {
	case RoleSolve, RoleVerify, RoleCorrect, RoleJudge:
		return true
	}
	return false
}

// Turn is one model call inside an Episode: the tokens it was shown, the
// tokens it produced, and what they earned.
type Turn struct {
	// Role is what this turn does.
	Role Role
	// Prompt is the full context fed to the model before Completion (for a
	// later turn it already contains the earlier turns).
	Prompt []int32
	// Completion is the generated tokens, including the stop token if one was hit.
	Completion []int32
	// LogProbs are the behaviour policy's log-probs of Completion, one per
	// token, at the sampling temperature over the full vocabulary (lp_old).
	LogProbs []float32
	// Mask is the per-token loss mask over Completion (nil = train on every
	// token). Zero it for tool/environment tokens inserted into a completion.
	Mask []float32
	// Reward is the (weighted) total reward of this turn. NaN means
	// unscorable (verifier error, unparsable gold): such a turn is left out
	// of group statistics and gets advantage 0. Never map an error to 0.
	Reward float32
	// Components are the individual reward functions' scores, in the order
	// of the reward set that produced them (for logging rewards/<fn>/mean).
	Components []float32
	// Truncated is true when generation hit the length cap without a stop token.
	Truncated bool
	// Advantage is the scalar advantage assigned to this turn (for logging
	// and for estimators that broadcast one value per sequence).
	Advantage float32
}

// Scorable reports whether the turn has a reward (not NaN).
func (t *Turn) Scorable() bool { return !math.IsNaN(float64(t.Reward)) }

// Episode is everything the model did for one example: one Turn for
// single-turn RLVR, several for verification or self-correction.
type Episode struct {
	// ExampleID identifies the data example (for logs; never used to group).
	ExampleID string
	// Group is the index of the group (prompt instance) this episode belongs
	// to. Episodes are grouped by this index, never by prompt text, so a
	// prompt appearing twice in a batch forms two groups.
	Group int
	// Turns are the model calls in order.
	Turns []Turn
}

// Final returns the last turn, whose reward is the episode's outcome for
// single-turn algorithms. It panics on an episode without turns.
func (e *Episode) Final() *Turn {
	if len(e.Turns) == 0 {
		panic("rl: episode has no turns")
	}
	return &e.Turns[len(e.Turns)-1]
}

// Group is the episodes that share one prompt instance; advantages are
// computed within it.
type Group struct {
	// Index is the group's index (Episode.Group of its members).
	Index int
	// Episodes are the G samples for this prompt.
	Episodes []Episode
}

// Rewards returns the final-turn rewards of the group's episodes (NaN for
// unscorable ones).
func (g *Group) Rewards() []float32 {
	r := make([]float32, len(g.Episodes))
	for i := range g.Episodes {
		r[i] = g.Episodes[i].Final().Reward
	}
	return r
}

// GroupEpisodes splits episodes into groups by Episode.Group, keeping the
// order of first appearance and, inside a group, the episodes' order. It
// returns an error when a group's members are not contiguous (the
// group-contiguous row layout every estimator assumes) or when groups differ
// in size (set the same number of generations for every prompt).
func GroupEpisodes(eps []Episode) ([]Group, error) {
	var groups []Group
	seen := map[int]bool{}
	for i := range eps {
		id := eps[i].Group
		if len(groups) > 0 && groups[len(groups)-1].Index == id {
			g := &groups[len(groups)-1]
			g.Episodes = append(g.Episodes, eps[i])
			continue
		}
		if seen[id] {
			return nil, fmt.Errorf("rl: episode %d belongs to group %d, whose other episodes are not adjacent: store episodes group-contiguously (row = group·G + sample)", i, id)
		}
		seen[id] = true
		groups = append(groups, Group{Index: id, Episodes: []Episode{eps[i]}})
	}
	for i := range groups {
		if len(groups[i].Episodes) != len(groups[0].Episodes) {
			return nil, fmt.Errorf("rl: group %d has %d episodes but group %d has %d: every prompt needs the same number of samples G",
				groups[i].Index, len(groups[i].Episodes), groups[0].Index, len(groups[0].Episodes))
		}
	}
	return groups, nil
}

// FlattenGroups returns the episodes of groups in row order (row = p·G + g).
func FlattenGroups(groups []Group) []Episode {
	var eps []Episode
	for i := range groups {
		eps = append(eps, groups[i].Episodes...)
	}
	return eps
}

// FinalRewards returns the final-turn reward of each episode, in order.
func FinalRewards(eps []Episode) []float32 {
	r := make([]float32, len(eps))
	for i := range eps {
		r[i] = eps[i].Final().Reward
	}
	return r
}
