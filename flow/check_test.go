package flow_test

import (
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studioflow/studioflow/flow"
)

// tr builds a transition.
func tr(event, next string) flow.Transition { return flow.Transition{Event: event, Next: next} }

// st builds a state with empty properties.
func st(name, typ string, ts ...flow.Transition) flow.State {
	if ts == nil {
		ts = []flow.Transition{}
	}
	return flow.State{Name: name, Type: typ, Transitions: ts}
}

// sound returns a structurally sound flow of four states:
//
//	0 Trigger (trigger)        incomingCall -> greet, incomingMessage (ends)
//	1 greet   (say-play)       audioComplete -> menu
//	2 menu    (split-based-on) match -> bye, match -> greet, noMatch -> bye
//	3 bye     (say-play)       audioComplete (ends)
func sound() *flow.Definition {
	return &flow.Definition{
		Description:  "sound",
		InitialState: "Trigger",
		States: []flow.State{
			st("Trigger", flow.TypeTrigger, tr(flow.EventIncomingCall, "greet"), tr(flow.EventIncomingMessage, "")),
			st("greet", "say-play", tr("audioComplete", "menu")),
			st("menu", flow.TypeSplitBasedOn, tr("match", "bye"), tr("match", "greet"), tr("noMatch", "bye")),
			st("bye", "say-play", tr("audioComplete", "")),
		},
	}
}

// rename renames a state and every transition that leads to it.
func rename(d *flow.Definition, from, to string) {
	for i := range d.States {
		if d.States[i].Name == from {
			d.States[i].Name = to
		}
		for j := range d.States[i].Transitions {
			if d.States[i].Transitions[j].Next == from {
				d.States[i].Transitions[j].Next = to
			}
		}
	}
	if d.InitialState == from {
		d.InitialState = to
	}
}

// chain returns a sound flow of n states: a trigger followed by n-1
// say-play states in a line.
func chain(n int) *flow.Definition {
	d := &flow.Definition{InitialState: "Trigger"}
	name := func(i int) string { return "s" + strconv.Itoa(i) }
	d.States = append(d.States, st("Trigger", flow.TypeTrigger, tr(flow.EventIncomingCall, name(1))))
	for i := 1; i < n; i++ {
		next := ""
		if i < n-1 {
			next = name(i + 1)
		}
		d.States = append(d.States, st(name(i), "say-play", tr("audioComplete", next)))
	}
	return d
}

// p builds an expected problem without its message.
func p(path, state, code string, sev flow.Severity) flow.Problem {
	return flow.Problem{Path: path, State: state, Code: code, Severity: sev}
}

// withoutMessages checks that every problem has a message and returns the
// problems with messages cleared, for comparison with p values.
func withoutMessages(t *testing.T, ps flow.Problems) flow.Problems {
	t.Helper()
	var out flow.Problems
	for _, pr := range ps {
		assert.NotEmpty(t, pr.Message, "problem %s has no message", pr.Code)
		pr.Message = ""
		out = append(out, pr)
	}
	return out
}

const (
	errSev  = flow.SeverityError
	warnSev = flow.SeverityWarning
)

func TestCheckSoundFlowHasNoProblems(t *testing.T) {
	assert.Empty(t, flow.Check(sound()))
	assert.Empty(t, flow.Check(chain(flow.DefaultMaxStates)), "exactly DefaultMaxStates states is allowed")
}

