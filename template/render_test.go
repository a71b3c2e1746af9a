package template

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var renderT0 = time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC)

func testRenderer() *Renderer {
	return NewRenderer(Options{Clock: func() time.Time { return renderT0 }})
}

// renderSrc parses and renders src with vars.
func renderSrc(t *testing.T, r *Renderer, src string, vars map[string]any) (string, error) {
	t.Helper()
	tpl, _ := Parse(src)
	return r.Render(context.Background(), tpl, vars)
}

var testVars = map[string]any{
	"flow": map[string]any{
		"data": map[string]any{
			"first_name": "Ada",
			"n":          3.0,
			"list":       []any{"a", "b", "c"},
			"nums":       []any{1.0, 2.0, 3.0},
			"empty_list": []any{},
			"blank":      "   ",
			"none":       nil,
			"map":        map[string]any{"b": 2.0, "a": 1.0},
		},
		"variables": map[string]any{"count": "\n  2\n", "zero": "0"},
	},
	"trigger": map[string]any{"message": map[string]any{"Body": "Yes please"}},
}

func TestRender(t *testing.T) {
	cases := []struct{ src, want string }{
		// text and outputs
		{"plain", "plain"},
		{"Hello {{flow.data.first_name}}", "Hello Ada"},
		{"{{ flow.data.n }}", "3"},
		{"{{ flow.data.missing }}|{{ nope.a.b }}", "|"},
		{"{{ flow.data.list[1] }}{{ flow.data.list[-1] }}{{ flow.data.list.first }}{{ flow.data.list.last }}", "bcac"},
		{"{{ flow.data.list.size }} {{ flow.data.first_name.size }} {{ flow.data.map.size }}", "3 3 2"},
		{`{{ flow.data["first_name"] }}`, "Ada"},
		{"{{ 1.50 }} {{ -2 }} {{ true }} {{ nil }}", "1.5 -2 true "},
		{`{{ "a\"b" }}{{ 'c\n' }}`, `a"bc\n`},
		// whitespace control trims the template's text
		{"a  {{- 'b' -}}  c", "abc"},
		{"a\n{%- if true -%}\n b \n{%- endif -%}\n", "ab"},
		// conditions
		{"{% if flow.data.n > 2 %}big{% else %}small{% endif %}", "big"},
		{"{% if flow.data.n == 3 and flow.data.first_name == 'Ada' %}y{% endif %}", "y"},
		{"{% if flow.data.none %}a{% elsif flow.data.n < 3 %}b{% else %}c{% endif %}", "c"},
		{"{% unless flow.data.none %}u{% endunless %}", "u"},
		{"{% if 0 %}zero is true{% endif %}{% if '' %}, so is empty text{% endif %}", "zero is true, so is empty text"},
		{"{% if trigger.message.Body contains 'Yes' %}yes{% endif %}", "yes"},
		{"{% if flow.data.list contains 'b' %}b{% endif %}{% if flow.data.map contains 'a' %}a{% endif %}", "ba"},
		// right to left: true or (false and false)
		{"{% if true or false and false %}t{% else %}f{% endif %}", "t"},
		{"{% if false and true or true %}t{% else %}f{% endif %}", "f"},
		{"{% case flow.data.n %}{% when 1, 2 %}low{% when 3 or 4 %}mid{% else %}high{% endcase %}", "mid"},
		{"{% case 'x' %}ignored{% when 'y' %}y{% else %}else{% endcase %}", "else"},
		// empty and blank
		{"{% if flow.data.empty_list == empty %}e{% endif %}{% if '' == empty %}s{% endif %}{% if flow.data.none == empty %}n{% endif %}", "es"},
		{"{% if flow.data.blank == blank %}b{% endif %}{% if flow.data.none == blank %}n{% endif %}{% if 'x' == blank %}x{% endif %}", "bn"},
		// assign and capture are the render's own
		{"{% assign x = flow.data.first_name %}{{ x }}{% capture y %}[{{ x }}]{% endcapture %}{{ y }}", "Ada[Ada]"},
		{"{% assign ok = flow.data.n > 1 %}{{ ok }}", "true"},
		// a capture that a continue or break ends keeps what it took, as
		// Shopify's Liquid does (its Capture assigns what the block wrote)
		{"{% for x in flow.data.list %}{% capture y %}<{{ x }}{% continue %}>{% endcapture %}{% endfor %}{{ y }}", "<c"},
		{"{% for x in flow.data.list %}{% capture y %}{{ x }}{% break %}{% endcapture %}{% endfor %}{{ y }}", "a"},
		// loops
		{"{% for x in flow.data.list %}{{ forloop.index }}{{ x }}{% unless forloop.last %},{% endunless %}{% endfor %}", "1a,2b,3c"},
		{"{% for x in flow.data.list reversed %}{{ x }}{% endfor %}", "cba"},
		{"{% for x in (1..10) offset: 2 limit: 3 %}{{ x }}{% endfor %}", "345"},
		{"{% for x in (1..10) limit: 3 reversed %}{{ x }}{% endfor %}", "321"},
		{"{% for x in flow.data.empty_list %}x{% else %}none{% endfor %}", "none"},
		{"{% for x in (1..5) %}{% if x == 2 %}{% continue %}{% endif %}{% if x == 4 %}{% break %}{% endif %}{{ x }}{% endfor %}", "13"},
		{"{% for p in flow.data.map %}{{ p[0] }}={{ p[1] }};{% endfor %}", "a=1;b=2;"},
		{"{% for x in (1..3) %}{% for y in (1..2) %}{{ x }}{{ y }} {% endfor %}{% endfor %}", "11 12 21 22 31 32 "},
		{"{% for i in (1..flow.data.n) %}{{ i }}{% endfor %}", "123"},
		{"{% tablerow x in (1..3) cols: 2 %}{{ x }}{% endtablerow %}", `<tr class="row1"><td class="col1">1</td><td class="col2">2</td></tr><tr class="row2"><td class="col1">3</td></tr>`},
		// counters, cycle, raw, comment
		{"{% increment c %}{% increment c %}{% decrement d %}", "01-1"},
		{"{% for i in (1..3) %}{% cycle 'a', 'b' %}{% endfor %}", "aba"},
		{"{% cycle 'g': 'a', 'b' %}{% cycle 'g': 'x', 'y' %}{% cycle 'a', 'b' %}", "aya"},
		{"{% raw %}{{ not rendered }}{% endraw %}", "{{ not rendered }}"},
		{"{% raw %}a {{- b }} c{% endraw %}", "a {{- b }} c"},
		{"a{% comment %}{% if %}{% endcomment %}b", "ab"},
		// unterminated markers are text, as in osteele/liquid
		{"{{ not closed", "{{ not closed"},
		{"{{}}", "{{}}"},
	}
	r := testRenderer()
	for _, c := range cases {
		t.Run(c.src, func(t *testing.T) {
			got, err := renderSrc(t, r, c.src, testVars)
			require.NoError(t, err)
			assert.Equal(t, c.want, got)
		})
	}
}

