package template

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/studioflow/studioflow/flow"
	"github.com/studioflow/studioflow/internal/jsonutil"
)

// CodeUnknownFilter is the warning of a template naming a filter no
// renderer has: rendering the expression fails its step, but Twilio does
// not check filters at publish, so the flow is not refused for it.
const CodeUnknownFilter = "template.unknown_filter"

// Checker returns a flow.Checker reporting every template of a definition
// that does not parse, for flow.Check.
func Checker() flow.Checker { return flow.CheckerFunc(Check) }

// Check parses every template of d and reports, in document order, each
// one that does not parse (CodeSyntax, CodeBudget: errors), each
// output that does not parse (CodeSyntax: a warning, as Liquid's lax mode
// and Twilio accept it, and the step that renders it fails) and each
// filter no renderer has (CodeUnknownFilter: a warning).
func Check(d *flow.Definition) flow.Problems { return CheckWith(d, Parse) }

// CheckWith is Check with the parser a renderer will use, so that what is
// checked is what runs and the parse is done once (the runtime hands its
// own, which keeps what it parses). parse is called with templates only
// (strings holding {{ or {%).
func CheckWith(d *flow.Definition, parse func(src string) (*Template, error)) flow.Problems {
	var ps flow.Problems
	// check reports the problems of the template at path.
	check := func(path, state, src string) {
		if !strings.Contains(src, "{{") && !strings.Contains(src, "{%") {
			return
		}
		problem := func(code string, sev flow.Severity, format string, args ...any) {
			ps = append(ps, flow.Problem{Path: path, State: state, Code: code, Severity: sev,
				Message: fmt.Sprintf("template %s ", quote(src)) + fmt.Sprintf(format, args...)})
		}
		t, err := parse(src)
		if err != nil {
			code := CodeOf(err)
			if code == "" {
				code = CodeSyntax
			}
			problem(code, flow.SeverityError, "does not parse: %s", firstLine(err.Error()))
			return
		}
		if broken := t.Broken(); len(broken) > 0 {
			problem(CodeSyntax, flow.SeverityWarning, "does not parse: %s (an expression Twilio's lax parser may accept; rendering it here fails its step)", firstLine(broken[0].Error()))
		}
		if unknown := t.UnknownFilters(); len(unknown) > 0 {
			problem(CodeUnknownFilter, flow.SeverityWarning, "uses the unknown filter %s: rendering it fails its step", strings.Join(unknown, ", "))
		}
	}
	for i := range d.States {
		s := &d.States[i]
		keys := make([]string, 0, len(s.Properties))
		for k := range s.Properties {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			var v any
			if json.Unmarshal(s.Properties[k], &v) != nil {
				continue // the widget checks report malformed properties
			}
			walk(v, flow.PropertyPath(i, k), func(path, src string) { check(path, s.Name, src) })
		}
		for j, t := range s.Transitions {
			for c, cond := range t.Conditions {
				base := fmt.Sprintf("%s/conditions/%d", flow.TransitionPath(i, j), c)
				for a, arg := range cond.Arguments {
					check(base+"/arguments/"+strconv.Itoa(a), s.Name, arg)
				}
				check(base+"/value", s.Name, cond.Value)
			}
		}
	}
	return ps
}

// walk calls f with the JSON path of every string in v.
func walk(v any, path string, f func(path, src string)) {
	switch v := v.(type) {
	case string:
		f(path, v)
	case []any:
		for i, x := range v {
			walk(x, path+"/"+strconv.Itoa(i), f)
		}
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			walk(v[k], path+"/"+jsonutil.PointerEscape(k), f)
		}
	}
}

func quote(s string) string {
	if len(s) > 60 {
		s = s[:60] + "…"
	}
	return strconv.Quote(s)
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
