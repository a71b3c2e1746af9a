package flowdiff

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"

	"github.com/studioflow/studioflow/flow"
)

// reservedPrefix starts the bookkeeping keys package flow/connect keeps in
// a definition's and its states' Extra (canvas metadata, which keys a
// document left out): none of them is semantic.
const reservedPrefix = "$studioflow."

// canon returns raw as compact JSON with the keys of every object sorted
// and numbers kept as written, so that formatting and key order never
// count. A value that is not JSON is returned as it is.
func canon(raw json.RawMessage) json.RawMessage {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return raw
	}
	return encode(v)
}

// encode writes v as compact JSON without HTML escaping; maps come out
// with sorted keys.
func encode(v any) json.RawMessage {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return json.RawMessage("null")
	}
	return bytes.TrimRight(buf.Bytes(), "\n")
}

// canonMap returns the canonical values of m, leaving out the keys skip
// reports.
func canonMap(m map[string]json.RawMessage, skip func(string) bool) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		if !skip(k) {
			out[k] = string(canon(v))
		}
	}
	return out
}

// diffMaps appends one change per key whose value differs between a and b
// (canonical JSON), keys sorted; mk fills in the change.
func diffMaps(out []Change, a, b map[string]string, mk func(key string, before, after json.RawMessage) Change) []Change {
	keys := make([]string, 0, len(a)+len(b))
	for k := range a {
		keys = append(keys, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		va, oka := a[k]
		vb, okb := b[k]
		if oka == okb && va == vb {
			continue
		}
		out = append(out, mk(k, raw(va, oka), raw(vb, okb)))
	}
	return out
}

// raw returns v as JSON, or nil when it is absent.
func raw(v string, ok bool) json.RawMessage {
	if !ok {
		return nil
	}
	return json.RawMessage(v)
}

// jsonString returns s as a JSON string.
func jsonString(s string) json.RawMessage { return encode(s) }

// stateSkip returns which properties and state keys of a definition's
// states are not semantic: Twilio's canvas offset (a property of every
// state, except in Connect, whose parameters are its own) and the
// bookkeeping keys of package flow/connect (canvas metadata among them).
func stateSkip(d *flow.Definition) (props, keys func(string) bool) {
	connect := d.Vendor == flow.VendorConnect
	props = func(k string) bool { return k == "offset" && !connect }
	keys = func(k string) bool { return strings.HasPrefix(k, reservedPrefix) }
	return props, keys
}

// topSkip reports the top-level keys that are not semantic: the
// bookkeeping keys of package flow/connect, and Connect's Metadata (the
// canvas: positions, names and annotations of the editor).
func topSkip(d *flow.Definition) func(string) bool {
	connect := d.Vendor == flow.VendorConnect
	return func(k string) bool {
		return strings.HasPrefix(k, reservedPrefix) || (connect && k == "Metadata")
	}
}

// guard returns the canonical JSON of what tells a transition apart
// beside its event and next: its conditions and the keys the library
// does not model (Connect's Condition). It is "" when there is none.
func guard(t *flow.Transition) string {
	m := map[string]any{}
	if t.Conditions != nil {
		conds := make([]map[string]any, len(t.Conditions))
		for i, c := range t.Conditions {
			cm := map[string]any{"friendly_name": c.FriendlyName, "type": c.Type, "value": c.Value}
			if c.Arguments != nil {
				cm["arguments"] = c.Arguments
			}
			for k, v := range c.Extra {
				cm[k] = canon(v)
			}
			conds[i] = cm
		}
		m["conditions"] = conds
	}
	for k, v := range t.Extra {
		m[k] = canon(v)
	}
	if len(m) == 0 {
		return ""
	}
	return string(encode(m))
}

// label names a transition among others of the same event: the friendly
// names of its conditions, Connect's condition, or its whole guard.
func label(t *flow.Transition) string {
	var names []string
	for _, c := range t.Conditions {
		if c.FriendlyName == "" {
			names = nil
			break
		}
		names = append(names, c.FriendlyName)
	}
	if len(names) > 0 {
		return strings.Join(names, " / ")
	}
	if c, ok := t.Extra["Condition"]; ok && len(t.Extra) == 1 && t.Conditions == nil {
		return string(canon(c))
	}
	return guard(t)
}
