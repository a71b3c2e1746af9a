package twilio_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studioflow/studioflow/widgets"
)

func TestRecordVoicemailChecks(t *testing.T) {
	runChecks(t, "record-voicemail", []check{
		{name: "no properties", props: map[string]any{}},
		{name: "timeout zero", props: map[string]any{"timeout": 0}},
		{name: "timeout highest", props: map[string]any{"timeout": "600"}},
		{name: "timeout negative", props: map[string]any{"timeout": -1}, key: "timeout", code: widgets.CodePropertyRange},
		{name: "timeout too long", props: map[string]any{"timeout": 601}, key: "timeout", code: widgets.CodePropertyRange},
		{name: "max length lowest", props: map[string]any{"max_length": 1}},
		{name: "max length highest as a string", props: map[string]any{"max_length": "14400"}},
		{name: "max length zero", props: map[string]any{"max_length": 0}, key: "max_length", code: widgets.CodePropertyRange},
		{name: "max length too long", props: map[string]any{"max_length": 14401}, key: "max_length", code: widgets.CodePropertyRange},
		{name: "finish on several keys", props: map[string]any{"finish_on_key": "1*#"}},
		{name: "finish on nothing", props: map[string]any{"finish_on_key": ""}},
		{name: "finish on a letter", props: map[string]any{"finish_on_key": "a"}, key: "finish_on_key", code: widgets.CodePropertyInvalid},
		{name: "booleans as strings", props: map[string]any{"transcribe": "true", "play_beep": "false"}},
		{name: "play beep invalid", props: map[string]any{"play_beep": "loud"}, key: "play_beep", code: widgets.CodePropertyInvalid},
		{name: "trim unknown", props: map[string]any{"trim": "some"}, key: "trim", code: widgets.CodePropertyInvalid},
	})
}

func TestRecordVoicemailRecords(t *testing.T) {
	tests := []struct {
		name  string
		props map[string]any
		want  widgets.Recording
	}{
		{
			// Twilio, Record Voicemail widget: silence 5 s, max length
			// 3600 s, "Stop recording on keypress" None.
			name:  "defaults",
			props: map[string]any{},
			want: widgets.Recording{Mode: "voicemail", Timeout: 5 * time.Second, MaxLength: time.Hour,
				PlayBeep: true, Trim: "trim-silence"},
		},
		{
			name: "everything, strings included",
			props: map[string]any{"timeout": "0", "max_length": "120", "finish_on_key": "*", "transcribe": "true", "play_beep": "false",
				"trim": "do-not-trim", "transcription_callback_url": "https://cb.example.com/t", "recording_status_callback_url": "https://cb.example.com/r"},
			want: widgets.Recording{Mode: "voicemail", MaxLength: 2 * time.Minute, FinishOnKey: "*", Transcribe: true,
				Trim: "do-not-trim", TranscriptionCallback: "https://cb.example.com/t", StatusCallback: "https://cb.example.com/r"},
		},
		{
			name:  "templated lengths",
			props: map[string]any{"max_length": "{{flow.variables.max}}"},
			want: widgets.Recording{Mode: "voicemail", Timeout: 5 * time.Second, MaxLength: 30 * time.Second,
				PlayBeep: true, Trim: "trim-silence"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, v := voiceServices()
			n := mustCompile(t, "record-voicemail", tt.props)
			res := run(t, n, newStep(s).Set("flow.variables.max", "30"))
			assert.Equal(t, tt.want, v.rec)
			assert.Equal(t, "CA100", v.callSid)
			require.NotNil(t, res.Wait)
			assert.Equal(t, []string{"recordingComplete", "noAudio", "hangup"}, res.Wait.Events)
		})
	}
}

func TestRecordVoicemailOutcomes(t *testing.T) {
	ty := typeOf(t, "record-voicemail")
	assert.True(t, ty.NeedsCall)
	assert.Equal(t, []string{"hangup"}, ty.EndsCallOn)

	n := mustCompile(t, "record-voicemail", map[string]any{})
	s, _ := voiceServices()
	for _, ev := range []widgets.Event{
		{Name: "recordingComplete", Data: map[string]any{
			"RecordingUrl": "https://api.example.com/RE1", "RecordingSid": "RE1", "RecordingDuration": "12",
			"TranscriptionText": "call me back", "Digits": "#"}},
		{Name: "noAudio", Data: map[string]any{"RecordingDuration": "0"}},
		{Name: "hangup", Data: map[string]any{"RecordingUrl": "https://api.example.com/RE2", "RecordingDuration": "3"}},
		{Name: "hangup"},
	} {
		res := resume(t, n, newStep(s), ev)
		assert.Equal(t, ev.Name, res.Event)
		if ev.Data != nil {
			assert.Equal(t, ev.Data, res.Outputs)
		} else {
			assert.Empty(t, res.Outputs)
		}
	}
}

