package twilio_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studioflow/studioflow/flow"
	"github.com/studioflow/studioflow/widgets"
	"github.com/studioflow/studioflow/widgets/fake"
	"github.com/studioflow/studioflow/widgets/modules"
	"github.com/studioflow/studioflow/widgets/standard"
	"github.com/studioflow/studioflow/widgets/twilio"
)

// Table tests of the core widgets: trigger, set-variables, split-based-on,
// say-play, gather-input-on-call, send-message, send-and-wait-for-reply and
// the module types (begin-module, return-to-flow, run-module).

// coreCompile compiles one state of type typ with props and transitions
// (the shared compile helper gives a state no transitions).
func coreCompile(t *testing.T, typ string, props map[string]any, trs ...flow.Transition) (widgets.Node, flow.Problems) {
	t.Helper()
	st := flow.State{Name: "w", Type: typ, Transitions: append([]flow.Transition{}, trs...), Properties: map[string]json.RawMessage{}}
	for k, v := range props {
		b, err := json.Marshal(v)
		require.NoError(t, err)
		st.Properties[k] = b
	}
	c, ps := standard.New().Compile(&flow.Definition{States: []flow.State{st}})
	require.NotNil(t, c.Nodes[0], "type %s did not compile", typ)
	return c.Nodes[0], ps
}

// coreEvents returns transitions on each event, ending their branch.
func coreEvents(events ...string) []flow.Transition {
	out := make([]flow.Transition, len(events))
	for i, e := range events {
		out[i] = flow.Transition{Event: e}
	}
	return out
}

// coreProblems renders problems as "path code" for exact comparison.
func coreProblems(ps flow.Problems) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Path+" "+p.Code)
	}
	return out
}

// promptVoice records every prompt and gather request, then lets the fake
// act.
type promptVoice struct {
	*fake.Voice
	says    []widgets.Prompt
	gathers []widgets.Gather
	calls   []string
}

func (v *promptVoice) Say(ctx context.Context, call string, p widgets.Prompt) error {
	v.says, v.calls = append(v.says, p), append(v.calls, call)
	return v.Voice.Say(ctx, call, p)
}

func (v *promptVoice) Gather(ctx context.Context, call string, g widgets.Gather) error {
	v.gathers, v.calls = append(v.gathers, g), append(v.calls, call)
	return v.Voice.Gather(ctx, call, g)
}

func promptServices() (*widgets.Services, *promptVoice) {
	v := &promptVoice{Voice: &fake.Voice{T: &fake.Transcript{}}}
	return &widgets.Services{Voice: v}, v
}

// spyMessaging records every message it is asked to send.
type spyMessaging struct {
	*fake.Messaging
	sent []widgets.Message
}

func (m *spyMessaging) Send(ctx context.Context, msg widgets.Message) (widgets.Sent, error) {
	m.sent = append(m.sent, msg)
	return m.Messaging.Send(ctx, msg)
}

func messagingServices() (*widgets.Services, *spyMessaging) {
	m := &spyMessaging{Messaging: &fake.Messaging{T: &fake.Transcript{}}}
	return &widgets.Services{Messaging: m}, m
}

// ---- registry ----

func TestCoreUnknownType(t *testing.T) {
	d := &flow.Definition{States: []flow.State{
		{Name: "a", Type: "say-ply", Transitions: []flow.Transition{}, Properties: map[string]json.RawMessage{}},
		{Name: "b", Type: "say-play", Transitions: []flow.Transition{}, Properties: map[string]json.RawMessage{"say": json.RawMessage(`"hi"`)}},
	}}
	c, ps := standard.New().Compile(d)
	require.Len(t, ps, 1)
	assert.Equal(t, "#/states/0/type", ps[0].Path)
	assert.Equal(t, widgets.CodeTypeUnknown, ps[0].Code)
	assert.Equal(t, flow.SeverityError, ps[0].Severity)
	assert.Equal(t, "a", ps[0].State)
	assert.Equal(t, `widget type "say-ply" is not known`, ps[0].Message)
	assert.Nil(t, c.Nodes[0])
	assert.Nil(t, c.Types[0])
	assert.NotNil(t, c.Nodes[1])
	assert.Equal(t, "say-play", c.Types[1].Name)
}

// Every core widget accepts transitions on each event it emits and reports
// one on any other event at #/states/0/transitions/J/event.
func TestCoreEventsChecked(t *testing.T) {
	tests := []struct {
		typ    string
		props  map[string]any
		events []string
		bad    string
	}{
		{"trigger", nil, []string{"incomingMessage", "incomingCall", "incomingConversationMessage", "incomingRequest", "incomingParent"}, "next"},
		{"set-variables", nil, []string{"next"}, "success"},
		{"split-based-on", map[string]any{"input": "{{flow.variables.x}}"}, []string{"noMatch", "match"}, "next"},
		{"say-play", map[string]any{"say": "hi"}, []string{"audioComplete"}, "next"},
		{"gather-input-on-call", nil, []string{"keypress", "speech", "timeout"}, "noMatch"},
		{"send-message", map[string]any{"body": "hi"}, []string{"sent", "failed"}, "deliveryFailure"},
		{"send-and-wait-for-reply", map[string]any{"body": "hi"}, []string{"incomingMessage", "timeout", "deliveryFailure"}, "failed"},
		{"begin-module", nil, []string{"next"}, "failed"},
		{"return-to-flow", map[string]any{"exit": "open"}, nil, "next"},
	}
	for _, tt := range tests {
		t.Run(tt.typ, func(t *testing.T) {
			n, ps := coreCompile(t, tt.typ, tt.props, coreEvents(tt.events...)...)
			assert.Empty(t, ps)
			assert.Equal(t, tt.events, n.Events())

			trs := coreEvents(append(append([]string(nil), tt.events...), tt.bad)...)
			_, ps = coreCompile(t, tt.typ, tt.props, trs...)
			require.Len(t, ps, 1, "%s", ps)
			assert.Equal(t, fmt.Sprintf("#/states/0/transitions/%d/event", len(tt.events)), ps[0].Path)
			assert.Equal(t, widgets.CodeEventNotEmitted, ps[0].Code)
			assert.Equal(t, flow.SeverityError, ps[0].Severity)
			assert.Contains(t, ps[0].Message, fmt.Sprintf("does not emit event %q", tt.bad))
		})
	}
}

// ---- trigger ----

func TestTriggerEmitsTheStartingEvent(t *testing.T) {
	ty := typeOf(t, "trigger")
	assert.False(t, ty.NeedsCall)
	assert.False(t, ty.NeedsMessaging)
	n := mustCompile(t, "trigger", map[string]any{"offset": map[string]any{"x": 0, "y": 0}})
	assert.Equal(t, flow.TriggerEvents(), n.Events())
	for _, ev := range flow.TriggerEvents() {
		t.Run(ev, func(t *testing.T) {
			sc := newStep(&widgets.Services{})
			sc.WithTrigger(ev)
			res := run(t, n, sc)
			assert.Equal(t, widgets.Result{Event: ev}, res)
		})
	}
}

// ---- set-variables ----

func TestSetVariablesChecks(t *testing.T) {
	runChecks(t, "set-variables", []check{
		{name: "no variables", props: map[string]any{}},
		{name: "empty list", props: map[string]any{"variables": []any{}}},
		{name: "numbers and booleans as values", props: map[string]any{"variables": []any{
			map[string]any{"key": "n", "value": 5}, map[string]any{"key": "b", "value": true}}}},
		{name: "not a list", props: map[string]any{"variables": map[string]any{"key": "a"}}, key: "variables", code: widgets.CodePropertyInvalid},
		{name: "a string", props: map[string]any{"variables": "a=b"}, key: "variables", code: widgets.CodePropertyInvalid},
		{name: "key missing", props: map[string]any{"variables": []any{map[string]any{"value": "x"}}}, key: "variables", code: widgets.CodePropertyMissing},
		{name: "key empty", props: map[string]any{"variables": []any{map[string]any{"key": "", "value": "x"}}}, key: "variables", code: widgets.CodePropertyMissing},
	})
}

