// Package connect reads and writes Amazon Connect's flow language: a flow
// or flow module document ("Version": "2019-10-30", StartAction, Actions
// with Identifier, Type, Parameters and Transitions, Metadata for the
// canvas) becomes a flow.Definition the library checks, edits and runs,
// and the definition is written back as the document it was read from.
//
//	d, err := connect.Parse(data) // a bare document, or a resource description
//	d.States[0].SetProperty("Text", "Welcome to Acme.")
//	out, err := connect.Marshal(d) // the same shape: bare, or the resource with Content
//
// # Mapping
//
// A document maps onto a definition so that an edit through the flow
// package's API (rename a state, change a property, rewire a transition)
// is the edit a person would make in Connect:
//
//   - StartAction is the initial state; each action is a state named by
//     its Identifier, of its Type ("MessageParticipant", ...), with its
//     Parameters as the state's properties. Connect's references inside
//     them ($.Attributes.x, $.External.x ...) are kept as written: they are
//     resolved when the flow runs, with Connect's semantics, and never
//     translated.
//   - Transitions become the state's transitions: NextAction is the event
//     "NextAction"; each of Conditions is the event "Condition", its
//     condition kept as the transition's "Condition"; each of Errors is the
//     event of its ErrorType ("NoMatchingError", "InputTimeLimitExceeded",
//     ...). A transition without NextAction ends its branch.
//   - Metadata.ActionMetadata[Identifier] (the action's place on the
//     canvas) travels with its state, so a renamed state keeps its place;
//     the rest of Metadata (entries of identifiers that are no action
//     among them), Version and every key the library does not model are
//     kept where they were. References to an identifier inside other
//     actions' metadata (a canvas fragment's or group's members) are not
//     rewritten by a rename.
//   - Marshal writes any event other than NextAction and Condition as an
//     error of that ErrorType; it refuses a transition without an event, a
//     second NextAction, and a Condition without its condition.
//   - A resource description (Name, Type, Description, Tags and Content,
//     the document as a JSON string, at the top level or under ContactFlow
//     or ContactFlowModule, as Connect's DescribeContactFlow answers) is
//     kept around the document, and written back around it.
//
// Marshal writes the values it read as they were (numbers and strings
// keep their JSON text), with the keys of each object in a fixed order: a
// written document equals the one read when both are compared as JSON,
// Content parsed too.
package connect

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/studioflow/studioflow/flow"
	"github.com/studioflow/studioflow/internal/jsonutil"
)

// ErrInvalid is wrapped by the errors of documents that are not Connect
// flows: what and where (a JSON path such as #/Actions/3/Identifier).
var ErrInvalid = errors.New("connect: invalid document")

// Events of the transitions a document's Transitions become.
const (
	// EventNext is an action's NextAction.
	EventNext = "NextAction"
	// EventCondition is one of an action's Conditions; the transition
	// keeps the condition as its "Condition".
	EventCondition = flow.EventConnectCondition
)

// Keys this package keeps in a definition's and its states' Extra,
// beside the document's own unmodelled keys. They start with
// reservedPrefix, which Parse refuses in a document's own keys.
const (
	// reservedPrefix starts every bookkeeping key.
	reservedPrefix = "$studioflow."
	// keyResource (definition) holds the resource description around the
	// document: {"wrapper": "", "ContactFlow" or "ContactFlowModule",
	// "resource": the description without Content, "outer": the object
	// around the wrapper key, "actionMetadata": whether Metadata had it}.
	keyResource = reservedPrefix + "connect"
	// keyNoParameters and keyNoTransitions (state) record an action
	// without the key, so that none is written back.
	keyNoParameters  = reservedPrefix + "noParameters"
	keyNoTransitions = reservedPrefix + "noTransitions"
	// keyTransitions (state) holds the Transitions keys the library does
	// not model, empty Conditions and Errors among them.
	keyTransitions = reservedPrefix + "transitions"
	// keyTransitionsRaw (state) is Transitions when it is not an object
	// (null).
	keyTransitionsRaw = reservedPrefix + "transitionsRaw"
	// keyMetadata (state) is the action's Metadata.ActionMetadata entry.
	keyMetadata = reservedPrefix + "metadata"
)

