package deploy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/studioflow/studioflow/flow"
)

// Placeholder is one deployment placeholder found in a definition.
type Placeholder struct {
	// Path is the JSON pointer of the string holding it (see String.Path).
	Path string `json:"path"`
	// State names the state whose value holds it, "" for the
	// definition's own values.
	State string `json:"state,omitempty"`
	// Name is what stands between the braces: "REGION",
	// "F:acme_queue_transfer_AUTO:F". Vars.Values fill it by this name.
	Name string `json:"name"`
	// Text is the placeholder as written: "${REGION}".
	Text string `json:"text"`
}

// Kind returns the letter of a pipeline placeholder (${K:name:K}): "F"
// for a flow, "M" a module, "Q" a queue, "P" a prompt; "" for a plain
// ${NAME}.
func (p Placeholder) Kind() string {
	k, _ := splitPipeline(p.Name)
	return k
}

// Ref returns the name a pipeline placeholder stands for
// ("acme_queue_transfer_AUTO" in ${F:acme_queue_transfer_AUTO:F}), and
// the whole name of a plain one.
func (p Placeholder) Ref() string {
	if _, ref := splitPipeline(p.Name); ref != "" {
		return ref
	}
	return p.Name
}

// splitPipeline splits K:name:K into K and name.
func splitPipeline(name string) (kind, ref string) {
	parts := strings.Split(name, ":")
	if len(parts) == 3 && parts[0] != "" && parts[0] == parts[2] && parts[1] != "" {
		return parts[0], parts[1]
	}
	return "", ""
}

// Placeholders lists every placeholder of d, in the order of Strings and,
// within one string, from left to right: one entry per occurrence.
func Placeholders(d *flow.Definition) []Placeholder {
	var out []Placeholder
	for _, s := range Strings(d) {
		for _, m := range findPlaceholders(s.Value) {
			out = append(out, Placeholder{Path: s.Path, State: s.State, Name: m.name, Text: s.Value[m.start:m.end]})
		}
	}
	return out
}

// match is one placeholder inside a string: its byte range and name.
type match struct {
	start, end int
	name       string
}

// findPlaceholders returns the placeholders of v, left to right.
func findPlaceholders(v string) []match {
	var out []match
	for i := 0; i+2 < len(v); i++ {
		if v[i] != '$' || v[i+1] != '{' {
			continue
		}
		j := i + 2
		for j < len(v) && nameByte(v[j]) {
			j++
		}
		if j > i+2 && j < len(v) && v[j] == '}' {
			out = append(out, match{start: i, end: j + 1, name: v[i+2 : j]})
			i = j
		}
	}
	return out
}

// nameByte reports whether c may stand in a placeholder's name.
func nameByte(c byte) bool {
	return alnum(c) || c == '_' || c == '-' || c == '.' || c == ':' || c == '/'
}

func alnum(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

// Vars are one environment's deployment variables; see the package
// documentation for their file format.
type Vars struct {
	// Values fill placeholders by name (what stands between the braces).
	Values map[string]string `json:"values,omitempty"`
	// IDs map an id of the account a flow was exported from to this
	// environment's, wherever it stands in a string.
	IDs map[string]string `json:"ids,omitempty"`
}

// ReadVars reads Vars from a JSON object {"values": {...}, "ids": {...}}.
// It refuses other keys, values that are not strings, empty names and
// anything after the object.
func ReadVars(r io.Reader) (*Vars, error) {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	var v *Vars
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("deploy: reading vars: %w", err)
	}
	if v == nil {
		return nil, errors.New("deploy: reading vars: want a JSON object, got null")
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("deploy: reading vars: data after the object")
	}
	for what, m := range map[string]map[string]string{"values": v.Values, "ids": v.IDs} {
		if _, ok := m[""]; ok {
			return nil, fmt.Errorf("deploy: reading vars: %s has an empty name", what)
		}
	}
	return v, nil
}

// UnfilledError is Fill's refusal: placeholders no value fills.
type UnfilledError struct {
	// Left lists every placeholder left, in the order of Placeholders.
	Left []Placeholder
}

