package template

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Twilio's own Liquid idioms, each from the page that shows it.
func TestTwilioLiquidIdioms(t *testing.T) {
	vars := map[string]any{
		"flow": map[string]any{"variables": map[string]any{"count": "\n  2\n", "n": 4.0, "empty_text": "", "none": []any{}}},
		"widgets": map[string]any{
			"http_1":   map[string]any{"parsed": map[string]any{"result": []any{map[string]any{"question": "Q1?"}, map[string]any{"question": "Q2?"}}}},
			"gather_1": map[string]any{"Digits": "123456"},
		},
	}
	cases := []struct{ source, src, want string }{
		// "How do I use Liquid with Twilio Studio?" (support.twilio.com
		// 4413699936411), "Build an iterator for a loop": Set Variables
		// stores the rendering of the multi-line template, whitespace and
		// all, and the next pass adds to it ("If you add an integer to a
		// string in Liquid, it will automatically convert the sum into an
		// integer").
		{"iterator", "{% if flow.variables.count %}\n  {{flow.variables.count | plus: 1}}\n{% else %}\n  1\n{% endif %}", "\n  3\n"},
		{"iterator compared", "{% if flow.variables.count < 3 %}again{% else %}done{% endif %}", "again"},
		// The same article, "Loop through JSON Array".
		{"loop through JSON array", "{% for i in widgets.http_1.parsed.result %}{{ i.question }} {% endfor %}", "Q1? Q2? "},
		// "How to Use Liquid Template Expressions to Validate and Branch on
		// Customer Input" (support.twilio.com 50652395268123).
		{"digits length", "{{ widgets.gather_1.Digits | size }}", "6"},
		// Liquid's empty (Shopify's Liquid reference, which Twilio's
		// "Liquid Template Language" page follows): "" and [] are empty.
		{"empty text", "{% if flow.variables.empty_text == empty %}yes{% endif %}", "yes"},
		{"empty list", "{% if flow.variables.none == empty %}yes{% endif %}", "yes"},
		// Set Variables stores an unquoted number as a number (the
		// iterator article's note): compared as one.
		{"numeric variable", "{% if flow.variables.n > 3 %}big{% endif %}{% if flow.variables.n == 4 %} four{% endif %}", "big four"},
		// to_json writes the value as JSON (the issue's "to_json as Twilio
		// documents it").
		{"to_json", "{{ widgets.http_1.parsed | to_json }}", `{"result":[{"question":"Q1?"},{"question":"Q2?"}]}`},
	}
	r := testRenderer()
	for _, c := range cases {
		t.Run(c.source, func(t *testing.T) {
			tpl, err := Parse(c.src)
			require.NoError(t, err)
			got, err := r.Render(context.Background(), tpl, vars)
			require.NoError(t, err)
			assert.Equal(t, c.want, got)
		})
	}
}

// "When you're using Liquid time and date templates in Studio, the
// timezone used is PST" (the iterator article, "Handling date and time
// strings"): the zone of "now" is the Renderer's (Options.Zone), UTC unless
// the host says otherwise, so a host mirroring Twilio sets
// America/Los_Angeles.
func TestNowIsShownInTheRenderersZone(t *testing.T) {
	at := time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC)
	tpl, err := Parse("{{ 'now' | date: '%Y-%m-%d %H:%M %z' }}")
	require.NoError(t, err)
	got, err := NewRenderer(Options{Clock: func() time.Time { return at }}).Render(context.Background(), tpl, nil)
	require.NoError(t, err)
	assert.Equal(t, "2026-01-05 10:00 +0000", got)
	pacific, err := time.LoadLocation("America/Los_Angeles")
	require.NoError(t, err)
	got, err = NewRenderer(Options{Clock: func() time.Time { return at }, Zone: pacific}).Render(context.Background(), tpl, nil)
	require.NoError(t, err)
	assert.Equal(t, "2026-01-05 02:00 -0800", got)
}
