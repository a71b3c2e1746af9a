package talkdesk_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestConditionalStatementProperties(t *testing.T) {
	const cond = `{"arguments": ["{{flow.variables.tier}}"], "type": "equal_to", "value": "gold"}`
	exit := func(name, conds string) string {
		return `{"exits": [{"name": "` + name + `", "conditions": [` + conds + `]}]}`
	}
	tests := []struct {
		name     string
		props    string
		problems []string
		events   []string
		msg      string // a substring of the first problem's message
	}{
		{name: "one exit", props: exit("vip", cond), events: []string{"vip", "noMatch"}},
		{name: "match modes, any case, friendly_name ignored",
			props: `{"exits": [
			  {"name": "a", "match": "ALL", "conditions": [` + cond + `]},
			  {"name": "b", "match": "Any", "conditions": [{"friendly_name": "x", "arguments": ["{{a}}"], "type": "is_blank"}]}]}`,
			events: []string{"a", "b", "noMatch"}},
		{name: "numbers and booleans as values", props: exit("n", `{"arguments": ["{{n}}"], "type": "less_than", "value": 5}, {"arguments": ["{{b}}"], "type": "equal_to", "value": true}`),
			events: []string{"n", "noMatch"}},
		{name: "templated value checked at run time", props: exit("n", `{"arguments": ["{{n}}"], "type": "less_than", "value": "{{flow.variables.limit}}"}`),
			events: []string{"n", "noMatch"}},
		{name: "exits missing", props: `{}`, problems: []string{tdProp("exits") + " property.missing"}},
		{name: "exits empty", props: `{"exits": []}`, problems: []string{tdProp("exits") + " property.missing"}},
		{name: "exits not a list", props: `{"exits": {"name": "a"}}`, problems: []string{tdProp("exits") + " property.invalid"}},
		{name: "exit not an object", props: `{"exits": ["vip"]}`, problems: []string{tdProp("exits/0") + " property.invalid"}},
		{name: "name missing", props: `{"exits": [{"conditions": [` + cond + `]}]}`, problems: []string{tdProp("exits/0/name") + " property.missing"}},
		{name: "name noMatch", props: exit("noMatch", cond), problems: []string{tdProp("exits/0/name") + " property.invalid"}},
		{name: "duplicate names", props: `{"exits": [{"name": "a", "conditions": [` + cond + `]}, {"name": "a", "conditions": [` + cond + `]}]}`,
			problems: []string{tdProp("exits/1/name") + " property.invalid"}},
		{name: "match unknown", props: `{"exits": [{"name": "a", "match": "most", "conditions": [` + cond + `]}]}`,
			problems: []string{tdProp("exits/0/match") + " property.invalid"}, msg: `exits[0] ("a"): match must be all or any, got "most"`},
		{name: "conditions missing", props: `{"exits": [{"name": "a"}]}`, problems: []string{tdProp("exits/0/conditions") + " property.missing"}},
		{name: "conditions empty", props: exit("a", ``), problems: []string{tdProp("exits/0/conditions") + " property.missing"}},
		{name: "conditions not a list", props: `{"exits": [{"name": "a", "conditions": {}}]}`, problems: []string{tdProp("exits/0/conditions") + " property.invalid"}},
		{name: "condition not an object", props: exit("a", cond+`, "x"`), problems: []string{tdProp("exits/0/conditions/1") + " property.invalid"}},
		{name: "arguments missing", props: exit("a", `{"type": "is_blank"}`), problems: []string{tdProp("exits/0/conditions/0/arguments") + " property.missing"}},
		{name: "arguments empty", props: exit("a", `{"arguments": [], "type": "is_blank"}`), problems: []string{tdProp("exits/0/conditions/0/arguments") + " property.missing"}},
		{name: "arguments[0] empty", props: exit("a", `{"arguments": [" "], "type": "is_blank"}`), problems: []string{tdProp("exits/0/conditions/0/arguments/0") + " property.missing"}},
		{name: "arguments[0] an object", props: exit("a", `{"arguments": [{}], "type": "is_blank"}`), problems: []string{tdProp("exits/0/conditions/0/arguments/0") + " property.invalid"}},
		{name: "arguments not a list", props: exit("a", `{"arguments": "{{x}}", "type": "is_blank"}`), problems: []string{tdProp("exits/0/conditions/0/arguments") + " property.invalid"}},
		{name: "type missing", props: exit("a", `{"arguments": ["{{x}}"], "value": "1"}`), problems: []string{tdProp("exits/0/conditions/0/type") + " property.missing"}},
		{name: "type unknown", props: exit("a", `{"arguments": ["{{x}}"], "type": "equals", "value": "1"}`), problems: []string{tdProp("exits/0/conditions/0/type") + " property.invalid"}},
		{name: "less_than needs a number", props: exit("a", cond+`, {"arguments": ["{{x}}"], "type": "less_than", "value": "ten"}`),
			problems: []string{tdProp("exits/0/conditions/1/value") + " property.invalid"}, msg: `exits[0] ("a") conditions[1]: less_than needs a number, got "ten"`},
		{name: "regex must compile", props: exit("a", `{"arguments": ["{{x}}"], "type": "regex", "value": "("}`), problems: []string{tdProp("exits/0/conditions/0/value") + " property.invalid"}},
		{name: "time must be HH:MM", props: exit("a", `{"arguments": ["{{x}}"], "type": "is_before_time", "value": "25:00"}`), problems: []string{tdProp("exits/0/conditions/0/value") + " property.invalid"}},
		{name: "date must be a day", props: exit("a", `{"arguments": ["{{x}}"], "type": "is_after_date", "value": "2026-02-30"}`), problems: []string{tdProp("exits/0/conditions/0/value") + " property.invalid"}},
		{name: "list needs an item", props: exit("a", `{"arguments": ["{{x}}"], "type": "matches_any_of", "value": " , "}`), problems: []string{tdProp("exits/0/conditions/0/value") + " property.invalid"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, ps := tdCompile(t, "conditional-statement", tt.props)
			assert.Equal(t, tt.problems, tdNilIfEmpty(tdProblems(ps)))
			if tt.msg != "" {
				require.NotEmpty(t, ps)
				assert.Contains(t, ps[0].Message, tt.msg)
			}
			if tt.events != nil {
				assert.Equal(t, tt.events, n.Events())
			}
		})
	}
}

