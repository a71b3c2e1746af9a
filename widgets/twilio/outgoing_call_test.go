package twilio_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studioflow/studioflow/runtime"
	"github.com/studioflow/studioflow/widgets"
	"github.com/studioflow/studioflow/widgets/fake"
)

func TestMakeOutgoingCallChecks(t *testing.T) {
	base := map[string]any{"from": "{{flow.channel.address}}", "to": "{{contact.channel.address}}"}
	runChecks(t, "make-outgoing-call-v2", []check{
		{name: "minimal", props: base},
		{name: "from and to default", props: map[string]any{}},
		{name: "timeout lowest", props: props(base, map[string]any{"timeout": 0})},
		{name: "timeout highest", props: props(base, map[string]any{"timeout": "600"})},
		{name: "timeout negative", props: props(base, map[string]any{"timeout": -1}), key: "timeout", code: widgets.CodePropertyRange},
		{name: "timeout too long", props: props(base, map[string]any{"timeout": 601}), key: "timeout", code: widgets.CodePropertyRange},
		{name: "machine detection unknown", props: props(base, map[string]any{"machine_detection": "Always"}), key: "machine_detection", code: widgets.CodePropertyInvalid},
		{name: "detect as a string", props: props(base, map[string]any{"detect_answering_machine": "true"})},
		{name: "amd timeout bounds", props: props(base, map[string]any{"machine_detection_timeout": "3"})},
		{name: "amd timeout too short", props: props(base, map[string]any{"machine_detection_timeout": "2"}), key: "machine_detection_timeout", code: widgets.CodePropertyRange},
		{name: "amd timeout highest", props: props(base, map[string]any{"machine_detection_timeout": "120"})},
		{name: "amd timeout too long", props: props(base, map[string]any{"machine_detection_timeout": 121}), key: "machine_detection_timeout", code: widgets.CodePropertyRange},
		{name: "speech threshold low", props: props(base, map[string]any{"machine_detection_speech_threshold": "999"}), key: "machine_detection_speech_threshold", code: widgets.CodePropertyRange},
		{name: "speech threshold high", props: props(base, map[string]any{"machine_detection_speech_threshold": 6001}), key: "machine_detection_speech_threshold", code: widgets.CodePropertyRange},
		{name: "speech end threshold low", props: props(base, map[string]any{"machine_detection_speech_end_threshold": 499}), key: "machine_detection_speech_end_threshold", code: widgets.CodePropertyRange},
		{name: "speech end threshold high", props: props(base, map[string]any{"machine_detection_speech_end_threshold": 5001}), key: "machine_detection_speech_end_threshold", code: widgets.CodePropertyRange},
		{name: "silence timeout low", props: props(base, map[string]any{"machine_detection_silence_timeout": 1999}), key: "machine_detection_silence_timeout", code: widgets.CodePropertyRange},
		{name: "silence timeout high", props: props(base, map[string]any{"machine_detection_silence_timeout": "10001"}), key: "machine_detection_silence_timeout", code: widgets.CodePropertyRange},
		{name: "every bound at its edge", props: props(base, map[string]any{
			"machine_detection_timeout": 120, "machine_detection_speech_threshold": 1000,
			"machine_detection_speech_end_threshold": "5000", "machine_detection_silence_timeout": 2000,
		})},
		{name: "trim unknown", props: props(base, map[string]any{"trim": "trim"}), key: "trim", code: widgets.CodePropertyInvalid},
		{name: "recording channels unknown", props: props(base, map[string]any{"recording_channels": "stereo"}), key: "recording_channels", code: widgets.CodePropertyInvalid},
		{name: "record invalid", props: props(base, map[string]any{"record": "no way"}), key: "record", code: widgets.CodePropertyInvalid},
	})
}

func TestMakeOutgoingCallType(t *testing.T) {
	ty := typeOf(t, "make-outgoing-call-v2")
	assert.True(t, ty.PlacesCall)
	assert.Equal(t, []string{"answered"}, ty.ProvidesCallOn)
	assert.False(t, ty.NeedsCall, "it is how a flow without a call gets one")
}

