package twilio

import (
	"fmt"
	"slices"

	"github.com/studioflow/studioflow/widgets"

	"github.com/studioflow/studioflow/flow"
	"github.com/studioflow/studioflow/widgets/condition"
)

// SplitBasedOn branches on its rendered `input`: each `match` transition
// holds conditions that must all hold; the first matching transition in
// order wins, else noMatch.
//
//	{ "name": "split_reply", "type": "split-based-on",
//	  "transitions": [ {"event": "noMatch", "next": "ask_again"},
//	                   {"event": "match", "next": "confirm",
//	                    "conditions": [ {"friendly_name": "Yes", "arguments": ["{{widgets.ask.inbound.Body}}"],
//	                                     "type": "matches_any_of", "value": "yes,y,confirm"} ]},
//	                   {"event": "match", "next": "cancel",
//	                    "conditions": [ {"friendly_name": "No", "arguments": ["{{widgets.ask.inbound.Body}}"],
//	                                     "type": "equal_to", "value": "no"} ]} ],
//	  "properties": { "input": "{{widgets.ask.inbound.Body}}" } }
//
// Events: noMatch, match (one transition per branch). See condition.Eval
// for the condition types. A templated operand that renders to something
// its type cannot use (an unset variable for less_than, say) matches
// nothing, as in Twilio (condition.Condition.Eval).
func SplitBasedOn() widgets.Type {
	return widgets.Type{
		Vendor: flow.VendorTwilio,
		Name:   flow.TypeSplitBasedOn,
		Compile: func(p *widgets.Props) widgets.Node {
			n := &splitNode{input: p.Text("input")}
			for j, t := range p.State.Transitions {
				if t.Event != "match" {
					continue
				}
				b := branch{transition: j}
				for k, c := range t.Conditions {
					if msg := condition.CheckValue(c.Type, c.Value); msg != "" {
						field := "value"
						if !slices.Contains(condition.Types(), c.Type) {
							field = "type"
						}
						p.Add(flow.Problem{
							Path:  fmt.Sprintf("%s/conditions/%d/%s", flow.TransitionPath(p.Index, j), k, field),
							State: p.State.Name, Code: widgets.CodePropertyInvalid, Severity: flow.SeverityError,
							Message: fmt.Sprintf("condition %q: %s", c.FriendlyName, msg),
						})
					}
					var arg widgets.Text
					if len(c.Arguments) > 0 && n.input.IsZero() {
						arg = widgets.NewText("input", c.Arguments[0])
					}
					b.conds = append(b.conds, condition.New(c.Type, arg, widgets.NewText("value", c.Value)))
				}
				n.branches = append(n.branches, b)
			}
			return n
		},
	}
}

type branch struct {
	transition int
	conds      []condition.Condition
}

type splitNode struct {
	input    widgets.Text
	branches []branch
}

var splitEvents = []string{"noMatch", "match"}

func (n *splitNode) Events() []string { return slices.Clone(splitEvents) }

func (n *splitNode) Run(sc widgets.StepContext) (widgets.Result, error) {
	input, err := n.input.Render(sc)
	if err != nil {
		return widgets.Result{}, err
	}
	for _, b := range n.branches {
		ok := len(b.conds) > 0
		for i := range b.conds {
			m, err := b.conds[i].Eval(sc, input)
			if err != nil {
				return widgets.Result{}, fmt.Errorf("transition %d (counted from 1): %w", b.transition+1, err)
			}
			if !m {
				ok = false
				break
			}
		}
		if ok {
			return widgets.Result{Event: "match", Transition: b.transition + 1}, nil
		}
	}
	return widgets.Result{Event: "noMatch"}, nil
}
