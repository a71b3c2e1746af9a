package sim

import (
	"strings"

	"github.com/stretchr/testify/assert"
)

// T is the part of testing.TB the assertion helpers use; *testing.T and
// *testing.B satisfy it.
type T interface {
	// Helper marks the calling function as a test helper, as
	// testing.TB.Helper does.
	Helper()
	// Errorf reports a failure with a formatted message and lets the test
	// go on, as testing.TB.Errorf does.
	Errorf(format string, args ...any)
}

// AssertTranscript fails t, with a line-by-line diff, unless the run's
// transcript (Run.Lines) is want. It reports whether it passed.
//
//	sim.AssertTranscript(t, run, []string{
//		`voice.say "Thanks for calling Acme."`,
//		`voice.gather.say "For sales press 1. For support press 2."`,
//		`caller.press "2"`,
//	})
func AssertTranscript(t T, r *Run, want []string) bool {
	t.Helper()
	return equalLines(t, "transcript", want, r.Lines(), r)
}

// AssertPath fails t, with a line-by-line diff, unless the states the run
// went through (Run.Path) are want.
//
//	sim.AssertPath(t, run, []string{"Trigger", "greet", "menu", "route", "sales"})
func AssertPath(t T, r *Run, want []string) bool {
	t.Helper()
	return equalLines(t, "path", want, r.Path(), r)
}

// AssertSteps fails t, with a line-by-line diff, unless the run's steps
// (Run.StepLines, "FROM -EVENT-> TO") are want.
func AssertSteps(t T, r *Run, want []string) bool {
	t.Helper()
	return equalLines(t, "steps", want, r.StepLines(), r)
}

// equalLines compares two lists as text, one item a line, so a failure
// shows testify's unified diff of the lines that differ.
func equalLines(t T, what string, want, got []string, r *Run) bool {
	t.Helper()
	w, g := strings.Join(want, "\n")+"\n", strings.Join(got, "\n")+"\n"
	if w == g {
		return true
	}
	return assert.Equal(t, w, g, "the run's %s differs (- want, + got); run: %s", what, r)
}
