package talkdesk_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studioflow/studioflow/runtime"
	"github.com/studioflow/studioflow/widgets"
)

func TestMakeOutboundCallProperties(t *testing.T) {
	tests := []struct {
		name     string
		props    string
		problems []string
		// ring is the ring timeout the call is placed with, when the
		// properties are valid.
		ring time.Duration
	}{
		{name: "defaults", props: `{}`, ring: 15 * time.Second},
		{name: "ring_timeout min", props: `{"ring_timeout": 10}`, ring: 10 * time.Second},
		{name: "ring_timeout max", props: `{"ring_timeout": 35}`, ring: 35 * time.Second},
		{name: "ring_timeout as string", props: `{"ring_timeout": "20"}`, ring: 20 * time.Second},
		{name: "ring_timeout empty string takes default", props: `{"ring_timeout": ""}`, ring: 15 * time.Second},
		{name: "ring_timeout below min", props: `{"ring_timeout": 9}`, problems: []string{tdProp("ring_timeout") + " property.out_of_range"}},
		{name: "ring_timeout above max", props: `{"ring_timeout": "36"}`, problems: []string{tdProp("ring_timeout") + " property.out_of_range"}},
		{name: "ring_timeout not whole", props: `{"ring_timeout": 12.5}`, problems: []string{tdProp("ring_timeout") + " property.invalid"}},
		{name: "ring_timeout not a number", props: `{"ring_timeout": "soon"}`, problems: []string{tdProp("ring_timeout") + " property.invalid"}},
		{name: "fixed numbers", props: `{"from": "+1 (555) 010-0000", "to": "555.010.1111"}`, ring: 15 * time.Second},
		{name: "fixed to not a number", props: `{"to": "alice"}`, problems: []string{tdProp("to") + " property.invalid"}},
		{name: "fixed to too long", props: `{"to": "+1234567890123456"}`, problems: []string{tdProp("to") + " property.invalid"}},
		{name: "fixed from not a number", props: `{"from": "sip:desk@example.com"}`, problems: []string{tdProp("from") + " property.invalid"}},
		{name: "templated numbers are checked at run time", props: `{"from": "{{flow.variables.src}}", "to": "{{flow.data.x}}"}`, ring: 15 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, ps := tdCompile(t, "make-outbound-call", tt.props)
			assert.Equal(t, tt.problems, tdNilIfEmpty(tdProblems(ps)))
			if tt.problems != nil {
				return
			}
			sc := tdNewStep()
			sc.vars["flow.data.x"] = "+15551234567"
			voice := &tdVoice{}
			sc.services.Voice = voice
			res, err := n.Run(sc)
			require.NoError(t, err)
			require.NotNil(t, res.Wait)
			require.Len(t, voice.calls, 1)
			assert.Equal(t, tt.ring, voice.calls[0].Timeout)
			assert.Equal(t, tt.ring+time.Minute, res.Wait.Timeout)
		})
	}
}

func TestMakeOutboundCallRun(t *testing.T) {
	tests := []struct {
		name  string
		props string
		vars  map[string]string
		// call is the expected line of the voice double; "" means no call.
		call    string
		event   string // taken at once, without waiting
		outputs map[string]any
		err     string
	}{
		{
			name:    "defaults dial the contact from the flow's number",
			props:   `{}`,
			call:    "call from=+15559990000 to=+15550001111 timeout=15s",
			outputs: map[string]any{"CallSid": "CA0001", "CallStatus": "queued", "To": "+15550001111", "From": "+15559990000"},
		},
		{
			name:    "templated destination and source, separators removed",
			props:   `{"from": "{{flow.variables.src}}", "to": "{{flow.data.contact_1}}", "ring_timeout": "{{flow.data.ring}}"}`,
			vars:    map[string]string{"flow.data.contact_1": " +1 (555) 123-4567 ", "flow.variables.src": "+15550100000", "flow.data.ring": "30"},
			call:    "call from=+15550100000 to=+15551234567 timeout=30s",
			outputs: map[string]any{"CallSid": "CA0001", "CallStatus": "queued", "To": "+15551234567", "From": "+15550100000"},
		},
		{
			name:    "destination renders empty: invalidNumber without calling",
			props:   `{"to": "{{flow.data.contact_1}}"}`,
			event:   "invalidNumber",
			outputs: map[string]any{"CallStatus": "failed", "To": "", "From": "+15559990000"},
		},
		{
			name:    "destination without digits: invalidNumber",
			props:   `{"to": "{{flow.data.contact_1}}"}`,
			vars:    map[string]string{"flow.data.contact_1": "unknown"},
			event:   "invalidNumber",
			outputs: map[string]any{"CallStatus": "failed", "To": "unknown", "From": "+15559990000"},
		},
		{
			name:    "destination with letters: invalidNumber",
			props:   `{"to": "{{flow.data.contact_1}}"}`,
			vars:    map[string]string{"flow.data.contact_1": "+1555CALLNOW"},
			event:   "invalidNumber",
			outputs: map[string]any{"CallStatus": "failed", "To": "+1555CALLNOW", "From": "+15559990000"},
		},
		{
			name:    "destination with 16 digits: invalidNumber",
			props:   `{"to": "{{flow.data.contact_1}}"}`,
			vars:    map[string]string{"flow.data.contact_1": "+1234567890123456"},
			event:   "invalidNumber",
			outputs: map[string]any{"CallStatus": "failed", "To": "+1234567890123456", "From": "+15559990000"},
		},
		{
			name:  "templated ring_timeout out of range fails the step",
			props: `{"ring_timeout": "{{flow.data.ring}}"}`,
			vars:  map[string]string{"flow.data.ring": "40"},
			err:   "ring_timeout rendered 40, outside 10 to 35",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := tdMustCompile(t, "make-outbound-call", tt.props)
			sc := tdNewStep()
			for k, v := range tt.vars {
				sc.vars[k] = v
			}
			voice := &tdVoice{}
			sc.services.Voice = voice
			res, err := n.Run(sc)
			if tt.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.err)
				assert.Empty(t, voice.lines())
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.outputs, res.Outputs)
			if tt.call == "" {
				assert.Equal(t, tt.event, res.Event)
				assert.Nil(t, res.Wait)
				assert.Empty(t, voice.lines())
				return
			}
			assert.Equal(t, []string{tt.call}, voice.lines())
			assert.Empty(t, res.Event)
			require.NotNil(t, res.Wait)
			assert.Equal(t, []string{"answered", "busy", "noAnswer", "invalidNumber"}, res.Wait.Events)
			assert.Equal(t, "noAnswer", res.Wait.TimeoutEvent)
		})
	}
}

