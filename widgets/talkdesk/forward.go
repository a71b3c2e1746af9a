package talkdesk

import (
	"slices"
	"time"

	"github.com/studioflow/studioflow/flow"
	"github.com/studioflow/studioflow/widgets"
)

// tdForwardMaxCall bounds the wait of a forward: Twilio's longest call (the
// <Dial> timeLimit default, four hours). By then the forwarded call is over.
const tdForwardMaxCall = 4 * time.Hour

// ForwardToExternalNumber is Talkdesk's Forward to external number: it
// hands the live call to an outside phone number and waits for the host to
// report how the forward ended.
//
//	{ "name": "forward", "type": "forward-to-external-number",
//	  "transitions": [ {"event": "completed"},
//	                   {"event": "noAnswer", "next": "sorry"},
//	                   {"event": "invalidNumber", "next": "sorry"} ],
//	  "properties": { "to": "{{flow.data.contact_2}}",
//	                  "caller_id": "touchpoint",
//	                  "timeout": 30 } }
//
// Properties:
//   - to (required): the external number, fixed ("+15550100000") or a
//     template reading a variable ("{{flow.variables.agent_phone}}"). A
//     fixed value must be a phone number.
//   - caller_id: the number the called party sees: "contact" (the contact's
//     number, contact.channel.address; the default) or "touchpoint" (the
//     flow's number, flow.channel.address).
//   - timeout: how long the external number rings, 5 to 600 seconds, default
//     30 (as Twilio's <Dial>). A number, a string holding one, or a
//     template checked when the step runs.
//
// It needs a live call (NeedsCall). Events:
//   - invalidNumber: taken at once, without dialling, when the rendered
//     number is not a phone number (an optional "+" and 1 to 15 digits,
//     spaces, hyphens, dots and parentheses ignored); the host may also
//     report it.
//   - noAnswer: the external number did not pick up (or was busy). The call
//     is still live: the flow may play a message or try another number.
//   - completed: the call was forwarded and the forward has ended. The call
//     has been handed off, so it is over for the flow (EndsCallOn): only
//     non-voice steps may follow.
//
// Otherwise the step bridges the call with Voice.Connect (noun "number") and
// waits. When the host reports nothing, the engine delivers completed after
// the ring timeout plus four hours, Twilio's longest call. An error from
// Voice.Connect fails the execution.
//
// Outputs: To, CallerId, DialCallStatus (the status the host reports, or by
// default completed, no-answer or failed) and any other data the host
// reports (DialCallDuration...).
func ForwardToExternalNumber() widgets.Type {
	return widgets.Type{
		Vendor:     flow.VendorTalkdesk,
		Name:       "forward-to-external-number",
		NeedsCall:  true,
		EndsCallOn: []string{"completed"},
		Compile: func(p *widgets.Props) widgets.Node {
			return &tdForwardNode{
				to:       tdNumberText(p, "to", true),
				callerID: p.OneOf("caller_id", "contact", "contact", "touchpoint"),
				timeout:  p.Number("timeout", 30, 5, 600),
			}
		},
	}
}

type tdForwardNode struct {
	to       widgets.Text
	callerID string
	timeout  widgets.Number
}

var tdForwardEvents = []string{"completed", "noAnswer", "invalidNumber"}

var tdForwardStatus = map[string]string{
	"completed":     "completed",
	"noAnswer":      "no-answer",
	"invalidNumber": "failed",
}

func (n *tdForwardNode) Events() []string { return slices.Clone(tdForwardEvents) }

func (n *tdForwardNode) Run(sc widgets.StepContext) (widgets.Result, error) {
	secs, err := n.timeout.Get(sc)
	if err != nil {
		return widgets.Result{}, err
	}
	to, err := n.to.Render(sc)
	if err != nil {
		return widgets.Result{}, err
	}
	callerID := sc.ContactAddress()
	if n.callerID == "touchpoint" {
		callerID = sc.FlowAddress()
	}
	to, ok := tdPhone(to)
	out := map[string]any{"To": to, "CallerId": callerID}
	if !ok {
		out["DialCallStatus"] = tdForwardStatus["invalidNumber"]
		return widgets.Result{Event: "invalidNumber", Outputs: out}, nil
	}
	v := sc.Services().Voice
	if v == nil {
		return widgets.Result{}, errNoVoice
	}
	timeout := widgets.Seconds(secs)
	d := widgets.Dial{Noun: "number", To: to, CallerID: callerID, Timeout: timeout}
	if err := v.Connect(sc.Context(), sc.Call().Sid, d); err != nil {
		return widgets.Result{}, &widgets.ServiceError{Service: "voice", Err: err}
	}
	return widgets.Result{
		Outputs: out,
		Wait: &widgets.Wait{
			Events:       tdForwardEvents,
			Timeout:      timeout + tdForwardMaxCall,
			TimeoutEvent: "completed",
			Prompt:       map[string]any{"outcome": "forward", "to": to, "caller_id": callerID},
		},
	}, nil
}

// Resume takes the outcome the host reported; its data become outputs, with
// a default DialCallStatus.
func (n *tdForwardNode) Resume(_ widgets.StepContext, ev widgets.Event) (widgets.Result, error) {
	return widgets.OutcomeWithStatus(ev, "DialCallStatus", tdForwardStatus), nil
}
