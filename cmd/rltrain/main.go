// Command rltrain trains small language models to reason better with
// reinforcement learning, on CPUs.
//
//	rltrain --algo grpo [flags]     the main job: warm start, RL, held-out eval
//	rltrain <command> [flags]       see `rltrain help`
//
// Each command lives in its own file and registers itself in init with
// register; flags bind one-to-one onto the documented config structs of the
// packages that own the logic.
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"
)

// command is one subcommand, named by one or more words ("bench kernels").
type command struct {
	name    string
	summary string
	run     func(args []string) error
}

var commands = map[string]*command{}

// register adds a subcommand; called from init functions.
func register(name, summary string, run func(args []string) error) {
	if _, dup := commands[name]; dup {
		panic("rltrain: command registered twice: " + name)
	}
	commands[name] = &command{name: name, summary: summary, run: run}
}

// defaultCommand runs when the first argument is a flag or absent.
var defaultCommand = "train"

// lookup finds the command named by the longest prefix of args.
func lookup(args []string) (*command, []string) {
	for n := len(args); n > 0; n-- {
		if c, ok := commands[strings.Join(args[:n], " ")]; ok {
			return c, args[n:]
		}
	}
	return nil, args
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: rltrain [--algo grpo|...] [flags]   (the main job)")
	fmt.Fprintln(os.Stderr, "       rltrain <command> [flags]")
	fmt.Fprintln(os.Stderr, "\ncommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(os.Stderr, "  %-20s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(os.Stderr, "\n`rltrain <command> -h` prints a command's flags and their defaults.")
}

func main() {
	args := os.Args[1:]
	if len(args) > 0 && (args[0] == "help" || args[0] == "-h" || args[0] == "--help") && len(args) == 1 {
		usage()
		return
	}
	var c *command
	rest := args
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		c = commands[defaultCommand]
	} else {
		c, rest = lookup(args)
	}
	if c == nil {
		fmt.Fprintf(os.Stderr, "rltrain: unknown command %q\n\n", strings.Join(args, " "))
		usage()
		os.Exit(2)
	}
	if err := c.run(rest); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		fmt.Fprintf(os.Stderr, "rltrain %s: %v\n", c.name, err)
		var ec interface{ ExitCode() int }
		if errors.As(err, &ec) {
			os.Exit(ec.ExitCode())
		}
		os.Exit(1)
	}
}

// newFlagSet returns a flag set that reports errors instead of exiting, so
// that run functions stay testable.
func newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet("rltrain "+name, flag.ContinueOnError)
	return fs
}
