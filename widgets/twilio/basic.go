package twilio

import (
	"fmt"
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

// SetVariables writes flow.variables.KEY for each {key, value} of its
// `variables` property, in order, so a later value may read an earlier one.
//
//	{ "name": "set_caller", "type": "set-variables",
//	  "transitions": [ {"event": "next", "next": "greeting"} ],
//	  "properties": { "variables": [
//	    {"key": "caller", "value": "{{contact.channel.address}}"},
//	    {"key": "attempts", "value": "{{flow.variables.attempts | plus: 1}}"} ] } }
//
// Values are templates; the rendered text is stored. Event: next.
func SetVariables() widgets.Type {
	return widgets.Type{
		Vendor: flow.VendorTwilio,
		Name:   "set-variables",
		Compile: func(p *widgets.Props) widgets.Node {
			return &setVariablesNode{vars: p.KeyValues("variables")}
		},
	}
}

type setVariablesNode struct{ vars []widgets.KeyValue }

var setVariablesEvents = []string{"next"}

func (n *setVariablesNode) Events() []string { return slices.Clone(setVariablesEvents) }

func (n *setVariablesNode) Run(sc widgets.StepContext) (widgets.Result, error) {
	for _, kv := range n.vars {
		v, err := sc.Render(kv.Value)
		if err != nil {
			return widgets.Result{}, fmt.Errorf("variable %q: %w", kv.Key, err)
		}
		sc.SetVariable(kv.Key, v)
	}
	return widgets.Result{Event: "next"}, nil
}