func TestSetVariablesRun(t *testing.T) {
	assert.False(t, typeOf(t, "set-variables").NeedsCall)
	tests := []struct {
		name string
		vars []any
		want map[string]any
	}{
		{name: "none", vars: []any{}, want: map[string]any{}},
		{
			name: "in order, a later value reads an earlier one",
			vars: []any{
				map[string]any{"key": "caller", "value": "{{trigger.call.From}}"},
				map[string]any{"key": "greeting", "value": "Hello {{flow.variables.caller}}"},
			},
			want: map[string]any{"caller": "+15550001111", "greeting": "Hello +15550001111"},
		},
		{
			name: "a JSON number is a number, a boolean its text",
			vars: []any{map[string]any{"key": "count", "value": 5}, map[string]any{"key": "vip", "value": true}, map[string]any{"key": "blank", "value": ""}},
			want: map[string]any{"count": 5.0, "vip": "true", "blank": ""},
		},
		{
			name: "a key set twice keeps the last value",
			vars: []any{map[string]any{"key": "a", "value": "1"}, map[string]any{"key": "a", "value": "{{flow.variables.a}}2"}},
			want: map[string]any{"a": "12"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := mustCompile(t, "set-variables", map[string]any{"variables": tt.vars})
			sc := newStep(&widgets.Services{})
			res := run(t, n, sc)
			assert.Equal(t, widgets.Result{Event: "next"}, res)
			got, ok := sc.Lookup("flow.variables")
			require.True(t, ok)
			assert.Equal(t, tt.want, got)
		})
	}

	n := mustCompile(t, "set-variables", map[string]any{"variables": []any{
		map[string]any{"key": "ok", "value": "fine"}, map[string]any{"key": "bad", "value": "{{ x | nope }}"}}})
	_, err := n.Run(newStep(&widgets.Services{}))
	assert.ErrorContains(t, err, `variable "bad": `)
}

// ---- split-based-on ----

func splitMatch(conds ...flow.Condition) flow.Transition {
	return flow.Transition{Event: "match", Next: "x", Conditions: conds}
}

func splitCond(typ, value string, args ...string) flow.Condition {
	return flow.Condition{FriendlyName: typ + " " + value, Arguments: args, Type: typ, Value: value}
}

func TestSplitBasedOnChecks(t *testing.T) {
	// A bad condition value is reported at compile time with its JSON path.
	_, ps := coreCompile(t, "split-based-on", map[string]any{"input": "{{flow.variables.n}}"},
		flow.Transition{Event: "noMatch"},
		splitMatch(splitCond("equal_to", "1")),
		splitMatch(splitCond("equal_to", "2"), splitCond("less_than", "ten")),
		splitMatch(splitCond("regex", "(")),
		splitMatch(splitCond("is_before_time", "25:00")),
		splitMatch(splitCond("is_after_date", "2026-02-30")),
		splitMatch(splitCond("matches_any_of", " , ")),
	)
	assert.Equal(t, []string{
		"#/states/0/transitions/2/conditions/1/value property.invalid",
		"#/states/0/transitions/3/conditions/0/value property.invalid",
		"#/states/0/transitions/4/conditions/0/value property.invalid",
		"#/states/0/transitions/5/conditions/0/value property.invalid",
		"#/states/0/transitions/6/conditions/0/value property.invalid",
	}, coreProblems(ps))
	for _, p := range ps {
		assert.Equal(t, flow.SeverityError, p.Severity)
		assert.Equal(t, "w", p.State)
	}
	assert.Equal(t, `condition "less_than ten": less_than needs a number, got "ten"`, ps[0].Message)

	// Good values, and templated ones (checked when the step runs).
	_, ps = coreCompile(t, "split-based-on", map[string]any{"input": "{{flow.variables.n}}"},
		flow.Transition{Event: "noMatch"},
		splitMatch(splitCond("less_than", "10"), splitCond("greater_than", "-2.5")),
		splitMatch(splitCond("less_than", "{{flow.variables.limit}}")),
		splitMatch(splitCond("is_before_time", "09:30"), splitCond("is_after_date", "2026-02-28")),
		splitMatch(splitCond("is_blank", "")),
	)
	assert.Empty(t, ps)

	// An unknown condition type is an error too.
	_, ps = coreCompile(t, "split-based-on", map[string]any{"input": "x"},
		flow.Transition{Event: "noMatch"}, splitMatch(splitCond("equals", "1")))
	require.Len(t, ps.Errors(), 1)
	assert.Equal(t, widgets.CodePropertyInvalid, ps[0].Code)
	assert.Contains(t, ps[0].Path, "#/states/0/transitions/1/conditions/0/")
	assert.Contains(t, ps[0].Message, `unknown condition type "equals"`)
}

func TestSplitBasedOnRun(t *testing.T) {
	tests := []struct {
		name  string
		input string
		trs   []flow.Transition
		vars  map[string]any
		event string
		index int
	}{
		{
			name: "noMatch", input: "{{flow.variables.choice}}", vars: map[string]any{"choice": "3"},
			trs:   []flow.Transition{{Event: "noMatch"}, splitMatch(splitCond("equal_to", "1")), splitMatch(splitCond("equal_to", "2"))},
			event: "noMatch",
		},
		{
			name: "match: the 1-based index of the transition, noMatch counted", input: "{{flow.variables.choice}}", vars: map[string]any{"choice": "2"},
			trs:   []flow.Transition{{Event: "noMatch"}, splitMatch(splitCond("equal_to", "1")), splitMatch(splitCond("equal_to", "2"))},
			event: "match", index: 3,
		},
		{
			name: "match listed before noMatch", input: "{{flow.variables.choice}}", vars: map[string]any{"choice": "1"},
			trs:   []flow.Transition{splitMatch(splitCond("equal_to", "1")), {Event: "noMatch"}},
			event: "match", index: 1,
		},
		{
			name: "the first matching transition wins", input: "{{flow.variables.choice}}", vars: map[string]any{"choice": "ab"},
			trs:   []flow.Transition{{Event: "noMatch"}, splitMatch(splitCond("equal_to", "x")), splitMatch(splitCond("contains", "a")), splitMatch(splitCond("equal_to", "ab"))},
			event: "match", index: 3,
		},
		{
			name: "all conditions of a transition must hold", input: "{{flow.variables.n}}", vars: map[string]any{"n": "15"},
			trs: []flow.Transition{{Event: "noMatch"},
				splitMatch(splitCond("greater_than", "10"), splitCond("less_than", "12")),
				splitMatch(splitCond("greater_than", "10"), splitCond("less_than", "20"), splitCond("is_not_blank", "")),
			},
			event: "match", index: 3,
		},
		{
			name: "one failing condition of several means no match", input: "{{flow.variables.n}}", vars: map[string]any{"n": "25"},
			trs:   []flow.Transition{{Event: "noMatch"}, splitMatch(splitCond("greater_than", "10"), splitCond("less_than", "20"))},
			event: "noMatch",
		},
		{
			name: "a match transition without conditions never matches", input: "x", vars: map[string]any{},
			trs:   []flow.Transition{{Event: "noMatch"}, {Event: "match", Next: "x"}, splitMatch(splitCond("equal_to", "x"))},
			event: "match", index: 3,
		},
		{
			name: "the input wins over the condition's arguments", input: "{{flow.variables.choice}}", vars: map[string]any{"choice": "1", "other": "2"},
			trs:   []flow.Transition{{Event: "noMatch"}, splitMatch(splitCond("equal_to", "2", "{{flow.variables.other}}")), splitMatch(splitCond("equal_to", "1", "{{flow.variables.other}}"))},
			event: "match", index: 3,
		},
		{
			name: "without input, the first argument is tested", vars: map[string]any{"choice": "1", "other": "2"},
			trs:   []flow.Transition{{Event: "noMatch"}, splitMatch(splitCond("equal_to", "1", "{{flow.variables.other}}")), splitMatch(splitCond("equal_to", "2", "{{flow.variables.other}}", "{{flow.variables.choice}}"))},
			event: "match", index: 3,
		},
		{
			name: "without input or arguments, the empty text is tested", vars: map[string]any{},
			trs:   []flow.Transition{{Event: "noMatch"}, splitMatch(splitCond("is_not_blank", "")), splitMatch(splitCond("is_blank", ""))},
			event: "match", index: 3,
		},
		{
			name: "trimmed and case-insensitive", input: "{{flow.variables.answer}}", vars: map[string]any{"answer": "  YES "},
			trs:   []flow.Transition{{Event: "noMatch"}, splitMatch(splitCond("equal_to", "yes"))},
			event: "match", index: 2,
		},
		{
			name: "templated condition value", input: "{{flow.variables.n}}", vars: map[string]any{"n": "7", "limit": "10"},
			trs:   []flow.Transition{{Event: "noMatch"}, splitMatch(splitCond("greater_than", "{{flow.variables.limit}}")), splitMatch(splitCond("less_than", "{{flow.variables.limit}}"))},
			event: "match", index: 3,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := map[string]any{}
			if tt.input != "" {
				p["input"] = tt.input
			}
			n, ps := coreCompile(t, "split-based-on", p, tt.trs...)
			require.Empty(t, ps)
			sc := newStep(&widgets.Services{})
			for k, v := range tt.vars {
				sc.Set("flow.variables."+k, v)
			}
			res := run(t, n, sc)
			assert.Equal(t, widgets.Result{Event: tt.event, Transition: tt.index}, res)
		})
	}

	// A templated value that renders to something the condition cannot
	// use (a word, nothing at all) matches nothing: Twilio takes no branch
	// then ("Failed to transition because no match was found", 81005),
	// it does not fail the execution.
	n, ps := coreCompile(t, "split-based-on", map[string]any{"input": "5"},
		flow.Transition{Event: "noMatch"}, splitMatch(splitCond("less_than", "{{flow.variables.limit}}")))
	require.Empty(t, ps)
	for _, limit := range []string{"ten", ""} {
		res, err := n.Run(newStep(&widgets.Services{}).Set("flow.variables.limit", limit))
		require.NoError(t, err, limit)
		assert.Equal(t, "noMatch", res.Event, limit)
	}
	res, err := n.Run(newStep(&widgets.Services{}).Set("flow.variables.limit", "9"))
	require.NoError(t, err)
	assert.Equal(t, "match", res.Event)

	// A templated input the renderer refuses fails the step.
	n, _ = coreCompile(t, "split-based-on", map[string]any{"input": "{{ x | nope }}"}, flow.Transition{Event: "noMatch"})
	_, err = n.Run(newStep(&widgets.Services{}))
	assert.Error(t, err)
}

