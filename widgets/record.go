package widgets

import (
	"strings"
	"time"
)

// RecordVoicemail records the caller (a voicemail) and waits for the
// recording.
//
// Properties:
//   - timeout: seconds of silence that end the recording, 0-600, default 5
//     (0 never ends on silence).
//   - max_length: the longest recording in seconds, 1-14400, default 3600.
//   - finish_on_key: keys that end the recording, any of 0-9, * and #,
//     default "#"; empty for none.
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
var RecordVoicemail = Type{
	Name:       "record-voicemail",
	NeedsCall:  true,
	EndsCallOn: []string{"hangup"},
	Compile: func(p *Props) Node {
		n := &voicemailNode{
			timeout:    p.Number("timeout", 5, 0, 600),
			maxLength:  p.Number("max_length", 3600, 1, 14400),
			finish:     p.String("finish_on_key", "#"),
			transcribe: p.Bool("transcribe", false),
			playBeep:   p.Bool("play_beep", true),
			trim:       p.OneOf("trim", "trim-silence", "trim-silence", "do-not-trim"),
			transcript: p.String("transcription_callback_url", ""),
			status:     p.String("recording_status_callback_url", ""),
		}
		if strings.Trim(n.finish, "0123456789*#") != "" {
			p.Errorf("finish_on_key", CodePropertyInvalid, "finish_on_key may hold only 0-9, * and #, got %q", n.finish)
		}
		return n
	},
}

type voicemailNode struct {
	timeout, maxLength   Number
	finish, trim         string
	transcribe, playBeep bool
	transcript, status   string
}

var voicemailEvents = []string{"recordingComplete", "noAudio", "hangup"}

func (n *voicemailNode) Events() []string { return voicemailEvents }

func (n *voicemailNode) Run(sc StepContext) (Result, error) {
	v := sc.Services().Voice
	if v == nil {
		return Result{}, errNoVoice
	}
	timeout, err := n.timeout.Get(sc)
	if err != nil {
		return Result{}, err
	}
	maxLength, err := n.maxLength.Get(sc)
	if err != nil {
		return Result{}, err
	}
	r := Recording{
		Mode: "voicemail", Timeout: secondsDuration(timeout), MaxLength: secondsDuration(maxLength),
		FinishOnKey: n.finish, Transcribe: n.transcribe, PlayBeep: n.playBeep, Trim: n.trim,
		StatusCallback: n.status, TranscriptionCallback: n.transcript,
	}
	if err := v.Record(sc.Context(), sc.Call().Sid, r); err != nil {
		return Result{}, &ServiceError{Service: "voice", Err: err}
	}
	return Result{Wait: &Wait{
		Events: voicemailEvents,
		Prompt: map[string]any{"input": "recording", "max_length": float64(maxLength)},
	}}, nil
}

func (n *voicemailNode) Resume(sc StepContext, ev Event) (Result, error) { return outcome(ev), nil }

// RecordCall starts or stops recording the whole call and goes on at once.
//
// Properties:
//   - record_call (required): true starts recording, false stops it.
//   - recording_channels: mono or dual.
//   - trim: trim-silence or do-not-trim.
//   - recording_status_callback, recording_status_callback_method (GET or
//     POST, default POST), recording_status_callback_events (such as
//     "in-progress completed absent").
//
// Events: success, failed (the voice service refused; output error).
//
// Outputs: CallSid and Status (in-progress or stopped); when the voice
// service implements CallRecorder, also the recording's Sid, StartTime
// and whatever else it reports (AccountSid ...), as Twilio does.
var RecordCall = Type{
	Name:      "record-call",
	NeedsCall: true,
	Compile: func(p *Props) Node {
		if !p.Has("record_call") {
			p.Errorf("record_call", CodePropertyMissing, "record_call is required: true starts recording, false stops it")
		}
		return &recordCallNode{rec: Recording{
			Mode:                 map[bool]string{true: "start", false: "stop"}[p.Bool("record_call", true)],
			Channels:             p.OneOf("recording_channels", "", "mono", "dual"),
			Trim:                 p.OneOf("trim", "", "trim-silence", "do-not-trim"),
			StatusCallback:       p.String("recording_status_callback", ""),
			StatusCallbackMethod: p.OneOf("recording_status_callback_method", "POST", "GET", "POST"),
			StatusCallbackEvents: p.String("recording_status_callback_events", ""),
		}}
	},
}

type recordCallNode struct{ rec Recording }

var recordCallEvents = []string{"success", "failed"}

func (n *recordCallNode) Events() []string { return recordCallEvents }

func (n *recordCallNode) Run(sc StepContext) (Result, error) {
	v := sc.Services().Voice
	if v == nil {
		return Result{}, errNoVoice
	}
	call := sc.Call().Sid
	out := map[string]any{"CallSid": call}
	if cr, ok := v.(CallRecorder); ok {
		info, err := cr.RecordCall(sc.Context(), call, n.rec)
		if err != nil {
			return Result{Event: "failed", Outputs: map[string]any{"CallSid": call, "error": "voice: " + err.Error()}}, nil
		}
		for k, x := range CopyData(info.Extra) {
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
			return Result{Event: "failed", Outputs: map[string]any{"CallSid": call, "error": "voice: " + err.Error()}}, nil
		}
	}
	if DataString(out, "Status") == "" {
		out["Status"] = map[string]string{"start": "in-progress", "stop": "stopped"}[n.rec.Mode]
	}
	if n.rec.Mode == "start" && out["StartTime"] == nil {
		out["StartTime"] = sc.Now().UTC().Format(time.RFC3339)
	}
	return Result{Event: "success", Outputs: out}, nil
}
