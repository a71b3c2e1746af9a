package runtime_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"math"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studioflow/studioflow/flow"
	"github.com/studioflow/studioflow/runtime"
	"github.com/studioflow/studioflow/widgets"
	"github.com/studioflow/studioflow/widgets/fake"
	"github.com/studioflow/studioflow/widgets/twilio"
)

// nested returns a value nesting depth maps deep: {"a": {"a": ... "x"}}.
func nested(depth int) any {
	var v any = "x"
	for range depth {
		v = map[string]any{"a": v}
	}
	return v
}

// emitType is a custom widget whose outputs (or variable) are whatever the
// test hands it: the host-written code that could poison an execution.
func emitType(outputs func() map[string]any, variable func() any) widgets.Type {
	return widgets.Type{Name: "emit", Compile: func(*widgets.Props) widgets.Node {
		return &emitNode{outputs: outputs, variable: variable}
	}}
}

type emitNode struct {
	outputs  func() map[string]any
	variable func() any
}

func (n *emitNode) Events() []string { return []string{"next"} }

func (n *emitNode) Run(sc widgets.StepContext) (widgets.Result, error) {
	if n.variable != nil {
		sc.SetVariable("v", n.variable())
	}
	var out map[string]any
	if n.outputs != nil {
		out = n.outputs()
	}
	return widgets.Result{Event: "next", Outputs: out}, nil
}

const emitFlow = `{"description": "emit", "initial_state": "Trigger", "states": [
  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingRequest", "next": "e"}], "properties": {}},
  {"name": "e", "type": "emit", "transitions": [{"event": "next"}], "properties": {}}]}`

var rest = runtime.StartRequest{FlowSid: "FW", Trigger: runtime.TriggerRequest, Contact: "+15550001111", FlowAddress: "+15559990000"}

// Point 2 of the hardening issue: a value that could be saved but never
// loaded again (nested past encoding/json's limit, cyclic, NaN) is refused
// where it enters, so every saved execution loads.
func TestValuesAreBoundedWhereTheyEnter(t *testing.T) {
	cyclic := map[string]any{}
	cyclic["self"] = cyclic
	tests := []struct {
		name     string
		outputs  func() map[string]any
		variable func() any
		problem  string
	}{
		{name: "outputs nested 9,995 levels", outputs: func() map[string]any { return map[string]any{"deep": nested(9995)} }, problem: "nests deeper than 32 levels"},
		{name: "a variable nested 100 levels", variable: func() any { return nested(100) }, problem: "nests deeper than 32 levels"},
		{name: "a cyclic map", outputs: func() map[string]any { return map[string]any{"c": cyclic} }, problem: "nests deeper than 32 levels"},
		{name: "a huge string", outputs: func() map[string]any { return map[string]any{"s": strings.Repeat("x", 2<<20)} }, problem: "larger than 1048576 bytes"},
		{name: "NaN", outputs: func() map[string]any { return map[string]any{"n": math.NaN()} }, problem: "not a finite number"},
		{name: "a list of a million numbers", outputs: func() map[string]any { return map[string]any{"l": make([]int, 1_000_000)} }, problem: "larger than 1048576 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, map[string]string{"FW": emitFlow}, runtime.WithWidget(emitType(tt.outputs, tt.variable)))
			x := h.start(t, rest)
			assert.Equal(t, runtime.StatusFailed, x.Status)
			assert.Equal(t, runtime.FailureValue, x.FailureCode)
			assert.Contains(t, x.Reason, tt.problem)
			loaded, err := h.engine.Get(context.Background(), x.ID)
			require.NoError(t, err, "the saved execution loads")
			assert.Equal(t, runtime.FailureValue, loaded.FailureCode)
			again := h.start(t, rest)
			assert.NotEqual(t, x.ID, again.ID, "the contact is free")
		})
	}

	t.Run("just within the limits is stored", func(t *testing.T) {
		h := newHarness(t, map[string]string{"FW": emitFlow}, runtime.WithWidget(emitType(
			func() map[string]any { return map[string]any{"deep": nested(31)} }, nil)))
		x := h.start(t, rest)
		assert.Equal(t, runtime.StatusEnded, x.Status, x.Reason)
		loaded, err := h.engine.Get(context.Background(), x.ID)
		require.NoError(t, err)
		assert.Equal(t, nested(31), loaded.Widgets()["e"].(map[string]any)["deep"])
	})
}

func TestHostInputPastTheLimitsIsRefusedAndChangesNothing(t *testing.T) {
	h := newHarness(t, map[string]string{"FWmenu": menuFlow})
	_, err := h.engine.Start(context.Background(), runtime.StartRequest{FlowSid: "FWmenu", Trigger: runtime.TriggerRequest,
		Contact: "+1", FlowAddress: "+2", Parameters: map[string]any{"deep": nested(500)}})
	require.ErrorIs(t, err, runtime.ErrRefused)
	assert.Contains(t, err.Error(), "parameters.deep")
	assert.Equal(t, 0, h.store.Len(), "nothing was created")

	_, err = h.engine.Start(context.Background(), runtime.StartRequest{FlowSid: "FWmenu", Trigger: runtime.TriggerCall,
		Contact: "+1", FlowAddress: "+2", CallSid: "CA9", Payload: map[string]any{"Big": strings.Repeat("x", 2<<20)}})
	require.ErrorIs(t, err, runtime.ErrRefused)
	assert.Equal(t, 0, h.store.Len())

	x := h.start(t, call("FWmenu"))
	_, err = h.engine.Resume(context.Background(), x.ID, widgets.Event{Name: "keypress", Data: map[string]any{"Digits": nested(9995)}})
	require.ErrorIs(t, err, runtime.ErrRefused)
	still, err := h.engine.Get(context.Background(), x.ID)
	require.NoError(t, err)
	require.NotNil(t, still.Wait, "still waiting")
	assert.Equal(t, x.Version, still.Version, "not saved again")
	done := h.resume(t, x.ID, "keypress", map[string]any{"Digits": "1"})
	assert.Equal(t, runtime.StatusEnded, done.Status, "and resumable")
}

