package rl

import (
	"slices"
	"strings"
	"testing"

	"github.com/rltrain/rltrain/rewards"
)

func turn(group int, comp []int32, mask []float32) Turn {
	lp := make([]float32, len(comp))
	return Turn{Role: RoleSolve, Prompt: []int32{1, 2}, Completion: comp, LogProbs: lp, Mask: mask, Train: true, Group: group, KLWeight: 1}
}

func TestRows(t *testing.T) {
	// Two groups with identical prompt text stay separate (grouped by key);
	// a context-only turn is not a row; a nil mask trains every token.
	ctxTurn := turn(9, []int32{5}, nil)
	ctxTurn.Train = false
	eps := []Episode{
		{Turns: []Turn{turn(7, []int32{3, 4}, nil)}},
		{Turns: []Turn{turn(7, []int32{3}, nil)}},
		{Turns: []Turn{ctxTurn, turn(3, []int32{6, 7, 8}, []float32{1, 0, 1})}},
	}
	rows, err := Rows(eps)
	if err != nil || len(rows) != 3 {
		t.Fatalf("rows %+v err %v", rows, err)
	}
	if r := rows[2]; r.Episode != 2 || r.Turn != 1 || r.Seq.Start != 2 || len(r.Seq.Tokens) != 5 || r.Mask[1] != 0 {
		t.Fatalf("row 2 = %+v", r)
	}
	checkVec(t, "mask", rows[0].Mask, []float64{1, 1}, 0)
	if sp := GroupSpans([]int{rows[0].Group, rows[1].Group, rows[2].Group}); len(sp) != 2 || sp[0] != (Span{0, 2}) || sp[1] != (Span{2, 3}) {
		t.Fatalf("spans %v", sp)
	}

	bad := []struct {
		eps  []Episode
		want string
	}{
		{[]Episode{{Turns: []Turn{turn(1, []int32{1, 2}, []float32{1})}}}, "mask of 1 entries"},
		{[]Episode{{Turns: []Turn{{Train: true, Completion: []int32{1}, KLWeight: 1}}}}, "0 log-probs"},
		{[]Episode{{Turns: []Turn{{Train: true, KLWeight: -1}}}}, "KL weight"},
	}
	for _, c := range bad {
		if _, err := Rows(c.eps); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Fatalf("want error %q, got %v", c.want, err)
		}
	}

	// Two-turn episodes: first attempts form one group, corrections another;
	// Rows puts each group's rows together.
	two := func() Episode {
		c := turn(2, []int32{1}, nil)
		c.Role = RoleCorrect
		return Episode{Turns: []Turn{turn(1, []int32{1}, nil), c}}
	}
	rows, err = Rows([]Episode{two(), two(), two()})
	if err != nil {
		t.Fatal(err)
	}
	var got []int
	for _, r := range rows {
		got = append(got, r.Group, r.Episode, r.Turn)
	}
	if !slices.Equal(got, []int{1, 0, 0, 1, 1, 0, 1, 2, 0, 2, 0, 1, 2, 1, 1, 2, 2, 1}) {
		t.Fatalf("rows (group, episode, turn) = %v", got)
	}

	// Multi-turn: the final turn carries the outcome.
	e := Episode{Turns: []Turn{{Role: RoleSolve, Reward: 0}, {Role: RoleCorrect, Reward: 1}}}
	if e.Final().Reward != 1 || e.Final().Role != RoleCorrect || !RoleVerify.Valid() || Role("x").Valid() {
		t.Fatal("episode helpers")
	}
	if (&Turn{Reward: nan32}).Scorable() {
		t.Fatal("NaN turn scorable")
	}
	var tu Turn
	tu.SetReward(rewards.Scored(1.1, "x"), []rewards.Result{rewards.Scored(1, "ok"), rewards.Scored(1, "fmt")})
	if tu.Reward != 1.1 || tu.Correct(0.5) != 1 {
		t.Fatalf("SetReward: %+v", tu)
	}
}
