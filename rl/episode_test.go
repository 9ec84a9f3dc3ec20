package rl

import (
	"strings"
	"testing"
)

func ep(group int, reward float32) Episode {
	return Episode{ExampleID: "same prompt", Group: group, Turns: []Turn{{Role: RoleSolve, Prompt: []int32{1, 2}, Reward: reward}}}
}

func TestGroupEpisodes(t *testing.T) {
	// Two groups with identical prompt text stay separate (grouped by index).
	eps := []Episode{ep(7, 1), ep(7, 0), ep(3, 0), ep(3, 0)}
	gs, err := GroupEpisodes(eps)
	if err != nil || len(gs) != 2 || gs[0].Index != 7 || gs[1].Index != 3 {
		t.Fatalf("groups %+v err %v", gs, err)
	}
	checkVec(t, "rewards", gs[0].Rewards(), []float64{1, 0}, 0)
	checkVec(t, "flat", FinalRewards(FlattenGroups(gs)), []float64{1, 0, 0, 0}, 0)

	if _, err := GroupEpisodes([]Episode{ep(1, 0), ep(2, 0), ep(1, 0)}); err == nil || !strings.Contains(err.Error(), "group-contiguously") {
		t.Fatalf("non-contiguous: %v", err)
	}
	if _, err := GroupEpisodes([]Episode{ep(1, 0), ep(1, 0), ep(2, 0)}); err == nil || !strings.Contains(err.Error(), "same number") {
		t.Fatalf("ragged groups: %v", err)
	}
	// Multi-turn: the final turn carries the outcome.
	e := Episode{Turns: []Turn{{Role: RoleSolve, Reward: 0}, {Role: RoleCorrect, Reward: 1}}}
	if e.Final().Reward != 1 || e.Final().Role != RoleCorrect || !RoleVerify.Valid() || Role("x").Valid() {
		t.Fatal("episode helpers")
	}
	if (&Turn{Reward: nan32}).Scorable() {
		t.Fatal("NaN turn scorable")
	}
}
