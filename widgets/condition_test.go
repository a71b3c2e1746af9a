package widgets

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestEvalCondition(t *testing.T) {
	tests := []struct {
		typ, input, value string
		want              bool
	}{
		// equal_to / not_equal_to: trimmed, case-insensitive.
		{CondEqualTo, "yes", "yes", true},
		{CondEqualTo, "  YES \n", " Yes", true},
		{CondEqualTo, "yes", "no", false},
		{CondEqualTo, "yess", "yes", false},
		{CondEqualTo, "", "", true},
		{CondEqualTo, "ESPAÑOL", "español", true},
		{CondNotEqualTo, "yes", "no", true},
		{CondNotEqualTo, " Yes ", "yes", false},

		// matches_any_of / does_not_match_any_of: comma-separated, each item trimmed.
		{CondMatchesAnyOf, "Leo", "aries,taurus, leo ,virgo", true},
		{CondMatchesAnyOf, " SAG ", "sagittarius,sag", true},
		{CondMatchesAnyOf, "aries", "aries", true},
		{CondMatchesAnyOf, "le", "aries,taurus,leo", false},
		{CondMatchesAnyOf, "aries,taurus", "aries,taurus", false},
		{CondMatchesAnyOf, "", "a,,b", false}, // empty items are skipped
		{CondMatchesAnyOf, "", ",", false},
		{CondDoesNotMatchAnyOf, "cat", "dog, bird", true},
		{CondDoesNotMatchAnyOf, "Dog", "dog, bird", false},
		{CondDoesNotMatchAnyOf, "", "a,,b", true},

		// is_blank / is_not_blank: value ignored.
		{CondIsBlank, "", "", true},
		{CondIsBlank, " \t\n", "ignored", true},
		{CondIsBlank, "x", "", false},
		{CondIsNotBlank, " x ", "", true},
		{CondIsNotBlank, "  ", "", false},

		// regex: whole input, case-insensitive, Go syntax.
		{CondRegex, "Yes please", ".*yes.*", true},
		{CondRegex, "SÍ", "(sí|si)", true},
		{CondRegex, "si", ".*(s(i|í)|y).*", true},
		{CondRegex, "  12345  ", `\d{5}`, true},
		{CondRegex, "123456", `\d{5}`, false}, // partial match is not a match
		{CondRegex, "say yes", "yes", false},
		{CondRegex, "yes!", "yes", false},
		{CondRegex, "b", "a|b", true}, // alternation stays inside the anchors
		{CondRegex, "ab", "a|b", false},
		{CondRegex, "xb", "a)|(b", false}, // rejected below, never unanchored
		{CondRegex, "", "", true},
		{CondRegex, "x", "", false},

		// contains / does_not_contain.
		{CondContains, "I want to CANCEL my appointment", "cancel", true},
		{CondContains, "cancel", " Cancel ", true},
		{CondContains, "NO", "no", true},
		{CondContains, "yes", "no", false},
		{CondContains, "anything", "", true},
		{CondContains, "ÑANDÚ grande", "ñandú", true},
		{CondContains, "\u212a", "k", true}, // Kelvin sign folds to k
		{CondContains, "ab", "abc", false},
		{CondDoesNotContain, "yes", "no", true},
		{CondDoesNotContain, "Nope", "NO", false},

		// starts_with / does_not_start_with.
		{CondStartsWith, "  Sales please", "SALES", true},
		{CondStartsWith, "sales", "sales", true},
		{CondStartsWith, "presales", "sales", false},
		{CondStartsWith, "sa", "sales", false},
		{CondStartsWith, "Über", "über", true},
		{CondDoesNotStartWith, "presales", "sales", true},
		{CondDoesNotStartWith, "Sales", "sales", false},

		// less_than / greater_than: numbers only.
		{CondLessThan, "2", "3", true},
		{CondLessThan, " 2.5 ", " 3 ", true},
		{CondLessThan, "3", "3", false},
		{CondLessThan, "4", "3", false},
		{CondLessThan, "-1", "0", true},
		{CondLessThan, "1e2", "1000", true},
		{CondLessThan, "abc", "3", false}, // non-numeric input: simply false
		{CondLessThan, "", "3", false},
		{CondLessThan, "NaN", "3", false},
		{CondLessThan, "-Inf", "3", false},
		{CondLessThan, "0x10", "100", false},
		{CondLessThan, "1_0", "100", false},
		{CondLessThan, "1e", "100", false},
		{CondLessThan, "two", "3", false},
		{CondGreaterThan, "1", "0", true},
		{CondGreaterThan, "0", "0", false},
		{CondGreaterThan, "-0.5", "0", false},
		{CondGreaterThan, "10", "9", true}, // numeric, not lexical
		{CondGreaterThan, "abc", "0", false},

		// is_before_time / is_after_time: time of day, exclusive bounds.
		{CondIsBeforeTime, "08:59", "09:00", true},
		{CondIsBeforeTime, "09:00", "09:00", false},
		{CondIsBeforeTime, "09:00:00", "09:00", false},
		{CondIsBeforeTime, "08:59:59", "09:00", true},
		{CondIsBeforeTime, "8:30", "09:00", true},
		{CondIsBeforeTime, "2024-05-01T08:15:00Z", "09:00", true},
		{CondIsBeforeTime, "2024-05-01T23:15:00-07:00", "09:00", false}, // read as written
		{CondIsBeforeTime, "00:00", "00:01", true},
		{CondIsBeforeTime, "soon", "09:00", false},
		{CondIsBeforeTime, "25:00", "09:00", false},
		{CondIsBeforeTime, "2024-05-01", "09:00", false},
		{CondIsAfterTime, "17:01", "17:00", true},
		{CondIsAfterTime, "17:00", "17:00", false},
		{CondIsAfterTime, "17:00:01", "17:00", true},
		{CondIsAfterTime, "2024-05-01T17:30:00.123+02:00", "17:00", true},
		{CondIsAfterTime, "23:59", "23:59", false},
		{CondIsAfterTime, "", "17:00", false},

		// is_before_date / is_after_date: date, exclusive bounds.
		{CondIsBeforeDate, "2024-04-30", "2024-05-01", true},
		{CondIsBeforeDate, "2024-05-01", "2024-05-01", false},
		{CondIsBeforeDate, "2023-12-31", "2024-01-01", true},
		{CondIsBeforeDate, "2024-04-30T23:59:59Z", "2024-05-01", true},
		{CondIsBeforeDate, "2024-05-01T00:00:00Z", "2024-05-01", false},
		{CondIsBeforeDate, "tomorrow", "2024-05-01", false},
		{CondIsBeforeDate, "2024-02-30", "2024-05-01", false},
		{CondIsBeforeDate, "04/30/2024", "2024-05-01", false},
		{CondIsAfterDate, "2024-05-02", "2024-05-01", true},
		{CondIsAfterDate, "2024-05-01", "2024-05-01", false},
		{CondIsAfterDate, " 2024-05-01T08:00:00+09:00 ", "2024-04-30", true},
		{CondIsAfterDate, "2024-02-29", "2024-02-28", true}, // leap day
		{CondIsAfterDate, "", "2024-01-01", false},
	}
	for _, tt := range tests {
		got, err := EvalCondition(tt.typ, tt.input, tt.value)
		if tt.typ == CondRegex && tt.value == "a)|(b" {
			assert.Error(t, err, "%s(%q, %q)", tt.typ, tt.input, tt.value)
			assert.False(t, got)
			continue
		}
		if assert.NoError(t, err, "%s(%q, %q)", tt.typ, tt.input, tt.value) {
			assert.Equal(t, tt.want, got, "%s(%q, %q)", tt.typ, tt.input, tt.value)
		}
	}
}

