package connect

import (
	"encoding/json"
	"maps"
	"slices"
	"strconv"
	"strings"

	fconnect "github.com/studioflow/studioflow/flow/connect"
	"github.com/studioflow/studioflow/widgets"
)

// A value is a parameter compiled once: a text with Connect references
// ($.Attributes.x, $.External.x ...) inside, or an object or list of
// them, or a JSON scalar other than a string. It is resolved when the
// step runs, with Connect's semantics: nothing is translated into Liquid.
type value interface {
	resolve(sc widgets.StepContext) any
}

// text is a string parameter: literal parts and references in order,
// and the string they were read from.
type text struct {
	parts  []part
	source string
}

// part is a literal (path nil) or a reference (path its segments,
// "Attributes", "x").
type part struct {
	lit  string
	path []string
}

// object is an object parameter. Its keys are texts too: "Both the key
// and value may be defined statically or dynamically" (AWS, Amazon
// Connect flow language, UpdateContactAttributes; InvokeLambdaFunction's
// LambdaInvocationAttributes say the same), so {"$.External.k": "v"}
// sets the attribute the Lambda named. A key that renders empty is left
// out, and so is one that names an object or a list: no attribute has
// such a name. Keys are set in a fixed order, the resolved ones first, so
// that a fixed key beats a resolved one that names the same attribute.
type object struct {
	keys []text
	vals []value
}

type list []value

type scalar struct{ v any }

func (s scalar) resolve(widgets.StepContext) any { return s.v }

func (o object) resolve(sc widgets.StepContext) any {
	m := make(map[string]any, len(o.keys))
	for i, k := range o.keys {
		if name, ok := k.name(sc); ok {
			m[name] = o.vals[i].resolve(sc)
		}
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
		// The keys that hold references first, then the fixed ones: see
		// object.
		var resolved, fixed []text
		for _, k := range slices.Sorted(maps.Keys(v)) {
			if t := parseText(k); t.isLiteral() {
				fixed = append(fixed, t)
			} else {
				resolved = append(resolved, t)
			}
		}
		o := object{keys: append(resolved, fixed...)}
		for _, k := range o.keys {
			o.vals = append(o.vals, compileAny(v[k.source]))
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

// parseText splits s into literals and the Connect references in it
// (flow/connect's FindReferences says what one is).
func parseText(s string) text {
	t := text{source: s}
	lit := 0
	for _, r := range fconnect.FindReferences(s) {
		if r.Start > lit {
			t.parts = append(t.parts, part{lit: s[lit:r.Start]})
		}
		t.parts = append(t.parts, part{path: r.Path})
		lit = r.End
	}
	if lit < len(s) || len(t.parts) == 0 {
		t.parts = append(t.parts, part{lit: s[lit:]})
	}
	return t
}

// name renders t as an object key: false when it is empty or names an
// object or a list.
func (t text) name(sc widgets.StepContext) (string, bool) {
	var s string
	if len(t.parts) == 1 && t.parts[0].path != nil {
		switch v := lookup(sc, t.parts[0].path); v.(type) {
		case map[string]any, []any:
			return "", false
		default:
			s = stringOf(v)
		}
	} else {
		s = t.render(sc)
	}
	return s, s != ""
}

// isLiteral reports whether t holds no reference.
func (t text) isLiteral() bool { return len(t.parts) == 1 && t.parts[0].path == nil }

// literal reports whether t holds no reference, and its text.
func (t text) literal() (string, bool) {
	if t.isLiteral() {
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
	case !fconnect.ValidRoot(path[0]):
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
