package template

import (
	"errors"
	"fmt"
	"math"
	goruntime "runtime"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/osteele/liquid"
	"github.com/osteele/liquid/values"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// filterT0 is "now" of the filter tests.
var filterT0 = time.Date(2024, 3, 5, 9, 0, 0, 0, time.UTC)

// newFilterState returns a fresh render state whose clock reads filterT0
// (shown in zone, UTC when nil).
func newFilterState(zone *time.Location) *state {
	return &state{r: NewRenderer(Options{Clock: func() time.Time { return filterT0 }, Zone: zone})}
}

// callFilter applies the filter name, as the evaluator does, on a fresh
// state.
func callFilter(name string, in any, args []any, kw map[string]any) (any, error) {
	return callFilterOn(newFilterState(nil), name, in, args, kw)
}

// callFilterOn applies the filter name on s.
func callFilterOn(s *state, name string, in any, args []any, kw map[string]any) (any, error) {
	f, ok := filters[name]
	if !ok {
		return nil, fmt.Errorf("no filter %q", name)
	}
	if len(args) < f.minArgs || len(args) > f.maxArgs {
		return nil, fmt.Errorf("filter %s: %d arguments", name, len(args))
	}
	return f.fn(s, in, args, kw)
}

// ---- (a) The same as osteele/liquid --------------------------------------

// filterCase is a filter applied to an input with arguments.
type filterCase struct {
	name string
	in   any
	args []any
	kw   map[string]any
}

// String writes the case as a filter in a template does, long values cut.
func (c filterCase) String() string {
	clip := func(v any) string {
		s := fmt.Sprintf("%#v", v)
		if len(s) > 80 {
			s = s[:80] + "..."
		}
		return s
	}
	return fmt.Sprintf("%s | %s: %s %v", clip(c.in), c.name, clip(c.args), c.kw)
}

// cross returns the cases of name for every input and every argument list.
func cross(name string, ins []any, argLists ...[]any) []filterCase {
	if len(argLists) == 0 {
		argLists = [][]any{nil}
	}
	var cs []filterCase
	for _, in := range ins {
		for _, args := range argLists {
			cs = append(cs, filterCase{name: name, in: in, args: args})
		}
	}
	return cs
}

// The inputs of the differential cases.
var (
	// Texts, among them some that are not UTF-8 and some that change size
	// with their case.
	diffTexts = []any{
		"", "hello", "Hello World", "  padded\t\n", "héllo wörld", "a,b,,c,,", "<p>Hi &amp; bye</p>",
		"line1\nline2\n", "ÉCOLE straße", `tom & jerry's "quote"`, "a  b c d e f", "x%20y+z", "\xffbad\xfe",
		"one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen",
		" lead", "trail ", "İı", "<a\nb>x<b>y</b>", "Hello, World! Ünï 42",
	}
	// Values that are not texts, as the text filters read them. Floats are
	// below 1e6 (osteele/liquid writes larger ones with an exponent there).
	diffNonTexts = []any{
		nil, true, false, int64(42), int64(-7), 2.5, -0.5, 123456.0,
		[]any{"a", int64(1), nil, 2.5, []any{"x", true}},
		map[string]any{"k": "v"}, rangeValue{1, 3},
	}
	diffArrays = []any{
		nil, []any{}, []any{"b", "a", "c"}, []any{int64(3), int64(1), int64(2)},
		[]any{int64(3), "a", int64(1), nil, 2.5, true, "B", false, "a", int64(1)},
		[]any{1.0, int64(1), "1", []any{int64(1)}, []any{int64(1)}, map[string]any{"a": int64(1)}, map[string]any{"a": int64(1)}, nil, nil},
		[]any{"b", "A", "c", "a", "B"}, []any{nil, nil, "x"},
		diffPeople, map[string]any{"only": "v"}, rangeValue{1, 4}, rangeValue{3, 2},
		"text", int64(5), 2.5, true,
	}
	diffPeople = []any{
		map[string]any{"name": "b", "n": int64(2), "active": true, "tags": []any{"x"}},
		map[string]any{"name": "A", "n": 1.0, "active": false},
		map[string]any{"name": "c", "n": int64(1), "active": nil, "tags": []any{}},
		map[string]any{"n": int64(3)},
		"not a map", nil, []any{"first", "last"},
		map[string]any{"name": "a", "n": -1.5, "active": "yes"},
	}
	diffNumbers = []any{
		int64(0), int64(7), int64(-7), 2.5, -2.5, 3.14159, 0.5, "4", "2.5", "abc", "", nil, true,
		[]any{int64(1)}, 1e15,
	}
	diffDates = []any{
		"2020-01-02T03:04:05+02:00", "2021-12-31T23:59:59-08:00", "2020-02-29T12:00:00Z",
		"Mon, 02 Jan 2006 15:04:05 -0700", "2006-01-02 15:04:05 -07:00", "Mon Jan 02 15:04:05 -0700 2006",
		"abc", "", true, []any{}, map[string]any{},
	}
)

// differentialCases are the cases where our filters give what osteele/liquid
// gives: every filter osteele/liquid has, with inputs of every kind, and
// arguments of every kind, leaving out only the deliberate differences
// (tested on their own below).
func differentialCases() []filterCase {
	texts := append(append([]any(nil), diffTexts...), diffNonTexts...)
	var cs []filterCase
	add := func(more []filterCase) { cs = append(cs, more...) }

	// Texts.
	add(cross("append", texts, nil, []any{"!"}, []any{int64(1)}, []any{2.5}, []any{nil}, []any{[]any{"x", int64(2)}}))
	add(cross("prepend", texts, nil, []any{"!"}, []any{int64(1)}, []any{nil}))
	for _, name := range []string{"capitalize", "downcase", "upcase", "escape_once"} {
		add(cross(name, texts, nil, []any{"ignored"}))
	}
	for _, name := range []string{"escape", "newline_to_br", "strip_html", "strip_newlines", "strip", "lstrip", "rstrip", "handleize", "handle", "url_encode"} {
		add(cross(name, texts))
	}
	add(cross("url_decode", append(texts, "%zz", "a+b%2", "%C3%A9t%C3%A9")))
	for _, name := range []string{"remove", "remove_first", "remove_last"} {
		add(cross(name, texts, nil, []any{"l"}, []any{""}, []any{"a"}, []any{int64(1)}, []any{nil}))
	}
	for _, name := range []string{"replace", "replace_first", "replace_last"} {
		add(cross(name, texts, nil, []any{"l", "L"}, []any{"", "-"}, []any{"a", ""}, []any{int64(1), int64(2)}, []any{"o"}, []any{nil, "x"}))
	}
	add(cross("truncate", texts, nil, []any{int64(5)}, []any{int64(5), "…"}, []any{int64(0)}, []any{int64(-1)}, []any{int64(3), ""},
		[]any{nil}, []any{2.9}, []any{"4"}, []any{"x"}, []any{true}, []any{int64(100), nil}, []any{int64(5), int64(1)}))
	add(cross("truncatewords", texts, nil, []any{int64(2)}, []any{int64(0)}, []any{int64(2), "~"}, []any{int64(100)}, []any{"x"}, []any{int64(-3), nil}))
	add(cross("slice", append(texts, diffArrays...), []any{int64(1)}, []any{int64(-2)}, []any{int64(1), int64(2)}, []any{int64(-3), int64(2)},
		[]any{int64(10)}, []any{int64(0), int64(100)}, []any{"1"}, []any{1.7}, []any{"x"}, []any{nil}, nil, []any{int64(-100), int64(2)}, []any{int64(1), nil}))
	add(cross("split", texts, []any{","}, []any{" "}, []any{""}, []any{"l"}, []any{nil}, nil, []any{int64(1)}))
	add(cross("pluralize", append(texts, diffNumbers...), []any{"item", "items"}, nil, []any{"one"}))

	// Arrays. (join of a map is left out: the runtime's join refuses a
	// map, which osteele/liquid reads as its values.)
	arrays := diffArrays
	noMap := func(vs []any) []any {
		var out []any
		for _, v := range vs {
			if _, ok := v.(map[string]any); !ok {
				out = append(out, v)
			}
		}
		return out
	}
	add(cross("join", noMap(arrays), nil, []any{","}, []any{nil}, []any{int64(1)}, []any{""}))
	for _, name := range []string{"first", "last", "reverse", "compact", "uniq"} {
		add(cross(name, append(append([]any(nil), arrays...), texts...)))
	}
	// (The size of a range is left out: it is 0 there.)
	var noRange []any
	for _, v := range append(append([]any(nil), arrays...), texts...) {
		if _, ok := v.(rangeValue); !ok {
			noRange = append(noRange, v)
		}
	}
	add(cross("size", noRange))
	add(cross("sort", arrays, nil, []any{"name"}, []any{"n"}, []any{nil}, []any{"missing"}))
	add(cross("sort", []any{diffPeople}, []any{"active"}, []any{"tags"}))
	add(cross("sort_natural", []any{nil, []any{}, []any{"b", "A", "c", "a", "B"}, []any{int64(2), int64(1), "a"}, "x"}))
	add(cross("sort_natural", []any{[]any{
		map[string]any{"name": "b"}, map[string]any{"name": "A"}, map[string]any{"name": "c"}, map[string]any{"name": "a"},
	}}, []any{"name"}))
	add(cross("map", arrays, []any{"name"}, []any{"first"}, []any{"missing"}, []any{nil}))
	add(cross("where", arrays, []any{"active"}, []any{"name", "b"}, []any{"n", int64(1)}, []any{"n", 1.0}, []any{"missing"},
		[]any{"n", nil}, []any{"active", false}, []any{"tags", []any{"x"}}))
	add(cross("sum", append(arrays, []any{int64(1), 2.5, "3", "x", nil, true}, []any{int64(1), int64(2)}), nil, []any{"n"}, []any{"missing"}))
	add(cross("concat", arrays, []any{[]any{int64(1), "x"}}, []any{nil}, []any{"x"}, []any{int64(3)}, []any{map[string]any{"k": "v"}}, []any{rangeValue{1, 2}}))

	// Numbers. (Texts holding numbers with space around them, divisions
	// and modulos by 0, and integers that overflow are left out.)
	numArgs := [][]any{{int64(2)}, {2.5}, {int64(-3)}, {"4"}, {nil}, {"abc"}, {true}}
	for _, name := range []string{"plus", "minus", "times", "at_least", "at_most"} {
		add(cross(name, diffNumbers, append(numArgs, nil)...))
	}
	// (osteele/liquid's divided_by and modulo refuse an input that is not
	// a number, which the runtime's read as 0.)
	numeric := []any{int64(0), int64(7), int64(-7), 2.5, -2.5, 3.14159, 0.5, "4", "2.5", nil, 1e15}
	add(cross("divided_by", numeric, []any{int64(2)}, []any{2.5}, []any{int64(-3)}, []any{int64(0)}, []any{0.0}, nil))
	add(cross("modulo", numeric, []any{int64(2)}, []any{2.5}, []any{int64(-3)}, []any{0.75}))
	for _, name := range []string{"abs", "ceil", "floor"} {
		add(cross(name, append(diffNumbers, map[string]any{}, int64(-5))))
	}
	add(cross("round", append(diffNumbers, 2.675, -0.5, 1234.5678), nil, []any{int64(2)}, []any{int64(-1)}, []any{"2"}, []any{1.9}, []any{"x"}, []any{nil}))

	// Values.
	values := []any{nil, false, true, "", "x", []any{}, map[string]any{}, int64(0), 0.0, []any{nil}, " "}
	add(cross("default", values, nil, []any{"d"}, []any{int64(2)}))
	for _, v := range values {
		for _, kw := range []map[string]any{{"allow_false": true}, {"allow_false": false}, {"allow_false": "true"}, {"other": true}} {
			cs = append(cs, filterCase{name: "default", in: v, args: []any{"d"}, kw: kw})
		}
	}
	jsonInputs := []any{nil, true, int64(3), 2.5, 1e21, 1e-7, -0.0, "<&>\u2028\xff", "é", []any{}, []any{int64(1), "a", nil, 2.5},
		map[string]any{"b": int64(1), "a": []any{1.5, "x", nil}, "<": map[string]any{}}}
	add(cross("json", jsonInputs))
	add(cross("inspect", jsonInputs))
	add(cross("type", append(jsonInputs, rangeValue{1, 2})))

	// Dates, whose text has an offset (osteele/liquid reads the others in
	// the host's zone), in formats without %Z (the zone's name).
	add(cross("date", diffDates, nil, []any{"%Y-%m-%d %H:%M:%S %z"}, []any{"%A %B %e %j %I %p %s %-m/%-d %y"}, []any{"%%%Q %10Y %_5d %^a %C%G%V%u%w"},
		[]any{nil}, []any{""}, []any{"no directive"}, []any{int64(7)}, []any{"%c | %D | %F | %T | %x | %X | %r | %R | %v"}, []any{"%L %N %3N %:z %::z %q %E"}))
	return cs
}

// osteeleValue is v as osteele/liquid holds it: an integer is an int (as
// its literals are), a range a values.Range, empty and blank nil.
func osteeleValue(v any) any {
	switch v := v.(type) {
	case int64:
		return int(v)
	case rangeValue:
		return values.NewRange(int(v.lo), int(v.hi))
	case keyword:
		return nil
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = osteeleValue(x)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, x := range v {
			out[k] = osteeleValue(x)
		}
		return out
	}
	return v
}

// osteeleApply renders {{ x | name: a0, a1 }} with osteele/liquid.
func osteeleApply(eng *liquid.Engine, c filterCase) (out string, err error) {
	bindings := map[string]any{"x": osteeleValue(c.in)}
	var params []string
	for i, a := range c.args {
		bindings[fmt.Sprintf("a%d", i)] = osteeleValue(a)
		params = append(params, fmt.Sprintf("a%d", i))
	}
	keys := make([]string, 0, len(c.kw))
	for k := range c.kw {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for i, k := range keys {
		bindings[fmt.Sprintf("k%d", i)] = osteeleValue(c.kw[k])
		params = append(params, fmt.Sprintf("%s: k%d", k, i))
	}
	src := "{{ x | " + c.name
	if len(params) > 0 {
		src += ": " + strings.Join(params, ", ")
	}
	src += " }}"
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("osteele/liquid panics: %v", p)
		}
	}()
	return eng.ParseAndRenderString(src, bindings)
}

