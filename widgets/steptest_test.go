package widgets_test

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studioflow/studioflow/flow"
	"github.com/studioflow/studioflow/widgets"
	"github.com/studioflow/studioflow/widgets/fake"
)

// step is a StepContext for driving one node directly. Its renderer
// resolves {{ a.b.c }} paths only, which is all these tests need; the
// end-to-end tests use the runtime's Liquid.
type step struct {
	ctx              context.Context
	state            string
	now              time.Time
	services         *widgets.Services
	root             map[string]any
	call             widgets.Call
	trigger          string
	contact, address string
	ids              int
}

// newStep returns a step on a live call, with services s.
func newStep(s *widgets.Services) *step {
	return &step{
		ctx: context.Background(), state: "w", now: time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC), services: s,
		root: map[string]any{
			"flow":    map[string]any{"variables": map[string]any{}, "channel": map[string]any{"address": "+15550009999"}},
			"trigger": map[string]any{"call": map[string]any{"CallSid": "CA100", "From": "+15550001111"}},
			"widgets": map[string]any{},
			"contact": map[string]any{"channel": map[string]any{"address": "+15550001111"}},
		},
		call: widgets.Call{Sid: "CA100", Live: true}, trigger: "incomingCall",
		contact: "+15550001111", address: "+15550009999",
	}
}

// set writes value at a dotted path of the context.
func (s *step) set(path string, value any) *step {
	keys := strings.Split(path, ".")
	m := s.root
	for _, k := range keys[:len(keys)-1] {
		next, ok := m[k].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[k] = next
		}
		m = next
	}
	m[keys[len(keys)-1]] = value
	return s
}

// messaging turns the step into a messaging execution with no call.
func (s *step) messaging() *step {
	s.call, s.trigger = widgets.Call{}, "incomingMessage"
	s.root["trigger"] = map[string]any{"message": map[string]any{"Body": "hi there", "From": s.contact}}
	return s
}

func (s *step) Context() context.Context              { return s.ctx }
func (s *step) StateName() string                     { return s.state }
func (s *step) Now() time.Time                        { return s.now }
func (s *step) Intn(int) int                          { return 0 }
func (s *step) Services() *widgets.Services           { return s.services }
func (s *step) SetVariable(key string, v any)         { s.set("flow.variables."+key, v) }
func (s *step) TriggerEvent() string                  { return s.trigger }
func (s *step) ContactAddress() string                { return s.contact }
func (s *step) FlowAddress() string                   { return s.address }
func (s *step) Call() widgets.Call                    { return s.call }
func (s *step) NewID(prefix string) string            { s.ids++; return fmt.Sprintf("%s%08d", prefix, s.ids) }
func (s *step) Lookup(path string) (any, bool)        { return lookup(s.root, path) }
func (s *step) withContext(ctx context.Context) *step { s.ctx = ctx; return s }

var pathRE = regexp.MustCompile(`\{\{\s*([A-Za-z_][A-Za-z0-9_.]*)\s*\}\}`)

func (s *step) Render(t widgets.Text) (string, error) {
	if !t.Dynamic {
		return t.Src, nil
	}
	out := pathRE.ReplaceAllStringFunc(t.Src, func(m string) string {
		v, _ := s.Lookup(pathRE.FindStringSubmatch(m)[1])
		if v == nil {
			return ""
		}
		return fmt.Sprint(v)
	})
	if widgets.IsTemplate(out) {
		return "", fmt.Errorf("the test renderer cannot render %q", t.Src)
	}
	return out, nil
}

func lookup(m map[string]any, path string) (any, bool) {
	var cur any = m
	for _, k := range strings.Split(path, ".") {
		mm, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = mm[k]; !ok {
			return nil, false
		}
	}
	return cur, true
}

// compile compiles one state of type typ with props.
func compile(t *testing.T, typ string, props map[string]any) (widgets.Node, flow.Problems) {
	t.Helper()
	st := flow.State{Name: "w", Type: typ, Transitions: []flow.Transition{}, Properties: map[string]json.RawMessage{}}
	for k, v := range props {
		b, err := json.Marshal(v)
		require.NoError(t, err)
		st.Properties[k] = b
	}
	c, ps := widgets.Standard().Compile(&flow.Definition{States: []flow.State{st}})
	require.NotNil(t, c.Nodes[0], "type %s did not compile", typ)
	return c.Nodes[0], ps
}