// Twilio's Liquid reads a whitespace-padded number as a number in
// comparisons too: Set Variables stores the rendering of a multi-line
// template ("\n  2\n"), and the counter idiom of Twilio's Set Variables
// page compares it ("How do I use Liquid with Twilio Studio?").
func TestPaddedNumbersCompareAsNumbers(t *testing.T) {
	r := testRenderer()
	for src, want := range map[string]string{
		"{% if flow.variables.count < 5 %}less{% endif %}":  "less",
		"{% if flow.variables.count == 2 %}two{% endif %}":  "two",
		"{% if flow.variables.count > 10 %}more{% endif %}": "",
		"{% if flow.variables.zero == 0 %}zero{% endif %}":  "zero",
		"{% if '10' < '9' %}as text{% endif %}":             "as text",
	} {
		got, err := renderSrc(t, r, src, testVars)
		require.NoError(t, err, src)
		assert.Equal(t, want, got, src)
	}
}

func TestSyntaxErrors(t *testing.T) {
	for _, src := range []string{
		"{% if x %}never closed",
		"{% endif %}",
		"{% if %}x{% endif %}",
		"{% assign = 1 %}",
		"{% assign x %}",
		"{% for x y %}{% endfor %}",
		"{% for x in y bogus %}{% endfor %}",
		"{% bogus %}",
		"{% else %}",
		"{% for x in y %}{% else %}{% else %}{% endfor %}",
		"{% unless x %}{% elsif y %}{% endunless %}",
		"{% capture %}{% endcapture %}",
		"{% if (((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((1)))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))) %}{% endif %}",
		"{{ 100000000000000000000 }}{% if x %}",
		"{% if x == %}{% endif %}",
	} {
		tpl, err := Parse(src)
		require.Error(t, err, src)
		assert.Equal(t, CodeSyntax, CodeOf(err), src)
		_, rerr := testRenderer().Render(context.Background(), tpl, nil)
		assert.Equal(t, err, rerr, "a render fails as the parse did: %s", src)
	}
	deep := strings.Repeat("{% if true %}", MaxNesting+1) + strings.Repeat("{% endif %}", MaxNesting+1)
	_, err := Parse(deep)
	assert.ErrorContains(t, err, "nest deeper")
}