func TestCheckStructuralProblems(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(t *testing.T, d *flow.Definition)
		opts   []flow.CheckOption
		want   flow.Problems
	}{
		{
			name:   "initial state missing",
			mutate: func(t *testing.T, d *flow.Definition) { d.InitialState = "" },
			want:   flow.Problems{p("#/initial_state", "", flow.CodeInitialStateMissing, errSev)},
		},
		{
			name:   "initial state unknown",
			mutate: func(t *testing.T, d *flow.Definition) { d.InitialState = "Nowhere" },
			want:   flow.Problems{p("#/initial_state", "Nowhere", flow.CodeInitialStateUnknown, errSev)},
		},
		{
			name:   "initial state not an entry type",
			mutate: func(t *testing.T, d *flow.Definition) { d.InitialState = "greet" },
			want: flow.Problems{
				p("#/initial_state", "greet", flow.CodeInitialStateType, errSev),
				// Reachability still runs from the named state.
				p("#/states/0", "Trigger", flow.CodeStateUnreachable, warnSev),
			},
		},
		{
			name:   "state name starts with a digit",
			mutate: func(t *testing.T, d *flow.Definition) { rename(d, "bye", "1bye") },
			want:   flow.Problems{p("#/states/3/name", "1bye", flow.CodeStateNameInvalid, errSev)},
		},
		{
			name:   "state name starts with an underscore",
			mutate: func(t *testing.T, d *flow.Definition) { rename(d, "bye", "_bye") },
			want:   flow.Problems{p("#/states/3/name", "_bye", flow.CodeStateNameInvalid, errSev)},
		},
		{
			name:   "state name with a space",
			mutate: func(t *testing.T, d *flow.Definition) { rename(d, "bye", "good bye") },
			want:   flow.Problems{p("#/states/3/name", "good bye", flow.CodeStateNameInvalid, errSev)},
		},
		{
			name: "state name with a tab",
			// A tab is a control character: the more precise code alone.
			mutate: func(t *testing.T, d *flow.Definition) { rename(d, "bye", "good\tbye") },
			want:   flow.Problems{p("#/states/3/name", "good\tbye", flow.CodeStateNameUnsafe, errSev)},
		},
		{
			name:   "state name with a period",
			mutate: func(t *testing.T, d *flow.Definition) { rename(d, "bye", "good.bye") },
			want:   flow.Problems{p("#/states/3/name", "good.bye", flow.CodeStateNameInvalid, errSev)},
		},
		{
			name: "state name empty",
			// An empty next ends a branch, so nothing can lead to an
			// unnamed state: it is also unreachable.
			mutate: func(t *testing.T, d *flow.Definition) { rename(d, "bye", "") },
			want: flow.Problems{
				p("#/states/3/name", "", flow.CodeStateNameInvalid, errSev),
				p("#/states/3", "", flow.CodeStateUnreachable, warnSev),
			},
		},
		{
			name: "two unnamed states",
			// Both are invalid and unreachable; an empty name is not also
			// reported as a duplicate.
			mutate: func(t *testing.T, d *flow.Definition) {
				rename(d, "bye", "")
				d.States = append(d.States, st("", "say-play"))
			},
			want: flow.Problems{
				p("#/states/3/name", "", flow.CodeStateNameInvalid, errSev),
				p("#/states/4/name", "", flow.CodeStateNameInvalid, errSev),
				p("#/states/3", "", flow.CodeStateUnreachable, warnSev),
				p("#/states/4", "", flow.CodeStateUnreachable, warnSev),
			},
		},
		{
			name: "empty initial state does not start from an unnamed state",
			mutate: func(t *testing.T, d *flow.Definition) {
				d.InitialState = ""
				d.States = append(d.States, st("", "say-play", tr("audioComplete", "bye")))
			},
			want: flow.Problems{
				p("#/states/4/name", "", flow.CodeStateNameInvalid, errSev),
				p("#/initial_state", "", flow.CodeInitialStateMissing, errSev),
			},
		},
		{
			name: "state name duplicate",
			// The duplicate is not reported unreachable: the name belongs
			// to its first holder.
			mutate: func(t *testing.T, d *flow.Definition) { d.States = append(d.States, st("greet", "say-play")) },
			want:   flow.Problems{p("#/states/4/name", "greet", flow.CodeStateNameDuplicate, errSev)},
		},
		{
			name:   "state type missing",
			mutate: func(t *testing.T, d *flow.Definition) { d.States[1].Type = "" },
			want:   flow.Problems{p("#/states/1/type", "greet", flow.CodeStateTypeMissing, errSev)},
		},
		{
			name:   "transition event missing",
			mutate: func(t *testing.T, d *flow.Definition) { d.States[1].Transitions[0].Event = "" },
			want:   flow.Problems{p("#/states/1/transitions/0/event", "greet", flow.CodeEventMissing, errSev)},
		},
		{
			name: "transition event duplicate",
			mutate: func(t *testing.T, d *flow.Definition) {
				d.States[1].Transitions = append(d.States[1].Transitions, tr("audioComplete", "bye"))
			},
			want: flow.Problems{p("#/states/1/transitions/1/event", "greet", flow.CodeEventDuplicate, errSev)},
		},
		{
			name: "noMatch repeated on split-based-on is a duplicate",
			mutate: func(t *testing.T, d *flow.Definition) {
				d.States[2].Transitions = append(d.States[2].Transitions, tr("noMatch", "greet"))
			},
			want: flow.Problems{p("#/states/2/transitions/3/event", "menu", flow.CodeEventDuplicate, errSev)},
		},
		{
			name: "match repeated on another type is a duplicate",
			mutate: func(t *testing.T, d *flow.Definition) {
				d.States[2].Type = "conditional-statement"
			},
			want: flow.Problems{p("#/states/2/transitions/1/event", "menu", flow.CodeEventDuplicate, errSev)},
		},
		{
			name: "match repeated on split-based-on is not a problem",
			mutate: func(t *testing.T, d *flow.Definition) {
				d.States[2].Transitions = append(d.States[2].Transitions, tr("match", "menu"))
			},
			want: nil,
		},
		{
			name:   "transition next unknown",
			mutate: func(t *testing.T, d *flow.Definition) { d.States[3].Transitions[0].Next = "nowhere" },
			want:   flow.Problems{p("#/states/3/transitions/0/next", "bye", flow.CodeNextUnknown, errSev)},
		},
		{
			name: "trigger event unknown",
			mutate: func(t *testing.T, d *flow.Definition) {
				d.States[0].Transitions = append(d.States[0].Transitions, tr("incomingFax", "greet"))
			},
			want: flow.Problems{p("#/states/0/transitions/2/event", "Trigger", flow.CodeTriggerEventUnknown, errSev)},
		},
		{
			name: "all five trigger events are known",
			mutate: func(t *testing.T, d *flow.Definition) {
				d.States[0].Transitions = []flow.Transition{
					tr(flow.EventIncomingMessage, "greet"),
					tr(flow.EventIncomingCall, "greet"),
					tr(flow.EventIncomingConversationMessage, ""),
					tr(flow.EventIncomingRequest, "menu"),
					tr(flow.EventIncomingParent, "bye"),
				}
			},
			want: nil,
		},
		{
			name: "state unreachable",
			mutate: func(t *testing.T, d *flow.Definition) {
				d.States = append(d.States, st("orphan", "say-play", tr("audioComplete", "bye")))
			},
			want: flow.Problems{p("#/states/4", "orphan", flow.CodeStateUnreachable, warnSev)},
		},
		{
			name: "state unreachable when its only way in is cut",
			mutate: func(t *testing.T, d *flow.Definition) {
				d.States[2].Transitions = []flow.Transition{tr("noMatch", "greet")}
			},
			want: flow.Problems{p("#/states/3", "bye", flow.CodeStateUnreachable, warnSev)},
		},
		{
			name:   "too many states for a custom limit",
			mutate: func(*testing.T, *flow.Definition) {},
			opts:   []flow.CheckOption{flow.WithLimits(flow.Limits{MaxStates: 3})},
			want:   flow.Problems{p("#/states", "", flow.CodeTooManyStates, errSev)},
		},
		{
			name:   "custom state limit met exactly",
			mutate: func(*testing.T, *flow.Definition) {},
			opts:   []flow.CheckOption{flow.WithLimits(flow.Limits{MaxStates: 4})},
			want:   nil,
		},
		{
			name:   "too large for a custom byte limit",
			mutate: func(*testing.T, *flow.Definition) {},
			opts:   []flow.CheckOption{flow.WithLimits(flow.Limits{MaxBytes: 100})},
			want:   flow.Problems{p("#", "", flow.CodeTooLarge, errSev)},
		},
		{
			name: "too large by default",
			mutate: func(t *testing.T, d *flow.Definition) {
				require.NoError(t, d.States[1].SetProperty("say", strings.Repeat("a", flow.DefaultMaxBytes)))
			},
			want: flow.Problems{p("#", "", flow.CodeTooLarge, errSev)},
		},
		{
			name: "negative byte limit disables the bound",
			mutate: func(t *testing.T, d *flow.Definition) {
				require.NoError(t, d.States[1].SetProperty("say", strings.Repeat("a", flow.DefaultMaxBytes)))
			},
			opts: []flow.CheckOption{flow.WithLimits(flow.Limits{MaxBytes: -1})},
			want: nil,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := sound()
			tt.mutate(t, d)
			got := flow.Check(d, tt.opts...)
			assert.Equal(t, tt.want, withoutMessages(t, got))
		})
	}
}

