package lint

import (
	"strings"

	fconnect "github.com/studioflow/studioflow/flow/connect"
)

// liquidRefs returns the variable paths read inside the Liquid tags and
// outputs of src ({{ widgets.menu.Digits }}, {% if flow.variables.x %}),
// each as its names: ["widgets", "menu", "Digits"]. A path is read up to
// its first index that is not a literal (widgets[flow.variables.w]
// gives ["widgets"], then ["flow", "variables", "w"]). Text outside tags,
// string literals and {% raw %} blocks are skipped.
func liquidRefs(src string) [][]string {
	var out [][]string
	for i := 0; i < len(src); {
		open := strings.Index(src[i:], "{")
		if open < 0 || i+open+1 >= len(src) {
			break
		}
		start := i + open
		closer := map[byte]string{'{': "}}", '%': "%}"}[src[start+1]]
		if closer == "" {
			i = start + 1
			continue
		}
		end := strings.Index(src[start+2:], closer)
		if end < 0 {
			end = len(src) - start - 2
		}
		body := src[start+2 : start+2+end]
		i = start + 2 + end + len(closer)
		if closer == "%}" && strings.HasPrefix(strings.TrimLeft(body, " -\t\n"), "raw") {
			if e := strings.Index(src[i:], "endraw"); e >= 0 {
				i += e
			}
			continue
		}
		out = append(out, exprRefs(body)...)
	}
	return out
}

// exprRefs returns the variable paths of one tag's or output's body.
func exprRefs(s string) [][]string {
	var out [][]string
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '"' || c == '\'':
			if e := strings.IndexByte(s[i+1:], c); e >= 0 {
				i += e + 2
			} else {
				i = len(s)
			}
		case identStart(c) && (i == 0 || !identByte(s[i-1]) && s[i-1] != '.'):
			path, end := readPath(s, i)
			out = append(out, path)
			i = end
		default:
			i++
		}
	}
	return out
}

// readPath reads a.b['c'][0] at s[i], up to an index that is not a
// literal.
func readPath(s string, i int) ([]string, int) {
	j := i
	for j < len(s) && identByte(s[j]) {
		j++
	}
	path := []string{s[i:j]}
	for j < len(s) {
		switch s[j] {
		case '.':
			k := j + 1
			for k < len(s) && identByte(s[k]) {
				k++
			}
			if k == j+1 {
				return path, j + 1
			}
			path, j = append(path, s[j+1:k]), k
		case '[':
			seg, end, ok := literalIndex(s, j)
			if !ok {
				return path, j + 1
			}
			path, j = append(path, seg), end
		default:
			return path, j
		}
	}
	return path, j
}

// literalIndex reads ['name'], ["name"] or [digits] at s[i].
func literalIndex(s string, i int) (string, int, bool) {
	if i+1 >= len(s) {
		return "", 0, false
	}
	if q := s[i+1]; q == '\'' || q == '"' {
		e := strings.IndexByte(s[i+2:], q)
		if e < 0 || i+2+e+1 >= len(s) || s[i+2+e+1] != ']' {
			return "", 0, false
		}
		return s[i+2 : i+2+e], i + 2 + e + 2, true
	}
	k := i + 1
	for k < len(s) && '0' <= s[k] && s[k] <= '9' {
		k++
	}
	if k == i+1 || k >= len(s) || s[k] != ']' {
		return "", 0, false
	}
	return s[i+1 : k], k + 1, true
}

func identStart(c byte) bool { return c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

func identByte(c byte) bool { return identStart(c) || c == '-' || '0' <= c && c <= '9' }

// connectRefs returns the paths of the Connect references in a parameter
// text ($.Attributes.x, $.External.['a b']), as flow/connect reads them.
func connectRefs(s string) [][]string {
	var out [][]string
	for _, r := range fconnect.FindReferences(s) {
		out = append(out, r.Path)
	}
	return out
}