// resource is what keyResource holds.
type resource struct {
	// Described says the document was a resource description's Content.
	Described      bool                       `json:"described,omitempty"`
	Wrapper        string                     `json:"wrapper,omitempty"`
	Resource       map[string]json.RawMessage `json:"resource,omitempty"`
	Outer          map[string]json.RawMessage `json:"outer,omitempty"`
	ActionMetadata bool                       `json:"actionMetadata,omitempty"`
}

// Detect reports whether data looks like a Connect document: a flow
// language document, or a resource description holding one.
func Detect(data []byte) bool {
	data, _ = jsonutil.TrimByteOrderMark(data)
	var top map[string]json.RawMessage
	if json.Unmarshal(data, &top) != nil {
		return false
	}
	if _, ok := top["Actions"]; ok {
		_, ok = top["StartAction"]
		return ok
	}
	for _, k := range []string{"ContactFlow", "ContactFlowModule"} {
		if inner, ok := top[k]; ok {
			var m map[string]json.RawMessage
			if json.Unmarshal(inner, &m) == nil {
				top = m
			}
		}
	}
	var content string
	if json.Unmarshal(top["Content"], &content) != nil {
		return false
	}
	var doc map[string]json.RawMessage
	if json.Unmarshal([]byte(content), &doc) != nil {
		return false
	}
	_, actions := doc["Actions"]
	_, start := doc["StartAction"]
	return actions && start
}

// Parse reads a Connect document: a bare flow language document, or a
// resource description holding one as Content (at the top level, or
// under ContactFlow or ContactFlowModule). The definition's Vendor is
// flow.VendorConnect, and its Description the resource's Name (read only:
// Marshal writes the resource as it was read). A key of the document that
// starts with "$studioflow." is refused: that is this package's own
// bookkeeping; so is a key of Flow JSON's own where Connect has none
// ("states" in the document, "name" in an action, "next" in a condition:
// a definition could not keep it), and a key written twice in one
// object, anywhere (which of the two Connect would take is not
// documented). What is malformed is an error wrapping ErrInvalid that
// says what and where. A UTF-8 byte order mark before the document is
// skipped, as flow.Parse skips it.
//
// Marshal writes the definition back as Connect's document. flow.Marshal
// writes it as Flow JSON (what a version catalog stores), which keeps the
// vendor and everything Marshal needs: read back with flow.Parse, the
// definition still runs as a Connect flow and still marshals to the same
// document.
func Parse(data []byte) (*flow.Definition, error) {
	if len(data) > flow.DefaultMaxReadBytes {
		return nil, invalid("#", fmt.Sprintf("%d bytes, more than the %d a definition may be", len(data), flow.DefaultMaxReadBytes))
	}
	data, _ = jsonutil.TrimByteOrderMark(data)
	var top map[string]json.RawMessage
	if err := decode(data, &top, "#"); err != nil {
		return nil, err
	}
	if err := refuseRepeatedKeys(data, "#"); err != nil {
		return nil, err
	}
	if _, bare := top["Actions"]; bare {
		return parseDocument(data, "#", resource{})
	}
	res := resource{Described: true, Resource: top}
	prefix := "#"
	for _, k := range []string{"ContactFlow", "ContactFlowModule"} {
		raw, ok := top[k]
		if !ok {
			continue
		}
		var inner map[string]json.RawMessage
		if err := decode(raw, &inner, "#/"+k); err != nil {
			return nil, err
		}
		res = resource{Described: true, Wrapper: k, Resource: inner, Outer: without(top, k)}
		prefix = "#/" + k
		break
	}
	raw, ok := res.Resource["Content"]
	if !ok {
		return nil, invalid(prefix, "neither Actions (a flow language document) nor Content (a resource description)")
	}
	var content string
	if err := json.Unmarshal(raw, &content); err != nil {
		return nil, invalid(prefix+"/Content", "not a string holding the flow language document")
	}
	res.Resource = without(res.Resource, "Content")
	d, err := parseDocument([]byte(content), prefix+"/Content", res)
	if err != nil {
		return nil, err
	}
	// After parseDocument, which says where the content is not JSON.
	if err := refuseRepeatedKeys([]byte(content), prefix+"/Content"); err != nil {
		return nil, err
	}
	var name string
	if json.Unmarshal(res.Resource["Name"], &name) == nil {
		d.Description = name
	}
	return d, nil
}

