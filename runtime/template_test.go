package runtime

import (
	"strings"
	"testing"

	"github.com/osteele/liquid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLoopsAreCappedAtFifteenIterations(t *testing.T) {
	r := newRenderer(nil, nil, nil)
	data := map[string]any{"flow": map[string]any{"data": map[string]any{"list": []any{1.0, 2.0, 3.0}}}}
	cases := []struct{ tpl, want string }{
		{"{% for i in (1..40) %}x{% endfor %}", strings.Repeat("x", 15)},
		{"{%- for i in (1..100000000) -%}{%- endfor -%}done", "done"},
		{"{% for i in (1..40) limit: 3 %}{{ i }}{% endfor %}", "123"},
		{"{% for i in (1..40) limit: 100 %}x{% endfor %}", strings.Repeat("x", 15)},
		{"{% for i in (1..40) reversed %}{% if forloop.last %}{{ i }}{% endif %}{% endfor %}", "26"},
		{"{% for n in flow.data.list %}{{ n }}{% endfor %}", "123"},
		{"{% tablerow i in (1..20) %}{{ i }}{% endtablerow %}", ""},
	}
	for _, c := range cases {
		t.Run(c.tpl, func(t *testing.T) {
			out, err := r.render(c.tpl, data)
			require.NoError(t, err)
			if c.want == "" {
				assert.Equal(t, 15, strings.Count(out, "<td"))
				return
			}
			assert.Equal(t, c.want, out)
		})
	}
	assert.Equal(t, "{% for i in x limit: 15 %}", capLoops("{% for i in x %}"))
	assert.Equal(t, "{%- for i in x limit: 15 -%}", capLoops("{%- for i in x -%}"))
	assert.Equal(t, "{% for i in x limit: n %}", capLoops("{% for i in x limit: n %}"))
	assert.Equal(t, "no tags", capLoops("no tags"))
}

// The growth-capped filters render as Liquid's own do, below the cap.
func TestCappedFiltersAgreeWithLiquid(t *testing.T) {
	ours := newRenderer(nil, nil, nil)
	ref := liquid.NewEngine()
	bindings := map[string]any{"n": 3.0, "s": "a-b", "list": []any{"x", 1.0, true}, "none": nil}
	for _, src := range []string{
		`{{ "a" | append: "b" }}`, `{{ n | append: 1 }}`, `{{ 1 | append: 2 }}`, `{{ s | prepend: "<" }}`,
		`{{ list | join: "+" }}`, `{{ list | join }}`, `{{ "a,b,c" | split: "," | join: "-" }}`, `{{ none | join: "," }}`,
		`{{ s | replace: "-", "==" }}`, `{{ s | replace: "", "x" }}`, `{{ none | append: "z" }}`,
	} {
		want, rerr := ref.ParseAndRenderString(src, bindings)
		require.NoError(t, rerr, src)
		got, err := ours.render(src, bindings)
		require.NoError(t, err, src)
		assert.Equal(t, want, got, src)
	}
	_, err := ours.render(`{{ s | join: "," }}`, bindings)
	assert.ErrorContains(t, err, "can't convert", "a string is no list, as in Liquid")
	// Past the cap, an error while rendering, not after.
	big := map[string]any{"s": strings.Repeat("x", 10_000)}
	for _, src := range []string{`{{ s | append: s }}`, `{{ s | prepend: s }}`, `{{ s | replace: "x", "xx" }}`} {
		_, err := ours.render(src, big)
		assert.ErrorContains(t, err, "at most 16384 are allowed", src)
	}
	_, err = ours.render(`{% assign t = s %}{% for i in (1..15) %}{% assign t = t | append: t %}{% endfor %}{{ t | size }}`, map[string]any{"s": "xx"})
	assert.ErrorContains(t, err, "append would make a text of")
}

