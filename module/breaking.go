package module

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/studioflow/studioflow/flow"
)

// ErrBreaking marks a module version whose publication would break the
// flows that use the module.
var ErrBreaking = errors.New("breaking change")

// Break is one way a new module version would break one user of it.
type Break struct {
	// User names the referencing flow or module version: an id, a name, a
	// revision and a status, as the caller knows it.
	User string
	// State is the run-module step concerned, if any.
	State string
	// Reason says what would break.
	Reason string
}

// String formats the break as "User: Reason", with the quoted State after
// the user when State is set.
func (b Break) String() string {
	if b.State == "" {
		return b.User + ": " + b.Reason
	}
	return fmt.Sprintf("%s, state %q: %s", b.User, b.State, b.Reason)
}

// BreakingChangeError refuses a module version, listing every user it
// would break and why. It unwraps to ErrBreaking.
type BreakingChangeError struct {
	// Module is the name of the module whose new version is refused.
	Module string
	// Breaks lists every use the new version would break.
	Breaks []Break
}

// Error names the module and lists each break on a line of its own.
func (e *BreakingChangeError) Error() string {
	lines := make([]string, len(e.Breaks))
	for i, b := range e.Breaks {
		lines[i] = "  " + b.String()
	}
	return fmt.Sprintf("module %q: the new version would break %d use(s):\n%s", e.Module, len(e.Breaks), strings.Join(lines, "\n"))
}

// Unwrap makes errors.Is(err, ErrBreaking) true.
func (e *BreakingChangeError) Unwrap() error { return ErrBreaking }

// Breaks compares the contract a user relies on (old, the published version
// it was built against; nil if none) with a candidate contract, for every
// run-module step of user that runs module. What breaks: an exit the step
// wires that the candidate removed; an argument the step maps that the
// candidate removed or retyped; a required argument the step does not give
// (new, or made required); an output the step maps that the candidate no
// longer returns. New optional arguments and new exits nobody wires are
// compatible.
func Breaks(module string, old, candidate *Contract, user *flow.Definition, userName string) []Break {
	var out []Break
	add := func(state, format string, args ...any) {
		out = append(out, Break{User: userName, State: state, Reason: fmt.Sprintf(format, args...)})
	}
	for _, b := range Bindings(user) {
		if b.Module != module {
			continue
		}
		for exit := range sortedExits(b.Exits) {
			if !slices.Contains(candidate.Exits, exit) {
				add(b.State, "exit %q is removed, and the step wires it", exit)
			}
		}
		for _, a := range b.Arguments {
			na := candidate.Argument(a.Key)
			if na == nil {
				add(b.State, "argument %q is removed, and the step maps it", a.Key)
				continue
			}
			if old != nil {
				if oa := old.Argument(a.Key); oa != nil && oa.Type != na.Type {
					add(b.State, "argument %q is retyped from %s to %s, and the step maps it", a.Key, oa.Type, na.Type)
				}
			}
		}
		for _, na := range candidate.Arguments {
			if _, given := b.given(na.Name); given || !na.IsRequired() || na.Default != nil {
				continue
			}
			if old != nil && old.Argument(na.Name) == nil {
				add(b.State, "argument %q (%s) is new and required, and the step does not give it", na.Name, na.Type)
			} else {
				add(b.State, "argument %q (%s) is required, and the step does not give it", na.Name, na.Type)
			}
		}
		for _, o := range b.Outputs {
			if !slices.Contains(candidate.Outputs, o.Name) {
				add(b.State, "output %q is removed, and the step maps it", o.Name)
			}
		}
	}
	return out
}
