package talkdesk

import (
	"fmt"
	"slices"
	"strings"

	"github.com/studioflow/studioflow/flow"
	"github.com/studioflow/studioflow/widgets"
	"github.com/studioflow/studioflow/widgets/condition"
)

// ConditionalStatement is Talkdesk's Conditional statement: ordered custom
// exits, each taken when any or all of its conditions hold.
//
//	{ "name": "route", "type": "conditional-statement",
//	  "transitions": [ {"event": "vip", "next": "priority_queue"},
//	                   {"event": "spanish", "next": "spanish_menu"},
//	                   {"event": "noMatch", "next": "menu"} ],
//	  "properties": { "exits": [
//	      {"name": "vip", "match": "all", "conditions": [
//	          {"arguments": ["{{flow.variables.tier}}"], "type": "equal_to", "value": "gold"},
//	          {"arguments": ["{{flow.variables.balance}}"], "type": "greater_than", "value": "1000"} ]},
//	      {"name": "spanish", "match": "any", "conditions": [
//	          {"arguments": ["{{flow.data.language}}"], "type": "starts_with", "value": "es"},
//	          {"arguments": ["{{trigger.call.FromCountry}}"], "type": "matches_any_of", "value": "MX, ES, AR"} ]} ] } }
//
// Properties: exits (required, at least one), each
//   - name (required, unique, not "noMatch"): the event the exit takes;
//   - match: "all" (the default) or "any", in any case;
//   - conditions (required, at least one), each {arguments, type, value} as
//     in split-based-on's transitions: arguments[0] is a template whose
//     rendering is the tested input; type is one of condition.Types(); value
//     is the operand, which may itself be a template. A fixed value is
//     checked when the definition is compiled (CheckConditionValue), a
//     templated one when the step runs. A friendly_name is allowed and
//     ignored.
//
// Exits are tried in order and the first whose conditions hold wins (see
// condition.Eval for how each type compares); when none holds the step
// takes noMatch. Events: the exit names, in order, then noMatch. A
// condition whose rendered value its type cannot use (a templated
// less_than value that is not a number, or empty) does not hold, as in
// Twilio Studio (condition.Condition.Eval).
func ConditionalStatement() widgets.Type {
	return widgets.Type{
		Vendor: flow.VendorTalkdesk,
		Name:   "conditional-statement",
		Compile: func(p *widgets.Props) widgets.Node {
			n := &tdConditionalNode{}
			seen := map[string]int{}
			for _, it := range tdItems(p, "exits", true) {
				e := tdCondExit{name: it.name(seen, NoMatchEvent)}
				e.any = tdMatchAny(it)
				e.conds = tdConditions(it)
				if e.name != "" {
					n.exits = append(n.exits, e)
				}
			}
			n.events = make([]string, 0, len(n.exits)+1)
			for _, e := range n.exits {
				n.events = append(n.events, e.name)
			}
			n.events = append(n.events, NoMatchEvent)
			return n
		},
	}
}

type tdCondExit struct {
	name  string
	any   bool
	conds []condition.Condition
}

type tdConditionalNode struct {
	exits  []tdCondExit
	events []string
}

func (n *tdConditionalNode) Events() []string { return slices.Clone(n.events) }

func (n *tdConditionalNode) Run(sc widgets.StepContext) (widgets.Result, error) {
	for _, e := range n.exits {
		ok, err := e.holds(sc)
		if err != nil {
			return widgets.Result{}, fmt.Errorf("exit %q: %w", e.name, err)
		}
		if ok {
			return widgets.Result{Event: e.name}, nil
		}
	}
	return widgets.Result{Event: NoMatchEvent}, nil
}

// holds evaluates the exit's conditions, stopping as soon as the outcome
// is known.
func (e *tdCondExit) holds(sc widgets.StepContext) (bool, error) {
	if len(e.conds) == 0 {
		return false, nil
	}
	for i := range e.conds {
		m, err := e.conds[i].Eval(sc, "")
		if err != nil {
			return false, fmt.Errorf("condition %d: %w", i, err)
		}
		if m == e.any {
			// any: one match decides; all: one miss decides.
			return m, nil
		}
	}
	return !e.any, nil
}

// tdMatchAny reads an exit's match mode: all (false) or any (true).
func tdMatchAny(it *tdItem) bool {
	s, ok := it.str("match")
	s = strings.TrimSpace(s)
	if !ok || s == "" {
		return false
	}
	switch strings.ToLower(s) {
	case "all":
		return false
	case "any":
		return true
	}
	it.errorf("match", widgets.CodePropertyInvalid, "match must be all or any, got %q", s)
	return false
}

// tdConditions reads an exit's required conditions.
func tdConditions(it *tdItem) []condition.Condition {
	raws, ok := it.list("conditions")
	if !ok || len(raws) == 0 {
		if !it.has("conditions") || ok {
			it.errorf("conditions", widgets.CodePropertyMissing, "conditions needs at least one condition")
		}
		return nil
	}
	var out []condition.Condition
	for _, c := range tdObjects(it.p, it.path+"/conditions", it.label+" conditions", raws) {
		var cond struct {
			typ        string
			arg, value widgets.Text
		}
		bad := false
		args, count, ok := c.strings("arguments")
		switch {
		case !ok && c.has("arguments"):
			bad = true // not a list: reported
		case !ok || count == 0:
			c.errorf("arguments", widgets.CodePropertyMissing, "arguments needs a first item, the template of the tested input")
			bad = true
		case len(args) == 0 || args[0].i != 0:
			bad = true // arguments[0] is not a string: reported
		case strings.TrimSpace(args[0].s) == "":
			c.errorf("arguments/0", widgets.CodePropertyMissing, "arguments[0], the template of the tested input, is empty")
			bad = true
		default:
			cond.arg = widgets.NewText("arguments", args[0].s)
		}
		cond.typ, _ = c.str("type")
		cond.typ = strings.TrimSpace(cond.typ)
		value, _ := c.str("value")
		cond.value = widgets.NewText("value", value)
		switch {
		case cond.typ == "":
			c.errorf("type", widgets.CodePropertyMissing, "type is required (one of %s)", strings.Join(condition.Types(), ", "))
			bad = true
		case !slices.Contains(condition.Types(), cond.typ):
			c.errorf("type", widgets.CodePropertyInvalid, "unknown condition type %q; it must be one of %s", cond.typ, strings.Join(condition.Types(), ", "))
			bad = true
		default:
			if msg := condition.CheckValue(cond.typ, value); msg != "" {
				c.errorf("value", widgets.CodePropertyInvalid, "%s", msg)
				bad = true
			}
		}
		if !bad {
			out = append(out, condition.New(cond.typ, cond.arg, cond.value))
		}
	}
	return out
}
