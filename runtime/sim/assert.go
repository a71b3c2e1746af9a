package sim

import (
	"fmt"
	"slices"
	"strings"
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
	return equalLines(t, "the run's transcript differs (- want, + got)", want, r.Lines(), r)
}

// AssertPath fails t, with a line-by-line diff, unless the states the run
// went through (Run.Path) are want.
//
//	sim.AssertPath(t, run, []string{"Trigger", "greet", "menu", "route", "sales"})
func AssertPath(t T, r *Run, want []string) bool {
	t.Helper()
	return equalLines(t, "the run's path differs (- want, + got)", want, r.Path(), r)
}

// AssertSteps fails t, with a line-by-line diff, unless the run's steps
// (Run.StepLines, "FROM -EVENT-> TO") are want.
func AssertSteps(t T, r *Run, want []string) bool {
	t.Helper()
	return equalLines(t, "the run's steps differ (- want, + got)", want, r.StepLines(), r)
}

// AssertTranscriptContains fails t unless lines appear in the run's
// transcript (Run.Lines) in this order, each a whole line; other lines may
// come before, between and after them. The failure names the first line
// not found after the ones before it, and lists the transcript. It
// reports whether it passed.
//
//	sim.AssertTranscriptContains(t, run,
//		`voice.gather.say "For sales press 1. For support press 2."`,
//		`messaging.send to=+15551230000 "Support: https://acme.example/help"`)
func AssertTranscriptContains(t T, r *Run, lines ...string) bool {
	t.Helper()
	got := r.Lines()
	at := make([]int, 0, len(lines)) // where each line matched
	next := 0
	for _, want := range lines {
		i := slices.Index(got[next:], want)
		if i < 0 {
			break
		}
		at = append(at, next+i)
		next += i + 1
	}
	if len(at) == len(lines) {
		return true
	}
	k := len(at)
	var b strings.Builder
	fmt.Fprintf(&b, "the run's transcript lacks line %d of %d, in order: %s", k+1, len(lines), lines[k])
	if i := slices.Index(got, lines[k]); i >= 0 {
		fmt.Fprintf(&b, " (it is transcript line %d, before line %d matched at %d)", i+1, k, at[k-1]+1)
	}
	b.WriteString("\nwant, in order:\n")
	for j, l := range lines {
		switch {
		case j < k:
			fmt.Fprintf(&b, "  %4d %s\n", at[j]+1, l)
		case j == k:
			fmt.Fprintf(&b, "  MISS %s\n", l)
		default:
			fmt.Fprintf(&b, "     ? %s\n", l)
		}
	}
	b.WriteString("transcript:\n")
	for i, l := range got {
		fmt.Fprintf(&b, "  %4d %s\n", i+1, l)
	}
	t.Errorf("%srun: %s", b.String(), r)
	return false
}

// equalLines compares two lists as text, one item a line, so a failure
// shows a diff of the lines that differ.
func equalLines(t T, title string, want, got []string, r *Run) bool {
	t.Helper()
	if slices.Equal(want, got) {
		return true
	}
	t.Errorf("%s:\n%srun: %s", title, lineDiff(want, got), r)
	return false
}