// deepJSON is a JSON object nesting depth levels deep, about 5 bytes a
// level: 9,995 levels fit in the 64 KB a response may have.
func deepJSON(depth int) string {
	return strings.Repeat(`{"a":`, depth) + "1" + strings.Repeat("}", depth)
}

func TestAResponseNested9995LevelsIsKeptAsTextOnly(t *testing.T) {
	src := `{"description": "fetch", "initial_state": "Trigger", "states": [
	  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingRequest", "next": "fetch"}], "properties": {}},
	  {"name": "fetch", "type": "make-http-request", "transitions": [{"event": "success"}, {"event": "failed"}],
	   "properties": {"method": "GET", "url": "https://api.example.com/deep", "content_type": "application/json"}}]}`
	h := newHarness(t, map[string]string{"FW": src})
	body := deepJSON(9995)
	require.Less(t, len(body), twilio.MaxResponseBytes)
	fakes := fake.New()
	fakes.HTTP.Mock("GET", "https://api.example.com/deep", 200, body)
	h.engine = runtime.New(runtime.WithSource(runtime.Definitions{"FW": mustParse(t, src)}), runtime.WithServices(fakes.Services()),
		runtime.WithStore(h.store), runtime.WithClock(h.clock.Now))
	x := h.start(t, rest)
	require.Equal(t, runtime.StatusEnded, x.Status, x.Reason)
	out := x.Widgets()["fetch"].(map[string]any)
	assert.Equal(t, body, out["body"])
	assert.NotContains(t, out, "parsed")
	_, err := h.engine.Get(context.Background(), x.ID)
	require.NoError(t, err, "the saved execution loads")
}

// damagedStore hands back what a faulty database or driver might.
type damagedStore struct {
	*runtime.MemoryStore
	load func(id string) (*runtime.Execution, error)
}

func (s *damagedStore) Load(ctx context.Context, id string) (*runtime.Execution, error) {
	if s.load != nil {
		return s.load(id)
	}
	return s.MemoryStore.Load(ctx, id)
}

// Points 2 and 4: a record that does not decode, or decodes to nothing an
// engine could have saved, gives an error, never a panic; it can be ended,
// the expiry pass ends it, and a new start for its contact goes ahead.
func TestDamagedRecordsGiveErrorsAndNeverHoldTheirContact(t *testing.T) {
	const key = "FWmenu|+15550001111|+15559990000"
	records := map[string]string{
		"not JSON":              `{"id": "FNbad", "status": "act`,
		"no frames":             `{"id": "FNbad", "status": "active", "frames": [], "wait": {"state": "menu", "events": ["keypress"]}}`,
		"null frames":           `{"id": "FNbad", "status": "active", "frames": null}`,
		"a null context":        `{"id": "FNbad", "status": "active", "frames": [{"kind": "flow", "ref": "FWmenu", "sid": "FWmenu", "revision": 1, "state": "menu", "context": null}], "wait": {"state": "menu", "events": ["keypress"]}}`,
		"an unknown frame":      `{"id": "FNbad", "status": "active", "frames": [{"kind": "flow", "sid": "FWmenu", "revision": 1, "state": "menu", "context": {}}, {"kind": "lambda", "sid": "x", "state": "y", "context": {}}]}`,
		"a wait in no state":    `{"id": "FNbad", "status": "active", "frames": [{"kind": "flow", "sid": "FWmenu", "revision": 1, "state": "menu", "context": {}}], "wait": {"events": ["keypress"]}}`,
		"an unknown status":     `{"id": "FNbad", "status": "zombie"}`,
		"no id":                 `{"status": "active"}`,
		"nested past the limit": `{"id": "FNbad", "status": "active", "frames": [{"kind": "flow", "sid": "FWmenu", "revision": 1, "state": "menu", "context": {"x": ` + strings.Repeat("[", 10001) + strings.Repeat("]", 10001) + `}}]}`,
	}
	for name, data := range records {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			h := newHarness(t, map[string]string{"FWmenu": menuFlow})
			h.store.PutRaw("FNbad", []byte(data), key, t0)

			_, err := h.engine.Get(ctx, "FNbad")
			require.ErrorIs(t, err, runtime.ErrCorrupt)
			_, err = h.engine.Resume(ctx, "FNbad", widgets.Event{Name: "keypress", Data: map[string]any{"Digits": "1"}})
			require.ErrorIs(t, err, runtime.ErrCorrupt)

			// A new start for the contact ends the corrupt record unread.
			x, err := h.engine.Start(ctx, runtime.StartRequest{FlowSid: "FWmenu", Trigger: runtime.TriggerRequest, Contact: "+15550001111", FlowAddress: "+15559990000"})
			require.NoError(t, err)
			assert.NotEqual(t, "FNbad", x.ID)
			bad, err := h.engine.Get(ctx, "FNbad")
			require.NoError(t, err, "an ended corrupt record loads")
			assert.Equal(t, runtime.StatusFailed, bad.Status)
			assert.Equal(t, runtime.FailureCorrupt, bad.FailureCode)
			assert.Contains(t, bad.Reason, "corrupt")
		})
	}

	t.Run("End and Expire end it too", func(t *testing.T) {
		ctx := context.Background()
		h := newHarness(t, map[string]string{"FWmenu": menuFlow})
		h.store.PutRaw("FNone", []byte(records["a null context"]), key, t0)
		h.store.PutRaw("FNtwo", []byte(records["not JSON"]), "other", t0)
		ended, err := h.engine.End(ctx, "FNone", "operator")
		require.NoError(t, err)
		assert.Equal(t, runtime.FailureCorrupt, ended.FailureCode)
		n, err := h.engine.Expire(ctx)
		require.NoError(t, err)
		assert.Equal(t, 1, n)
		two, err := h.engine.Get(ctx, "FNtwo")
		require.NoError(t, err)
		assert.Equal(t, runtime.FailureCorrupt, two.FailureCode)
		_, err = h.store.FindActive(ctx, "other")
		assert.ErrorIs(t, err, runtime.ErrNotFound, "its session key is free")
	})

	t.Run("a missing program or state is an error, and the record stays", func(t *testing.T) {
		ctx := context.Background()
		h := newHarness(t, map[string]string{"FWmenu": menuFlow})
		x := h.start(t, call("FWmenu"))
		stored, err := runtime.MarshalExecution(x)
		require.NoError(t, err)
		// The frame's sid is left out while it is the execution's flow_sid.
		require.NotContains(t, string(stored), `"sid":"FWmenu"`)
		gone := strings.Replace(string(stored), `"kind":"flow"`, `"kind":"flow","sid":"FWgone"`, 1)
		h.store.PutRaw("FNgone", []byte(strings.Replace(gone, x.ID, "FNgone", 1)), "k1", t0)
		noState := strings.Replace(string(stored), `"state":"menu"`, `"state":"nowhere"`, 1)
		h.store.PutRaw("FNnostate", []byte(strings.Replace(noState, x.ID, "FNnostate", 1)), "k2", t0)
		for _, id := range []string{"FNgone", "FNnostate"} {
			_, err = h.engine.Resume(ctx, id, widgets.Event{Name: "keypress", Data: map[string]any{"Digits": "1"}})
			var pe *runtime.ProgramError
			require.ErrorAs(t, err, &pe, id)
			assert.Equal(t, id, pe.Execution)
			assert.NotErrorIs(t, err, runtime.ErrCorrupt, id)
			still, err := h.engine.Get(ctx, id)
			require.NoError(t, err)
			assert.Equal(t, runtime.StatusActive, still.Status, "%s is left for the host to decide", id)
		}
	})

	t.Run("a store that returns nothing, or another execution", func(t *testing.T) {
		ctx := context.Background()
		h := newHarness(t, map[string]string{"FWmenu": menuFlow})
		x := h.start(t, call("FWmenu"))
		for name, load := range map[string]func(string) (*runtime.Execution, error){
			"nil": func(string) (*runtime.Execution, error) { return nil, nil },
			"other": func(string) (*runtime.Execution, error) {
				return &runtime.Execution{ID: "FNother", Status: runtime.StatusEnded}, nil
			},
		} {
			e := runtime.New(runtime.WithSource(runtime.Definitions{"FWmenu": mustParse(t, menuFlow)}), runtime.WithClock(h.clock.Now),
				runtime.WithStore(&damagedStore{MemoryStore: h.store, load: load}))
			_, err := e.Resume(ctx, x.ID, widgets.Event{Name: "keypress", Data: map[string]any{"Digits": "1"}})
			require.Error(t, err, name)
			_, err = e.Get(ctx, x.ID)
			require.Error(t, err, name)
			if name == "other" {
				// The store's fault, not the record's: End must not
				// force-end the healthy record.
				assert.NotErrorIs(t, err, runtime.ErrCorrupt)
				assert.Contains(t, err.Error(), `returned execution "FNother"`)
				_, err = e.End(ctx, x.ID, "operator")
				require.Error(t, err)
			} else {
				assert.ErrorIs(t, err, runtime.ErrCorrupt)
			}
		}
		still, err := h.engine.Get(ctx, x.ID)
		require.NoError(t, err)
		assert.Equal(t, runtime.StatusActive, still.Status)
	})
}

