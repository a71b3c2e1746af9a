package twilio

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/studioflow/studioflow/flow"
	"github.com/studioflow/studioflow/widgets"
)

// Variable types of a set-variables item's "type" field: the Studio editor
// writes "string" for a plain value and "json" when "Parse as JSON object"
// is checked.
const (
	// VariableString is a plain value: rendered, and stored as text (or as a
	// number when it is a number literal).
	VariableString = "string"
	// VariableJSON is a value whose "Parse as JSON object" box is checked:
	// the rendered text is parsed and stored as an object.
	VariableJSON = "json"
)

// SetVariables writes flow.variables.KEY for each {key, value} of its
// `variables` property, in order, so a later value may read an earlier one.
//
//	{ "name": "set_caller", "type": "set-variables",
//	  "transitions": [ {"event": "next", "next": "greeting"} ],
//	  "properties": { "variables": [
//	    {"key": "caller", "value": "{{contact.channel.address}}"},
//	    {"key": "attempts", "value": "0"},
//	    {"key": "order", "type": "json", "value": "{\"id\": \"{{flow.data.order_id}}\", \"qty\": 2}"},
//	    {"key": "next_attempt", "value": "{{flow.variables.attempts | plus: 1}}"} ] } }
//
// Values are templates; the rendered text is stored, with two exceptions
// Twilio documents:
//
//   - Numbers. "A Studio variable created with Set Variables will be
//     numeric if you do not enclose it in quotation marks" (Twilio, Set
//     Variables widget, https://www.twilio.com/docs/studio/widget-library/set-variables):
//     a fixed value written in strict number grammar (5, -2, 3.25; no sign
//     +, no leading zero such as 02134, no exponent, no surrounding space, no
//     template) is stored as a number (float64). Anything else is stored as
//     text, as written: phone numbers (+15551230000), zip codes (02134),
//     "1e5", a value in quotation marks, and every rendered template. An
//     integer a float64 cannot hold exactly (past 2^53, such as an account
//     or card number) also stays text.
//   - "Parse as JSON object" (the item's "type": "json"): the rendered text
//     is parsed and a JSON object (or array) is stored as such, so
//     flow.variables.KEY.field reads a member. Text that is not a JSON
//     object or array, or that nests deeper than MaxParsedDepth, is stored
//     as it is (Twilio does not document what it does with invalid JSON; a
//     fixed value that is not valid JSON gets a warning).
//
// An item's "type" may be "string" (the default) or "json"; another value
// gets a warning and is taken as "string". Event: next.
func SetVariables() widgets.Type {
	return widgets.Type{
		Vendor:  flow.VendorTwilio,
		Name:    "set-variables",
		Compile: compileSetVariables,
	}
}

// setVariable is one compiled {key, value, type} item.
type setVariable struct {
	key   string
	value widgets.Text
	// fixed is the value to store as is, when the value is a number
	// literal or, for a json item, a fixed JSON object or array; nil
	// otherwise.
	fixed any
	// json parses the rendered value ("Parse as JSON object").
	json bool
	// path is the variable a json value names alone ({{ flow.data.order }}):
	// an object or array there is stored as it is, not as its text.
	path string
}

type setVariablesNode struct{ vars []setVariable }

var setVariablesEvents = []string{"next"}

func compileSetVariables(p *widgets.Props) widgets.Node {
	n := &setVariablesNode{}
	var items []map[string]json.RawMessage
	if !p.Decode("variables", &items) {
		return n
	}
	for i, it := range items {
		key, _ := widgets.Scalar(it["key"])
		if key == "" {
			p.Errorf("variables", widgets.CodePropertyMissing, "variables[%d] has no key", i)
			continue
		}
		src, _ := widgets.Scalar(it["value"])
		v := setVariable{key: key, value: widgets.NewText("variables", src)}
		switch typ, _ := widgets.Scalar(it["type"]); typ {
		case "", VariableString:
		case VariableJSON:
			v.json = true
		default:
			p.Report("variables", widgets.CodePropertyInvalid, flow.SeverityWarning,
				"variables[%d] (%s) has type %q; it is taken as %q (the types are %q and %q)", i, key, typ, VariableString, VariableString, VariableJSON)
		}
		if !v.value.Dynamic {
			if f, ok := numberLiteral(src); ok {
				v.fixed = f
			} else if parsed := parseJSON(src); v.json && parsed != nil {
				v.fixed = parsed // parsed once, here (SetVariable stores a copy)
			} else if v.json && !hasPlaceholder(src) {
				p.Report("variables", widgets.CodePropertyInvalid, flow.SeverityWarning,
					"variables[%d] (%s) is to be parsed as JSON, but %q is not a JSON object; it is stored as text", i, key, src)
			}
		}
		if v.json {
			v.path = objectPath(src)
		}
		n.vars = append(n.vars, v)
	}
	return n
}

// lonePath matches a template that is one variable path, {{ a.b.c }}.
var lonePath = regexp.MustCompile(`^\s*\{\{-?\s*([A-Za-z_][\w-]*(?:\.[A-Za-z_][\w-]*)*)\s*-?\}\}\s*$`)

// objectPath is the variable a "Parse as JSON object" value names alone
// ({{ flow.data.order }}), read when the widget is compiled; "" when the
// value is anything else.
func objectPath(src string) string {
	if m := lonePath.FindStringSubmatch(src); m != nil {
		return m[1]
	}
	return ""
}

// objectAt is the object or array the variable at path (objectPath's)
// holds: "Set or pass an existing JSON object" (the Set Variables widget
// page) passes the object itself, not its text. False when path is "" or
// holds anything else.
func objectAt(sc widgets.StepContext, path string) (any, bool) {
	if path == "" {
		return nil, false
	}
	val, ok := sc.Lookup(path)
	if !ok {
		return nil, false
	}
	switch val.(type) {
	case map[string]any, []any:
		return val, true
	}
	return nil, false
}

func (n *setVariablesNode) Events() []string { return slices.Clone(setVariablesEvents) }

func (n *setVariablesNode) Run(sc widgets.StepContext) (widgets.Result, error) {
	for i := range n.vars {
		v := &n.vars[i] // (not copied: a setVariable is over 100 bytes)
		if v.fixed != nil {
			sc.SetVariable(v.key, v.fixed)
			continue
		}
		if obj, ok := objectAt(sc, v.path); ok {
			sc.SetVariable(v.key, obj)
			continue
		}
		s, err := v.value.Render(sc)
		if err != nil {
			return widgets.Result{}, fmt.Errorf("variable %q: %w", v.key, err)
		}
		if v.json {
			if parsed := parseJSON(s); parsed != nil {
				sc.SetVariable(v.key, parsed)
				continue
			}
		}
		sc.SetVariable(v.key, s)
	}
	return widgets.Take("next", nil), nil
}

// numberRE is the strict number grammar of an unquoted Set Variables
// value: an optional minus, an integer part without leading zeros, an
// optional fraction.
var numberRE = regexp.MustCompile(`^-?(0|[1-9][0-9]*)(\.[0-9]+)?$`)

// numberLiteral reports whether s is a number literal a Set Variables value
// stores as a number, and returns it.
func numberLiteral(s string) (float64, bool) {
	if !numberRE.MatchString(s) {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(f, 0) {
		return 0, false
	}
	// An integer a float64 cannot hold exactly (past 2^53) stays text:
	// storing it as a number would change its digits.
	if !strings.Contains(s, ".") && strconv.FormatFloat(f, 'f', -1, 64) != s {
		return 0, false
	}
	if f == 0 {
		f = 0 // -0 is stored as 0
	}
	return f, true
}
