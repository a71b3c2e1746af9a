package template

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
)

// FuzzRender renders any template with any data: no panic, every error a
// *Error with a code, output within MaxTextBytes, and a template that
// parses renders the same twice (templates hold no state between renders).
func FuzzRender(f *testing.F) {
	for _, src := range hostileTemplates {
		f.Add(src, []byte(`{"flow": {"data": {"n": 3}}}`))
	}
	for _, seed := range []struct{ src, data string }{
		{"Hello {{flow.data.first_name}}", `{"flow": {"data": {"first_name": "Ada"}}}`},
		{"{% if flow.variables.count %}\n  {{flow.variables.count | plus: 1}}\n{% else %}\n  1\n{% endif %}", `{"flow": {"variables": {"count": "\n  2\n"}}}`},
		{"{% for x in flow.data.l reversed limit: flow.data.n %}{{ x | append: x }}{% break %}{% endfor %}", `{"flow": {"data": {"l": [1, "a", null, [2]], "n": "2"}}}`},
		{"{% case x %}{% when 1, 'a' or nil %}w{% else %}e{% endcase %}{% capture c %}{{ c }}x{% endcapture %}{{ c | size }}", `{"x": 1}`},
		{"{{ 'now' | date: '%Y-%m-%d %H:%M' }}{{ 1700000000 | date: '%s' }}{{ x | to_json }}", `{"x": {"a": [1, 2.5, true]}}`},
		{"{{ (1..x) | join: ',' }}{{ x[0] }}{{ x.first.size }}{% tablerow i in (1..3) cols: x %}{{ i }}{% endtablerow %}", `{"x": [3]}`},
		{"{{ 100000000000000000000 }}{{ a. b }}{% raw %}{% if %}{% endraw %}{% comment %}{% endcomment %}", `{}`},
		{"{% increment i %}{% decrement i %}{{ blank }}{% if x == empty %}e{% endif %}{% unless x == blank %}b{% endunless %}", `{"x": ""}`},
		{"{%- assign s = 'a b' | split: ' ' | reverse | uniq | sort | first -%}{{ s | capitalize | truncate: 2 | escape }}", `{}`},
	} {
		f.Add(seed.src, []byte(seed.data))
	}
	r := testRenderer()
	f.Fuzz(func(t *testing.T, src string, data []byte) {
		var vars map[string]any
		if json.Unmarshal(data, &vars) != nil {
			vars = nil
		}
		tpl, perr := Parse(src)
		if perr != nil {
			var e *Error
			if !errors.As(perr, &e) || e.Code == "" {
				t.Fatalf("parse error %v is no *Error with a code", perr)
			}
		}
		out, err := r.Render(context.Background(), tpl, vars)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Code == "" {
				t.Fatalf("render error %v (%T) is no *Error with a code", err, err)
			}
			return
		}
		if len(out) > MaxTextBytes {
			t.Fatalf("output of %d bytes", len(out))
		}
		again, err := r.Render(context.Background(), tpl, vars)
		if err != nil || again != out {
			t.Fatalf("a second render differs: %q (%v), then %q", out, err, again)
		}
	})
}
