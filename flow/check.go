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

func structural(d *Definition, limits Limits) Problems {
	var ps Problems
	add := func(path, state, code, msg string, sev Severity) {
		ps = append(ps, Problem{Path: path, State: state, Code: code, Message: msg, Severity: sev})
	}
	maxStates := limits.MaxStates
	if maxStates == 0 {
		maxStates = DefaultMaxStates
	}
	if maxStates > 0 && len(d.States) > maxStates {
		add("#/states", "", CodeTooManyStates,
			fmt.Sprintf("the definition has %d states; at most %d are allowed", len(d.States), maxStates), SeverityError)
	}
	maxBytes := limits.MaxBytes
	if maxBytes == 0 {
		maxBytes = DefaultMaxBytes
	}
	if maxBytes > 0 {
		if data, err := d.MarshalJSON(); err == nil && len(data) > maxBytes {
			add("#", "", CodeTooLarge,
				fmt.Sprintf("the definition is %d bytes as JSON; at most %d are allowed", len(data), maxBytes), SeverityError)
		}
	}

	// index resolves names exactly, as transitions and the runtime do;
	// same finds duplicates among names equal once NFC-normalized.
	index := make(map[string]int, len(d.States))
	same := make(map[string]int, len(d.States))
	for i, s := range d.States {
		path := StatePath(i)
		if len(s.Name) > MaxStateNameBytes {
			add(path+"/name", s.Name, CodeStateNameTooLong,
				fmt.Sprintf("state name %s is %d bytes long; a state name may be at most %d bytes (UTF-8)", quoteName(s.Name), len(s.Name), MaxStateNameBytes), SeverityError)
		} else if f, bad := findUnsafe(s.Name); bad {
			add(path+"/name", s.Name, CodeStateNameUnsafe,
				fmt.Sprintf("state name %s holds %s; a state name must hold no control, invisible, bidirectional-control or non-ASCII space character and be valid UTF-8", quoteName(s.Name), f), SeverityError)
		} else if !ValidStateName(s.Name) {
			add(path+"/name", s.Name, CodeStateNameInvalid,
				fmt.Sprintf("state name %s is invalid: it must start with a letter and hold no spaces or periods", quoteName(s.Name)), SeverityError)
		}
		key := sameNameKey(s.Name)
		if first, dup := same[key]; dup {
			switch {
			case s.Name == "":
			case d.States[first].Name == s.Name:
				add(path+"/name", s.Name, CodeStateNameDuplicate,
					fmt.Sprintf("state name %s is already used by state %d", quoteName(s.Name), first), SeverityError)
			default:
				add(path+"/name", s.Name, CodeStateNameDuplicate,
					fmt.Sprintf("state name %s is the same as %s of state %d once Unicode-normalized (NFC)", quoteName(s.Name), quoteName(d.States[first].Name), first), SeverityError)
			}
		} else {
			same[key] = i
		}
		if _, ok := index[s.Name]; !ok {
			index[s.Name] = i
		}
		if s.Type == "" {
			add(path+"/type", s.Name, CodeStateTypeMissing, "the state has no type", SeverityError)
		}
	}

	entryType := ""
	switch {
	case d.InitialState == "":
		add("#/initial_state", "", CodeInitialStateMissing, "initial_state is missing", SeverityError)
	default:
		i, ok := index[d.InitialState]
		if !ok {
			add("#/initial_state", d.InitialState, CodeInitialStateUnknown,
				fmt.Sprintf("initial_state names %s, which is not a state of this definition", quoteName(d.InitialState)), SeverityError)
			break
		}
		entryType = d.States[i].Type
		if entryType != TypeTrigger && entryType != TypeBeginModule {
			add("#/initial_state", d.InitialState, CodeInitialStateType,
				fmt.Sprintf("initial_state names %s of type %q; it must be a %q (flow) or %q (module)", quoteName(d.InitialState), entryType, TypeTrigger, TypeBeginModule), SeverityError)
		}
	}

	for i, s := range d.States {
		seen := make(map[string]int, len(s.Transitions))
		for j, t := range s.Transitions {
			tp := TransitionPath(i, j)
			if t.Event == "" {
				add(tp+"/event", s.Name, CodeEventMissing, "the transition has no event", SeverityError)
			} else if first, dup := seen[t.Event]; dup && !(t.Event == "match" && s.Type == TypeSplitBasedOn) {
				add(tp+"/event", s.Name, CodeEventDuplicate,
					fmt.Sprintf("event %q is already wired by transition %d of this state", t.Event, first), SeverityError)
			} else if !dup {
				seen[t.Event] = j
			}
			if s.Type == TypeTrigger && t.Event != "" && !slices.Contains(TriggerEvents, t.Event) {
				add(tp+"/event", s.Name, CodeTriggerEventUnknown,
					fmt.Sprintf("trigger event %q is not one of %v", t.Event, TriggerEvents), SeverityError)
			}
			if t.Next != "" {
				if _, ok := index[t.Next]; !ok {
					add(tp+"/next", s.Name, CodeNextUnknown,
						fmt.Sprintf("event %q goes to %s, which is not a state of this definition", t.Event, quoteName(t.Next)), SeverityError)
				}
			}
		}
	}

	// Reachability needs a named entry: an empty initial_state must not
	// start from a state that has no name either.
	if entry, ok := index[d.InitialState]; ok && d.InitialState != "" {
		reached := make([]bool, len(d.States))
		reached[entry] = true
		queue := []int{entry}
		for len(queue) > 0 {
			i := queue[0]
			queue = queue[1:]
			for _, t := range d.States[i].Transitions {
				// An empty next ends the branch; it never leads to a
				// state without a name.
				if t.Next == "" {
					continue
				}
				if n, ok := index[t.Next]; ok && !reached[n] {
					reached[n] = true
					queue = append(queue, n)
				}
			}
		}
		for i, s := range d.States {
			// A duplicate name is already an error and next leads to its
			// first holder; an unnamed state is never reached.
			if !reached[i] && (s.Name == "" || index[s.Name] == i) {
				add(StatePath(i), s.Name, CodeStateUnreachable,
					"no path from "+quoteName(d.InitialState)+" reaches this state", SeverityWarning)
			}
		}
	}
	return ps
}