// A broken output parses, as in Liquid's lax mode: a render fails only
// when it reaches it.
func TestBrokenOutputFailsOnlyWhenRendered(t *testing.T) {
	tpl, err := Parse("{% if flow.data.none %}{{ a. b }}{% endif %}ok")
	require.NoError(t, err)
	require.Len(t, tpl.Broken(), 1)
	r := testRenderer()
	got, err := r.Render(context.Background(), tpl, testVars)
	require.NoError(t, err)
	assert.Equal(t, "ok", got)
	tpl, _ = Parse("x {{ 100000000000000000000 }}")
	_, err = r.Render(context.Background(), tpl, nil)
	assert.Equal(t, CodeSyntax, CodeOf(err))
	assert.ErrorContains(t, err, "out of range")
}

func TestRenderDoesNotWriteTheHostsVariables(t *testing.T) {
	vars := map[string]any{"flow": map[string]any{"data": map[string]any{"x": "1"}}}
	got, err := renderSrc(t, testRenderer(), "{% assign flow = 'mine' %}{{ flow }}{% for flow in (1..2) %}{% endfor %}", vars)
	require.NoError(t, err)
	assert.Equal(t, "mine", got)
	assert.Equal(t, map[string]any{"flow": map[string]any{"data": map[string]any{"x": "1"}}}, vars)
}

func TestIncludeReadsOnlyTheSource(t *testing.T) {
	r := testRenderer()
	_, err := renderSrc(t, r, "{% include '.env' %}", nil)
	assert.Equal(t, CodeSandbox, CodeOf(err))
	assert.ErrorContains(t, err, "read no files")

	src := mapSource{"greet": "Hi {{ flow.data.first_name }}{% assign seen = 1 %}", "loop": "x{% include 'loop' %}", "iso": "[{{ who }}{{ seen }}]", "bad": "{% if %}"}
	r = NewRenderer(Options{Source: src})
	got, err := renderSrc(t, r, "{% include 'greet' %} {{ seen }} {% render 'iso', who: 'me' %}", testVars)
	require.NoError(t, err)
	assert.Equal(t, "Hi Ada 1 [me]", got, "include shares the render's variables; render does not")
	_, err = renderSrc(t, r, "{% include 'loop' %}", nil)
	assert.Equal(t, CodeBudget, CodeOf(err))
	_, err = renderSrc(t, r, "{% include 'missing' %}", nil)
	assert.Equal(t, CodeSandbox, CodeOf(err))
	_, err = renderSrc(t, r, "{% include 'bad' %}", nil)
	assert.Equal(t, CodeSyntax, CodeOf(err))
	assert.ErrorContains(t, err, `template "bad"`)
}

type mapSource map[string]string

