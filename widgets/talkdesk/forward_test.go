package talkdesk_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studioflow/studioflow/flow"
	"github.com/studioflow/studioflow/runtime"
	"github.com/studioflow/studioflow/widgets"
	"github.com/studioflow/studioflow/widgets/fake"
)

func TestForwardToExternalNumberProperties(t *testing.T) {
	tests := []struct {
		name     string
		props    string
		problems []string
		// dial is what Voice.Connect receives, when the properties are valid.
		dial widgets.Dial
	}{
		{name: "defaults", props: `{"to": "+15550100000"}`,
			dial: widgets.Dial{Noun: "number", To: "+15550100000", CallerID: "+15550001111", Timeout: 30 * time.Second}},
		{name: "caller_id contact", props: `{"to": "+15550100000", "caller_id": "contact"}`,
			dial: widgets.Dial{Noun: "number", To: "+15550100000", CallerID: "+15550001111", Timeout: 30 * time.Second}},
		{name: "caller_id touchpoint, any case", props: `{"to": "+15550100000", "caller_id": "TouchPoint"}`,
			dial: widgets.Dial{Noun: "number", To: "+15550100000", CallerID: "+15559990000", Timeout: 30 * time.Second}},
		{name: "timeout min", props: `{"to": "+15550100000", "timeout": 5}`,
			dial: widgets.Dial{Noun: "number", To: "+15550100000", CallerID: "+15550001111", Timeout: 5 * time.Second}},
		{name: "timeout max as string", props: `{"to": "+15550100000", "timeout": "600"}`,
			dial: widgets.Dial{Noun: "number", To: "+15550100000", CallerID: "+15550001111", Timeout: 600 * time.Second}},
		{name: "to from a variable", props: `{"to": "{{flow.variables.agent}}"}`,
			dial: widgets.Dial{Noun: "number", To: "+351210000000", CallerID: "+15550001111", Timeout: 30 * time.Second}},
		{name: "fixed to with separators", props: `{"to": "+1 555-010-0000"}`,
			dial: widgets.Dial{Noun: "number", To: "+15550100000", CallerID: "+15550001111", Timeout: 30 * time.Second}},
		{name: "to missing", props: `{}`, problems: []string{tdProp("to") + " property.missing"}},
		{name: "to blank", props: `{"to": "  "}`, problems: []string{tdProp("to") + " property.missing"}},
		{name: "to not a number", props: `{"to": "agent desk"}`, problems: []string{tdProp("to") + " property.invalid"}},
		{name: "caller_id unknown", props: `{"to": "+15550100000", "caller_id": "agent"}`, problems: []string{tdProp("caller_id") + " property.invalid"}},
		{name: "timeout below min", props: `{"to": "+15550100000", "timeout": 4}`, problems: []string{tdProp("timeout") + " property.out_of_range"}},
		{name: "timeout above max", props: `{"to": "+15550100000", "timeout": "601"}`, problems: []string{tdProp("timeout") + " property.out_of_range"}},
		{name: "timeout not a number", props: `{"to": "+15550100000", "timeout": "long"}`, problems: []string{tdProp("timeout") + " property.invalid"}},
		{name: "every problem at once", props: `{"caller_id": 3, "timeout": 0}`, problems: []string{
			tdProp("to") + " property.missing", tdProp("caller_id") + " property.invalid", tdProp("timeout") + " property.out_of_range"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, ps := tdCompile(t, "forward-to-external-number", tt.props)
			assert.Equal(t, tt.problems, tdNilIfEmpty(tdProblems(ps)))
			if tt.problems != nil {
				return
			}
			sc := tdNewStep()
			sc.call = widgets.Call{Sid: "CA1", Live: true}
			sc.vars["flow.variables.agent"] = "+351 21 000 0000"
			voice := &tdVoice{}
			sc.services.Voice = voice
			res, err := n.Run(sc)
			require.NoError(t, err)
			require.NotNil(t, res.Wait)
			assert.Equal(t, []widgets.Dial{tt.dial}, voice.dials)
			assert.Equal(t, tt.dial.Timeout+4*time.Hour, res.Wait.Timeout)
			assert.Equal(t, "completed", res.Wait.TimeoutEvent)
			assert.Equal(t, []string{"completed", "noAnswer", "invalidNumber"}, res.Wait.Events)
			assert.Equal(t, map[string]any{"To": tt.dial.To, "CallerId": tt.dial.CallerID}, res.Outputs)
		})
	}
}