type nilSource struct{}

func (nilSource) Flow(context.Context, string, string) (*runtime.Resolved, error) { return nil, nil }

func TestASourceThatReturnsNothingIsAnError(t *testing.T) {
	e := runtime.New(runtime.WithSource(nilSource{}), runtime.WithClock(runtime.NewFixedClock(t0).Now))
	_, err := e.Start(context.Background(), rest)
	assert.ErrorIs(t, err, runtime.ErrNotFound)
}

// Point 4: a sink that panics is contained and logged like one that fails.
func TestAPanickingSinkIsContainedAndLogged(t *testing.T) {
	var logs bytes.Buffer
	sink := runtime.SinkFunc(func(context.Context, runtime.Event) error { panic("sink exploded") })
	h := newHarness(t, map[string]string{"FWmenu": menuFlow}, runtime.WithSink(sink),
		runtime.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	x, err := h.engine.Start(context.Background(), call("FWmenu"))
	require.NoError(t, err)
	require.NotNil(t, x.Wait)
	assert.Contains(t, logs.String(), "sink exploded")
	y := h.resume(t, x.ID, "keypress", map[string]any{"Digits": "1"})
	assert.Equal(t, runtime.StatusEnded, y.Status)
}

// Point 5: a definition that failed its checks is not checked again on
// every start, but is after FailedCheckRetry.
func TestAFlowThatFailedItsChecksIsNotRecheckedOnEveryStart(t *testing.T) {
	checks := 0
	refuse := flow.CheckerFunc(func(*flow.Definition) flow.Problems {
		checks++
		return flow.Problems{{Path: "#", Code: "test.refused", Message: "refused", Severity: flow.SeverityError}}
	})
	h := newHarness(t, map[string]string{"FWmenu": menuFlow}, runtime.WithCheckers(refuse))
	for range 5 {
		_, err := h.engine.Start(context.Background(), call("FWmenu"))
		require.Error(t, err)
		assert.Contains(t, err.Error(), "test.refused")
	}
	assert.Equal(t, 1, checks)
	h.clock.Advance(runtime.FailedCheckRetry)
	_, err := h.engine.Start(context.Background(), call("FWmenu"))
	require.Error(t, err)
	assert.Equal(t, 2, checks, "checked again once the retry time is up")
}

// sensitiveThenOpen asks for a PIN with a sensitive gather; on timeout it
// asks an ordinary question that also takes a keypress.
const sensitiveThenOpen = `{"description": "pin", "initial_state": "Trigger", "states": [
  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingCall", "next": "pin"}], "properties": {}},
  {"name": "pin", "type": "gather-input-on-call",
   "transitions": [{"event": "keypress"}, {"event": "speech"}, {"event": "timeout", "next": "survey"}],
   "properties": {"say": "Enter your PIN", "number_of_digits": 6, "timeout": "5", "sensitive": %s}},
  {"name": "survey", "type": "gather-input-on-call",
   "transitions": [{"event": "keypress"}, {"event": "speech"}, {"event": "timeout"}],
   "properties": {"say": "Rate us from 1 to 9", "number_of_digits": 6, "timeout": "5"}}]}`

// Point 6: a keypress meant for a sensitive gather that arrives after its
// deadline is refused, never delivered to the next gather in clear.
func TestALateKeypressForASensitiveGatherIsNeverStored(t *testing.T) {
	const secret = "918273"
	for _, sensitive := range []bool{true, false} {
		name := map[bool]string{true: "sensitive", false: "not sensitive: delivered to the next gather"}[sensitive]
		t.Run(name, func(t *testing.T) {
			src := strings.Replace(sensitiveThenOpen, "%s", map[bool]string{true: "true", false: "false"}[sensitive], 1)
			h := newHarness(t, map[string]string{"FWpin": src})
			x := h.start(t, call("FWpin"))
			h.clock.Advance(5*time.Second + twilio.GatherGrace)
			_, err := h.engine.Resume(context.Background(), x.ID, widgets.Event{Name: "keypress", Data: map[string]any{"Digits": secret}})
			y, gerr := h.engine.Get(context.Background(), x.ID)
			require.NoError(t, gerr)
			stored, merr := runtime.MarshalExecution(y)
			require.NoError(t, merr)
			events, merr := json.Marshal(h.sink.Events())
			require.NoError(t, merr)
			if !sensitive {
				require.NoError(t, err)
				assert.Contains(t, string(stored), secret)
				return
			}
			require.ErrorIs(t, err, runtime.ErrRefused)
			assert.NotContains(t, err.Error(), secret)
			require.NotNil(t, y.Wait)
			assert.Equal(t, "survey", y.Wait.State, "the timeout was delivered, the keypress was not")
			assert.NotContains(t, string(stored), secret)
			assert.NotContains(t, string(events), secret)
		})
	}
}

// Point 6: a failure reason carries no stack trace and no host path; the
// log gets them.
func TestFailureReasonsHoldNoStackOrHostPaths(t *testing.T) {
	var logs bytes.Buffer
	leak := widgets.Type{Name: "leak", Compile: func(*widgets.Props) widgets.Node { return leakNode{} }}
	src := `{"description": "l", "initial_state": "Trigger", "states": [
	  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingRequest", "next": "l"}], "properties": {}},
	  {"name": "l", "type": "leak", "transitions": [], "properties": {}}]}`
	h := newHarness(t, map[string]string{"FW": src}, runtime.WithWidget(leak),
		runtime.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	x := h.start(t, rest)
	assert.Equal(t, runtime.FailureWidgetPanic, x.FailureCode)
	assert.Equal(t, `state "l": widget panicked: open [path]: permission denied (see https://example.com/docs/a/b)`, x.Reason)
	assert.NotContains(t, x.Reason, "goroutine")
	assert.Contains(t, logs.String(), "/home/deploy/secrets/app.env", "the host's log keeps the details")
	assert.Contains(t, logs.String(), "goroutine", "and the stack")
}

type leakNode struct{}

func (leakNode) Events() []string { return nil }
func (leakNode) Run(widgets.StepContext) (widgets.Result, error) {
	panic(errors.New("open /home/deploy/secrets/app.env: permission denied (see https://example.com/docs/a/b)\ngoroutine 7 [running]:\nmain.main()\n\t/home/deploy/src/app/main.go:42 +0x1d"))
}

// Point 8: every way an execution fails carries its stable code.
func TestFailureCodes(t *testing.T) {
	loop := `{"description": "loop", "initial_state": "Trigger", "states": [
	  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingRequest", "next": "a"}], "properties": {}},
	  {"name": "a", "type": "set-variables", "transitions": [{"event": "next", "next": "b"}], "properties": {}},
	  {"name": "b", "type": "set-variables", "transitions": [{"event": "next", "next": "a"}], "properties": {}}]}`
	self := `{"description": "self", "initial_state": "Trigger", "states": [
	  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingRequest", "next": "a"}], "properties": {}},
	  {"name": "a", "type": "set-variables", "transitions": [{"event": "next", "next": "a"}], "properties": {}}]}`
	badTemplate := `{"description": "t", "initial_state": "Trigger", "states": [
	  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingRequest", "next": "a"}], "properties": {}},
	  {"name": "a", "type": "set-variables", "transitions": [{"event": "next"}], "properties": {"variables": [{"key": "k", "value": "{{ 1 | divided_by: 0 }}"}]}}]}`
	say := `{"description": "s", "initial_state": "Trigger", "states": [
	  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingCall", "next": "a"}], "properties": {}},
	  {"name": "a", "type": "say-play", "transitions": [{"event": "audioComplete"}], "properties": {"say": "hi"}}]}`
	tests := []struct {
		name string
		src  string
		req  runtime.StartRequest
		opts []runtime.Option
		code runtime.FailureCode
	}{
		{"steps", loop, rest, []runtime.Option{runtime.WithLimits(runtime.Limits{MaxSteps: 20, MaxRepeats: 100})}, runtime.FailureLimitSteps},
		{"repeats", self, rest, nil, runtime.FailureLimitRepeats},
		{"template", badTemplate, rest, nil, runtime.FailureTemplate},
		{"service not configured", say, runtime.StartRequest{FlowSid: "FW", Trigger: runtime.TriggerCall, Contact: "+1", FlowAddress: "+2", CallSid: "CA1"},
			[]runtime.Option{runtime.WithServices(&widgets.Services{})}, runtime.FailureService},
		{"panic", `{"description": "b", "initial_state": "Trigger", "states": [
		  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingRequest", "next": "b"}], "properties": {}},
		  {"name": "b", "type": "boom", "transitions": [], "properties": {}}]}`, rest,
			[]runtime.Option{runtime.WithWidget(widgets.Type{Name: "boom", Compile: func(*widgets.Props) widgets.Node { return boomNode{} }})}, runtime.FailureWidgetPanic},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, map[string]string{"FW": tt.src}, tt.opts...)
			x := h.start(t, tt.req)
			assert.Equal(t, runtime.StatusFailed, x.Status)
			assert.Equal(t, tt.code, x.FailureCode, x.Reason)
			ended := h.sink.Events()[len(h.sink.Events())-1]
			assert.Equal(t, runtime.EventExecutionEnded, ended.Type)
			assert.Equal(t, tt.code, ended.FailureCode, "the event carries the code too")
		})
	}

	t.Run("no live call", func(t *testing.T) {
		// A subflow's voice step run from a message flow: compat cannot
		// see it, so it fails at run time.
		parent := `{"description": "sms parent", "initial_state": "Trigger", "states": [
		  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingMessage", "next": "child"}], "properties": {}},
		  {"name": "child", "type": "run-subflow", "transitions": [{"event": "completed"}, {"event": "failed"}], "properties": {"flow_sid": "FWchild"}}]}`
		child := strings.Replace(say, "incomingCall", "incomingParent", 1)
		h := newHarness(t, map[string]string{"FWparent": parent, "FWchild": child})
		x := h.start(t, runtime.StartRequest{FlowSid: "FWparent", Trigger: runtime.TriggerMessage, Contact: "+1", FlowAddress: "+2"})
		assert.Equal(t, runtime.FailureNoCall, x.FailureCode, x.Reason)
	})

	t.Run("expired, with status ended", func(t *testing.T) {
		h := newHarness(t, map[string]string{"FWmenu": menuFlow}, runtime.WithLimits(runtime.Limits{Lifetime: time.Hour}))
		x := h.start(t, call("FWmenu"))
		h.clock.Advance(2 * time.Hour)
		_, err := h.engine.Expire(context.Background())
		require.NoError(t, err)
		y, err := h.engine.Get(context.Background(), x.ID)
		require.NoError(t, err)
		assert.Equal(t, runtime.StatusEnded, y.Status)
		assert.Equal(t, runtime.FailureExpired, y.FailureCode)
	})

	t.Run("ended normally: no code", func(t *testing.T) {
		h := newHarness(t, map[string]string{"FWmenu": menuFlow})
		x := h.start(t, call("FWmenu"))
		y := h.resume(t, x.ID, "keypress", map[string]any{"Digits": "1"})
		assert.Equal(t, runtime.StatusEnded, y.Status)
		assert.Empty(t, y.FailureCode)
	})
}

