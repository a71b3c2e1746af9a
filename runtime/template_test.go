package runtime

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLoopsAreCappedAtFifteenIterations(t *testing.T) {
	r := newRenderer(nil, nil)
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
