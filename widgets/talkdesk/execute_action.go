package talkdesk

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/studioflow/studioflow/flow"
	"github.com/studioflow/studioflow/widgets"
)

// errNoActions is returned by execute-action on an engine without an
// actions service.
var errNoActions = widgets.NotConfigured("actions", "no actions service is configured")

// ExecuteAction is Talkdesk's Execute action: it calls an integration the
// host has configured (a CRM lookup, a ticket update) through
// Services.Actions and branches on the outcome.
//
//	{ "name": "lookup", "type": "execute-action",
//	  "transitions": [ {"event": "success", "next": "greet_by_name"},
//	                   {"event": "error", "next": "greet"},
//	                   {"event": "timeout", "next": "greet"} ],
//	  "properties": { "action": "crm.find_contact",
//	                  "parameters": [ {"key": "phone", "value": "{{contact.channel.address}}"},
//	                                  {"key": "fields", "value": "name,tier"} ],
//	                  "timeout": 5 } }
//
// Properties:
//   - action (required): the action's name, handed to Actions.Execute; it
//     may be a template.
//   - parameters: {key, value} pairs; values are templates, rendered before
//     the call. A key given twice takes the later value.
//   - timeout: 1 to 60 seconds, default 10 (Twilio's limit for HTTP and
//     function calls). A number, a string holding one, or a template
//     checked when the step runs.
//
// The call runs under context.WithTimeout of the step's context. Events:
//   - success: the action returned; its result map becomes the outputs,
//     read as widgets.NAME.KEY.
//   - timeout: the action's error wraps context.DeadlineExceeded, or it
//     failed after the timeout elapsed. Outputs: error (the message).
//   - error: any other error. Outputs: error.
//
// When the step's own context is done (the host cancelled it, or its own
// deadline passed), the execution fails instead: that is the host's doing,
// not the integration's.
func ExecuteAction() widgets.Type {
	return widgets.Type{
		Vendor: flow.VendorTalkdesk,
		Name:   "execute-action",
		Compile: func(p *widgets.Props) widgets.Node {
			return &tdExecuteActionNode{
				action:  p.RequiredText("action"),
				params:  p.KeyValues("parameters"),
				timeout: p.Number("timeout", 10, 1, 60),
			}
		},
	}
}

type tdExecuteActionNode struct {
	action  widgets.Text
	params  []widgets.KeyValue
	timeout widgets.Number
}

var tdExecuteActionEvents = []string{"success", "error", "timeout"}

func (n *tdExecuteActionNode) Events() []string { return slices.Clone(tdExecuteActionEvents) }

func (n *tdExecuteActionNode) Run(sc widgets.StepContext) (widgets.Result, error) {
	acts := sc.Services().Actions
	if acts == nil {
		return widgets.Result{}, errNoActions
	}
	secs, err := n.timeout.Get(sc)
	if err != nil {
		return widgets.Result{}, err
	}
	action, err := n.action.Render(sc)
	if err != nil {
		return widgets.Result{}, err
	}
	ps, err := widgets.RenderParams(sc, n.params)
	if err != nil {
		return widgets.Result{}, err
	}
	params := widgets.ParamMap(ps)
	if params == nil {
		params = map[string]string{}
	}
	parent := sc.Context()
	ctx, cancel := context.WithTimeout(parent, widgets.Seconds(secs))
	defer cancel()
	res, err := acts.Execute(ctx, action, params)
	if err == nil {
		return widgets.Result{Event: "success", Outputs: widgets.CopyData(res)}, nil
	}
	if perr := parent.Err(); perr != nil {
		return widgets.Result{}, fmt.Errorf("action %q: %w", action, perr)
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return widgets.Result{Event: "timeout", Outputs: map[string]any{"error": err.Error()}}, nil
	}
	return widgets.Result{Event: "error", Outputs: map[string]any{"error": err.Error()}}, nil
}
