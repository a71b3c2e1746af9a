package deploy

import (
	"bytes"
	"encoding/json"
	"sort"
	"strconv"

	"github.com/studioflow/studioflow/flow"
	"github.com/studioflow/studioflow/internal/jsonutil"
)

// String is one string value of a definition: where a placeholder or an
// id may stand.
type String struct {
	// Path is the JSON pointer of the value in the definition's Flow JSON,
	// as flow's problem paths are written: flow.PropertyPath of its
	// property followed by the pointer inside the property
	// ("#/states/3/properties/parameters/0/value"), a condition's
	// "#/states/3/transitions/1/conditions/0/arguments/0", or the path of
	// a key the library keeps in an Extra map ("#/states/3/KEY/...").
	Path string
	// Index is the index of the state the value belongs to, -1 for a
	// value of the definition itself.
	Index int
	// State names that state ("" for the definition's own values).
	State string
	// Value is the string, decoded.
	Value string
}

// Strings returns every string value of d, in a stable order: the
// description and the definition's Extra (sorted by key), the flags'
// Extra, then state by state its properties (sorted by key), its Extra
// (sorted by key) and its transitions' conditions and Extra. Names, types,
// events and nexts are not values and are left out. Strings inside a
// property are found without decoding the property into Go values, so
// their paths follow the document.
func Strings(d *flow.Definition) []String {
	var out []String
	visitDefinition(d, func(path string, index int, state string, loc location) {
		loc.each(path, func(p, v string) {
			out = append(out, String{Path: p, Index: index, State: state, Value: v})
		})
	})
	return out
}

// location is one place of a definition that holds strings: a raw JSON
// value, or a Go string.
type location struct {
	raw    json.RawMessage
	setRaw func(json.RawMessage) // replaces raw where it is kept
	str    *string
}

// each calls f with the path and value of every string at l.
func (l location) each(path string, f func(path, value string)) {
	if l.str != nil {
		f(path, *l.str)
		return
	}
	scanJSON(l.raw, path, func(p string, _, _ int, v string) { f(p, v) })
}

// visitDefinition calls visit for every location of d that may hold a
// string, in the order Strings documents. The locations point into d:
// writing through them edits d.
func visitDefinition(d *flow.Definition, visit func(path string, index int, state string, loc location)) {
	visit("#/description", -1, "", location{str: &d.Description})
	visitRaw(d.Extra, "#", -1, "", visit)
	visitRaw(d.Flags.Extra, "#/flags", -1, "", visit)
	for i := range d.States {
		s := &d.States[i]
		visitRaw(s.Properties, flow.StatePath(i)+"/properties", i, s.Name, visit)
		visitRaw(s.Extra, flow.StatePath(i), i, s.Name, visit)
		for j := range s.Transitions {
			t := &s.Transitions[j]
			tp := flow.TransitionPath(i, j)
			for c := range t.Conditions {
				cond := &t.Conditions[c]
				cp := tp + "/conditions/" + strconv.Itoa(c)
				for a := range cond.Arguments {
					visit(cp+"/arguments/"+strconv.Itoa(a), i, s.Name, location{str: &cond.Arguments[a]})
				}
				visit(cp+"/value", i, s.Name, location{str: &cond.Value})
				visitRaw(cond.Extra, cp, i, s.Name, visit)
			}
			visitRaw(t.Extra, tp, i, s.Name, visit)
		}
	}
}

// visitRaw visits the values of m, sorted by key, each under base/KEY.
func visitRaw(m map[string]json.RawMessage, base string, index int, state string, visit func(string, int, string, location)) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		visit(base+"/"+PointerEscape(k), index, state, location{raw: m[k], setRaw: func(v json.RawMessage) { m[k] = v }})
	}
}

// PointerEscape escapes a key for a JSON pointer (RFC 6901): "~" as "~0"
// and "/" as "~1".
func PointerEscape(k string) string { return jsonutil.PointerEscape(k) }

// scanJSON calls f with the path, the byte range (quotes included) and
// the decoded value of every string value of data, object keys excepted,
// in document order. It stops quietly at anything that is not JSON.
func scanJSON(data []byte, path string, f func(path string, start, end int, value string)) {
	s := scanner{data: data, f: f}
	s.value(path)
}

type scanner struct {
	data []byte
	pos  int
	bad  bool
	f    func(path string, start, end int, value string)
}

func (s *scanner) space() {
	for s.pos < len(s.data) && (s.data[s.pos] == ' ' || s.data[s.pos] == '\t' || s.data[s.pos] == '\n' || s.data[s.pos] == '\r') {
		s.pos++
	}
}

// value reads the value at s.pos.
func (s *scanner) value(path string) {
	s.space()
	if s.bad || s.pos >= len(s.data) {
		s.bad = true
		return
	}
	switch s.data[s.pos] {
	case '"':
		start := s.pos
		v, ok := s.str()
		if ok {
			s.f(path, start, s.pos, v)
		}
	case '{':
		s.pos++
		s.members(path)
	case '[':
		s.pos++
		for i := 0; ; i++ {
			if s.space(); s.pos < len(s.data) && s.data[s.pos] == ']' && i == 0 {
				s.pos++
				return
			}
			s.value(path + "/" + strconv.Itoa(i))
			if !s.next(']') {
				return
			}
		}
	default: // a number, true, false or null
		for s.pos < len(s.data) && !bytes.ContainsRune([]byte(",]} \t\r\n"), rune(s.data[s.pos])) {
			s.pos++
		}
	}
}

// members reads an object's members after its "{".
func (s *scanner) members(path string) {
	for first := true; ; first = false {
		s.space()
		if first && s.pos < len(s.data) && s.data[s.pos] == '}' {
			s.pos++
			return
		}
		if s.pos >= len(s.data) || s.data[s.pos] != '"' {
			s.bad = true
			return
		}
		key, ok := s.str()
		if s.space(); !ok || s.pos >= len(s.data) || s.data[s.pos] != ':' {
			s.bad = true
			return
		}
		s.pos++
		s.value(path + "/" + PointerEscape(key))
		if !s.next('}') {
			return
		}
	}
}

// next reads the "," between elements, or the closing byte; it reports
// whether another element follows.
func (s *scanner) next(closing byte) bool {
	s.space()
	if s.bad || s.pos >= len(s.data) {
		s.bad = true
		return false
	}
	switch s.data[s.pos] {
	case ',':
		s.pos++
		return true
	case closing:
		s.pos++
		return false
	}
	s.bad = true
	return false
}

// str reads the string at s.pos and decodes it.
func (s *scanner) str() (string, bool) {
	start := s.pos
	for i := start + 1; i < len(s.data); i++ {
		switch s.data[i] {
		case '\\':
			i++
		case '"':
			s.pos = i + 1
			var v string
			if json.Unmarshal(s.data[start:s.pos], &v) != nil {
				s.bad = true
				return "", false
			}
			return v, true
		}
	}
	s.bad = true
	return "", false
}

// encodeString writes v as a JSON string without HTML escaping, as
// package flow writes values.
func encodeString(v string) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v) // a string always encodes
	return bytes.TrimRight(buf.Bytes(), "\n")
}