func TestEvalConditionCoversEveryType(t *testing.T) {
	// One true and one false case for every type, so a type that stops
	// working (or always answers the same) fails here.
	cases := map[string][2][2]string{ // type: {{input, value} true, {input, value} false}
		CondEqualTo:           {{"a", "A"}, {"a", "b"}},
		CondNotEqualTo:        {{"a", "b"}, {"a", "A"}},
		CondMatchesAnyOf:      {{"b", "a,b"}, {"c", "a,b"}},
		CondDoesNotMatchAnyOf: {{"c", "a,b"}, {"b", "a,b"}},
		CondIsBlank:           {{" ", ""}, {"x", ""}},
		CondIsNotBlank:        {{"x", ""}, {" ", ""}},
		CondRegex:             {{"ab1", "[a-z]+[0-9]"}, {"ab", "[a-z]+[0-9]"}},
		CondContains:          {{"abc", "B"}, {"abc", "d"}},
		CondDoesNotContain:    {{"abc", "d"}, {"abc", "B"}},
		CondStartsWith:        {{"abc", "A"}, {"abc", "b"}},
		CondDoesNotStartWith:  {{"abc", "b"}, {"abc", "A"}},
		CondLessThan:          {{"0.5", "1"}, {"1", "1"}},
		CondGreaterThan:       {{"2", "1"}, {"1", "1"}},
		CondIsBeforeTime:      {{"09:59", "10:00"}, {"10:00", "10:00"}},
		CondIsAfterTime:       {{"10:01", "10:00"}, {"10:00", "10:00"}},
		CondIsBeforeDate:      {{"2023-12-31", "2024-01-01"}, {"2024-01-01", "2024-01-01"}},
		CondIsAfterDate:       {{"2024-01-02", "2024-01-01"}, {"2024-01-01", "2024-01-01"}},
	}
	for _, typ := range ConditionTypes {
		c, ok := cases[typ]
		if !assert.True(t, ok, "no case for %s", typ) {
			continue
		}
		for i, want := range []bool{true, false} {
			got, err := EvalCondition(typ, c[i][0], c[i][1])
			if assert.NoError(t, err, typ) {
				assert.Equal(t, want, got, "%s(%q, %q)", typ, c[i][0], c[i][1])
			}
		}
	}
}