func (m mapSource) ReadTemplate(name string) ([]byte, error) {
	s, ok := m[name]
	if !ok {
		return nil, assert.AnError
	}
	return []byte(s), nil
}

// Each hostile template stops with a budget error, whatever it tries.
func TestHostileTemplatesStopAtTheBudget(t *testing.T) {
	r := testRenderer()
	for name, src := range hostileTemplates {
		t.Run(name, func(t *testing.T) {
			_, err := renderSrc(t, r, src, testVars)
			require.Error(t, err)
			assert.Equal(t, CodeBudget, CodeOf(err), "%v", err)
		})
	}
}

// hostileTemplates are templates built to exhaust a host; the subprocess
// test runs them under a memory limit too.
var hostileTemplates = map[string]string{
	"nested loops":           "{% for a in (1..15) %}{% for b in (1..15) %}{% for c in (1..15) %}x{% endfor %}{% endfor %}{% endfor %}",
	"six nested loops":       strings.Repeat("{% for a in (1..1000000) %}", 6) + "{% assign x = 1 %}" + strings.Repeat("{% endfor %}", 6),
	"limit as a variable":    "{% assign n = 100000000 %}{% for a in (1..n) limit: n %}{% for b in (1..n) limit:n%}{% for c in (1..n) limit:n%}{{ b }}{% endfor %}{% endfor %}{% endfor %}",
	"huge range":             "{% for i in (1..9223372036854775807) %}{% for j in (-9223372036854775807..9223372036854775807) %}{% for k in (1..9223372036854775807) %}{{ i }}{% endfor %}{% endfor %}{% endfor %}",
	"split and sort":         "{% assign s = 'abcdefghijklmnopqrstuvwxyz' %}{% for i in (1..7) %}{% assign s = s | append: s %}{% endfor %}{% assign s = s | slice: 0, 4000 %}{% for i in (1..15) %}{% for j in (1..15) %}{% assign p = s | split: '' | sort | join: '' %}{% endfor %}{% endfor %}",
	"capture doubling":       "{% assign s = 'xxxxxxxxxxxxxxxx' %}{% for i in (1..15) %}{% capture s %}{{ s }}{{ s }}{% endcapture %}{% endfor %}",
	"append doubling":        "{% assign s = 'xxxxxxxxxxxxxxxx' %}{% for i in (1..15) %}{% assign s = s | append: s %}{% endfor %}",
	"output doubling":        "{% assign s = 'xxxxxxxxxxxxxxxx' %}{% for i in (1..15) %}{% for j in (1..15) %}{{ s }}{{ s }}{{ s }}{{ s }}{{ s }}{{ s }}{{ s }}{% endfor %}{% endfor %}",
	"join over a huge range": "{{ (1..100000000) | join: ',' }}",
	"wide date in loops":     "{% for i in (1..15) %}{% for j in (1..15) %}{{ 'now' | date: '%1000000Y' }}{% endfor %}{% endfor %}",
	"split and sort in loops": "{% assign s = 'abcdefghijklmnopqrstuvwxyz' | append: 'abcdefghijklmnopqrstuvwxyz' %}{% for i in (1..15) %}{% assign s = s | append: s %}{% endfor %}" +
		"{% for i in (1..15) %}{% for j in (1..15) %}{% assign p = s | split: '' | sort | join: '' %}{% endfor %}{% endfor %}",
	"many ifs":         strings.Repeat("{% if true %}", 60) + strings.Repeat("{% for i in (1..15) %}{{ i }}{% endfor %}", 20) + strings.Repeat("{% endif %}", 60),
	"repeated replace": "{% assign s = 'x' %}{% for i in (1..15) %}{% assign s = s | replace: '', 'xx' %}{% endfor %}",
	// An array of 4096 references to one 16 KB text: within every cap
	// until it is written, compared or searched.
	"writing a shared array":   bigArray + "{{ a }}",
	"searching a shared array": bigArray + "{% for i in (1..15) %}{% for j in (1..15) %}{% if 'x' contains a %}{% endif %}{% endfor %}{% endfor %}",
	"comparing shared arrays":  bigArray + "{% for i in (1..15) %}{% for j in (1..15) %}{% if a == a %}{% endif %}{% endfor %}{% endfor %}",
	"searching a huge range":   strings.Repeat("{% if 'x' contains (1..100000) %}{% endif %}{% if (1..100000) contains 'x' %}{% endif %}", 400),
}