func TestForwardToExternalNumberRun(t *testing.T) {
	tests := []struct {
		name    string
		to      string // rendered value of flow.variables.agent
		event   string
		outputs map[string]any
	}{
		{"empty", "", "invalidNumber", map[string]any{"To": "", "CallerId": "+15550001111", "DialCallStatus": "failed"}},
		{"no digits", "none", "invalidNumber", map[string]any{"To": "none", "CallerId": "+15550001111", "DialCallStatus": "failed"}},
		{"client address", "client:alice", "invalidNumber", map[string]any{"To": "client:alice", "CallerId": "+15550001111", "DialCallStatus": "failed"}},
		{"plus in the middle", "1+5550100000", "invalidNumber", map[string]any{"To": "1+5550100000", "CallerId": "+15550001111", "DialCallStatus": "failed"}},
	}
	n := tdMustCompile(t, "forward-to-external-number", `{"to": "{{flow.variables.agent}}"}`)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc := tdNewStep()
			sc.call = widgets.Call{Sid: "CA1", Live: true}
			sc.vars["flow.variables.agent"] = tt.to
			voice := &tdVoice{}
			sc.services.Voice = voice
			res, err := n.Run(sc)
			require.NoError(t, err)
			assert.Equal(t, tt.event, res.Event)
			assert.Nil(t, res.Wait)
			assert.Equal(t, tt.outputs, res.Outputs)
			assert.Empty(t, voice.lines(), "nothing dialled")
		})
	}

	t.Run("service errors fail the step", func(t *testing.T) {
		sc := tdNewStep()
		sc.vars["flow.variables.agent"] = "+15550100000"
		_, err := n.Run(sc)
		require.Error(t, err, "no voice service")
		boom := errors.New("trunk down")
		sc.services.Voice = &tdVoice{fail: boom}
		_, err = n.Run(sc)
		require.ErrorIs(t, err, boom)
	})
}

func TestForwardToExternalNumberResume(t *testing.T) {
	tests := []struct {
		event   string
		data    map[string]any
		outputs map[string]any
	}{
		{"completed", nil, map[string]any{"DialCallStatus": "completed"}},
		{"completed", map[string]any{"DialCallDuration": "42"}, map[string]any{"DialCallStatus": "completed", "DialCallDuration": "42"}},
		{"noAnswer", nil, map[string]any{"DialCallStatus": "no-answer"}},
		{"noAnswer", map[string]any{"DialCallStatus": "busy"}, map[string]any{"DialCallStatus": "busy"}},
		{"invalidNumber", nil, map[string]any{"DialCallStatus": "failed"}},
	}
	n := tdMustCompile(t, "forward-to-external-number", `{"to": "+15550100000"}`)
	rs, ok := n.(widgets.Resumer)
	require.True(t, ok)
	for _, tt := range tests {
		t.Run(tt.event, func(t *testing.T) {
			res, err := rs.Resume(tdNewStep(), widgets.Event{Name: tt.event, Data: tt.data})
			require.NoError(t, err)
			assert.Equal(t, tt.event, res.Event)
			assert.Equal(t, tt.outputs, res.Outputs)
		})
	}
}

// tdForwardFlow forwards an incoming call; on noAnswer it apologizes (the
// call is still live), on completed it texts a survey (the call is over:
// only non-voice steps may follow).
const tdForwardFlow = `{
  "initial_state": "Trigger",
  "states": [
    {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingCall", "next": "forward"}], "properties": {}},
    {"name": "forward", "type": "forward-to-external-number",
     "transitions": [{"event": "completed", "next": "after"}, {"event": "noAnswer", "next": "sorry"},
                     {"event": "invalidNumber", "next": "sorry"}],
     "properties": {"to": "+15550100000", "timeout": "10"}},
    {"name": "sorry", "type": "say-play", "transitions": [{"event": "audioComplete"}], "properties": {"say": "Nobody is available."}},
    {"name": "after", "type": "send-message", "transitions": [{"event": "sent"}, {"event": "failed"}], "properties": {"body": "How was your call?"}}
  ]}`

