package main

import (
	"flag"
	"fmt"
	"path/filepath"

	"github.com/rltrain/rltrain/data"
	"github.com/rltrain/rltrain/rewards"
)

// bindTaskFlags binds where examples come from: the task, its generator's
// knobs and the JSONL keys (train, eval and self-reward share them).
func bindTaskFlags(fs *flag.FlagSet, tc *taskConfig, help map[string]string) {
	bindStruct(fs, tc, "", "taskConfig", help, "JSONL", "Gen")
	bindGenConfig(fs, &tc.Gen)
	bindStruct(fs, &tc.JSONL, "jsonl-", "data.JSONLConfig", help)
}

// taskData returns training and held-out examples and the reward.
func taskData(cfg runConfig) (trainEx, evalEx []data.Example, reward *rewards.Weighted, name string, err error) {
	tc := cfg.Task
	if tc.Data == "" {
		name = tc.Task
		all, err := data.Generate(tc.Task, tc.TrainN+tc.EvalN*2, tc.DataSeed, tc.Gen)
		if err != nil {
			return nil, nil, nil, name, fmt.Errorf("--task: %w", err)
		}
		// Split by ID hash so that no held-out problem is ever trained on.
		tr, te, err := data.Split(all, float64(tc.EvalN*2)/float64(len(all)), "rltrain-eval")
		if err != nil {
			return nil, nil, nil, name, err
		}
		trainEx, evalEx = tr, te
		if len(evalEx) > tc.EvalN {
			evalEx = evalEx[:tc.EvalN]
		}
	} else {
		name = filepath.Base(tc.Data)
		if trainEx, err = loadJSONL("--data", tc.Data, tc.JSONL, "--jsonl-on-error skip"); err != nil {
			return nil, nil, nil, name, err
		}
		if len(trainEx) == 0 {
			return nil, nil, nil, name, fmt.Errorf("--data %s holds no examples: give a JSONL file with one example per line", tc.Data)
		}
		if tc.EvalData != "" {
			if evalEx, err = loadJSONL("--eval-data", tc.EvalData, tc.JSONL, "--jsonl-on-error skip"); err != nil {
				return nil, nil, nil, name, err
			}
		} else {
			trainEx, evalEx, err = data.Split(trainEx, tc.EvalFrac, "rltrain-eval")
			if err != nil {
				return nil, nil, nil, name, fmt.Errorf("--eval-frac: %w", err)
			}
		}
		if len(evalEx) > tc.EvalN {
			evalEx = evalEx[:tc.EvalN]
		}
		if len(trainEx) == 0 {
			return nil, nil, nil, name, fmt.Errorf("--data %s: no training examples left after the held-out split: lower --eval-frac or give --eval-data", tc.Data)
		}
	}
	if len(evalEx) == 0 {
		what := "no held-out examples: the held-out split is empty; raise --eval-frac or give --eval-data"
		if tc.EvalData != "" {
			what = fmt.Sprintf("no held-out examples: --eval-data %s holds none", tc.EvalData)
		}
		return nil, nil, nil, name, fmt.Errorf("%s (a run needs held-out problems to report before and after)", what)
	}
	switch {
	case tc.Reward != "":
		reward, err = rewards.ParseSpec(tc.Reward, specOptions(cfg, cfg.SelfReward))
		if err != nil {
			return nil, nil, nil, name, fmt.Errorf("--reward: %w", err)
		}
	case len(tc.Programs.Cmd)+len(tc.Programs.HTTP) > 0:
		reward, err = rewards.ParseSpec(tc.Programs.programSpec(), specOptions(cfg, cfg.SelfReward))
	case tc.Data == "":
		acc := "accuracy:1"
		if tc.Task == "countdown" {
			acc = "countdown:1"
		}
		reward, err = rewards.ParseSpec(acc, specOptions(cfg, cfg.SelfReward))
	default:
		task := ""
		if len(trainEx) > 0 {
			task = trainEx[0].Task
		}
		reward, err = rewards.ForTask(task)
		switch {
		case err != nil && answerDefault(tc, trainEx): // rewardNote says so
			reward, err = rewards.ParseSpec("accuracy:1", specOptions(cfg, cfg.SelfReward))
		case err != nil:
			err = fmt.Errorf("--data %s: no built-in reward for task %q and not every example has an answer: name the rewards with --reward (e.g. accuracy:1,format:0.1) or a checker with --reward-cmd NAME=COMMAND", tc.Data, task)
		}
	}
	return trainEx, evalEx, reward, name, err
}
