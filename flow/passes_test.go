package flow_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/studioflow/studioflow/flow"
)

// everyPass returns a definition that fails every structural pass but the
// initial-state one, which main sets up: a bad state count and size, bad
// names, duplicates and a missing type, bad transitions, and unreachable
// states.
func everyPass(initial string) *flow.Definition {
	long := "n" + strings.Repeat("x", flow.MaxStateNameBytes)
	return &flow.Definition{
		InitialState: initial,
		States: []flow.State{
			st("Trigger", flow.TypeTrigger,
				tr(flow.EventIncomingCall, "greet"),
				tr("", ""),
				tr("bogus", "Nowhere"),
				tr(flow.EventIncomingCall, "")),
			st("greet", "say-play", tr("audioComplete", "menu")),
			st("menu", flow.TypeSplitBasedOn, tr("match", "greet"), tr("match", "Trigger"), tr("noMatch", "")),
			st("bad name", ""),
			st(long, "say-play", tr("x", "Trigger"), tr("x", "")),
			st("a\u202eb", "say-play"),
			st("greet", "say-play"),
			st("caf\u00e9", "say-play"),
			st("cafe\u0301", "say-play"),
			st("", "say-play"),
		},
	}
}

// TestCheckReportsPassesInOrder pins the order of the structural problems
// across and within the passes: the size bounds; then each state (name,
// duplicate, type) in turn; the initial state; then each transition (event,
// trigger event, next) in turn; and last the unreachable states.
func TestCheckReportsPassesInOrder(t *testing.T) {
	long := "n" + strings.Repeat("x", flow.MaxStateNameBytes)
	limits := flow.WithLimits(flow.Limits{MaxStates: 3, MaxBytes: 100})
	head := flow.Problems{
		p("#/states", "", flow.CodeTooManyStates, errSev),
		p("#", "", flow.CodeTooLarge, errSev),
		p("#/states/3/name", "bad name", flow.CodeStateNameInvalid, errSev),
		p("#/states/3/type", "bad name", flow.CodeStateTypeMissing, errSev),
		p("#/states/4/name", long, flow.CodeStateNameTooLong, errSev),
		p("#/states/5/name", "a\u202eb", flow.CodeStateNameUnsafe, errSev),
		p("#/states/6/name", "greet", flow.CodeStateNameDuplicate, errSev),
		p("#/states/8/name", "cafe\u0301", flow.CodeStateNameDuplicate, errSev),
		p("#/states/9/name", "", flow.CodeStateNameInvalid, errSev),
	}
	transitions := flow.Problems{
		p("#/states/0/transitions/1/event", "Trigger", flow.CodeEventMissing, errSev),
		p("#/states/0/transitions/2/event", "Trigger", flow.CodeTriggerEventUnknown, errSev),
		p("#/states/0/transitions/2/next", "Trigger", flow.CodeNextUnknown, errSev),
		p("#/states/0/transitions/3/event", "Trigger", flow.CodeEventDuplicate, errSev),
		p("#/states/4/transitions/1/event", long, flow.CodeEventDuplicate, errSev),
	}
	// State 6 repeats the name of state 1, which is reached: it is not
	// reported as unreachable.
	unreachable := flow.Problems{
		p("#/states/3", "bad name", flow.CodeStateUnreachable, warnSev),
		p("#/states/4", long, flow.CodeStateUnreachable, warnSev),
		p("#/states/5", "a\u202eb", flow.CodeStateUnreachable, warnSev),
		p("#/states/7", "caf\u00e9", flow.CodeStateUnreachable, warnSev),
		p("#/states/8", "cafe\u0301", flow.CodeStateUnreachable, warnSev),
		p("#/states/9", "", flow.CodeStateUnreachable, warnSev),
	}
	join := func(parts ...flow.Problems) flow.Problems {
		var out flow.Problems
		for _, part := range parts {
			out = append(out, part...)
		}
		return out
	}

	tests := []struct {
		name, initial string
		want          flow.Problems
	}{
		{"entry sound", "Trigger", join(head, transitions, unreachable)},
		{"entry not a trigger", "greet", join(head,
			flow.Problems{p("#/initial_state", "greet", flow.CodeInitialStateType, errSev)},
			transitions,
			// From greet, menu leads back to Trigger: the same states are
			// unreachable.
			unreachable)},
		// Without a usable entry, reachability reports nothing.
		{"entry unknown", "Nowhere", join(head,
			flow.Problems{p("#/initial_state", "Nowhere", flow.CodeInitialStateUnknown, errSev)},
			transitions)},
		{"entry missing", "", join(head,
			flow.Problems{p("#/initial_state", "", flow.CodeInitialStateMissing, errSev)},
			transitions)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := flow.Check(everyPass(tt.initial), limits)
			assert.Equal(t, tt.want, withoutMessages(t, got))
		})
	}
}
