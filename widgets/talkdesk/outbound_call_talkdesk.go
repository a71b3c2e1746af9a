package talkdesk

import (
	"slices"
	"strings"

	"github.com/studioflow/studioflow/flow"
	"github.com/studioflow/studioflow/widgets"
)

// MakeOutboundCall is Talkdesk's Make outbound call: it dials the contact
// and waits for the host to report whether the call was answered. It is how
// an API-triggered flow gets a call: voice steps may follow its answered
// exit.
//
//	{ "name": "dial", "type": "make-outbound-call",
//	  "transitions": [ {"event": "answered", "next": "announce"},
//	                   {"event": "busy", "next": "stop"},
//	                   {"event": "noAnswer", "next": "stop"},
//	                   {"event": "invalidNumber", "next": "stop"} ],
//	  "properties": { "from": "+15550100000",
//	                  "to": "{{flow.data.contact_1}}",
//	                  "ring_timeout": 20 } }
//
// Properties:
//   - from: the source number (a template); default the flow's own address
//     (flow.channel.address). A fixed value must be a phone number.
//   - to: the destination (a template); default the contact's address
//     (contact.channel.address), so an API-triggered flow dials its
//     contact. A fixed value must be a phone number.
//   - ring_timeout: how long the call rings, 10 to 35 seconds, default 15.
//     A number, a string holding one, or a template checked when the step
//     runs.
//
// Events: answered, busy (also a rejected call), noAnswer, invalidNumber.
// When the rendered destination is not a phone number (see below) the step
// takes invalidNumber at once without calling. Otherwise it places the call
// with Voice.Call and waits for the host to resume it with one of the four
// events; when no outcome arrives within the ring timeout plus one minute,
// the engine delivers noAnswer. An error from Voice.Call fails the
// execution: Talkdesk has no exit for it.
//
// A phone number is an optional leading "+" and 1 to 15 digits, with
// spaces, hyphens, dots and parentheses ignored.
//
// Outputs: CallSid (the sid Voice.Call returned), CallStatus ("queued"
// while ringing; then the CallStatus the host reports, or by default
// in-progress, busy, no-answer or failed for the four events), To, From,
// and any other data the host reports with the outcome (AnsweredBy...).
//
// After answered a live call exists (ProvidesCallOn), with the CallSid.
// At most one may stand on one call path (PlacesCall).
func MakeOutboundCall() widgets.Type {
	return widgets.Type{
		Vendor:         flow.VendorTalkdesk,
		Name:           "make-outbound-call",
		ProvidesCallOn: []string{"answered"},
		PlacesCall:     true,
		Compile: func(p *widgets.Props) widgets.Node {
			return &tdOutboundCallNode{
				from:        tdNumberText(p, "from", false),
				to:          tdNumberText(p, "to", false),
				ringTimeout: p.Number("ring_timeout", 15, 10, 35),
			}
		},
	}
}

type tdOutboundCallNode struct {
	from, to    widgets.Text
	ringTimeout widgets.Number
}

var tdOutboundCallEvents = []string{"answered", "busy", "noAnswer", "invalidNumber"}

func (n *tdOutboundCallNode) Events() []string { return slices.Clone(tdOutboundCallEvents) }

func (n *tdOutboundCallNode) Run(sc widgets.StepContext) (widgets.Result, error) {
	ring, err := n.ringTimeout.Get(sc)
	if err != nil {
		return widgets.Result{}, err
	}
	to, err := n.to.Render(sc)
	if err != nil {
		return widgets.Result{}, err
	}
	if n.to.IsZero() {
		to = sc.ContactAddress()
	}
	from, err := n.from.Render(sc)
	if err != nil {
		return widgets.Result{}, err
	}
	if n.from.IsZero() {
		from = sc.FlowAddress()
	}
	if f, ok := tdPhone(from); ok {
		from = f
	}
	from = strings.TrimSpace(from)
	to, ok := tdPhone(to)
	out := map[string]any{"To": to, "From": from}
	if !ok {
		out["CallStatus"] = widgets.PlacedCallStatus()["invalidNumber"]
		return widgets.Result{Event: "invalidNumber", Outputs: out}, nil
	}
	v := sc.Services().Voice
	if v == nil {
		return widgets.Result{}, errNoVoice
	}
	timeout := widgets.Seconds(ring)
	sid, err := v.Call(sc.Context(), widgets.OutboundCall{From: from, To: to, Timeout: timeout})
	if err != nil {
		return widgets.Result{}, &widgets.ServiceError{Service: "voice", Err: err}
	}
	out["CallSid"], out["CallStatus"] = sid, "queued"
	return widgets.Result{
		Outputs: out,
		Wait: &widgets.Wait{
			Events:       tdOutboundCallEvents,
			Timeout:      timeout + tdOutcomeGrace,
			TimeoutEvent: "noAnswer",
			Prompt:       map[string]any{"outcome": "call", "call_sid": sid, "to": to, "from": from},
		},
	}, nil
}

// Resume takes the outcome the host reported; its data become outputs, with
// a default CallStatus.
func (n *tdOutboundCallNode) Resume(_ widgets.StepContext, ev widgets.Event) (widgets.Result, error) {
	return widgets.OutcomeWithStatus(ev, "CallStatus", widgets.PlacedCallStatus()), nil
}
