package connect

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/studioflow/studioflow/widgets"
)

// A value is a parameter compiled once: a text with Connect references
// ($.Attributes.x, $.External.x ...) inside, or an object or list of
// them, or a JSON scalar other than a string. It is resolved when the
// step runs, with Connect's semantics: nothing is translated into Liquid.
type value interface {
	resolve(sc widgets.StepContext) any
}

// text is a string parameter: literal parts and references in order.
type text struct {
	parts []part
}

// part is a literal (path nil) or a reference (path its segments,
// "Attributes", "x").
type part struct {
	lit  string
	path []string
}

type object struct {
	keys []string
	vals []value
}

type list []value

type scalar struct{ v any }

func (s scalar) resolve(widgets.StepContext) any { return s.v }

func (o object) resolve(sc widgets.StepContext) any {
	m := make(map[string]any, len(o.keys))
	for i, k := range o.keys {
		m[k] = o.vals[i].resolve(sc)
	}
	return m
}

func (l list) resolve(sc widgets.StepContext) any {
	out := make([]any, len(l))
	for i, v := range l {
		out[i] = v.resolve(sc)
	}
	return out
}

// compileValue compiles a parameter's JSON.
func compileValue(raw json.RawMessage) value {
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return scalar{}
	}
	return compileAny(v)
}

func compileAny(v any) value {
	switch v := v.(type) {
	case string:
		return parseText(v)
	case map[string]any:
		o := object{}
		for k, e := range v {
			o.keys = append(o.keys, k)
			o.vals = append(o.vals, compileAny(e))
		}
		return o
	case []any:
		l := make(list, len(v))
		for i, e := range v {
			l[i] = compileAny(e)
		}
		return l
	}
	return scalar{v}
}

// parseText splits s into literals and references. A reference is "$"
// followed by segments: ".name" (letters, digits, "_" and "-") or
// "['name']" / "[\"name\"]" (Connect's syntax for names with spaces),
// optionally after a dot ("$.Attributes.['a b']"). "$" followed by
// anything else ("${REGION}", "$5") is literal text, and a dot that ends
// a sentence after a reference is not part of it.
func parseText(s string) text {
	var t text
	lit := 0
	for i := 0; i < len(s); i++ {
		if s[i] != '$' {
			continue
		}
		path, end := parseRef(s, i+1)
		if path == nil {
			continue
		}
		if i > lit {
			t.parts = append(t.parts, part{lit: s[lit:i]})
		}
		t.parts = append(t.parts, part{path: path})
		lit = end
		i = end - 1
	}
	if lit < len(s) || len(t.parts) == 0 {
		t.parts = append(t.parts, part{lit: s[lit:]})
	}
	return t
}

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

// literal reports whether t holds no reference, and its text.
func (t text) literal() (string, bool) {
	if len(t.parts) == 1 && t.parts[0].path == nil {
		return t.parts[0].lit, true
	}
	return "", false
}

// resolve gives a text that is one reference and nothing else the value
// it names (an object stays an object, a missing one is nil); any other
// text is rendered as a string, each reference as its value's text (""
// when it names nothing).
func (t text) resolve(sc widgets.StepContext) any {
	if len(t.parts) == 1 {
		if p := t.parts[0]; p.path != nil {
			return lookup(sc, p.path)
		}
		return t.parts[0].lit
	}
	return t.render(sc)
}

// render renders t as a string.
func (t text) render(sc widgets.StepContext) string {
	if s, ok := t.literal(); ok {
		return s
	}
	var b strings.Builder
	for _, p := range t.parts {
		if p.path == nil {
			b.WriteString(p.lit)
			continue
		}
		b.WriteString(stringOf(lookup(sc, p.path)))
	}
	return b.String()
}

// stringOf is a value as Connect writes it into text: strings as they
// are, numbers as written, objects and lists as JSON, nothing as "".
func stringOf(v any) string {
	switch v.(type) {
	case map[string]any, []any:
		b, err := json.Marshal(v)
		if err != nil {
			return ""
		}
		return string(b)
	}
	return widgets.ValueString(v)
}

// lookup resolves a reference's path in the contact: $.FlowAttributes
// from the running flow's own attributes (flow.variables of its frame),
// everything else from the contact the execution shares
// (widgets.StepContext.Shared).
func lookup(sc widgets.StepContext, path []string) any {
	var v any
	var ok bool
	switch {
	case path[0] == "" || !letter(path[0][0]):
		return nil // "$['$caller']": the package's own, or nothing
	case path[0] == "FlowAttributes":
		v, ok = sc.Lookup("flow.variables")
	default:
		ensureContact(sc)
		v, ok = sc.Shared(path[0])
	}
	if !ok {
		return nil
	}
	for _, seg := range path[1:] {
		switch c := v.(type) {
		case map[string]any:
			v, ok = c[seg]
		case []any:
			n, err := strconv.Atoi(seg)
			ok = err == nil && n >= 0 && n < len(c)
			if ok {
				v = c[n]
			}
		default:
			ok = false
		}
		if !ok {
			return nil
		}
	}
	return v
}