func TestMakeOutgoingCallPlaces(t *testing.T) {
	amdDefaults := map[string]any{
		"machine_detection_timeout": 30.0, "machine_detection_speech_threshold": 2400.0,
		"machine_detection_speech_end_threshold": 1200.0, "machine_detection_silence_timeout": 5000.0,
	}
	tests := []struct {
		name  string
		props map[string]any
		want  widgets.OutboundCall
	}{
		{
			name:  "defaults: from the flow, to the contact, 60 s, no detection",
			props: map[string]any{},
			want:  widgets.OutboundCall{From: "+15550009999", To: "+15550001111", Timeout: 60 * time.Second, Extra: map[string]any{}},
		},
		{
			name: "the autodialer export's settings, strings and all",
			props: map[string]any{
				"machine_detection_speech_threshold": "2400", "detect_answering_machine": true, "recording_channels": "mono",
				"timeout": 20, "machine_detection": "Enable", "trim": "do-not-trim", "record": false,
				"machine_detection_speech_end_threshold": "1200", "machine_detection_timeout": "30",
				"from": "{{flow.channel.address}}", "to": "{{flow.data.to}}", "machine_detection_silence_timeout": "5000",
			},
			want: widgets.OutboundCall{From: "+15550009999", To: "+15557770000", Timeout: 20 * time.Second, MachineDetection: "Enable",
				Extra: props(amdDefaults, map[string]any{"trim": "do-not-trim", "recording_channels": "mono"})},
		},
		{
			name:  "detection on without a mode: Enable",
			props: map[string]any{"detect_answering_machine": "true", "machine_detection_timeout": 10},
			want: widgets.OutboundCall{From: "+15550009999", To: "+15550001111", Timeout: 60 * time.Second, MachineDetection: "Enable",
				Extra: props(amdDefaults, map[string]any{"machine_detection_timeout": 10.0})},
		},
		{
			name:  "a mode without the checkbox turns detection on",
			props: map[string]any{"machine_detection": "detectmessageend"},
			want:  widgets.OutboundCall{From: "+15550009999", To: "+15550001111", Timeout: 60 * time.Second, MachineDetection: "DetectMessageEnd", Extra: amdDefaults},
		},
		{
			name:  "the checkbox off turns detection off",
			props: map[string]any{"detect_answering_machine": false, "machine_detection": "Enable"},
			want:  widgets.OutboundCall{From: "+15550009999", To: "+15550001111", Timeout: 60 * time.Second, Extra: map[string]any{}},
		},
		{
			name:  "digits and sip credentials",
			props: map[string]any{"to": "sip:bob@example.com", "send_digits": "1234#", "sip_auth_username": "u", "sip_auth_password": "p", "record": "true", "timeout": "{{flow.data.ring}}"},
			want: widgets.OutboundCall{From: "+15550009999", To: "sip:bob@example.com", Timeout: 15 * time.Second, Record: true,
				SendDigits: "1234#", SipAuthUsername: "u", SipAuthPassword: "p", Extra: map[string]any{}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, v := voiceServices()
			n := mustCompile(t, "make-outgoing-call-v2", tt.props)
			sc := newStep(s).Set("flow.data.to", "+15557770000").Set("flow.data.ring", "15")
			res := run(t, n, sc)
			assert.Equal(t, tt.want, v.out)
			require.NotNil(t, res.Wait)
			assert.Equal(t, []string{"answered", "busy", "noAnswer", "failed"}, res.Wait.Events)
			assert.Equal(t, map[string]any{"CallSid": "CA00000001", "CallStatus": "queued", "To": tt.want.To, "From": tt.want.From}, res.Outputs)
		})
	}
}