// TestFiltersMatchOsteele applies every filter to a spread of inputs and
// arguments, ours and osteele/liquid's, and requires the same text, or an
// error from both.
func TestFiltersMatchOsteele(t *testing.T) {
	eng := liquid.NewEngine()
	cases := differentialCases()
	seen := map[string]bool{}
	for _, c := range cases {
		seen[c.name] = true
		want, werr := osteeleApply(eng, c)
		got, err := callFilter(c.name, c.in, c.args, c.kw)
		if err != nil {
			var e *Error
			require.True(t, errors.As(err, &e), "%s: the error %v is not an *Error", c, err)
		}
		switch {
		case werr != nil && err != nil:
		case werr != nil:
			t.Errorf("%s: osteele/liquid fails (%v), ours gives %q", c, werr, text(got))
		case err != nil:
			t.Errorf("%s: ours fails (%v), osteele/liquid gives %q", c, err, want)
		case text(got) != want:
			t.Errorf("%s: ours gives %q, osteele/liquid %q", c, text(got), want)
		}
	}
	// Every filter of osteele/liquid is compared.
	for _, name := range []string{"default", "json", "compact", "concat", "join", "map", "reverse", "sort", "first", "last", "uniq",
		"where", "sum", "date", "abs", "ceil", "floor", "modulo", "minus", "plus", "times", "divided_by", "round", "at_least", "at_most",
		"size", "pluralize", "handleize", "handle", "append", "capitalize", "downcase", "escape", "escape_once", "newline_to_br",
		"prepend", "remove", "remove_first", "remove_last", "replace", "replace_first", "replace_last", "sort_natural", "slice",
		"split", "strip_html", "strip_newlines", "strip", "lstrip", "rstrip", "truncate", "truncatewords", "upcase", "url_encode",
		"url_decode", "inspect", "type"} {
		assert.True(t, seen[name], "filter %s is not compared with osteele/liquid", name)
		assert.Contains(t, filters, name)
	}
	assert.Len(t, filters, 58, "the filters are osteele/liquid's and to_json")
	t.Logf("%d cases", len(cases))
}

