package flow

import (
	"fmt"
	"slices"
)

// Default size bounds of Check.
const (
	// DefaultMaxStates is Twilio's documented cap of widgets per flow.
	DefaultMaxStates = 2000
	// DefaultMaxBytes bounds the size of one document written as compact
	// JSON (Marshal).
	DefaultMaxBytes = 4 << 20
)

// Checker adds checks to Check. Packages above flow (widgets, compat,
// module) provide Checkers so that one call reports every problem.
//
// A Checker must not assume the structure is sound: it runs even when the
// structural checks found errors, and must skip what it cannot follow
// (a dangling next, a missing initial state) rather than panic.
type Checker interface {
	// Check returns the problems it finds in d, or nil if there are none.
	// The package-level Check appends them after the structural problems.
	Check(d *Definition) Problems
}

// CheckerFunc adapts a function to Checker.
type CheckerFunc func(d *Definition) Problems

// Check calls f(d).
func (f CheckerFunc) Check(d *Definition) Problems { return f(d) }

// Limits are the size bounds Check enforces. Zero fields take the defaults;
// a negative field disables that bound.
type Limits struct {
	// MaxStates bounds len(Definition.States); default DefaultMaxStates.
	MaxStates int
	// MaxBytes bounds the length of Marshal's output; default
	// DefaultMaxBytes.
	MaxBytes int
}

// CheckOption configures Check; see WithLimits and WithCheckers.
type CheckOption func(*checkConfig)

type checkConfig struct {
	limits   Limits
	checkers []Checker
}

// WithLimits sets the size bounds, replacing those of an earlier
// WithLimits.
func WithLimits(l Limits) CheckOption { return func(c *checkConfig) { c.limits = l } }

// WithCheckers adds checkers that run after the structural checks, in the
// order added; several WithCheckers options add up.
func WithCheckers(cs ...Checker) CheckOption {
	return func(c *checkConfig) { c.checkers = append(c.checkers, cs...) }
}

// Check runs the structural checks and then every added Checker, and returns
// all problems at once: errors and warnings, each with a JSON path.
//
// Structural checks: the initial state exists and is an entry type (trigger
// for flows, begin-module for modules); state names are valid, at most
// MaxStateNameBytes long, hold no control, invisible, bidirectional-control
// or non-ASCII space character, and are unique even after Unicode NFC
// normalization;
// every next names an existing state; no event repeats on a state (except
// match on split-based-on); trigger events are among the five known ones;
// every state is reachable from the entry (a warning otherwise); and the
// size bounds hold. The codes are the Code constants.
//
// A Connect definition (Vendor VendorConnect, see package flow/connect)
// follows Connect's rules instead where they differ: its entry may be any
// action, its state names are opaque identifiers (only length and safety
// are checked), and EventConnectCondition may repeat. Its size is
// measured as Twilio's JSON, not as Connect's document.
//
// Check itself does not modify d.
func Check(d *Definition, opts ...CheckOption) Problems {
	cfg := checkConfig{}
	for _, o := range opts {
		o(&cfg)
	}
	ps := structural(d, cfg.limits)
	for _, c := range cfg.checkers {
		ps = append(ps, c.Check(d)...)
	}
	return ps
}

// structural runs the structural checks of Check as a series of passes.
// Problems come out in the order of the passes, and within a pass in the
// order of the states (and of their transitions).
func structural(d *Definition, limits Limits) Problems {
	c := newStructureCheck(d)
	c.checkStateCount(limits.MaxStates)
	c.checkByteSize(limits.MaxBytes)
	c.checkStates() // fills the index the passes below read
	c.checkInitialState()
	c.checkTransitions()
	c.checkReachability()
	return c.problems
}

// structureCheck is what the structural passes share: the definition, the
// index of its state names and the problems found so far.
type structureCheck struct {
	d *Definition
	// index resolves a name to the first state that holds it, exactly, as
	// transitions and the runtime do.
	index map[string]int
	// same maps the NFC form of a name (sameNameKey) to the first state
	// whose name has that form, to find names that are equal once
	// normalized.
	same     map[string]int
	problems Problems
}

func newStructureCheck(d *Definition) *structureCheck {
	return &structureCheck{
		d:     d,
		index: make(map[string]int, len(d.States)),
		same:  make(map[string]int, len(d.States)),
	}
}

// add records a problem.
func (c *structureCheck) add(path, state, code, msg string, sev Severity) {
	c.problems = append(c.problems, Problem{Path: path, State: state, Code: code, Message: msg, Severity: sev})
}

// orDefault returns limit, or def when limit is zero (unset).
func orDefault(limit, def int) int {
	if limit == 0 {
		return def
	}
	return limit
}