// Point 1: a template's dates do not depend on the host's time zone (the
// suite runs under TZ=Pacific/Kiritimati and TZ=America/Los_Angeles too).
func TestDatesDoNotDependOnTheHostsZone(t *testing.T) {
	src := `{"description": "d", "initial_state": "Trigger", "states": [
	  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingRequest", "next": "set"}], "properties": {}},
	  {"name": "set", "type": "set-variables", "transitions": [{"event": "next"}], "properties": {"variables": [
	    {"key": "epoch", "value": "{{ '1700000000' | date: '%Y-%m-%d %H:%M %z' }}"},
	    {"key": "wall", "value": "{{ '2026-03-01 10:00' | date: '%s %H:%M %z' }}"},
	    {"key": "zulu", "value": "{{ '2026-03-01T10:00:00Z' | date: '%s %H:%M' }}"},
	    {"key": "offset", "value": "{{ '2026-03-01T10:00:00+02:00' | date: '%s %H:%M %z' }}"},
	    {"key": "la", "value": "{{ '2026-03-01T10:00:00-08:00' | date: '%s %H:%M %z' }}"},
	    {"key": "kiritimati", "value": "{{ '2026-03-01T10:00:00+14:00' | date: '%s %H:%M %z' }}"},
	    {"key": "now", "value": "{{ 'now' | date: '%H:%M %z' }}"}]}}]}`
	h := newHarness(t, map[string]string{"FW": src})
	x := h.start(t, rest)
	require.Equal(t, runtime.StatusEnded, x.Status, x.Reason)
	assert.Equal(t, map[string]any{
		"epoch":  "2023-11-14 22:13 +0000",
		"wall":   "1772359200 10:00 +0000",
		"zulu":   "1772359200 10:00",
		"offset": "1772352000 10:00 +0200",
		// Offsets that are the host's own in the TZ runs of .ci/run.
		"la":         "1772388000 10:00 -0800",
		"kiritimati": "1772308800 10:00 +1400",
		// The engine's template zone, not the host's.
		"now": "01:00 -0800",
	}, x.Variables())
}

