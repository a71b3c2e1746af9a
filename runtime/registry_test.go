package runtime_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

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
	reg := standard.New()
	h := newHarness(t, map[string]string{"FW": crmFlow}, runtime.WithWidgets(reg))
	assert.NotEmpty(t, h.engine.Check(mustParse(t, crmFlow)).Errors(), "crm-lookup is unknown to the engine")

	require.NoError(t, reg.Register(crmType()))
	require.NoError(t, reg.Replace(widgets.Type{Name: "set-variables", Compile: func(*widgets.Props) widgets.Node { return boomNode{} }}))
	_, err := h.engine.Start(context.Background(), rest)
	require.Error(t, err, "still unknown: the engine's copy did not change")
	assert.Contains(t, err.Error(), "crm-lookup")

	// Nor does changing the registry the engine hands out.
	h.engine.Registry().Register(crmType())
	_, err = h.engine.Start(context.Background(), rest)
	require.Error(t, err)
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