func TestConditionalStatementRun(t *testing.T) {
	const props = `{"exits": [
	  {"name": "vip", "match": "all", "conditions": [
	    {"arguments": ["{{flow.variables.tier}}"], "type": "equal_to", "value": "gold"},
	    {"arguments": ["{{flow.variables.balance}}"], "type": "greater_than", "value": "{{flow.variables.limit}}"}]},
	  {"name": "spanish", "match": "any", "conditions": [
	    {"arguments": ["{{flow.data.language}}"], "type": "starts_with", "value": "es"},
	    {"arguments": ["{{flow.data.country}}"], "type": "matches_any_of", "value": "MX, ES, AR"}]},
	  {"name": "defaultAll", "conditions": [
	    {"arguments": ["{{flow.data.language}}"], "type": "is_not_blank"},
	    {"arguments": ["{{flow.data.country}}"], "type": "is_blank"}]}]}`
	tests := []struct {
		name  string
		vars  map[string]string
		event string
		err   string
	}{
		{name: "all conditions hold", vars: map[string]string{"flow.variables.tier": "gold", "flow.variables.balance": "1500", "flow.variables.limit": "1000"}, event: "vip"},
		{name: "all: one fails", vars: map[string]string{"flow.variables.tier": "gold", "flow.variables.balance": "500", "flow.variables.limit": "1000", "flow.data.country": "US"}, event: "noMatch"},
		{name: "any: first holds", vars: map[string]string{"flow.data.language": "es-MX", "flow.data.country": "US"}, event: "spanish"},
		{name: "any: second holds, trimmed and case-insensitive", vars: map[string]string{"flow.data.language": "fr", "flow.data.country": " ar "}, event: "spanish"},
		{name: "first exit that holds wins", vars: map[string]string{"flow.variables.tier": "GOLD", "flow.variables.balance": "2000", "flow.variables.limit": "1000", "flow.data.language": "es"}, event: "vip"},
		{name: "match defaults to all", vars: map[string]string{"flow.data.language": "en", "flow.variables.limit": "1"}, event: "defaultAll"},
		{name: "match all: one miss of two", vars: map[string]string{"flow.data.language": "en", "flow.data.country": "US", "flow.variables.limit": "1"}, event: "noMatch"},
		{name: "nothing holds", vars: map[string]string{"flow.variables.limit": "1"}, event: "noMatch"},
		{name: "an exit that misses gives way to the next: a bad later value matches nothing", vars: map[string]string{"flow.variables.tier": "silver", "flow.variables.limit": "lots", "flow.data.language": "es"}, event: "spanish"},
		{name: "a templated value the type cannot use matches nothing", vars: map[string]string{"flow.variables.tier": "gold", "flow.variables.limit": "lots"},
			event: "noMatch"},
	}
	n := tdMustCompile(t, "conditional-statement", props)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc := tdNewStep()
			sc.vars = tt.vars
			res, err := n.Run(sc)
			if tt.err != "" {
				require.EqualError(t, err, tt.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.event, res.Event)
			assert.Nil(t, res.Outputs)
		})
	}

	t.Run("any stops at the first match", func(t *testing.T) {
		n := tdMustCompile(t, "conditional-statement", `{"exits": [{"name": "a", "match": "any", "conditions": [
		  {"arguments": ["{{x}}"], "type": "equal_to", "value": "1"},
		  {"arguments": ["{{x}}"], "type": "less_than", "value": "{{bad}}"}]}]}`)
		sc := tdNewStep()
		sc.vars = map[string]string{"x": "1", "bad": "not a number"}
		res, err := n.Run(sc)
		require.NoError(t, err)
		assert.Equal(t, "a", res.Event)
	})
}