// The arithmetic filters agree with Liquid's on ordinary numbers, and read
// whitespace-padded numbers as numbers, as Twilio's Liquid does (its Set
// Variables counter idiom: "How do I use Liquid with Twilio Studio?").
func TestArithmeticReadsNumbersAsTwilioDoes(t *testing.T) {
	ours := newRenderer(nil, nil, nil)
	ref := liquid.NewEngine()
	bindings := map[string]any{"n": 3.0, "f": 2.5, "s": "4", "x": "abc"}
	for _, src := range []string{
		`{{ 1 | plus: 2 }}`, `{{ n | plus: 1 }}`, `{{ f | plus: 1 }}`, `{{ n | minus: 5 }}`, `{{ 3 | times: 4 }}`,
		`{{ f | times: 2 }}`, `{{ 7 | divided_by: 2 }}`, `{{ 7 | divided_by: 2.0 }}`, `{{ n | divided_by: 2 }}`,
		`{{ 7 | modulo: 3 }}`, `{{ x | plus: 1 }}`, `{{ s | plus: 1 }}`,
	} {
		want, rerr := ref.ParseAndRenderString(src, bindings)
		require.NoError(t, rerr, src)
		got, err := ours.render(src, bindings)
		require.NoError(t, err, src)
		assert.Equal(t, want, got, src)
	}
	padded := map[string]any{"count": "\n  2\n", "half": " 1.5 "}
	for src, want := range map[string]string{
		`{{ count | plus: 1 }}`:       "3",
		`{{ count | minus: 1 }}`:      "1",
		`{{ count | times: 2 }}`:      "4",
		`{{ count | divided_by: 2 }}`: "1",
		`{{ half | plus: 1 }}`:        "2.5",
	} {
		got, err := ours.render(src, padded)
		require.NoError(t, err, src)
		assert.Equal(t, want, got, src)
	}
	_, err := ours.render(`{{ 1 | divided_by: 0 }}`, nil)
	assert.ErrorContains(t, err, "divided by 0")
}

// A host template that includes itself stops at MaxIncludeDepth instead of
// exhausting the stack (a fatal error no recover contains).
func TestIncludeDepthIsBounded(t *testing.T) {
	r := newRenderer(nil, TemplateMap{"loop": "x{% include 'loop' %}", "leaf": "{{ name }}"}, nil)
	_, err := r.render(`{% include 'loop' %}`, map[string]any{})
	assert.ErrorContains(t, err, "nest deeper than 10 levels")
	out, err := r.render(`{% include 'leaf' %}-{% include 'leaf' %}-{% include 'leaf' %}`, map[string]any{"name": "ada"})
	require.NoError(t, err)
	assert.Equal(t, "ada-ada-ada", out)
}

// Arithmetic never wraps or panics: overflow goes to floats, a division by
// zero and a modulo by zero are errors, odd Go number types are numbers.
func TestArithmeticEdges(t *testing.T) {
	r := newRenderer(nil, nil, nil)
	for src, want := range map[string]string{
		`{{ big | plus: 1 }}`:            "9223372036854776000", // a float, as Liquid writes it
		`{{ -7 | divided_by: 2 }}`:       "-3",
		`{{ exact | divided_by: 1 }}`:    "9007199254740993",
		`{{ small | plus: 2 }}`:          "5",
		`{{ list | join: "," }}`:         "1,a",
		`{{ "abc" | replace: "", "-" }}`: "-a-b-c-",
	} {
		out, err := r.render(src, map[string]any{"big": "9223372036854775807", "exact": int64(9007199254740993),
			"small": uint8(3), "list": []any{1.0, nil, "a"}})
		require.NoError(t, err, src)
		assert.Equal(t, want, out, src)
	}
	for _, src := range []string{`{{ 1 | modulo: 0 }}`, `{{ 1 | divided_by: 0 }}`, `{{ s | replace: "", s }}`, `{{ s | replace_first: "", s }}`} {
		_, err := r.render(src, map[string]any{"s": strings.Repeat("x", 9000)})
		assert.Error(t, err, src)
	}
}