// ---- (b) The deliberate differences --------------------------------------

// filterWant is what a filter gives: a value (of its exact type) or an
// error of a code.
type filterWant struct {
	filterCase
	want any
	code string
}

// checkFilterWants applies each case and checks what it gives.
func checkFilterWants(t *testing.T, s func() *state, ws []filterWant) {
	t.Helper()
	for _, w := range ws {
		got, err := callFilterOn(s(), w.name, w.in, w.args, w.kw)
		if w.code != "" {
			if CodeOf(err) != w.code {
				t.Errorf("%s: want an error %s, got %v (%.80q)", w.filterCase, w.code, err, text(got))
			}
			continue
		}
		if assert.NoError(t, err, "%s", w.filterCase) {
			assert.Equal(t, w.want, got, "%s", w.filterCase)
		}
	}
}

// fresh returns a fresh state whose zone is UTC.
func fresh() *state { return newFilterState(nil) }

// Twilio's numbers: a text holding a number, whitespace around it
// included, is that number; integers stay integers while they fit.
func TestFilterNumbersAsTwilioReadsThem(t *testing.T) {
	padded := "\n  2\n"
	checkFilterWants(t, fresh, []filterWant{
		{filterCase{name: "plus", in: padded, args: []any{int64(1)}}, int64(3), ""},
		{filterCase{name: "plus", in: " 2.5 ", args: []any{"1"}}, 3.5, ""},
		{filterCase{name: "minus", in: padded, args: []any{" 5 "}}, int64(-3), ""},
		{filterCase{name: "times", in: "2", args: []any{"3"}}, int64(6), ""},
		{filterCase{name: "times", in: "2", args: []any{"x"}}, 0.0, ""},
		{filterCase{name: "divided_by", in: "7", args: []any{" 2 "}}, int64(3), ""},
		{filterCase{name: "divided_by", in: "7.5", args: []any{int64(2)}}, int64(3), ""},
		{filterCase{name: "divided_by", in: int64(-7), args: []any{int64(2)}}, int64(-3), ""},
		{filterCase{name: "divided_by", in: int64(7), args: []any{2.0}}, 3.5, ""},
		{filterCase{name: "divided_by", in: "abc", args: []any{int64(2)}}, int64(0), ""},
		{filterCase{name: "divided_by", in: true, args: []any{2.0}}, 0.0, ""},
		{filterCase{name: "modulo", in: []any{}, args: []any{int64(2)}}, 0.0, ""},
		{filterCase{name: "modulo", in: " 7 ", args: []any{"3"}}, int64(1), ""},
		{filterCase{name: "modulo", in: int64(-7), args: []any{int64(3)}}, int64(-1), ""},
		{filterCase{name: "modulo", in: 7.5, args: []any{int64(2)}}, 1.5, ""},
		{filterCase{name: "at_least", in: "5", args: []any{"7"}}, int64(7), ""},
		{filterCase{name: "at_most", in: " 3 ", args: []any{2.5}}, 2.5, ""},
		{filterCase{name: "at_most", in: int64(3), args: []any{int64(5)}}, int64(3), ""},
		{filterCase{name: "abs", in: " -2.5 "}, 2.5, ""},
		{filterCase{name: "abs", in: int64(-3)}, int64(3), ""},
		{filterCase{name: "ceil", in: " 2.1\n"}, int64(3), ""},
		{filterCase{name: "floor", in: "\n-2.5"}, int64(-3), ""},
		{filterCase{name: "round", in: " 2.567 ", args: []any{int64(2)}}, 2.57, ""},
		{filterCase{name: "round", in: padded}, int64(2), ""},
		{filterCase{name: "abs", in: "abc"}, nil, CodeRender},
		{filterCase{name: "ceil", in: true}, nil, CodeRender},
		// Division and modulo by 0 are errors.
		{filterCase{name: "divided_by", in: int64(7), args: []any{int64(0)}}, nil, CodeRender},
		{filterCase{name: "divided_by", in: int64(7), args: []any{0.0}}, nil, CodeRender},
		{filterCase{name: "divided_by", in: int64(7), args: []any{" 0 "}}, nil, CodeRender},
		{filterCase{name: "divided_by", in: int64(7)}, nil, CodeRender},
		{filterCase{name: "modulo", in: int64(7), args: []any{int64(0)}}, nil, CodeRender},
		{filterCase{name: "modulo", in: 7.5, args: []any{"0.0"}}, nil, CodeRender},
		{filterCase{name: "modulo", in: int64(7)}, nil, CodeRender},
		// Never a wrapped integer.
		{filterCase{name: "plus", in: int64(math.MaxInt64), args: []any{int64(1)}}, 9223372036854775808.0, ""},
		{filterCase{name: "plus", in: " 9223372036854775807 ", args: []any{"1"}}, 9223372036854775808.0, ""},
		{filterCase{name: "minus", in: "41", args: []any{"x"}}, 41.0, ""},
		{filterCase{name: "minus", in: int64(math.MinInt64), args: []any{int64(1)}}, -9223372036854775809.0, ""},
		{filterCase{name: "times", in: int64(math.MaxInt64), args: []any{int64(2)}}, 18446744073709551614.0, ""},
		{filterCase{name: "times", in: int64(math.MinInt64), args: []any{int64(-1)}}, 9223372036854775808.0, ""},
		{filterCase{name: "divided_by", in: int64(math.MinInt64), args: []any{int64(-1)}}, 9223372036854775808.0, ""},
		{filterCase{name: "divided_by", in: 1e300, args: []any{int64(1)}}, 1e300, ""},
		{filterCase{name: "modulo", in: int64(math.MinInt64), args: []any{int64(-1)}}, int64(0), ""},
		{filterCase{name: "abs", in: int64(math.MinInt64)}, 9223372036854775808.0, ""},
		{filterCase{name: "ceil", in: 1e300}, 1e300, ""},
		{filterCase{name: "floor", in: -1e19}, -1e19, ""},
		{filterCase{name: "ceil", in: "9223372036854775807.5"}, 9223372036854775807.5, ""},
		{filterCase{name: "round", in: int64(math.MaxInt64)}, int64(math.MaxInt64), ""},
		{filterCase{name: "round", in: 1e300}, 1e300, ""},
		{filterCase{name: "sum", in: []any{int64(math.MaxInt64), int64(1)}}, 9223372036854775808.0, ""},
		// round neither moves a float without decimals (osteele/liquid
		// gives 4503599627370498) nor gives NaN (it does for 400 places).
		{filterCase{name: "round", in: 4503599627370497.0}, 4503599627370497.0, ""},
		{filterCase{name: "round", in: 1.5, args: []any{int64(400)}}, 1.5, ""},
		{filterCase{name: "round", in: 1234.5, args: []any{int64(-400)}}, 0.0, ""},
		{filterCase{name: "round", in: 2.5}, 3.0, ""},
		{filterCase{name: "round", in: -2.5}, -2.0, ""},
	})
}