// bigArray assigns a, 4096 references to one 16 KB text.
const bigArray = "{% assign s = 'xxxxxxxxxxxxxxxx' %}{% for i in (1..10) %}{% assign s = s | append: s %}{% endfor %}" +
	"{% assign s = s | slice: 0, 16000 %}{% assign a = s | split: '|' %}{% for i in (1..12) %}{% assign a = a | concat: a %}{% endfor %}"

// Errors about a value quote it short, however large it is.
func TestErrorsQuoteValuesShort(t *testing.T) {
	r := testRenderer()
	for _, tail := range []string{"{% for x in a limit: a %}{% endfor %}", "{{ (1..a) }}"} {
		_, err := renderSrc(t, r, bigArray+tail, nil)
		require.Error(t, err, tail)
		assert.Less(t, len(err.Error()), 300, tail)
	}
}

// Parsing is linear: parentheses nested to the cap parse at once (they
// used to cost twice per level), and an expression longer than
// MaxExprTokens, or a template past MaxTemplateBytes, is refused.
func TestParsingIsBounded(t *testing.T) {
	deep := strings.Repeat("(", MaxNesting-1) + "1" + strings.Repeat(")", MaxNesting-1)
	tpl, err := Parse("{{ " + deep + " }}{% if " + deep + " %}y{% endif %}")
	require.NoError(t, err)
	got, err := testRenderer().Render(context.Background(), tpl, nil)
	require.NoError(t, err)
	assert.Equal(t, "1y", got)

	_, err = Parse("{% if x" + strings.Repeat(" or x", MaxExprTokens) + " %}{% endif %}")
	assert.Equal(t, CodeSyntax, CodeOf(err))
	assert.ErrorContains(t, err, "tokens")
	_, err = Parse("{{ x }}" + strings.Repeat(" ", MaxTemplateBytes))
	assert.Equal(t, CodeBudget, CodeOf(err))
}

// Including costs what is read: a large host template included in loops
// stops at the budget.
func TestIncludesCountAgainstTheBudget(t *testing.T) {
	big := "{% comment %}" + strings.Repeat("x", 60_000) + "{% endcomment %}"
	r := NewRenderer(Options{Source: mapSource{"big": big}})
	_, err := renderSrc(t, r, "{% for i in (1..15) %}{% for j in (1..15) %}{% include 'big' %}{% endfor %}{% endfor %}", nil)
	assert.Equal(t, CodeBudget, CodeOf(err))
}

// A cached include's parse error is shared: each render gets its own copy
// with its own line (run with -race).
func TestSharedIncludeErrorsAreNotWritten(t *testing.T) {
	r := NewRenderer(Options{Source: mapSource{"bad": "{% if %}"}})
	one, _ := Parse("{% include 'bad' %}")
	four, _ := Parse("\n\n\n{% include 'bad' %}")
	done := make(chan [2]int)
	for range 4 {
		go func() {
			var lines [2]int
			for range 50 {
				_, e1 := r.Render(context.Background(), one, nil)
				_, e4 := r.Render(context.Background(), four, nil)
				lines = [2]int{e1.(*Error).Line, e4.(*Error).Line}
			}
			done <- lines
		}()
	}
	for range 4 {
		assert.Equal(t, [2]int{1, 4}, <-done)
	}
}

func TestBreakOutsideALoopIsAnError(t *testing.T) {
	_, err := renderSrc(t, testRenderer(), "a{% break %}b", nil)
	assert.Equal(t, CodeRender, CodeOf(err))
}

