package twilio

import (
	"slices"

	"github.com/studioflow/studioflow/widgets"

	"github.com/studioflow/studioflow/flow"
)

// Trigger is the entry state of a flow: it emits the event the execution
// was started with.
//
//	{ "name": "Trigger", "type": "trigger",
//	  "transitions": [ {"event": "incomingMessage", "next": "welcome"},
//	                   {"event": "incomingCall", "next": "main_menu"},
//	                   {"event": "incomingRequest"} ],
//	  "properties": { "offset": {"x": 0, "y": 0} } }
//
// Events: incomingMessage, incomingCall, incomingConversationMessage,
// incomingRequest (a REST start), incomingParent (run as a subflow).
func Trigger() widgets.Type {
	return widgets.Type{
		Vendor:  flow.VendorTwilio,
		Name:    flow.TypeTrigger,
		Compile: func(*widgets.Props) widgets.Node { return triggerNode{} },
	}
}

type triggerNode struct{}

func (triggerNode) Events() []string { return slices.Clone(flow.TriggerEvents()) }

func (triggerNode) Run(sc widgets.StepContext) (widgets.Result, error) {
	return widgets.Result{Event: sc.TriggerEvent()}, nil
}
