package flow

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Sentinel errors callers branch on with errors.Is.
var (
	// ErrInvalid marks a definition (or input) that cannot be used as given.
	ErrInvalid = errors.New("invalid")
)

// Severity grades a Problem.
type Severity string

const (
	// SeverityError makes a definition unusable: it cannot be published or run.
	SeverityError Severity = "error"
	// SeverityWarning is worth a look but does not stop publishing.
	SeverityWarning Severity = "warning"
)

// Problem is one finding of Check.
type Problem struct {
	// Path is a JSON pointer into the document, written as a URI fragment,
	// such as "#/states/3/transitions/0/next"; "#" is the whole document.
	Path string `json:"path"`
	// State names the state concerned, if any, exactly as the definition
	// spells it: it may hold any character (see CodeStateNameUnsafe) and
	// be of any length (see CodeStateNameTooLong), so quote and shorten it
	// before showing it, as String does.
	State string `json:"state,omitempty"`
	// Code is stable and machine-readable, such as "transition.next_unknown".
	Code string `json:"code"`
	// Message says what is wrong in words a person understands.
	Message string `json:"message"`
	// Severity is error or warning.
	Severity Severity `json:"severity"`
}

// String formats p on one line: severity, path, state, message and code,
// such as
//
//	error #/states/3/transitions/0/next (state "bye"): event "audioComplete" goes to "nowhere", which is not a state of this definition [transition.next_unknown]
//
// The state is quoted as strconv.Quote does, with every character
// CodeStateNameUnsafe describes escaped (as \uXXXX), even those
// strconv.Quote shows raw such as U+3164; a state name longer than
// MaxStateNameBytes shows its first 40 characters followed by "…".
func (p Problem) String() string {
	where := p.Path
	if p.State != "" {
		where += " (state " + quoteName(p.State) + ")"
	}
	return fmt.Sprintf("%s %s: %s [%s]", p.Severity, where, p.Message, p.Code)
}

// Problems is the result of Check, in the order found: size bounds, then
// names and types, the initial state, transitions, reachability, and last
// the problems of each added Checker in the order added.
type Problems []Problem

// HasErrors reports whether any problem is an error.
func (ps Problems) HasErrors() bool {
	for _, p := range ps {
		if p.Severity == SeverityError {
			return true
		}
	}
	return false
}

// Errors returns only the problems of severity error.
func (ps Problems) Errors() Problems { return ps.filter(SeverityError) }

// Warnings returns only the problems of severity warning.
func (ps Problems) Warnings() Problems { return ps.filter(SeverityWarning) }

func (ps Problems) filter(s Severity) Problems {
	var out Problems
	for _, p := range ps {
		if p.Severity == s {
			out = append(out, p)
		}
	}
	return out
}

// WithCode returns the problems whose code is code.
func (ps Problems) WithCode(code string) Problems {
	var out Problems
	for _, p := range ps {
		if p.Code == code {
			out = append(out, p)
		}
	}
	return out
}

// Err returns nil when there is no error-severity problem (warnings alone do
// not make a definition invalid), else an *InvalidError holding all the
// problems, warnings included.
func (ps Problems) Err() error {
	if !ps.HasErrors() {
		return nil
	}
	return &InvalidError{Problems: ps}
}

// String formats the problems one per line, as Problem.String does.
func (ps Problems) String() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// InvalidError carries the problems that make a definition unusable. It
// unwraps to ErrInvalid.
type InvalidError struct {
	// Problems holds every problem found, warnings included; its message
	// lists the errors only.
	Problems Problems
}

// Error lists the error-severity problems, one per line when there are
// several.
func (e *InvalidError) Error() string {
	errs := e.Problems.Errors()
	if len(errs) == 1 {
		return "flow: invalid definition: " + errs[0].String()
	}
	return fmt.Sprintf("flow: invalid definition: %d errors:\n%s", len(errs), errs.String())
}

// Unwrap makes errors.Is(err, ErrInvalid) true.
func (e *InvalidError) Unwrap() error { return ErrInvalid }