// ---- say-play ----

func TestSayPlayChecks(t *testing.T) {
	base := map[string]any{"say": "Hello"}
	runChecks(t, "say-play", []check{
		{name: "say", props: base},
		{name: "play", props: map[string]any{"play": "https://cdn.example.com/hello.mp3"}},
		{name: "digits", props: map[string]any{"digits": "1234w#"}},
		{name: "none of say, play, digits", props: map[string]any{"voice": "alice"}, key: "say", code: widgets.CodePropertyMissing},
		{name: "say empty", props: map[string]any{"say": ""}, key: "say", code: widgets.CodePropertyMissing},
		{name: "voice and language", props: props(base, map[string]any{"voice": "Polly.Joanna", "language": "en-US"})},
		{name: "loop lowest", props: props(base, map[string]any{"loop": 1})},
		{name: "loop highest", props: props(base, map[string]any{"loop": 99})},
		{name: "loop as a string", props: props(base, map[string]any{"loop": "3"})},
		{name: "loop zero", props: props(base, map[string]any{"loop": 0}), key: "loop", code: widgets.CodePropertyRange},
		{name: "loop too many", props: props(base, map[string]any{"loop": "100"}), key: "loop", code: widgets.CodePropertyRange},
		{name: "loop not a number", props: props(base, map[string]any{"loop": "twice"}), key: "loop", code: widgets.CodePropertyInvalid},
		{name: "loop not whole", props: props(base, map[string]any{"loop": 1.5}), key: "loop", code: widgets.CodePropertyInvalid},
		{name: "loop template", props: props(base, map[string]any{"loop": "{{flow.variables.n}}"}), key: "loop", code: widgets.CodePropertyTemplate, warn: true},
	})
}

func TestSayPlay(t *testing.T) {
	ty := typeOf(t, "say-play")
	assert.True(t, ty.NeedsCall)
	assert.Empty(t, ty.EndsCallOn)
	tests := []struct {
		name  string
		props map[string]any
		want  widgets.Prompt
		line  string
	}{
		{
			name:  "say, default loop 1",
			props: map[string]any{"say": "Hello {{trigger.call.From}}"},
			want:  widgets.Prompt{Say: "Hello +15550001111", Loop: 1},
			line:  `voice.say "Hello +15550001111"`,
		},
		{
			name:  "play with voice, language and a string loop",
			props: map[string]any{"play": "https://cdn.example.com/{{flow.variables.file}}", "voice": "Polly.Joanna", "language": "en-GB", "loop": "3"},
			want:  widgets.Prompt{Play: "https://cdn.example.com/hold.mp3", Voice: "Polly.Joanna", Language: "en-GB", Loop: 3},
			line:  `voice.play "https://cdn.example.com/hold.mp3"`,
		},
		{
			name:  "digits, loop 99",
			props: map[string]any{"digits": "{{flow.variables.ext}}#", "loop": 99},
			want:  widgets.Prompt{Digits: "1234#", Loop: 99},
			line:  `voice.digits "1234#"`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, v := promptServices()
			n := mustCompile(t, "say-play", tt.props)
			res := run(t, n, newStep(s).Set("flow.variables.file", "hold.mp3").Set("flow.variables.ext", "1234"))
			assert.Equal(t, widgets.Result{Event: "audioComplete"}, res)
			assert.Equal(t, []widgets.Prompt{tt.want}, v.says)
			assert.Equal(t, []string{"CA100"}, v.calls)
			assert.Equal(t, []string{tt.line}, v.T.Lines())
		})
	}
}

func TestSayPlayFailures(t *testing.T) {
	n := mustCompile(t, "say-play", map[string]any{"say": "Hello"})
	_, err := n.Run(newStep(&widgets.Services{}))
	assert.EqualError(t, err, "no voice service is configured")

	s, v := promptServices()
	v.Fail = errors.New("call not in progress")
	_, err = n.Run(newStep(s))
	assert.EqualError(t, err, "voice: call not in progress")

	bad := mustCompile(t, "say-play", map[string]any{"say": "{{ x | nope }}"})
	s, v = promptServices()
	_, err = bad.Run(newStep(s))
	assert.Error(t, err)
	assert.Empty(t, v.says, "nothing is said when the prompt does not render")
}

// ---- gather-input-on-call ----