// parseDocument reads a flow language document; path locates it in what
// was read (inside Content, it is that string's path).
func parseDocument(data []byte, path string, res resource) (*flow.Definition, error) {
	var doc map[string]json.RawMessage
	if err := decode(data, &doc, path); err != nil {
		return nil, err
	}
	d := &flow.Definition{Vendor: flow.VendorConnect, States: []flow.State{}, Extra: map[string]json.RawMessage{}}
	if err := str(doc, "StartAction", path, &d.InitialState); err != nil {
		return nil, err
	}
	var actions []json.RawMessage
	if err := decode(doc["Actions"], &actions, path+"/Actions"); err != nil {
		return nil, err
	}
	if actions == nil {
		return nil, invalid(path+"/Actions", "not an array of actions")
	}
	if err := reserved(doc, path, documentKeysTaken); err != nil {
		return nil, err
	}
	var actionMetadata map[string]json.RawMessage
	var meta map[string]json.RawMessage
	for k, v := range doc {
		switch k {
		case "StartAction", "Actions":
		case "Metadata":
			d.Extra[k] = v
			if json.Unmarshal(v, &meta) != nil || meta == nil {
				continue // not an object: kept as it is
			}
			if am, ok := meta["ActionMetadata"]; ok && json.Unmarshal(am, &actionMetadata) == nil && actionMetadata != nil {
				res.ActionMetadata = true
			}
		default:
			d.Extra[k] = v
		}
	}
	for i, raw := range actions {
		s, err := parseAction(raw, fmt.Sprintf("%s/Actions/%d", path, i))
		if err != nil {
			return nil, err
		}
		if m, ok := actionMetadata[s.Name]; ok {
			s.Extra[keyMetadata] = m
			delete(actionMetadata, s.Name) // the state carries it
		}
		d.States = append(d.States, s)
	}
	if res.ActionMetadata {
		// What is left are entries no action has: kept where they were.
		meta["ActionMetadata"] = marshal(actionMetadata)
		d.Extra["Metadata"] = marshal(meta)
	}
	if res.Described || res.ActionMetadata {
		d.Extra[keyResource] = marshal(res)
	}
	return d, nil
}

// parseAction reads one action into a state.
func parseAction(raw json.RawMessage, path string) (flow.State, error) {
	var a map[string]json.RawMessage
	s := flow.State{Transitions: []flow.Transition{}, Properties: map[string]json.RawMessage{}, Extra: map[string]json.RawMessage{}}
	if err := decode(raw, &a, path); err != nil {
		return s, err
	}
	if a == nil {
		return s, invalid(path, "not an action object")
	}
	if err := reserved(a, path, actionKeysTaken); err != nil {
		return s, err
	}
	if err := str(a, "Identifier", path, &s.Name); err != nil {
		return s, err
	}
	if err := str(a, "Type", path, &s.Type); err != nil {
		return s, err
	}
	for k, v := range a {
		switch k {
		case "Identifier", "Type":
		case "Parameters":
			var params map[string]json.RawMessage
			if json.Unmarshal(v, &params) != nil || params == nil {
				s.Extra[k] = v // null, or not an object: kept as it is
				continue
			}
			s.Properties = params
		case "Transitions":
			if err := parseTransitions(&s, v, path+"/Transitions"); err != nil {
				return s, err
			}
		default:
			s.Extra[k] = v
		}
	}
	if _, ok := a["Parameters"]; !ok {
		s.Extra[keyNoParameters] = json.RawMessage("true")
	}
	if _, ok := a["Transitions"]; !ok {
		s.Extra[keyNoTransitions] = json.RawMessage("true")
	}
	return s, nil
}