// Error lists the placeholders left, one per line: path and name.
func (e *UnfilledError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "deploy: %d placeholder(s) left unfilled:", len(e.Left))
	for _, p := range e.Left {
		fmt.Fprintf(&b, "\n  %s: %s", p.Path, p.Text)
		if p.State != "" {
			fmt.Fprintf(&b, " (state %q)", p.State)
		}
	}
	return b.String()
}

// Fill returns a copy of d with the placeholders v.Values names filled
// and the ids of v.IDs mapped (v may be nil: nothing is filled). d itself
// is never modified. Only the strings that change are re-encoded; every
// other byte of every property and kept key stays as it was. When any
// placeholder is left without a value, Fill returns nil and an
// *UnfilledError listing all of them.
//
// Values are filled first, each placeholder once (a value holding "${"
// is not filled again), then ids are mapped in the result.
func Fill(d *flow.Definition, v *Vars) (*flow.Definition, error) {
	if v == nil {
		v = &Vars{}
	}
	out := d.Clone()
	ids := sortedIDs(v.IDs)
	rewrite := func(s string) string { return mapIDs(fillValues(s, v.Values), v.IDs, ids) }
	visitDefinition(out, func(_ string, _ int, _ string, loc location) {
		if loc.str != nil {
			*loc.str = rewrite(*loc.str)
			return
		}
		if raw, changed := rewriteJSON(loc.raw, rewrite); changed {
			loc.setRaw(raw)
		}
	})
	if left := Placeholders(out); len(left) > 0 {
		return nil, &UnfilledError{Left: left}
	}
	return out, nil
}

// rewriteJSON applies f to every string value of raw, re-encoding only
// the strings f changes; it reports whether any did.
func rewriteJSON(raw json.RawMessage, f func(string) string) (json.RawMessage, bool) {
	var out []byte
	last := 0
	scanJSON(raw, "", func(_ string, start, end int, value string) {
		if nv := f(value); nv != value {
			out = append(append(out, raw[last:start]...), encodeString(nv)...)
			last = end
		}
	})
	if out == nil {
		return raw, false
	}
	return append(out, raw[last:]...), true
}

// fillValues replaces each placeholder of s that values names.
func fillValues(s string, values map[string]string) string {
	ms := findPlaceholders(s)
	if len(ms) == 0 || len(values) == 0 {
		return s
	}
	var b strings.Builder
	last := 0
	for _, m := range ms {
		if val, ok := values[m.name]; ok {
			b.WriteString(s[last:m.start])
			b.WriteString(val)
			last = m.end
		}
	}
	b.WriteString(s[last:])
	return b.String()
}

// sortedIDs returns the keys of ids, longest first (then in byte order),
// so that the longest id matching at a place wins.
func sortedIDs(ids map[string]string) []string {
	keys := make([]string, 0, len(ids))
	for k := range ids {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if len(keys[i]) != len(keys[j]) {
			return len(keys[i]) > len(keys[j])
		}
		return keys[i] < keys[j]
	})
	return keys
}

// mapIDs replaces, in one pass from left to right, each id of keys (the
// keys of ids, longest first) that stands in s with neither neighbour a
// letter or digit.
func mapIDs(s string, ids map[string]string, keys []string) string {
	if len(keys) == 0 {
		return s
	}
	var b bytes.Buffer
	last := 0
	for i := 0; i < len(s); {
		k := idAt(s, i, keys)
		if k == "" {
			i++
			continue
		}
		b.WriteString(s[last:i])
		b.WriteString(ids[k])
		i += len(k)
		last = i
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// idAt returns the longest key that stands in s at i on its own, or "":
// an id whose first (last) character is a letter or digit must not follow
// (be followed by) one.
func idAt(s string, i int, keys []string) string {
	for _, k := range keys {
		end := i + len(k)
		if !strings.HasPrefix(s[i:], k) {
			continue
		}
		leftOK := i == 0 || !alnum(s[i-1]) || !alnum(k[0])
		rightOK := end == len(s) || !alnum(s[end]) || !alnum(k[len(k)-1])
		if leftOK && rightOK {
			return k
		}
	}
	return ""
}
