package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/studioflow/studioflow/deploy"
	"github.com/studioflow/studioflow/flow"
	fconnect "github.com/studioflow/studioflow/flow/connect"
)

// envReport is flowrun env -json.
type envReport struct {
	File string `json:"file"`
	// Output is the file written (-o); empty when the flow went to Flow.
	Output string `json:"output,omitempty"`
	// Rewrites are the strings filled or mapped.
	Rewrites []deploy.Rewrite `json:"rewrites"`
	// Unfilled are the placeholders left; when there is any, nothing is
	// written.
	Unfilled []deploy.Placeholder `json:"unfilled,omitempty"`
	// UnusedValues and UnusedIDs are what the vars give and the flow
	// does not use.
	UnusedValues []string `json:"unused_values,omitempty"`
	UnusedIDs    []string `json:"unused_ids,omitempty"`
	// Flow is the filled flow, when no -o is given.
	Flow json.RawMessage `json:"flow,omitempty"`
}

// envCommand fills a flow for one environment (package deploy): flowrun
// env -vars FILE [flags] FLOW.
//
// The filled flow, in the format it was read in, goes to stdout, or to -o
// FILE with a summary on stdout. A placeholder left without a value is an
// error: every one is listed with its path, nothing is written, and the
// exit status is 1 (as it is for a file that cannot be read). Values and
// ids the flow does not use are warnings on stderr. With -json, stdout is
// one report object, the filled flow in its "flow" unless -o is given.
func envCommand(args []string, stdout, stderr io.Writer) int {
	fset := newFlags("env", "-vars FILE [-o FILE] [-json] [-format FORMAT] FLOW", stderr)
	varsFile := fset.String("vars", "", "the environment's `FILE`: {\"values\": {NAME: value}, \"ids\": {old id: new id}} (required)")
	outFile := fset.String("o", "", "write the filled flow to `FILE` instead of stdout (never when a placeholder is left)")
	jsonOut := fset.Bool("json", false, "print one JSON report: what was filled and mapped, what is left or unused, and the flow")
	format := fset.String("format", "", "`FORMAT` of FLOW: twilio or connect (default: what it looks like)")
	if code, ok := parse(fset, args); !ok {
		return code
	}
	if fset.NArg() != 1 || *varsFile == "" {
		fmt.Fprintln(stderr, "flowrun env: give -vars FILE and one FLOW")
		fset.Usage()
		return 2
	}
	if !validFormat("env", "format", *format, stderr) {
		return 2
	}
	file := fset.Arg(0)
	fail := func(err error) int {
		fmt.Fprintf(stderr, "flowrun env: %v\n", err)
		return 1
	}
	if *outFile != "" && sameFile(*outFile, file) {
		fmt.Fprintf(stderr, "flowrun env: -o %s is the flow itself: keep the flow with its placeholders, and write each environment's elsewhere\n", *outFile)
		return 2
	}
	l, err := load(file, *format)
	if err != nil {
		return fail(err)
	}
	vf, err := os.Open(*varsFile)
	if err != nil {
		return fail(err)
	}
	vars, err := deploy.ReadVars(vf)
	vf.Close()
	if err != nil {
		return fail(fmt.Errorf("%s: %w", *varsFile, err))
	}

	rep := envReport{File: file, Rewrites: []deploy.Rewrite{}}
	rep.UnusedValues, rep.UnusedIDs = vars.Unused(l.def)
	filled, err := deploy.Fill(l.def, vars)
	var unfilled *deploy.UnfilledError
	switch {
	case errors.As(err, &unfilled):
		rep.Unfilled = unfilled.Left
	case err != nil:
		return fail(err)
	}
	// A Connect flow's places are those of its own document.
	if l.def.Vendor == flow.VendorConnect {
		for i := range rep.Unfilled {
			rep.Unfilled[i].Path = fconnect.DocumentPath(l.def, rep.Unfilled[i].Path)
		}
		rep.Unfilled = firstOfEach(rep.Unfilled)
	}
	var doc []byte
	if filled != nil {
		rep.Rewrites = append(rep.Rewrites, deploy.Rewrites(l.def, filled)...)
		if l.def.Vendor == flow.VendorConnect {
			for i := range rep.Rewrites {
				rep.Rewrites[i].Path = fconnect.DocumentPath(l.def, rep.Rewrites[i].Path)
			}
			rep.Rewrites = firstOfEach(rep.Rewrites)
		}
		if doc, err = document(filled); err != nil {
			return fail(err)
		}
		if *outFile != "" {
			if err := writeFile(*outFile, doc); err != nil {
				return fail(err)
			}
			rep.Output = *outFile
		} else if *jsonOut {
			rep.Flow = doc
		}
	}

	if *jsonOut {
		if err := writeJSON(stdout, rep); err != nil {
			return fail(err)
		}
	} else {
		for _, name := range rep.UnusedValues {
			fmt.Fprintf(stderr, "flowrun env: warning: %s: value %q fills no placeholder of %s\n", *varsFile, name, file)
		}
		for _, id := range rep.UnusedIDs {
			fmt.Fprintf(stderr, "flowrun env: warning: %s: id %q stands nowhere in %s\n", *varsFile, id, file)
		}
		switch {
		case filled == nil:
			fmt.Fprintf(stderr, "flowrun env: %s: %d placeholder%s left unfilled by %s; nothing written:\n", file, len(rep.Unfilled), plural(len(rep.Unfilled)), *varsFile)
			for _, p := range rep.Unfilled {
				fmt.Fprintf(stderr, "  %s: %s", p.Path, p.Text)
				if p.State != "" {
					fmt.Fprintf(stderr, " (state %q)", p.State)
				}
				if _, ok := vars.Values[p.Name]; ok {
					fmt.Fprint(stderr, ": a value filled in holds it, and values are filled once")
				}
				fmt.Fprintln(stderr)
			}
		case *outFile != "":
			var b bytes.Buffer
			fmt.Fprintf(&b, "%s: %d string%s filled or mapped, written to %s\n", file, len(rep.Rewrites), plural(len(rep.Rewrites)), *outFile)
			for _, r := range rep.Rewrites {
				fmt.Fprintf(&b, "  %s: %q -> %q\n", r.Path, r.Before, r.After)
			}
			if _, err := stdout.Write(b.Bytes()); err != nil {
				return fail(err)
			}
		default:
			// A flow half written to a full disk must not pass.
			if _, err := stdout.Write(doc); err != nil {
				return fail(fmt.Errorf("writing the flow: %w", err))
			}
		}
	}
	if filled == nil {
		return 1
	}
	return 0
}