// parseTransitions reads an action's Transitions into s's transitions:
// NextAction, then Conditions, then Errors.
func parseTransitions(s *flow.State, raw json.RawMessage, path string) error {
	var t map[string]json.RawMessage
	if err := decode(raw, &t, path); err != nil {
		return err
	}
	if t == nil {
		s.Extra[keyTransitionsRaw] = raw // null: kept as it is
		return nil
	}
	if err := reserved(t, path, nil); err != nil {
		return err
	}
	rest := map[string]json.RawMessage{}
	for k, v := range t {
		if k != "NextAction" && k != "Conditions" && k != "Errors" {
			rest[k] = v
		}
	}
	if v, ok := t["NextAction"]; ok {
		tr := flow.Transition{Event: EventNext}
		if err := readNext(&tr, v, path+"/NextAction"); err != nil {
			return err
		}
		s.Transitions = append(s.Transitions, tr)
	}
	for _, list := range []struct{ key, event string }{{"Conditions", EventCondition}, {"Errors", ""}} {
		v, ok := t[list.key]
		if !ok {
			continue
		}
		var items []json.RawMessage
		if err := decode(v, &items, path+"/"+list.key); err != nil {
			return err
		}
		if len(items) == 0 {
			rest[list.key] = v // [] or null: kept as it is
			continue
		}
		for i, raw := range items {
			at := fmt.Sprintf("%s/%s/%d", path, list.key, i)
			var item map[string]json.RawMessage
			if err := decode(raw, &item, at); err != nil {
				return err
			}
			if item == nil {
				return invalid(at, "not an object")
			}
			if err := reserved(item, at, transitionKeysTaken); err != nil {
				return err
			}
			tr := flow.Transition{Event: list.event, Extra: map[string]json.RawMessage{}}
			for k, v := range item {
				switch {
				case k == "NextAction":
					if err := readNext(&tr, v, at+"/NextAction"); err != nil {
						return err
					}
				case k == "ErrorType" && list.key == "Errors":
					if json.Unmarshal(v, &tr.Event) != nil || tr.Event == "" {
						return invalid(at+"/ErrorType", "not an error type")
					}
					if tr.Event == EventNext || tr.Event == EventCondition {
						return invalid(at+"/ErrorType", fmt.Sprintf("%q is not an error type (it names a transition of another kind here)", tr.Event))
					}
				default:
					tr.Extra[k] = v
				}
			}
			if tr.Event == "" {
				return invalid(at, "an error without ErrorType")
			}
			if _, ok := tr.Extra["Condition"]; tr.Event == EventCondition && !ok {
				return invalid(at, "a condition without its Condition")
			}
			if len(tr.Extra) == 0 {
				tr.Extra = nil
			}
			s.Transitions = append(s.Transitions, tr)
		}
	}
	if len(rest) > 0 {
		s.Extra[keyTransitions] = marshal(rest)
	}
	return nil
}

// Marshal writes d as the Connect document it was read from: bare, or
// the resource description around it, with Content the document as a
// string. A definition that Parse did not make is written as a bare
// document. The values are written as they were read.
func Marshal(d *flow.Definition) ([]byte, error) {
	if err := writable(d); err != nil {
		return nil, err
	}
	var res resource
	if raw, ok := d.Extra[keyResource]; ok {
		if err := json.Unmarshal(raw, &res); err != nil {
			return nil, fmt.Errorf("connect: the definition's %s: %w", keyResource, err)
		}
	}
	doc, err := writeDocument(d, res)
	if err != nil {
		return nil, err
	}
	if !res.Described {
		return doc, nil
	}
	inner := cloneMap(res.Resource)
	inner["Content"] = marshal(string(doc))
	if res.Wrapper == "" {
		return writeObject(inner, resourceOrder), nil
	}
	outer := cloneMap(res.Outer)
	outer[res.Wrapper] = writeObject(inner, resourceOrder)
	return writeObject(outer, nil), nil
}

// The orders Marshal writes keys in, as Connect writes them; other keys
// follow, sorted.
var (
	documentOrder    = []string{"Version", "StartAction", "Metadata", "Actions"}
	actionOrder      = []string{"Parameters", "Identifier", "Type", "Transitions"}
	transitionsOrder = []string{"NextAction", "Conditions", "Errors"}
	resourceOrder    = []string{"Arn", "Id", "Name", "Type", "State", "Status", "Description", "Content", "Tags"}
)

