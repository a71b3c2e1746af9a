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

// CalendarBasedRules is Talkdesk's Calendar-based rules: it branches on the
// date in a time zone, such as holidays.
//
//	{ "name": "calendar", "type": "calendar-based-rules",
//	  "transitions": [ {"event": "christmas", "next": "closed"},
//	                   {"event": "stocktaking", "next": "closed"},
//	                   {"event": "noMatch", "next": "open"} ],
//	  "properties": { "timezone": "Europe/Lisbon",
//	                  "rules": [ {"name": "christmas", "dates": ["2026-12-24", "2026-12-25"], "annual": true},
//	                             {"name": "stocktaking", "dates": ["2027-01-04"]} ] } }
//
// Properties:
//   - timezone (required): an IANA time zone name, checked when the
//     definition is compiled, as for time-based-rules.
//   - rules (required, at least one): each {name, dates, annual}. name
//     (required, unique, not "noMatch") is the event the rule takes. dates
//     (required, at least one) are calendar days YYYY-MM-DD. annual
//     (default false; "true" and "false" strings accepted) makes each date
//     match its month and day in every year, so 2026-12-25 also matches
//     2031-12-25 (and 2019-12-25: the year written is ignored).
//
// The date is the zone's local date at the engine's clock
// (StepContext.Now). An annual February 29 matches only February 29, that is
// in leap years only; it is reported as a warning, since such a rule skips
// three years in four.
//
// Events: one per rule name, in order, then noMatch. The first rule with a
// matching date wins; when none has one the step takes noMatch. Outputs:
// rule (the rule taken, "" on noMatch) and local_date (the date the rules
// were evaluated at, YYYY-MM-DD).
func CalendarBasedRules() widgets.Type {
	return widgets.Type{
		Vendor: flow.VendorTalkdesk,
		Name:   "calendar-based-rules",
		Compile: func(p *widgets.Props) widgets.Node {
			n := &tdCalendarNode{loc: tdZone(p, "timezone")}
			seen := map[string]int{}
			for _, it := range tdItems(p, "rules", true) {
				r := tdCalendarRule{name: it.name(seen, NoMatchEvent), annual: it.boolean("annual", false)}
				list, count, ok := it.strings("dates")
				if (!ok && !it.has("dates")) || (ok && count == 0) {
					it.errorf("dates", widgets.CodePropertyMissing, "dates needs at least one date YYYY-MM-DD")
				}
				for _, e := range list {
					i, s := e.i, strings.TrimSpace(e.s)
					ymd, ok := condition.Date(s)
					if !ok {
						it.errorf("dates/"+strconv.Itoa(i), widgets.CodePropertyInvalid, "dates[%d] must be a calendar day YYYY-MM-DD, got %q", i, s)
						continue
					}
					if r.annual && ymd%10000 == 229 {
						it.reportf("dates/"+strconv.Itoa(i), widgets.CodePropertyInvalid, flow.SeverityWarning,
							"dates[%d] is February 29 and annual: it matches in leap years only", i)
					}
					r.dates = append(r.dates, ymd)
				}
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

type tdCalendarRule struct {
	name   string
	dates  []int // YYYYMMDD
	annual bool
}

type tdCalendarNode struct {
	loc    *time.Location
	rules  []tdCalendarRule
	events []string
}

func (n *tdCalendarNode) Events() []string { return slices.Clone(n.events) }

func (n *tdCalendarNode) Run(sc widgets.StepContext) (widgets.Result, error) {
	now := sc.Now().In(n.loc)
	y, m, d := now.Date()
	ymd := y*10000 + int(m)*100 + d
	date := now.Format(time.DateOnly)
	for _, r := range n.rules {
		if r.holds(ymd) {
			return widgets.Result{Event: r.name, Outputs: map[string]any{"rule": r.name, "local_date": date}}, nil
		}
	}
	return widgets.Result{Event: NoMatchEvent, Outputs: map[string]any{"rule": "", "local_date": date}}, nil
}

func (r *tdCalendarRule) holds(ymd int) bool {
	for _, d := range r.dates {
		if d == ymd || (r.annual && d%10000 == ymd%10000) {
			return true
		}
	}
	return false
}