// Dates: "now" and "today" are the render's clock; epochs are shown in
// UTC; a date without an offset (or ending in Z) is read in UTC, one with
// an offset keeps it.
func TestFilterDateDoesNotDependOnTheHostsZone(t *testing.T) {
	la, err := time.LoadLocation("America/Los_Angeles")
	require.NoError(t, err)
	date := func(in any, format string) filterCase {
		return filterCase{name: "date", in: in, args: []any{format}}
	}
	checkFilterWants(t, fresh, []filterWant{
		{date("now", "%Y-%m-%d %H:%M %z"), "2024-03-05 09:00 +0000", ""},
		{date(" today ", "%H:%M"), "09:00", ""},
		{date(int64(1700000000), "%Y-%m-%d %H:%M %z"), "2023-11-14 22:13 +0000", ""},
		{date("1700000000", "%Y-%m-%d %H:%M %z"), "2023-11-14 22:13 +0000", ""},
		{date(" 1700000000\n", "%s"), "1700000000", ""},
		{date(1700000000.9, "%s"), "1700000000", ""},
		{date("2026-03-01 10:00", "%s %H:%M %z"), "1772359200 10:00 +0000", ""},
		{date("2026-03-01", "%s %H:%M %Z"), "1772323200 00:00 UTC", ""},
		{date("2026-03-01T10:00:00Z", "%s %H:%M %z"), "1772359200 10:00 +0000", ""},
		{date("20260301T100000Z", "%s %H:%M %z"), "1772359200 10:00 +0000", ""},
		{date("2026-03-01T10:00:00+02:00", "%s %H:%M %z"), "1772352000 10:00 +0200", ""},
		{date("2026-03-01T10:00:00-08:00", "%s %H:%M %z"), "1772388000 10:00 -0800", ""},
		{date("2026-03-01T10:00:00+14:00", "%s %H:%M %z"), "1772308800 10:00 +1400", ""},
		{date("2026-03-01T10:00:00+00:00", "%s %H:%M %z %Z"), "1772359200 10:00 +0000 UTC", ""},
		{date("2026-03-01 10:00:00 UTC", "%s %Z"), "1772359200 UTC", ""},
		{date("2026-03-01 10:00:00 PST", "%s %H:%M %Z"), "1772359200 10:00 PST", ""},
		// An offset has no zone name, whatever the host's zone (there, the
		// host's name when the offset is the host's).
		{date("2026-03-01T10:00:00-08:00", "%Z|%z"), "|-0800", ""},
		{filterCase{name: "date", in: "2020-01-02T03:04:05+02:00"}, "Thu, Jan 02, 20", ""},
		// What is not a date is an error, nil included.
		{date(nil, "%Y"), nil, CodeRender},
		{date(kwEmpty, "%Y"), nil, CodeRender},
		{date(true, "%Y"), nil, CodeRender},
		{date("yesterday", "%Y"), nil, CodeRender},
		{date([]any{}, "%Y"), nil, CodeRender},
	})
	// "now" is shown in the renderer's zone.
	checkFilterWants(t, func() *state { return newFilterState(la) }, []filterWant{
		{date("now", "%Y-%m-%d %H:%M %z"), "2024-03-05 01:00 -0800", ""},
		{date(int64(1700000000), "%H:%M %z"), "22:13 +0000", ""},
	})
}