// hostileType is a custom widget that enters a subflow with the given
// parameters, or waits with the given prompt.
func hostileType(enter map[string]any, prompt map[string]any) widgets.Type {
	return widgets.Type{Name: "hostile", Compile: func(*widgets.Props) widgets.Node { return &hostileNode{enter: enter, prompt: prompt} }}
}

type hostileNode struct{ enter, prompt map[string]any }

func (n *hostileNode) Events() []string { return []string{"next", "timeout"} }

func (n *hostileNode) Run(widgets.StepContext) (widgets.Result, error) {
	if n.enter != nil {
		return widgets.Result{Enter: &widgets.Enter{Kind: widgets.FrameSubflow, Ref: "FWchild", Parameters: n.enter}}, nil
	}
	return widgets.Result{Wait: &widgets.Wait{Events: []string{"next"}, Prompt: n.prompt}}, nil
}

func (n *hostileNode) Return(widgets.StepContext, widgets.Returned) (widgets.Result, error) {
	return widgets.Result{Event: "next"}, nil
}

// Every door a widget's value comes in by is bounded: a child frame's
// parameters and a wait's prompt too, not only outputs and variables.
func TestEnterParametersAndPromptsAreBounded(t *testing.T) {
	hostile := `{"description": "h", "initial_state": "Trigger", "states": [
	  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingRequest", "next": "h"}], "properties": {}},
	  {"name": "h", "type": "hostile", "transitions": [{"event": "next"}], "properties": {}}]}`
	child := `{"description": "c", "initial_state": "Trigger", "states": [
	  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingParent"}], "properties": {}}]}`
	deep := map[string]any{"deep": nested(20_000)} // past encoding/json's limit: saved, never loaded
	for name, ty := range map[string]widgets.Type{
		"enter parameters": hostileType(deep, nil),
		"a wait's prompt":  hostileType(nil, deep),
	} {
		t.Run(name, func(t *testing.T) {
			h := newHarness(t, map[string]string{"FW": hostile, "FWchild": child}, runtime.WithWidget(ty))
			x := h.start(t, rest)
			assert.Equal(t, runtime.FailureValue, x.FailureCode, x.Reason)
			_, err := h.engine.Get(context.Background(), x.ID)
			require.NoError(t, err, "the saved execution loads")
		})
	}
}