// checkStateCount checks that the definition has at most limit states
// (DefaultMaxStates when limit is zero; no bound when it is negative).
func (c *structureCheck) checkStateCount(limit int) {
	limit = orDefault(limit, DefaultMaxStates)
	if limit > 0 && len(c.d.States) > limit {
		c.add("#/states", "", CodeTooManyStates,
			fmt.Sprintf("the definition has %d states; at most %d are allowed", len(c.d.States), limit), SeverityError)
	}
}

// checkByteSize checks that the definition written as compact JSON
// (MarshalJSON) is at most limit bytes long (DefaultMaxBytes when limit is
// zero; no bound when it is negative). A definition that cannot be written
// is not reported here.
func (c *structureCheck) checkByteSize(limit int) {
	limit = orDefault(limit, DefaultMaxBytes)
	if limit <= 0 {
		return
	}
	if data, err := c.d.MarshalJSON(); err == nil && len(data) > limit {
		c.add("#", "", CodeTooLarge,
			fmt.Sprintf("the definition is %d bytes as JSON; at most %d are allowed", len(data), limit), SeverityError)
	}
}

// checkStates checks each state in turn: its name is valid, no earlier
// state has the same name, and it has a type. It also fills the index.
// The problems of one state are reported together, in that order.
func (c *structureCheck) checkStates() {
	for i := range c.d.States {
		path := StatePath(i)
		c.checkStateName(path+"/name", c.d.States[i].Name)
		c.indexState(i, path+"/name")
		c.checkStateType(path+"/type", &c.d.States[i])
	}
}

// checkStateName checks that a state name is at most MaxStateNameBytes
// long, holds no unsafe character (findUnsafe) and is otherwise a valid
// name (ValidStateName; for a Connect definition, any non-empty
// identifier). It reports only the first of these that fails.
func (c *structureCheck) checkStateName(path, name string) {
	if len(name) > MaxStateNameBytes {
		c.add(path, name, CodeStateNameTooLong,
			fmt.Sprintf("state name %s is %d bytes long; a state name may be at most %d bytes (UTF-8)", quoteName(name), len(name), MaxStateNameBytes), SeverityError)
		return
	}
	if f, bad := findUnsafe(name); bad {
		c.add(path, name, CodeStateNameUnsafe,
			fmt.Sprintf("state name %s holds %s; a state name must hold no control, invisible, bidirectional-control or non-ASCII space character and be valid UTF-8", quoteName(name), f), SeverityError)
		return
	}
	if c.d.Vendor == VendorConnect {
		// Connect's identifiers are opaque keys (UUIDs, "Set Customer
		// Whisper"), never read as widgets.NAME: length and safety only.
		if name == "" {
			c.add(path, name, CodeStateNameInvalid, "the state has no name (Identifier)", SeverityError)
		}
		return
	}
	if !ValidStateName(name) {
		c.add(path, name, CodeStateNameInvalid,
			fmt.Sprintf("state name %s is invalid: it must start with a letter and hold no spaces or periods", quoteName(name)), SeverityError)
	}
}

// indexState adds state i to the index unless an earlier state holds its
// name, and checks that no earlier state has the same name, exactly or once
// NFC-normalized.
func (c *structureCheck) indexState(i int, path string) {
	name := c.d.States[i].Name
	key := sameNameKey(name)
	if first, dup := c.same[key]; dup {
		c.reportDuplicate(path, name, first)
	} else {
		c.same[key] = i
	}
	if _, ok := c.index[name]; !ok {
		c.index[name] = i
	}
}

// reportDuplicate reports that name is already used by state first, which
// holds the same name or one equal to it once NFC-normalized. An empty name
// is not reported: checkStateName already found it invalid.
func (c *structureCheck) reportDuplicate(path, name string, first int) {
	other := c.d.States[first].Name
	switch {
	case name == "":
	case other == name:
		c.add(path, name, CodeStateNameDuplicate,
			fmt.Sprintf("state name %s is already used by state %d", quoteName(name), first), SeverityError)
	default:
		c.add(path, name, CodeStateNameDuplicate,
			fmt.Sprintf("state name %s is the same as %s of state %d once Unicode-normalized (NFC)", quoteName(name), quoteName(other), first), SeverityError)
	}
}

// checkStateType checks that a state has a type.
func (c *structureCheck) checkStateType(path string, s *State) {
	if s.Type == "" {
		c.add(path, s.Name, CodeStateTypeMissing, "the state has no type", SeverityError)
	}
}

// checkInitialState checks that initial_state is set, names a state, and
// that this state is an entry: a trigger (flow) or a begin-module (module);
// a Connect flow's StartAction may be any action.
func (c *structureCheck) checkInitialState() {
	name := c.d.InitialState
	if name == "" {
		c.add("#/initial_state", "", CodeInitialStateMissing, "initial_state is missing", SeverityError)
		return
	}
	i, ok := c.index[name]
	if !ok {
		c.add("#/initial_state", name, CodeInitialStateUnknown,
			fmt.Sprintf("initial_state names %s, which is not a state of this definition", quoteName(name)), SeverityError)
		return
	}
	if c.d.Vendor == VendorConnect {
		return // a Connect flow starts at any action (StartAction)
	}
	if typ := c.d.States[i].Type; typ != TypeTrigger && typ != TypeBeginModule {
		c.add("#/initial_state", name, CodeInitialStateType,
			fmt.Sprintf("initial_state names %s of type %q; it must be a %q (flow) or %q (module)", quoteName(name), typ, TypeTrigger, TypeBeginModule), SeverityError)
	}
}

