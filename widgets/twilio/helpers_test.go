package twilio_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/studioflow/studioflow/flow"
	"github.com/studioflow/studioflow/widgets"
	"github.com/studioflow/studioflow/widgets/fake"
	"github.com/studioflow/studioflow/widgets/standard"
	"github.com/studioflow/studioflow/widgets/widgettest"
)

// The tests compile states on the standard registry, as an engine does.
var registry = standard.New()

// newStep returns a step on a live call, with services s.
func newStep(s *widgets.Services) *widgettest.Step { return widgettest.NewStep(s) }

// compile compiles one state of type typ with props.
func compile(t *testing.T, typ string, props map[string]any) (widgets.Node, flow.Problems) {
	t.Helper()
	return widgettest.Compile(t, registry, typ, props)
}

// mustCompile compiles a state that must have no errors.
func mustCompile(t *testing.T, typ string, props map[string]any) widgets.Node {
	t.Helper()
	return widgettest.MustCompile(t, registry, typ, props)
}

// mustCompileWired is mustCompile for a state whose transitions for
// events lead somewhere.
func mustCompileWired(t *testing.T, typ string, props map[string]any, events ...string) widgets.Node {
	t.Helper()
	n, ps := widgettest.CompileWired(t, registry, typ, props, events...)
	require.Empty(t, ps.Errors())
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
	kit := make([]widgettest.Check, len(cases))
	for i, c := range cases {
		kit[i] = widgettest.Check{Name: c.name, Props: c.props, Key: c.key, Code: c.code, Warn: c.warn}
	}
	widgettest.RunChecks(t, registry, typ, kit)
}

// props merges property maps, later ones winning.
func props(ms ...map[string]any) map[string]any { return widgettest.Props(ms...) }

// typeOf returns the registered type called name.
func typeOf(t *testing.T, name string) *widgets.Type {
	t.Helper()
	ty, ok := registry.Lookup(name)
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
	return widgettest.Run(t, n, sc)
}

// resume resumes a waiting node with ev.
func resume(t *testing.T, n widgets.Node, sc widgets.StepContext, ev widgets.Event) widgets.Result {
	t.Helper()
	return widgettest.Resume(t, n, sc, ev)
}

// parseFlow parses a flow definition written in a test.
func parseFlow(t *testing.T, src string) *flow.Definition {
	t.Helper()
	d, err := flow.Parse([]byte(src))
	require.NoError(t, err)
	return d
}