func TestCheckTooManyStatesByDefault(t *testing.T) {
	d := chain(flow.DefaultMaxStates + 1)
	got := flow.Check(d)
	require.Equal(t, flow.Problems{p("#/states", "", flow.CodeTooManyStates, errSev)}, withoutMessages(t, got))
	assert.Equal(t, "the definition has 2001 states; at most 2000 are allowed", got[0].Message)

	assert.Empty(t, flow.Check(d, flow.WithLimits(flow.Limits{MaxStates: -1})), "a negative limit disables the bound")
}

func TestCheckByteLimitIsTheWrittenSize(t *testing.T) {
	d := sound()
	data, err := flow.Marshal(d)
	require.NoError(t, err)
	assert.Empty(t, flow.Check(d, flow.WithLimits(flow.Limits{MaxBytes: len(data)})))
	got := flow.Check(d, flow.WithLimits(flow.Limits{MaxBytes: len(data) - 1}))
	require.Len(t, got, 1)
	assert.Equal(t, flow.CodeTooLarge, got[0].Code)
	assert.Equal(t, "the definition is "+strconv.Itoa(len(data))+" bytes as JSON; at most "+strconv.Itoa(len(data)-1)+" are allowed", got[0].Message)
}

func TestCheckReturnsAllProblemsAtOnce(t *testing.T) {
	d, err := flow.Parse([]byte(`{
  "initial_state": "Trigger",
  "states": [
    {"name": "Trigger", "type": "trigger", "transitions": [
      {"event": "incomingCall", "next": "greet"},
      {"event": "incomingFax", "next": "greet"}]},
    {"name": "greet", "type": "say-play", "transitions": [
      {"event": "audioComplete", "next": "missing"},
      {"event": "audioComplete"}]},
    {"name": "2nd", "type": "say-play", "transitions": []},
    {"name": "greet", "transitions": [{"next": "greet"}]}
  ]}`))
	require.NoError(t, err)

	ps := flow.Check(d)
	assert.Equal(t, flow.Problems{
		p("#/states/2/name", "2nd", flow.CodeStateNameInvalid, errSev),
		p("#/states/3/name", "greet", flow.CodeStateNameDuplicate, errSev),
		p("#/states/3/type", "greet", flow.CodeStateTypeMissing, errSev),
		p("#/states/0/transitions/1/event", "Trigger", flow.CodeTriggerEventUnknown, errSev),
		p("#/states/1/transitions/0/next", "greet", flow.CodeNextUnknown, errSev),
		p("#/states/1/transitions/1/event", "greet", flow.CodeEventDuplicate, errSev),
		p("#/states/3/transitions/0/event", "greet", flow.CodeEventMissing, errSev),
		p("#/states/2", "2nd", flow.CodeStateUnreachable, warnSev),
	}, withoutMessages(t, ps))
	assert.Len(t, ps.Errors(), 7)
	assert.Len(t, ps.Warnings(), 1)

	var inv *flow.InvalidError
	require.ErrorAs(t, ps.Err(), &inv)
	assert.Equal(t, ps, inv.Problems)
	assert.True(t, strings.HasPrefix(inv.Error(), "flow: invalid definition: 7 errors:\n"), inv.Error())
}

