package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"

	"github.com/studioflow/studioflow/flowtest"
)

// commands are flowrun's subcommands, for pipelines: each prints text
// for people or, with -json, one JSON object for tools, and exits 0 when
// all is well, 1 when what it checks does not hold, 2 on a usage error.
var commands = map[string]func(args []string, stdout, stderr io.Writer) int{
	"check": checkCommand,
	"diff":  diffCommand,
	"env":   envCommand,
	"graph": graphCommand,
	"test":  testCommand,
}

// newFlags returns a flag set for a subcommand, printing its usage to
// stderr.
func newFlags(name, usage string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("flowrun "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: flowrun %s %s\n", name, usage)
		fs.PrintDefaults()
	}
	return fs
}

// parse parses a subcommand's flags: the exit status and false when the
// command must stop (2 on a usage error, 0 for -help).
func parse(fs *flag.FlagSet, args []string) (int, bool) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0, false
		}
		return 2, false
	}
	return 0, true
}

// validFormat reports whether a flow format flag's value is twilio,
// connect or empty (what the file looks like), printing a usage error
// when it is not.
func validFormat(cmd, flagName, format string, stderr io.Writer) bool {
	if format == "" || format == "twilio" || format == "connect" {
		return true
	}
	fmt.Fprintf(stderr, "flowrun %s: -%s %q: want twilio or connect\n", cmd, flagName, format)
	return false
}

// writeJSON writes v as one indented JSON object.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// testCommand runs test files (package flowtest): flowrun test [flags]
// [DIR|FILE]...; the current directory when none is given.
func testCommand(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("test", "[-json] [-junit FILE] [-min-coverage N] [-parallel N] [DIR|FILE ...]", stderr)
	jsonOut := fs.Bool("json", false, "print the results and coverage as one JSON object")
	junit := fs.String("junit", "", "write a JUnit XML report to `FILE`")
	minCov := fs.Float64("min-coverage", 0, "fail when a flow's or module's coverage (states and transitions) is under `N` percent")
	parallel := fs.Int("parallel", runtime.GOMAXPROCS(0), "how many cases run at once")
	if code, ok := parse(fs, args); !ok {
		return code
	}
	paths := fs.Args()
	if len(paths) == 0 {
		paths = []string{"."}
	}
	rep, err := flowtest.Run(context.Background(), paths, flowtest.Options{Parallel: *parallel})
	if err != nil {
		fmt.Fprintf(stderr, "flowrun test: %v\n", err)
		return 1
	}
	if *junit != "" {
		f, err := os.Create(*junit)
		if err == nil {
			err = rep.WriteJUnit(f)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
		}
		if err != nil {
			fmt.Fprintf(stderr, "flowrun test: -junit: %v\n", err)
			return 1
		}
	}
	below := rep.BelowCoverage(*minCov)
	if *jsonOut {
		out := struct {
			Passed   int                     `json:"passed"`
			Failed   int                     `json:"failed"`
			Results  []flowtest.Result       `json:"results"`
			Coverage []flowtest.FlowCoverage `json:"coverage"`
			Below    []string                `json:"below_min_coverage,omitempty"`
		}{len(rep.Results) - rep.Failed(), rep.Failed(), rep.Results, rep.Coverages(), nil}
		for _, c := range below {
			out.Below = append(out.Below, c.Key)
		}
		if err := writeJSON(stdout, out); err != nil {
			fmt.Fprintf(stderr, "flowrun test: %v\n", err)
			return 1
		}
	} else {
		var b strings.Builder
		_ = rep.WriteSummary(&b)
		_ = rep.WriteCoverage(&b)
		for _, c := range below {
			fmt.Fprintf(&b, "coverage of %s is %.1f%%, under -min-coverage %g\n", c.Key, c.Percent, *minCov)
		}
		if _, err := io.WriteString(stdout, b.String()); err != nil {
			fmt.Fprintf(stderr, "flowrun test: %v\n", err)
			return 1
		}
	}
	if rep.Failed() > 0 || len(below) > 0 {
		return 1
	}
	return 0
}
