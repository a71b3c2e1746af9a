package runtime_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studioflow/studioflow/flow"
	"github.com/studioflow/studioflow/runtime"
	"github.com/studioflow/studioflow/widgets"
	"github.com/studioflow/studioflow/widgets/standard"
)

const crmFlow = `{"description": "crm", "initial_state": "Trigger", "states": [
  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingRequest", "next": "crm"}], "properties": {}},
  {"name": "crm", "type": "crm-lookup", "transitions": [{"event": "found"}, {"event": "notFound"}], "properties": {"phone": "{{contact.channel.address}}"}}]}`

func crmType() widgets.Type {
	return widgets.Type{Name: "crm-lookup", Compile: func(p *widgets.Props) widgets.Node { return &crmNode{phone: p.RequiredText("phone")} }}
}

// An engine runs its own copy of the registry it was built with: what its
// creator registers or replaces afterwards changes nothing in it.
func TestChangingARegistryAfterBuildingAnEngineDoesNotChangeTheEngine(t *testing.T) {
	setter := `{"description": "set", "initial_state": "Trigger", "states": [
	  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingRequest", "next": "set"}], "properties": {}},
	  {"name": "set", "type": "set-variables", "transitions": [{"event": "next"}], "properties": {"variables": [{"key": "k", "value": "v"}]}}]}`
	reg := standard.New()
	h := newHarness(t, map[string]string{"FW": crmFlow, "FWset": setter}, runtime.WithWidgets(reg))
	assert.NotEmpty(t, h.engine.Check(mustParse(t, crmFlow)).Errors(), "crm-lookup is unknown to the engine")

	require.NoError(t, reg.Register(crmType()))
	require.NoError(t, reg.Replace(widgets.Type{Name: "set-variables", Compile: func(*widgets.Props) widgets.Node { return boomNode{} }}))
	_, err := h.engine.Start(context.Background(), rest)
	require.ErrorIs(t, err, flow.ErrInvalid, "still unknown: the engine's copy did not change")
	assert.Contains(t, err.Error(), "crm-lookup")
	set := rest
	set.FlowSid = "FWset"
	x := h.start(t, set)
	assert.Equal(t, runtime.StatusEnded, x.Status, "set-variables is still the engine's own, not the replacement: %s", x.Reason)
	assert.Equal(t, "v", x.Variables()["k"])

	// Nor does changing the registry the engine hands out.
	require.NoError(t, h.engine.Registry().Register(crmType()))
	_, err = h.engine.Start(context.Background(), rest)
	require.ErrorIs(t, err, flow.ErrInvalid)
	assert.Contains(t, err.Error(), "crm-lookup")
}

// Options compose in any order: WithWidget before WithWidgets is not
// dropped.
func TestWidgetOptionsInEitherOrderGiveTheSameEngine(t *testing.T) {
	for name, opts := range map[string][]runtime.Option{
		"widgets then widget": {runtime.WithWidgets(standard.New()), runtime.WithWidget(crmType())},
		"widget then widgets": {runtime.WithWidget(crmType()), runtime.WithWidgets(standard.New())},
		"widget alone":        {runtime.WithWidget(crmType())},
	} {
		t.Run(name, func(t *testing.T) {
			h := newHarness(t, map[string]string{"FW": crmFlow}, opts...)
			x := h.start(t, rest)
			assert.Equal(t, runtime.StatusEnded, x.Status, x.Reason)
			assert.Equal(t, []string{"incomingRequest:Trigger>crm", "notFound:crm>Ended"}, path(x))
		})
	}
}

// A type registered twice is refused, and says so.
func TestADuplicateWidgetIsRefused(t *testing.T) {
	h := newHarness(t, map[string]string{"FW": crmFlow}, runtime.WithWidget(crmType()), runtime.WithWidget(crmType()))
	_, err := h.engine.Start(context.Background(), rest)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `register "crm-lookup"`)
	assert.Contains(t, err.Error(), "already")
}

type twoFacedNode struct{}

func (twoFacedNode) Events() []string { return []string{"next"} }
func (twoFacedNode) Run(widgets.StepContext) (widgets.Result, error) {
	return widgets.Result{Event: "next", Wait: &widgets.Wait{Events: []string{"next"}}}, nil
}

// The engine refuses a result that is not valid, with a clear reason,
// instead of letting the order of a switch pick one of its fields.
func TestAnInvalidResultFailsTheStep(t *testing.T) {
	src := `{"description": "r", "initial_state": "Trigger", "states": [
	  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingRequest", "next": "w"}], "properties": {}},
	  {"name": "w", "type": "two-faced", "transitions": [{"event": "next"}], "properties": {}}]}`
	h := newHarness(t, map[string]string{"FW": src},
		runtime.WithWidget(widgets.Type{Name: "two-faced", Compile: func(*widgets.Props) widgets.Node { return twoFacedNode{} }}))
	x := h.start(t, rest)
	assert.Equal(t, runtime.StatusFailed, x.Status)
	assert.Equal(t, runtime.FailureWidget, x.FailureCode)
	assert.Contains(t, x.Reason, `state "w": the widget returned a result setting Event and Wait`)
}

// What an engine hands out (an execution's wait, a compiled node's events)
// is the caller's: changing it changes no engine, this one or another.
func TestChangingWhatAnEngineHandsOutChangesNoEngine(t *testing.T) {
	a := newHarness(t, map[string]string{"FWmenu": menuFlow})
	b := newHarness(t, map[string]string{"FWmenu": menuFlow})
	x := b.start(t, call("FWmenu"))
	require.NotNil(t, x.Wait)
	x.Wait.Events[0] = "hijacked"
	c, _ := standard.New().Compile(mustParse(t, menuFlow))
	for _, n := range c.Nodes {
		if ev := n.Events(); len(ev) > 0 {
			ev[0] = "hijacked"
		}
	}
	assert.Empty(t, a.engine.Check(mustParse(t, menuFlow)), "the flow still checks clean")
	y := a.start(t, call("FWmenu"))
	assert.Equal(t, []string{"keypress", "speech", "timeout"}, y.Wait.Events)
	z := a.resume(t, y.ID, "keypress", map[string]any{"Digits": "1"})
	assert.Equal(t, runtime.StatusEnded, z.Status)
}

// An engine whose options could not be applied refuses every call and
// touches no execution, the expiry pass included.
func TestAMisconfiguredEngineTouchesNothing(t *testing.T) {
	h := newHarness(t, map[string]string{"FWmenu": menuFlow})
	x := h.start(t, call("FWmenu"))
	h.clock.Advance(time.Hour)
	bad := runtime.New(runtime.WithSource(runtime.Definitions{"FWmenu": mustParse(t, menuFlow)}), runtime.WithStore(h.store),
		runtime.WithClock(h.clock.Now), runtime.WithWidget(widgets.Type{Name: "say-play", Compile: func(*widgets.Props) widgets.Node { return boomNode{} }}))
	require.Error(t, bad.Err())
	assert.Contains(t, bad.Err().Error(), `register "say-play"`)
	n, err := bad.Expire(context.Background())
	assert.Equal(t, 0, n)
	assert.ErrorContains(t, err, "misconfigured")
	_, err = bad.End(context.Background(), x.ID, "operator")
	assert.ErrorContains(t, err, "misconfigured")
	ps := bad.Check(mustParse(t, menuFlow))
	require.Len(t, ps, 1)
	assert.Equal(t, runtime.CodeMisconfigured, ps[0].Code)
	still, err := h.engine.Get(context.Background(), x.ID)
	require.NoError(t, err)
	assert.Equal(t, runtime.StatusActive, still.Status, "the waiting execution is untouched")
}