// checkTransitions checks each transition of each state in turn: it has an
// event that the state does not already wire, a trigger's event is a known
// one, and its next, if any, names a state. The problems of one transition
// are reported together, in that order.
func (c *structureCheck) checkTransitions() {
	for i := range c.d.States {
		s := &c.d.States[i]
		wired := make(map[string]int, len(s.Transitions)) // event -> first transition
		for j, t := range s.Transitions {
			path := TransitionPath(i, j)
			c.checkEvent(path+"/event", s, j, wired)
			c.checkTriggerEvent(path+"/event", s, t.Event)
			c.checkNext(path+"/next", s.Name, t)
		}
	}
}

// EventConnectCondition is the event of each of a Connect action's
// Conditions (see package flow/connect): a Connect definition's state may
// wire it several times, as a split-based-on its match.
const EventConnectCondition = "Condition"

// checkEvent checks that transition j of s has an event and that no earlier
// transition of s wires the same event, except match on a split-based-on,
// whose every condition is a match, and a Connect action's Condition.
// wired holds the events of the earlier transitions; checkEvent adds
// event j.
func (c *structureCheck) checkEvent(path string, s *State, j int, wired map[string]int) {
	event := s.Transitions[j].Event
	if event == "" {
		c.add(path, s.Name, CodeEventMissing, "the transition has no event", SeverityError)
		return
	}
	first, dup := wired[event]
	if !dup {
		wired[event] = j
		return
	}
	if event == "match" && s.Type == TypeSplitBasedOn {
		return
	}
	if event == EventConnectCondition && c.d.Vendor == VendorConnect {
		return // one transition per condition, as a split's matches
	}
	c.add(path, s.Name, CodeEventDuplicate,
		fmt.Sprintf("event %q is already wired by transition %d of this state", event, first), SeverityError)
}

// checkTriggerEvent checks that an event of a trigger state is one of
// TriggerEvents. A missing event is checkEvent's to report.
func (c *structureCheck) checkTriggerEvent(path string, s *State, event string) {
	if s.Type == TypeTrigger && event != "" && !slices.Contains(triggerEvents, event) {
		c.add(path, s.Name, CodeTriggerEventUnknown,
			fmt.Sprintf("trigger event %q is not one of %v", event, triggerEvents), SeverityError)
	}
}

// checkNext checks that the next of a transition of state from, if any,
// names a state. An empty next ends the flow.
func (c *structureCheck) checkNext(path, from string, t Transition) {
	if t.Next == "" {
		return
	}
	if _, ok := c.index[t.Next]; !ok {
		c.add(path, from, CodeNextUnknown,
			fmt.Sprintf("event %q goes to %s, which is not a state of this definition", t.Event, quoteName(t.Next)), SeverityError)
	}
}

// checkReachability warns about each state that no path from the entry
// reaches. It needs a named entry: when initial_state is empty or names no
// state (both errors already), it reports nothing, so that an empty
// initial_state never starts from a state that has no name either.
//
// A state whose name an earlier state holds is not reported: the duplicate
// is already an error, and next leads to that first holder. An unnamed
// state is never reached, so it is always reported.
func (c *structureCheck) checkReachability() {
	entry, ok := c.index[c.d.InitialState]
	if !ok || c.d.InitialState == "" {
		return
	}
	reached := c.reachedFrom(entry)
	for i, s := range c.d.States {
		if !reached[i] && (s.Name == "" || c.index[s.Name] == i) {
			c.add(StatePath(i), s.Name, CodeStateUnreachable,
				"no path from "+quoteName(c.d.InitialState)+" reaches this state", SeverityWarning)
		}
	}
}

// reachedFrom returns, for each state, whether a path of transitions from
// state entry reaches it (entry itself included), searching breadth-first.
// An empty next ends its branch; it never leads to a state without a name.
func (c *structureCheck) reachedFrom(entry int) []bool {
	reached := make([]bool, len(c.d.States))
	reached[entry] = true
	queue := []int{entry}
	for len(queue) > 0 {
		i := queue[0]
		queue = queue[1:]
		for _, t := range c.d.States[i].Transitions {
			if t.Next == "" {
				continue
			}
			if n, ok := c.index[t.Next]; ok && !reached[n] {
				reached[n] = true
				queue = append(queue, n)
			}
		}
	}
	return reached
}