// to_json and json: encoding/json's text of the value, a range as its
// integers; inspect the same.
func TestFilterJSON(t *testing.T) {
	nested := map[string]any{"b": []any{int64(1), 2.5, nil, true}, "a": "<&>", "c": map[string]any{}}
	inf := math.Inf(1)
	checkFilterWants(t, fresh, []filterWant{
		{filterCase{name: "to_json", in: nested}, `{"a":"\u003c\u0026\u003e","b":[1,2.5,null,true],"c":{}}`, ""},
		{filterCase{name: "to_json", in: rangeValue{1, 3}}, "[1,2,3]", ""},
		{filterCase{name: "to_json", in: rangeValue{3, 1}}, "[]", ""},
		{filterCase{name: "to_json", in: 2.0}, "2", ""},
		{filterCase{name: "to_json", in: 1e21}, "1e+21", ""},
		{filterCase{name: "to_json", in: 15551234567.0}, "15551234567", ""},
		{filterCase{name: "to_json", in: "é\xff"}, `"é\ufffd"`, ""},
		{filterCase{name: "to_json", in: nil}, "null", ""},
		{filterCase{name: "to_json", in: kwBlank}, "null", ""},
		{filterCase{name: "to_json", in: []any(nil)}, "null", ""},
		{filterCase{name: "json", in: rangeValue{1, 3}}, "[1,2,3]", ""},
		{filterCase{name: "inspect", in: []any{rangeValue{-1, 0}}}, "[[-1,0]]", ""},
		// A value with no JSON text: an error of to_json, nothing of json
		// (as osteele/liquid has it), Go's text of inspect.
		{filterCase{name: "to_json", in: []any{inf}}, nil, CodeRender},
		{filterCase{name: "json", in: []any{inf}}, "", ""},
		{filterCase{name: "inspect", in: inf}, "+Inf", ""},
		{filterCase{name: "inspect", in: []any{math.NaN()}}, "[NaN]", ""},
	})
}

// compact, map, uniq and where give nil for nothing, as osteele/liquid
// does (to_json writes null); the other list filters an empty array.
func TestFilterEmptyListsAsOsteeleHasThem(t *testing.T) {
	for _, name := range []string{"compact", "map", "uniq", "where"} {
		got, err := callFilter(name, []any{nil}[:0], nil, nil)
		require.NoError(t, err)
		assert.Equal(t, []any(nil), got, name)
	}
	for _, name := range []string{"concat", "reverse", "sort", "sort_natural", "split"} {
		got, err := callFilter(name, []any{}, nil, nil)
		if name == "split" {
			got, err = callFilter(name, "", []any{","}, nil)
		}
		require.NoError(t, err)
		assert.Equal(t, []any{}, got, name)
	}
}

