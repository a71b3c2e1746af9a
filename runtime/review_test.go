package runtime_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studioflow/studioflow/runtime"
	"github.com/studioflow/studioflow/widgets"
)

// failingSaves fails the next n saves.
type failingSaves struct {
	*runtime.MemoryStore
	n int
}

func (s *failingSaves) Save(ctx context.Context, x *runtime.Execution) error {
	if s.n > 0 {
		s.n--
		return errors.New("database timeout")
	}
	return s.MemoryStore.Save(ctx, x)
}

func TestStartWhoseSaveFailsReleasesTheSession(t *testing.T) {
	store := &failingSaves{MemoryStore: runtime.NewMemoryStore(), n: 1}
	h := newHarness(t, map[string]string{"FWr": replyFlow}, runtime.WithStore(store))
	req := runtime.StartRequest{FlowSid: "FWr", Trigger: runtime.TriggerRequest, Contact: "+1", FlowAddress: "+2"}
	_, err := h.engine.Start(context.Background(), req)
	require.EqualError(t, err, "database timeout")
	// The half-started execution is failed, not left holding the contact.
	x := h.start(t, req)
	assert.Equal(t, "FN00000002", x.ID)
	first, err := h.engine.Get(context.Background(), "FN00000001")
	require.NoError(t, err)
	assert.Equal(t, runtime.StatusFailed, first.Status)
	assert.Equal(t, runtime.FailureStore, first.FailureCode)
	assert.Contains(t, first.Reason, "database timeout", "the reason names the store's error")
}

func TestExpireGoesOnPastAnExecutionItCannotAdvance(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t, map[string]string{"FWa": replyFlow, "FWb": replyFlow})
	a := h.start(t, runtime.StartRequest{FlowSid: "FWa", Trigger: runtime.TriggerRequest, Contact: "+1", FlowAddress: "+2"})
	h.clock.Advance(time.Second)
	b := h.start(t, runtime.StartRequest{FlowSid: "FWb", Trigger: runtime.TriggerRequest, Contact: "+1", FlowAddress: "+2"})
	h.clock.Advance(time.Hour)

	// Another process over the same store no longer knows flow FWa.
	other := runtime.New(runtime.WithStore(h.store), runtime.WithClock(h.clock.Now), runtime.WithServices(h.services),
		runtime.WithSource(runtime.Definitions{"FWb": mustParse(t, replyFlow)}))
	n, err := other.Expire(ctx)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "flow FWa")
	assert.Equal(t, 2, n)
	a, _ = h.engine.Get(ctx, a.ID)
	assert.Equal(t, runtime.StatusFailed, a.Status)
	assert.Equal(t, runtime.FailureCheck, a.FailureCode)
	b, _ = h.engine.Get(ctx, b.ID)
	assert.Equal(t, runtime.StatusEnded, b.Status)
	assert.Equal(t, "timeout:ask>Ended", path(b)[1])
}

func TestLateReplyMeetsTheTimeoutFirst(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t, map[string]string{"FWr": replyFlow})
	x := h.start(t, runtime.StartRequest{FlowSid: "FWr", Trigger: runtime.TriggerRequest, Contact: "+1", FlowAddress: "+2"})
	h.clock.Advance(601 * time.Second) // the wait's timeout is 600 s
	_, err := h.engine.Resume(ctx, x.ID, resumeMessage("Ada"))
	assert.ErrorIs(t, err, runtime.ErrRefused)
	assert.ErrorIs(t, err, runtime.ErrLate)
	assert.Contains(t, err.Error(), `the wait at "ask" timed out at 2026-11-21T09:10:00Z first`)
	x, _ = h.engine.Get(ctx, x.ID)
	assert.Equal(t, []string{"incomingRequest:Trigger>ask", "timeout:ask>Ended"}, path(x))

	// A message after the execution's lifetime starts a new execution.
	h = newHarness(t, map[string]string{"FWr": replyFlow}, runtime.WithLimits(runtime.Limits{Lifetime: 5 * time.Minute}))
	x = h.start(t, runtime.StartRequest{FlowSid: "FWr", Trigger: runtime.TriggerMessage, Contact: "+1", FlowAddress: "+2"})
	h.clock.Advance(6 * time.Minute)
	y := h.start(t, runtime.StartRequest{FlowSid: "FWr", Trigger: runtime.TriggerMessage, Contact: "+1", FlowAddress: "+2", Payload: map[string]any{"Body": "hi"}})
	assert.NotEqual(t, x.ID, y.ID)
	x, _ = h.engine.Get(ctx, x.ID)
	assert.Equal(t, runtime.StatusEnded, x.Status)
	assert.Equal(t, runtime.FailureExpired, x.FailureCode)
}