func TestMakeOutboundCallResume(t *testing.T) {
	tests := []struct {
		event   string
		data    map[string]any
		outputs map[string]any
	}{
		{"answered", nil, map[string]any{"CallStatus": "in-progress"}},
		{"answered", map[string]any{"AnsweredBy": "human", "CallStatus": "in-progress"}, map[string]any{"AnsweredBy": "human", "CallStatus": "in-progress"}},
		{"busy", nil, map[string]any{"CallStatus": "busy"}},
		{"noAnswer", nil, map[string]any{"CallStatus": "no-answer"}},
		{"noAnswer", map[string]any{"CallStatus": "canceled"}, map[string]any{"CallStatus": "canceled"}},
		{"invalidNumber", nil, map[string]any{"CallStatus": "failed"}},
	}
	n := tdMustCompile(t, "make-outbound-call", `{}`)
	rs, ok := n.(widgets.Resumer)
	require.True(t, ok, "make-outbound-call waits, so it resumes")
	for _, tt := range tests {
		t.Run(tt.event, func(t *testing.T) {
			res, err := rs.Resume(tdNewStep(), widgets.Event{Name: tt.event, Data: tt.data})
			require.NoError(t, err)
			assert.Equal(t, tt.event, res.Event)
			assert.Equal(t, tt.outputs, res.Outputs)
		})
	}
}

func TestMakeOutboundCallServiceErrors(t *testing.T) {
	n := tdMustCompile(t, "make-outbound-call", `{}`)
	sc := tdNewStep()
	_, err := n.Run(sc)
	require.Error(t, err, "no voice service")

	boom := errors.New("carrier down")
	sc.services.Voice = &tdVoice{fail: boom}
	_, err = n.Run(sc)
	require.ErrorIs(t, err, boom)
}

// tdAPIFlow is seed 003's API-triggered flow: dial the customer, announce
// the agent on answer, forward to the agent's external number, then go on
// after the call without voice.
const tdAPIFlow = `{
  "description": "Installation follow-up", "initial_state": "Trigger",
  "states": [
    {"name": "Trigger", "type": "trigger",
     "transitions": [{"event": "incomingRequest", "next": "dial"}], "properties": {}},
    {"name": "dial", "type": "make-outbound-call",
     "transitions": [{"event": "answered", "next": "announce"}, {"event": "busy", "next": "stop"},
                     {"event": "noAnswer", "next": "stop"}, {"event": "invalidNumber", "next": "stop"}],
     "properties": {"from": "+15550100000", "to": "{{flow.data.contact_1}}", "ring_timeout": 20}},
    {"name": "announce", "type": "say-play",
     "transitions": [{"event": "audioComplete", "next": "forward"}],
     "properties": {"say": "Your call will be redirected to the agent."}},
    {"name": "forward", "type": "forward-to-external-number",
     "transitions": [{"event": "completed", "next": "note"}, {"event": "noAnswer", "next": "stop"},
                     {"event": "invalidNumber", "next": "stop"}],
     "properties": {"to": "{{flow.data.contact_2}}", "caller_id": "touchpoint"}},
    {"name": "note", "type": "set-variables",
     "transitions": [{"event": "next"}],
     "properties": {"variables": [{"key": "outcome", "value": "{{widgets.forward.DialCallStatus}}"}]}},
    {"name": "stop", "type": "end-flow", "transitions": [], "properties": {}}
  ]}`

