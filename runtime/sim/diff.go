package sim

import (
	"fmt"
	"strings"
)

// diffContext is how many unchanged lines a diff shows around a change.
const diffContext = 3

// maxDiffCells bounds the table of the longest common subsequence; past
// it, the lines that differ are shown as all removed, then all added.
const maxDiffCells = 1 << 22

// diffLine is one line of a diff: kind ' ' (both sides), '-' (want only)
// or '+' (got only).
type diffLine struct {
	kind byte
	text string
}

// lineDiff returns a diff of want and got, one line per item: " LINE" for
// lines both have, "-LINE" for lines only want has, "+LINE" for lines only
// got has. Runs of more than diffContext unchanged lines further than
// diffContext from any change are cut to one "  ... (N unchanged lines)".
func lineDiff(want, got []string) string {
	return renderDiff(diffLines(want, got))
}

// diffLines aligns a and b on their longest common subsequence.
func diffLines(a, b []string) []diffLine {
	pre := 0
	for pre < len(a) && pre < len(b) && a[pre] == b[pre] {
		pre++
	}
	suf := 0
	for suf < len(a)-pre && suf < len(b)-pre && a[len(a)-1-suf] == b[len(b)-1-suf] {
		suf++
	}
	out := make([]diffLine, 0, len(a)+len(b))
	out = appendLines(out, ' ', a[:pre])
	out = appendMiddle(out, a[pre:len(a)-suf], b[pre:len(b)-suf])
	return appendLines(out, ' ', a[len(a)-suf:])
}

func appendLines(out []diffLine, kind byte, lines []string) []diffLine {
	for _, l := range lines {
		out = append(out, diffLine{kind, l})
	}
	return out
}

// appendMiddle appends the diff of a and b, which differ at both ends.
func appendMiddle(out []diffLine, a, b []string) []diffLine {
	n, m := len(a), len(b)
	if (n+1)*(m+1) > maxDiffCells {
		return appendLines(appendLines(out, '-', a), '+', b)
	}
	// lcs[i*w+j] is the length of the longest common subsequence of a[i:]
	// and b[j:].
	w := m + 1
	lcs := make([]int32, (n+1)*w)
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i*w+j] = lcs[(i+1)*w+j+1] + 1
			} else {
				lcs[i*w+j] = max(lcs[(i+1)*w+j], lcs[i*w+j+1])
			}
		}
	}
	i, j := 0, 0
	for i < n && j < m {
		switch {
		case a[i] == b[j]:
			out = append(out, diffLine{' ', a[i]})
			i++
			j++
		case lcs[(i+1)*w+j] >= lcs[i*w+j+1]:
			out = append(out, diffLine{'-', a[i]})
			i++
		default:
			out = append(out, diffLine{'+', b[j]})
			j++
		}
	}
	return appendLines(appendLines(out, '-', a[i:]), '+', b[j:])
}

// renderDiff writes a diff one line per line, cutting unchanged runs far
// from any change.
func renderDiff(lines []diffLine) string {
	near := make([]bool, len(lines))
	for i, l := range lines {
		if l.kind == ' ' {
			continue
		}
		for k := max(0, i-diffContext); k <= min(len(lines)-1, i+diffContext); k++ {
			near[k] = true
		}
	}
	var b strings.Builder
	for i := 0; i < len(lines); {
		j := i
		for j < len(lines) && !near[j] {
			j++
		}
		if j-i > diffContext {
			fmt.Fprintf(&b, "  ... (%d unchanged lines)\n", j-i)
			i = j
			continue
		}
		b.WriteByte(lines[i].kind)
		b.WriteString(lines[i].text)
		b.WriteByte('\n')
		i++
	}
	return b.String()
}