func TestRenderHonoursTheDeadline(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	tpl, err := Parse("{% for i in (1..15) %}{% for j in (1..15) %}{{ i }}{{ j }}{{ i }}{{ j }}{{ i }}{{ j }}{% endfor %}{% endfor %}")
	require.NoError(t, err)
	_, err = testRenderer().Render(ctx, tpl, nil)
	assert.Equal(t, CodeCanceled, CodeOf(err), "the caller's doing, not the template's")
	assert.ErrorIs(t, err, context.Canceled)
}

func TestLoopsStopAtFifteen(t *testing.T) {
	r := testRenderer()
	for src, want := range map[string]string{
		"{% for i in (1..40) %}x{% endfor %}":                                                    strings.Repeat("x", 15),
		"{% for i in (1..40) limit: 100 %}x{% endfor %}":                                         strings.Repeat("x", 15),
		"{% for i in (1..40) %}{% if forloop.last %}{{ forloop.length }}{% endif %}{% endfor %}": "15",
		"{% for i in (1..40) reversed %}{% if forloop.first %}{{ i }}{% endif %}{% endfor %}":    "15",
	} {
		got, err := renderSrc(t, r, src, nil)
		require.NoError(t, err, src)
		assert.Equal(t, want, got, src)
	}
}

func TestRendersConcurrently(t *testing.T) {
	r := testRenderer()
	tpl, err := Parse("{% for x in flow.data.list %}{% assign y = x | upcase %}{{ y }}{{ forloop.index }}{% endfor %}")
	require.NoError(t, err)
	done := make(chan string, 8)
	for range 8 {
		go func() {
			var last string
			for range 200 {
				last, _ = r.Render(context.Background(), tpl, testVars)
			}
			done <- last
		}()
	}
	for range 8 {
		assert.Equal(t, "A1B2C3", <-done)
	}
}

// BenchmarkRenderPath renders a text and one variable path, the most
// common template of all.
func BenchmarkRenderPath(b *testing.B) {
	r := testRenderer()
	tpl, err := Parse("Hello {{flow.data.first_name}}")
	require.NoError(b, err)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if out, _ := r.Render(ctx, tpl, testVars); out != "Hello Ada" {
			b.Fatal(out)
		}
	}
}

// BenchmarkRenderCounter renders Twilio's counter increment.
func BenchmarkRenderCounter(b *testing.B) {
	r := testRenderer()
	tpl, err := Parse("{{flow.variables.count | plus: 1}}")
	require.NoError(b, err)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if out, _ := r.Render(ctx, tpl, testVars); out != "3" {
			b.Fatal(out)
		}
	}
}

// A map is written as osteele/liquid writes it, nested nils and lists
// included.
func TestMapsAreWrittenAsGoWritesThem(t *testing.T) {
	got, err := renderSrc(t, testRenderer(), "{{ m }}", map[string]any{"m": map[string]any{"b": 1.5, "a": []any{nil, "x", []any{1.0, nil}}}})
	require.NoError(t, err)
	assert.Equal(t, "map[a:[<nil> x [1 <nil>]] b:1.5]", got)
}

