package talkdesk

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/studioflow/studioflow/widgets"

	"github.com/studioflow/studioflow/flow"
)

// Types returns Talkdesk Studio's components, each a new value: changing
// one changes nothing else. Their JSON format is this library's own (SPEC
// §2b): each function's godoc shows a state of it.
func Types() []widgets.Type {
	return []widgets.Type{
		MakeOutboundCall(),
		ForwardToExternalNumber(),
		TimeBasedRules(),
		CalendarBasedRules(),
		ConditionalStatement(),
		TrafficSplitter(),
		ExecuteAction(),
		EndFlow(),
	}
}

// Register adds every type Types returns to r, or none: a name r holds
// already is an error that names it.
func Register(r *widgets.Registry) error { return r.RegisterAll(Types()...) }

// NoMatchEvent is the event the rule-based Talkdesk components
// (time-based-rules, calendar-based-rules, conditional-statement) take when
// no rule or exit holds.
const NoMatchEvent = "noMatch"

// tdOutcomeGrace is added to a ring timeout to form the deadline of a wait
// for a call outcome, so that the engine's expiry pass does not race the
// host's own report of the outcome.
const tdOutcomeGrace = time.Minute

// tdPhone reads s as a phone number that can be dialled: after removing
// spaces, hyphens, dots and parentheses, an optional leading "+" and then 1
// to 15 digits (E.164's maximum) and nothing else. It returns the number
// without the separators. An empty string, text without digits, letters,
// SIP or client addresses are not phone numbers.
func tdPhone(s string) (string, bool) {
	s = strings.TrimSpace(s)
	var b strings.Builder
	b.Grow(len(s))
	digits := 0
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
			b.WriteRune(r)
		case r == '+' && i == 0:
			b.WriteRune(r)
		case r == ' ' || r == '-' || r == '.' || r == '(' || r == ')':
		default:
			return s, false
		}
	}
	if digits < 1 || digits > 15 {
		return s, false
	}
	return b.String(), true
}

// tdNumberText reads a phone-number property that may be a template. A fixed
// value is checked now; a template is checked when the step runs.
func tdNumberText(p *widgets.Props, key string, required bool) widgets.Text {
	var t widgets.Text
	if required {
		t = p.RequiredText(key)
	} else {
		t = p.Text(key)
	}
	if !t.Dynamic && strings.TrimSpace(t.Src) != "" && !tdIsPhone(t.Src) {
		p.Errorf(key, widgets.CodePropertyInvalid,
			"%s must be a phone number (an optional + and 1 to 15 digits) or a template, got %q", key, t.Src)
	}
	return t
}

// tdZone reads the required IANA time zone property key. "Local" is refused:
// it would make a flow behave differently on each host.
func tdZone(p *widgets.Props, key string) *time.Location {
	name := strings.TrimSpace(p.RequiredString(key))
	if name == "" {
		return time.UTC
	}
	if name == "Local" {
		p.Errorf(key, widgets.CodePropertyInvalid, "%s must name an IANA time zone such as Europe/Lisbon; Local depends on the host", key)
		return time.UTC
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		p.Errorf(key, widgets.CodePropertyInvalid, "%s %q is not a known IANA time zone: %v", key, name, err)
		return time.UTC
	}
	return loc
}

// tdItem is one object of a list property (a rule, an exit, a condition):
// it reads fields loosely, as Props does, and reports problems with the
// item's JSON path and a label naming the item in the message.
type tdItem struct {
	p     *widgets.Props
	path  string // relative to the properties object: "rules/2"
	label string // for messages: `rules[2]`, then `rules[2] ("lunch")` once named
	m     map[string]json.RawMessage
}

// tdItems decodes list property key into its objects. It reports a problem
// when the property has the wrong shape, and, when required, when it is
// absent or empty.
func tdItems(p *widgets.Props, key string, required bool) []*tdItem {
	var raws []json.RawMessage
	ok := p.Decode(key, &raws)
	if !ok {
		if required && !p.Has(key) {
			p.Errorf(key, widgets.CodePropertyMissing, "%s is required and needs at least one item", key)
		}
		return nil
	}
	if len(raws) == 0 && required {
		p.Errorf(key, widgets.CodePropertyMissing, "%s needs at least one item", key)
	}
	return tdObjects(p, key, key, raws)
}

// tdObjects turns raw list items into tdItems under path, reporting items
// that are not objects.
func tdObjects(p *widgets.Props, path, label string, raws []json.RawMessage) []*tdItem {
	out := make([]*tdItem, 0, len(raws))
	for i, raw := range raws {
		it := &tdItem{p: p, path: path + "/" + strconv.Itoa(i), label: fmt.Sprintf("%s[%d]", label, i)}
		if err := json.Unmarshal(raw, &it.m); err != nil || it.m == nil {
			it.errorf("", widgets.CodePropertyInvalid, "must be an object")
			continue
		}
		out = append(out, it)
	}
	return out
}

