package compat_test

import (
	"encoding/json"
	"strings"

	"github.com/studioflow/studioflow/flow"
	"github.com/studioflow/studioflow/widgets"
	"github.com/studioflow/studioflow/widgets/standard"
)

// stubNode is the node of a stand-in widget type: it only lists events.
type stubNode struct{ events []string }

func (n stubNode) Events() []string                                { return n.events }
func (n stubNode) Run(widgets.StepContext) (widgets.Result, error) { return widgets.Result{}, nil }

func stub(events ...string) func(*widgets.Props) widgets.Node {
	return func(*widgets.Props) widgets.Node { return stubNode{events} }
}

// registry returns the standard registry: its types declare what they
// need and provide (the Twilio and Talkdesk voice types included).
func registry() *widgets.Registry { return standard.New() }

// build makes a definition from one line per state:
//
//	"name type event>next event key=value"
//
// The first state is the initial one. "event>next" is a transition,
// a bare "event" one that ends the branch, and "key=value" a string
// property.
func build(concurrent bool, lines ...string) *flow.Definition {
	d := &flow.Definition{Flags: flow.Flags{AllowConcurrentCalls: concurrent, Present: true}}
	for _, line := range lines {
		f := strings.Fields(line)
		s := flow.State{Name: f[0], Type: f[1], Transitions: []flow.Transition{}, Properties: map[string]json.RawMessage{}}
		for _, tok := range f[2:] {
			if k, v, ok := strings.Cut(tok, "="); ok {
				raw, _ := json.Marshal(v)
				s.Properties[k] = raw
				continue
			}
			ev, next, _ := strings.Cut(tok, ">")
			s.Transitions = append(s.Transitions, flow.Transition{Event: ev, Next: next})
		}
		d.States = append(d.States, s)
	}
	if len(d.States) > 0 {
		d.InitialState = d.States[0].Name
	}
	return d
}

// codes lists "state code" for each problem.
func codes(ps flow.Problems) []string {
	out := []string{}
	for _, p := range ps {
		out = append(out, p.State+" "+p.Code)
	}
	return out
}