func TestCheckAcceptsModule(t *testing.T) {
	d, err := flow.Parse([]byte(`{
  "description": "Holiday check", "initial_state": "Begin",
  "exposed_variables": ["holiday_name"],
  "states": [
    {"name": "Begin", "type": "begin-module", "transitions": [{"event": "next", "next": "calendar"}],
     "properties": {"arguments": [{"name": "dnis", "type": "String", "variable": "dnis", "required": true}]}},
    {"name": "calendar", "type": "calendar-based-rules",
     "transitions": [{"event": "christmas", "next": "closed"}, {"event": "noMatch", "next": "open"}],
     "properties": {"timezone": "Europe/Lisbon", "rules": [{"name": "christmas", "dates": ["2026-12-25"], "annual": true}]}},
    {"name": "open", "type": "return-to-flow", "transitions": [], "properties": {"exit": "open"}},
    {"name": "closed", "type": "say-play", "transitions": [{"event": "audioComplete", "next": "stop"}]},
    {"name": "stop", "type": "end-flow", "transitions": [], "properties": {}}
  ]}`))
	require.NoError(t, err)
	assert.True(t, d.IsModule())
	assert.Equal(t, []string{"holiday_name"}, d.ExposedVariables)
	assert.Empty(t, flow.Check(d))
}