// The other places where ours deliberately differs from osteele/liquid.
func TestFilterDifferencesFromOsteele(t *testing.T) {
	checkFilterWants(t, fresh, []filterWant{
		// Numbers are written as the output writes them, never with an
		// exponent (osteele/liquid gives "1e+06x" and "1.5").
		{filterCase{name: "append", in: 1000000.0, args: []any{"x"}}, "1000000x", ""},
		{filterCase{name: "upcase", in: 15551234567.0}, "15551234567", ""},
		{filterCase{name: "url_encode", in: 1e-5}, "0.00001", ""},
		{filterCase{name: "upcase", in: []any{1e6}}, "[1000000]", ""},
		// A map is read as its values in the order of its keys (in Go's
		// random order there).
		{filterCase{name: "first", in: map[string]any{"b": int64(2), "a": int64(1), "c": int64(3)}}, int64(1), ""},
		{filterCase{name: "sort", in: map[string]any{"b": int64(2), "a": int64(3)}}, []any{int64(2), int64(3)}, ""},
		// join refuses a map, as the runtime's join did.
		{filterCase{name: "join", in: map[string]any{"a": "x"}}, nil, CodeRender},
		// The size of a range is its length (0 there); a map's is 0, as
		// there.
		{filterCase{name: "size", in: rangeValue{1, 5}}, int64(5), ""},
		{filterCase{name: "size", in: map[string]any{"a": int64(1)}}, int64(0), ""},
		// map reads a property as item.name does: a text's size is its
		// characters (its bytes there).
		{filterCase{name: "map", in: []any{"héllo"}, args: []any{"size"}}, []any{int64(5)}, ""},
		// where compares as == does: a text holding a number equals it, and
		// empty and blank are known.
		{filterCase{name: "where", in: []any{map[string]any{"n": "1"}, map[string]any{"n": int64(2)}}, args: []any{"n", int64(1)}}, []any{map[string]any{"n": "1"}}, ""},
		{filterCase{name: "where", in: []any{map[string]any{"t": []any{}}, map[string]any{"t": []any{"x"}}}, args: []any{"t", kwEmpty}}, []any{map[string]any{"t": []any{}}}, ""},
		// Where osteele/liquid panics: a negative slice length gives
		// nothing; sort_natural by a property that some maps lack sorts
		// them first, by a key that is not a text reads it as text.
		{filterCase{name: "slice", in: "abc", args: []any{int64(1), int64(-1)}}, "", ""},
		{filterCase{name: "slice", in: []any{int64(1), int64(2)}, args: []any{int64(0), int64(-1)}}, []any{}, ""},
		{filterCase{name: "sort_natural", in: []any{map[string]any{"k": "b"}, map[string]any{}, map[string]any{"k": "A"}}, args: []any{"k"}},
			[]any{map[string]any{}, map[string]any{"k": "A"}, map[string]any{"k": "b"}}, ""},
		{filterCase{name: "sort_natural", in: []any{map[string]any{"1": "b"}, map[string]any{"1": "a"}}, args: []any{int64(1)}},
			[]any{map[string]any{"1": "a"}, map[string]any{"1": "b"}}, ""},
		// (and where it panics on an array of texts holding something
		// else, or starting with nil, ours is an error.)
		{filterCase{name: "sort_natural", in: []any{"b", int64(1)}}, nil, CodeRender},
		{filterCase{name: "sort_natural", in: []any{nil, "b"}}, nil, CodeRender},
		// Ranges are read without being built when they need not be.
		{filterCase{name: "first", in: rangeValue{1, math.MaxInt64}}, int64(1), ""},
		{filterCase{name: "last", in: rangeValue{1, math.MaxInt64}}, int64(math.MaxInt64), ""},
		{filterCase{name: "slice", in: rangeValue{1, math.MaxInt64}, args: []any{int64(-2), int64(5)}}, []any{int64(math.MaxInt64 - 1), int64(math.MaxInt64)}, ""},
		{filterCase{name: "join", in: rangeValue{1, 3}, args: []any{"-"}}, "1-2-3", ""},
		// empty and blank are nil to every filter but where.
		{filterCase{name: "default", in: kwEmpty, args: []any{"d"}}, "d", ""},
		{filterCase{name: "append", in: "a", args: []any{kwBlank}}, "a", ""},
		{filterCase{name: "type", in: kwBlank}, "<nil>", ""},
		// Only default takes keyword arguments; they are ignored by others.
		{filterCase{name: "default", in: false, args: []any{"d"}, kw: map[string]any{"allow_false": true}}, false, ""},
	})
}

// Filters never write their input or their arguments, which the evaluator
// may share between renders.
func TestFiltersDoNotWriteTheirInput(t *testing.T) {
	for name := range filters {
		for _, in := range []any{[]any{"b", kwEmpty, "a"}, []any{int64(3), int64(1)}, diffPeople} {
			// With a keyword among the arguments (the evaluator hands
			// the filter a copy), and without (it hands its own).
			for _, args := range [][]any{{kwBlank, "name"}, {[]any{"b", "a"}, "name"}} {
				args = args[:min(len(args), filters[name].maxArgs)]
				before, beforeArgs := fingerprint(in), fingerprint(args)
				_, _ = callFilter(name, in, args, nil)
				assert.Equal(t, before, fingerprint(in), name)
				assert.Equal(t, beforeArgs, fingerprint(args), name)
			}
		}
	}
}

// fingerprint is the key of v (see keyer), "" when v is too large to go
// through.
func fingerprint(v any) string {
	k := keyer{max: 1 << 20}
	if !k.key(v) {
		return ""
	}
	return string(k.buf)
}

// ---- (c) The budget -------------------------------------------------------

