package connect

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/studioflow/studioflow/flow"
	"github.com/studioflow/studioflow/widgets"
)

// The operators of Connect's conditions. Operands are text; the Number
// operators read both sides as numbers and are false when either is not
// one.
const (
	OpEquals                 = "Equals"
	OpTextStartsWith         = "TextStartsWith"
	OpTextEndsWith           = "TextEndsWith"
	OpTextContains           = "TextContains"
	OpNumberGreaterThan      = "NumberGreaterThan"
	OpNumberGreaterOrEqualTo = "NumberGreaterOrEqualTo"
	OpNumberLessThan         = "NumberLessThan"
	OpNumberLessOrEqualTo    = "NumberLessOrEqualTo"
)

var operators = []string{OpEquals, OpTextStartsWith, OpTextEndsWith, OpTextContains,
	OpNumberGreaterThan, OpNumberGreaterOrEqualTo, OpNumberLessThan, OpNumberLessOrEqualTo}

// condition is one of an action's Conditions: the transition it takes
// (1-based, for widgets.TakeTransition) and its test.
type condition struct {
	transition int
	op         string
	operands   []text
}

// readConditions reads the state's Condition transitions, reporting the
// ones that cannot be read or use an operator Connect does not document.
func readConditions(p *widgets.Props) []condition {
	var out []condition
	for j, tr := range p.State.Transitions {
		if tr.Event != EventCondition {
			continue
		}
		var c struct {
			Operator string
			Operands []json.RawMessage
		}
		path := flow.TransitionPath(p.Index, j)
		if err := json.Unmarshal(tr.Extra["Condition"], &c); err != nil {
			p.Add(flow.Problem{Path: path, State: p.State.Name, Code: widgets.CodePropertyInvalid, Severity: flow.SeverityError,
				Message: "the condition is not an object with Operator and Operands"})
			continue
		}
		known := false
		for _, op := range operators {
			known = known || op == c.Operator
		}
		if !known {
			p.Add(flow.Problem{Path: path, State: p.State.Name, Code: widgets.CodePropertyInvalid, Severity: flow.SeverityWarning,
				Message: "operator " + strconv.Quote(c.Operator) + " is not one Connect documents; the condition is never true"})
		}
		cond := condition{transition: j + 1, op: c.Operator}
		for _, raw := range c.Operands {
			s, _ := widgets.Scalar(raw)
			cond.operands = append(cond.operands, parseText(s))
		}
		out = append(out, cond)
	}
	return out
}

// holds reports whether v passes c.
func (c condition) holds(sc widgets.StepContext, v any) bool {
	subject := stringOf(v)
	for _, o := range c.operands {
		if test(c.op, subject, o.render(sc)) {
			return true
		}
	}
	return false
}

func test(op, subject, operand string) bool {
	switch op {
	case OpEquals:
		return subject == operand
	case OpTextStartsWith:
		return strings.HasPrefix(subject, operand)
	case OpTextEndsWith:
		return strings.HasSuffix(subject, operand)
	case OpTextContains:
		return strings.Contains(subject, operand)
	}
	a, errA := strconv.ParseFloat(strings.TrimSpace(subject), 64)
	b, errB := strconv.ParseFloat(strings.TrimSpace(operand), 64)
	if errA != nil || errB != nil {
		return false
	}
	switch op {
	case OpNumberGreaterThan:
		return a > b
	case OpNumberGreaterOrEqualTo:
		return a >= b
	case OpNumberLessThan:
		return a < b
	case OpNumberLessOrEqualTo:
		return a <= b
	}
	return false
}