func writeDocument(d *flow.Definition, res resource) ([]byte, error) {
	doc := map[string]json.RawMessage{}
	for k, v := range d.Extra {
		if k != keyResource {
			doc[k] = v
		}
	}
	doc["StartAction"] = marshal(d.InitialState)
	if res.ActionMetadata {
		meta := map[string]json.RawMessage{}
		if raw, ok := doc["Metadata"]; ok {
			if err := json.Unmarshal(raw, &meta); err != nil || meta == nil {
				return nil, fmt.Errorf("connect: the definition's Metadata is not an object")
			}
		}
		am := map[string]json.RawMessage{}
		if raw, ok := meta["ActionMetadata"]; ok {
			_ = json.Unmarshal(raw, &am) // entries no action has, kept as read
			if am == nil {
				am = map[string]json.RawMessage{}
			}
		}
		for i := range d.States {
			if m, ok := d.States[i].Extra[keyMetadata]; ok {
				am[d.States[i].Name] = m
			}
		}
		meta["ActionMetadata"] = writeObject(am, nil)
		doc["Metadata"] = writeObject(meta, nil)
	}
	var actions bytes.Buffer
	actions.WriteByte('[')
	for i := range d.States {
		if i > 0 {
			actions.WriteByte(',')
		}
		a, err := writeAction(&d.States[i])
		if err != nil {
			return nil, err
		}
		actions.Write(a)
	}
	actions.WriteByte(']')
	doc["Actions"] = actions.Bytes()
	return writeObject(doc, documentOrder), nil
}

func writeAction(s *flow.State) ([]byte, error) {
	a := map[string]json.RawMessage{}
	for k, v := range s.Extra {
		switch k {
		case keyNoParameters, keyNoTransitions, keyTransitions, keyTransitionsRaw, keyMetadata:
		default:
			a[k] = v
		}
	}
	a["Identifier"] = marshal(s.Name)
	a["Type"] = marshal(s.Type)
	if _, kept := a["Parameters"]; len(s.Properties) > 0 || !kept && s.Extra[keyNoParameters] == nil {
		a["Parameters"] = writeObject(s.Properties, nil)
	}
	t, err := writeTransitions(s)
	if err != nil {
		return nil, err
	}
	if t != nil {
		a["Transitions"] = t
	}
	return writeObject(a, actionOrder), nil
}

// writeTransitions writes s's transitions as Connect's Transitions, nil
// when the action had none and has none.
func writeTransitions(s *flow.State) (json.RawMessage, error) {
	if raw, ok := s.Extra[keyTransitionsRaw]; ok && len(s.Transitions) == 0 {
		return raw, nil
	}
	t := map[string]json.RawMessage{}
	if raw, ok := s.Extra[keyTransitions]; ok {
		if err := json.Unmarshal(raw, &t); err != nil {
			return nil, fmt.Errorf("connect: state %q: its %s: %w", s.Name, keyTransitions, err)
		}
	}
	var conditions, errs [][]byte
	for _, tr := range s.Transitions {
		item := cloneMap(tr.Extra)
		if tr.Next != "" {
			item["NextAction"] = marshal(tr.Next)
		}
		switch tr.Event {
		case EventNext:
			if raw, ok := item["NextAction"]; ok {
				t["NextAction"] = raw
			}
		case EventCondition:
			conditions = append(conditions, writeObject(item, []string{"NextAction", "Condition"}))
		default:
			item["ErrorType"] = marshal(tr.Event)
			errs = append(errs, writeObject(item, []string{"NextAction", "ErrorType"}))
		}
	}
	for _, list := range []struct {
		key   string
		items [][]byte
	}{{"Conditions", conditions}, {"Errors", errs}} {
		if len(list.items) > 0 {
			t[list.key] = append(append([]byte{'['}, bytes.Join(list.items, []byte{','})...), ']')
		}
	}
	if len(t) == 0 && s.Extra[keyNoTransitions] != nil {
		return nil, nil
	}
	return writeObject(t, transitionsOrder), nil
}