func TestRecordVoicemailFailures(t *testing.T) {
	n := mustCompile(t, "record-voicemail", map[string]any{"timeout": "{{flow.variables.t}}"})
	s, v := voiceServices()
	_, err := n.Run(newStep(s).Set("flow.variables.t", "601"))
	assert.ErrorContains(t, err, "outside 0 to 600")
	v.Fail = errors.New("no media")
	_, err = n.Run(newStep(s))
	assert.ErrorContains(t, err, "voice: no media")
	_, err = n.Run(newStep(&widgets.Services{}))
	assert.ErrorContains(t, err, "no voice service")
}

func TestRecordCallChecks(t *testing.T) {
	runChecks(t, "record-call", []check{
		{name: "start", props: map[string]any{"record_call": true}},
		{name: "stop as a string", props: map[string]any{"record_call": "false"}},
		{name: "record_call missing: Twilio's default, false", props: map[string]any{}, key: "record_call", code: widgets.CodePropertyMissing, warn: true},
		{name: "record_call invalid", props: map[string]any{"record_call": "yes"}, key: "record_call", code: widgets.CodePropertyInvalid},
		{name: "every option", props: map[string]any{"record_call": true, "recording_channels": "dual", "trim": "trim-silence",
			"recording_status_callback": "https://cb.example.com", "recording_status_callback_method": "GET",
			"recording_status_callback_events": "in-progress completed absent"}},
		{name: "channels unknown", props: map[string]any{"record_call": true, "recording_channels": "quad"}, key: "recording_channels", code: widgets.CodePropertyInvalid},
		{name: "trim unknown", props: map[string]any{"record_call": true, "trim": "x"}, key: "trim", code: widgets.CodePropertyInvalid},
		{name: "callback method unknown", props: map[string]any{"record_call": true, "recording_status_callback_method": "PUT"}, key: "recording_status_callback_method", code: widgets.CodePropertyInvalid},
	})
}

// plainVoice hides the fake's CallRecorder, as a voice service that only
// implements widgets.Voice.
type plainVoice struct{ widgets.Voice }

func TestRecordCall(t *testing.T) {
	assert.True(t, typeOf(t, "record-call").NeedsCall)
	start := mustCompile(t, "record-call", map[string]any{"record_call": "true", "recording_channels": "dual"})
	stop := mustCompile(t, "record-call", map[string]any{"record_call": false})
	assert.Equal(t, []string{"success", "failed"}, start.Events())

	s, v := voiceServices()
	res := run(t, start, newStep(s))
	assert.Equal(t, "success", res.Event)
	assert.Equal(t, map[string]any{"CallSid": "CA100", "Sid": "RE00000001", "Status": "in-progress", "StartTime": "2026-03-04T10:00:00Z"}, res.Outputs)
	assert.Equal(t, widgets.Recording{Mode: "start", Channels: "dual", Trim: "do-not-trim", StatusCallbackMethod: "POST", StatusCallbackEvents: "completed"}, v.rec)

	res = run(t, stop, newStep(s))
	assert.Equal(t, "success", res.Event)
	assert.Equal(t, map[string]any{"CallSid": "CA100", "Status": "stopped"}, res.Outputs)

	// A voice service without CallRecorder: no recording sid to report.
	res = run(t, start, newStep(&widgets.Services{Voice: plainVoice{v}}))
	assert.Equal(t, "success", res.Event)
	assert.Equal(t, map[string]any{"CallSid": "CA100", "Status": "in-progress", "StartTime": "2026-03-04T10:00:00Z"}, res.Outputs)

	// A recorder reporting more of the recording: exposed as outputs.
	res = run(t, start, newStep(&widgets.Services{Voice: richRecorder{v}}))
	assert.Equal(t, map[string]any{"CallSid": "CA100", "Sid": "RE9", "Status": "in-progress", "StartTime": "2026-01-01T00:00:00Z", "AccountSid": "AC1"}, res.Outputs)

	v.Fail = errors.New("not allowed")
	for _, sv := range []widgets.Voice{v, plainVoice{v}} {
		res = run(t, start, newStep(&widgets.Services{Voice: sv}))
		assert.Equal(t, "failed", res.Event)
		assert.Equal(t, map[string]any{"CallSid": "CA100", "error": "voice: not allowed"}, res.Outputs)
	}
	_, err := start.Run(newStep(&widgets.Services{}))
	assert.ErrorContains(t, err, "no voice service")
}

type richRecorder struct{ widgets.Voice }

func (richRecorder) RecordCall(context.Context, string, widgets.Recording) (widgets.RecordingInfo, error) {
	return widgets.RecordingInfo{Sid: "RE9", Status: "in-progress", StartTime: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		Extra: map[string]any{"AccountSid": "AC1"}}, nil
}
