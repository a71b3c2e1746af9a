package widgets

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/studioflow/studioflow/flow"
	"github.com/studioflow/studioflow/template"
)

// Text is a property value that may hold Liquid. It knows whether it needs
// the template engine at all, so plain text costs nothing to render, and
// holds its template parsed, so rendering it parses nothing.
type Text struct {
	// Prop is the property the text came from, for error messages.
	Prop string
	// Src is the text as written.
	Src string
	// Dynamic is true when Src holds "{{" or "{%".
	Dynamic bool
	// Template is Src parsed, when Dynamic (NewText parses it; a Text
	// built without it is parsed when it is rendered). One that does not
	// parse fails its render with the parse error.
	Template *template.Template
}

// NewText returns the Text of src read from property prop, its template
// parsed.
func NewText(prop, src string) Text {
	t := Text{Prop: prop, Src: src, Dynamic: IsTemplate(src)}
	if t.Dynamic {
		t.Template, _ = template.Parse(src)
	}
	return t
}

// IsTemplate reports whether s holds Liquid markup.
func IsTemplate(s string) bool {
	return strings.Contains(s, "{{") || strings.Contains(s, "{%")
}

// IsZero reports whether the text is empty.
func (t Text) IsZero() bool { return t.Src == "" }

// Render renders t in sc. A text without Liquid is its source, returned
// without asking sc; any other goes through sc.Render. Widgets call it
// rather than sc.Render so that their plain properties cost nothing.
func (t *Text) Render(sc StepContext) (string, error) {
	if !t.Dynamic {
		return t.Src, nil
	}
	return sc.Render(*t)
}

// Props decodes the properties of one state and collects problems with JSON
// paths. Widget Compile functions use it so that every widget accepts the
// same loose forms (numbers and booleans written as strings) and reports
// problems alike.
type Props struct {
	// State is the state being compiled.
	State *flow.State
	// Index is its position in the definition, for JSON paths.
	Index    int
	problems flow.Problems
}

// NewProps returns a Props for state i of a definition.
func NewProps(s *flow.State, i int) *Props { return &Props{State: s, Index: i} }

// Problems returns what decoding found.
func (p *Props) Problems() flow.Problems { return p.problems }

// Add reports a problem found anywhere in the state (a transition's
// condition, say), with its own path; Report and Errorf cover properties.
func (p *Props) Add(pr flow.Problem) { p.problems = append(p.problems, pr) }

// Path returns the JSON pointer of property key.
func (p *Props) Path(key string) string { return flow.PropertyPath(p.Index, key) }

// Report records a problem on property key (or on the state when key is
// empty).
func (p *Props) Report(key, code string, sev flow.Severity, format string, args ...any) {
	path := flow.StatePath(p.Index)
	if key != "" {
		path = p.Path(key)
	}
	p.problems = append(p.problems, flow.Problem{
		Path: path, State: p.State.Name, Code: code, Severity: sev,
		Message: fmt.Sprintf(format, args...),
	})
}

// Errorf records an error on property key.
func (p *Props) Errorf(key, code, format string, args ...any) {
	p.Report(key, code, flow.SeverityError, format, args...)
}

// Has reports whether property key is present and not null.
func (p *Props) Has(key string) bool {
	raw, ok := p.State.Properties[key]
	return ok && string(raw) != "null"
}

// raw returns the property's scalar form as a string: strings as is,
// numbers and booleans as written. ok is false when absent or null.
func (p *Props) raw(key string) (s string, ok bool) {
	raw, present := p.State.Properties[key]
	if !present || string(raw) == "null" {
		return "", false
	}
	if err := json.Unmarshal(raw, &s); err == nil {
		return s, true
	}
	switch raw[0] {
	case '{', '[':
		p.Errorf(key, CodePropertyInvalid, "%s must be a string, a number or a boolean", key)
		return "", false
	}
	return string(raw), true
}

// String returns property key as a string, or def when absent.
func (p *Props) String(key, def string) string {
	if s, ok := p.raw(key); ok {
		return s
	}
	return def
}

// RequiredString returns property key, reporting a problem when it is absent
// or empty.
func (p *Props) RequiredString(key string) string {
	s, ok := p.raw(key)
	if !ok || strings.TrimSpace(s) == "" {
		p.Errorf(key, CodePropertyMissing, "%s is required", key)
	}
	return s
}

// Text returns property key as a Text, empty when absent.
func (p *Props) Text(key string) Text { return NewText(key, p.String(key, "")) }

// RequiredText returns property key as a Text, reporting a problem when it is
// absent or empty.
func (p *Props) RequiredText(key string) Text { return NewText(key, p.RequiredString(key)) }