func TestGatherInputOnCallChecks(t *testing.T) {
	base := map[string]any{"say": "Press 1"}
	runChecks(t, "gather-input-on-call", []check{
		{name: "minimal", props: base},
		{name: "no prompt at all", props: map[string]any{}},
		{name: "timeout zero", props: props(base, map[string]any{"timeout": 0})},
		{name: "timeout highest", props: props(base, map[string]any{"timeout": 30})},
		{name: "timeout as a string", props: props(base, map[string]any{"timeout": "10"})},
		{name: "timeout negative", props: props(base, map[string]any{"timeout": -1}), key: "timeout", code: widgets.CodePropertyRange},
		{name: "timeout too long", props: props(base, map[string]any{"timeout": "31"}), key: "timeout", code: widgets.CodePropertyRange},
		{name: "timeout not a number", props: props(base, map[string]any{"timeout": "soon"}), key: "timeout", code: widgets.CodePropertyInvalid},
		{name: "timeout template", props: props(base, map[string]any{"timeout": "{{flow.variables.t}}"}), key: "timeout", code: widgets.CodePropertyTemplate, warn: true},
		{name: "number_of_digits", props: props(base, map[string]any{"number_of_digits": 4})},
		{name: "number_of_digits as a string", props: props(base, map[string]any{"number_of_digits": "1"})},
		{name: "number_of_digits negative", props: props(base, map[string]any{"number_of_digits": -1}), key: "number_of_digits", code: widgets.CodePropertyRange},
		{name: "number_of_digits not whole", props: props(base, map[string]any{"number_of_digits": "2.5"}), key: "number_of_digits", code: widgets.CodePropertyInvalid},
		{name: "stop_gather false", props: props(base, map[string]any{"stop_gather": false})},
		{name: "stop_gather True", props: props(base, map[string]any{"stop_gather": "True"})},
		{name: "stop_gather False", props: props(base, map[string]any{"stop_gather": "False"})},
		{name: "stop_gather invalid", props: props(base, map[string]any{"stop_gather": "yes"}), key: "stop_gather", code: widgets.CodePropertyInvalid},
		{name: "profanity_filter as strings", props: props(base, map[string]any{"profanity_filter": "false"})},
		{name: "profanity_filter invalid", props: props(base, map[string]any{"profanity_filter": "maybe"}), key: "profanity_filter", code: widgets.CodePropertyInvalid},
		{name: "sensitive", props: props(base, map[string]any{"sensitive": "true"})},
		{name: "sensitive invalid", props: props(base, map[string]any{"sensitive": "secret"}), key: "sensitive", code: widgets.CodePropertyInvalid},
		{name: "loop too many", props: props(base, map[string]any{"loop": 100}), key: "loop", code: widgets.CodePropertyRange},
		{name: "loop zero", props: props(base, map[string]any{"loop": "0"}), key: "loop", code: widgets.CodePropertyRange},
		{name: "finish_on_key as an object", props: props(base, map[string]any{"finish_on_key": map[string]any{}}), key: "finish_on_key", code: widgets.CodePropertyInvalid},
		{name: "as the exports write it", props: map[string]any{
			"voice": "Polly.Mia", "speech_timeout": "auto", "offset": map[string]any{"x": 0, "y": 0}, "loop": 1, "finish_on_key": "#",
			"say": "Para español oprima 2", "language": "es-MX", "stop_gather": true, "gather_language": "es-MX",
			"profanity_filter": "true", "timeout": 5, "number_of_digits": 1, "speech_model": "numbers_and_commands", "hints": "uno, dos"}},
	})
}

func TestGatherInputOnCallRequests(t *testing.T) {
	ty := typeOf(t, "gather-input-on-call")
	assert.True(t, ty.NeedsCall)
	assert.Empty(t, ty.EndsCallOn)
	// Speech recognition is on only when the speech transition leads
	// somewhere; with stop_gather false no key ends the input (Twilio,
	// Gather Input On Call widget).
	tests := []struct {
		name      string
		props     map[string]any
		wired     []string
		want      widgets.Gather
		events    []string
		wait      time.Duration
		sensitive bool
	}{
		{
			name:  "defaults: timeout 5, finish on #, stop gather, keys only",
			props: map[string]any{"say": "Press 1 for sales"},
			wired: []string{"keypress", "timeout"},
			want: widgets.Gather{Prompt: widgets.Prompt{Say: "Press 1 for sales", Loop: 1}, Input: "dtmf",
				Timeout: 5 * time.Second, FinishOnKey: "#", StopGather: true, ProfanityFilter: true},
			events: []string{"keypress", "timeout"},
			wait:   5*time.Second + twilio.GatherGrace,
		},
		{
			name: "every property, string-encoded, speech wired",
			props: map[string]any{
				"play": "https://cdn.example.com/{{flow.variables.file}}", "voice": "Polly.Mia", "language": "es-MX", "loop": "2",
				"timeout": "12", "finish_on_key": "*", "number_of_digits": "4", "stop_gather": "False",
				"gather_language": "es-MX", "speech_model": "numbers_and_commands", "hints": "uno, dos", "profanity_filter": "False",
				"speech_timeout": "auto", "sensitive": "True"},
			wired: []string{"speech"},
			want: widgets.Gather{Prompt: widgets.Prompt{Play: "https://cdn.example.com/menu.mp3", Voice: "Polly.Mia", Language: "es-MX", Loop: 2},
				Input: "dtmf speech", Timeout: 12 * time.Second, FinishOnKey: "", NumDigits: 4, StopGather: false,
				Language: "es-MX", SpeechModel: "numbers_and_commands", Hints: "uno, dos", SpeechTimeout: "auto"},
			events:    []string{"keypress", "speech", "timeout"},
			wait:      12*time.Second + twilio.GatherGrace,
			sensitive: true,
		},
		{
			name:  "stop_gather True, timeout 0, JSON numbers and booleans",
			props: map[string]any{"say": "Enter your PIN", "stop_gather": "True", "timeout": 0, "number_of_digits": 6, "sensitive": true},
			want: widgets.Gather{Prompt: widgets.Prompt{Say: "Enter your PIN", Loop: 1}, Input: "dtmf",
				FinishOnKey: "#", NumDigits: 6, StopGather: true, ProfanityFilter: true},
			events:    []string{"keypress", "timeout"},
			wait:      twilio.GatherGrace,
			sensitive: true,
		},
		{
			name:  "timeout 30, empty finish_on_key kept, speech wired",
			props: map[string]any{"say": "Say something", "timeout": "30", "finish_on_key": "", "stop_gather": false},
			wired: []string{"keypress", "speech", "timeout"},
			want: widgets.Gather{Prompt: widgets.Prompt{Say: "Say something", Loop: 1}, Input: "dtmf speech",
				Timeout: 30 * time.Second, ProfanityFilter: true},
			events: []string{"keypress", "speech", "timeout"},
			wait:   30*time.Second + twilio.GatherGrace,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, v := promptServices()
			n := mustCompileWired(t, "gather-input-on-call", tt.props, tt.wired...)
			res := run(t, n, newStep(s).Set("flow.variables.file", "menu.mp3"))
			assert.Equal(t, []widgets.Gather{tt.want}, v.gathers)
			assert.Empty(t, v.says)
			assert.Equal(t, []string{"CA100"}, v.calls)
			assert.Equal(t, "", res.Event)
			assert.Nil(t, res.Outputs)
			require.NotNil(t, res.Wait)
			assert.Equal(t, &widgets.Wait{
				Events:    tt.events,
				Timeout:   tt.wait,
				Prompt:    map[string]any{"input": tt.want.Input, "number_of_digits": float64(tt.want.NumDigits), "sensitive": tt.sensitive},
				Sensitive: tt.sensitive,
			}, res.Wait)
		})
	}
}

// With stop_gather false no key ends the input: a # the caller pressed is
// one of the digits, not a finish key to strip.
func TestGatherWithoutStopGatherKeepsEveryKey(t *testing.T) {
	n := mustCompile(t, "gather-input-on-call", map[string]any{"say": "Enter your code", "stop_gather": false})
	res := resume(t, n, newStep(&widgets.Services{}).WithCall(widgets.Call{Sid: "CA900", Live: true}),
		widgets.Event{Name: "keypress", Data: map[string]any{"Digits": "12#"}})
	assert.Equal(t, "12#", res.Outputs["Digits"])
}