func TestMakeOutboundCallAPIFlow(t *testing.T) {
	ctx := context.Background()
	start := runtime.StartRequest{
		FlowSid: "FW", Trigger: runtime.TriggerRequest, Contact: "+15550001111", FlowAddress: "+15559990000",
		Parameters: map[string]any{"contact_1": "+15550002222", "contact_2": "+15550003333"},
	}
	t0 := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)

	t.Run("answered then forwarded", func(t *testing.T) {
		voice := &tdVoice{sid: "CAout"}
		e, _ := tdEngine(t, tdAPIFlow, &widgets.Services{Voice: voice}, t0)
		x, err := e.Start(ctx, start)
		require.NoError(t, err)
		require.NotNil(t, x.Wait)
		assert.Equal(t, "dial", x.Wait.State)
		assert.Equal(t, t0.Add(80*time.Second), *x.Wait.Deadline, "ring timeout plus a minute")
		assert.False(t, x.Call.Live, "no call before the answer")

		x, err = e.Resume(ctx, x.ID, widgets.Event{Name: "answered"})
		require.NoError(t, err)
		assert.Equal(t, widgets.Call{Sid: "CAout", Live: true}, x.Call)
		require.NotNil(t, x.Wait)
		assert.Equal(t, "forward", x.Wait.State)
		assert.Equal(t, map[string]any{"CallSid": "CAout", "CallStatus": "in-progress", "To": "+15550002222", "From": "+15550100000"},
			x.Widgets()["dial"])

		x, err = e.Resume(ctx, x.ID, widgets.Event{Name: "completed", Data: map[string]any{"DialCallDuration": "42"}})
		require.NoError(t, err)
		assert.Equal(t, runtime.StatusEnded, x.Status, x.Reason)
		assert.False(t, x.Call.Live, "the forward handed the call off")
		assert.Equal(t, "completed", x.Variables()["outcome"])
		assert.Equal(t, []string{
			"call from=+15550100000 to=+15550002222 timeout=20s",
			`say CAout "Your call will be redirected to the agent."`,
			"connect CAout number to=+15550003333 caller_id=+15559990000 timeout=30s",
		}, voice.lines())
		assert.Equal(t, []string{
			"Trigger -incomingRequest-> dial",
			"dial -answered-> announce",
			"announce -audioComplete-> forward",
			"forward -completed-> note",
			"note -next-> Ended",
		}, tdSteps(x))
	})

	t.Run("no outcome reported: noAnswer at the deadline", func(t *testing.T) {
		voice := &tdVoice{}
		e, clock := tdEngine(t, tdAPIFlow, &widgets.Services{Voice: voice}, t0)
		x, err := e.Start(ctx, start)
		require.NoError(t, err)
		clock.Advance(79 * time.Second)
		n, err := e.Expire(ctx)
		require.NoError(t, err)
		assert.Zero(t, n, "still ringing")
		clock.Advance(time.Second)
		n, err = e.Expire(ctx)
		require.NoError(t, err)
		assert.Equal(t, 1, n)
		x, err = e.Get(ctx, x.ID)
		require.NoError(t, err)
		assert.Equal(t, runtime.StatusEnded, x.Status)
		assert.Equal(t, []string{"Trigger -incomingRequest-> dial", "dial -noAnswer-> stop"}, tdSteps(x)[:2])
		assert.Equal(t, "no-answer", x.Widgets()["dial"].(map[string]any)["CallStatus"])
		assert.False(t, x.Call.Live)
	})

	t.Run("invalid destination", func(t *testing.T) {
		voice := &tdVoice{}
		e, _ := tdEngine(t, tdAPIFlow, &widgets.Services{Voice: voice}, t0)
		req := start
		req.Parameters = map[string]any{"contact_1": "n/a"}
		x, err := e.Start(ctx, req)
		require.NoError(t, err)
		assert.Equal(t, runtime.StatusEnded, x.Status)
		assert.Empty(t, voice.lines(), "nothing dialled")
		assert.Equal(t, "dial -invalidNumber-> stop", tdSteps(x)[1])
	})

	t.Run("busy", func(t *testing.T) {
		voice := &tdVoice{}
		e, _ := tdEngine(t, tdAPIFlow, &widgets.Services{Voice: voice}, t0)
		x, err := e.Start(ctx, start)
		require.NoError(t, err)
		x, err = e.Resume(ctx, x.ID, widgets.Event{Name: "busy"})
		require.NoError(t, err)
		assert.Equal(t, runtime.StatusEnded, x.Status)
		assert.Equal(t, "dial -busy-> stop", tdSteps(x)[1])
		assert.False(t, x.Call.Live)
		assert.NotContains(t, voice.lines(), "hangup CA0001", "no live call to hang up")
	})
}