type failingNode struct{}

func (failingNode) Events() []string { return []string{"next"} }
func (failingNode) Run(widgets.StepContext) (widgets.Result, error) {
	return widgets.Result{}, errors.New("the CRM said no")
}

func TestAWidgetErrorHasItsCode(t *testing.T) {
	src := `{"description": "w", "initial_state": "Trigger", "states": [
	  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingRequest", "next": "w"}], "properties": {}},
	  {"name": "w", "type": "failing", "transitions": [{"event": "next"}], "properties": {}}]}`
	h := newHarness(t, map[string]string{"FW": src},
		runtime.WithWidget(widgets.Type{Name: "failing", Compile: func(*widgets.Props) widgets.Node { return failingNode{} }}))
	x := h.start(t, rest)
	assert.Equal(t, runtime.FailureWidget, x.FailureCode)
	assert.Equal(t, `state "w": the CRM said no`, x.Reason)
}

// The host reports a sensitive gather's timeout itself (its usual path):
// a keypress a moment later may be the PIN, still on its way, so the next
// gather refuses it for Limits.SensitiveGrace; afterwards it takes input.
func TestKeypressesRightAfterASensitiveTimeoutAreRefused(t *testing.T) {
	const secret = "918273"
	src := strings.Replace(sensitiveThenOpen, "%s", "true", 1)
	h := newHarness(t, map[string]string{"FWpin": src})
	x := h.start(t, call("FWpin"))
	h.clock.Advance(5 * time.Second)
	y := h.resume(t, x.ID, "timeout", nil)
	require.Equal(t, "survey", y.Wait.State)

	h.clock.Advance(200 * time.Millisecond)
	_, err := h.engine.Resume(context.Background(), x.ID, widgets.Event{Name: "keypress", Data: map[string]any{"Digits": secret}})
	require.ErrorIs(t, err, runtime.ErrRefused)
	assert.NotContains(t, err.Error(), secret)
	stored, err := h.engine.Get(context.Background(), x.ID)
	require.NoError(t, err)
	data, err := runtime.MarshalExecution(stored)
	require.NoError(t, err)
	assert.NotContains(t, string(data), secret)

	h.clock.Advance(runtime.DefaultSensitiveGrace)
	z := h.resume(t, x.ID, "keypress", map[string]any{"Digits": "7"})
	assert.Equal(t, "7", z.Widgets()["survey"].(map[string]any)["Digits"], "after the grace the survey takes input")
}

// Starts racing on a broken flow check it once between them.
func TestConcurrentStartsOfABrokenFlowCheckItOnce(t *testing.T) {
	const starts = 16
	var checks atomic.Int32
	asked := &askingSource{Definitions: runtime.Definitions{"FWmenu": mustParse(t, menuFlow)}, all: make(chan struct{}), want: starts}
	refuse := flow.CheckerFunc(func(*flow.Definition) flow.Problems {
		checks.Add(1)
		<-asked.all // every start has looked the flow up: they overlap
		return flow.Problems{{Path: "#", Code: "test.refused", Message: "refused", Severity: flow.SeverityError}}
	})
	h := newHarness(t, nil, runtime.WithCheckers(refuse), runtime.WithSource(asked))
	var wg sync.WaitGroup
	for range starts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := h.engine.Start(context.Background(), call("FWmenu"))
			assert.ErrorIs(t, err, flow.ErrInvalid)
		}()
	}
	wg.Wait()
	assert.Equal(t, int32(1), checks.Load())
}

// askingSource closes all once want lookups of a flow have been made.
type askingSource struct {
	runtime.Definitions
	all   chan struct{}
	want  int32
	count atomic.Int32
}

func (s *askingSource) Flow(ctx context.Context, sid, revision string) (*runtime.Resolved, error) {
	if s.count.Add(1) == s.want {
		close(s.all)
	}
	return s.Definitions.Flow(ctx, sid, revision)
}

// panickyStore panics on its first save, as a faulty driver might.
type panickyStore struct {
	*runtime.MemoryStore
	saves atomic.Int32
}

func (s *panickyStore) Save(ctx context.Context, x *runtime.Execution) error {
	if s.saves.Add(1) == 1 {
		panic("driver: connection reset")
	}
	return s.MemoryStore.Save(ctx, x)
}