// writable checks that d can be written as a Connect document: its raw
// values are JSON, and each state's transitions are ones Connect has (at
// most one NextAction, which keeps nothing else; a Condition with its
// condition; any other event is an error of that ErrorType).
func writable(d *flow.Definition) error {
	bad := func(where string, raw json.RawMessage) error {
		return fmt.Errorf("connect: %s is not JSON: %w", where, ErrInvalid)
	}
	for k, v := range d.Extra {
		if !json.Valid(v) {
			return bad("the definition's "+k, v)
		}
	}
	for i := range d.States {
		s := &d.States[i]
		for _, m := range []map[string]json.RawMessage{s.Properties, s.Extra} {
			for k, v := range m {
				if !json.Valid(v) {
					return bad(fmt.Sprintf("state %q's %s", s.Name, k), v)
				}
			}
		}
		next := 0
		for j, tr := range s.Transitions {
			at := fmt.Sprintf("connect: state %q, transition %d", s.Name, j)
			for k, v := range tr.Extra {
				if !json.Valid(v) {
					return bad(fmt.Sprintf("state %q, transition %d's %s", s.Name, j, k), v)
				}
			}
			switch tr.Event {
			case "":
				return fmt.Errorf("%s: no event: %w", at, ErrInvalid)
			case EventNext:
				if next++; next > 1 {
					return fmt.Errorf("%s: a second NextAction: %w", at, ErrInvalid)
				}
				for k := range tr.Extra {
					if k != "NextAction" {
						return fmt.Errorf("%s: a NextAction keeps no %q: %w", at, k, ErrInvalid)
					}
				}
			case EventCondition:
				if _, ok := tr.Extra["Condition"]; !ok {
					return fmt.Errorf("%s: a Condition without its condition: %w", at, ErrInvalid)
				}
			}
		}
	}
	return nil
}

// writeObject writes m's entries as a JSON object: the keys of order
// first, in that order, then the others sorted.
func writeObject(m map[string]json.RawMessage, order []string) []byte {
	keys := make([]string, 0, len(m))
	for k := range m {
		if !slices.Contains(order, k) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var b bytes.Buffer
	b.WriteByte('{')
	first := true
	for _, k := range append(slices.Clone(order), keys...) {
		v, ok := m[k]
		if !ok {
			continue
		}
		if !first {
			b.WriteByte(',')
		}
		first = false
		b.Write(marshal(k))
		b.WriteByte(':')
		if json.Compact(&b, v) != nil {
			b.Write(v) // not JSON: written as it is, for the reader to refuse
		}
	}
	b.WriteByte('}')
	return b.Bytes()
}

// readNext reads a NextAction into tr: an identifier, or (an empty one,
// null) kept as written on the transition, which then ends its branch.
func readNext(tr *flow.Transition, v json.RawMessage, path string) error {
	var next *string
	if json.Unmarshal(v, &next) != nil {
		return invalid(path, "not an action identifier")
	}
	if next != nil && *next != "" {
		tr.Next = *next
		return nil
	}
	if tr.Extra == nil {
		tr.Extra = map[string]json.RawMessage{}
	}
	tr.Extra["NextAction"] = v
	return nil
}

// reserved refuses a document's key that starts with reservedPrefix:
// this package's bookkeeping would read it as its own.
func reserved(m map[string]json.RawMessage, path string, taken []string) error {
	for _, k := range slices.Sorted(maps.Keys(m)) { // the same error every time
		if strings.HasPrefix(k, reservedPrefix) {
			return invalid(path+"/"+jsonutil.PointerEscape(k), "a key starting with "+reservedPrefix+" is reserved")
		}
		if slices.Contains(taken, k) {
			return invalid(path+"/"+jsonutil.PointerEscape(k), "not a key of Connect's flow language, and one Flow JSON gives a meaning of its own: a definition cannot keep it")
		}
	}
	return nil
}

// Keys a document, an action and a condition or error may not have beside
// Connect's own: Flow JSON's keys for a definition, a state and a
// transition, which flow.Marshal writes from the definition's fields, so
// the definition could not keep them in its Extra, and a version
// catalog's copy (flow.Marshal, then flow.Parse) would lose them.
var (
	documentKeysTaken   = []string{"description", "states", "initial_state", "flags", "exposed_variables", "vendor"}
	actionKeysTaken     = []string{"name", "type", "transitions", "properties"}
	transitionKeysTaken = []string{"next", "event", "conditions"}
)

// decode is json.Unmarshal into v, an error wrapping ErrInvalid naming
// path when data does not decode.
func decode(data []byte, v any, path string) error {
	if err := json.Unmarshal(data, v); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return invalid(path, fmt.Sprintf("malformed JSON at byte %d: %v", se.Offset, err))
		}
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return invalid(path, fmt.Sprintf("a JSON %s where another kind of value belongs", te.Value))
		}
		return invalid(path, "not the value expected")
	}
	return nil
}

// str reads m[key] as a non-empty string.
func str(m map[string]json.RawMessage, key, path string, dst *string) error {
	raw, ok := m[key]
	if !ok {
		return invalid(path+"/"+key, "missing")
	}
	if json.Unmarshal(raw, dst) != nil || *dst == "" {
		return invalid(path+"/"+key, "not a non-empty string")
	}
	return nil
}