func TestGatherInputOnCallOutcomes(t *testing.T) {
	tests := []struct {
		name      string
		sensitive bool
		ev        widgets.Event
		want      map[string]any
	}{
		{name: "keypress", ev: widgets.Event{Name: "keypress", Data: map[string]any{"Digits": "1234", "CallSid": "CA100"}},
			want: map[string]any{"Digits": "1234"}},
		{name: "keypress, digits as a number", ev: widgets.Event{Name: "keypress", Data: map[string]any{"Digits": 42.0}},
			want: map[string]any{"Digits": "42"}},
		{name: "keypress without digits", ev: widgets.Event{Name: "keypress"},
			want: map[string]any{"Digits": ""}},
		{name: "speech", ev: widgets.Event{Name: "speech", Data: map[string]any{"SpeechResult": "sales please", "Confidence": "0.92", "Language": "en-US"}},
			want: map[string]any{"SpeechResult": "sales please", "Confidence": "0.92"}},
		{name: "speech, confidence as a number", ev: widgets.Event{Name: "speech", Data: map[string]any{"SpeechResult": "support", "Confidence": 0.5}},
			want: map[string]any{"SpeechResult": "support", "Confidence": "0.5"}},
		{name: "timeout", ev: widgets.Event{Name: "timeout", Data: map[string]any{"Digits": "9"}}, want: map[string]any{}},
		{name: "sensitive keypress", sensitive: true, ev: widgets.Event{Name: "keypress", Data: map[string]any{"Digits": "918273"}},
			want: map[string]any{"Digits": "[redacted]"}},
		{name: "sensitive keypress without digits stays empty", sensitive: true, ev: widgets.Event{Name: "keypress", Data: map[string]any{"Digits": ""}},
			want: map[string]any{"Digits": ""}},
		{name: "sensitive speech keeps the confidence", sensitive: true, ev: widgets.Event{Name: "speech", Data: map[string]any{"SpeechResult": "my pin is 918273", "Confidence": "0.8"}},
			want: map[string]any{"SpeechResult": "[redacted]", "Confidence": "0.8"}},
		{name: "sensitive timeout", sensitive: true, ev: widgets.Event{Name: "timeout"}, want: map[string]any{}},
		{name: "sensitive keypress stores nothing else of the event", sensitive: true,
			ev:   widgets.Event{Name: "keypress", Data: map[string]any{"Digits": "918273", "UnstableSpeechResult": "918273", "Pin": "918273"}},
			want: map[string]any{"Digits": "[redacted]"}},
	}
	// Every outcome carries the call's parameters: here, from the live call
	// (CA100) and from trigger.call, which that call started.
	call := map[string]any{"CallSid": "CA100", "CallStatus": "in-progress", "From": "+15550001111"}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := mustCompile(t, "gather-input-on-call", map[string]any{"say": "Enter", "sensitive": tt.sensitive})
			res := resume(t, n, newStep(&widgets.Services{}), tt.ev)
			assert.Equal(t, widgets.Result{Event: tt.ev.Name, Outputs: props(call, tt.want)}, res)
		})
	}
	assert.Equal(t, "[redacted]", widgets.Redacted)
}

func TestGatherInputOnCallFailures(t *testing.T) {
	n := mustCompile(t, "gather-input-on-call", map[string]any{"say": "Press 1"})
	_, err := n.Run(newStep(&widgets.Services{}))
	assert.EqualError(t, err, "no voice service is configured")

	s, v := promptServices()
	v.Fail = errors.New("call not in progress")
	_, err = n.Run(newStep(s))
	assert.EqualError(t, err, "voice: call not in progress")

	bad := mustCompile(t, "gather-input-on-call", map[string]any{"say": "{{ x | nope }}"})
	s, v = promptServices()
	_, err = bad.Run(newStep(s))
	assert.Error(t, err)
	assert.Empty(t, v.gathers)
}

// ---- send-message ----

func TestSendMessageChecks(t *testing.T) {
	runChecks(t, "send-message", []check{
		{name: "body", props: map[string]any{"body": "Hi"}},
		{name: "every property", props: map[string]any{"body": "Hi", "from": "{{flow.channel.address}}", "to": "+15550002222", "media_url": "https://a.example.com/x.png", "channel": "whatsapp"}},
		{name: "body missing", props: map[string]any{"to": "+15550002222"}, key: "body", code: widgets.CodePropertyMissing},
		{name: "body empty", props: map[string]any{"body": ""}, key: "body", code: widgets.CodePropertyMissing},
		{name: "body blank", props: map[string]any{"body": "  "}, key: "body", code: widgets.CodePropertyMissing},
		{name: "body an object", props: map[string]any{"body": map[string]any{"text": "Hi"}}, key: "body", code: widgets.CodePropertyInvalid},
	})
}

func TestSendMessage(t *testing.T) {
	ty := typeOf(t, "send-message")
	assert.False(t, ty.NeedsCall)
	assert.False(t, ty.NeedsMessaging)
	tests := []struct {
		name  string
		props map[string]any
		want  widgets.Message
	}{
		{
			name:  "defaults: from the flow's address to the contact's",
			props: map[string]any{"body": "Thanks for calling"},
			want:  widgets.Message{From: "+15550009999", To: "+15550001111", Body: "Thanks for calling"},
		},
		{
			name: "every property templated, media split on commas",
			props: map[string]any{"body": "Hi {{flow.variables.name}}", "from": "{{flow.variables.sender}}", "to": "{{flow.variables.agent}}",
				"media_url": " https://a.example.com/1.png, {{flow.variables.img}} ,, ", "channel": "whatsapp"},
			want: widgets.Message{From: "+15550003333", To: "+15550004444", Body: "Hi Ana",
				MediaURL: []string{"https://a.example.com/1.png", "https://a.example.com/2.png"}, Channel: "whatsapp"},
		},
		{
			name:  "a blank rendered address falls back to the default",
			props: map[string]any{"body": "x", "from": "{{flow.variables.none}}", "to": "{{flow.variables.none}}", "media_url": " "},
			want:  widgets.Message{From: "+15550009999", To: "+15550001111", Body: "x"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, m := messagingServices()
			n := mustCompile(t, "send-message", tt.props)
			sc := newStep(s).Messaging().Set("flow.variables.name", "Ana").Set("flow.variables.sender", "+15550003333").
				Set("flow.variables.agent", "+15550004444").Set("flow.variables.img", "https://a.example.com/2.png")
			res := run(t, n, sc)
			assert.Equal(t, []widgets.Message{tt.want}, m.sent)
			sent := func() map[string]any {
				return map[string]any{"Sid": "SM00000001", "To": tt.want.To, "From": tt.want.From, "Body": tt.want.Body, "Status": "sent"}
			}
			assert.Equal(t, widgets.Result{Event: "sent", Outputs: map[string]any{"outbound": sent(), "message": sent()}}, res)
		})
	}

	// A send during a call works too.
	s, m := messagingServices()
	res := run(t, mustCompile(t, "send-message", map[string]any{"body": "on the call"}), newStep(s))
	assert.Equal(t, "sent", res.Event)
	assert.Len(t, m.sent, 1)
}

// In an execution a conversation's message started, a reply to the
// contact goes into that conversation: no recipient, or the contact's
// address as Studio's exports write it ({{contact.channel.address}}); a
// message to someone else, or on a named channel, does not.
func TestSendMessageRepliesIntoTheConversation(t *testing.T) {
	for _, tt := range []struct {
		name  string
		props map[string]any
		want  string
	}{
		{"no recipient", map[string]any{"body": "hi"}, "CH1"},
		{"the contact, as exports write it", map[string]any{"body": "hi", "to": "{{contact.channel.address}}", "channel": "{{trigger.message.ChannelSid}}"}, "CH1"},
		{"someone else", map[string]any{"body": "hi", "to": "+15550004444"}, ""},
		{"a named channel", map[string]any{"body": "hi", "channel": "whatsapp"}, ""},
	} {
		s, m := messagingServices()
		sc := newStep(s).Messaging().Set("trigger.conversation.ConversationSid", "CH1")
		run(t, mustCompile(t, "send-message", tt.props), sc)
		require.Len(t, m.sent, 1, tt.name)
		assert.Equal(t, tt.want, m.sent[0].ConversationSid, tt.name)
	}
	s, m := messagingServices() // not started by a conversation
	run(t, mustCompile(t, "send-message", map[string]any{"body": "hi"}), newStep(s).Messaging())
	require.Len(t, m.sent, 1)
	assert.Empty(t, m.sent[0].ConversationSid)
}