// A store that panics in a start's save is a failed save: the start is
// undone, and the contact is free for the next one.
func TestAStorePanicInAStartFreesTheContact(t *testing.T) {
	store := &panickyStore{MemoryStore: runtime.NewMemoryStore()}
	h := newHarness(t, map[string]string{"FWmenu": menuFlow}, runtime.WithStore(store))
	_, err := h.engine.Start(context.Background(), call("FWmenu"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "connection reset")
	first, err := h.engine.Get(context.Background(), "FN00000001")
	require.NoError(t, err)
	assert.Equal(t, runtime.FailureStore, first.FailureCode)
	x := h.start(t, call("FWmenu"))
	assert.Equal(t, "FN00000002", x.ID)
}

// An unterminated {% if %} is refused at check time, with its path, instead
// of failing the live call that reaches it.
func TestABrokenTemplateNeverTakesTraffic(t *testing.T) {
	src := `{"description": "t", "initial_state": "Trigger", "states": [
	  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingRequest", "next": "set"}], "properties": {}},
	  {"name": "set", "type": "set-variables", "transitions": [{"event": "next"}], "properties": {"variables": [
	    {"key": "v", "value": "{% if flow.data.vip %}VIP"}]}}]}`
	h := newHarness(t, map[string]string{"FW": src})
	ps := h.engine.Check(mustParse(t, src)).Errors()
	require.Len(t, ps, 1)
	assert.Equal(t, "template.syntax", ps[0].Code)
	assert.Equal(t, "#/states/1/properties/variables/0/value", ps[0].Path)
	_, err := h.engine.Start(context.Background(), rest)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "template.syntax")
	assert.Equal(t, 0, h.store.Len(), "no execution started")
}

// {% include %} and {% render %} read no file of the host's: only what the
// host gives with WithTemplateSource.
func TestIncludeReadsOnlyTheHostsTemplates(t *testing.T) {
	src := `{"description": "i", "initial_state": "Trigger", "states": [
	  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingRequest", "next": "set"}], "properties": {}},
	  {"name": "set", "type": "set-variables", "transitions": [{"event": "next"}], "properties": {"variables": [
	    {"key": "v", "value": "{% include 'TEMPLATE' %}"}]}}]}`
	for _, name := range []string{".env", "/etc/passwd", "../../go.mod", "greeting", "secrets/keys.txt"} {
		h := newHarness(t, map[string]string{"FW": strings.Replace(src, "TEMPLATE", name, 1)})
		x := h.start(t, rest)
		assert.Equal(t, runtime.FailureTemplateSandbox, x.FailureCode, name)
		// Every name reaches the engine's source, which reads nothing.
		assert.Contains(t, x.Reason, "include and render read no files", name)
		assert.NotContains(t, x.Reason, "root:", name)
	}
	h := newHarness(t, map[string]string{"FW": strings.Replace(src, "TEMPLATE", "greeting", 1)},
		runtime.WithTemplateSource(runtime.TemplateMap{"greeting": "Hello {{ flow.data.name }}"}))
	x := h.start(t, runtime.StartRequest{FlowSid: "FW", Trigger: runtime.TriggerRequest, Contact: "+1", FlowAddress: "+2", Parameters: map[string]any{"name": "Ada"}})
	require.Equal(t, runtime.StatusEnded, x.Status, x.Reason)
	assert.Equal(t, "Hello Ada", x.Variables()["v"])
}

// Output is capped while it is written: a template doubling its output in
// a loop stops at the cap.
func TestOutputIsCappedWhileRendering(t *testing.T) {
	src := `{"description": "g", "initial_state": "Trigger", "states": [
	  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingRequest", "next": "set"}], "properties": {}},
	  {"name": "set", "type": "set-variables", "transitions": [{"event": "next"}], "properties": {"variables": [
	    {"key": "v", "value": "{% for i in (1..15) %}{% for j in (1..15) %}{{ flow.data.big }}{% endfor %}{% endfor %}"}]}}]}`
	h := newHarness(t, map[string]string{"FW": src})
	x := h.start(t, runtime.StartRequest{FlowSid: "FW", Trigger: runtime.TriggerRequest, Contact: "+1", FlowAddress: "+2",
		Parameters: map[string]any{"big": strings.Repeat("x", 1000)}})
	assert.Equal(t, runtime.FailureTemplateBudget, x.FailureCode)
	assert.Contains(t, x.Reason, "more than 16384 bytes")
}

// Twilio's counter idiom, from its Set Variables widget page and "How do I
// use Liquid with Twilio Studio?": a multi-line template stores the count
// with whitespace around it, and plus must still read it as a number, or
// the loop never ends.
func TestTwilioCounterIdiomCounts(t *testing.T) {
	src := `{"description": "counter", "initial_state": "Trigger", "states": [
	  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingRequest", "next": "count"}], "properties": {}},
	  {"name": "count", "type": "set-variables", "transitions": [{"event": "next", "next": "check"}], "properties": {"variables": [
	    {"key": "count", "value": "{% if flow.variables.count %}\n  {{flow.variables.count | plus: 1}}\n{% else %}\n  1\n{% endif %}"}]}},
	  {"name": "check", "type": "split-based-on", "transitions": [{"event": "noMatch"},
	    {"event": "match", "next": "count", "conditions": [{"friendly_name": "again", "arguments": ["{{flow.variables.count}}"], "type": "less_than", "value": "3"}]}],
	   "properties": {"input": "{{flow.variables.count}}"}}]}`
	h := newHarness(t, map[string]string{"FW": src})
	x := h.start(t, rest)
	require.Equal(t, runtime.StatusEnded, x.Status, x.Reason)
	assert.Equal(t, "3", strings.TrimSpace(x.Variables()["count"].(string)))
	assert.Len(t, x.Steps, 7, "trigger, then count and check three times")
}