func TestEvalConditionErrors(t *testing.T) {
	tests := []struct {
		typ, input, value string
		wantErr           string
	}{
		{"equals", "a", "a", "unknown condition type"},
		{"", "a", "a", "unknown condition type"},
		{"EQUAL_TO", "a", "a", "unknown condition type"},
		{CondRegex, "a", "(a", "bad regex"},
		{CondRegex, "a", "a)|(b", "bad regex"},
		{CondRegex, "a", "(?=a)a", "bad regex"}, // no lookahead in Go's RE2 syntax
		{CondLessThan, "1", "abc", "not a number"},
		{CondLessThan, "1", "", "not a number"},
		{CondGreaterThan, "1", "NaN", "not a number"},
		{CondGreaterThan, "abc", "1,000", "not a number"}, // value is checked first
		{CondIsBeforeTime, "10:00", "25:00", "not a time"},
		{CondIsBeforeTime, "10:00", "9:60", "not a time"},
		{CondIsAfterTime, "10:00", "10:00:00", "not a time"},
		{CondIsAfterTime, "10:00", "10am", "not a time"},
		{CondIsAfterTime, "10:00", "", "not a time"},
		{CondIsBeforeDate, "2024-01-01", "2024-13-01", "not a date"},
		{CondIsBeforeDate, "2024-01-01", "2023-02-29", "not a date"},
		{CondIsAfterDate, "2024-01-01", "01/02/2024", "not a date"},
		{CondIsAfterDate, "2024-01-01", "2024-01-01T00:00:00Z", "not a date"},
	}
	for _, tt := range tests {
		got, err := EvalCondition(tt.typ, tt.input, tt.value)
		assert.False(t, got, "%s(%q, %q)", tt.typ, tt.input, tt.value)
		if assert.Error(t, err, "%s(%q, %q)", tt.typ, tt.input, tt.value) {
			assert.Contains(t, err.Error(), tt.wantErr)
		}
	}
}

