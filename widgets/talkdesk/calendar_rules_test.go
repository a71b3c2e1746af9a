package talkdesk_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCalendarBasedRulesProperties(t *testing.T) {
	const xmas = `{"name": "christmas", "dates": ["2026-12-25"], "annual": true}`
	tests := []struct {
		name     string
		props    string
		problems []string
		events   []string
		msg      string // a substring of the first problem's message
	}{
		{name: "SPEC example", props: `{"timezone": "Europe/Lisbon", "rules": [` + xmas + `]}`, events: []string{"christmas", "noMatch"}},
		{name: "annual as string, several dates",
			props:  `{"timezone": "UTC", "rules": [{"name": "a", "dates": ["2026-12-24", "2026-12-31"], "annual": "true"}, {"name": "b", "dates": ["2027-01-04"], "annual": "false"}]}`,
			events: []string{"a", "b", "noMatch"}},
		{name: "leap day once is fine", props: `{"timezone": "UTC", "rules": [{"name": "leap", "dates": ["2028-02-29"]}]}`,
			events: []string{"leap", "noMatch"}},
		{name: "annual leap day is a warning", props: `{"timezone": "UTC", "rules": [{"name": "leap", "dates": ["2028-02-29"], "annual": true}]}`,
			problems: []string{tdProp("rules/0/dates/0") + " property.invalid (warning)"}, events: []string{"leap", "noMatch"},
			msg: `rules[0] ("leap"): dates[0] is February 29 and annual: it matches in leap years only`},
		{name: "timezone missing", props: `{"rules": [` + xmas + `]}`,
			problems: []string{tdProp("timezone") + " property.missing"}},
		{name: "timezone unknown", props: `{"timezone": "Europe/Atlantis", "rules": [` + xmas + `]}`,
			problems: []string{tdProp("timezone") + " property.invalid"}},
		{name: "rules missing", props: `{"timezone": "UTC"}`,
			problems: []string{tdProp("rules") + " property.missing"}},
		{name: "rules empty", props: `{"timezone": "UTC", "rules": []}`,
			problems: []string{tdProp("rules") + " property.missing"}},
		{name: "name missing", props: `{"timezone": "UTC", "rules": [{"dates": ["2026-12-25"]}]}`,
			problems: []string{tdProp("rules/0/name") + " property.missing"}},
		{name: "name noMatch", props: `{"timezone": "UTC", "rules": [{"name": "noMatch", "dates": ["2026-12-25"]}]}`,
			problems: []string{tdProp("rules/0/name") + " property.invalid"}},
		{name: "duplicate names", props: `{"timezone": "UTC", "rules": [` + xmas + `, ` + xmas + `]}`,
			problems: []string{tdProp("rules/1/name") + " property.invalid"}},
		{name: "dates missing", props: `{"timezone": "UTC", "rules": [{"name": "a"}]}`,
			problems: []string{tdProp("rules/0/dates") + " property.missing"}},
		{name: "dates empty", props: `{"timezone": "UTC", "rules": [{"name": "a", "dates": []}]}`,
			problems: []string{tdProp("rules/0/dates") + " property.missing"}},
		{name: "dates not a list", props: `{"timezone": "UTC", "rules": [{"name": "a", "dates": "2026-12-25"}]}`,
			problems: []string{tdProp("rules/0/dates") + " property.invalid"}},
		{name: "date not a calendar day", props: `{"timezone": "UTC", "rules": [{"name": "a", "dates": ["2026-12-25", "2026-02-29"]}]}`,
			problems: []string{tdProp("rules/0/dates/1") + " property.invalid"}, msg: `rules[0] ("a"): dates[1] must be a calendar day YYYY-MM-DD, got "2026-02-29"`},
		{name: "date in another format", props: `{"timezone": "UTC", "rules": [{"name": "a", "dates": ["12/25/2026"]}]}`,
			problems: []string{tdProp("rules/0/dates/0") + " property.invalid"}},
		{name: "date an object", props: `{"timezone": "UTC", "rules": [{"name": "a", "dates": [{"day": 25}]}]}`,
			problems: []string{tdProp("rules/0/dates/0") + " property.invalid"}},
		{name: "paths keep the index after a bad item", props: `{"timezone": "UTC", "rules": [{"name": "a", "dates": ["2026-12-25", {"day": 25}, "2026-13-01"]}]}`,
			problems: []string{tdProp("rules/0/dates/1") + " property.invalid", tdProp("rules/0/dates/2") + " property.invalid"}},
		{name: "annual not a boolean", props: `{"timezone": "UTC", "rules": [{"name": "a", "dates": ["2026-12-25"], "annual": "yearly"}]}`,
			problems: []string{tdProp("rules/0/annual") + " property.invalid"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, ps := tdCompile(t, "calendar-based-rules", tt.props)
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

func TestCalendarBasedRulesRun(t *testing.T) {
	const lisbon = `{"timezone": "Europe/Lisbon", "rules": [
	  {"name": "christmas", "dates": ["2026-12-25"], "annual": true},
	  {"name": "stocktaking", "dates": ["2027-01-04", "2027-07-05"]},
	  {"name": "closures", "dates": ["2027-01-04", "2027-01-05"]}]}`
	const berlin = `{"timezone": "Europe/Berlin", "rules": [{"name": "christmas", "dates": ["2026-12-25"], "annual": true}]}`
	const losAngeles = `{"timezone": "America/Los_Angeles", "rules": [{"name": "christmas", "dates": ["2026-12-25"], "annual": true}]}`
	const once = `{"timezone": "UTC", "rules": [{"name": "christmas", "dates": ["2026-12-25"]}]}`
	const leap = `{"timezone": "UTC", "rules": [{"name": "leap", "dates": ["2028-02-29"], "annual": true}]}`
	tests := []struct {
		name  string
		props string
		now   string // RFC 3339
		event string
		date  string // outputs.local_date
	}{
		{"the date itself", lisbon, "2026-12-25T10:00:00Z", "christmas", "2026-12-25"},
		{"annual: five years on", lisbon, "2031-12-25T10:00:00Z", "christmas", "2031-12-25"},
		{"annual: years before too", lisbon, "2019-12-25T00:00:00Z", "christmas", "2019-12-25"},
		{"the day before", lisbon, "2031-12-24T23:59:59Z", "noMatch", "2031-12-24"},
		{"not annual: that day only", once, "2026-12-25T12:00:00Z", "christmas", "2026-12-25"},
		{"not annual: not the next year", once, "2027-12-25T12:00:00Z", "noMatch", "2027-12-25"},
		{"second date of a rule", lisbon, "2027-07-05T12:00:00Z", "stocktaking", "2027-07-05"},
		{"first rule wins over a later one with the same date", lisbon, "2027-01-04T12:00:00Z", "stocktaking", "2027-01-04"},
		{"later rule", lisbon, "2027-01-05T12:00:00Z", "closures", "2027-01-05"},
		{"23:30 UTC on the 24th is still the 24th in Lisbon", lisbon, "2026-12-24T23:30:00Z", "noMatch", "2026-12-24"},
		{"but already the 25th in Berlin", berlin, "2026-12-24T23:30:00Z", "christmas", "2026-12-25"},
		{"and the 26th in UTC is still the 25th in Los Angeles", losAngeles, "2026-12-26T07:59:00Z", "christmas", "2026-12-25"},
		{"Los Angeles moves on at local midnight", losAngeles, "2026-12-26T08:00:00Z", "noMatch", "2026-12-26"},
		{"annual leap day in a leap year", leap, "2032-02-29T12:00:00Z", "leap", "2032-02-29"},
		{"annual leap day: not February 28 of a common year", leap, "2027-02-28T12:00:00Z", "noMatch", "2027-02-28"},
		{"annual leap day: not March 1 of a common year", leap, "2027-03-01T12:00:00Z", "noMatch", "2027-03-01"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, ps := tdCompile(t, "calendar-based-rules", tt.props)
			require.Empty(t, ps.Errors())
			sc := tdNewStep()
			var err error
			sc.now, err = time.Parse(time.RFC3339, tt.now)
			require.NoError(t, err)
			res, err := n.Run(sc)
			require.NoError(t, err)
			assert.Equal(t, tt.event, res.Event)
			rule := tt.event
			if rule == "noMatch" {
				rule = ""
			}
			assert.Equal(t, map[string]any{"rule": rule, "local_date": tt.date}, res.Outputs)
		})
	}
}