// Templates of text and variable paths only take a path of their own
// (renderSimple: up to maxExactSegments segments in one exact allocation,
// more through a builder). Both give what the full renderer gives, and
// both refuse an output over MaxTextBytes.
func TestSimpleTemplatesRenderAsTheFullRendererDoes(t *testing.T) {
	r := testRenderer()
	half := strings.Repeat("x", MaxTextBytes/2+1)
	vars := map[string]any{"a": "Ada", "n": 3.0, "l": []any{"p", "q"}, "half": half, "none": nil}
	for _, src := range []string{
		"Hello {{a}}",
		"{{a}}, {{n}} and {{l}}{{none}}!",
		"{{a}}-{{a}}-{{a}}-{{a}}-{{a}}-{{a}}", // 11 segments: the builder
		"{{n}}",
	} {
		tpl, err := Parse(src)
		require.NoError(t, err)
		require.NotNil(t, tpl.simple, "%q is a simple template", src)
		got, err := r.Render(context.Background(), tpl, vars)
		require.NoError(t, err, src)
		// The same template with a no-op tag is not simple: the full renderer.
		full, err := renderSrc(t, r, src+"{% comment %}{% endcomment %}", vars)
		require.NoError(t, err, src)
		assert.Equal(t, full, got, src)
	}
	for _, src := range []string{"{{half}}{{half}}", "{{half}} {{a}}{{a}}{{a}}{{a}}{{a}}{{a}}{{a}}{{half}}"} {
		_, err := renderSrc(t, r, src, vars)
		assert.Equal(t, CodeBudget, CodeOf(err), "%.20s...: %v", src, err)
	}
	// Exactly MaxTextBytes is allowed, as the full renderer allows it.
	vars["h"] = strings.Repeat("y", MaxTextBytes/2)
	for _, src := range []string{"{{h}}{{h}}", "{{h}}{{h}}{{none}}{{none}}{{none}}{{none}}{{none}}{{none}}{{none}}"} {
		out, err := renderSrc(t, r, src, vars)
		require.NoError(t, err)
		assert.Len(t, out, MaxTextBytes)
	}
	// One allocation: the output, of its exact size.
	hello, _ := Parse("Hello {{a}}")
	allocs := testing.AllocsPerRun(100, func() {
		if out, _ := r.Render(context.Background(), hello, vars); out != "Hello Ada" {
			t.Fatalf("rendered %q", out)
		}
	})
	assert.Equal(t, 1.0, allocs)
}

// A number a template writes goes straight into the output, as text
// writes it: Twilio's counter costs the boxed sum and the output, no text
// in between; and the output's budget holds to the byte.
func TestNumbersAreWrittenInPlace(t *testing.T) {
	r := testRenderer()
	vars := map[string]any{"n": "1000000", "f": 2.5}
	for src, want := range map[string]string{
		"{{ n | plus: 1 }}": "1000001", "{{ n | minus: 2000000 }}": "-1000000", "{{ f | times: 2 }}": "5",
		"{{ f | plus: 0.25 }}": "2.75", "{{ 0.1 | plus: 0.2 }}": "0.30000000000000004", "[{{ n | times: 1000000000000000 }}]": "[1000000000000000000000]",
	} {
		out, err := renderSrc(t, r, src, vars)
		require.NoError(t, err)
		assert.Equal(t, want, out, src)
	}
	counter, _ := Parse("{{ n | plus: 1 }}")
	allocs := testing.AllocsPerRun(100, func() {
		if out, _ := r.Render(context.Background(), counter, vars); out != "1000001" {
			t.Fatalf("rendered %q", out)
		}
	})
	assert.Equal(t, 2.0, allocs, "the boxed sum and the output")
	// The longest numbers (20 bytes for an int64, 327 for a float in 'f'
	// form), with one byte fewer than they take left, as many, one more,
	// and the bytes the in-place write wants free: the output is allowed
	// exactly up to MaxTextBytes. (The if keeps the template off the
	// text-and-paths renderer, which writes no numbers.)
	for _, v := range []any{int64(5), int64(math.MinInt64), 0.5, -math.MaxFloat64, -9.999999999999994e-309, -5e-324} {
		n := len(text(v))
		for _, left := range []int{n - 1, n, n + 1, 19, 20, 329, 330} {
			vars["h"], vars["v"] = strings.Repeat("y", MaxTextBytes-left), v
			out, err := renderSrc(t, r, "{{ h }}{% if true %}{{ v }}{% endif %}", vars)
			if left < n {
				assert.Equal(t, CodeBudget, CodeOf(err), "%v with %d bytes left: %v", v, left, err)
				continue
			}
			require.NoError(t, err, "%v with %d bytes left", v, left)
			assert.Len(t, out, MaxTextBytes-left+n, "%v with %d bytes left", v, left)
		}
	}
}

