package runtime

import (
	"context"
	"strings"
	"testing"

	"github.com/osteele/liquid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studioflow/studioflow/template"
)

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
		got, err := ours.render(context.Background(), src, bindings)
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
		got, err := ours.render(context.Background(), src, padded)
		require.NoError(t, err, src)
		assert.Equal(t, want, got, src)
	}
	_, err := ours.render(context.Background(), `{{ 1 | divided_by: 0 }}`, nil)
	assert.ErrorContains(t, err, "divided by 0")
}

// A host template that includes itself stops at MaxIncludeDepth instead of
// exhausting the stack (a fatal error no recover contains).
func TestIncludeDepthIsBounded(t *testing.T) {
	r := newRenderer(nil, TemplateMap{"loop": "x{% include 'loop' %}", "leaf": "{{ name }}"}, nil)
	_, err := r.render(context.Background(), `{% include 'loop' %}`, map[string]any{})
	assert.ErrorContains(t, err, "nest deeper than 10 levels")
	out, err := r.render(context.Background(), `{% include 'leaf' %}-{% include 'leaf' %}-{% include 'leaf' %}`, map[string]any{"name": "ada"})
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
		out, err := r.render(context.Background(), src, map[string]any{"big": "9223372036854775807", "exact": int64(9007199254740993),
			"small": uint8(3), "list": []any{1.0, nil, "a"}})
		require.NoError(t, err, src)
		assert.Equal(t, want, out, src)
	}
	for src, want := range map[string]string{
		`{{ 1 | modulo: 0 }}`:            template.CodeRender,
		`{{ 1 | divided_by: 0 }}`:        template.CodeRender,
		`{{ s | replace: "", s }}`:       template.CodeBudget,
		`{{ s | replace_first: "", s }}`: template.CodeBudget,
	} {
		_, err := r.render(context.Background(), src, map[string]any{"s": strings.Repeat("x", 9000)})
		assert.Equal(t, want, template.CodeOf(err), "%s: %v", src, err)
	}
	_, err := r.render(context.Background(), `{{ 1 | divided_by: 0 }}`, nil)
	assert.ErrorContains(t, err, "by 0")
}
