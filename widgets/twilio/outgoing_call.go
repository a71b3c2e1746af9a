package twilio

import (
	"slices"
	"strings"

	"github.com/studioflow/studioflow/flow"
	"github.com/studioflow/studioflow/widgets"
)

// MakeOutgoingCall places an outbound call and waits for its outcome. It
// is how a REST-triggered flow gets a call: after answered, voice widgets
// may run (ProvidesCallOn); at most one may stand on a call path
// (PlacesCall).
//
//	{ "name": "call_customer", "type": "make-outgoing-call-v2",
//	  "transitions": [ {"event": "answered", "next": "announce"},
//	                   {"event": "busy", "next": "send_sms"}, {"event": "noAnswer", "next": "send_sms"},
//	                   {"event": "failed"} ],
//	  "properties": { "from": "{{flow.channel.address}}", "to": "{{contact.channel.address}}",
//	                  "timeout": 20, "record": false, "detect_answering_machine": true,
//	                  "machine_detection": "Enable", "machine_detection_timeout": "30" } }
//
// Properties:
//   - from (template): the caller id, default the flow's address.
//   - to (template): the number to call, default the contact's address.
//   - timeout: ring time in seconds, 0-600, default 60 (may be a template,
//     checked when the step runs). (Twilio, Make Outgoing Call widget,
//     https://www.twilio.com/docs/studio/widget-library/make-outgoing-call,
//     and the Calls API it uses, https://www.twilio.com/docs/voice/api/call-resource:
//     Timeout defaults to 60 seconds, at most 600.)
//   - record (default false), recording_channels (mono or dual),
//     recording_status_callback, trim (trim-silence or do-not-trim).
//   - detect_answering_machine (default false) and machine_detection
//     (Enable or DetectMessageEnd; Enable when detection is on and it is
//     not set), with machine_detection_timeout 3-120 s (default 30; the
//     Calls API's MachineDetectionTimeout range),
//     machine_detection_speech_threshold 1000-6000 ms (2400),
//     machine_detection_speech_end_threshold 500-5000 ms (1200),
//     machine_detection_silence_timeout 2000-10000 ms (5000). A
//     machine_detection without detect_answering_machine turns detection
//     on; detect_answering_machine false turns it off.
//   - send_digits, sip_auth_username, sip_auth_password.
//
// Events: answered, busy, noAnswer, failed (also taken at once when the
// voice service cannot place the call, with an error output).
//
// Outputs: CallSid, To, From and CallStatus (queued) when the call is
// placed; then what the host reports (CallStatus, AnsweredBy,
// CallDuration ...), with CallStatus defaulting to in-progress, busy,
// no-answer or failed after the event.
func MakeOutgoingCall() widgets.Type {
	return outgoingCallType("make-outgoing-call-v2", outgoingCallEvents, []string{"answered"})
}

// MakeOutgoingCallV1 is the first version of Make Outgoing Call, which
// flows built before the widget's upgrade still hold (Twilio, Make
// Outgoing Call v1 widget,
// https://www.twilio.com/docs/studio/widget-library/make-outgoing-call-v1:
// "Any existing Flows using v1 will continue to work as before"). It places
// the call as make-outgoing-call-v2 does and waits for its outcome; its
// page shows one more outcome, answered by a machine.
//
//	{ "name": "call_user", "type": "make-outgoing-call-v1",
//	  "transitions": [ {"event": "answered", "next": "announce"}, {"event": "answeredByMachine", "next": "voicemail_msg"},
//	                   {"event": "busy"}, {"event": "noAnswer"}, {"event": "failed"} ],
//	  "properties": { "from": "{{flow.channel.address}}", "to": "{{contact.channel.address}}",
//	                  "record": false, "timeout": 60 } }
//
// Properties: from, to (defaults as v2), record (default false), timeout
// (0-600, default 60); v2's other properties are read the same way when
// present. Events: answered, answeredByMachine (a machine answered; the
// call is live), busy, noAnswer, failed. Outputs as v2; after
// answeredByMachine CallStatus defaults to in-progress.
func MakeOutgoingCallV1() widgets.Type {
	return outgoingCallType("make-outgoing-call-v1", outgoingCallV1Events, []string{"answered", "answeredByMachine"})
}