func TestCheckWithCheckers(t *testing.T) {
	d := sound()
	d.States = append(d.States, st("orphan", "say-play"))

	var calls []string
	first := flow.CheckerFunc(func(got *flow.Definition) flow.Problems {
		calls = append(calls, "first")
		assert.Same(t, d, got, "checkers see the definition given to Check")
		return flow.Problems{{Path: "#/states/1/properties/say", State: "greet", Code: "say_play.say_missing", Message: "nothing to say", Severity: errSev}}
	})
	second := flow.CheckerFunc(func(*flow.Definition) flow.Problems {
		calls = append(calls, "second")
		return flow.Problems{{Path: "#/states/4", State: "orphan", Code: "compat.voice_only", Message: "needs a call", Severity: warnSev}}
	})
	silent := flow.CheckerFunc(func(*flow.Definition) flow.Problems {
		calls = append(calls, "silent")
		return nil
	})

	ps := flow.Check(d, flow.WithCheckers(first, silent), flow.WithCheckers(second))
	assert.Equal(t, []string{"first", "silent", "second"}, calls, "checkers run in the order added")
	assert.Equal(t, flow.Problems{
		p("#/states/4", "orphan", flow.CodeStateUnreachable, warnSev), // structural first
		{Path: "#/states/1/properties/say", State: "greet", Code: "say_play.say_missing", Message: "nothing to say", Severity: errSev},
		{Path: "#/states/4", State: "orphan", Code: "compat.voice_only", Message: "needs a call", Severity: warnSev},
	}, append(withoutMessages(t, ps[:1]), ps[1:]...))
}

func TestCheckersRunDespiteStructuralErrors(t *testing.T) {
	d := sound()
	d.InitialState = ""
	ran := false
	ps := flow.Check(d, flow.WithCheckers(flow.CheckerFunc(func(*flow.Definition) flow.Problems {
		ran = true
		return nil
	})))
	assert.True(t, ran)
	assert.Equal(t, flow.Problems{p("#/initial_state", "", flow.CodeInitialStateMissing, errSev)}, withoutMessages(t, ps))
}

