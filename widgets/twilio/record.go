package twilio

import (
	"slices"
	"strings"
	"time"

	"github.com/studioflow/studioflow/flow"
	"github.com/studioflow/studioflow/widgets"
)

// RecordVoicemail records the caller (a voicemail) and waits for the
// recording.
//
//	{ "name": "voicemail", "type": "record-voicemail",
//	  "transitions": [ {"event": "recordingComplete", "next": "notify_team"},
//	                   {"event": "noAudio", "next": "goodbye"}, {"event": "hangup", "next": "notify_team"} ],
//	  "properties": { "timeout": 5, "max_length": 120, "finish_on_key": "#", "play_beep": "true",
//	                  "trim": "trim-silence", "transcribe": true,
//	                  "transcription_callback_url": "https://example.com/voicemail/transcription" } }
//
// Properties:
//   - timeout: seconds of silence that end the recording, 0-600, default 5
//     (0 never ends on silence).
//   - max_length: the longest recording in seconds, 1-14400, default 3600
//     (both defaults as Twilio's Record Voicemail page gives them).
//   - finish_on_key: keys that end the recording, any of 0-9, * and #;
//     none by default (Twilio, Record Voicemail widget,
//     https://www.twilio.com/docs/studio/widget-library/record-voicemail:
//     "Stop recording on keypress", default None).
//   - transcribe (default false), transcription_callback_url.
//   - play_beep (default true).
//   - trim: trim-silence (default) or do-not-trim.
//   - recording_status_callback_url.
//
// Timeouts may be templates, checked when the step runs.
//
// Events: recordingComplete, noAudio, hangup (the caller hung up: the call
// is over, see EndsCallOn; the recording made so far is reported).
//
// Outputs: what the host reports with Twilio's names: RecordingUrl,
// RecordingSid, RecordingDuration, TranscriptionText, TranscriptionSid,
// Digits ...
func RecordVoicemail() widgets.Type {
	return widgets.Type{
		Vendor:     flow.VendorTwilio,
		Name:       "record-voicemail",
		NeedsCall:  true,
		EndsCallOn: []string{"hangup"},
		Compile: func(p *widgets.Props) widgets.Node {
			n := &voicemailNode{
				timeout:    p.Number("timeout", 5, 0, 600),
				maxLength:  p.Number("max_length", 3600, 1, 14400),
				finish:     p.String("finish_on_key", ""),
				transcribe: p.Bool("transcribe", false),
				playBeep:   p.Bool("play_beep", true),
				trim:       p.OneOf("trim", "trim-silence", "trim-silence", "do-not-trim"),
				transcript: p.String("transcription_callback_url", ""),
				status:     p.String("recording_status_callback_url", ""),
			}
			if strings.Trim(n.finish, "0123456789*#") != "" {
				p.Errorf("finish_on_key", widgets.CodePropertyInvalid, "finish_on_key may hold only 0-9, * and #, got %q", n.finish)
			}
			return n
		},
	}
}

type voicemailNode struct {
	timeout, maxLength   widgets.Number
	finish, trim         string
	transcribe, playBeep bool
	transcript, status   string
}

var voicemailEvents = []string{"recordingComplete", "noAudio", "hangup"}

func (n *voicemailNode) Events() []string { return slices.Clone(voicemailEvents) }

func (n *voicemailNode) Run(sc widgets.StepContext) (widgets.Result, error) {
	v := sc.Services().Voice
	if v == nil {
		return widgets.Result{}, errNoVoice
	}
	timeout, err := n.timeout.Get(sc)
	if err != nil {
		return widgets.Result{}, err
	}
	maxLength, err := n.maxLength.Get(sc)
	if err != nil {
		return widgets.Result{}, err
	}
	r := widgets.Recording{
		Mode: "voicemail", Timeout: widgets.Seconds(timeout), MaxLength: widgets.Seconds(maxLength),
		FinishOnKey: n.finish, Transcribe: n.transcribe, PlayBeep: n.playBeep, Trim: n.trim,
		StatusCallback: n.status, TranscriptionCallback: n.transcript,
	}
	if err := v.Record(sc.Context(), sc.Call().Sid, r); err != nil {
		return widgets.Result{}, &widgets.ServiceError{Service: "voice", Err: err}
	}
	return widgets.Result{Wait: &widgets.Wait{
		Events: voicemailEvents,
		Prompt: map[string]any{"input": "recording", "max_length": float64(maxLength)},
	}}, nil
}