func TestCheckConditionValue(t *testing.T) {
	valid := []struct{ typ, value string }{
		{CondEqualTo, "Yes"},
		{CondEqualTo, ""},
		{CondNotEqualTo, "anything at all"},
		{CondMatchesAnyOf, "aries,taurus"},
		{CondDoesNotMatchAnyOf, " a "},
		{CondIsBlank, ""},
		{CondIsNotBlank, "ignored"},
		{CondRegex, ".*(s(i|í)|y).*"},
		{CondRegex, ""},
		{CondContains, "no"},
		{CondDoesNotContain, ""},
		{CondStartsWith, "sales"},
		{CondDoesNotStartWith, "x"},
		{CondLessThan, "3"},
		{CondLessThan, " -2.5 "},
		{CondGreaterThan, "1e3"},
		{CondIsBeforeTime, "09:00"},
		{CondIsBeforeTime, "9:00"},
		{CondIsAfterTime, "23:59"},
		{CondIsAfterTime, "00:00"},
		{CondIsBeforeDate, "2024-02-29"},
		{CondIsAfterDate, "1999-12-31"},
		// Templated operands are only known at run time.
		{CondLessThan, "{{widgets.http_find_pantry.parsed.sites.size}}"},
		{CondIsBeforeTime, "{{flow.variables.open}}"},
		{CondRegex, "{% if x %}a{% endif %}("},
		{CondMatchesAnyOf, "${LIST}"},
	}
	for _, tt := range valid {
		assert.Empty(t, CheckConditionValue(tt.typ, tt.value), "%s %q", tt.typ, tt.value)
	}

	invalid := []struct{ typ, value, want string }{
		{"equals", "x", "unknown condition type"},
		{"", "", "unknown condition type"},
		{"equals", "{{x}}", "unknown condition type"}, // type is checked even when templated
		{CondMatchesAnyOf, "", "comma-separated list"},
		{CondDoesNotMatchAnyOf, " , ,", "comma-separated list"},
		{CondRegex, "(unclosed", "bad regex"},
		{CondRegex, "a)|(b", "bad regex"},
		{CondRegex, "[z-a]", "bad regex"},
		{CondRegex, "(?<=a)b", "bad regex"},
		// Patterns that would take megabytes to compile and keep.
		{CondRegex, strings.Repeat("a", MaxRegexBytes+1), "bytes long"},
		{CondRegex, strings.Repeat("a{1000}", 10), "instructions"},
		{CondLessThan, "abc", "needs a number"},
		{CondLessThan, "", "needs a number"},
		{CondGreaterThan, "Infinity", "needs a number"},
		{CondGreaterThan, "1,000", "needs a number"},
		{CondIsBeforeTime, "25:00", "needs a time of day HH:MM"},
		{CondIsBeforeTime, "12:60", "needs a time of day HH:MM"},
		{CondIsBeforeTime, "12:5", "needs a time of day HH:MM"},
		{CondIsAfterTime, "noon", "needs a time of day HH:MM"},
		{CondIsAfterTime, "12:00:00", "needs a time of day HH:MM"},
		{CondIsBeforeDate, "2024-1-1", "needs a date YYYY-MM-DD"},
		{CondIsBeforeDate, "2024-04-31", "needs a date YYYY-MM-DD"},
		{CondIsAfterDate, "2100-02-29", "needs a date YYYY-MM-DD"},
		{CondIsAfterDate, "today", "needs a date YYYY-MM-DD"},
	}
	for _, tt := range invalid {
		msg := CheckConditionValue(tt.typ, tt.value)
		assert.Contains(t, msg, tt.want, "%s %q", tt.typ, tt.value)
	}
}