func TestMakeOutgoingCallOutcomes(t *testing.T) {
	n := mustCompile(t, "make-outgoing-call-v2", map[string]any{})
	s, _ := voiceServices()
	tests := []struct {
		ev   widgets.Event
		want map[string]any
	}{
		{widgets.Event{Name: "answered", Data: map[string]any{"AnsweredBy": "human", "CallSid": "CA00000001"}},
			map[string]any{"AnsweredBy": "human", "CallSid": "CA00000001", "CallStatus": "in-progress"}},
		{widgets.Event{Name: "answered", Data: map[string]any{"AnsweredBy": "machine_end_beep", "CallStatus": "in-progress"}},
			map[string]any{"AnsweredBy": "machine_end_beep", "CallStatus": "in-progress"}},
		{widgets.Event{Name: "busy"}, map[string]any{"CallStatus": "busy"}},
		{widgets.Event{Name: "noAnswer"}, map[string]any{"CallStatus": "no-answer"}},
		{widgets.Event{Name: "failed", Data: map[string]any{"CallStatus": "canceled"}}, map[string]any{"CallStatus": "canceled"}},
		{widgets.Event{Name: "failed"}, map[string]any{"CallStatus": "failed"}},
	}
	for _, tt := range tests {
		res := resume(t, n, newStep(s), tt.ev)
		assert.Equal(t, tt.ev.Name, res.Event)
		assert.Equal(t, tt.want, res.Outputs)
	}
}

func TestMakeOutgoingCallFailures(t *testing.T) {
	n := mustCompile(t, "make-outgoing-call-v2", map[string]any{"to": "+15550002222"})
	s, v := voiceServices()
	v.Fail = errors.New("invalid number")
	res := run(t, n, newStep(s))
	assert.Equal(t, "failed", res.Event)
	assert.Equal(t, map[string]any{"CallStatus": "failed", "error": "voice: invalid number", "To": "+15550002222", "From": "+15550009999"}, res.Outputs)

	_, err := n.Run(newStep(&widgets.Services{}))
	assert.ErrorContains(t, err, "no voice service")
}

// A REST-triggered flow places a call; once answered, voice widgets run on
// it and widgets.NAME.* hold the call's outcome.
func TestMakeOutgoingCallProvidesTheCall(t *testing.T) {
	def := parseFlow(t, `{"description": "dialer", "initial_state": "Trigger", "states": [
	  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingRequest", "next": "call"}], "properties": {}},
	  {"name": "call", "type": "make-outgoing-call-v2", "transitions": [
	    {"event": "answered", "next": "hello"}, {"event": "busy"}, {"event": "noAnswer"}, {"event": "failed"}],
	    "properties": {"from": "{{flow.channel.address}}", "to": "{{contact.channel.address}}", "timeout": "20"}},
	  {"name": "hello", "type": "say-play", "transitions": [{"event": "audioComplete"}],
	    "properties": {"say": "Hello, answered by {{widgets.call.AnsweredBy}} on {{widgets.call.CallSid}}"}}]}`)
	f := fake.New()
	eng := runtime.New(runtime.WithSource(runtime.Definitions{"FWdial": def}), runtime.WithServices(f.Services()), runtime.WithIDs(runtime.SequentialIDs()),
		runtime.WithClock(runtime.NewFixedClock(time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)).Now))
	ctx := context.Background()
	x, err := eng.Start(ctx, runtime.StartRequest{FlowSid: "FWdial", Trigger: runtime.TriggerRequest, Contact: "+15550001111", FlowAddress: "+15550009999"})
	require.NoError(t, err)
	require.NotNil(t, x.Wait, x.Reason)
	assert.False(t, x.Call.Live)
	x, err = eng.Resume(ctx, x.ID, widgets.Event{Name: "answered", Data: map[string]any{"AnsweredBy": "human"}})
	require.NoError(t, err)
	assert.Equal(t, runtime.StatusEnded, x.Status, x.Reason)
	assert.Equal(t, widgets.Call{Sid: "CA00000001", Live: true}, x.Call)
	assert.Equal(t, []string{
		`voice.call to=+15550001111`,
		`voice.say "Hello, answered by human on CA00000001"`,
	}, f.T.Lines())
}
