package widgets

import (
	"fmt"

	"github.com/studioflow/studioflow/flow"
)

// Trigger is the entry state of a flow: it emits the event the execution
// was started with.
var Trigger = Type{
	Name:    flow.TypeTrigger,
	Compile: func(*Props) Node { return triggerNode{} },
}

type triggerNode struct{}

func (triggerNode) Events() []string { return flow.TriggerEvents }

func (triggerNode) Run(sc StepContext) (Result, error) { return Result{Event: sc.TriggerEvent()}, nil }

// SetVariables writes flow.variables.KEY for each {key, value} of its
// `variables` property, in order, so a later value may read an earlier one.
// Values are templates; the rendered text is stored. Event: next.
var SetVariables = Type{
	Name: "set-variables",
	Compile: func(p *Props) Node {
		return &setVariablesNode{vars: p.KeyValues("variables")}
	},
}

type setVariablesNode struct{ vars []KeyValue }

var setVariablesEvents = []string{"next"}

func (n *setVariablesNode) Events() []string { return setVariablesEvents }

func (n *setVariablesNode) Run(sc StepContext) (Result, error) {
	for _, kv := range n.vars {
		v, err := sc.Render(kv.Value)
		if err != nil {
			return Result{}, fmt.Errorf("variable %q: %w", kv.Key, err)
		}
		sc.SetVariable(kv.Key, v)
	}
	return Result{Event: "next"}, nil
}
