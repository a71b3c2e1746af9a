package talkdesk_test

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studioflow/studioflow/flow"
	"github.com/studioflow/studioflow/runtime"
	"github.com/studioflow/studioflow/widgets"
	"github.com/studioflow/studioflow/widgets/standard"
	"github.com/studioflow/studioflow/widgets/talkdesk"
	"github.com/studioflow/studioflow/widgets/widgettest"
)

// Shared test doubles of the Talkdesk widget tests. Everything here is
// prefixed td so as not to clash with other test files of package
// widgets_test.

// tdStep is a StepContext double. Render substitutes {{ path }} with
// vars[path] (absent: empty, as Liquid renders nil); any other markup is an
// error.
type tdStep struct {
	ctx      context.Context
	now      time.Time
	intn     func(n int) int
	services *widgets.Services
	vars     map[string]string
	contact  string
	address  string
	call     widgets.Call
}

func tdNewStep() *tdStep {
	return &tdStep{
		ctx:      context.Background(),
		now:      time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC),
		intn:     func(int) int { return 0 },
		services: &widgets.Services{},
		vars:     map[string]string{},
		contact:  "+15550001111",
		address:  "+15559990000",
	}
}

var tdVarRe = regexp.MustCompile(`\{\{\s*([A-Za-z0-9_.]+)\s*\}\}`)

func (s *tdStep) Context() context.Context       { return s.ctx }
func (s *tdStep) StateName() string              { return "w" }
func (s *tdStep) Now() time.Time                 { return s.now }
func (s *tdStep) Intn(n int) int                 { return s.intn(n) }
func (s *tdStep) NewID(prefix string) string     { return prefix + "0001" }
func (s *tdStep) Services() *widgets.Services    { return s.services }
func (s *tdStep) SetVariable(string, any)        {}
func (s *tdStep) Shared(string) (any, bool)      { return nil, false }
func (s *tdStep) SetShared(string, any) error    { return nil }
func (s *tdStep) TriggerEvent() string           { return flow.EventIncomingRequest }
func (s *tdStep) ContactAddress() string         { return s.contact }
func (s *tdStep) FlowAddress() string            { return s.address }
func (s *tdStep) Call() widgets.Call             { return s.call }
func (s *tdStep) Lookup(path string) (any, bool) { v, ok := s.vars[path]; return v, ok }

func (s *tdStep) Render(t widgets.Text) (string, error) {
	if !t.Dynamic {
		return t.Src, nil
	}
	out := tdVarRe.ReplaceAllStringFunc(t.Src, func(m string) string {
		return s.vars[tdVarRe.FindStringSubmatch(m)[1]]
	})
	if widgets.IsTemplate(out) {
		return "", fmt.Errorf("tdStep: cannot render %q", t.Src)
	}
	return out, nil
}

// tdCompile compiles one state of type typ with the given properties (a
// JSON object) and transitions on events, with the standard registry, as
// state 0 of a definition. It returns the node and the problems found.
func tdCompile(t *testing.T, typ, props string, events ...string) (widgets.Node, flow.Problems) {
	t.Helper()
	trs := make([]string, len(events))
	for i, e := range events {
		trs[i] = fmt.Sprintf(`{"event": %q}`, e)
	}
	if props == "" {
		props = "{}"
	}
	doc := fmt.Sprintf(`{"initial_state": "w", "states": [{"name": "w", "type": %q, "transitions": [%s], "properties": %s}]}`,
		typ, strings.Join(trs, ", "), props)
	d, err := flow.Parse([]byte(doc))
	require.NoError(t, err, doc)
	c, ps := standard.New().Compile(d)
	return c.Nodes[0], ps
}

// tdMustCompile compiles as tdCompile and requires no problem at all.
func tdMustCompile(t *testing.T, typ, props string, events ...string) widgets.Node {
	t.Helper()
	n, ps := tdCompile(t, typ, props, events...)
	require.Empty(t, ps, "problems: %v", ps)
	require.NotNil(t, n)
	return n
}