// Problem codes reported by the structural checks of this package. They are
// stable: callers may branch on them. Each is an error unless said
// otherwise; the path the problem carries is given in brackets.
const (
	// CodeInitialStateMissing: initial_state is absent or empty
	// [#/initial_state].
	CodeInitialStateMissing = "initial_state.missing"
	// CodeInitialStateUnknown: initial_state names no state
	// [#/initial_state].
	CodeInitialStateUnknown = "initial_state.unknown"
	// CodeInitialStateType: the initial state is neither a trigger nor a
	// begin-module [#/initial_state].
	CodeInitialStateType = "initial_state.not_entry"
	// CodeStateNameInvalid: the state name fails ValidStateName, other
	// than for what CodeStateNameTooLong and CodeStateNameUnsafe report
	// [#/states/I/name].
	CodeStateNameInvalid = "state.name_invalid"
	// CodeStateNameTooLong: the state name is longer than
	// MaxStateNameBytes bytes. The message gives the length and the bound
	// and shows only the first 40 characters of the name;
	// CodeStateNameUnsafe and CodeStateNameInvalid are then not reported
	// for the name [#/states/I/name].
	CodeStateNameTooLong = "state.name_too_long"
	// CodeStateNameUnsafe: the state name holds a character that is
	// invisible, looks like a plain space, or changes how text shows: a
	// control character (Unicode Cc, such as NUL, newline, DEL or U+0085),
	// a format character (Cf, such as the zero-width space, joiners, BOM,
	// soft hyphen and every bidirectional mark, override and isolate), a
	// line or paragraph separator (Zl, Zp), a space separator other than
	// the ASCII space U+0020 (Zs, such as the no-break space U+00A0, thin
	// space U+2009, narrow no-break space U+202F, ideographic space U+3000,
	// U+1680, U+205F and U+2000–U+200A), another default-ignorable
	// character (the Hangul fillers U+115F, U+1160, U+3164 and U+FFA0, the
	// combining grapheme joiner U+034F, the variation selectors
	// U+FE00–U+FE0F, U+E0100–U+E01EF and U+180B–U+180F, and the rest of
	// Unicode's Other_Default_Ignorable_Code_Point), the braille blank
	// U+2800, or bytes that are not valid UTF-8. The message names the
	// first such character by code point, kind (such as "a space other
	// than U+0020" or "an invisible character") and position, never raw;
	// CodeStateNameInvalid is then not reported for the name. The ASCII
	// space U+0020 is reported as CodeStateNameInvalid instead
	// [#/states/I/name].
	CodeStateNameUnsafe = "state.name_unsafe"
	// CodeStateNameDuplicate: an earlier state has the same name, or one
	// equal to it after Unicode NFC normalization (such as "café" written
	// with U+00E9 and with "e" and U+0301); reported on the later one
	// [#/states/I/name].
	CodeStateNameDuplicate = "state.name_duplicate"
	// CodeStateTypeMissing: the state has no type [#/states/I/type].
	CodeStateTypeMissing = "state.type_missing"
	// CodeStateUnreachable (warning): no path of transitions leads from
	// the initial state to this state [#/states/I].
	CodeStateUnreachable = "state.unreachable"
	// CodeEventMissing: a transition has no event
	// [#/states/I/transitions/J/event].
	CodeEventMissing = "transition.event_missing"
	// CodeEventDuplicate: an earlier transition of the state has the same
	// event; `match` may repeat on a split-based-on
	// [#/states/I/transitions/J/event].
	CodeEventDuplicate = "transition.event_duplicate"
	// CodeNextUnknown: a transition's next names no state
	// [#/states/I/transitions/J/next].
	CodeNextUnknown = "transition.next_unknown"
	// CodeTriggerEventUnknown: a trigger state wires an event outside
	// TriggerEvents [#/states/I/transitions/J/event].
	CodeTriggerEventUnknown = "trigger.event_unknown"
	// CodeTooManyStates: more states than Limits.MaxStates [#/states].
	CodeTooManyStates = "flow.too_many_states"
	// CodeTooLarge: the compact JSON is longer than Limits.MaxBytes [#].
	CodeTooLarge = "flow.too_large"
)

// StatePath returns the JSON pointer of state i, such as "#/states/3".
func StatePath(i int) string { return "#/states/" + strconv.Itoa(i) }

// PropertyPath returns the JSON pointer of a property of state i, such as
// "#/states/3/properties/timeout".
func PropertyPath(i int, key string) string { return StatePath(i) + "/properties/" + key }

// TransitionPath returns the JSON pointer of transition j of state i, such
// as "#/states/3/transitions/0".
func TransitionPath(i, j int) string { return StatePath(i) + "/transitions/" + strconv.Itoa(j) }
