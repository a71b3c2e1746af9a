package widgets

import (
	"fmt"
	"slices"

	"github.com/studioflow/studioflow/flow"
)

// SplitBasedOn branches on its rendered `input`: each `match` transition
// holds conditions that must all hold; the first matching transition in
// order wins, else noMatch. See EvalCondition for the condition types.
var SplitBasedOn = Type{
	Name: flow.TypeSplitBasedOn,
	Compile: func(p *Props) Node {
		n := &splitNode{input: p.Text("input")}
		for j, t := range p.State.Transitions {
			if t.Event != "match" {
				continue
			}
			b := branch{transition: j}
			for k, c := range t.Conditions {
				if msg := CheckConditionValue(c.Type, c.Value); msg != "" {
					field := "value"
					if !slices.Contains(ConditionTypes, c.Type) {
						field = "type"
					}
					p.problems = append(p.problems, flow.Problem{
						Path:  fmt.Sprintf("%s/conditions/%d/%s", flow.TransitionPath(p.Index, j), k, field),
						State: p.State.Name, Code: CodePropertyInvalid, Severity: flow.SeverityError,
						Message: fmt.Sprintf("condition %q: %s", c.FriendlyName, msg),
					})
				}
				var arg Text
				if len(c.Arguments) > 0 && n.input.IsZero() {
					arg = NewText("input", c.Arguments[0])
				}
				b.conds = append(b.conds, newCondition(c.Type, arg, NewText("value", c.Value)))
			}
			n.branches = append(n.branches, b)
		}
		return n
	},
}

type branch struct {
	transition int
	conds      []condition
}

type splitNode struct {
	input    Text
	branches []branch
}

var splitEvents = []string{"noMatch", "match"}

func (n *splitNode) Events() []string { return splitEvents }

func (n *splitNode) Run(sc StepContext) (Result, error) {
	input, err := sc.Render(n.input)
	if err != nil {
		return Result{}, err
	}
	for _, b := range n.branches {
		ok := len(b.conds) > 0
		for i := range b.conds {
			m, err := b.conds[i].eval(sc, input)
			if err != nil {
				return Result{}, fmt.Errorf("transition %d (counted from 1): %w", b.transition+1, err)
			}
			if !m {
				ok = false
				break
			}
		}
		if ok {
			return Result{Event: "match", Transition: b.transition + 1}, nil
		}
	}
	return Result{Event: "noMatch"}, nil
}