// mustCompile compiles a state that must have no errors.
func mustCompile(t *testing.T, typ string, props map[string]any) widgets.Node {
	t.Helper()
	n, ps := compile(t, typ, props)
	require.Empty(t, ps.Errors(), "unexpected problems: %s", ps)
	return n
}

// check is one property-check case: props compile with an error (or, when
// warn is set, a warning) of code on property key, or with no error at all
// when key is empty.
type check struct {
	name      string
	props     map[string]any
	key, code string
	warn      bool
}

func runChecks(t *testing.T, typ string, cases []check) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, ps := compile(t, typ, c.props)
			if c.key == "" {
				assert.Empty(t, ps.Errors(), "unexpected errors: %s", ps)
				return
			}
			want := ps.Errors()
			if c.warn {
				want = ps.Warnings()
				assert.Empty(t, ps.Errors(), "unexpected errors: %s", ps)
			}
			path := flow.PropertyPath(0, c.key)
			for _, p := range want {
				if p.Path == path && p.Code == c.code {
					return
				}
			}
			t.Errorf("want %s at %s; got %s", c.code, path, ps)
		})
	}
}

// props merges property maps, later ones winning.
func props(ms ...map[string]any) map[string]any {
	out := map[string]any{}
	for _, m := range ms {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

// typeOf returns the registered type called name.
func typeOf(t *testing.T, name string) *widgets.Type {
	t.Helper()
	ty, ok := widgets.Standard().Lookup(name)
	require.True(t, ok, "type %s is not registered", name)
	return ty
}

// spyVoice records the last request of each kind, then lets the fake act.
type spyVoice struct {
	*fake.Voice
	dial     widgets.Dial
	rec      widgets.Recording
	enqueue  widgets.Enqueue
	redirect widgets.Redirect
	out      widgets.OutboundCall
	callSid  string
}

func newSpyVoice() (*spyVoice, *fake.Transcript) {
	t := &fake.Transcript{}
	return &spyVoice{Voice: &fake.Voice{T: t}}, t
}

func (v *spyVoice) Connect(ctx context.Context, call string, d widgets.Dial) error {
	v.dial, v.callSid = d, call
	return v.Voice.Connect(ctx, call, d)
}

func (v *spyVoice) Record(ctx context.Context, call string, r widgets.Recording) error {
	v.rec, v.callSid = r, call
	return v.Voice.Record(ctx, call, r)
}

func (v *spyVoice) RecordCall(ctx context.Context, call string, r widgets.Recording) (widgets.RecordingInfo, error) {
	v.rec, v.callSid = r, call
	return v.Voice.RecordCall(ctx, call, r)
}

func (v *spyVoice) Enqueue(ctx context.Context, call string, q widgets.Enqueue) error {
	v.enqueue, v.callSid = q, call
	return v.Voice.Enqueue(ctx, call, q)
}

func (v *spyVoice) Redirect(ctx context.Context, call string, r widgets.Redirect) error {
	v.redirect, v.callSid = r, call
	return v.Voice.Redirect(ctx, call, r)
}

func (v *spyVoice) Call(ctx context.Context, c widgets.OutboundCall) (string, error) {
	v.out = c
	return v.Voice.Call(ctx, c)
}

// voiceServices returns services whose voice is a spy.
func voiceServices() (*widgets.Services, *spyVoice) {
	v, _ := newSpyVoice()
	return &widgets.Services{Voice: v}, v
}

// run runs n on sc, failing the test on an error.
func run(t *testing.T, n widgets.Node, sc widgets.StepContext) widgets.Result {
	t.Helper()
	res, err := n.Run(sc)
	require.NoError(t, err)
	return res
}

// resume resumes a waiting node with ev.
func resume(t *testing.T, n widgets.Node, sc widgets.StepContext, ev widgets.Event) widgets.Result {
	t.Helper()
	r, ok := n.(widgets.Resumer)
	require.True(t, ok, "%T does not implement Resumer", n)
	res, err := r.Resume(sc, ev)
	require.NoError(t, err)
	return res
}

// parseFlow parses a flow definition written in a test.
func parseFlow(t *testing.T, src string) *flow.Definition {
	t.Helper()
	d, err := flow.Parse([]byte(src))
	require.NoError(t, err)
	return d
}
