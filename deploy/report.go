package deploy

import (
	"slices"

	"github.com/studioflow/studioflow/flow"
)

// Unused returns what v gives and d does not use, each sorted: the names
// of values no placeholder of d has, and the ids Fill maps nowhere (it
// looks for them once the values are filled, the longest first). A name or id here is often a typo in the
// environment's file, or a file meant for another flow.
func (v *Vars) Unused(d *flow.Definition) (values, ids []string) {
	if v == nil {
		return nil, nil
	}
	names := map[string]bool{}
	for _, p := range Placeholders(d) {
		names[p.Name] = true
	}
	for name := range v.Values {
		if !names[name] {
			values = append(values, name)
		}
	}
	// As Fill does: values first, then the ids, longest first, from left
	// to right.
	keys := sortedIDs(v.IDs)
	seen := map[string]bool{}
	for _, str := range Strings(d) {
		s := fillValues(str.Value, v.Values)
		for i := 0; i < len(s); {
			if k := idAt(s, i, keys); k != "" {
				seen[k] = true
				i += len(k)
				continue
			}
			i++
		}
	}
	for id := range v.IDs {
		if !seen[id] {
			ids = append(ids, id)
		}
	}
	slices.Sort(values)
	slices.Sort(ids)
	return values, ids
}

// Rewrite is one string Fill changed.
type Rewrite struct {
	// Path, Index and State say where it stands, as String does.
	Path  string `json:"path"`
	Index int    `json:"-"`
	State string `json:"state,omitempty"`
	// Before and After are the string in the definition given to Fill
	// and in the one it returned.
	Before string `json:"before"`
	After  string `json:"after"`
}

// Rewrites lists the strings that differ between d and filled, the
// definition Fill returned for it, in the order of Strings: what a
// deployment changed, for a review or a log.
func Rewrites(d, filled *flow.Definition) []Rewrite {
	before := map[string]string{}
	for _, s := range Strings(d) {
		before[s.Path] = s.Value
	}
	var out []Rewrite
	for _, s := range Strings(filled) {
		if b, ok := before[s.Path]; ok && b != s.Value {
			out = append(out, Rewrite{Path: s.Path, Index: s.Index, State: s.State, Before: b, After: s.Value})
		}
	}
	return out
}