// document writes d in the format it was read in, indented: Flow JSON,
// or the Connect document (bare, or in its resource description) as
// flow/connect writes it.
func document(d *flow.Definition) ([]byte, error) {
	marshal := flow.Marshal
	if d.Vendor == flow.VendorConnect {
		marshal = fconnect.Marshal
	}
	compact, err := marshal(d)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := json.Indent(&b, compact, "", "  "); err != nil {
		return nil, err
	}
	b.WriteByte('\n')
	return b.Bytes(), nil
}

// writeFile writes data to path through a temporary file in the same
// directory, so that a reader never sees half a flow. A symbolic link is
// followed: its target is replaced. An existing file keeps its
// permissions; a new one is 0644.
func writeFile(path string, data []byte) error {
	mode := os.FileMode(0o644)
	if target, err := filepath.EvalSymlinks(path); err == nil {
		path = target
		if info, err := os.Stat(path); err == nil {
			mode = info.Mode().Perm()
		}
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("-o %s: %w", path, unwrapPath(err))
	}
	_, err = tmp.Write(data)
	if err == nil {
		err = tmp.Chmod(mode)
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("-o %s: %w", path, unwrapPath(err))
	}
	return nil
}

// unwrapPath drops the temporary file's name from a file system error.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	var le *os.LinkError
	if errors.As(err, &le) {
		return le.Err
	}
	return err
}

// sameFile reports whether a and b name one existing file.
func sameFile(a, b string) bool {
	ia, err := os.Stat(a)
	if err != nil {
		return false
	}
	ib, err := os.Stat(b)
	return err == nil && os.SameFile(ia, ib)
}
