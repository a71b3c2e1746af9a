package flow

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// Trigger events: the five entry points a trigger state may wire. Check
// reports any other event on a trigger state (CodeTriggerEventUnknown).
const (
	// EventIncomingCall starts an execution for an incoming voice call.
	EventIncomingCall = "incomingCall"
	// EventIncomingMessage starts an execution for an incoming message
	// (SMS and other messaging channels).
	EventIncomingMessage = "incomingMessage"
	// EventIncomingConversationMessage starts an execution for a message
	// in a Conversations conversation.
	EventIncomingConversationMessage = "incomingConversationMessage"
	// EventIncomingRequest starts an execution from the REST API.
	EventIncomingRequest = "incomingRequest"
	// EventIncomingParent starts an execution as the subflow of another
	// flow's run-subflow state.
	EventIncomingParent = "incomingParent"
)

// TriggerEvents returns the trigger events in Twilio's canvas order; the
// slice is the caller's.
func TriggerEvents() []string { return slices.Clone(triggerEvents) }

var triggerEvents = []string{
	EventIncomingMessage,
	EventIncomingCall,
	EventIncomingConversationMessage,
	EventIncomingRequest,
	EventIncomingParent,
}

// State types the flow package itself needs to know: the entry types and the
// one type whose `match` event may repeat. Package widgets knows them all.
const (
	// TypeTrigger is the entry state of a flow; its events are the
	// trigger events.
	TypeTrigger = "trigger"
	// TypeBeginModule is the entry state of a module.
	TypeBeginModule = "begin-module"
	// TypeSplitBasedOn branches on conditions: one `match` transition per
	// branch, tried in order, then `noMatch`.
	TypeSplitBasedOn = "split-based-on"
)

// Definition is one flow or module document: Twilio Studio's Flow JSON plus
// this library's module extensions.
//
// Every key the library does not model is kept in Extra (and in the Extra of
// each nested value) so that writing a definition back gives the same
// document in meaning.
type Definition struct {
	// Description is the flow's human-readable name.
	Description string
	// InitialState names the entry state: a trigger for flows, a
	// begin-module for modules.
	InitialState string
	// Flags holds the definition's flags object, such as
	// allow_concurrent_calls.
	Flags Flags
	// States lists the states in document order; problem paths index
	// into it. Parse never leaves it nil.
	States []State
	// ExposedVariables lists module variables hosts may read on an
	// execution (modules only).
	ExposedVariables []string
	// Extra holds top-level keys the library does not model, as compact JSON.
	Extra map[string]json.RawMessage
	// Vendor is whose rules the definition follows, when the host declares
	// it (a Talkdesk flow imported from a Talkdesk account, say; package
	// flow/connect sets it on what it reads). It is not part of a vendor's
	// document; the Flow JSON this library writes keeps it as "vendor",
	// so that a definition stored and read back follows the same rules.
	// Empty lets compat.Classify infer it.
	Vendor Vendor
}

// Vendor names a product whose flows the library runs: whose rules a
// definition follows.
type Vendor string

// The vendors.
const (
	// VendorTwilio: Twilio Studio. Its Flow JSON is the library's base
	// format.
	VendorTwilio Vendor = "twilio"
	// VendorTalkdesk: Talkdesk Studio, in this library's JSON for its
	// components.
	VendorTalkdesk Vendor = "talkdesk"
	// VendorConnect: Amazon Connect.
	VendorConnect Vendor = "connect"
)

// Flags are the definition's `flags` object.
type Flags struct {
	// AllowConcurrentCalls lets one caller id run several call executions at
	// once (Twilio's allow_concurrent_calls).
	AllowConcurrentCalls bool
	// Present records that the document had a flags object, so that a
	// definition without one is written back without one.
	Present bool
	// Extra holds flags the library does not model, as compact JSON.
	Extra map[string]json.RawMessage
}

// State is one widget instance of a definition.
type State struct {
	// Name identifies the state: transitions and initial_state refer to it
	// and templates read its outputs as widgets.NAME. It must be unique and
	// valid (see ValidStateName); Check reports it otherwise.
	Name string
	// Type is the widget type, such as "say-play".
	Type string
	// Transitions are the state's outgoing edges, one per event (several
	// `match` edges on a split-based-on), in document order. Parse never
	// leaves it nil.
	Transitions []Transition
	// Properties holds the widget's properties as compact JSON values,
	// decoded by the widget that runs the state. The canvas `offset` lives
	// here too and is never interpreted. Parse never leaves it nil; use
	// Property and SetProperty to read and write values.
	Properties map[string]json.RawMessage
	// Extra holds state keys the library does not model, as compact JSON.
	Extra map[string]json.RawMessage
}

// Transition is an edge taken when its state emits Event.
type Transition struct {
	// Event is the name of the event that takes this edge.
	Event string
	// Next names the state to go to; empty ends the branch.
	Next string
	// Conditions guard a split-based-on `match` edge; package widgets
	// evaluates them. Nil and empty are kept apart on round trip.
	Conditions []Condition
	// Extra holds transition keys the library does not model.
	Extra map[string]json.RawMessage
}

// Condition is one test of a split-based-on transition.
type Condition struct {
	// FriendlyName is the label shown on the canvas.
	FriendlyName string
	// Arguments are templates whose first rendering is the tested value.
	Arguments []string
	// Type is the comparison, such as "equal_to" or "regex".
	Type string
	// Value is the operand of the comparison. A bare JSON number or
	// boolean is read as its text ("5", "true") and written back as a
	// string.
	Value string
	// Extra holds condition keys the library does not model.
	Extra map[string]json.RawMessage
}