func TestEndFlowAtTheStepLimitFailsOnce(t *testing.T) {
	src := `{"description": "e", "initial_state": "Trigger", "states": [
	  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingRequest", "next": "set"}], "properties": {}},
	  {"name": "set", "type": "set-variables", "transitions": [{"event": "next", "next": "stop"}], "properties": {}},
	  {"name": "stop", "type": "end-flow", "transitions": [], "properties": {}}]}`
	h := newHarness(t, map[string]string{"FW": src}, runtime.WithLimits(runtime.Limits{MaxSteps: 2}))
	x := h.start(t, runtime.StartRequest{FlowSid: "FW", Trigger: runtime.TriggerRequest})
	assert.Equal(t, runtime.StatusFailed, x.Status)
	assert.Equal(t, "limit: the execution reached 2 steps", x.Reason)
	var ended int
	for _, ev := range h.sink.Events() {
		if ev.Type == runtime.EventExecutionEnded {
			ended++
		}
	}
	assert.Equal(t, 1, ended)
}

func TestTemplatesAgreeWithLiquid(t *testing.T) {
	src := `{"description": "t", "initial_state": "Trigger", "states": [
	  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingRequest", "next": "set"}], "properties": {}},
	  {"name": "set", "type": "set-variables", "transitions": [{"event": "next"}], "properties": {"variables": [
	    {"key": "size", "value": "{{flow.data.m.size}}"},
	    {"key": "literal", "value": "{{ true }}"},
	    {"key": "loop", "value": "{% for n in flow.data.list %}{{ n | plus: 1 }},{% endfor %}"},
	    {"key": "counts", "value": "{{ flow.data.counts.calls }}"}]}}]}`
	h := newHarness(t, map[string]string{"FW": src})
	x := h.start(t, runtime.StartRequest{FlowSid: "FW", Trigger: runtime.TriggerRequest, Parameters: map[string]any{
		"m": map[string]any{"a": 1, "b": 2}, "list": []int{1, 2}, "counts": map[string]int{"calls": 3}}})
	assert.Equal(t, map[string]any{"size": "2", "literal": "true", "loop": "2,3,", "counts": "3"}, x.Variables())
}

func TestOutputsNeverTouchTheHostsData(t *testing.T) {
	shared := map[string]any{"account": map[string]any{"tier": 1, "tags": []int{7}}}
	act := widgets.Type{Name: "canned", Compile: func(*widgets.Props) widgets.Node { return cannedNode{shared} }}
	src := `{"description": "c", "initial_state": "Trigger", "states": [
	  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingRequest", "next": "c"}], "properties": {}},
	  {"name": "c", "type": "canned", "transitions": [], "properties": {}}]}`
	h := newHarness(t, map[string]string{"FW": src}, runtime.WithWidget(act))
	x := h.start(t, runtime.StartRequest{FlowSid: "FW", Trigger: runtime.TriggerRequest})
	assert.Equal(t, map[string]any{"tier": 1.0, "tags": []any{7.0}}, x.Widgets()["c"].(map[string]any)["account"])
	assert.Equal(t, map[string]any{"account": map[string]any{"tier": 1, "tags": []int{7}}}, shared, "the host's map is unchanged")
}

// cannedNode returns a map it shares with its host, nested map included;
// the engine takes the top level and must copy what lies below.
type cannedNode struct{ out map[string]any }

func (cannedNode) Events() []string { return []string{"next"} }
func (n cannedNode) Run(widgets.StepContext) (widgets.Result, error) {
	top := map[string]any{}
	for k, v := range n.out {
		top[k] = v
	}
	return widgets.Result{Event: "next", Outputs: top}, nil
}