// outgoingCallType is a Make Outgoing Call type of one version: its name,
// events and the events after which a call is live.
func outgoingCallType(name string, events, provides []string) widgets.Type {
	return widgets.Type{
		Vendor:         flow.VendorTwilio,
		Name:           name,
		PlacesCall:     true,
		ProvidesCallOn: slices.Clone(provides),
		Compile: func(p *widgets.Props) widgets.Node {
			n := &outgoingCallNode{
				events:     events,
				from:       p.Text("from"),
				to:         p.Text("to"),
				timeout:    p.Number("timeout", 60, 0, 600),
				record:     p.Bool("record", false),
				sendDigits: p.Text("send_digits"),
				sipUser:    p.Text("sip_auth_username"),
				sipPass:    p.Text("sip_auth_password"),
				extra:      map[string]any{},
			}
			detect := p.Bool("detect_answering_machine", false)
			md := p.OneOf("machine_detection", "", "Enable", "DetectMessageEnd")
			switch {
			case p.Has("detect_answering_machine") && !detect:
				md = ""
			case detect && md == "":
				md = "Enable"
			}
			n.machineDetection = md
			amd := []struct {
				key           string
				def, min, max int
			}{
				{key: "machine_detection_timeout", def: 30, min: 3, max: 120},
				{key: "machine_detection_speech_threshold", def: 2400, min: 1000, max: 6000},
				{key: "machine_detection_speech_end_threshold", def: 1200, min: 500, max: 5000},
				{key: "machine_detection_silence_timeout", def: 5000, min: 2000, max: 10000},
			}
			for _, a := range amd {
				v := p.Int(a.key, a.def, a.min, a.max)
				if md != "" {
					n.extra[a.key] = float64(v)
				}
			}
			if v := p.OneOf("trim", "", "trim-silence", "do-not-trim"); v != "" {
				n.extra["trim"] = v
			}
			if v := p.OneOf("recording_channels", "", "mono", "dual"); v != "" {
				n.extra["recording_channels"] = v
			}
			if v := p.String("recording_status_callback", ""); v != "" {
				n.extra["recording_status_callback"] = v
			}
			return n
		},
	}
}

type outgoingCallNode struct {
	events                                 []string
	from, to, sendDigits, sipUser, sipPass widgets.Text
	timeout                                widgets.Number
	record                                 bool
	machineDetection                       string
	extra                                  map[string]any
}

var (
	outgoingCallEvents   = []string{"answered", "busy", "noAnswer", "failed"}
	outgoingCallV1Events = []string{"answered", "answeredByMachine", "busy", "noAnswer", "failed"}
)

func (n *outgoingCallNode) Events() []string { return slices.Clone(n.events) }

func (n *outgoingCallNode) Run(sc widgets.StepContext) (widgets.Result, error) {
	v := sc.Services().Voice
	if v == nil {
		return widgets.Result{}, errNoVoice
	}
	timeout, err := n.timeout.Get(sc)
	if err != nil {
		return widgets.Result{}, err
	}
	c := widgets.OutboundCall{
		Timeout: widgets.Seconds(timeout), Record: n.record, MachineDetection: n.machineDetection,
		Extra: widgets.CopyData(n.extra),
	}
	for _, f := range []struct {
		t   widgets.Text
		dst *string
	}{{n.from, &c.From}, {n.to, &c.To}, {n.sendDigits, &c.SendDigits}, {n.sipUser, &c.SipAuthUsername}, {n.sipPass, &c.SipAuthPassword}} {
		if *f.dst, err = f.t.Render(sc); err != nil {
			return widgets.Result{}, err
		}
	}
	c.From, c.To = strings.TrimSpace(c.From), strings.TrimSpace(c.To)
	if c.From == "" {
		c.From = sc.FlowAddress()
	}
	if c.To == "" {
		c.To = sc.ContactAddress()
	}
	out := map[string]any{"To": c.To, "From": c.From}
	sid, err := v.Call(sc.Context(), c)
	if err != nil {
		out["CallStatus"], out["error"] = "failed", "voice: "+err.Error()
		return widgets.Result{Event: "failed", Outputs: out}, nil
	}
	out["CallSid"], out["CallStatus"] = sid, "queued"
	return widgets.Result{Outputs: out, Wait: &widgets.Wait{
		Events: slices.Clone(n.events),
		Prompt: map[string]any{"input": "call outcome", "call_sid": sid, "to": c.To},
	}}, nil
}

// Resume takes the call's outcome, CallStatus defaulting from the event.
func (n *outgoingCallNode) Resume(sc widgets.StepContext, ev widgets.Event) (widgets.Result, error) {
	status := widgets.PlacedCallStatus()
	status["answeredByMachine"] = "in-progress"
	return widgets.OutcomeWithStatus(ev, "CallStatus", status), nil
}
