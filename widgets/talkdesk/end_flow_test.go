package talkdesk_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studioflow/studioflow/flow"
	"github.com/studioflow/studioflow/runtime"
	"github.com/studioflow/studioflow/widgets"
)

func TestEndFlowRun(t *testing.T) {
	tests := []struct {
		name   string
		call   widgets.Call
		voice  *tdVoice
		hangup []string
		reason string
	}{
		{name: "no call", voice: &tdVoice{}},
		{name: "a call that has ended", call: widgets.Call{Sid: "CA1"}, voice: &tdVoice{}},
		{name: "a live call is hung up", call: widgets.Call{Sid: "CA1", Live: true}, voice: &tdVoice{}, hangup: []string{"hangup CA1"}},
		{name: "a failed hang-up still ends the flow", call: widgets.Call{Sid: "CA1", Live: true}, voice: &tdVoice{fail: errors.New("gone")},
			reason: "end-flow: hang up call CA1: gone"},
		{name: "no voice service", call: widgets.Call{Sid: "CA1", Live: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := tdMustCompile(t, "end-flow", `{}`)
			assert.Empty(t, n.Events())
			sc := tdNewStep()
			sc.call = tt.call
			if tt.voice != nil {
				sc.services.Voice = tt.voice
			}
			res, err := n.Run(sc)
			require.NoError(t, err)
			assert.Equal(t, widgets.Result{End: &widgets.End{Reason: tt.reason}}, res)
			if tt.voice != nil {
				assert.Equal(t, tt.hangup, tdNilIfEmpty(tt.voice.lines()))
			}
		})
	}
}

func TestEndFlowEndsTheExecution(t *testing.T) {
	const def = `{"initial_state": "Trigger", "states": [
	  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingCall", "next": "bye"}], "properties": {}},
	  {"name": "bye", "type": "say-play", "transitions": [{"event": "audioComplete", "next": "stop"}], "properties": {"say": "Goodbye."}},
	  {"name": "stop", "type": "end-flow", "transitions": [], "properties": {"offset": {"x": 0, "y": 400}}}]}`
	voice := &tdVoice{}
	e, _ := tdEngine(t, def, &widgets.Services{Voice: voice}, tdNewStep().now)
	x, err := e.Start(context.Background(), runtime.StartRequest{FlowSid: "FW", Trigger: runtime.TriggerCall, Contact: "+15550001111", FlowAddress: "+15559990000", CallSid: "CA1"})
	require.NoError(t, err)
	assert.Equal(t, runtime.StatusEnded, x.Status)
	assert.Empty(t, x.Reason)
	assert.Nil(t, x.Wait)
	assert.Equal(t, []string{`say CA1 "Goodbye."`, "hangup CA1"}, voice.lines())
	assert.Equal(t, []string{"Trigger -incomingCall-> bye", "bye -audioComplete-> stop", "stop -end-> Ended"}, tdSteps(x))
}

// tdModules is a ModuleSource of fixed module definitions, each at
// revision 1.
type tdModules map[string]*flow.Definition

func (m tdModules) Module(_ context.Context, name, _ string) (*runtime.Resolved, error) {
	d, ok := m[name]
	if !ok {
		return nil, fmt.Errorf("module %q: %w", name, runtime.ErrNotFound)
	}
	return &runtime.Resolved{Sid: "MD-" + name, Revision: 1, Definition: d}, nil
}

