package talkdesk

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/studioflow/studioflow/flow"
	"github.com/studioflow/studioflow/widgets"
	"github.com/studioflow/studioflow/widgets/condition"
)

// TimeBasedRules is Talkdesk's Time-based rules: it branches on the day of
// the week and time of day in a time zone, such as business hours.
//
//	{ "name": "hours", "type": "time-based-rules",
//	  "transitions": [ {"event": "open", "next": "menu"},
//	                   {"event": "lateShift", "next": "night_menu"},
//	                   {"event": "noMatch", "next": "closed"} ],
//	  "properties": { "timezone": "America/New_York",
//	                  "rules": [ {"name": "open", "days": ["mon", "tue", "wed", "thu", "fri"],
//	                              "start": "09:00", "end": "17:30"},
//	                             {"name": "lateShift", "days": ["fri"],
//	                              "start": "22:00", "end": "02:00"} ] } }
//
// Properties:
//   - timezone (required): an IANA time zone name, such as Europe/Lisbon,
//     checked when the definition is compiled ("Local" is refused: it
//     depends on the host). A host without the system's zoneinfo files
//     should import time/tzdata.
//   - rules (required, at least one): each {name, days, start, end}.
//     name (required, unique, not "noMatch") is the event the rule takes.
//     days (required, at least one) are mon, tue, wed, thu, fri, sat, sun
//     or the full day names, in any case. start and end are HH:MM (H:MM
//     accepted); start defaults to 00:00 and end to 24:00, and end may be
//     24:00.
//
// A rule holds from start (inclusive) to end (exclusive), in the zone's
// local wall-clock time at the engine's clock (StepContext.Now). When start
// is after end the range crosses midnight: it begins on each listed day and
// runs into the next morning, so {"days": ["fri"], "start": "22:00",
// "end": "02:00"} holds on Friday from 22:00 and on Saturday until 02:00.
// When start equals end the rule holds the whole of each listed day.
//
// Events: one per rule name, in order, then noMatch. The first rule that
// holds wins; when none does the step takes noMatch. Outputs: rule (the
// rule taken, "" on noMatch) and local_time (the time the rules were
// evaluated at, RFC 3339 in the zone).
func TimeBasedRules() widgets.Type {
	return widgets.Type{
		Vendor: flow.VendorTalkdesk,
		Name:   "time-based-rules",
		Compile: func(p *widgets.Props) widgets.Node {
			n := &tdTimeRulesNode{loc: tdZone(p, "timezone")}
			seen := map[string]int{}
			for _, it := range tdItems(p, "rules", true) {
				r := tdTimeRule{name: it.name(seen, NoMatchEvent)}
				r.days = tdDays(it)
				r.start = tdClock(it, "start", 0, false)
				r.end = tdClock(it, "end", 24*3600, true)
				if r.name != "" {
					n.rules = append(n.rules, r)
				}
			}
			n.events = make([]string, 0, len(n.rules)+1)
			for _, r := range n.rules {
				n.events = append(n.events, r.name)
			}
			n.events = append(n.events, NoMatchEvent)
			return n
		},
	}
}

type tdTimeRule struct {
	name       string
	days       [7]bool // by time.Weekday
	start, end int     // seconds since midnight; end may be 86400
}

type tdTimeRulesNode struct {
	loc    *time.Location
	rules  []tdTimeRule
	events []string
}

func (n *tdTimeRulesNode) Events() []string { return slices.Clone(n.events) }

func (n *tdTimeRulesNode) Run(sc widgets.StepContext) (widgets.Result, error) {
	now := sc.Now().In(n.loc)
	for _, r := range n.rules {
		if r.holds(now) {
			return widgets.Result{Event: r.name, Outputs: map[string]any{"rule": r.name, "local_time": now.Format(time.RFC3339)}}, nil
		}
	}
	return widgets.Result{Event: NoMatchEvent, Outputs: map[string]any{"rule": "", "local_time": now.Format(time.RFC3339)}}, nil
}

// holds reports whether t, already in the rule's zone, falls in the rule.
func (r *tdTimeRule) holds(t time.Time) bool {
	sec := t.Hour()*3600 + t.Minute()*60 + t.Second()
	day := t.Weekday()
	switch {
	case r.start < r.end:
		return r.days[day] && sec >= r.start && sec < r.end
	case r.start == r.end:
		return r.days[day]
	default: // crosses midnight: the tail belongs to the day before
		return (r.days[day] && sec >= r.start) || (r.days[(day+6)%7] && sec < r.end)
	}
}

var tdDayNames = map[string]time.Weekday{
	"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday, "wed": time.Wednesday,
	"thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday,
	"sunday": time.Sunday, "monday": time.Monday, "tuesday": time.Tuesday, "wednesday": time.Wednesday,
	"thursday": time.Thursday, "friday": time.Friday, "saturday": time.Saturday,
}

// tdDays reads a rule's required days.
func tdDays(it *tdItem) [7]bool {
	var days [7]bool
	list, count, ok := it.strings("days")
	if !ok || count == 0 {
		if !it.has("days") || ok {
			it.errorf("days", widgets.CodePropertyMissing, "days needs at least one day (mon, tue, wed, thu, fri, sat, sun)")
		}
		return days
	}
	for _, e := range list {
		d, ok := tdDayNames[strings.ToLower(strings.TrimSpace(e.s))]
		if !ok {
			it.errorf("days/"+strconv.Itoa(e.i), widgets.CodePropertyInvalid, "days[%d] must be one of mon, tue, wed, thu, fri, sat, sun, got %q", e.i, e.s)
			continue
		}
		days[d] = true
	}
	return days
}

// tdClock reads a rule's time of day HH:MM as seconds since midnight, or def
// when absent. allow24 admits 24:00 (an end).
func tdClock(it *tdItem, field string, def int, allow24 bool) int {
	s, ok := it.str(field)
	s = strings.TrimSpace(s)
	if !ok || s == "" {
		return def
	}
	if allow24 && s == "24:00" {
		return 24 * 3600
	}
	sec, ok := condition.Clock(s, false)
	if !ok {
		max := "23:59"
		if allow24 {
			max = "24:00"
		}
		it.errorf(field, widgets.CodePropertyInvalid, "%s must be a time of day HH:MM (00:00 to %s), got %q", field, max, s)
		return def
	}
	return sec
}
