package sim

import (
	"fmt"
	"strings"
	"testing"
)

func TestLineDiff(t *testing.T) {
	for _, tc := range []struct {
		name      string
		want, got []string
		diff      string
	}{
		{"equal", []string{"a", "b"}, []string{"a", "b"}, " a\n b\n"},
		{"changed", []string{"a", "b", "c"}, []string{"a", "x", "c"}, " a\n-b\n+x\n c\n"},
		{"added and removed", []string{"a", "b", "c", "d"}, []string{"b", "c", "e", "d"}, "-a\n b\n c\n+e\n d\n"},
		{"empty want", nil, []string{"a"}, "+a\n"},
		{"empty got", []string{"a"}, nil, "-a\n"},
		{"moved", []string{"a", "b", "c"}, []string{"c", "a", "b"}, "+c\n a\n b\n-c\n"},
	} {
		if got := lineDiff(tc.want, tc.got); got != tc.diff {
			t.Errorf("%s: lineDiff(%q, %q) =\n%s\nwant\n%s", tc.name, tc.want, tc.got, got, tc.diff)
		}
	}
}

func numbered(from, to int) []string {
	var out []string
	for i := from; i <= to; i++ {
		out = append(out, fmt.Sprint(i))
	}
	return out
}

func TestLineDiffCutsUnchangedRuns(t *testing.T) {
	want := numbered(1, 20)
	got := append(numbered(1, 9), append([]string{"ten"}, numbered(11, 20)...)...)
	diff := lineDiff(want, got)
	const expected = "  ... (6 unchanged lines)\n 7\n 8\n 9\n-10\n+ten\n 11\n 12\n 13\n  ... (7 unchanged lines)\n"
	if diff != expected {
		t.Errorf("lineDiff =\n%s\nwant\n%s", diff, expected)
	}
	// One line between two changes' contexts is shown, not cut.
	want = numbered(1, 9)
	got = []string{"one", "2", "3", "4", "5", "6", "7", "8", "nine"}
	if diff := lineDiff(want, got); strings.Contains(diff, "...") {
		t.Errorf("a single unchanged line was cut:\n%s", diff)
	}
}

func TestLineDiffOfHugeListsStaysReadable(t *testing.T) {
	// Past the table's bound the lines that differ show as removed, then
	// added; the common ends stay aligned.
	want := append([]string{"same"}, numbered(1, 3000)...)
	got := append([]string{"same"}, numbered(3001, 6000)...)
	diff := lineDiff(want, got)
	if !strings.HasPrefix(diff, " same\n-1\n-2\n") || !strings.HasSuffix(diff, "+5999\n+6000\n") {
		t.Errorf("diff starts %q, ends %q", diff[:20], diff[len(diff)-20:])
	}
	if n := strings.Count(diff, "\n"); n != 6001 {
		t.Errorf("diff has %d lines, want 6001", n)
	}
}
