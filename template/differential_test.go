package template

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// The differential test renders generated templates with the project's
// renderer and with the reference (osteele/liquid, sandboxed, as the
// runtime ran it before: reference_test.go), and requires the same output,
// or an error from both. Templates are generated from the fuzzer's bytes
// with a grammar of what flows use, leaving out only the deliberate
// differences the package doc lists:
//   - and and or in one condition (Liquid evaluates them right to left),
//   - reversed with limit or offset (cut first, then reversed),
//   - numbers in text compared with numbers (Twilio reads them as numbers;
//     the data holds none, and usesNumbersItMade finds those a template
//     makes),
//   - empty and blank (osteele/liquid has neither),
//   - a range whose end is a number from the data, a float (osteele/liquid
//     wants integers),
//   - whitespace control next to a tag or an output (it trims the
//     template's text, where osteele/liquid trims what was rendered),
//   - a capture in a template with a break or continue (the capture a
//     break ends keeps what it took, as in Shopify's Liquid),
//   - an integer computed by a filter, read as a date (an epoch to ours;
//     the reference reads only Go ints),
//   - renders past the budget (ours stops; the reference may not).

// gen builds a template from a stream of choices.
type gen struct {
	data  []byte
	depth int
	b     strings.Builder
	// loops counts the enclosing loops, so that break and continue stand
	// inside one.
	loops int
}

func (g *gen) pick(n int) int {
	if len(g.data) == 0 {
		return 0
	}
	c := int(g.data[0])
	g.data = g.data[1:]
	return c % n
}

var (
	genPaths = []string{
		"flow.data.first_name", "flow.data.n", "flow.data.list", "flow.data.nums", "flow.data.none",
		"flow.data.map", "flow.data.map.a", "flow.data.list[0]", "flow.data.list.size", "flow.data.missing",
		"trigger.message.Body", "x", "y", "flow.data.list.first", "flow.data.nums.last", "flow.data.csv",
	}
	genLiterals = []string{`"a"`, `'Yes'`, `1`, `2`, `-3`, `2.5`, `0`, `true`, `false`, `nil`, `""`, `","`, `"%Y-%m-%d"`}
	genFilters  = []string{
		"upcase", "downcase", "strip", "size", "first", "last", "capitalize", "escape", "url_encode",
		"plus: 1", "minus: 2", "times: 3", "divided_by: 2", "modulo: 2", "abs", "ceil", "floor", "round",
		"append: \"!\"", "prepend: x", "replace: \"a\", \"b\"", "remove: \"a\"", "split: \",\"", "join: \"-\"",
		"default: \"d\"", "truncate: 3", "slice: 1", "slice: 0, 2", "sort", "reverse", "uniq", "compact",
		"at_least: 2", "at_most: 2", "json", "to_json", "date: \"%Y\"", "strip_html", "newline_to_br",
	}
	genCmp = []string{"==", "!=", "<", ">", "<=", ">=", "contains"}
)

func (g *gen) value() string {
	if g.pick(3) == 0 {
		return genLiterals[g.pick(len(genLiterals))]
	}
	return genPaths[g.pick(len(genPaths))]
}

func (g *gen) filtered() string {
	s := g.value()
	for n := g.pick(3); n > 0; n-- {
		s += " | " + genFilters[g.pick(len(genFilters))]
	}
	return s
}

func (g *gen) cond() string {
	var s string
	if g.pick(2) == 0 {
		s = g.value() + " " + genCmp[g.pick(len(genCmp))] + " " + g.value()
	} else {
		s = g.value()
	}
	if g.pick(3) == 0 {
		op := []string{" and ", " or "}[g.pick(2)]
		for n := g.pick(2) + 1; n > 0; n-- { // one kind of operator only
			s += op + g.value()
		}
	}
	return s
}

func (g *gen) body() {
	for n := g.pick(4); n > 0; n-- {
		g.item()
	}
}

