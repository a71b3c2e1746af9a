package sim

import (
	"errors"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// UpdateFlag is the name of the command-line flag that makes AssertGolden
// rewrite its golden files: go test ./runtime/... -update.
const UpdateFlag = "update"

func init() {
	// Only in a test binary, and only once however many packages share
	// it: a flag of that name defined before (by any package) serves.
	if testing.Testing() && flag.Lookup(UpdateFlag) == nil {
		flag.Bool(UpdateFlag, false, "rewrite the golden files of sim.AssertGolden (and of tests reading sim.UpdateGolden) with what the runs give")
	}
}

// UpdateGolden reports whether the test binary runs with -update (see
// UpdateFlag): AssertGolden then writes its golden files instead of
// comparing. A test package with golden files of its own reads this
// rather than defining -update again, which would panic with "flag
// redefined". It is false outside a test binary.
func UpdateGolden() bool {
	f := flag.Lookup(UpdateFlag)
	if f == nil {
		return false
	}
	if g, ok := f.Value.(flag.Getter); ok {
		if b, ok := g.Get().(bool); ok {
			return b
		}
	}
	b, _ := strconv.ParseBool(f.Value.String())
	return b
}

// AssertGolden fails t, with a line-by-line diff, unless the run's
// transcript (Run.Lines, one per line, each ending in a newline) is the
// content of the golden file at path (relative to the test's package
// directory; "\r\n" reads as "\n"). With -update (UpdateGolden) it writes
// the transcript to path instead, creating its directory, and fails only
// if it cannot. It reports whether it passed.
//
//	sim.AssertGolden(t, run, "testdata/support.golden")
//
// Write or refresh the files with go test -update, then review them with
// git diff: go test ./... -update works when every package of ./...
// imports sim (directly or not); otherwise name the packages that do, as
// a package without the flag refuses it.
func AssertGolden(t T, r *Run, path string) bool {
	t.Helper()
	got := r.Lines()
	if UpdateGolden() {
		text := ""
		if len(got) > 0 {
			text = strings.Join(got, "\n") + "\n"
		}
		err := os.MkdirAll(filepath.Dir(path), 0o755)
		if err == nil {
			err = os.WriteFile(path, []byte(text), 0o644)
		}
		if err != nil {
			t.Errorf("golden file: %v", err)
			return false
		}
		return true
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		t.Errorf("golden file %s does not exist: run go test with -%s to write it; run: %s", path, UpdateFlag, r)
		return false
	}
	if err != nil {
		t.Errorf("golden file: %v", err)
		return false
	}
	var want []string
	if text := strings.ReplaceAll(string(data), "\r\n", "\n"); text != "" {
		want = strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	}
	return equalLines(t, "the run's transcript differs from golden file "+path+" (- golden, + got; go test -"+UpdateFlag+" rewrites it)", want, got, r)
}
