package main

// --reward-cmd NAME=COMMAND and --reward-http NAME=URL: a user's own checker
// as a reward, by name in --reward like a built-in one (rewards.Program,
// rewards.HTTPReward; the protocols are in the rewards package doc). The
// programs start before the data is read and stop when the command ends,
// on every rank of an MPI job (each scores its own shard). The lists are
// recorded in config.json, so --resume and `rltrain eval --config` start
// them again.

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/rltrain/rltrain/data"
	"github.com/rltrain/rltrain/rewards"
)

// programsConfig names the reward programs and servers of a run.
type programsConfig struct {
	// Cmd are reward programs, "NAME=COMMAND" each (--reward-cmd,
	// repeatable): COMMAND runs as `sh -c COMMAND` for the whole run and
	// NAME is its reward name in --reward and the metrics. Default none.
	Cmd []string `json:"cmd,omitempty"`
	// HTTP are reward servers, "NAME=URL" each (--reward-http, repeatable),
	// spoken to in OpenRLHF's remote reward model JSON. Default none.
	HTTP []string `json:"http,omitempty"`
	// Program configures every reward program (flags --reward-cmd-*).
	Program rewards.ProgramConfig `json:"program"`
	// Server configures every reward server (flags --reward-http-*).
	Server rewards.HTTPConfig `json:"server"`
}

func defaultProgramsConfig() programsConfig {
	return programsConfig{Program: rewards.DefaultProgramConfig(), Server: rewards.DefaultHTTPConfig()}
}

// bindProgramFlags binds --reward-cmd, --reward-http and their settings.
func bindProgramFlags(fs *flag.FlagSet, c *programsConfig) {
	fs.Var(&programList{list: &c.Cmd, flag: "reward-cmd", what: "COMMAND"}, "reward-cmd",
		"reward program `NAME=COMMAND` (repeatable): sh -c COMMAND reads JSON requests on stdin, writes {\"id\",\"score\"} lines; use NAME in --reward")
	fs.Var(&programList{list: &c.HTTP, flag: "reward-http", what: "URL"}, "reward-http",
		"reward server `NAME=URL` (repeatable), OpenRLHF remote reward model JSON ({\"query\",\"prompts\",\"labels\"} → {\"rewards\"}); use NAME in --reward")
	bindStruct(fs, &c.Program, "reward-cmd-", "rewards.ProgramConfig", flagHelp)
	bindStruct(fs, &c.Server, "reward-http-", "rewards.HTTPConfig", flagHelp)
}

// programList is a repeatable NAME=VALUE flag. The first use on the command
// line replaces a list read from --config (or a resumed run's config.json);
// later uses add to it.
type programList struct {
	list       *[]string
	flag, what string
	set        bool
}

func (p *programList) String() string {
	if p.list == nil {
		return ""
	}
	return strings.Join(*p.list, " ")
}

func (p *programList) Set(s string) error {
	if !p.set {
		*p.list, p.set = nil, true
	}
	if _, _, err := splitProgram(p.flag, p.what, s); err != nil {
		return err
	}
	*p.list = append(*p.list, s)
	return nil
}

