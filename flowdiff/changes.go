package flowdiff

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// Kind names what a Change is about. The values are part of the JSON
// schema and never change meaning.
type Kind string

// The kinds of change, in the order Diff lists them (see Changes).
const (
	// KindDescription: the definition's description (its name) changed.
	// Before and After are JSON strings.
	KindDescription Kind = "description-changed"
	// KindInitialState: the entry state is another one (beyond a rename).
	// Before and After are JSON strings, state names.
	KindInitialState Kind = "initial-state-changed"
	// KindFlag: one flag changed; Key names it (allow_concurrent_calls,
	// or a flag the library does not model).
	KindFlag Kind = "flag-changed"
	// KindDefinition: another top-level value changed; Key names it
	// (exposed_variables of a flow that is not a module, or a top-level
	// key the library does not model).
	KindDefinition Kind = "definition-changed"
	// KindStateAdded: a state was added; State and Type describe it.
	KindStateAdded Kind = "state-added"
	// KindStateRemoved: a state was removed; State and Type describe it.
	KindStateRemoved Kind = "state-removed"
	// KindStateRenamed: the state OldName is now called State. Its other
	// changes follow under the new name.
	KindStateRenamed Kind = "state-renamed"
	// KindType: the widget type of the state changed; Before and After
	// are JSON strings.
	KindType Kind = "type-changed"
	// KindProperty: one property of the state changed; Key names it.
	KindProperty Kind = "property-changed"
	// KindStateKey: a key of the state object the library does not model
	// (beside name, type, transitions and properties) changed; Key names
	// it.
	KindStateKey Kind = "state-key-changed"
	// KindTransitionAdded: the state has a new transition; After is where
	// it leads.
	KindTransitionAdded Kind = "transition-added"
	// KindTransitionRemoved: a transition of the state is gone; Before is
	// where it led.
	KindTransitionRemoved Kind = "transition-removed"
	// KindTransitionRewired: the transition now leads elsewhere: Before
	// and After are where it led and leads.
	KindTransitionRewired Kind = "transition-rewired"
	// KindTransitionChanged: the guard of a transition (its conditions, or
	// a key the library does not model, such as Connect's Condition)
	// changed; Before and After are the guard as JSON.
	KindTransitionChanged Kind = "transition-changed"
	// KindTransitionOrder: the transitions a state wires to one event
	// more than once (a split's match, Connect's Condition), which are
	// tried in order and the first that holds taken, are in another
	// order; Event names the event, and Before and After are JSON arrays
	// of their labels, in the old and in the new order (those kept in
	// both).
	KindTransitionOrder Kind = "transition-order-changed"
	// KindContract: one item of a module's contract was added, removed or
	// changed; Key is "argument", "exit", "output" or "exposed" and Name
	// the item's name. An argument's Before and After are its declaration
	// (name, type, variable, required, default); other items' are JSON
	// strings, their names.
	KindContract Kind = "contract-changed"
)

// Change is one semantic difference between two definitions.
//
// JSON schema (fields are omitted when empty):
//
//	{
//	  "kind":       Kind, always present,
//	  "state":      the state concerned, by its new name (by its old name
//	                for state-removed),
//	  "old_name":   state-renamed: the state's name before,
//	  "similarity": state-renamed: how alike the two states are, 0 to 1
//	                (1: the same content modulo renames),
//	  "type":       state-added, state-removed: the widget type,
//	  "key":        the property, flag, state or top-level key concerned;
//	                for contract-changed the item kind,
//	  "name":       contract-changed: the item's name,
//	  "event":      the transition's event,
//	  "label":      for an event a state wires more than once (match,
//	                Connect's Condition): what tells the transitions apart
//	                (the conditions' friendly names, or the condition),
//	  "before":     the value before, as compact JSON (absent: there was
//	                none); state names are JSON strings, "" ending the
//	                branch,
//	  "after":      the value after, likewise
//	}
type Change struct {
	Kind       Kind            `json:"kind"`
	State      string          `json:"state,omitempty"`
	OldName    string          `json:"old_name,omitempty"`
	Similarity float64         `json:"similarity,omitempty"`
	Type       string          `json:"type,omitempty"`
	Key        string          `json:"key,omitempty"`
	Name       string          `json:"name,omitempty"`
	Event      string          `json:"event,omitempty"`
	Label      string          `json:"label,omitempty"`
	Before     json.RawMessage `json:"before,omitempty"`
	After      json.RawMessage `json:"after,omitempty"`
}

// Break is one way the new version of a module would break a caller, as
// module.Breaks reports it.
type Break struct {
	// User is the caller: a name given with WithUsers, or AnyCaller.
	User string `json:"user"`
	// State is the caller's run-module step, if any.
	State string `json:"state,omitempty"`
	// Reason says what breaks.
	Reason string `json:"reason"`
}

// Verdict is the breaking-change verdict on a module's contract change.
type Verdict struct {
	// Breaking reports that some caller would break.
	Breaking bool `json:"breaking"`
	// Breaks lists each break, in the order module.Breaks finds them,
	// callers sorted by name.
	Breaks []Break `json:"breaks,omitempty"`
}

