package twilio

import (
	"fmt"
	"slices"
	"strings"

	"github.com/studioflow/studioflow/flow"
	"github.com/studioflow/studioflow/widgets"
)

// ConnectCallTo bridges the live call to another party and waits for the
// outcome.
//
//	{ "name": "connect_sales", "type": "connect-call-to",
//	  "transitions": [ {"event": "callCompleted", "next": "survey"}, {"event": "hangup"} ],
//	  "properties": { "noun": "number", "to": "+15555551234",
//	                  "caller_id": "{{contact.channel.address}}", "timeout": 30, "record": false } }
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
func ConnectCallTo() widgets.Type {
	return widgets.Type{
		Vendor:     flow.VendorTwilio,
		Name:       "connect-call-to",
		NeedsCall:  true,
		EndsCallOn: []string{"hangup"},
		Compile: func(p *widgets.Props) widgets.Node {
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
				p.Errorf("sip_endpoint", widgets.CodePropertyMissing, "sip_endpoint is required to connect to sip")
			case n.noun != "sip" && strings.TrimSpace(n.to.Src) == "":
				p.Errorf("to", widgets.CodePropertyMissing, "to is required to connect to a %s", n.noun)
			}
			return n
		},
	}
}

type connectNode struct {
	noun                                string
	to, sip, sipUser, sipPass, callerID widgets.Text
	timeout                             widgets.Number
	record                              bool
}

var connectEvents = []string{"callCompleted", "hangup"}

func (n *connectNode) Events() []string { return slices.Clone(connectEvents) }

func (n *connectNode) Run(sc widgets.StepContext) (widgets.Result, error) {
	v := sc.Services().Voice
	if v == nil {
		return widgets.Result{}, errNoVoice
	}
	timeout, err := n.timeout.Get(sc)
	if err != nil {
		return widgets.Result{}, err
	}
	d := widgets.Dial{Noun: n.noun, Timeout: widgets.Seconds(timeout), Record: n.record}
	to := n.to
	if n.noun == "sip" && !n.sip.IsZero() {
		to = n.sip
	}
	for _, f := range []struct {
		t   widgets.Text
		dst *string
	}{{to, &d.To}, {n.callerID, &d.CallerID}, {n.sipUser, &d.SipUsername}, {n.sipPass, &d.SipPassword}} {
		if *f.dst, err = f.t.Render(sc); err != nil {
			return widgets.Result{}, err
		}
	}
	d.To = strings.TrimSpace(d.To)
	if d.CallerID == "" {
		d.CallerID = sc.ContactAddress()
	}
	if err := v.Connect(sc.Context(), sc.Call().Sid, d); err != nil {
		return widgets.Result{Event: "callCompleted", Outputs: map[string]any{
			"DialCallStatus": "failed", "error": fmt.Sprintf("voice: %v", err),
		}}, nil
	}
	return widgets.Result{Wait: &widgets.Wait{
		Events: connectEvents,
		Prompt: map[string]any{"input": "dial outcome", "noun": d.Noun, "to": d.To},
	}}, nil
}

func (n *connectNode) Resume(sc widgets.StepContext, ev widgets.Event) (widgets.Result, error) {
	return widgets.Outcome(ev), nil
}