// State returns the state called name, or nil. With duplicate names it
// returns the first, as transitions resolve to it.
func (d *Definition) State(name string) *State {
	for i := range d.States {
		if d.States[i].Name == name {
			return &d.States[i]
		}
	}
	return nil
}

// StateIndex returns the index in States of the state called name (the
// first, with duplicates), or -1.
func (d *Definition) StateIndex(name string) int {
	for i := range d.States {
		if d.States[i].Name == name {
			return i
		}
	}
	return -1
}

// IsModule reports whether the definition is a module: its initial state is
// a begin-module.
func (d *Definition) IsModule() bool {
	s := d.State(d.InitialState)
	return s != nil && s.Type == TypeBeginModule
}

// WiredTriggerEvents returns the events of the initial state that lead
// somewhere (have a next), in document order. It returns nil when the
// initial state is missing or is not a trigger, as for a module.
func (d *Definition) WiredTriggerEvents() []string {
	s := d.State(d.InitialState)
	if s == nil || s.Type != TypeTrigger {
		return nil
	}
	var out []string
	for _, t := range s.Transitions {
		if t.Next != "" {
			out = append(out, t.Event)
		}
	}
	return out
}

// Transition returns the first transition of s for event, or nil.
func (s *State) Transition(event string) *Transition {
	for i := range s.Transitions {
		if s.Transitions[i].Event == event {
			return &s.Transitions[i]
		}
	}
	return nil
}

// Property decodes the property key into v with encoding/json. It reports
// false, with a nil error, when the property is absent or JSON null, leaving
// v as it was; it reports true and the decoding error when the value does
// not fit v.
func (s *State) Property(key string, v any) (bool, error) {
	raw, ok := s.Properties[key]
	if !ok || string(raw) == "null" {
		return false, nil
	}
	return true, json.Unmarshal(raw, v)
}

// SetProperty encodes v with encoding/json, without HTML escaping, and
// stores it as the property key, replacing any earlier value. It creates
// Properties if it is nil. When v cannot be encoded it returns the error
// and leaves the state unchanged.
func (s *State) SetProperty(key string, v any) error {
	raw, err := marshalCompact(v)
	if err != nil {
		return err
	}
	if s.Properties == nil {
		s.Properties = map[string]json.RawMessage{}
	}
	s.Properties[key] = raw
	return nil
}

// RenameState renames the state called from to to, and every reference to
// it: the transitions that lead to it and the initial state. It refuses a
// from that names no state and a to that another state has (ErrInvalid).
// Templates that read the old name (widgets.NAME) are not rewritten.
func (d *Definition) RenameState(from, to string) error {
	i := d.StateIndex(from)
	if i < 0 {
		return fmt.Errorf("flow: rename: no state %q: %w", from, ErrInvalid)
	}
	if to == "" || (to != from && d.StateIndex(to) >= 0) {
		return fmt.Errorf("flow: rename %q: the name %q is empty or taken: %w", from, to, ErrInvalid)
	}
	d.States[i].Name = to
	if d.InitialState == from {
		d.InitialState = to
	}
	for j := range d.States {
		for k := range d.States[j].Transitions {
			if t := &d.States[j].Transitions[k]; t.Next == from {
				t.Next = to
			}
		}
	}
	return nil
}

// Clone returns a deep copy of d, so that edits to the copy never reach d.
func (d *Definition) Clone() *Definition {
	out := *d
	out.Flags.Extra = cloneRaw(d.Flags.Extra)
	out.Extra = cloneRaw(d.Extra)
	out.ExposedVariables = cloneStrings(d.ExposedVariables)
	if d.States != nil {
		out.States = make([]State, len(d.States))
		for i, s := range d.States {
			c := s
			c.Properties = cloneRaw(s.Properties)
			c.Extra = cloneRaw(s.Extra)
			if s.Transitions != nil {
				c.Transitions = make([]Transition, len(s.Transitions))
			}
			for j, t := range s.Transitions {
				ct := t
				ct.Extra = cloneRaw(t.Extra)
				if t.Conditions != nil {
					ct.Conditions = make([]Condition, len(t.Conditions))
					for k, c := range t.Conditions {
						cc := c
						cc.Arguments = cloneStrings(c.Arguments)
						cc.Extra = cloneRaw(c.Extra)
						ct.Conditions[k] = cc
					}
				}
				c.Transitions[j] = ct
			}
			out.States[i] = c
		}
	}
	return &out
}

func cloneRaw(m map[string]json.RawMessage) map[string]json.RawMessage {
	if m == nil {
		return nil
	}
	out := make(map[string]json.RawMessage, len(m))
	for k, v := range m {
		out[k] = append(json.RawMessage(nil), v...)
	}
	return out
}

func cloneStrings(s []string) []string {
	if s == nil {
		return nil
	}
	return append([]string(nil), s...)
}

// ValidStateName reports whether name may name a state: it starts with an
// ASCII letter, is at most MaxStateNameBytes bytes long, and holds no
// space, tab, carriage return, newline or period, so that widgets.NAME
// works in templates. Digits, underscores and hyphens are allowed after the
// first character, as are other letters, marks and symbols. It also
// refuses what CodeStateNameUnsafe describes: any control character,
// invisible format or bidirectional-control character, line or paragraph
// separator, space other than U+0020 (such as the no-break space U+00A0 or
// the ideographic space U+3000), other invisible character (such as the
// Hangul filler U+3164, the combining grapheme joiner U+034F, a variation
// selector or the braille blank U+2800), and invalid UTF-8.
func ValidStateName(name string) bool {
	if name == "" || len(name) > MaxStateNameBytes {
		return false
	}
	c := name[0]
	if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
		return false
	}
	if strings.ContainsAny(name, " \t\r\n.") {
		return false
	}
	_, unsafe := findUnsafe(name)
	return !unsafe
}