// Hostile templates end as template errors of their step, with a code
// saying which guard stopped them, not as panics, files read or memory
// exhausted.
func TestHostileTemplatesAreTemplateErrors(t *testing.T) {
	src := `{"description": "h", "initial_state": "Trigger", "states": [
	  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingRequest", "next": "set"}], "properties": {}},
	  {"name": "set", "type": "set-variables", "transitions": [{"event": "next"}], "properties": {"variables": [
	    {"key": "v", "value": "TEMPLATE"}]}}]}`
	// (A literal past int64 is a check warning, an output Twilio's lax
	// parser may read; rendering it is a clean template error.)
	type want struct {
		code   runtime.FailureCode
		reason string
	}
	for tpl, w := range map[string]want{
		`{{10000000000000000000}}`: {runtime.FailureTemplate, "integer 10000000000000000000 is out of range"},
		`{% include '.env' %}`:     {runtime.FailureTemplateSandbox, "include and render read no files"},
		// The growth stops inside the loop: the output is one number.
		`{% assign s = 'xx' %}{% for i in (1..15) %}{% assign s = s | append: s %}{% endfor %}{{ s | size }}`:            {runtime.FailureTemplateBudget, "append would make a text of"},
		`{% assign s = 'xx' %}{% for i in (1..15) %}{% capture s %}{{s}}{{s}}{% endcapture %}{% endfor %}{{ s | size }}`: {runtime.FailureTemplateBudget, "more than 16384 bytes"},
		`{% for i in (1..15) %}{% for j in (1..15) %}{{ flow.data.big }}{% endfor %}{% endfor %}`:                        {runtime.FailureTemplateBudget, "more than 16384 bytes"},
		`{{ flow.data.big | replace: 'x', 'xxxxxxxx' | size }}`:                                                          {runtime.FailureTemplateBudget, "replace would make a text of"},
		`{% for i in (1..15) %}{% for j in (1..15) %}{% for k in (1..15) %}{% endfor %}{% endfor %}{% endfor %}`:         {runtime.FailureTemplateBudget, "loops run more than 256 times"},
	} {
		h := newHarness(t, map[string]string{"FW": strings.Replace(src, "TEMPLATE", strings.ReplaceAll(tpl, `'`, `\u0027`), 1)})
		x := h.start(t, runtime.StartRequest{FlowSid: "FW", Trigger: runtime.TriggerRequest, Contact: "+1", FlowAddress: "+2",
			Parameters: map[string]any{"big": strings.Repeat("x", 4000)}})
		assert.Equal(t, runtime.StatusFailed, x.Status, tpl)
		assert.Equal(t, w.code, x.FailureCode, "%s: %s", tpl, x.Reason)
		assert.Contains(t, x.Reason, w.reason, tpl)
	}
}

// A template's failure names its state once, with the property and what
// the template did: the reason is read by people.
func TestATemplateFailureNamesItsStateOnce(t *testing.T) {
	src := `{"description": "once", "initial_state": "Trigger", "states": [
	  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingRequest", "next": "greet"}], "properties": {}},
	  {"name": "greet", "type": "set-variables", "transitions": [{"event": "next"}], "properties": {"variables": [
	    {"key": "v", "value": "{{ 1 | divided_by: 0 }}"}]}}]}`
	x := newHarness(t, map[string]string{"FW": src}).start(t, rest)
	assert.Equal(t, runtime.StatusFailed, x.Status)
	assert.Equal(t, `state "greet": variable "v": property "variables": template: line 1: divided_by: 1 divided by 0`, x.Reason)
}

// "now" in a template is shown in the engine's template zone: by default
// US Pacific time, as Twilio Studio shows it ("the timezone used is PST",
// Twilio Support's Liquid article), daylight saving time included and
// whatever the host's zone; or what the host sets.
func TestTheTemplateZoneIsAnEngineOption(t *testing.T) {
	src := `{"description": "z", "initial_state": "Trigger", "states": [
	  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingRequest", "next": "set"}], "properties": {}},
	  {"name": "set", "type": "set-variables", "transitions": [{"event": "next"}], "properties": {"variables": [
	    {"key": "now", "value": "{{ 'now' | date: '%Y-%m-%d %H:%M %z %Z' }}"},
	    {"key": "today", "value": "{{ 'today' | date: '%A %d %B' }}"}]}}]}`
	at := func(now time.Time, opts ...runtime.Option) map[string]any {
		opts = append(opts, runtime.WithClock(runtime.NewFixedClock(now).Now))
		return newHarness(t, map[string]string{"FW": src}, opts...).start(t, rest).Variables()
	}
	winter := time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)
	assert.Equal(t, map[string]any{"now": "2026-11-21 01:00 -0800 PST", "today": "Saturday 21 November"}, at(winter))
	// Daylight saving time: from the second Sunday of March.
	assert.Equal(t, "2026-07-04 05:00 -0700 PDT", at(time.Date(2026, 7, 4, 12, 0, 0, 0, time.UTC))["now"])
	assert.Equal(t, "2026-03-08 01:59 -0800 PST", at(time.Date(2026, 3, 8, 9, 59, 0, 0, time.UTC))["now"])
	assert.Equal(t, "2026-03-08 03:00 -0700 PDT", at(time.Date(2026, 3, 8, 10, 0, 0, 0, time.UTC))["now"])
	// Past the end of the zone's table (its rule goes on).
	assert.Equal(t, "2091-07-04 05:00 -0700 PDT", at(time.Date(2091, 7, 4, 12, 0, 0, 0, time.UTC))["now"])
	// Early morning in UTC is the evening before in Pacific time.
	assert.Equal(t, map[string]any{"now": "2026-11-20 20:30 -0800 PST", "today": "Friday 20 November"}, at(time.Date(2026, 11, 21, 4, 30, 0, 0, time.UTC)))

	assert.Equal(t, map[string]any{"now": "2026-11-21 09:00 +0000 UTC", "today": "Saturday 21 November"}, at(winter, runtime.WithTemplateZone(time.UTC)))
	tokyo := time.FixedZone("JST", 9*3600)
	assert.Equal(t, "2026-11-21 18:00 +0900 JST", at(winter, runtime.WithTemplateZone(tokyo))["now"])
	// nil changes nothing: the default, or the zone given before.
	assert.Equal(t, "2026-11-21 01:00 -0800 PST", at(winter, runtime.WithTemplateZone(nil))["now"])
	assert.Equal(t, "2026-11-21 18:00 +0900 JST", at(winter, runtime.WithTemplateZone(tokyo), runtime.WithTemplateZone(nil))["now"])
}
