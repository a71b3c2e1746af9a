package talkdesk_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studioflow/studioflow/runtime"
)

func TestTimeBasedRulesProperties(t *testing.T) {
	const rule = `{"name": "open", "days": ["mon"], "start": "09:00", "end": "17:00"}`
	tests := []struct {
		name     string
		props    string
		problems []string
		events   []string
		msg      string // a substring of the first problem's message
	}{
		{name: "minimal", props: `{"timezone": "Europe/Lisbon", "rules": [` + rule + `]}`, events: []string{"open", "noMatch"}},
		{name: "days any case and full names, H:MM, end 24:00",
			props:  `{"timezone": "UTC", "rules": [{"name": "a", "days": ["MON", "Tuesday", " sun "], "start": "9:00", "end": "24:00"}]}`,
			events: []string{"a", "noMatch"}},
		{name: "start and end default to the whole day",
			props:  `{"timezone": "UTC", "rules": [{"name": "weekend", "days": ["sat", "sun"]}]}`,
			events: []string{"weekend", "noMatch"}},
		{name: "names with spaces are events too",
			props:  `{"timezone": "UTC", "rules": [{"name": "Business hours", "days": ["mon"]}, {"name": "Lunch", "days": ["mon"]}]}`,
			events: []string{"Business hours", "Lunch", "noMatch"}},
		{name: "timezone missing", props: `{"rules": [` + rule + `]}`,
			problems: []string{tdProp("timezone") + " property.missing"}},
		{name: "timezone unknown", props: `{"timezone": "Mars/Olympus_Mons", "rules": [` + rule + `]}`,
			problems: []string{tdProp("timezone") + " property.invalid"}, msg: `"Mars/Olympus_Mons" is not a known IANA time zone`},
		{name: "timezone Local", props: `{"timezone": "Local", "rules": [` + rule + `]}`,
			problems: []string{tdProp("timezone") + " property.invalid"}},
		{name: "rules missing", props: `{"timezone": "UTC"}`,
			problems: []string{tdProp("rules") + " property.missing"}},
		{name: "rules empty", props: `{"timezone": "UTC", "rules": []}`,
			problems: []string{tdProp("rules") + " property.missing"}},
		{name: "rules not a list", props: `{"timezone": "UTC", "rules": "open"}`,
			problems: []string{tdProp("rules") + " property.invalid"}},
		{name: "rule not an object", props: `{"timezone": "UTC", "rules": [` + rule + `, 7]}`,
			problems: []string{tdProp("rules/1") + " property.invalid"}, msg: "rules[1]: must be an object"},
		{name: "name missing", props: `{"timezone": "UTC", "rules": [{"days": ["mon"]}]}`,
			problems: []string{tdProp("rules/0/name") + " property.missing"}},
		{name: "name noMatch", props: `{"timezone": "UTC", "rules": [{"name": "noMatch", "days": ["mon"]}]}`,
			problems: []string{tdProp("rules/0/name") + " property.invalid"}},
		{name: "duplicate names", props: `{"timezone": "UTC", "rules": [` + rule + `, {"name": "open", "days": ["tue"]}]}`,
			problems: []string{tdProp("rules/1/name") + " property.invalid"}, msg: `rules[1] ("open"): the name "open" is already used by item 0`},
		{name: "days missing", props: `{"timezone": "UTC", "rules": [{"name": "a"}]}`,
			problems: []string{tdProp("rules/0/days") + " property.missing"}},
		{name: "days empty", props: `{"timezone": "UTC", "rules": [{"name": "a", "days": []}]}`,
			problems: []string{tdProp("rules/0/days") + " property.missing"}},
		{name: "days not a list", props: `{"timezone": "UTC", "rules": [{"name": "a", "days": "mon"}]}`,
			problems: []string{tdProp("rules/0/days") + " property.invalid"}},
		{name: "day unknown", props: `{"timezone": "UTC", "rules": [{"name": "a", "days": ["mon", "funday"]}]}`,
			problems: []string{tdProp("rules/0/days/1") + " property.invalid"}, msg: `rules[0] ("a"): days[1] must be one of mon`},
		{name: "start 24:00", props: `{"timezone": "UTC", "rules": [{"name": "a", "days": ["mon"], "start": "24:00"}]}`,
			problems: []string{tdProp("rules/0/start") + " property.invalid"}},
		{name: "start out of range", props: `{"timezone": "UTC", "rules": [{"name": "a", "days": ["mon"], "start": "23:60"}]}`,
			problems: []string{tdProp("rules/0/start") + " property.invalid"}},
		{name: "end not a time", props: `{"timezone": "UTC", "rules": [{"name": "a", "days": ["mon"], "end": "5pm"}]}`,
			problems: []string{tdProp("rules/0/end") + " property.invalid"}},
		{name: "end past 24:00", props: `{"timezone": "UTC", "rules": [{"name": "a", "days": ["mon"], "end": "24:01"}]}`,
			problems: []string{tdProp("rules/0/end") + " property.invalid"}},
		{name: "end an object", props: `{"timezone": "UTC", "rules": [{"name": "a", "days": ["mon"], "end": {}}]}`,
			problems: []string{tdProp("rules/0/end") + " property.invalid"}},
		{name: "every problem at once", props: `{"timezone": "Nowhere", "rules": [{"name": "a", "days": ["x"], "start": "1", "end": "2"}, {"name": "a"}]}`,
			problems: []string{
				tdProp("timezone") + " property.invalid",
				tdProp("rules/0/days/0") + " property.invalid",
				tdProp("rules/0/start") + " property.invalid",
				tdProp("rules/0/end") + " property.invalid",
				tdProp("rules/1/name") + " property.invalid",
				tdProp("rules/1/days") + " property.missing",
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, ps := tdCompile(t, "time-based-rules", tt.props)
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

func TestTimeBasedRulesRun(t *testing.T) {
	// New York business hours, a Friday late shift that crosses midnight,
	// and weekends; 2026-03-08 is the start of daylight saving time there.
	const newYork = `{"timezone": "America/New_York", "rules": [
	  {"name": "open", "days": ["mon", "tue", "wed", "thu", "fri"], "start": "09:00", "end": "17:30"},
	  {"name": "lateShift", "days": ["fri"], "start": "22:00", "end": "02:00"},
	  {"name": "weekend", "days": ["sat", "sun"]}]}`
	const tokyo = `{"timezone": "Asia/Tokyo", "rules": [{"name": "open", "days": ["mon"], "start": "09:00", "end": "17:00"}]}`
	const lisbon = `{"timezone": "Europe/Lisbon", "rules": [{"name": "open", "days": ["mon"], "start": "09:00", "end": "17:00"}]}`
	const sundayNight = `{"timezone": "UTC", "rules": [{"name": "night", "days": ["sun"], "start": "23:00", "end": "01:00"}]}`
	const allWednesday = `{"timezone": "UTC", "rules": [{"name": "wed", "days": ["wed"], "start": "08:00", "end": "08:00"}]}`
	tests := []struct {
		name  string
		props string
		now   string // RFC 3339
		event string
		local string // outputs.local_time
	}{
		{"start is inclusive", newYork, "2026-03-02T14:00:00Z", "open", "2026-03-02T09:00:00-05:00"},
		{"before start", newYork, "2026-03-02T13:59:59Z", "noMatch", "2026-03-02T08:59:59-05:00"},
		{"end is exclusive", newYork, "2026-03-02T22:30:00Z", "noMatch", "2026-03-02T17:30:00-05:00"},
		{"just before end", newYork, "2026-03-02T22:29:59Z", "open", "2026-03-02T17:29:59-05:00"},
		{"daylight saving moves the UTC hour", newYork, "2026-03-09T13:00:00Z", "open", "2026-03-09T09:00:00-04:00"},
		{"same UTC hour before daylight saving", newYork, "2026-03-02T13:00:00Z", "noMatch", "2026-03-02T08:00:00-05:00"},
		{"late shift is Friday only", newYork, "2026-03-06T03:00:00Z", "noMatch", "2026-03-05T22:00:00-05:00"},
		{"late shift starts Friday night", newYork, "2026-03-07T03:00:00Z", "lateShift", "2026-03-06T22:00:00-05:00"},
		{"late shift runs past midnight, before the weekend rule", newYork, "2026-03-07T06:59:00Z", "lateShift", "2026-03-07T01:59:00-05:00"},
		{"late shift ends at 02:00", newYork, "2026-03-07T07:00:00Z", "weekend", "2026-03-07T02:00:00-05:00"},
		{"weekend all day", newYork, "2026-03-08T04:59:59Z", "weekend", "2026-03-07T23:59:59-05:00"},
		{"Monday morning in Tokyo", tokyo, "2026-03-02T01:00:00Z", "open", "2026-03-02T10:00:00+09:00"},
		{"the same instant is night in Lisbon", lisbon, "2026-03-02T01:00:00Z", "noMatch", "2026-03-02T01:00:00Z"},
		{"Sunday evening UTC is Monday in Tokyo, too early", tokyo, "2026-03-01T23:30:00Z", "noMatch", "2026-03-02T08:30:00+09:00"},
		{"Lisbon summer time", lisbon, "2026-06-01T08:00:00Z", "open", "2026-06-01T09:00:00+01:00"},
		{"crossing from Sunday into Monday", sundayNight, "2026-03-02T00:30:00Z", "night", "2026-03-02T00:30:00Z"},
		{"Sunday night before start", sundayNight, "2026-03-01T22:59:00Z", "noMatch", "2026-03-01T22:59:00Z"},
		{"Monday night is not Sunday night", sundayNight, "2026-03-02T23:30:00Z", "noMatch", "2026-03-02T23:30:00Z"},
		{"start equal to end is the whole day", allWednesday, "2026-03-04T03:00:00Z", "wed", "2026-03-04T03:00:00Z"},
		{"but only that day", allWednesday, "2026-03-05T03:00:00Z", "noMatch", "2026-03-05T03:00:00Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := tdMustCompile(t, "time-based-rules", tt.props)
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
			assert.Equal(t, map[string]any{"rule": rule, "local_time": tt.local}, res.Outputs)
		})
	}
}

// TestTimeBasedRulesEngineClock checks that the rules read the engine's
// injected clock.
func TestTimeBasedRulesEngineClock(t *testing.T) {
	const def = `{"initial_state": "Trigger", "states": [
	  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingRequest", "next": "hours"}], "properties": {}},
	  {"name": "hours", "type": "time-based-rules",
	   "transitions": [{"event": "open"}, {"event": "noMatch"}],
	   "properties": {"timezone": "Europe/Lisbon", "rules": [{"name": "open", "days": ["mon", "tue", "wed", "thu", "fri"], "start": "09:00", "end": "18:00"}]}}]}`
	tests := []struct {
		now  time.Time
		step string
	}{
		{time.Date(2026, 7, 1, 8, 0, 0, 0, time.UTC), "hours -open-> Ended"},     // 09:00 WEST
		{time.Date(2026, 7, 1, 7, 59, 0, 0, time.UTC), "hours -noMatch-> Ended"}, // 08:59 WEST
		{time.Date(2026, 7, 4, 12, 0, 0, 0, time.UTC), "hours -noMatch-> Ended"}, // Saturday
	}
	for _, tt := range tests {
		t.Run(tt.now.String(), func(t *testing.T) {
			e, _ := tdEngine(t, def, nil, tt.now)
			x, err := e.Start(context.Background(), runtime.StartRequest{FlowSid: "FW", Trigger: runtime.TriggerRequest, Contact: "a", FlowAddress: "b"})
			require.NoError(t, err)
			assert.Equal(t, runtime.StatusEnded, x.Status)
			assert.Equal(t, tt.step, tdSteps(x)[1])
		})
	}
}
