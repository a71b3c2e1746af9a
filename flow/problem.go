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
	// Path is a JSON pointer into the document, such as
	// "#/states/3/transitions/0/next".
	Path string `json:"path"`
	// State names the state concerned, if any.
	State string `json:"state,omitempty"`
	// Code is stable and machine-readable, such as "transition.next_unknown".
	Code string `json:"code"`
	// Message says what is wrong in words a person understands.
	Message string `json:"message"`
	// Severity is error or warning.
	Severity Severity `json:"severity"`
}

func (p Problem) String() string {
	where := p.Path
	if p.State != "" {
		where += " (state " + strconv.Quote(p.State) + ")"
	}
	return fmt.Sprintf("%s %s: %s [%s]", p.Severity, where, p.Message, p.Code)
}

// Problems is the result of Check, in the order found.
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

// Err returns nil when there is no error-severity problem, else an
// *InvalidError holding them all.
func (ps Problems) Err() error {
	if !ps.HasErrors() {
		return nil
	}
	return &InvalidError{Problems: ps}
}

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
	Problems Problems
}

func (e *InvalidError) Error() string {
	errs := e.Problems.Errors()
	if len(errs) == 1 {
		return "flow: invalid definition: " + errs[0].String()
	}
	return fmt.Sprintf("flow: invalid definition: %d errors:\n%s", len(errs), errs.String())
}

// Unwrap makes errors.Is(err, ErrInvalid) true.
func (e *InvalidError) Unwrap() error { return ErrInvalid }

// Problem codes reported by the structural checks of this package.
const (
	CodeInitialStateMissing = "initial_state.missing"
	CodeInitialStateUnknown = "initial_state.unknown"
	CodeInitialStateType    = "initial_state.not_entry"
	CodeStateNameInvalid    = "state.name_invalid"
	CodeStateNameDuplicate  = "state.name_duplicate"
	CodeStateTypeMissing    = "state.type_missing"
	CodeStateUnreachable    = "state.unreachable"
	CodeEventMissing        = "transition.event_missing"
	CodeEventDuplicate      = "transition.event_duplicate"
	CodeNextUnknown         = "transition.next_unknown"
	CodeTriggerEventUnknown = "trigger.event_unknown"
	CodeTooManyStates       = "flow.too_many_states"
	CodeTooLarge            = "flow.too_large"
)

// StatePath returns the JSON pointer of state i, such as "#/states/3".
func StatePath(i int) string { return "#/states/" + strconv.Itoa(i) }

// PropertyPath returns the JSON pointer of a property of state i, such as
// "#/states/3/properties/timeout".
func PropertyPath(i int, key string) string { return StatePath(i) + "/properties/" + key }

// TransitionPath returns the JSON pointer of transition j of state i.
func TransitionPath(i, j int) string { return StatePath(i) + "/transitions/" + strconv.Itoa(j) }