// tdProblems formats problems as "PATH CODE", with " (warning)" appended to
// warnings, for exact comparison in tables.
func tdProblems(ps flow.Problems) []string {
	out := make([]string, 0, len(ps))
	for _, p := range ps {
		s := p.Path + " " + p.Code
		if p.Severity == flow.SeverityWarning {
			s += " (warning)"
		}
		out = append(out, s)
	}
	return out
}

// tdNilIfEmpty returns nil for an empty list, for comparing problem lists
// with a nil expectation.
func tdNilIfEmpty(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
}

// tdProp is the path of property key of state 0, as tdCompile builds it.
func tdProp(key string) string { return "#/states/0/properties/" + key }

// tdVoice is a Voice double that records every operation as a line such as
// "call from=+1 to=+2 timeout=15s" and can be told to fail.
type tdVoice struct {
	mu    sync.Mutex
	ops   []string
	dials []widgets.Dial
	calls []widgets.OutboundCall
	fail  error
	sid   string
}

func (v *tdVoice) add(format string, args ...any) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.fail != nil {
		return v.fail
	}
	v.ops = append(v.ops, fmt.Sprintf(format, args...))
	return nil
}

func (v *tdVoice) lines() []string {
	v.mu.Lock()
	defer v.mu.Unlock()
	return append([]string(nil), v.ops...)
}

func (v *tdVoice) Say(_ context.Context, call string, p widgets.Prompt) error {
	return v.add("say %s %q", call, p.Say)
}

func (v *tdVoice) Gather(_ context.Context, call string, g widgets.Gather) error {
	return v.add("gather %s", call)
}

func (v *tdVoice) Connect(_ context.Context, call string, d widgets.Dial) error {
	if err := v.add("connect %s %s to=%s caller_id=%s timeout=%s", call, d.Noun, d.To, d.CallerID, d.Timeout); err != nil {
		return err
	}
	v.mu.Lock()
	v.dials = append(v.dials, d)
	v.mu.Unlock()
	return nil
}

func (v *tdVoice) Record(_ context.Context, call string, r widgets.Recording) error {
	return v.add("record %s", call)
}

func (v *tdVoice) Enqueue(_ context.Context, call string, q widgets.Enqueue) error {
	return v.add("enqueue %s", call)
}

func (v *tdVoice) Redirect(_ context.Context, call string, r widgets.Redirect) error {
	return v.add("redirect %s", call)
}

func (v *tdVoice) Hangup(_ context.Context, call string) error {
	return v.add("hangup %s", call)
}

func (v *tdVoice) Call(_ context.Context, c widgets.OutboundCall) (string, error) {
	if err := v.add("call from=%s to=%s timeout=%s", c.From, c.To, c.Timeout); err != nil {
		return "", err
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	v.calls = append(v.calls, c)
	if v.sid != "" {
		return v.sid, nil
	}
	return fmt.Sprintf("CA%04d", len(v.calls)), nil
}

// tdEngine returns an engine running def (JSON) as flow "FW", with the
// given services, a fixed clock at now, sequential ids and seed 1, plus any
// more options.
func tdEngine(t *testing.T, def string, services *widgets.Services, now time.Time, opts ...runtime.Option) (*runtime.Engine, *runtime.FixedClock) {
	t.Helper()
	d, err := flow.Parse([]byte(def))
	require.NoError(t, err)
	clock := runtime.NewFixedClock(now)
	if services == nil {
		services = &widgets.Services{}
	}
	all := append([]runtime.Option{
		runtime.WithSource(runtime.Definitions{"FW": d}),
		runtime.WithServices(services),
		runtime.WithClock(clock.Now),
		runtime.WithIDs(runtime.SequentialIDs()),
		runtime.WithSeed(1),
	}, opts...)
	e := runtime.New(all...)
	require.Empty(t, e.Check(d).Errors(), "the test flow has errors")
	return e, clock
}

// tdSteps formats an execution's steps as "FROM -event-> TO".
func tdSteps(x *runtime.Execution) []string {
	out := make([]string, len(x.Steps))
	for i, s := range x.Steps {
		out[i] = fmt.Sprintf("%s -%s-> %s", s.From, s.Name, s.To)
	}
	return out
}

// tdJSON compacts a JSON literal, for readable expectations.
func tdJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}

