package runtime_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/studioflow/studioflow/flow"
	"github.com/studioflow/studioflow/runtime"
	"github.com/studioflow/studioflow/widgets"
	"github.com/studioflow/studioflow/widgets/fake"
)

var t0 = time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)

// harness is an engine over fake services with a fixed clock and
// sequential ids.
type harness struct {
	engine     *runtime.Engine
	clock      *runtime.FixedClock
	transcript *fake.Transcript
	services   *widgets.Services
	sink       *runtime.MemorySink
	store      *runtime.MemoryStore
}

func newHarness(t testing.TB, flows map[string]string, opts ...runtime.Option) *harness {
	t.Helper()
	defs := runtime.Definitions{}
	for sid, src := range flows {
		def, err := flow.Parse([]byte(src))
		require.NoError(t, err, sid)
		defs[sid] = def
	}
	services, transcript := fake.Services()
	h := &harness{clock: runtime.NewFixedClock(t0), transcript: transcript, services: services, sink: &runtime.MemorySink{}, store: runtime.NewMemoryStore()}
	base := []runtime.Option{
		runtime.WithSource(defs),
		runtime.WithServices(services),
		runtime.WithClock(h.clock.Now),
		runtime.WithIDs(runtime.SequentialIDs()),
		runtime.WithSeed(1),
		runtime.WithSink(h.sink),
		runtime.WithStore(h.store),
	}
	h.engine = runtime.New(append(base, opts...)...)
	return h
}

func (h *harness) start(t testing.TB, req runtime.StartRequest) *runtime.Execution {
	t.Helper()
	x, err := h.engine.Start(context.Background(), req)
	require.NoError(t, err)
	return x
}

func (h *harness) resume(t testing.TB, id, event string, data map[string]any) *runtime.Execution {
	t.Helper()
	x, err := h.engine.Resume(context.Background(), id, widgets.Event{Name: event, Data: data})
	require.NoError(t, err)
	return x
}

func call(sid string) runtime.StartRequest {
	return runtime.StartRequest{FlowSid: sid, Trigger: runtime.TriggerCall, Contact: "+15550001111", FlowAddress: "+15559990000", CallSid: "CA1"}
}

// path returns "event:from>to" for each step.
func path(x *runtime.Execution) []string {
	out := make([]string, len(x.Steps))
	for i, s := range x.Steps {
		out[i] = s.Name + ":" + s.From + ">" + s.To
	}
	return out
}

// said returns the texts of the transcript's voice and messaging entries.
func said(tr *fake.Transcript) []string {
	var out []string
	for _, e := range tr.Entries() {
		out = append(out, e.Text)
	}
	return out
}

const menuFlow = `{
  "description": "menu", "initial_state": "Trigger", "flags": {"allow_concurrent_calls": true},
  "states": [
    {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingCall", "next": "menu"}, {"event": "incomingMessage"}], "properties": {}},
    {"name": "menu", "type": "gather-input-on-call",
     "transitions": [{"event": "keypress", "next": "route"}, {"event": "speech", "next": "route"}, {"event": "timeout", "next": "bye"}],
     "properties": {"say": "Press 1 for sales", "timeout": "5", "number_of_digits": 1}},
    {"name": "route", "type": "split-based-on",
     "transitions": [{"event": "noMatch", "next": "menu"},
                     {"event": "match", "next": "sales", "conditions": [{"friendly_name": "1", "arguments": ["{{widgets.menu.Digits}}"], "type": "equal_to", "value": "1"}]}],
     "properties": {"input": "{{widgets.menu.Digits}}"}},
    {"name": "sales", "type": "say-play", "transitions": [{"event": "audioComplete"}], "properties": {"say": "Sales, {{trigger.call.From}}"}},
    {"name": "bye", "type": "say-play", "transitions": [{"event": "audioComplete"}], "properties": {"say": "Goodbye"}}
  ]}`

func resumeMessage(body string) widgets.Event {
	return widgets.Event{Name: "incomingMessage", Data: map[string]any{"Body": body}}
}
