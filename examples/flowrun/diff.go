package main

import (
	"fmt"
	"io"

	"github.com/studioflow/studioflow/flow"
	"github.com/studioflow/studioflow/flowdiff"
)

// diffCommand compares two versions of a flow or module (package
// flowdiff): flowrun diff [flags] OLD NEW.
//
// As diff(1) does, it exits 0 when the two are the same in meaning, 1 when
// they differ and 2 on trouble: a usage error, or a file that cannot be
// read or parsed.
func diffCommand(args []string, stdout, stderr io.Writer) int {
	fset := newFlags("diff", "[-json] [-format FORMAT] [-rename-threshold X] [-module NAME] [-user LABEL=FILE]... OLD NEW", stderr)
	jsonOut := fset.Bool("json", false, "print the changes as one JSON object (flowdiff.Changes)")
	format := fset.String("format", "", "`FORMAT` of the files: twilio or connect (default: what each file looks like)")
	threshold := fset.Float64("rename-threshold", flowdiff.DefaultRenameThreshold, "how alike (0 to 1) a removed and an added state must be to count as one renamed state; above 1, only states the same but for renames")
	moduleName := fset.String("module", "", "the `NAME` by which the -user flows' run-module steps call the module diffed")
	users := pairs{name: "LABEL=FILE"}
	fset.Var(&users, "user", "a flow or module that runs the module diffed, for the breaking-change verdict: `LABEL=FILE` (repeatable; needs -module)")
	if code, ok := parse(fset, args); !ok {
		return code
	}
	if !validFormat("diff", "format", *format, stderr) {
		return 2
	}
	if fset.NArg() != 2 {
		fmt.Fprintln(stderr, "flowrun diff: name two files, OLD and NEW")
		fset.Usage()
		return 2
	}
	if !(*threshold >= 0) {
		fmt.Fprintf(stderr, "flowrun diff: -rename-threshold %g: want a number from 0 to 1 (above 1: exact renames only)\n", *threshold)
		return 2
	}
	if (len(users.keys) > 0) != (*moduleName != "") {
		fmt.Fprintln(stderr, "flowrun diff: -user and -module go together: the callers, and the name they call the module by")
		return 2
	}
	var defs [2]*flow.Definition
	for i, file := range fset.Args() {
		l, err := load(file, *format)
		if err != nil {
			fmt.Fprintf(stderr, "flowrun diff: %v\n", err)
			return 2
		}
		defs[i] = l.def
	}
	opts := []flowdiff.Option{flowdiff.WithRenameThreshold(*threshold)}
	if *moduleName != "" {
		callers := map[string]*flow.Definition{}
		for _, label := range users.keys {
			l, err := load(users.vals[label], *format)
			if err != nil {
				fmt.Fprintf(stderr, "flowrun diff: -user %s: %v\n", label, err)
				return 2
			}
			callers[label] = l.def
		}
		opts = append(opts, flowdiff.WithUsers(*moduleName, callers))
	}
	c := flowdiff.Diff(defs[0], defs[1], opts...)
	if *jsonOut {
		if err := writeJSON(stdout, c); err != nil {
			fmt.Fprintf(stderr, "flowrun diff: %v\n", err)
			return 2
		}
	} else if _, err := io.WriteString(stdout, c.Text()); err != nil {
		fmt.Fprintf(stderr, "flowrun diff: %v\n", err)
		return 2
	}
	if c.Empty() {
		return 0
	}
	return 1
}