// tdHolidayModule is the module of SPEC §2b: on a holiday it says so and
// ends the whole flow; otherwise it returns through its open exit.
const tdHolidayModule = `{ "description": "Holiday check", "initial_state": "Begin",
  "exposed_variables": ["holiday_name"],
  "states": [
    { "name": "Begin", "type": "begin-module",
      "transitions": [ {"event": "next", "next": "calendar"} ],
      "properties": { "arguments": [ {"name": "dnis", "type": "String", "variable": "dnis", "required": true},
                                     {"name": "vip", "type": "Boolean", "variable": "vip"} ] } },
    { "name": "calendar", "type": "calendar-based-rules",
      "transitions": [ {"event": "christmas", "next": "closed"}, {"event": "noMatch", "next": "open"} ],
      "properties": { "timezone": "Europe/Lisbon",
                      "rules": [ {"name": "christmas", "dates": ["2026-12-25"], "annual": true} ] } },
    { "name": "open", "type": "return-to-flow", "transitions": [],
      "properties": { "exit": "open", "outputs": [ {"name": "holiday_name", "value": "none"} ] } },
    { "name": "closed", "type": "say-play", "transitions": [ {"event": "audioComplete", "next": "stop"} ],
      "properties": { "say": "We are closed for the holiday." } },
    { "name": "stop", "type": "end-flow", "transitions": [], "properties": {} } ] }`

const tdHolidayFlow = `{"initial_state": "Trigger", "states": [
  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingCall", "next": "holiday"}], "properties": {}},
  {"name": "holiday", "type": "run-module",
   "transitions": [{"event": "open", "next": "menu"}, {"event": "failed", "next": "menu"}],
   "properties": {"module": "Holiday check",
     "arguments": [{"name": "dnis", "value": "{{trigger.call.To}}"}, {"name": "vip", "value": "false"}]}},
  {"name": "menu", "type": "say-play", "transitions": [{"event": "audioComplete"}], "properties": {"say": "Welcome."}}]}`

// TestEndFlowInsideModule runs the SPEC's holiday module: on Christmas
// (annual, five years after the date written) its end-flow ends the whole
// execution, and the flow's step after the module never runs.
func TestEndFlowInsideModule(t *testing.T) {
	mod, err := flow.Parse([]byte(tdHolidayModule))
	require.NoError(t, err)
	start := runtime.StartRequest{FlowSid: "FW", Trigger: runtime.TriggerCall, Contact: "+15550001111", FlowAddress: "+351210000000", CallSid: "CA1"}
	tests := []struct {
		name  string
		now   time.Time
		said  []string
		steps []string
		// exact: steps is the whole log; otherwise it is a subset (how a
		// module's return is logged is the engine's business).
		exact bool
	}{
		{
			name: "Christmas 2031 ends the flow in the module",
			now:  time.Date(2031, 12, 25, 10, 0, 0, 0, time.UTC),
			said: []string{`say CA1 "We are closed for the holiday."`, "hangup CA1"},
			steps: []string{
				"Trigger -incomingCall-> holiday",
				"Begin -next-> calendar",
				"calendar -christmas-> closed",
				"closed -audioComplete-> stop",
				"stop -end-> Ended",
			},
			exact: true,
		},
		{
			name: "another day returns to the flow",
			now:  time.Date(2031, 12, 26, 10, 0, 0, 0, time.UTC),
			said: []string{`say CA1 "Welcome."`},
			steps: []string{
				"Trigger -incomingCall-> holiday",
				"Begin -next-> calendar",
				"calendar -noMatch-> open",
				"holiday -open-> menu",
				"menu -audioComplete-> Ended",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			voice := &tdVoice{}
			e, _ := tdEngine(t, tdHolidayFlow, &widgets.Services{Voice: voice}, tt.now, runtime.WithModules(tdModules{"Holiday check": mod}))
			require.Empty(t, e.Check(mod).Errors())
			x, err := e.Start(context.Background(), start)
			require.NoError(t, err)
			assert.Equal(t, runtime.StatusEnded, x.Status, x.Reason)
			assert.Equal(t, tt.said, voice.lines())
			if tt.exact {
				assert.Equal(t, tt.steps, tdSteps(x))
			} else {
				assert.Subset(t, tdSteps(x), tt.steps)
				assert.Equal(t, tt.steps[len(tt.steps)-1], tdSteps(x)[len(x.Steps)-1])
			}
		})
	}
}
