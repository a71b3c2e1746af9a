package connect

import "strings"

// Reference is one of Connect's references inside a text, such as
// "$.Attributes.x" in "Hello $.Attributes.x.".
type Reference struct {
	// Start and End delimit the reference in the text: s[Start:End].
	Start, End int
	// Path is its segments: "Attributes", "x".
	Path []string
}

// FindReferences returns the references in s, in order. A reference is
// "$" followed by segments: ".name" (letters, digits, "_" and "-") or
// "['name']" / "[\"name\"]" (Connect's syntax for names with spaces),
// optionally after a dot ("$.Attributes.['a b']"); the first name starts
// with a letter or "_" (ValidRoot). "$" followed by anything else
// ("${REGION}", "$5", "$.50") is text, and so is a reference that breaks
// off ("['a b" unclosed, "[0]"): never the object it had reached so far.
// A dot that ends a sentence after a reference is not part of it.
func FindReferences(s string) []Reference {
	var out []Reference
	for i := 0; i < len(s); i++ {
		if s[i] != '$' {
			continue
		}
		if path, end := parseRef(s, i+1); path != nil {
			out = append(out, Reference{Start: i, End: end, Path: path})
			i = end - 1
		}
	}
	return out
}

// ValidRoot reports whether name may start a reference: a namespace's
// name, starting with a letter or "_".
func ValidRoot(name string) bool { return name != "" && letter(name[0]) }

// parseRef reads the segments of a reference from s[i:], just after its
// "$"; nil when there are none.
func parseRef(s string, i int) ([]string, int) {
	var path []string
	for i < len(s) {
		j := i
		if s[j] == '.' {
			j++
		}
		if j < len(s) && s[j] == '[' {
			seg, end, ok := bracket(s, j)
			if !ok {
				// A reference that breaks off ("['a b" unclosed, "[0]")
				// is text: never the object it had reached so far.
				return nil, i
			}
			path, i = append(path, seg), end
			continue
		}
		if j == i { // a name needs its dot
			break
		}
		k := j
		for k < len(s) && nameByte(s[k]) {
			k++
		}
		if k == j || (path == nil && !letter(s[j])) {
			// A reference starts with a namespace's name ("$.50" is a
			// price).
			break
		}
		path, i = append(path, s[j:k]), k
	}
	return path, i
}

// bracket reads ['name'] or ["name"] at s[i].
func bracket(s string, i int) (string, int, bool) {
	if i+1 >= len(s) || (s[i+1] != '\'' && s[i+1] != '"') {
		return "", 0, false
	}
	q := s[i+1]
	end := strings.IndexByte(s[i+2:], q)
	if end < 0 || i+2+end+1 >= len(s) || s[i+2+end+1] != ']' {
		return "", 0, false
	}
	return s[i+2 : i+2+end], i + 2 + end + 2, true
}

func letter(c byte) bool { return c == '_' || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') }

func nameByte(c byte) bool {
	return c == '_' || c == '-' || ('0' <= c && c <= '9') || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z')
}
