// Package template checks the Liquid templates of a definition before it
// takes traffic: every string a state's properties or its transitions'
// conditions hold that contains {{ or {% is parsed, and a syntax error is a
// problem with the JSON path of that string and a stable code, so a flow
// with a broken template is refused at check time instead of failing a
// live call.
package template

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/osteele/liquid"

	"github.com/studioflow/studioflow/flow"
)

// CodeSyntax is the problem of a template that does not parse
// [#/states/I/properties/...]. A broken block ({% if %} never closed, an
// unknown tag) is an error: the definition never takes traffic. A broken
// output ({{ a. b }}) is a warning: Twilio's Liquid parses output
// expressions laxly and real exports carry such templates, so the flow is
// not refused for it; the step that renders it fails, naming it. A broken
// tag argument ({% if %}, {% assign = 1 %}) is an error.
const CodeSyntax = "template.syntax"

// CodeUnsupported is the problem of a template using a tag the library
// refuses: {% cycle %}, whose state osteele/liquid shares between renders
// (a data race on a busy engine) [#/states/I/properties/...].
const CodeUnsupported = "template.unsupported"

// outputs finds the {{ }} outputs of a template.
var outputs = regexp.MustCompile(`(?s)\{\{.*?\}\}`)

// cycleTag finds a {% cycle %} tag.
var cycleTag = regexp.MustCompile(`\{%-?\s*cycle\b`)

// Checker returns a flow.Checker reporting every template of a definition
// that does not parse (CodeSyntax), for flow.Check.
func Checker() flow.Checker { return flow.CheckerFunc(Check) }

// Check parses every template of d and reports each one that does not
// parse, in document order.
func Check(d *flow.Definition) flow.Problems {
	eng := liquid.NewEngine()
	return CheckWith(d, func(src string) error { return parse(eng, src) })
}

// CheckWith is Check with the parser a renderer will use, so that what is
// checked is what runs and the parse is done once (the runtime hands its
// own, which keeps what it parses). parse is called with templates only
// (strings holding {{ or {%), and must not panic.
func CheckWith(d *flow.Definition, parse func(src string) error) flow.Problems {
	var ps flow.Problems
	// check reports the template at path: {% cycle %}, or a parse error.
	check := func(path, state, src string) {
		if cycleTag.MatchString(src) {
			ps = append(ps, flow.Problem{Path: path, State: state, Code: CodeUnsupported, Severity: flow.SeverityError,
				Message: fmt.Sprintf("template %s uses {%% cycle %%}, which is not supported: its state is shared between renders", quote(src))})
			return
		}
		if !strings.Contains(src, "{{") && !strings.Contains(src, "{%") {
			return
		}
		err := parse(src)
		if err == nil {
			return
		}
		msg := firstLine(err.Error())
		sev := flow.SeverityError
		// Only the outputs at fault ({{ a. b }}): the tags parse without
		// them. Twilio parses expressions laxly, so the flow is not refused.
		if stripped := outputs.ReplaceAllString(src, ""); stripped == "" || parse(stripped) == nil {
			sev = flow.SeverityWarning
			msg += " (an expression Twilio's lax parser may accept; rendering it here fails its step)"
		}
		ps = append(ps, flow.Problem{
			Path: path, State: state, Code: CodeSyntax, Severity: sev,
			Message: fmt.Sprintf("template %s does not parse: %s", quote(src), msg),
		})
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
			walk(v[k], path+"/"+pointerEscape(k), f)
		}
	}
}

// parse parses src when it holds Liquid markup; Liquid panics on some
// inputs instead of returning an error, which counts as one.
func parse(eng *liquid.Engine, src string) (err error) {
	if !strings.Contains(src, "{{") && !strings.Contains(src, "{%") {
		return nil
	}
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%v", p)
		}
	}()
	_, serr := eng.ParseString(src)
	if serr != nil {
		return serr
	}
	return nil
}

// pointerEscape escapes a key for a JSON pointer (RFC 6901).
func pointerEscape(k string) string {
	return strings.ReplaceAll(strings.ReplaceAll(k, "~", "~0"), "/", "~1")
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
