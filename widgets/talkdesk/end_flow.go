package talkdesk

import (
	"fmt"

	"github.com/studioflow/studioflow/flow"
	"github.com/studioflow/studioflow/widgets"
)

// EndFlow is Talkdesk's End flow: it ends the whole execution, normally
// (not as a failure). Inside a module it ends the flow that ran the module
// too: no module exit is taken and nothing after the run-module step runs.
// It has no events and no properties.
//
//	{ "name": "stop", "type": "end-flow", "transitions": [], "properties": {} }
//
// As in Talkdesk, ending the flow terminates a live call: the step hangs it
// up through Voice.Hangup first. A failed hangup does not stop the flow from
// ending; the execution's end reason records it. With no live call (a
// messaging or API flow, or after the call ended) nothing is hung up.
func EndFlow() widgets.Type {
	return widgets.Type{
		Vendor:  flow.VendorTalkdesk,
		Name:    "end-flow",
		Compile: func(*widgets.Props) widgets.Node { return tdEndFlowNode{} },
	}
}

type tdEndFlowNode struct{}

func (tdEndFlowNode) Events() []string { return nil }

func (tdEndFlowNode) Run(sc widgets.StepContext) (widgets.Result, error) {
	call := sc.Call()
	if v := sc.Services().Voice; v != nil && call.Live && call.Sid != "" {
		if err := v.Hangup(sc.Context(), call.Sid); err != nil {
			return widgets.Result{End: &widgets.End{Reason: fmt.Sprintf("end-flow: hang up call %s: %v", call.Sid, err)}}, nil
		}
	}
	return widgets.Result{End: &widgets.End{}}, nil
}
