package main

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/studioflow/studioflow/flow"
	fconnect "github.com/studioflow/studioflow/flow/connect"
	"github.com/studioflow/studioflow/flowtest"
	"github.com/studioflow/studioflow/lint"
	"github.com/studioflow/studioflow/module"
	"github.com/studioflow/studioflow/runtime"
	"github.com/studioflow/studioflow/runtime/sim"
)

// checkedFile is what flowrun check found in one file.
type checkedFile struct {
	File string `json:"file"`
	// Format is twilio or connect; empty when the file did not load.
	Format string `json:"format,omitempty"`
	// Error says why the file could not be read or parsed; it counts as
	// an error.
	Error    string        `json:"error,omitempty"`
	Problems flow.Problems `json:"problems"`
	Errors   int           `json:"errors"`
	Warnings int           `json:"warnings"`
}

// checkCommand runs every check on flow files: flowrun check [flags]
// FILE|DIR...
//
// It runs the engine's checks (runtime.Engine.Check: structure, widgets,
// templates, compatibility) with package module's (each run-module step
// against the contract of the module -module gives; a module named but not
// given is not checked) and package lint's as extra checkers, on each
// file; a directory stands for the *.json files in it
// and below, test files (*.test.json) and testdata, "." and "_"
// directories left out (flowtest.DiscoverFlows). A Connect flow's paths are
// those of its own document (flow/connect.DocumentPath). It exits 1 when
// any file has an error (or cannot be read), 0 when there are only
// warnings.
func checkCommand(args []string, stdout, stderr io.Writer) int {
	fset := newFlags("check", "[-json] [-strict] [-format FORMAT] [-module NAME=FILE]... FILE|DIR ...", stderr)
	jsonOut := fset.Bool("json", false, "print every file's problems as one JSON object")
	strict := fset.Bool("strict", false, "references that never resolve are errors, not warnings")
	format := fset.String("format", "", "`FORMAT` of the files: twilio or connect (default: what each file looks like)")
	modules := pairs{name: "NAME=FILE"}
	fset.Var(&modules, "module", "a published module run-module steps reach, checked against its contract: `NAME=FILE` (repeatable)")
	if code, ok := parse(fset, args); !ok {
		return code
	}
	if !validFormat("check", "format", *format, stderr) {
		return 2
	}
	if fset.NArg() == 0 {
		fmt.Fprintln(stderr, "flowrun check: name at least one FILE or DIR")
		fset.Usage()
		return 2
	}
	mods := map[string]*flow.Definition{}
	simOpts := []sim.Option{}
	for _, name := range modules.keys {
		l, err := loadModule(name, modules.vals[name], *format)
		if err != nil {
			fmt.Fprintf(stderr, "flowrun check: %v\n", err)
			return 1
		}
		mods[name] = l.def
		simOpts = append(simOpts, sim.WithModule(name, l.def))
	}
	lookup := func(name string) (*flow.Definition, bool) {
		d, ok := mods[name]
		return d, ok
	}
	lintOpts := []lint.Option{lint.WithModules(lookup)}
	if *strict {
		lintOpts = append(lintOpts, lint.Strict())
	}
	engine := sim.New(append(simOpts, sim.WithRuntime(runtime.WithCheckers(module.Checker(lookup, module.SkipMissing()), lint.Checker(lintOpts...))))...).Engine

	var out struct {
		Files    []checkedFile `json:"files"`
		Errors   int           `json:"errors"`
		Warnings int           `json:"warnings"`
	}
	for _, arg := range fset.Args() {
		// An argument that names nothing, or a directory without flows,
		// is an error of its own; the others are still checked.
		files, err := flowtest.DiscoverFlows(arg)
		if err != nil {
			out.Files = append(out.Files, checkedFile{File: arg, Error: err.Error(), Errors: 1, Problems: flow.Problems{}})
			out.Errors++
			continue
		}
		for _, file := range files {
			c := checkFile(engine, file, *format)
			out.Files = append(out.Files, c)
			out.Errors += c.Errors
			out.Warnings += c.Warnings
		}
	}
	if *jsonOut {
		if err := writeJSON(stdout, out); err != nil {
			fmt.Fprintf(stderr, "flowrun check: %v\n", err)
			return 1
		}
	} else {
		var b strings.Builder
		for _, c := range out.Files {
			if c.Error != "" {
				// Errors of the file system and of parsing name the file.
				fmt.Fprintf(&b, "%s: error: %s\n", c.File, strings.TrimPrefix(c.Error, c.File+": "))
			}
			for _, p := range c.Problems {
				fmt.Fprintf(&b, "%s: %s\n", c.File, p)
			}
		}
		fmt.Fprintf(&b, "%d file%s checked: %d error%s, %d warning%s\n",
			len(out.Files), plural(len(out.Files)), out.Errors, plural(out.Errors), out.Warnings, plural(out.Warnings))
		if _, err := io.WriteString(stdout, b.String()); err != nil {
			fmt.Fprintf(stderr, "flowrun check: %v\n", err)
			return 1
		}
	}
	if out.Errors > 0 {
		return 1
	}
	return 0
}

// checkFile loads and checks one file.
func checkFile(e *runtime.Engine, file, format string) checkedFile {
	c := checkedFile{File: file, Problems: flow.Problems{}}
	l, err := load(file, format)
	if err != nil {
		c.Error = err.Error()
		c.Errors = 1
		return c
	}
	c.Format = "twilio"
	ps := e.Check(l.def)
	if l.def.Vendor == flow.VendorConnect {
		c.Format = "connect"
		for i := range ps {
			ps[i].Path = fconnect.DocumentPath(l.def, ps[i].Path)
		}
		ps = firstOfEach(ps)
	}
	// Errors first, each group in the order the checks found them.
	sort.SliceStable(ps, func(i, j int) bool {
		return ps[i].Severity == flow.SeverityError && ps[j].Severity != flow.SeverityError
	})
	c.Problems = append(c.Problems, ps...)
	c.Errors = len(ps.Errors())
	c.Warnings = len(ps) - c.Errors
	return c
}

// firstOfEach keeps the first of equal items, in order. A Connect
// document's places are fewer than its definition's: a resource's Name is
// both the definition's description and the resource's own key, so what
// is found in both is one item once located in the document
// (fconnect.DocumentPath).
func firstOfEach[T comparable](items []T) []T {
	seen := make(map[T]bool, len(items))
	out := items[:0]
	for _, it := range items {
		if !seen[it] {
			seen[it] = true
			out = append(out, it)
		}
	}
	return out
}