func TestProblemsHelpers(t *testing.T) {
	e1 := flow.Problem{Path: "#/states/3/transitions/0/next", State: "bye", Code: flow.CodeNextUnknown, Message: `event "audioComplete" goes to "nowhere", which is not a state of this definition`, Severity: errSev}
	w1 := flow.Problem{Path: "#/states/4", State: "orphan", Code: flow.CodeStateUnreachable, Message: `no path from "Trigger" reaches this state`, Severity: warnSev}
	e2 := flow.Problem{Path: "#/initial_state", Code: flow.CodeInitialStateMissing, Message: "initial_state is missing", Severity: errSev}

	t.Run("empty", func(t *testing.T) {
		var ps flow.Problems
		assert.False(t, ps.HasErrors())
		assert.Nil(t, ps.Errors())
		assert.Nil(t, ps.Warnings())
		assert.NoError(t, ps.Err())
	})
	t.Run("warnings only", func(t *testing.T) {
		ps := flow.Problems{w1}
		assert.False(t, ps.HasErrors())
		assert.Nil(t, ps.Errors())
		assert.Equal(t, flow.Problems{w1}, ps.Warnings())
		assert.NoError(t, ps.Err(), "warnings do not make a definition invalid")
	})
	t.Run("mixed", func(t *testing.T) {
		ps := flow.Problems{e1, w1, e2}
		assert.True(t, ps.HasErrors())
		assert.Equal(t, flow.Problems{e1, e2}, ps.Errors())
		assert.Equal(t, flow.Problems{w1}, ps.Warnings())
		assert.Equal(t, flow.Problems{e2}, ps.WithCode(flow.CodeInitialStateMissing))
		assert.Nil(t, ps.WithCode("no.such_code"))

		err := ps.Err()
		require.Error(t, err)
		assert.True(t, errors.Is(err, flow.ErrInvalid))
		var inv *flow.InvalidError
		require.True(t, errors.As(err, &inv))
		assert.Equal(t, ps, inv.Problems, "the error keeps every problem, warnings included")
		assert.Equal(t, "flow: invalid definition: 2 errors:\n"+
			`error #/states/3/transitions/0/next (state "bye"): event "audioComplete" goes to "nowhere", which is not a state of this definition [transition.next_unknown]`+"\n"+
			`error #/initial_state: initial_state is missing [initial_state.missing]`, err.Error())
	})
	t.Run("single error", func(t *testing.T) {
		err := flow.Problems{w1, e2}.Err()
		assert.Equal(t, "flow: invalid definition: error #/initial_state: initial_state is missing [initial_state.missing]", err.Error())
	})
	t.Run("strings", func(t *testing.T) {
		assert.Equal(t, `warning #/states/4 (state "orphan"): no path from "Trigger" reaches this state [state.unreachable]`, w1.String())
		assert.Equal(t, w1.String()+"\n"+e2.String(), flow.Problems{w1, e2}.String())
	})
}

func TestPaths(t *testing.T) {
	assert.Equal(t, "#/states/3", flow.StatePath(3))
	assert.Equal(t, "#/states/3/properties/timeout", flow.PropertyPath(3, "timeout"))
	assert.Equal(t, "#/states/3/transitions/0", flow.TransitionPath(3, 0))
}

func TestValidStateName(t *testing.T) {
	tests := []struct {
		name string
		want bool
	}{
		{"greet", true},
		{"Greet_2", true},
		{"a-b", true},
		{"", false},
		{"2greet", false},
		{"_greet", false},
		{"good bye", false},
		{"good\tbye", false},
		{"good\nbye", false},
		{"good.bye", false},
		{"ünicode", false},
		{"café", true},
		{"good\x00bye", false},
		{"good\u202ebye", false},
		{"good\u200bbye", false},
		{"good\xffbye", false},
		{"good\u00a0bye", false},
		{"good\u3000bye", false},
		{"good\u3164bye", false},
		{"good\u034fbye", false},
		{"good\ufe0fbye", false},
		{"good\u2800bye", false},
		{"a" + strings.Repeat("b", flow.MaxStateNameBytes-1), true},
		{"a" + strings.Repeat("b", flow.MaxStateNameBytes), false},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, flow.ValidStateName(tt.name), "ValidStateName(%q)", tt.name)
	}
}

// RenameState renames a state and every transition and the initial state
// that name it, and refuses a missing state or a taken name.
func TestRenameStateRewiresReferences(t *testing.T) {
	d, err := flow.Parse([]byte(`{"description": "r", "initial_state": "a", "states": [
	  {"name": "a", "type": "trigger", "transitions": [{"event": "incomingCall", "next": "b"}], "properties": {}},
	  {"name": "b", "type": "say-play", "transitions": [{"event": "audioComplete", "next": "b"}], "properties": {"say": "{{widgets.b.x}}"}}]}`))
	require.NoError(t, err)
	require.NoError(t, d.RenameState("b", "c"))
	assert.Equal(t, "c", d.States[1].Name)
	assert.Equal(t, "c", d.States[0].Transitions[0].Next)
	assert.Equal(t, "c", d.States[1].Transitions[0].Next)
	require.NoError(t, d.RenameState("a", "start"))
	assert.Equal(t, "start", d.InitialState)
	assert.ErrorIs(t, d.RenameState("nope", "x"), flow.ErrInvalid)
	assert.ErrorIs(t, d.RenameState("c", "start"), flow.ErrInvalid)
	assert.ErrorIs(t, d.RenameState("c", ""), flow.ErrInvalid)
}