func (g *gen) item() {
	g.depth++
	defer func() { g.depth-- }()
	choice := g.pick(12)
	if g.depth > 3 {
		choice %= 3
	}
	switch choice {
	case 0:
		g.b.WriteString([]string{"a", " ", "\n", "-", "{", "}"}[g.pick(6)])
	case 1:
		fmt.Fprintf(&g.b, "{{ %s }}", g.filtered())
	case 2:
		fmt.Fprintf(&g.b, "{{ %s}}", g.value()) // not {{-3}}: that is whitespace control
	case 3:
		fmt.Fprintf(&g.b, "{%% if %s %%}", g.cond())
		g.body()
		if g.pick(2) == 0 {
			fmt.Fprintf(&g.b, "{%% elsif %s %%}", g.cond())
			g.body()
		}
		if g.pick(2) == 0 {
			g.b.WriteString("{% else %}")
			g.body()
		}
		g.b.WriteString("{% endif %}")
	case 4:
		fmt.Fprintf(&g.b, "{%% unless %s %%}", g.cond())
		g.body()
		g.b.WriteString("{% endunless %}")
	case 5:
		fmt.Fprintf(&g.b, "{%% assign %s = %s %%}", []string{"x", "y"}[g.pick(2)], g.filtered())
	case 6:
		fmt.Fprintf(&g.b, "{%% capture %s %%}", []string{"x", "y"}[g.pick(2)])
		g.body()
		g.b.WriteString("{% endcapture %}")
	case 7:
		coll := []string{"flow.data.list", "flow.data.nums", "(1..3)", "(0..1)", "flow.data.none", "flow.data.csv | split: \",\""}[g.pick(6)]
		mods := []string{"", " limit: 2", " offset: 1", " reversed", " limit: 1 offset: 1"}[g.pick(5)]
		fmt.Fprintf(&g.b, "{%% for x in %s%s %%}", coll, mods)
		g.loops++
		g.body()
		g.loops--
		if g.pick(3) == 0 {
			g.b.WriteString("{% else %}")
			g.body()
		}
		g.b.WriteString("{% endfor %}")
	case 8:
		fmt.Fprintf(&g.b, "{%% case %s %%}", g.value())
		for n := g.pick(3) + 1; n > 0; n-- {
			fmt.Fprintf(&g.b, "{%% when %s %%}", g.value())
			g.body()
		}
		if g.pick(2) == 0 {
			g.b.WriteString("{% else %}")
			g.body()
		}
		g.b.WriteString("{% endcase %}")
	case 9:
		if g.loops > 0 {
			g.b.WriteString([]string{"{% break %}", "{% continue %}"}[g.pick(2)])
		}
	case 10:
		g.b.WriteString("{{ forloop.index }}{{ forloop.last }}")
	default:
		g.b.WriteString([]string{"a {%- if true -%} t {%- endif -%} b", "{% raw %}{{x}}{% endraw %}", "{% comment %}c{% endcomment %}"}[g.pick(3)])
	}
}

// differentialData are the variables the differential test renders with:
// its texts hold no numbers, which the two compare differently.
var differentialData = []map[string]any{
	{
		"flow": map[string]any{"data": map[string]any{
			"first_name": "Ada", "n": 3.0, "list": []any{"b", "a", "b"}, "nums": []any{2.0, 1.5, -1.0},
			"none": nil, "map": map[string]any{"a": "x"}, "csv": "a,b,,c",
		}},
		"trigger": map[string]any{"message": map[string]any{"Body": "Yes please"}},
	},
	{
		"flow": map[string]any{"data": map[string]any{
			"first_name": "", "n": 0.0, "list": []any{}, "nums": []any{4.0}, "map": map[string]any{}, "csv": "",
		}},
	},
}

// skipDifferential reports templates that use a deliberate difference.
func skipDifferential(src string) bool {
	for _, seg := range segments(src) {
		switch {
		case strings.Contains(seg, " reversed") && (strings.Contains(seg, "limit:") || strings.Contains(seg, "offset:")):
			return true
		case strings.Contains(seg, " and ") && strings.Contains(seg, " or "):
			return true
		case strings.HasPrefix(seg, "{% capture") && (strings.Contains(src, "{% break %}") || strings.Contains(src, "{% continue %}")):
			return true // a capture a break or continue may end
		case strings.Contains(seg, "date:") && arithmeticBefore(seg[:strings.Index(seg, "date:")]):
			return true // an integer computed by a filter, read as a date
		}
	}
	return usesNumbersItMade(src)
}

// usesNumbersItMade reports whether a template of the generator's uses
// numbers it made where ours and osteele/liquid deliberately differ: x or y compared where they may hold a number as text (captured,
// or assigned through a filter chain that starts from a number or makes
// one: -3 | prepend: x is "-3"), which ours reads as a number (Twilio's
// padded numbers); or x or y, assigned an integer a filter computed,
// read by date (an epoch to ours; the reference reads only Go ints).
// The generator's data holds no numbers as text, but its filters and tags
// can make them.
func usesNumbersItMade(src string) bool {
	texts, computed := map[string]bool{}, map[string]bool{}
	for _, m := range pieces.FindAllStringSubmatch(src, -1) {
		switch tag, args := m[2], m[3]; tag {
		case "capture":
			texts[strings.TrimSpace(args)] = true
		case "assign":
			name, chain, _ := strings.Cut(args, "=")
			name = strings.TrimSpace(name)
			head, filters, piped := strings.Cut(strings.TrimSpace(chain), "|")
			// (Never unset: a later assign may sit in a branch not taken.)
			made := piped && arithmeticBefore("| "+strings.TrimSpace(filters))
			computed[name] = computed[name] || made
			texts[name] = texts[name] || made || piped && numberSource(strings.TrimSpace(head))
		case "case", "when": // compared for equality, as == does
			if texts[strings.TrimSpace(args)] {
				return true
			}
		case "if", "elsif", "unless":
			cond := " " + args + " "
			for _, op := range genCmp {
				for _, v := range []string{"x", "y"} {
					if op != "contains" && texts[v] && (strings.Contains(cond, " "+v+" "+op+" ") || strings.Contains(cond, " "+op+" "+v+" ")) {
						return true
					}
				}
			}
		}
		// {{ y | date: ... }}, {% assign x = y | date: ... %}
		for _, v := range []string{"x", "y"} {
			if computed[v] && strings.Contains(m[0], "date:") && (strings.Contains(m[0], "{{ "+v+" |") || strings.Contains(m[0], "= "+v+" |")) {
				return true
			}
		}
	}
	return false
}

