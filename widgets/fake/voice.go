package fake

import (
	"context"
	"strings"

	"github.com/studioflow/studioflow/widgets"
)

// Voice records voice operations. Set Fail to make every call return an
// error, or call FailNth to fail one. Outbound calls get sids CA00000001,
// CA00000002 ...; call recordings RE00000001 ... Voice also implements
// widgets.CallRecorder.
type Voice struct {
	// T is the transcript every operation is recorded in. It must not be nil
	// (New sets it).
	T *Transcript
	// Fail, if set, is returned by every operation, and nothing is
	// recorded. To fail one operation, use FailNth.
	Fail error
	// Failures counts the operations and fails those FailNth chooses.
	Failures

	calls, recordings counter
}

var (
	_ widgets.Voice        = (*Voice)(nil)
	_ widgets.CallRecorder = (*Voice)(nil)
)

func promptEntry(op string, call string, p widgets.Prompt) Entry {
	e := Entry{Service: "voice", Op: op, CallSid: call}
	switch {
	case p.Say != "":
		e.Op, e.Text = op+".say", p.Say
	case p.Play != "":
		e.Op, e.Text = op+".play", p.Play
	case p.Digits != "":
		e.Op, e.Text = op+".digits", p.Digits
	}
	if op == "prompt" {
		e.Op = strings.TrimPrefix(e.Op, "prompt.")
	}
	return e
}

// Say implements widgets.Voice.
func (v *Voice) Say(_ context.Context, call string, p widgets.Prompt) error {
	if err := v.check(v.Fail); err != nil {
		return err
	}
	v.T.Add(promptEntry("prompt", call, p))
	return nil
}

// Gather implements widgets.Voice.
func (v *Voice) Gather(_ context.Context, call string, g widgets.Gather) error {
	if err := v.check(v.Fail); err != nil {
		return err
	}
	e := promptEntry("gather", call, g.Prompt)
	e.Detail = map[string]any{"timeout": g.Timeout.Seconds(), "finish_on_key": g.FinishOnKey, "number_of_digits": g.NumDigits}
	v.T.Add(e)
	return nil
}

// Hangup implements widgets.Voice.
func (v *Voice) Hangup(_ context.Context, call string) error {
	if err := v.check(v.Fail); err != nil {
		return err
	}
	v.T.Add(Entry{Service: "voice", Op: "hangup", CallSid: call})
	return nil
}

// Connect implements widgets.Voice. The sip password is never recorded.
func (v *Voice) Connect(_ context.Context, call string, d widgets.Dial) error {
	if err := v.check(v.Fail); err != nil {
		return err
	}
	detail := map[string]any{"noun": d.Noun, "timeout": d.Timeout.Seconds(), "record": d.Record}
	if d.SipUsername != "" {
		detail["sip_username"] = d.SipUsername
	}
	v.T.Add(Entry{Service: "voice", Op: "connect", CallSid: call, To: d.To, From: d.CallerID, Detail: detail})
	return nil
}

// Record implements widgets.Voice.
func (v *Voice) Record(_ context.Context, call string, r widgets.Recording) error {
	if err := v.check(v.Fail); err != nil {
		return err
	}
	v.T.Add(recordEntry(call, r))
	return nil
}

func recordEntry(call string, r widgets.Recording) Entry {
	detail := map[string]any{}
	if r.Mode == "voicemail" {
		detail["timeout"] = r.Timeout.Seconds()
		detail["max_length"] = r.MaxLength.Seconds()
		detail["finish_on_key"] = r.FinishOnKey
		detail["transcribe"] = r.Transcribe
		detail["play_beep"] = r.PlayBeep
	}
	if r.Trim != "" {
		detail["trim"] = r.Trim
	}
	if r.Channels != "" {
		detail["channels"] = r.Channels
	}
	return Entry{Service: "voice", Op: "record", CallSid: call, Text: r.Mode, Detail: detail}
}

// RecordCall implements widgets.CallRecorder: a started recording gets a
// fresh sid and status in-progress, a stopped one status stopped.
func (v *Voice) RecordCall(_ context.Context, call string, r widgets.Recording) (widgets.RecordingInfo, error) {
	if err := v.check(v.Fail); err != nil {
		return widgets.RecordingInfo{}, err
	}
	e := recordEntry(call, r)
	info := widgets.RecordingInfo{Status: "stopped"}
	if r.Mode == "start" {
		info = widgets.RecordingInfo{Sid: v.recordings.next("RE"), Status: "in-progress"}
		e.Detail["sid"] = info.Sid
	}
	v.T.Add(e)
	return info, nil
}

// Enqueue implements widgets.Voice.
func (v *Voice) Enqueue(_ context.Context, call string, q widgets.Enqueue) error {
	if err := v.check(v.Fail); err != nil {
		return err
	}
	detail := map[string]any{"priority": q.Priority, "timeout": q.Timeout.Seconds()}
	if q.Channel != "" {
		detail["channel"] = q.Channel
	}
	if q.Attributes != "" {
		detail["attributes"] = q.Attributes
	}
	v.T.Add(Entry{Service: "voice", Op: "enqueue", CallSid: call, Text: q.Queue + q.Workflow, From: q.Contact, Detail: detail})
	return nil
}

// Redirect implements widgets.Voice.
func (v *Voice) Redirect(_ context.Context, call string, r widgets.Redirect) error {
	if err := v.check(v.Fail); err != nil {
		return err
	}
	v.T.Add(Entry{Service: "voice", Op: "redirect", CallSid: call, Text: r.URL,
		Detail: map[string]any{"method": r.Method, "timeout": r.Timeout.Seconds()}})
	return nil
}

// Call implements widgets.Voice. Calls get sids CA00000001, CA00000002...
// The sip password is never recorded.
func (v *Voice) Call(_ context.Context, c widgets.OutboundCall) (string, error) {
	if err := v.check(v.Fail); err != nil {
		return "", err
	}
	sid := v.calls.next("CA")
	detail := map[string]any{"timeout": c.Timeout.Seconds(), "record": c.Record}
	if c.MachineDetection != "" {
		detail["machine_detection"] = c.MachineDetection
	}
	if c.SendDigits != "" {
		detail["send_digits"] = c.SendDigits
	}
	v.T.Add(Entry{Service: "voice", Op: "call", CallSid: sid, To: c.To, From: c.From, Detail: detail})
	return sid, nil
}
