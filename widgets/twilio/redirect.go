package twilio

import (
	"fmt"
	"slices"
	"strings"

	"github.com/studioflow/studioflow/flow"
	"github.com/studioflow/studioflow/widgets"
)

// AddTwimlRedirect hands the live call to external TwiML and waits until
// that TwiML returns the call to the flow.
//
//	{ "name": "enrolment", "type": "add-twiml-redirect",
//	  "transitions": [ {"event": "return", "next": "check_result"}, {"event": "timeout"}, {"event": "fail"} ],
//	  "properties": { "url": "https://voice-4821.twil.io/enrol?FlowSid={{flow.flow_sid}}",
//	                  "method": "POST", "timeout": "600" } }
//
// Properties:
//   - url (required, template): an absolute http or https URL.
//   - method: GET or POST (default POST).
//   - timeout: seconds to wait for the return, 0-14400, default 14400 (4
//     hours); 0 waits with no deadline but the execution's lifetime. It
//     may be a template, checked when the step runs.
//
// Events: return (the external TwiML redirected back to the flow), timeout
// (nothing came back in time), fail (the voice service refused the
// redirect, with an error output, or the host reports a failure).
//
// Outputs: on return, the parameters the TwiML returned with (the query
// or form parameters of the return request, such as SpeechResult); on
// fail, what the host reports.
func AddTwimlRedirect() widgets.Type {
	return widgets.Type{
		Vendor:    flow.VendorTwilio,
		Name:      "add-twiml-redirect",
		NeedsCall: true,
		Compile: func(p *widgets.Props) widgets.Node {
			n := &redirectNode{
				url:     p.RequiredText("url"),
				method:  p.OneOf("method", "POST", "GET", "POST"),
				timeout: p.Number("timeout", 14400, 0, 14400),
			}
			checkURL(p, "url", n.url)
			return n
		},
	}
}

type redirectNode struct {
	url     widgets.Text
	method  string
	timeout widgets.Number
}

var redirectEvents = []string{"return", "timeout", "fail"}

func (n *redirectNode) Events() []string { return slices.Clone(redirectEvents) }

func (n *redirectNode) Run(sc widgets.StepContext) (widgets.Result, error) {
	v := sc.Services().Voice
	if v == nil {
		return widgets.Result{}, errNoVoice
	}
	timeout, err := n.timeout.Get(sc)
	if err != nil {
		return widgets.Result{}, err
	}
	u, err := n.url.Render(sc)
	if err != nil {
		return widgets.Result{}, err
	}
	u = strings.TrimSpace(u)
	if err := validURL(u); err != nil {
		return widgets.Result{Event: "fail", Outputs: errorOutputs(fmt.Errorf("url: %w", err))}, nil
	}
	r := widgets.Redirect{URL: u, Method: n.method, Timeout: widgets.Seconds(timeout)}
	if err := v.Redirect(sc.Context(), sc.Call().Sid, r); err != nil {
		return widgets.Result{Event: "fail", Outputs: errorOutputs(fmt.Errorf("voice: %w", err))}, nil
	}
	return widgets.Result{Wait: &widgets.Wait{
		Events:  redirectEvents,
		Timeout: widgets.Seconds(timeout),
		Prompt:  map[string]any{"input": "twiml return", "url": u},
	}}, nil
}

func (n *redirectNode) Resume(sc widgets.StepContext, ev widgets.Event) (widgets.Result, error) {
	if ev.Name == widgets.TimeoutEvent {
		return widgets.Result{Event: ev.Name}, nil
	}
	return widgets.Outcome(ev), nil
}