// programName is what a NAME may hold: it is a --reward entry and a metric
// name (rewards/NAME/mean), so no ',', ':', '/', '=' or spaces.
var programName = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_.-]*$`)

// splitProgram splits "NAME=VALUE" of --flag.
func splitProgram(flag, what, s string) (name, value string, err error) {
	name, value, ok := strings.Cut(s, "=")
	name, value = strings.TrimSpace(name), strings.TrimSpace(value)
	switch {
	case !ok:
		return "", "", fmt.Errorf("--%s %q: want NAME=%s, e.g. --%s mycheck=%s", flag, s, what, flag, map[string]string{
			"COMMAND": "'python3 examples/reward_countdown.py'", "URL": "http://localhost:5000/get_reward"}[what])
	case !programName.MatchString(name):
		return "", "", fmt.Errorf("--%s %q: NAME %q must start with a letter and hold only letters, digits, _ . - (it is a --reward entry and a metric name)", flag, s, name)
	case slices.Contains(rewards.Known(), name):
		return "", "", fmt.Errorf("--%s %q: %q is a built-in reward (%s): give the program another name", flag, s, name, strings.Join(rewards.Known(), ", "))
	case value == "":
		return "", "", fmt.Errorf("--%s %q: empty %s", flag, s, what)
	}
	return name, value, nil
}

// names returns the program and server names in flag order, checking each
// entry, that no name is given twice, and the settings.
func (c programsConfig) names() ([]string, error) {
	var names []string
	for _, l := range []struct {
		flag, what string
		list       []string
	}{{"reward-cmd", "COMMAND", c.Cmd}, {"reward-http", "URL", c.HTTP}} {
		for _, s := range l.list {
			name, _, err := splitProgram(l.flag, l.what, s)
			if err != nil {
				return nil, err
			}
			if slices.Contains(names, name) {
				return nil, fmt.Errorf("--%s %q: reward name %q is given twice (by --reward-cmd or --reward-http): names must be distinct", l.flag, s, name)
			}
			names = append(names, name)
		}
	}
	if len(c.Cmd) > 0 {
		if err := c.Program.Validate(); err != nil {
			return nil, fmt.Errorf("--reward-cmd-*: %w", err)
		}
	}
	if len(c.HTTP) > 0 {
		if err := c.Server.Validate(); err != nil {
			return nil, fmt.Errorf("--reward-http-*: %w", err)
		}
	}
	return names, nil
}

// validate checks the programs against --reward: each must be named there
// (an empty --reward uses them all, weight 1), and none may take the name
// of a model reward (judge, self-verify).
func (c programsConfig) validate(cfg runConfig) error {
	rewardSpec, taken := cfg.Task.Reward, slices.Sorted(maps.Keys(modelRewards(cfg)))
	names, err := c.names()
	if err != nil {
		return err
	}
	for _, n := range names {
		if slices.Contains(taken, n) {
			return fmt.Errorf("--reward-cmd/--reward-http: %q is the name of a reward rltrain defines (%s): give the program another name", n, strings.Join(taken, ", "))
		}
	}
	if strings.TrimSpace(rewardSpec) == "" {
		return nil
	}
	var used []string
	for _, e := range strings.Split(rewardSpec, ",") {
		n, _, _ := strings.Cut(e, ":")
		used = append(used, strings.TrimSpace(n))
	}
	for _, n := range names {
		if !slices.Contains(used, n) {
			return fmt.Errorf("--reward %q does not name the reward program %q: add %s:1 (or drop its --reward-cmd/--reward-http)", rewardSpec, n, n)
		}
	}
	return nil
}

// programSpec is the --reward of a run that gives programs but no --reward:
// each program, weight 1.
func (c programsConfig) programSpec() string {
	names, _ := c.names()
	return strings.Join(names, ",")
}

// rewardPrograms are the running programs and servers of a command.
type rewardPrograms struct {
	extra   map[string]rewards.Reward
	closers []io.Closer
}

// startPrograms starts every program and connects every server, or stops
// those already started and returns an error naming the one that failed.
// Log lines (failures, the programs' stderr) go to log.
func startPrograms(c programsConfig, log io.Writer) (*rewardPrograms, error) {
	rp := &rewardPrograms{extra: map[string]rewards.Reward{}}
	if _, err := c.names(); err != nil {
		return rp, err
	}
	for _, s := range c.Cmd {
		name, command, _ := splitProgram("reward-cmd", "COMMAND", s)
		p, err := rewards.StartProgram(name, command, c.Program, log)
		if err != nil {
			rp.Close()
			return rp, fmt.Errorf("--reward-cmd %s: %w", name, err)
		}
		rp.extra[name], rp.closers = p, append(rp.closers, p)
	}
	for _, s := range c.HTTP {
		name, url, _ := splitProgram("reward-http", "URL", s)
		h, err := rewards.NewHTTPReward(name, url, c.Server, log)
		if err != nil {
			rp.Close()
			return rp, fmt.Errorf("--reward-http %s: %w", name, err)
		}
		rp.extra[name], rp.closers = h, append(rp.closers, h)
	}
	return rp, nil
}

// Close stops every program; it may be called more than once.
func (rp *rewardPrograms) Close() error {
	var errs []error
	for _, c := range rp.closers {
		errs = append(errs, c.Close())
	}
	rp.closers = nil
	return errors.Join(errs...)
}

// answerDefault reports whether a --data run without --reward falls back to
// the accuracy reward: its examples name no task with a built-in reward,
// but every one carries an answer.
func answerDefault(tc taskConfig, trainEx []data.Example) bool {
	if tc.Data == "" || tc.Reward != "" || len(tc.Programs.Cmd)+len(tc.Programs.HTTP) > 0 || len(trainEx) == 0 {
		return false
	}
	if _, err := rewards.ForTask(trainEx[0].Task); err == nil {
		return false
	}
	for _, ex := range trainEx {
		if strings.TrimSpace(ex.Answer) == "" {
			return false
		}
	}
	return true
}

// rewardNote is the line a run prints about a reward it chose itself ("":
// none).
func rewardNote(tc taskConfig, trainEx []data.Example) string {
	switch {
	case answerDefault(tc, trainEx):
		return fmt.Sprintf("reward: --data %s names no task with a built-in reward, but its examples carry answers: training on accuracy:1 (the answer in <answer>…</answer>, \\boxed{} or \"Answer:\" equals the example's answer); name others with --reward", tc.Data)
	case tc.Reward == "" && len(tc.Programs.Cmd)+len(tc.Programs.HTTP) > 0:
		return fmt.Sprintf("reward: no --reward given: training on the reward programs, weight 1 each (--reward %s)", tc.Programs.programSpec())
	}
	return ""
}

// with returns the running rewards by name beside others (the model
// rewards); validate keeps the names apart.
func (rp *rewardPrograms) with(others map[string]rewards.Reward) map[string]rewards.Reward {
	if rp == nil || len(rp.extra) == 0 {
		return others
	}
	out := maps.Clone(others)
	if out == nil {
		out = map[string]rewards.Reward{}
	}
	maps.Copy(out, rp.extra)
	return out
}

// startEvalPrograms checks and starts the programs of `rltrain eval` and
// hands them to its task config.
func startEvalPrograms(cfg *evalConfig, log io.Writer) (*rewardPrograms, error) {
	rc, err := defaultRunConfig("grpo")
	if err != nil {
		return &rewardPrograms{}, err
	}
	rc.Task = cfg.Task
	if err := rc.Task.Programs.validate(rc); err != nil {
		return &rewardPrograms{}, err
	}
	rp, err := startPrograms(cfg.Task.Programs, log)
	cfg.Task.running = rp
	return rp, err
}

// printNote prints a non-empty note on its own line.
func printNote(w io.Writer, note string) {
	if note != "" {
		fmt.Fprintln(w, note)
	}
}