// A host calling Render may nest Go's own numbers (int, uint8, float32...)
// in its lists and maps: each is the number a top-level one is, to every
// filter and tag that takes a value apart. Each template renders the same
// with Go's numbers as with the int64 and float64 they stand for.
func TestGoNumbersNestedInVarsAreNumbers(t *testing.T) {
	goVars := map[string]any{
		"n":  7,
		"l":  []any{3, uint8(1), int32(2)},
		"m":  map[string]any{"y": 1, "f": float32(0.5), "1": "one"},
		"ms": []any{map[string]any{"a": 2, "b": uint16(9)}, map[string]any{"a": 1, "b": 8.0}},
		"u":  []any{1, int64(1), 1.0, 2, uint(2)},
		"k":  1,
		"e":  86400,
		"f":  []any{float32(0.1), float32(1e20)},
		"nl": []any{[]any{1, uint8(2)}, []any{3}},
		"z":  0,
	}
	jsonVars := map[string]any{
		"n":  int64(7),
		"l":  []any{int64(3), int64(1), int64(2)},
		"m":  map[string]any{"y": int64(1), "f": 0.5, "1": "one"},
		"ms": []any{map[string]any{"a": int64(2), "b": int64(9)}, map[string]any{"a": int64(1), "b": 8.0}},
		"u":  []any{int64(1), int64(1), 1.0, int64(2), int64(2)},
		"k":  int64(1),
		"e":  int64(86400),
		"f":  []any{0.1, 1e20},
		"nl": []any{[]any{int64(1), int64(2)}, []any{int64(3)}},
		"z":  int64(0),
	}
	r := testRenderer()
	for _, src := range []string{
		`{{ n }} {{ n | plus: 1 }}`, `{{ l | to_json }}`, `{{ m | to_json }}`, `{{ f | to_json }} {{ f | join }}`,
		`{{ l | join: "," }}`, `{{ l | sum }} {{ l | sum | type }}`, `{{ ms | sum: "a" }}`, `{{ ms | map: "a" | join: "+" }}`,
		`{{ u | uniq | size }}`, `{{ l | sort | join }}`, `{{ ms | sort: "a" | map: "b" | join }}`, `{{ l | sort_natural | join }}`,
		`{{ l | first | type }} {{ l.last }} {{ l.size }}`, `{% for x in l %}{{ x | times: 10 }} {% endfor %}`,
		`{% for x in l limit: 2 offset: 1 %}{{ x }}{% endfor %}`, `{{ l | inspect }}`, `{{ l | slice: 1, 2 | join }}`,
		`{% if m.y == 1 %}one{% endif %} {% if l contains 2 %}has 2{% endif %}`, `{% case l[0] %}{% when 3 %}three{% endcase %}`,
		`{{ l[l[1]] }} {{ m[k] }} {{ l[k] }}`, `{{ ms | where: "a", 1 | map: "b" | join }}`, `{{ l | compact | size }}`,
		`{{ e | date: "%Y-%m-%d" }}`, `{{ "abc" | slice: k }}`, `{{ l | reverse | join }} {{ l | concat: u | size }}`,
		`{{ l | uniq | size }}`, `{{ nl | join: ";" }}`, `{{ k | pluralize: "item", "items" }}`,
		`{{ n | divided_by: z }}`, `{% include n %}`, `{{ "a" | split: "" | concat: l | sort | join }}`,
	} {
		want, werr := renderSrc(t, r, src, jsonVars)
		got, gerr := renderSrc(t, r, src, goVars)
		assert.Equal(t, want, got, src)
		assert.Equal(t, fmt.Sprint(werr), fmt.Sprint(gerr), src)
	}
	// Other Go values are written as encoding/json writes them, or refused.
	got, err := renderSrc(t, r, `{{ t | to_json }}`, map[string]any{"t": []any{struct{ A int }{1}, []string{"x"}}})
	require.NoError(t, err)
	assert.Equal(t, `[{"A":1},["x"]]`, got)
	_, err = renderSrc(t, r, `{{ t | to_json }}`, map[string]any{"t": []any{make(chan int)}})
	assert.ErrorContains(t, err, "cannot encode a chan int")
}