func TestSendMessageFailures(t *testing.T) {
	n := mustCompile(t, "send-message", map[string]any{"body": "Hi {{flow.variables.name}}"})
	s, m := messagingServices()
	m.Fail = errors.New("21610: unsubscribed recipient")
	res := run(t, n, newStep(s).Set("flow.variables.name", "Ana"))
	assert.Equal(t, widgets.Result{Event: "failed", Outputs: map[string]any{
		"error":    "21610: unsubscribed recipient",
		"outbound": map[string]any{"Sid": "", "To": "+15550001111", "From": "+15550009999", "Body": "Hi Ana", "Status": ""},
		"message":  map[string]any{"Sid": "", "To": "+15550001111", "From": "+15550009999", "Body": "Hi Ana", "Status": ""},
	}}, res)

	_, err := n.Run(newStep(&widgets.Services{}))
	assert.EqualError(t, err, "no messaging service is configured")

	bad := mustCompile(t, "send-message", map[string]any{"body": "{{ x | nope }}"})
	s, m = messagingServices()
	_, err = bad.Run(newStep(s))
	assert.Error(t, err)
	assert.Empty(t, m.sent)
}

// ---- send-and-wait-for-reply ----

func TestSendAndWaitForReplyChecks(t *testing.T) {
	base := map[string]any{"body": "Reply YES to confirm"}
	runChecks(t, "send-and-wait-for-reply", []check{
		{name: "minimal", props: base},
		{name: "body missing", props: map[string]any{"timeout": 60}, key: "body", code: widgets.CodePropertyMissing},
		{name: "timeout lowest", props: props(base, map[string]any{"timeout": 1})},
		{name: "timeout highest", props: props(base, map[string]any{"timeout": 2592000})},
		{name: "timeout as a string", props: props(base, map[string]any{"timeout": "3600"})},
		{name: "timeout zero", props: props(base, map[string]any{"timeout": 0}), key: "timeout", code: widgets.CodePropertyRange},
		{name: "timeout too long", props: props(base, map[string]any{"timeout": "2592001"}), key: "timeout", code: widgets.CodePropertyRange},
		{name: "timeout not a number", props: props(base, map[string]any{"timeout": "an hour"}), key: "timeout", code: widgets.CodePropertyInvalid},
		{name: "timeout templated: checked at run time", props: props(base, map[string]any{"timeout": "{{flow.variables.t}}"})},
	})
	// A templated timeout is not even a warning.
	_, ps := compile(t, "send-and-wait-for-reply", props(base, map[string]any{"timeout": "{{flow.variables.t}}"}))
	assert.Empty(t, ps)
}

func TestSendAndWaitForReply(t *testing.T) {
	ty := typeOf(t, "send-and-wait-for-reply")
	assert.True(t, ty.NeedsMessaging)
	assert.False(t, ty.NeedsCall)
	tests := []struct {
		name    string
		props   map[string]any
		t       string
		want    widgets.Message
		timeout time.Duration
	}{
		{
			name:    "defaults: an hour, flow to contact",
			props:   map[string]any{"body": "Reply YES"},
			want:    widgets.Message{From: "+15550009999", To: "+15550001111", Body: "Reply YES"},
			timeout: time.Hour,
		},
		{
			name:    "string timeout, from, media and channel",
			props:   map[string]any{"body": "Pick one", "from": "+15550003333", "timeout": "60", "media_url": "https://a.example.com/m.png", "channel": "sms"},
			want:    widgets.Message{From: "+15550003333", To: "+15550001111", Body: "Pick one", MediaURL: []string{"https://a.example.com/m.png"}, Channel: "sms"},
			timeout: time.Minute,
		},
		{
			name:    "highest timeout",
			props:   map[string]any{"body": "x", "timeout": 2592000},
			want:    widgets.Message{From: "+15550009999", To: "+15550001111", Body: "x"},
			timeout: 30 * 24 * time.Hour,
		},
		{
			name:    "templated timeout rendered at run time",
			props:   map[string]any{"body": "x", "timeout": "{{flow.variables.t}}"},
			t:       "120",
			want:    widgets.Message{From: "+15550009999", To: "+15550001111", Body: "x"},
			timeout: 2 * time.Minute,
		},
		{
			name:    "templated timeout rendering blank takes the default",
			props:   map[string]any{"body": "x", "timeout": "{{flow.variables.t}}"},
			t:       " ",
			want:    widgets.Message{From: "+15550009999", To: "+15550001111", Body: "x"},
			timeout: time.Hour,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, m := messagingServices()
			n := mustCompile(t, "send-and-wait-for-reply", tt.props)
			res := run(t, n, newStep(s).Messaging().Set("flow.variables.t", tt.t))
			assert.Equal(t, []widgets.Message{tt.want}, m.sent)
			assert.Equal(t, widgets.Result{
				Outputs: map[string]any{"outbound": map[string]any{"Sid": "SM00000001", "To": tt.want.To, "From": tt.want.From, "Body": tt.want.Body, "Status": "sent"}},
				Wait: &widgets.Wait{
					Events:  []string{"incomingMessage", "timeout", "deliveryFailure"},
					Timeout: tt.timeout,
					Prompt:  map[string]any{"input": "reply"},
				},
			}, res)
		})
	}
}

func TestSendAndWaitForReplyFailures(t *testing.T) {
	n := mustCompile(t, "send-and-wait-for-reply", map[string]any{"body": "Reply YES", "timeout": "{{flow.variables.t}}"})
	for _, tc := range []struct{ t, err string }{
		{"0", "timeout rendered 0, outside 1 to 2592000"},
		{"2592001", "timeout rendered 2592001, outside 1 to 2592000"},
		{"-5", "timeout rendered -5, outside 1 to 2592000"},
		{"soon", `timeout rendered "soon", which is not a whole number`},
		{"1.5", `timeout rendered "1.5", which is not a whole number`},
	} {
		t.Run(tc.t, func(t *testing.T) {
			s, m := messagingServices()
			_, err := n.Run(newStep(s).Messaging().Set("flow.variables.t", tc.t))
			assert.EqualError(t, err, tc.err)
			assert.Empty(t, m.sent, "nothing is sent with a bad timeout")
		})
	}

	// A send error takes deliveryFailure at once, without waiting.
	s, m := messagingServices()
	m.Fail = errors.New("30003: unreachable")
	res := run(t, n, newStep(s).Messaging().Set("flow.variables.t", "60"))
	assert.Equal(t, widgets.Result{Event: "deliveryFailure", Outputs: map[string]any{
		"error":    "30003: unreachable",
		"outbound": map[string]any{"Sid": "", "To": "+15550001111", "From": "+15550009999", "Body": "Reply YES", "Status": ""},
	}}, res)

	_, err := n.Run(newStep(&widgets.Services{}))
	assert.EqualError(t, err, "no messaging service is configured")
}

func TestSendAndWaitForReplyOutcomes(t *testing.T) {
	n := mustCompile(t, "send-and-wait-for-reply", map[string]any{"body": "Reply YES"})
	data := map[string]any{"Body": "YES", "From": "+15550001111", "To": "+15550009999", "MessageSid": "SM900",
		"NumMedia": "0", "Extra": map[string]any{"tags": []any{"a"}}}
	res := resume(t, n, newStep(&widgets.Services{}).Messaging(), widgets.Event{Name: "incomingMessage", Data: data})
	want := map[string]any{"inbound": map[string]any{"Body": "YES", "From": "+15550001111", "To": "+15550009999", "MessageSid": "SM900",
		"NumMedia": "0", "Extra": map[string]any{"tags": []any{"a"}}}}
	assert.Equal(t, widgets.Result{Event: "incomingMessage", Outputs: want}, res)
	// The outputs are a copy: the host's data may change afterwards.
	data["Body"] = "NO"
	data["Extra"].(map[string]any)["tags"].([]any)[0] = "b"
	assert.Equal(t, want, res.Outputs)

	for _, ev := range []string{"timeout", "deliveryFailure"} {
		res := resume(t, n, newStep(&widgets.Services{}).Messaging(), widgets.Event{Name: ev, Data: map[string]any{"ErrorCode": "30003"}})
		assert.Equal(t, widgets.Result{Event: ev}, res)
	}
}

