package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"

	"github.com/studioflow/studioflow/flowtest"
	"github.com/studioflow/studioflow/graph"
)

// graphCommand draws a flow (package graph): flowrun graph [flags] FILE.
//
// It prints a Mermaid flowchart (-format mermaid, the default) or a
// Graphviz digraph (-format dot). -path highlights a finished run: FILE
// holds flowrun -json's output, whose "path" lists the states it ran
// through, or a JSON array of state names. -coverage runs the test files
// under a directory (or one test file) and styles what they reached and
// missed in FILE. It exits 0, 1 when a file cannot be read
// or the tests do not cover FILE, and 2 on a usage error.
func graphCommand(args []string, stdout, stderr io.Writer) int {
	fset := newFlags("graph", "[-format mermaid|dot] [-json] [-path RUN.json] [-coverage DIR|TESTFILE] FILE", stderr)
	format := fset.String("format", "mermaid", "`mermaid` (renders in GitHub and GitLab markdown) or dot (Graphviz)")
	flowFormat := fset.String("flow-format", "", "`FORMAT` of FILE: twilio or connect (default: what it looks like)")
	jsonOut := fset.Bool("json", false, "print one JSON object: the Mermaid and the DOT text, the path and the coverage")
	pathFile := fset.String("path", "", "highlight a finished run: a `FILE` holding flowrun -json's output, or a JSON array of state names")
	covPath := fset.String("coverage", "", "style what the test files under `DIR` (or that test file) reach and miss")
	if code, ok := parse(fset, args); !ok {
		return code
	}
	if fset.NArg() != 1 {
		fmt.Fprintln(stderr, "flowrun graph: name one flow FILE")
		fset.Usage()
		return 2
	}
	if *format != "mermaid" && *format != "dot" {
		fmt.Fprintf(stderr, "flowrun graph: -format %q: want mermaid or dot\n", *format)
		return 2
	}
	if !validFormat("graph", "flow-format", *flowFormat, stderr) {
		return 2
	}
	file := fset.Arg(0)
	l, err := load(file, *flowFormat)
	if err != nil {
		fmt.Fprintf(stderr, "flowrun graph: %v\n", err)
		return 1
	}
	var opts graph.Options
	if *pathFile != "" {
		if opts.Path, err = readPath(*pathFile); err != nil {
			fmt.Fprintf(stderr, "flowrun graph: -path: %v\n", err)
			return 1
		}
		// A run of another flow would highlight nothing, silently.
		for _, name := range opts.Path {
			if !strings.HasPrefix(name, "module:") && !strings.HasPrefix(name, "subflow:") && l.def.StateIndex(name) < 0 {
				fmt.Fprintf(stderr, "flowrun graph: -path: %s ran through %q, which is no state of %s: a run of another flow?\n", *pathFile, name, file)
				return 1
			}
		}
	}
	var coverage *flowtest.FlowCoverage
	if *covPath != "" {
		rep, err := flowtest.Run(context.Background(), []string{*covPath}, flowtest.Options{Parallel: runtime.GOMAXPROCS(0)})
		if err != nil {
			fmt.Fprintf(stderr, "flowrun graph: -coverage: %v\n", err)
			return 1
		}
		dc, ok := rep.CoverageOf(file)
		if !ok {
			fmt.Fprintf(stderr, "flowrun graph: -coverage: no test file under %s runs %s\n", *covPath, file)
			return 1
		}
		opts.Coverage = graph.CoverageFrom(dc)
		summary := flowtest.Summarize(dc)
		summary.Key = file
		coverage = &summary
		if failed := rep.Failed(); failed > 0 {
			fmt.Fprintf(stderr, "flowrun graph: -coverage: %d test case%s failed (flowrun test %s says which); drawn with what they reached\n", failed, plural(failed), *covPath)
		}
	}
	if *jsonOut {
		out := struct {
			File     string                 `json:"file"`
			Mermaid  string                 `json:"mermaid"`
			DOT      string                 `json:"dot"`
			Path     []string               `json:"path,omitempty"`
			Coverage *flowtest.FlowCoverage `json:"coverage,omitempty"`
		}{file, graph.Mermaid(l.def, opts), graph.DOT(l.def, opts), opts.Path, coverage}
		if err := writeJSON(stdout, out); err != nil {
			fmt.Fprintf(stderr, "flowrun graph: %v\n", err)
			return 1
		}
		return 0
	}
	text := graph.Mermaid
	if *format == "dot" {
		text = graph.DOT
	}
	if _, err := io.WriteString(stdout, text(l.def, opts)); err != nil {
		fmt.Fprintf(stderr, "flowrun graph: %v\n", err)
		return 1
	}
	return 0
}

// readPath reads the states a run went through: flowrun -json's output
// (its "path"), or a JSON array of state names.
func readPath(file string) ([]string, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var path []string
	if trimmed := bytes.TrimSpace(data); len(trimmed) > 0 && trimmed[0] == '[' {
		err = json.Unmarshal(data, &path)
	} else {
		var run struct {
			Path *[]string `json:"path"`
		}
		if err = json.Unmarshal(data, &run); err == nil && run.Path == nil {
			err = fmt.Errorf("no \"path\" (want flowrun -json's output, or a JSON array of state names)")
		} else if err == nil {
			path = *run.Path
		}
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return path, nil
}