func TestConditionTypesConstants(t *testing.T) {
	assert.Len(t, ConditionTypes, 17)
	seen := map[string]bool{}
	for _, typ := range ConditionTypes {
		assert.False(t, seen[typ], "duplicate %s", typ)
		seen[typ] = true
	}
}

func TestConditionRegexCached(t *testing.T) {
	re1, err := condRegexp("cached-(a|b)")
	require.NoError(t, err)
	re2, err := condRegexp("cached-(a|b)")
	require.NoError(t, err)
	assert.Same(t, re1, re2)

	_, err1 := condRegexp("cached-(")
	_, err2 := condRegexp("cached-(")
	require.Error(t, err1)
	assert.Equal(t, err1, err2) // the failure is cached too
}

func TestEvalConditionAllocs(t *testing.T) {
	_, _ = EvalCondition(CondRegex, "warm", "w.*") // compile once
	cases := []struct{ typ, input, value string }{
		{CondEqualTo, "  Yes ", "yes"},
		{CondNotEqualTo, "Yes", "no"},
		{CondContains, "I want to CANCEL", "cancel"},
		{CondContains, "ÑANDÚ grande", "ñandú"},
		{CondStartsWith, "Sales please", "sales"},
		{CondMatchesAnyOf, "leo", "aries, taurus, leo"},
		{CondIsBlank, "  ", ""},
		{CondLessThan, "2", "3"},
		{CondLessThan, "abc", "3"},
		{CondIsBeforeTime, "08:59:59", "09:00"},
		{CondIsBeforeTime, "not a time at all", "09:00"},
		{CondIsAfterDate, "2024-05-02", "2024-05-01"},
		{CondIsAfterDate, "2024-05-02T10:00:00Z", "2024-05-01"},
		{CondRegex, "warm", "w.*"},
	}
	for _, c := range cases {
		n := testing.AllocsPerRun(100, func() {
			_, _ = EvalCondition(c.typ, c.input, c.value)
		})
		assert.Zero(t, n, "%s(%q, %q) allocates", c.typ, c.input, c.value)
	}
}

// TestConditionValuesInExports checks every condition of the real Twilio
// exports: a known type and a usable operand.
func TestConditionValuesInExports(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("..", "..", "shared", "testdata", "twilio", "*.json"))
	if len(files) == 0 {
		t.Skip("no Twilio exports under ../shared/testdata/twilio")
	}
	count := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		var doc any
		require.NoError(t, json.Unmarshal(data, &doc), f)
		condWalkConditions(doc, func(c map[string]any) {
			count++
			typ, _ := c["type"].(string)
			value, _ := c["value"].(string)
			assert.True(t, slices.Contains(ConditionTypes, typ), "%s: type %q", filepath.Base(f), typ)
			assert.Empty(t, CheckConditionValue(typ, value), "%s: %s %q", filepath.Base(f), typ, value)
		})
	}
	assert.Greater(t, count, 50)
}

func condWalkConditions(v any, fn func(map[string]any)) {
	switch v := v.(type) {
	case map[string]any:
		for k, child := range v {
			if list, ok := child.([]any); ok && k == "conditions" {
				for _, c := range list {
					if m, ok := c.(map[string]any); ok {
						fn(m)
					}
				}
				continue
			}
			condWalkConditions(child, fn)
		}
	case []any:
		for _, child := range v {
			condWalkConditions(child, fn)
		}
	}
}

func BenchmarkEvalConditionEqual(b *testing.B) {
	for _, bc := range []struct{ name, typ, input, value string }{
		{"equal_to", CondEqualTo, "  Yes please ", "yes please"},
		{"contains", CondContains, "I would like to CANCEL my appointment", "cancel"},
		{"matches_any_of", CondMatchesAnyOf, "Leo", "aries,taurus,gemini,cancer,leo,virgo"},
		{"regex", CondRegex, "si claro", ".*(s(i|í)|y).*"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_, _ = EvalCondition(bc.typ, bc.input, bc.value)
			}
		})
	}
}