// ---- begin-module ----

func TestBeginModuleChecks(t *testing.T) {
	arg := func(kv ...any) map[string]any {
		m := map[string]any{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	}
	args := func(as ...map[string]any) map[string]any {
		l := make([]any, len(as))
		for i, a := range as {
			l[i] = a
		}
		return map[string]any{"arguments": l}
	}
	runChecks(t, "begin-module", []check{
		{name: "no arguments", props: map[string]any{}},
		{name: "every type", props: args(
			arg("name", "dnis", "type", "String", "variable", "dnis", "required", true),
			arg("name", "vip", "type", "Boolean", "required", false, "default", "false"),
			arg("name", "tries", "type", "Number", "required", "false", "default", 3))},
		{name: "required as a string", props: args(arg("name", "a", "type", "String", "required", "true"))},
		{name: "default converts", props: args(arg("name", "n", "type", "Number", "default", " -2.5 "))},
		{name: "boolean default as JSON", props: args(arg("name", "b", "type", "Boolean", "default", true))},
		{name: "not a list", props: map[string]any{"arguments": "dnis"}, key: "arguments", code: widgets.CodePropertyInvalid},
		{name: "required not a boolean", props: args(arg("name", "a", "type", "String", "required", "maybe")), key: "arguments", code: widgets.CodePropertyInvalid},
		{name: "name missing", props: args(arg("type", "String")), key: "arguments", code: widgets.CodePropertyMissing},
		{name: "unknown type", props: args(arg("name", "d", "type", "Date")), key: "arguments", code: widgets.CodePropertyInvalid},
		{name: "type missing", props: args(arg("name", "d")), key: "arguments", code: widgets.CodePropertyInvalid},
		{name: "type in lower case", props: args(arg("name", "d", "type", "string")), key: "arguments", code: widgets.CodePropertyInvalid},
		{name: "duplicate", props: args(arg("name", "a", "type", "String"), arg("name", "a", "type", "Number")), key: "arguments", code: widgets.CodePropertyInvalid},
		{name: "Number default not a number", props: args(arg("name", "n", "type", "Number", "default", "three")), key: "arguments", code: widgets.CodePropertyInvalid},
		{name: "Boolean default not a boolean", props: args(arg("name", "b", "type", "Boolean", "default", "yes")), key: "arguments", code: widgets.CodePropertyInvalid},
	})

	// The messages name the argument.
	_, ps := compile(t, "begin-module", args(
		arg("name", "a", "type", "Date"),
		arg("name", "a", "type", "String"),
		arg("name", "n", "type", "Number", "default", "three")))
	msgs := []string{}
	for _, p := range ps {
		assert.Equal(t, "#/states/0/properties/arguments", p.Path)
		msgs = append(msgs, p.Message)
	}
	assert.Equal(t, []string{
		`argument "a" has type "Date"; use String, Boolean or Number`,
		`argument "a" is declared twice`,
		`argument "n": default "three" is not a Number`,
	}, msgs)
}

func TestModuleArgumentRequired(t *testing.T) {
	for _, tc := range []struct {
		src  string
		want bool
	}{
		{`{"name": "a", "type": "String"}`, true},
		{`{"name": "a", "type": "String", "required": true}`, true},
		{`{"name": "a", "type": "String", "required": "true"}`, true},
		{`{"name": "a", "type": "String", "required": false}`, false},
		{`{"name": "a", "type": "String", "required": "false"}`, false},
		{`{"name": "a", "type": "String", "required": "False"}`, false},
	} {
		var a modules.Argument
		require.NoError(t, json.Unmarshal([]byte(tc.src), &a), tc.src)
		assert.Equal(t, tc.want, a.IsRequired(), tc.src)
	}
	var a modules.Argument
	require.NoError(t, json.Unmarshal([]byte(`{"name": "n", "type": "Number", "default": 5}`), &a))
	require.NotNil(t, a.Default)
	assert.Equal(t, "5", *a.Default)
	assert.Error(t, json.Unmarshal([]byte(`{"name": "a", "required": "maybe"}`), &a))
}

func TestBeginModuleRun(t *testing.T) {
	args := []any{
		map[string]any{"name": "dnis", "type": "String", "variable": "called"},
		map[string]any{"name": "vip", "type": "Boolean", "required": "false", "default": "false"},
		map[string]any{"name": "tries", "type": "Number", "required": false, "default": 3},
		map[string]any{"name": "note", "type": "String", "required": false},
		map[string]any{"name": "score", "type": "Number", "required": false},
	}
	n := mustCompile(t, "begin-module", map[string]any{"arguments": args})
	tests := []struct {
		name   string
		params map[string]any
		vars   map[string]any
		fail   string
	}{
		{
			name:   "defaults converted, optional without default unset",
			params: map[string]any{"dnis": "+15550008888"},
			vars:   map[string]any{"called": "+15550008888", "vip": false, "tries": 3.0},
		},
		{
			name:   "every value given and converted",
			params: map[string]any{"dnis": "+15550008888", "vip": "TRUE", "tries": " 5 ", "note": "hi", "score": "-1.5"},
			vars:   map[string]any{"called": "+15550008888", "vip": true, "tries": 5.0, "note": "hi", "score": -1.5},
		},
		{
			name:   "JSON numbers and booleans given",
			params: map[string]any{"dnis": 42.0, "vip": true, "tries": 7.0},
			vars:   map[string]any{"called": "42", "vip": true, "tries": 7.0},
		},
		{
			name:   "blank values take the default or stay unset; a required String may be blank",
			params: map[string]any{"dnis": "", "vip": " ", "tries": "", "note": "", "score": " "},
			vars:   map[string]any{"called": "", "vip": false, "tries": 3.0},
		},
		{
			name:   "a required argument not given fails",
			params: map[string]any{"vip": "true"},
			fail:   `module argument "dnis" (String) is required and was not given`,
		},
		{
			name:   "a value that does not convert fails",
			params: map[string]any{"dnis": "+1", "tries": "three"},
			fail:   `module argument "tries": "three" is not a Number`,
		},
		{
			name:   "a Boolean that does not convert fails",
			params: map[string]any{"dnis": "+1", "vip": "yes"},
			fail:   `module argument "vip": "yes" is not a Boolean (true or false)`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc := newStep(&widgets.Services{})
			sc.Set("trigger.parent.parameters", tt.params)
			res := run(t, n, sc)
			if tt.fail != "" {
				assert.Equal(t, widgets.Result{Return: &widgets.Return{Failed: true, Reason: tt.fail}}, res)
				return
			}
			assert.Equal(t, widgets.Result{Event: "next"}, res)
			got, _ := sc.Lookup("flow.variables")
			assert.Equal(t, tt.vars, got)
		})
	}

	// A blank required Boolean is not given.
	b := mustCompile(t, "begin-module", map[string]any{"arguments": []any{map[string]any{"name": "vip", "type": "Boolean"}}})
	res := run(t, b, newStep(&widgets.Services{}).Set("trigger.parent.parameters", map[string]any{"vip": " "}))
	assert.Equal(t, widgets.Result{Return: &widgets.Return{Failed: true, Reason: `module argument "vip" (Boolean) is required and was not given`}}, res)

	// No parameters at all.
	res = run(t, b, newStep(&widgets.Services{}))
	assert.True(t, res.Return.Failed)
}

// ---- return-to-flow ----

func TestReturnToFlowChecks(t *testing.T) {
	runChecks(t, "return-to-flow", []check{
		{name: "exit", props: map[string]any{"exit": "open"}},
		{name: "exit and outputs", props: map[string]any{"exit": "open", "outputs": []any{map[string]any{"name": "a", "value": "{{flow.variables.a}}"}}}},
		{name: "exit missing", props: map[string]any{}, key: "exit", code: widgets.CodePropertyMissing},
		{name: "exit blank", props: map[string]any{"exit": " "}, key: "exit", code: widgets.CodePropertyMissing},
		{name: "outputs not a list", props: map[string]any{"exit": "open", "outputs": "a"}, key: "outputs", code: widgets.CodePropertyInvalid},
		{name: "output without name", props: map[string]any{"exit": "open", "outputs": []any{map[string]any{"value": "x"}}}, key: "outputs", code: widgets.CodePropertyMissing},
	})
}