func TestTalkdeskTypesRegistered(t *testing.T) {
	reg := standard.New()
	tests := []struct {
		name           string
		needsCall      bool
		placesCall     bool
		providesCallOn []string
		endsCallOn     []string
	}{
		{name: "make-outbound-call", placesCall: true, providesCallOn: []string{"answered"}},
		{name: "forward-to-external-number", needsCall: true, endsCallOn: []string{"completed"}},
		{name: "time-based-rules"},
		{name: "calendar-based-rules"},
		{name: "conditional-statement"},
		{name: "traffic-splitter"},
		{name: "execute-action"},
		{name: "end-flow"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			typ, ok := reg.Lookup(tt.name)
			require.True(t, ok)
			assert.Equal(t, tt.needsCall, typ.NeedsCall, "NeedsCall")
			assert.False(t, typ.NeedsMessaging, "NeedsMessaging")
			assert.Equal(t, tt.placesCall, typ.PlacesCall, "PlacesCall")
			assert.Equal(t, tt.providesCallOn, typ.ProvidesCallOn, "ProvidesCallOn")
			assert.Equal(t, tt.endsCallOn, typ.EndsCallOn, "EndsCallOn")
		})
	}
}

// TestTalkdeskEventsChecked checks that transitions on events a widget
// does not emit are reported, with the dynamic event lists of the rule and
// exit widgets.
func TestTalkdeskEventsChecked(t *testing.T) {
	tests := []struct {
		typ, props string
		ok         []string
		bad        string
	}{
		{"make-outbound-call", `{}`, []string{"answered", "busy", "noAnswer", "invalidNumber"}, "failed"},
		{"forward-to-external-number", `{"to": "+15550100000"}`, []string{"completed", "noAnswer", "invalidNumber"}, "hangup"},
		{"time-based-rules", `{"timezone": "UTC", "rules": [{"name": "open", "days": ["mon"]}, {"name": "late", "days": ["fri"]}]}`,
			[]string{"open", "late", "noMatch"}, "closed"},
		{"calendar-based-rules", `{"timezone": "UTC", "rules": [{"name": "xmas", "dates": ["2026-12-25"]}]}`,
			[]string{"xmas", "noMatch"}, "newYear"},
		{"conditional-statement", `{"exits": [{"name": "vip", "conditions": [{"arguments": ["{{a}}"], "type": "is_blank"}]}]}`,
			[]string{"vip", "noMatch"}, "match"},
		{"traffic-splitter", `{"exits": [{"name": "a"}, {"name": "b"}]}`, []string{"a", "b"}, "noMatch"},
		{"execute-action", `{"action": "x"}`, []string{"success", "error", "timeout"}, "failed"},
		{"end-flow", `{}`, nil, "next"},
	}
	for _, tt := range tests {
		t.Run(tt.typ, func(t *testing.T) {
			n, ps := tdCompile(t, tt.typ, tt.props, tt.ok...)
			require.Empty(t, ps)
			assert.Equal(t, tt.ok, n.Events())

			_, ps = tdCompile(t, tt.typ, tt.props, append(append([]string(nil), tt.ok...), tt.bad)...)
			require.Len(t, ps, 1)
			assert.Equal(t, fmt.Sprintf("#/states/0/transitions/%d/event", len(tt.ok)), ps[0].Path)
			assert.Equal(t, widgets.CodeEventNotEmitted, ps[0].Code)
		})
	}
}

// TestTalkdeskGodocExamples compiles the JSON example in the godoc of each
// Talkdesk type, so the documented format and the code cannot drift apart.
func TestTalkdeskGodocExamples(t *testing.T) {
	widgettest.DocExamples(t, ".", standard.New(), map[string]func() widgets.Type{
		"MakeOutboundCall":        talkdesk.MakeOutboundCall,
		"ForwardToExternalNumber": talkdesk.ForwardToExternalNumber,
		"TimeBasedRules":          talkdesk.TimeBasedRules,
		"CalendarBasedRules":      talkdesk.CalendarBasedRules,
		"ConditionalStatement":    talkdesk.ConditionalStatement,
		"TrafficSplitter":         talkdesk.TrafficSplitter,
		"ExecuteAction":           talkdesk.ExecuteAction,
		"EndFlow":                 talkdesk.EndFlow,
	})
}