// Changes is the semantic diff of two definitions, as Diff returns it.
//
// List holds, in this order: the description, initial state, flag and
// other top-level changes; then, for each state of the new definition in
// document order, its changes (renamed or added, type, properties by
// key, state keys by key, transitions in the new state's order, the
// removed ones in the old state's order, then the order of repeated
// events); then the removed states, in
// the old definition's order; then the contract changes (arguments,
// exits, outputs, exposed variables; in each, the items added or changed
// in the new contract's order, then the removed ones in the old one's).
// The same two definitions always give the same list.
//
// JSON schema:
//
//	{ "changes": [Change...],       never null
//	  "contract": Verdict }         present when a module's contract changed
type Changes struct {
	// List holds the changes, in the order above.
	List []Change `json:"changes"`
	// Contract is the breaking-change verdict; nil unless the contract of
	// a module changed.
	Contract *Verdict `json:"contract,omitempty"`
}

// Empty reports whether the two definitions are the same in meaning.
func (c *Changes) Empty() bool { return len(c.List) == 0 && c.Contract == nil }

// Text returns the changes for people, one per line, each ending with a
// newline; it is empty when there is none. A line starts with "+" (added),
// "-" (removed), "~" (changed), ">" (renamed) or "!" (the verdict):
//
//	~ initial state: "Trigger" -> "Start"
//	+ state "x" (say-play)
//	- state "y"
//	> state "a" renamed to "b"
//	~ state "menu": type say-play -> send-message
//	~ state "menu": property say: "Hello" -> "Hi"
//	~ state "menu": transition keypress -> "b" (was "a")
//	+ state "menu": transition timeout -> "bye"
//	+ contract: exit "closed"
//	! contract: breaking: any caller, state "run": exit "open" is removed, and the step wires it
//
// Strings (templates among them) are quoted as Go quotes them, so that a
// line never breaks; other values are compact JSON; "(absent)" stands
// for a value that is not there, "end" for a transition that ends its
// branch.
func (c *Changes) Text() string {
	var b strings.Builder
	for _, ch := range c.List {
		b.WriteString(ch.line())
		b.WriteByte('\n')
	}
	if v := c.Contract; v != nil {
		if !v.Breaking {
			b.WriteString("! contract: compatible\n")
		}
		for _, br := range v.Breaks {
			fmt.Fprintf(&b, "! contract: breaking: %s\n", breakText(br))
		}
	}
	return b.String()
}

// String is Text.
func (c *Changes) String() string { return c.Text() }

func breakText(b Break) string {
	if b.State == "" {
		return b.User + ": " + b.Reason
	}
	return fmt.Sprintf("%s, state %s: %s", b.User, strconv.Quote(b.State), b.Reason)
}

// line renders one change.
func (ch Change) line() string {
	state := "state " + strconv.Quote(ch.State)
	tr := "transition " + ch.Event
	if ch.Label != "" {
		tr += " " + strconv.Quote(ch.Label)
	}
	switch ch.Kind {
	case KindDescription:
		return "~ description: " + show(ch.Before) + " -> " + show(ch.After)
	case KindInitialState:
		return "~ initial state: " + show(ch.Before) + " -> " + show(ch.After)
	case KindFlag:
		return "~ flag " + ch.Key + ": " + show(ch.Before) + " -> " + show(ch.After)
	case KindDefinition:
		return "~ " + ch.Key + ": " + show(ch.Before) + " -> " + show(ch.After)
	case KindStateAdded:
		return "+ " + state + " (" + ch.Type + ")"
	case KindStateRemoved:
		return "- " + state
	case KindStateRenamed:
		return "> state " + strconv.Quote(ch.OldName) + " renamed to " + strconv.Quote(ch.State)
	case KindType:
		return "~ " + state + ": type " + unquote(ch.Before) + " -> " + unquote(ch.After)
	case KindProperty:
		return "~ " + state + ": property " + ch.Key + ": " + show(ch.Before) + " -> " + show(ch.After)
	case KindStateKey:
		return "~ " + state + ": key " + ch.Key + ": " + show(ch.Before) + " -> " + show(ch.After)
	case KindTransitionAdded:
		return "+ " + state + ": " + tr + " -> " + target(ch.After)
	case KindTransitionRemoved:
		return "- " + state + ": " + tr + " -> " + target(ch.Before)
	case KindTransitionRewired:
		return "~ " + state + ": " + tr + " -> " + target(ch.After) + " (was " + target(ch.Before) + ")"
	case KindTransitionChanged:
		return "~ " + state + ": " + tr + ": guard " + show(ch.Before) + " -> " + show(ch.After)
	case KindTransitionOrder:
		return "~ " + state + ": order of " + ch.Event + ": " + show(ch.Before) + " -> " + show(ch.After)
	case KindContract:
		item := "contract: " + ch.Key + " " + strconv.Quote(ch.Name)
		switch {
		case ch.Before == nil:
			return "+ " + item
		case ch.After == nil:
			return "- " + item
		}
		return "~ " + item + ": " + show(ch.Before) + " -> " + show(ch.After)
	}
	return "? " + string(ch.Kind)
}

// show renders a JSON value: a string quoted as Go does, anything else
// as its compact JSON, nothing as (absent).
func show(v json.RawMessage) string {
	if v == nil {
		return "(absent)"
	}
	var s string
	if json.Unmarshal(v, &s) == nil {
		return strconv.Quote(s)
	}
	return string(v)
}

// unquote renders a JSON string bare.
func unquote(v json.RawMessage) string {
	var s string
	if json.Unmarshal(v, &s) == nil {
		return s
	}
	return show(v)
}

// target renders where a transition leads.
func target(v json.RawMessage) string {
	if unquote(v) == "" {
		return "end"
	}
	return show(v)
}
