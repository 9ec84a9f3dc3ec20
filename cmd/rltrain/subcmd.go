package main

// The preamble the checkpoint subcommands (eval, self-reward) share: a
// context that Ctrl-C cancels, and a flag set whose -h prints the command's
// usage above its flags and that refuses positional arguments.

import (
	"context"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"os/signal"
)

// runInterruptible runs cmd with the process's stdout and stderr and a
// context that Ctrl-C cancels.
func runInterruptible(args []string, cmd func(ctx context.Context, args []string, stdout, stderr io.Writer) error) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	return cmd(ctx, args, os.Stdout, os.Stderr)
}

// subcmdFlagSet returns the flag set of subcommand name, writing to stderr,
// whose -h prints usage and then the flags; and the help to bind its flags
// with: training's flagHelp with the command's own entries, cmdHelp, over it.
func subcmdFlagSet(name, usage string, cmdHelp map[string]string, stderr io.Writer) (*flag.FlagSet, map[string]string) {
	help := maps.Clone(flagHelp)
	maps.Copy(help, cmdHelp)
	fs := newFlagSet(name)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, usage); fs.PrintDefaults() }
	return fs, help
}

// parseSubcmdFlags parses args with fs and refuses a positional argument.
func parseSubcmdFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q (flags start with --)", fs.Arg(0))
	}
	return nil
}
