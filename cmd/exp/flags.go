package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/mattn/go-isatty"
	"github.com/rs/zerolog"

	"github.com/exp-ml/exp/tracking"
)

var errHelp = errors.New("help shown")

// common are the flags most commands share.
type common struct {
	db        string
	json      bool
	logFormat string
	quiet     bool
}

// newFlags makes a command's flag set with the shared flags; help goes to
// stderr with the command's usage line.
func newFlags(env *Env, name, usageLine string, c *common, withJSON bool) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	fs.Usage = func() {
		fmt.Fprintf(env.Stderr, "usage: exp %s\n\nflags:\n", usageLine)
		fs.PrintDefaults()
	}
	def := env.Getenv("EXP_DB")
	if def == "" {
		def = "exp.db"
	}
	fs.StringVar(&c.db, "db", def, "SQLite database (env EXP_DB)")
	if withJSON {
		fs.BoolVar(&c.json, "json", false, "print one JSON value on stdout and nothing else")
	}
	fs.StringVar(&c.logFormat, "log-format", "auto", "log format: auto, text or json")
	fs.BoolVar(&c.quiet, "quiet", false, "log warnings and errors only; no progress bar")
	return fs
}

// parse parses flags anywhere among the arguments (exp run FILE --epochs 1,
// as DESIGN.md writes it), turning -h into errHelp and mistakes into status 2.
// Positional arguments are left in fs.Args(); "--" ends the flags.
func parse(fs *flag.FlagSet, args []string) error {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return errHelp
			}
			return &inputError{msg: err.Error(), printed: true}
		}
		rest := fs.Args()
		if len(rest) == 0 {
			break
		}
		if len(args) > len(rest) && args[len(args)-len(rest)-1] == "--" {
			positional = append(positional, rest...)
			break
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
	// Leave the positional arguments where fs.Arg finds them.
	return fs.Parse(append([]string{"--"}, positional...))
}

func openStore(c *common) (*tracking.Store, error) {
	s, err := tracking.Open(c.db)
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", c.db, err)
	}
	return s, nil
}

// isTerminal reports whether w is an interactive terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && (isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd()))
}

// logger builds the zerolog logger: human-readable on a terminal, JSON
// lines elsewhere or with --log-format json. Logs always go to stderr.
func logger(env *Env, c *common) zerolog.Logger {
	level := zerolog.InfoLevel
	if c.quiet {
		level = zerolog.WarnLevel
	}
	var w io.Writer = env.Stderr
	if c.logFormat == "text" || (c.logFormat == "auto" && isTerminal(env.Stderr)) {
		w = zerolog.ConsoleWriter{Out: env.Stderr, TimeFormat: "15:04:05", NoColor: !isTerminal(env.Stderr)}
	}
	return zerolog.New(w).Level(level).With().Timestamp().Logger()
}

// setFlags collects repeated --set NAME=VALUE.
type setFlags map[string]string

func (s setFlags) String() string { return fmt.Sprint(map[string]string(s)) }

func (s setFlags) Set(v string) error {
	name, value, ok := strings.Cut(v, "=")
	if !ok || strings.TrimSpace(name) == "" {
		return fmt.Errorf("--set wants NAME=VALUE, got %q", v)
	}
	s[strings.TrimSpace(name)] = value
	return nil
}