func (n *voicemailNode) Resume(sc widgets.StepContext, ev widgets.Event) (widgets.Result, error) {
	return widgets.Outcome(ev), nil
}

// RecordCall starts or stops recording the whole call and goes on at once.
//
//	{ "name": "start_recording", "type": "record-call",
//	  "transitions": [ {"event": "success", "next": "connect_agent"}, {"event": "failed", "next": "connect_agent"} ],
//	  "properties": { "record_call": true, "recording_channels": "dual", "trim": "do-not-trim",
//	                  "recording_status_callback": "https://example.com/recordings",
//	                  "recording_status_callback_method": "POST" } }
//
// Properties:
//   - record_call: true starts recording, false stops it. Twilio's
//     definition marks it required and its page gives False as the
//     default: a state without it gets a warning and stops recording.
//   - recording_channels: mono or dual, default dual.
//   - trim: trim-silence or do-not-trim, default do-not-trim.
//   - recording_status_callback, recording_status_callback_method (GET or
//     POST, default POST), recording_status_callback_events (such as
//     "in-progress completed absent", default "completed").
//
// Defaults as Twilio documents them (Twilio, Call Recording widget,
// https://www.twilio.com/docs/studio/widget-library/call-recording: Record
// Call False, method POST, events completed, channels "the default is
// dual"; trim as the Recordings API it uses,
// https://www.twilio.com/docs/voice/api/recording: "the default is
// do-not-trim").
//
// Events: success, failed (the voice service refused; output error).
//
// Outputs: CallSid and Status (in-progress or stopped); when the voice
// service implements CallRecorder, also the recording's Sid, StartTime
// and whatever else it reports (AccountSid ...), as Twilio does.
func RecordCall() widgets.Type {
	return widgets.Type{
		Vendor:    flow.VendorTwilio,
		Name:      "record-call",
		NeedsCall: true,
		Compile: func(p *widgets.Props) widgets.Node {
			if !p.Has("record_call") {
				p.Report("record_call", widgets.CodePropertyMissing, flow.SeverityWarning,
					"record_call is not set: Twilio's default, false, stops recording (true starts it)")
			}
			return &recordCallNode{rec: widgets.Recording{
				Mode:                 map[bool]string{true: "start", false: "stop"}[p.Bool("record_call", false)],
				Channels:             p.OneOf("recording_channels", "dual", "mono", "dual"),
				Trim:                 p.OneOf("trim", "do-not-trim", "trim-silence", "do-not-trim"),
				StatusCallback:       p.String("recording_status_callback", ""),
				StatusCallbackMethod: p.OneOf("recording_status_callback_method", "POST", "GET", "POST"),
				StatusCallbackEvents: p.String("recording_status_callback_events", "completed"),
			}}
		},
	}
}

type recordCallNode struct{ rec widgets.Recording }

var recordCallEvents = []string{"success", "failed"}

func (n *recordCallNode) Events() []string { return slices.Clone(recordCallEvents) }

func (n *recordCallNode) Run(sc widgets.StepContext) (widgets.Result, error) {
	v := sc.Services().Voice
	if v == nil {
		return widgets.Result{}, errNoVoice
	}
	call := sc.Call().Sid
	out := map[string]any{"CallSid": call}
	if cr, ok := v.(widgets.CallRecorder); ok {
		info, err := cr.RecordCall(sc.Context(), call, n.rec)
		if err != nil {
			return widgets.Result{Event: "failed", Outputs: map[string]any{"CallSid": call, "error": "voice: " + err.Error()}}, nil
		}
		for k, x := range widgets.CopyData(info.Extra) {
			out[k] = x
		}
		if info.Sid != "" {
			out["Sid"] = info.Sid
		}
		if !info.StartTime.IsZero() {
			out["StartTime"] = info.StartTime.UTC().Format(time.RFC3339)
		}
		out["Status"] = info.Status
	} else {
		if err := v.Record(sc.Context(), call, n.rec); err != nil {
			return widgets.Result{Event: "failed", Outputs: map[string]any{"CallSid": call, "error": "voice: " + err.Error()}}, nil
		}
	}
	if widgets.DataString(out, "Status") == "" {
		out["Status"] = map[string]string{"start": "in-progress", "stop": "stopped"}[n.rec.Mode]
	}
	if n.rec.Mode == "start" && out["StartTime"] == nil {
		out["StartTime"] = sc.Now().UTC().Format(time.RFC3339)
	}
	return widgets.Result{Event: "success", Outputs: out}, nil
}