func TestReturnToFlowRun(t *testing.T) {
	n := mustCompile(t, "return-to-flow", map[string]any{"exit": "closed", "outputs": []any{
		map[string]any{"name": "holiday_name", "value": "{{flow.variables.holiday}}"},
		map[string]any{"name": "fixed", "value": "none"},
		map[string]any{"name": "count", "value": 2},
	}})
	assert.Nil(t, n.Events())
	res := run(t, n, newStep(&widgets.Services{}).Set("flow.variables.holiday", "Christmas"))
	assert.Equal(t, widgets.Result{Return: &widgets.Return{Exit: "closed", Outputs: map[string]any{
		"holiday_name": "Christmas", "fixed": "none", "count": "2"}}}, res)

	n = mustCompile(t, "return-to-flow", map[string]any{"exit": "open"})
	res = run(t, n, newStep(&widgets.Services{}))
	assert.Equal(t, widgets.Result{Return: &widgets.Return{Exit: "open", Outputs: map[string]any{}}}, res)

	n = mustCompile(t, "return-to-flow", map[string]any{"exit": "open", "outputs": []any{map[string]any{"name": "bad", "value": "{{ x | nope }}"}}})
	_, err := n.Run(newStep(&widgets.Services{}))
	assert.ErrorContains(t, err, `output "bad": `)
}

// ---- run-module ----

func TestRunModuleChecks(t *testing.T) {
	runChecks(t, "run-module", []check{
		{name: "module", props: map[string]any{"module": "Holiday check"}},
		{name: "everything", props: map[string]any{"module": "Holiday check",
			"arguments": []any{map[string]any{"name": "dnis", "value": "{{trigger.call.To}}"}},
			"outputs":   []any{map[string]any{"name": "holiday_name", "variable": "holiday"}}}},
		{name: "module missing", props: map[string]any{}, key: "module", code: widgets.CodePropertyMissing},
		{name: "module blank", props: map[string]any{"module": ""}, key: "module", code: widgets.CodePropertyMissing},
		{name: "argument without name", props: map[string]any{"module": "m", "arguments": []any{map[string]any{"value": "x"}}}, key: "arguments", code: widgets.CodePropertyMissing},
		{name: "arguments not a list", props: map[string]any{"module": "m", "arguments": map[string]any{"dnis": "x"}}, key: "arguments", code: widgets.CodePropertyInvalid},
		{name: "output without name", props: map[string]any{"module": "m", "outputs": []any{map[string]any{"variable": "x"}}}, key: "outputs", code: widgets.CodePropertyMissing},
	})
}

func TestRunModuleEvents(t *testing.T) {
	n, ps := coreCompile(t, "run-module", map[string]any{"module": "m"}, coreEvents("open", "closed", "failed", "open")...)
	assert.Empty(t, ps)
	assert.Equal(t, []string{"failed", "open", "closed"}, n.Events())

	n, ps = coreCompile(t, "run-module", map[string]any{"module": "m"})
	assert.Empty(t, ps)
	assert.Equal(t, []string{"failed"}, n.Events())
}

func TestRunModuleRun(t *testing.T) {
	n := mustCompile(t, "run-module", map[string]any{"module": "Holiday check", "arguments": []any{
		map[string]any{"name": "dnis", "value": "{{trigger.call.From}}"},
		map[string]any{"name": "vip", "value": true},
		map[string]any{"name": "tries", "value": 3},
	}})
	res := run(t, n, newStep(&widgets.Services{}))
	assert.Equal(t, widgets.Result{Enter: &widgets.Enter{Kind: widgets.FrameModule, Ref: "Holiday check",
		Parameters: map[string]any{"dnis": "+15550001111", "vip": "true", "tries": "3"}}}, res)

	n = mustCompile(t, "run-module", map[string]any{"module": "m"})
	res = run(t, n, newStep(&widgets.Services{}))
	assert.Equal(t, widgets.Result{Enter: &widgets.Enter{Kind: widgets.FrameModule, Ref: "m", Parameters: map[string]any{}}}, res)

	n = mustCompile(t, "run-module", map[string]any{"module": "m", "arguments": []any{map[string]any{"name": "bad", "value": "{{ x | nope }}"}}})
	_, err := n.Run(newStep(&widgets.Services{}))
	assert.ErrorContains(t, err, `argument "bad": `)
}

func TestRunModuleReturn(t *testing.T) {
	n := mustCompile(t, "run-module", map[string]any{"module": "Holiday check", "outputs": []any{
		map[string]any{"name": "holiday_name", "variable": "holiday"},
		map[string]any{"name": "missing", "variable": "never"},
		map[string]any{"name": "unbound"},
	}})
	ret, ok := n.(widgets.Returner)
	require.True(t, ok)
	tests := []struct {
		name string
		in   widgets.Returned
		want widgets.Result
		vars map[string]any
	}{
		{
			name: "failed",
			in:   widgets.Returned{Failed: true, Reason: `module argument "dnis" (String) is required and was not given`},
			want: widgets.Result{Event: "failed", Outputs: map[string]any{"error": `module argument "dnis" (String) is required and was not given`}},
			vars: map[string]any{},
		},
		{
			name: "no exit: the module ended without a return-to-flow",
			in:   widgets.Returned{Outputs: map[string]any{"holiday_name": "x"}},
			want: widgets.Result{Event: "failed", Outputs: map[string]any{"error": `module "Holiday check" ended without a return-to-flow`}},
			vars: map[string]any{},
		},
		{
			name: "an exit: outputs bound to variables and exposed with the exit",
			in:   widgets.Returned{Exit: "closed", Outputs: map[string]any{"holiday_name": "Christmas", "unbound": "u", "extra": "e"}},
			want: widgets.Result{Event: "closed", Outputs: map[string]any{"holiday_name": "Christmas", "unbound": "u", "extra": "e", "exit": "closed"}},
			vars: map[string]any{"holiday": "Christmas"},
		},
		{
			name: "an exit without outputs",
			in:   widgets.Returned{Exit: "open"},
			want: widgets.Result{Event: "open", Outputs: map[string]any{"exit": "open"}},
			vars: map[string]any{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc := newStep(&widgets.Services{})
			res, err := ret.Return(sc, tt.in)
			require.NoError(t, err)
			assert.Equal(t, tt.want, res)
			got, _ := sc.Lookup("flow.variables")
			assert.Equal(t, tt.vars, got)
		})
	}

	// The outputs are a copy of what the module returned.
	outs := map[string]any{"holiday_name": "Christmas"}
	res, err := ret.Return(newStep(&widgets.Services{}), widgets.Returned{Exit: "closed", Outputs: outs})
	require.NoError(t, err)
	outs["holiday_name"] = "changed"
	assert.Equal(t, "Christmas", res.Outputs["holiday_name"])
	_, hasExit := outs["exit"]
	assert.False(t, hasExit, "the module's outputs map is not written")
}

func TestSplitProblemPointsAtTheFaultyField(t *testing.T) {
	d, err := flow.Parse([]byte(`{"description": "s", "initial_state": "Trigger", "states": [
	  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingCall", "next": "s"}], "properties": {}},
	  {"name": "s", "type": "split-based-on", "transitions": [{"event": "noMatch"},
	    {"event": "match", "conditions": [{"friendly_name": "a", "arguments": ["x"], "type": "equals", "value": "1"},
	                                      {"friendly_name": "b", "arguments": ["x"], "type": "less_than", "value": "ten"}]}],
	   "properties": {"input": "x"}}]}`))
	require.NoError(t, err)
	_, ps := standard.New().Compile(d)
	var paths []string
	for _, p := range ps.Errors() {
		paths = append(paths, p.Path)
	}
	assert.Equal(t, []string{"#/states/1/transitions/1/conditions/0/type", "#/states/1/transitions/1/conditions/1/value"}, paths)
}