func invalid(path, msg string) error {
	return fmt.Errorf("%w: %s: %s", ErrInvalid, path, msg)
}

// marshal is json.Marshal of values that always encode (strings, maps of
// raw JSON, resource), without HTML escaping.
func marshal(v any) json.RawMessage {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic(fmt.Sprintf("connect: encode %T: %v", v, err))
	}
	return bytes.TrimRight(b.Bytes(), "\n")
}

func without(m map[string]json.RawMessage, key string) map[string]json.RawMessage {
	out := cloneMap(m)
	delete(out, key)
	return out
}

func cloneMap(m map[string]json.RawMessage) map[string]json.RawMessage {
	out := make(map[string]json.RawMessage, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// DocumentPath turns the path of a problem flow.Check found in d (such as
// "#/states/3/transitions/1/next"), or of a string package deploy found
// (one under a key this package keeps in an Extra map, such as
// "#/states/3/$studioflow.metadata/audio/0/id"), into the path of the
// same place in the Connect document d was read from
// ("#/Actions/3/Transitions/Conditions/0/NextAction",
// "#/Metadata/ActionMetadata/ID/audio/0/id"; under "#/Content" or
// "#/ContactFlow/Content" for a resource description, whose own keys are
// "#/Name" or "#/ContactFlow/Name"). A path it does not know is returned
// as it is.
func DocumentPath(d *flow.Definition, path string) string {
	prefix, wrapper, described := "#", "", false
	if raw, ok := d.Extra[keyResource]; ok {
		var res resource
		if json.Unmarshal(raw, &res) == nil && res.Described {
			prefix, described = "#/Content", true
			if res.Wrapper != "" {
				wrapper = "/" + res.Wrapper
				prefix = "#" + wrapper + "/Content"
			}
		}
	}
	rest, ok := strings.CutPrefix(path, "#")
	if !ok {
		return path
	}
	switch {
	case rest == "/initial_state":
		return prefix + "/StartAction"
	case rest == "/description" && described:
		return "#" + wrapper + "/Name"
	}
	parts := strings.Split(strings.TrimPrefix(rest, "/"), "/")
	if len(parts) >= 2 && parts[0] == keyResource {
		// The resource description around the document.
		switch parts[1] {
		case "resource":
			return "#" + wrapper + joinPath(parts[2:])
		case "outer":
			return "#" + joinPath(parts[2:])
		}
		return path
	}
	if k := jsonutil.PointerUnescape(parts[0]); !slices.Contains(documentKeysTaken, k) && !strings.HasPrefix(k, reservedPrefix) && d.Extra[k] != nil {
		// One of the document's own keys (Version, Metadata ...).
		return prefix + rest
	}
	if len(parts) < 2 || parts[0] != "states" {
		return path
	}
	i, err := strconv.Atoi(parts[1])
	if err != nil || i < 0 || i >= len(d.States) {
		return path
	}
	out := fmt.Sprintf("%s/Actions/%d", prefix, i)
	if len(parts) == 2 {
		return out
	}
	switch parts[2] {
	case "name":
		return out + "/Identifier"
	case "type":
		return out + "/Type"
	case "properties":
		return out + "/Parameters" + joinPath(parts[3:])
	case keyMetadata:
		return prefix + "/Metadata/ActionMetadata/" + jsonutil.PointerEscape(d.States[i].Name) + joinPath(parts[3:])
	case keyTransitions:
		return out + "/Transitions" + joinPath(parts[3:])
	case "transitions":
		if len(parts) < 4 {
			return out + "/Transitions"
		}
		j, err := strconv.Atoi(parts[3])
		s := &d.States[i]
		if err != nil || j < 0 || j >= len(s.Transitions) {
			return path
		}
		field := ""
		if len(parts) > 4 {
			field = parts[4]
		}
		ev := s.Transitions[j].Event
		if ev == EventNext {
			return out + "/Transitions/NextAction"
		}
		list, k := "Errors", 0
		for _, t := range s.Transitions[:j] {
			if (t.Event == EventCondition) == (ev == EventCondition) && t.Event != EventNext {
				k++
			}
		}
		if ev == EventCondition {
			list = "Conditions"
		}
		out = fmt.Sprintf("%s/Transitions/%s/%d", out, list, k)
		switch field {
		case "next":
			return out + "/NextAction"
		case "event":
			if list == "Errors" {
				return out + "/ErrorType"
			}
		}
		return out
	}
	if k := jsonutil.PointerUnescape(parts[2]); !strings.HasPrefix(k, reservedPrefix) && d.States[i].Extra[k] != nil {
		// One of the action's own keys the library does not model.
		return out + "/" + strings.Join(parts[2:], "/")
	}
	return path
}

// joinPath is parts as the rest of a JSON pointer: "/a/b", or "" for none.
func joinPath(parts []string) string {
	if len(parts) == 0 {
		return ""
	}
	return "/" + strings.Join(parts, "/")
}

// Flow types: the Type of a flow's resource description (Connect's
// ContactFlowType).
const (
	TypeContactFlow     = "CONTACT_FLOW" // an inbound flow
	TypeCustomerQueue   = "CUSTOMER_QUEUE"
	TypeCustomerHold    = "CUSTOMER_HOLD"
	TypeCustomerWhisper = "CUSTOMER_WHISPER"
	TypeAgentHold       = "AGENT_HOLD"
	TypeAgentWhisper    = "AGENT_WHISPER"
	TypeOutboundWhisper = "OUTBOUND_WHISPER"
	TypeAgentTransfer   = "AGENT_TRANSFER"
	TypeQueueTransfer   = "QUEUE_TRANSFER"
	TypeCampaign        = "CAMPAIGN"
)

// FlowType returns the flow type d's resource description names (its
// Type, such as CUSTOMER_QUEUE). A flow read without one (a bare
// document) is an inbound flow, TypeContactFlow, as the flow language's
// own documents are unless they say otherwise; a module has no flow type
// and gives "".
func FlowType(d *flow.Definition) string {
	if IsModule(d) {
		return ""
	}
	var res resource
	if raw, ok := d.Extra[keyResource]; ok && json.Unmarshal(raw, &res) == nil {
		var t string
		if json.Unmarshal(res.Resource["Type"], &t) == nil && t != "" {
			return t
		}
	}
	return TypeContactFlow
}

// IsModule reports whether d is a flow module: read from a
// ContactFlowModule description; else, unless its description names a
// flow type, a document with a module's Settings or an
// EndFlowModuleExecution action (Connect's modules return through it).
func IsModule(d *flow.Definition) bool {
	var res resource
	if raw, ok := d.Extra[keyResource]; ok && json.Unmarshal(raw, &res) == nil {
		if res.Wrapper == "ContactFlowModule" {
			return true
		}
		var t string
		if json.Unmarshal(res.Resource["Type"], &t) == nil && t != "" {
			return false
		}
	}
	if _, ok := d.Extra["Settings"]; ok {
		return true
	}
	for i := range d.States {
		if d.States[i].Type == "EndFlowModuleExecution" {
			return true
		}
	}
	return false
}

// References returns the keys under which a host may hold the flow or
// module that ref (a ContactFlowId or FlowModuleId as the flow resolved
// it) names, most exact first: ref itself; for an ARN
// (arn:aws:connect:REGION:ACCOUNT:instance/INSTANCE/contact-flow/ID), its
// last part, the id; and for a deployment placeholder standing for it
// (${F:name:F}, as pipelines write them), the name inside.
func References(ref string) []string {
	out := []string{ref}
	add := func(s string) {
		if s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	last := ref
	if strings.HasPrefix(ref, "arn:") {
		// The id ends the ARN, after a "/" (flows, modules, queues) or a
		// ":" (function:NAME), unless a placeholder stands for it.
		if i := strings.LastIndex(ref, "${"); i >= 0 && strings.HasSuffix(ref, "}") {
			last = ref[i:]
		} else if i := strings.LastIndexAny(ref, "/:"); i >= 0 {
			last = ref[i+1:]
		}
		add(last)
	}
	if strings.HasPrefix(last, "${") && strings.HasSuffix(last, "}") {
		inner := strings.Split(strings.TrimSuffix(strings.TrimPrefix(last, "${"), "}"), ":")
		if len(inner) == 3 && inner[0] == inner[2] {
			add(inner[1])
		} else if len(inner) == 1 {
			add(inner[0])
		}
	}
	return out
}