// TestFiltersKeepToTheBudget gives filters hostile inputs: each must
// refuse with CodeBudget, before building what it would refuse.
func TestFiltersKeepToTheBudget(t *testing.T) {
	half := strings.Repeat("x", MaxTextBytes/2+1)
	list := func(n int, v any) []any {
		out := make([]any, n)
		for i := range out {
			out[i] = v
		}
		return out
	}
	big := rangeValue{1, 1 << 40}
	// dag shares its elements: 50^5 arrays, as no JSON makes them, but
	// nothing may go through it whole.
	var dag any = []any{"x"}
	for i := 0; i < 5; i++ {
		dag = list(50, dag)
	}
	budget := func(name string, in any, args ...any) filterWant {
		return filterWant{filterCase{name: name, in: in, args: args}, nil, CodeBudget}
	}
	checkFilterWants(t, fresh, []filterWant{
		budget("append", half, half),
		budget("prepend", half, half),
		budget("join", list(2000, "0123456789"), ","),
		budget("join", list(10, half)),
		budget("replace", strings.Repeat("a", 6000), "a", "aaa"),
		budget("replace", strings.Repeat("a", 6000), "", "xx"),
		budget("replace_first", half, "x", half),
		budget("replace_last", half, "x", half),
		budget("newline_to_br", strings.Repeat("\n", 4000)),
		budget("escape", strings.Repeat("<", 5000)),
		budget("escape_once", strings.Repeat("&", 5000)),
		budget("url_encode", strings.Repeat("/", 6000)),
		budget("upcase", strings.Repeat("ɐ", 6000)), // 2 bytes each, 3 upper case
		budget("downcase", strings.Repeat("\xff", 6000)),
		budget("capitalize", strings.Repeat("\xff", 6000)),
		budget("handleize", strings.Repeat("\xff", 6000)),
		budget("truncate", strings.Repeat("\xff", 6000), int64(5999)),
		budget("slice", strings.Repeat("\xff", 6000), int64(0), int64(6000)),
		budget("strip", strings.Repeat("x", MaxTextBytes+1)),
		budget("upcase", list(5000, "abcd")),
		budget("append", map[string]any{"k": list(5000, "abcd")}, "x"),
		budget("to_json", list(3000, "<>")),
		budget("json", list(3000, "<>")),
		budget("inspect", map[string]any{"a": half, "b": half}),
		budget("to_json", big),
		budget("date", "now", "%1000000Y"),
		budget("date", "now", "%20000Y"),
		budget("date", "now", "%99999999999999999999999Y"),
		budget("date", "now", strings.Repeat("%c", 1000)),
		budget("date", "now", strings.Repeat("x", MaxTextBytes+1)),
		budget("pluralize", int64(2), "", half+half),
		budget("truncatewords", half+" "+half, int64(1), half),
		// Lists.
		budget("split", strings.Repeat("a,", 5000), ","),
		budget("split", strings.Repeat("a", 5000), ""),
		budget("split", strings.Repeat("a ", 5000), " "),
		budget("concat", list(3000, int64(1)), list(3000, int64(1))),
		budget("map", list(5000, int64(1)), "x"),
		budget("reverse", list(5000, int64(1))),
		budget("sort", list(5000, int64(1))),
		budget("sort_natural", list(5000, "a")),
		budget("uniq", big),
		budget("compact", big),
		budget("join", big),
		budget("sum", big),
		budget("where", big, "x"),
		budget("reverse", big),
		budget("uniq", []any{dag}),
		budget("to_json", dag),
		budget("upcase", dag),
		budget("join", dag),
		budget("slice", big, int64(0), int64(5000)),
	})
}

// A hostile template calls filters in loops: on one render, the budget
// stops them however small each call is.
func TestFiltersInALoopStopAtTheBudget(t *testing.T) {
	sorted := make([]any, MaxListItems)
	for i := range sorted {
		sorted[i] = int64(i)
	}
	for _, c := range []filterCase{
		{name: "upcase", in: strings.Repeat("x", MaxTextBytes)},
		{name: "sort", in: sorted},
		{name: "to_json", in: sorted},
		{name: "size", in: strings.Repeat("x", 1<<20)},
		{name: "uniq", in: sorted},
		{name: "where", in: sorted, args: []any{"x"}},
		{name: "split", in: strings.Repeat("a,", 2000), args: []any{","}},
		{name: "date", in: "now", args: []any{strings.Repeat("%Y", 4000)}},
	} {
		s := fresh()
		var err error
		for i := 0; i < 100_000 && err == nil; i++ {
			_, err = callFilterOn(s, c.name, c.in, c.args, c.kw)
		}
		assert.Equal(t, CodeBudget, CodeOf(err), "%s", c)
	}
}

// ---- Fuzzing --------------------------------------------------------------

// fuzzReader reads values from the fuzzer's bytes.
type fuzzReader struct{ data []byte }

// byte reads a byte, 0 past the end.
func (r *fuzzReader) byte() byte {
	if len(r.data) == 0 {
		return 0
	}
	b := r.data[0]
	r.data = r.data[1:]
	return b
}

// int64 reads 8 bytes.
func (r *fuzzReader) int64() int64 {
	var n uint64
	for i := 0; i < 8; i++ {
		n = n<<8 | uint64(r.byte())
	}
	return int64(n)
}

// text reads a length, then as many bytes.
func (r *fuzzReader) text() string {
	n := int(r.byte())
	if n > len(r.data) {
		n = len(r.data)
	}
	s := string(r.data[:n])
	r.data = r.data[n:]
	return s
}

// fuzzTexts are texts the filters treat specially.
var fuzzTexts = []string{
	"", " ", "now", "today", "2020-01-02T03:04:05+02:00", "2026-03-01 10:00:00 PST", "Mon Jan _2 15:04:05 2006", " 2 ", "\n  -2.5\n",
	"1e400", "NaN", "9223372036854775808", "%1000Y", "%-10000d", "%s%N%:::z", "<a>&amp;</a>", "a,b,,", "\xff\xfe", "İı ɐ",
	strings.Repeat("ab, ", 3000), strings.Repeat("%c", 500), "name", "size", "first", "%", "&#0000000060;",
}