// Int returns property key as an integer in [min, max], or def when absent.
// String-encoded numbers are accepted. A templated value cannot be checked
// here: it is reported as a warning and def is used.
func (p *Props) Int(key string, def, min, max int) int {
	s, ok := p.raw(key)
	if !ok || strings.TrimSpace(s) == "" {
		return def
	}
	if IsTemplate(s) {
		p.Report(key, CodePropertyTemplate, flow.SeverityWarning,
			"%s holds a template; it is not evaluated for this number and the default %d applies", key, def)
		return def
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || f != math.Trunc(f) {
		p.Errorf(key, CodePropertyInvalid, "%s must be a whole number, got %q", key, s)
		return def
	}
	if f < float64(min) || f > float64(max) {
		p.Errorf(key, CodePropertyRange, "%s must be between %d and %d, got %s", key, min, max, s)
		return def
	}
	return int(f)
}

// Seconds returns property key, a number of seconds in [min, max], as a
// duration; def is in seconds.
func (p *Props) Seconds(key string, def, min, max int) time.Duration {
	return Seconds(p.Int(key, def, min, max))
}

// Bool returns property key as a boolean, or def when absent. "true" and
// "false" written as strings are accepted.
func (p *Props) Bool(key string, def bool) bool {
	s, ok := p.raw(key)
	if !ok || s == "" {
		return def
	}
	b, err := strconv.ParseBool(strings.TrimSpace(s))
	if err != nil {
		p.Errorf(key, CodePropertyInvalid, "%s must be true or false, got %q", key, s)
		return def
	}
	return b
}

// OneOf returns property key, which must be one of allowed (compared without
// case), or def when absent.
func (p *Props) OneOf(key, def string, allowed ...string) string {
	s, ok := p.raw(key)
	if !ok || s == "" {
		return def
	}
	for _, a := range allowed {
		if strings.EqualFold(a, s) {
			return a
		}
	}
	p.Errorf(key, CodePropertyInvalid, "%s must be one of %s, got %q", key, strings.Join(allowed, ", "), s)
	return def
}

// Decode decodes property key into v, reporting a problem when its shape is
// wrong. It reports false when the property is absent or could not be
// decoded.
func (p *Props) Decode(key string, v any) bool {
	ok, err := p.State.Property(key, v)
	if err != nil {
		p.Errorf(key, CodePropertyInvalid, "%s has the wrong shape: %v", key, err)
		return false
	}
	return ok
}

// KeyValue is one {key, value} pair of a parameters or variables list.
type KeyValue struct {
	// Key is the pair's key (or name).
	Key string
	// Value is the pair's value, a template rendered when the step runs;
	// a non-string JSON value is kept as its JSON text.
	Value Text
	// Type is the item's "type", as Studio writes it: "json" when its
	// "Parse as JSON object" box is checked, "string" or "" otherwise.
	Type string
}

// KeyValues decodes a list of {key, value} objects (Twilio's parameters and
// variables), accepting non-string values as their JSON text.
func (p *Props) KeyValues(key string) []KeyValue { return p.KeyValuesNamed(key, "key", "value") }

// KeyValuesNamed decodes a list of objects holding a name field and a value
// field, such as module outputs {name, value}, as KeyValues. Items without
// a name are reported.
func (p *Props) KeyValuesNamed(key, nameField, valueField string) []KeyValue {
	var items []map[string]json.RawMessage
	if !p.Decode(key, &items) {
		return nil
	}
	out := make([]KeyValue, 0, len(items))
	for i, it := range items {
		k, _ := Scalar(it[nameField])
		if k == "" {
			p.Errorf(key, CodePropertyMissing, "%s[%d] has no %s", key, i, nameField)
			continue
		}
		v, _ := Scalar(it[valueField])
		typ, _ := Scalar(it["type"])
		out = append(out, KeyValue{Key: k, Value: NewText(key, v), Type: typ})
	}
	return out
}

// Scalar returns a JSON scalar as text: strings unquoted, others as written;
// ok is false for an absent or null value. Vendor packages read nested
// property items with it.
func Scalar(raw json.RawMessage) (string, bool) {
	if len(raw) == 0 || string(raw) == "null" {
		return "", false
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return s, true
	}
	return string(raw), true
}

// Events builds an event list, skipping duplicates, for Node.Events.
func Events(fixed []string, more ...string) []string {
	out := slices.Clone(fixed)
	for _, e := range more {
		if !slices.Contains(out, e) {
			out = append(out, e)
		}
	}
	return out
}

// Number is a whole-number property that may be templated: a fixed value
// checked when the definition is compiled, or a template rendered and
// checked when the step runs.
type Number struct {
	// Value is the fixed value, or the default when the property is
	// absent, invalid or templated; a template that renders empty also
	// gives it.
	Value int
	// Text is the template, when the value is templated (Text.Dynamic);
	// zero otherwise.
	Text Text
	// Min and Max bound the value, inclusive.
	Min, Max int
}

// Number returns property key as a Number in [min, max], or def when absent.
// A fixed value is checked now; a templated one when the step runs.
func (p *Props) Number(key string, def, min, max int) Number {
	n := Number{Value: def, Min: min, Max: max}
	if s, ok := p.raw(key); ok && IsTemplate(s) {
		n.Text = NewText(key, s)
		return n
	}
	n.Value = p.Int(key, def, min, max)
	return n
}

// Get returns the number, rendering and checking a templated value.
func (n Number) Get(sc StepContext) (int, error) {
	if !n.Text.Dynamic {
		return n.Value, nil
	}
	s, err := sc.Render(n.Text)
	if err != nil {
		return 0, err
	}
	s = strings.TrimSpace(s)
	if s == "" {
		return n.Value, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f != math.Trunc(f) {
		return 0, fmt.Errorf("%s rendered %q, which is not a whole number", n.Text.Prop, s)
	}
	if f < float64(n.Min) || f > float64(n.Max) {
		return 0, fmt.Errorf("%s rendered %s, outside %d to %d", n.Text.Prop, s, n.Min, n.Max)
	}
	return int(f), nil
}