// numberSource reports whether a generated value is a number, or a list
// of numbers.
func numberSource(v string) bool {
	switch v {
	case "1", "2", "-3", "2.5", "0", "flow.data.n", "flow.data.nums", "flow.data.nums.last", "flow.data.list.size":
		return true
	}
	return false
}

// segments returns what each {{ }} and {% %} of src holds.
func segments(src string) []string {
	var out []string
	for _, m := range pieces.FindAllStringSubmatch(src, -1) {
		out = append(out, m[0])
	}
	return out
}

// arithmeticBefore reports whether a filter chain applies a filter that
// makes a number.
func arithmeticBefore(chain string) bool {
	for _, f := range []string{"plus", "minus", "times", "divided_by", "modulo", "at_least", "at_most", "abs", "ceil", "floor", "round", "size"} {
		if strings.Contains(chain, "| "+f) {
			return true
		}
	}
	return false
}

func differential(t *testing.T, src string, vars map[string]any) {
	t.Helper()
	if skipDifferential(src) {
		return
	}
	clock := func() time.Time { return renderT0 }
	ours := NewRenderer(Options{Clock: clock})
	ref := newRefRenderer(clock, nil, nil)
	tpl, _ := Parse(src)
	got, err := ours.Render(context.Background(), tpl, vars)
	if CodeOf(err) == CodeBudget {
		return
	}
	want, rerr := ref.render(src, vars)
	switch {
	case rerr != nil && err != nil:
		// Both fail, and for the same kind of reason: the template's
		// syntax (the reference fails to parse it) or its render.
		// (A broken output is lax in ours: the render may fail before it.)
		if ourSyntax, refSyntax := CodeOf(err) == CodeSyntax, ref.parse(src) != nil; ourSyntax != refSyntax && len(tpl.Broken()) == 0 {
			t.Fatalf("template %q: ours fails (%v), the reference fails (%v), one at parse and one at render", src, err, rerr)
		}
	case rerr != nil && len(tpl.Broken()) > 0:
		// a broken output the render did not reach: ours is lax
	case rerr != nil:
		t.Fatalf("template %q: the reference fails (%v), ours renders %q", src, rerr, got)
	case err != nil:
		t.Fatalf("template %q: ours fails (%v), the reference renders %q", src, err, want)
	case got != want:
		t.Fatalf("template %q: ours renders %q, the reference %q", src, got, want)
	}
}

func FuzzDifferential(f *testing.F) {
	for _, seed := range []string{"", "\x01\x02\x03", "\x07\x07\x01\x05\x05\x05", "\x03\x00\x01\x02\x03\x04\x05", "\x08\x02\x01\x00\x01\x00\x05"} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 {
			return
		}
		vars := differentialData[int(data[0])%len(differentialData)]
		g := &gen{data: data[1:]}
		for len(g.data) > 0 && g.b.Len() < 2000 {
			g.item()
		}
		differential(t, g.b.String(), vars)
	})
}

// The skip rule finds the templates that make a number into text and
// compare it, or compute an integer and read it as a date (the fuzzer
// found both), and leaves the others in.
func TestUsesNumbersItMadeFindsThem(t *testing.T) {
	for src, want := range map[string]bool{
		`{% assign y = -3 | prepend: x %}{% unless 2 > y %}a{% endunless %}`:           true,
		`{% assign y = -3 | prepend: x %}{% if y == -3 %}eq{% endif %}`:                true,
		`{% capture y %}{{ 2 }}{% endcapture %}{% case y %}{% when 2 %}t{% endcase %}`: true,
		`{% assign x = flow.data.n | plus: 1 %}{% if a and x >= 2 %}gt{% endif %}`:     true,
		`{% assign y = "a" | append: "" %}{% if 3 > y %}gt{% endif %}`:                 false,
		`{% assign y = 2 %}{% if 3 > y %}gt{% endif %}`:                                false,
		`{% capture y %}{{ 2 }}{% endcapture %}{% if y contains "2" %}c{% endif %}`:    false,
		`{% assign y = 2 | plus: 1 | plus: 1 %}{{ y | date: "%Y" }}`:                   true,
		`{% assign y = 2 | plus: 1 %}{% assign x = y | date: "%Y" %}`:                  true,
		`{% assign y = 2 %}{{ y | date: "%Y" }}`:                                       false,
	} {
		assert.Equal(t, want, usesNumbersItMade(src), src)
	}
}