// errorf reports a problem on field of the item ("" for the item itself).
func (it *tdItem) errorf(field, code, format string, args ...any) {
	it.reportf(field, code, flow.SeverityError, format, args...)
}

func (it *tdItem) reportf(field, code string, sev flow.Severity, format string, args ...any) {
	path := it.path
	if field != "" {
		path += "/" + field
	}
	it.p.Report(path, code, sev, "%s: %s", it.label, fmt.Sprintf(format, args...))
}

// has reports whether field is present and not null.
func (it *tdItem) has(field string) bool {
	raw, ok := it.m[field]
	return ok && string(raw) != "null"
}

// str returns field as text: strings unquoted, numbers and booleans as
// written. ok is false when absent, null or not a scalar (reported).
func (it *tdItem) str(field string) (string, bool) {
	raw, present := it.m[field]
	if !present || string(raw) == "null" {
		return "", false
	}
	switch raw[0] {
	case '{', '[':
		it.errorf(field, widgets.CodePropertyInvalid, "%s must be a string, a number or a boolean", field)
		return "", false
	}
	return widgets.Scalar(raw)
}

// name reads the item's required, unique name, and names the item in later
// messages. reserved names (an event the widget emits itself) are refused.
func (it *tdItem) name(seen map[string]int, reserved ...string) string {
	s, _ := it.str("name")
	if strings.TrimSpace(s) == "" {
		it.errorf("name", widgets.CodePropertyMissing, "name is required")
		return ""
	}
	it.label = fmt.Sprintf("%s (%q)", it.label, s)
	for _, r := range reserved {
		if s == r {
			it.errorf("name", widgets.CodePropertyInvalid, "the name %q is taken by the widget's own event", s)
			return ""
		}
	}
	if first, dup := seen[s]; dup {
		it.errorf("name", widgets.CodePropertyInvalid, "the name %q is already used by item %d; names must be unique", s, first)
		return ""
	}
	seen[s] = len(seen)
	return s
}

// boolean reads field as a boolean ("true" and "false" strings accepted), or
// def when absent.
func (it *tdItem) boolean(field string, def bool) bool {
	s, ok := it.str(field)
	if !ok || s == "" {
		return def
	}
	b, err := strconv.ParseBool(strings.TrimSpace(s))
	if err != nil {
		it.errorf(field, widgets.CodePropertyInvalid, "%s must be true or false, got %q", field, s)
		return def
	}
	return b
}

// integer reads field as a whole number in [min, max] (string-encoded
// numbers accepted), or def when absent.
func (it *tdItem) integer(field string, def, min, max int) int {
	s, ok := it.str(field)
	s = strings.TrimSpace(s)
	if !ok || s == "" {
		return def
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f != math.Trunc(f) {
		it.errorf(field, widgets.CodePropertyInvalid, "%s must be a whole number, got %q", field, s)
		return def
	}
	if f < float64(min) || f > float64(max) {
		it.errorf(field, widgets.CodePropertyRange, "%s must be between %d and %d, got %s", field, min, max, s)
		return def
	}
	return int(f)
}

// list decodes field as a JSON array. ok is false when absent (not
// reported) or not an array (reported).
func (it *tdItem) list(field string) ([]json.RawMessage, bool) {
	if !it.has(field) {
		return nil, false
	}
	var raws []json.RawMessage
	if err := json.Unmarshal(it.m[field], &raws); err != nil {
		it.errorf(field, widgets.CodePropertyInvalid, "%s must be a list", field)
		return nil, false
	}
	return raws, true
}

// tdElem is one scalar item of a list field, with its index in the list.
type tdElem struct {
	i int
	s string
}

// strings decodes field as a list of scalars, as text, and returns how many
// items the list has. Items that are objects or lists are reported and left
// out; each item kept carries its index.
func (it *tdItem) strings(field string) (out []tdElem, n int, ok bool) {
	raws, ok := it.list(field)
	if !ok {
		return nil, 0, false
	}
	out = make([]tdElem, 0, len(raws))
	for i, raw := range raws {
		if len(raw) > 0 && (raw[0] == '{' || raw[0] == '[') {
			it.errorf(field+"/"+strconv.Itoa(i), widgets.CodePropertyInvalid, "%s[%d] must be a string", field, i)
			continue
		}
		s, _ := widgets.Scalar(raw)
		out = append(out, tdElem{i: i, s: s})
	}
	return out, len(raws), true
}

func tdIsPhone(s string) bool {
	_, ok := tdPhone(s)
	return ok
}

var errNoVoice = widgets.NotConfigured("voice", "no voice service is configured")
