package widgets

import (
	"fmt"
	"strings"
)

// ConnectCallTo bridges the live call to another party and waits for the
// outcome.
//
// Properties:
//   - noun: number (default), number-multi (to holds several numbers,
//     comma-separated, dialled at once), client, sip or conference.
//   - to (template): the number, client identity or conference name;
//     required except for sip.
//   - sip_endpoint (template, required for sip), sip_username,
//     sip_password.
//   - caller_id (template): the caller id shown to the called party,
//     default the contact's address (as Twilio's <Dial>).
//   - timeout: ring time in seconds, 1-600, default 30; may be a template,
//     checked when the step runs. (Twilio raises values below 5 to 5.)
//   - record: record the bridged call, default false.
//
// Events: callCompleted (the dialled party's leg ended: answered and hung
// up, busy, no answer, failed; the caller is still on the line and the
// flow goes on with voice steps), hangup (the caller hung up: the call is
// over, see EndsCallOn). A voice service that cannot place the dial takes
// callCompleted with DialCallStatus "failed" and an error output.
//
// Outputs: what the host reports with the outcome, with Twilio's names:
// DialCallStatus, DialCallDuration, DialCallSid, DialBridged,
// RecordingUrl ...
var ConnectCallTo = Type{
	Name:       "connect-call-to",
	NeedsCall:  true,
	EndsCallOn: []string{"hangup"},
	Compile: func(p *Props) Node {
		n := &connectNode{
			noun:     p.OneOf("noun", "number", "number", "number-multi", "client", "sip", "conference"),
			to:       p.Text("to"),
			sip:      p.Text("sip_endpoint"),
			sipUser:  p.Text("sip_username"),
			sipPass:  p.Text("sip_password"),
			callerID: p.Text("caller_id"),
			timeout:  p.Number("timeout", 30, 1, 600),
			record:   p.Bool("record", false),
		}
		switch {
		case n.noun == "sip" && strings.TrimSpace(n.sip.Src) == "" && strings.TrimSpace(n.to.Src) == "":
			p.Errorf("sip_endpoint", CodePropertyMissing, "sip_endpoint is required to connect to sip")
		case n.noun != "sip" && strings.TrimSpace(n.to.Src) == "":
			p.Errorf("to", CodePropertyMissing, "to is required to connect to a %s", n.noun)
		}
		return n
	},
}

type connectNode struct {
	noun                                string
	to, sip, sipUser, sipPass, callerID Text
	timeout                             Number
	record                              bool
}

var connectEvents = []string{"callCompleted", "hangup"}

func (n *connectNode) Events() []string { return connectEvents }

func (n *connectNode) Run(sc StepContext) (Result, error) {
	v := sc.Services().Voice
	if v == nil {
		return Result{}, errNoVoice
	}
	timeout, err := n.timeout.Get(sc)
	if err != nil {
		return Result{}, err
	}
	d := Dial{Noun: n.noun, Timeout: secondsDuration(timeout), Record: n.record}
	to := n.to
	if n.noun == "sip" && !n.sip.IsZero() {
		to = n.sip
	}
	for _, f := range []struct {
		t   Text
		dst *string
	}{{to, &d.To}, {n.callerID, &d.CallerID}, {n.sipUser, &d.SipUsername}, {n.sipPass, &d.SipPassword}} {
		if *f.dst, err = sc.Render(f.t); err != nil {
			return Result{}, err
		}
	}
	d.To = strings.TrimSpace(d.To)
	if d.CallerID == "" {
		d.CallerID = sc.ContactAddress()
	}
	if err := v.Connect(sc.Context(), sc.Call().Sid, d); err != nil {
		return Result{Event: "callCompleted", Outputs: map[string]any{
			"DialCallStatus": "failed", "error": fmt.Sprintf("voice: %v", err),
		}}, nil
	}
	return Result{Wait: &Wait{
		Events: connectEvents,
		Prompt: map[string]any{"input": "dial outcome", "noun": d.Noun, "to": d.To},
	}}, nil
}

func (n *connectNode) Resume(sc StepContext, ev Event) (Result, error) { return outcome(ev), nil }