func TestForwardToExternalNumberCall(t *testing.T) {
	ctx := context.Background()
	t0 := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	start := runtime.StartRequest{FlowSid: "FW", Trigger: runtime.TriggerCall, Contact: "+15550001111", FlowAddress: "+15559990000", CallSid: "CAin"}

	t.Run("noAnswer keeps the call", func(t *testing.T) {
		voice := &tdVoice{}
		e, _ := tdEngine(t, tdForwardFlow, &widgets.Services{Voice: voice}, t0)
		x, err := e.Start(ctx, start)
		require.NoError(t, err)
		assert.Equal(t, "forward", x.Wait.State)
		x, err = e.Resume(ctx, x.ID, widgets.Event{Name: "noAnswer"})
		require.NoError(t, err)
		assert.Equal(t, runtime.StatusEnded, x.Status, x.Reason)
		assert.Equal(t, []string{
			"connect CAin number to=+15550100000 caller_id=+15550001111 timeout=10s",
			`say CAin "Nobody is available."`,
		}, voice.lines())
	})

	t.Run("completed ends the call for the flow", func(t *testing.T) {
		voice := &tdVoice{}
		services, transcript := fake.Services()
		services.Voice = voice
		e, _ := tdEngine(t, tdForwardFlow, services, t0)
		x, err := e.Start(ctx, start)
		require.NoError(t, err)
		x, err = e.Resume(ctx, x.ID, widgets.Event{Name: "completed"})
		require.NoError(t, err)
		assert.Equal(t, runtime.StatusEnded, x.Status, x.Reason)
		assert.False(t, x.Call.Live)
		assert.Equal(t, []string{`messaging.send to=+15550001111 "How was your call?"`}, transcript.Lines())

		// A voice step after completed is refused before the flow runs.
		voiceAfter := strings.Replace(tdForwardFlow, `{"name": "after", "type": "send-message", "transitions": [{"event": "sent"}, {"event": "failed"}], "properties": {"body": "How was your call?"}}`,
			`{"name": "after", "type": "say-play", "transitions": [{"event": "audioComplete"}], "properties": {"say": "Goodbye."}}`, 1)
		ps := e.Check(tdParse(t, voiceAfter))
		require.Len(t, ps.Errors(), 1)
		assert.Equal(t, "compat.after_call_ended", ps.Errors()[0].Code)
		assert.Equal(t, "after", ps.Errors()[0].State)
	})

	t.Run("no report: completed after the longest call", func(t *testing.T) {
		e, clock := tdEngine(t, tdForwardFlow, &widgets.Services{Voice: &tdVoice{}}, t0)
		x, err := e.Start(ctx, start)
		require.NoError(t, err)
		assert.Equal(t, t0.Add(4*time.Hour+10*time.Second), *x.Wait.Deadline)
		clock.Advance(4*time.Hour + 10*time.Second)
		_, err = e.Expire(ctx)
		require.NoError(t, err)
		x, err = e.Get(ctx, x.ID)
		require.NoError(t, err)
		assert.Equal(t, "forward -completed-> after", tdSteps(x)[1])
	})

	t.Run("needs a live call", func(t *testing.T) {
		req := start
		req.Trigger = runtime.TriggerRequest
		d := `{"initial_state": "Trigger", "states": [
		  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingRequest", "next": "forward"}], "properties": {}},
		  {"name": "forward", "type": "forward-to-external-number", "transitions": [], "properties": {"to": "+15550100000"}}]}`
		e := runtime.New(runtime.WithSource(runtime.Definitions{"FW": tdParse(t, d)}), runtime.WithServices(&widgets.Services{Voice: &tdVoice{}}),
			runtime.WithClock(runtime.NewFixedClock(t0).Now))
		_, err := e.Start(ctx, req)
		var inv *flow.InvalidError
		require.ErrorAs(t, err, &inv)
		assert.Equal(t, "compat.needs_call", inv.Problems.Errors()[0].Code)
		assert.Equal(t, "forward", inv.Problems.Errors()[0].State)
	})
}

func tdParse(t *testing.T, src string) *flow.Definition {
	t.Helper()
	d, err := flow.Parse([]byte(src))
	require.NoError(t, err)
	return d
}