// value reads a value of any kind the filters receive, depth levels down
// in arrays and maps.
func (r *fuzzReader) value(depth int) any {
	switch r.byte() % 14 {
	case 0:
		return nil
	case 1:
		return r.byte()%2 == 0
	case 2:
		return int64(int8(r.byte()))
	case 3:
		return r.int64()
	case 4:
		return []any{int64(math.MaxInt64), int64(math.MinInt64), 1e300, -1e300, math.Inf(1), math.NaN(), 0.5, -2.5, 1e21, 4503599627370497.0}[r.byte()%10]
	case 5:
		return math.Float64frombits(uint64(r.int64()))
	case 6, 7:
		return r.text()
	case 8:
		return fuzzTexts[int(r.byte())%len(fuzzTexts)]
	case 9, 10:
		if depth > 3 {
			return nil
		}
		out := make([]any, r.byte()%6)
		for i := range out {
			out[i] = r.value(depth + 1)
		}
		if depth == 0 && len(out) > 0 && r.byte()%8 == 0 { // sometimes large
			for len(out) < 5000 {
				out = append(out, out[len(out)%3%len(out)])
			}
		}
		return out
	case 11:
		if depth > 3 {
			return nil
		}
		out := map[string]any{}
		for n := r.byte() % 5; n > 0; n-- {
			out[r.text()] = r.value(depth + 1)
		}
		return out
	case 12:
		lo := int64(int8(r.byte()))
		if r.byte()%4 == 0 {
			return rangeValue{r.int64(), r.int64()}
		}
		return rangeValue{lo, lo + int64(r.byte()%20)}
	}
	if depth > 0 { // empty and blank are literals, never elements
		return nil
	}
	return keyword(r.byte()%2 + 1)
}

// filterNames are the filters' names, in order.
func filterNames() []string {
	names := make([]string, 0, len(filters))
	for name := range filters {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// FuzzFilters applies a filter to an input and arguments made of the
// fuzzer's bytes: no filter panics, every error is an *Error, no text is
// past MaxTextBytes, and the input and arguments are left as they were.
func FuzzFilters(f *testing.F) {
	names := filterNames()
	for i := range names {
		f.Add([]byte{byte(i), 6, 3, 'a', 'b', 'c', 1, 8, 4})
		f.Add([]byte{byte(i), 9, 3, 2, 7, 8, 12, 4, 1, 3, 1, 8, 5, 0, 1})
		f.Add([]byte{byte(i), 8, 4, 2, 8, 7, 8, 1, 12, 0})
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r := &fuzzReader{data: data}
		name := names[int(r.byte())%len(names)]
		fl := filters[name]
		in := r.value(0)
		args := make([]any, fl.minArgs+int(r.byte())%(fl.maxArgs-fl.minArgs+1))
		for i := range args {
			args[i] = r.value(0)
		}
		var kw map[string]any
		if r.byte()%4 == 0 {
			kw = map[string]any{"allow_false": r.value(0)}
		}
		before, beforeArgs := fingerprint(in), fingerprint(args)
		out, err := fl.fn(newFilterState(nil), in, args, kw)
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("%s: the error %v (%T) is not an *Error", name, err, err)
			}
		}
		switch out := out.(type) {
		case nil, bool, int64, float64, []any, map[string]any, rangeValue:
		case string:
			if len(out) > MaxTextBytes {
				t.Fatalf("%s: a text of %d bytes", name, len(out))
			}
		default:
			t.Fatalf("%s: gives a %T", name, out)
		}
		if before != fingerprint(in) || beforeArgs != fingerprint(args) {
			t.Fatalf("%s: writes its input or arguments", name)
		}
	})
}

// A filter whose result would be huge (8 MB and more) refuses it before
// building it: the refusal allocates a small fraction of that.
func TestFiltersRefuseBeforeBuilding(t *testing.T) {
	text16k := strings.Repeat("x", MaxTextBytes)
	cases := []struct {
		name string
		in   any
		args []any
	}{
		{"date", "now", []any{"%100000000Y"}},                      // 100 MB of padding
		{"replace", text16k, []any{"", strings.Repeat("y", 1000)}}, // 16 MB
		{"replace", text16k, []any{"x", strings.Repeat("y", 1000)}},
		{"append", text16k, []any{strings.Repeat("y", 8<<20)}},
		{"join", rangeValue{1, 1 << 40}, []any{","}},
		{"escape", strings.Repeat("<", 8<<20), nil},
		{"url_encode", strings.Repeat("/", 8<<20), nil},
		{"to_json", []any{strings.Repeat("<", 8<<20)}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var before, after goruntime.MemStats
			goruntime.ReadMemStats(&before)
			_, err := filters[c.name].fn(fresh(), c.in, c.args, nil)
			goruntime.ReadMemStats(&after)
			require.Equal(t, CodeBudget, CodeOf(err), "%v", err)
			// Building it would take 8 MB or more; refusing it, a little
			// (the race detector and one-time set-up included).
			assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(1<<20), "allocated building what it refused")
		})
	}
}

// Results keep their type, not only their text: an integer stays an
// integer ({{ a | sum | type }} and later arithmetic depend on it).
func TestFilterResultTypes(t *testing.T) {
	for _, c := range []struct {
		name string
		in   any
		args []any
		want any
	}{
		{"sum", []any{int64(1), int64(2)}, nil, int64(3)},
		{"sum", []any{1.5, int64(2)}, nil, 3.5},
		{"size", "abc", nil, int64(3)},
		{"size", []any{1.0, 2.0}, nil, int64(2)},
		{"plus", "\n 2\n", []any{int64(1)}, int64(3)},
		{"divided_by", int64(7), []any{int64(2)}, int64(3)},
		{"divided_by", int64(7), []any{2.0}, 3.5},
		{"at_most", int64(7), []any{int64(2)}, int64(2)},
		{"first", rangeValue{4, 9}, nil, int64(4)},
		{"last", []any{"a", "b"}, nil, "b"},
	} {
		got, err := filters[c.name].fn(fresh(), c.in, c.args, nil)
		require.NoError(t, err, c.name)
		assert.Equal(t, c.want, got, "%s %v %v", c.name, c.in, c.args)
	}
}
