package runtime_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studioflow/studioflow/flow"
	"github.com/studioflow/studioflow/runtime"
	"github.com/studioflow/studioflow/widgets"
	"github.com/studioflow/studioflow/widgets/twilio"
)

func TestMenuWaitResumeAndTimeout(t *testing.T) {
	h := newHarness(t, map[string]string{"FWmenu": menuFlow})
	x := h.start(t, call("FWmenu"))
	require.Equal(t, runtime.StatusActive, x.Status)
	require.NotNil(t, x.Wait)
	assert.Equal(t, "menu", x.Wait.State)
	assert.Equal(t, []string{"keypress", "speech", "timeout"}, x.Wait.Events)
	// The voice service reports the gather timeout; the engine's deadline
	// is a backstop a grace period later.
	assert.Equal(t, t0.Add(5*time.Second+twilio.GatherGrace), *x.Wait.Deadline)

	// A wrong key goes back to the menu; the second wait is a fresh one.
	// The answer to the new wait starts afresh: the last answer's digits
	// are gone from widgets.menu (they must not stand beside the next
	// answer's speech).
	x = h.resume(t, x.ID, "keypress", map[string]any{"Digits": "7"})
	assert.Equal(t, "menu", x.Wait.State)
	assert.NotContains(t, x.Widgets(), "menu")

	x = h.resume(t, x.ID, "keypress", map[string]any{"Digits": "1"})
	assert.Equal(t, runtime.StatusEnded, x.Status)
	assert.Equal(t, []string{
		"incomingCall:Trigger>menu", "keypress:menu>route", "noMatch:route>menu",
		"keypress:menu>route", "match:route>sales", "audioComplete:sales>Ended",
	}, path(x))
	assert.Equal(t, []string{"Press 1 for sales", "Press 1 for sales", "Sales, +15550001111"}, said(h.transcript))

	// Timeout: nothing is due before the deadline, then the expiry pass
	// delivers timeout.
	y := h.start(t, runtime.StartRequest{FlowSid: "FWmenu", Trigger: runtime.TriggerCall, Contact: "+1555", FlowAddress: "+1666", CallSid: "CA2"})
	h.clock.Advance(4*time.Second + twilio.GatherGrace)
	n, err := h.engine.Expire(context.Background())
	require.NoError(t, err)
	assert.Equal(t, 0, n)
	h.clock.Advance(time.Second)
	n, err = h.engine.Expire(context.Background())
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	y, err = h.engine.Get(context.Background(), y.ID)
	require.NoError(t, err)
	assert.Equal(t, runtime.StatusEnded, y.Status)
	assert.Equal(t, []string{"incomingCall:Trigger>menu", "timeout:menu>bye", "audioComplete:bye>Ended"}, path(y))
}

func TestResumeRefusedChangesNothing(t *testing.T) {
	h := newHarness(t, map[string]string{"FWmenu": menuFlow})
	x := h.start(t, call("FWmenu"))
	before, err := runtime.MarshalExecution(x)
	require.NoError(t, err)

	_, err = h.engine.Resume(context.Background(), x.ID, widgets.Event{Name: "incomingMessage"})
	require.Error(t, err)
	assert.ErrorIs(t, err, runtime.ErrRefused)
	assert.Contains(t, err.Error(), `state "menu" waits for one of [keypress speech timeout], not "incomingMessage"`)

	after, err := h.engine.Get(context.Background(), x.ID)
	require.NoError(t, err)
	afterJSON, err := runtime.MarshalExecution(after)
	require.NoError(t, err)
	assert.JSONEq(t, string(before), string(afterJSON))

	// Late too (past the wait's deadline): an event the wait never accepts
	// is refused before time is looked at, and changes nothing.
	h.clock.Advance(time.Hour)
	_, err = h.engine.Resume(context.Background(), x.ID, widgets.Event{Name: "bogus"})
	assert.ErrorIs(t, err, runtime.ErrRefused)
	assert.Contains(t, err.Error(), `not "bogus"`)
	after, err = h.engine.Get(context.Background(), x.ID)
	require.NoError(t, err)
	afterJSON, err = runtime.MarshalExecution(after)
	require.NoError(t, err)
	assert.JSONEq(t, string(before), string(afterJSON))

	// Still waiting and resumable (the keypress is in time again).
	h.clock.Advance(-time.Hour)
	x = h.resume(t, x.ID, "keypress", map[string]any{"Digits": "1"})
	assert.Equal(t, runtime.StatusEnded, x.Status)

	// A resume of an ended execution is refused too.
	_, err = h.engine.Resume(context.Background(), x.ID, widgets.Event{Name: "keypress"})
	assert.ErrorIs(t, err, runtime.ErrRefused)
	_, err = h.engine.Resume(context.Background(), "FNnope", widgets.Event{Name: "keypress"})
	assert.ErrorIs(t, err, runtime.ErrNotFound)
}

const everyTriggerFlow = `{
  "description": "triggers", "initial_state": "Trigger",
  "states": [
    {"name": "Trigger", "type": "trigger", "transitions": [
      {"event": "incomingCall", "next": "from_call"}, {"event": "incomingMessage", "next": "from_message"},
      {"event": "incomingConversationMessage", "next": "from_conversation"}, {"event": "incomingRequest", "next": "from_request"},
      {"event": "incomingParent", "next": "from_parent"}], "properties": {}},
    {"name": "from_call", "type": "set-variables", "transitions": [{"event": "next"}],
     "properties": {"variables": [{"key": "seen", "value": "call {{trigger.call.CallSid}} from {{trigger.call.From}} to {{flow.channel.address}}"}]}},
    {"name": "from_message", "type": "set-variables", "transitions": [{"event": "next"}],
     "properties": {"variables": [{"key": "seen", "value": "message {{trigger.message.Body}} from {{contact.channel.address}}"}]}},
    {"name": "from_conversation", "type": "set-variables", "transitions": [{"event": "next"}],
     "properties": {"variables": [{"key": "seen", "value": "conversation {{trigger.conversation.ConversationSid}}"}]}},
    {"name": "from_request", "type": "set-variables", "transitions": [{"event": "next"}],
     "properties": {"variables": [{"key": "seen", "value": "request for {{flow.data.first_name}} ({{flow.data.age | plus: 1}})"}]}},
    {"name": "from_parent", "type": "set-variables", "transitions": [{"event": "next"}],
     "properties": {"variables": [{"key": "seen", "value": "parent says {{trigger.parent.parameters.greeting}}"}]}}
  ]}`

func TestEveryTriggerKind(t *testing.T) {
	cases := []struct {
		req   runtime.StartRequest
		first string
		want  string
	}{
		{runtime.StartRequest{Trigger: runtime.TriggerCall, Contact: "+1", FlowAddress: "+2", CallSid: "CA9"}, "incomingCall:Trigger>from_call", "call CA9 from +1 to +2"},
		{runtime.StartRequest{Trigger: runtime.TriggerMessage, Contact: "+1", FlowAddress: "+2", Payload: map[string]any{"Body": "hi"}}, "incomingMessage:Trigger>from_message", "message hi from +1"},
		{runtime.StartRequest{Trigger: runtime.TriggerConversation, Contact: "ann", ConversationSid: "CH1"}, "incomingConversationMessage:Trigger>from_conversation", "conversation CH1"},
		{runtime.StartRequest{Trigger: runtime.TriggerRequest, Contact: "+1", FlowAddress: "+2", Parameters: map[string]any{"first_name": "Ada", "age": 36}}, "incomingRequest:Trigger>from_request", "request for Ada (37)"},
		{runtime.StartRequest{Trigger: runtime.TriggerParent, Parameters: map[string]any{"greeting": "hello"}}, "incomingParent:Trigger>from_parent", "parent says hello"},
	}
	for _, c := range cases {
		t.Run(string(c.req.Trigger), func(t *testing.T) {
			h := newHarness(t, map[string]string{"FWt": everyTriggerFlow})
			c.req.FlowSid = "FWt"
			x := h.start(t, c.req)
			assert.Equal(t, runtime.StatusEnded, x.Status, x.Reason)
			state := c.first[strings.Index(c.first, ">")+1:]
			assert.Equal(t, []string{c.first, "next:" + state + ">Ended"}, path(x))
			assert.Equal(t, c.want, x.Variables()["seen"])
			assert.Equal(t, x.ID, x.Context()["flow"].(map[string]any)["sid"])
			assert.Equal(t, "FWt", x.Context()["flow"].(map[string]any)["flow_sid"])
		})
	}
	_, err := newHarness(t, map[string]string{"FWt": everyTriggerFlow}).engine.Start(context.Background(), runtime.StartRequest{FlowSid: "FWt", Trigger: "fax"})
	assert.ErrorIs(t, err, runtime.ErrRefused)
}

const replyFlow = `{
  "description": "reply", "initial_state": "Trigger",
  "states": [
    {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingMessage", "next": "ask"}, {"event": "incomingRequest", "next": "ask"}, {"event": "incomingConversationMessage", "next": "ask"}], "properties": {}},
    {"name": "ask", "type": "send-and-wait-for-reply", "transitions": [{"event": "incomingMessage", "next": "thanks"}, {"event": "timeout"}, {"event": "deliveryFailure"}],
     "properties": {"body": "What is your name?", "timeout": "600"}},
    {"name": "thanks", "type": "send-message", "transitions": [{"event": "sent"}, {"event": "failed"}],
     "properties": {"body": "Thanks {{widgets.ask.inbound.Body}}"}}
  ]}`

func TestOneActiveExecutionPerSession(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t, map[string]string{"FWr": replyFlow})
	rest := runtime.StartRequest{FlowSid: "FWr", Trigger: runtime.TriggerRequest, Contact: "+1555", FlowAddress: "+1666"}
	x := h.start(t, rest)
	require.NotNil(t, x.Wait)

	// A second REST start for the pair is a conflict naming the active one.
	_, err := h.engine.Start(ctx, rest)
	var ce *runtime.ConflictError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, x.ID, ce.ActiveID)
	assert.ErrorIs(t, err, runtime.ErrConflict)

	// Another contact is another session.
	other := h.start(t, runtime.StartRequest{FlowSid: "FWr", Trigger: runtime.TriggerRequest, Contact: "+1777", FlowAddress: "+1666"})
	assert.NotEqual(t, x.ID, other.ID)

	// An inbound message for the pair resumes the active execution.
	y := h.start(t, runtime.StartRequest{FlowSid: "FWr", Trigger: runtime.TriggerMessage, Contact: "+1555", FlowAddress: "+1666", Payload: map[string]any{"Body": "Ada"}})
	assert.Equal(t, x.ID, y.ID)
	assert.Equal(t, runtime.StatusEnded, y.Status)
	assert.Equal(t, "Thanks Ada", said(h.transcript)[2])

	// Once ended, the pair may start again.
	z := h.start(t, rest)
	assert.NotEqual(t, x.ID, z.ID)
}

func TestConversationsKeyedByConversation(t *testing.T) {
	h := newHarness(t, map[string]string{"FWr": replyFlow})
	x := h.start(t, runtime.StartRequest{FlowSid: "FWr", Trigger: runtime.TriggerConversation, Contact: "ann", ConversationSid: "CH1"})
	require.NotNil(t, x.Wait)
	// Another participant of the same conversation advances the same execution.
	y := h.start(t, runtime.StartRequest{FlowSid: "FWr", Trigger: runtime.TriggerConversation, Contact: "bob", ConversationSid: "CH1", Payload: map[string]any{"Body": "Bob"}})
	assert.Equal(t, x.ID, y.ID)
	assert.Equal(t, "Bob", y.Widgets()["ask"].(map[string]any)["inbound"].(map[string]any)["Body"])
	// Another conversation is another execution.
	z := h.start(t, runtime.StartRequest{FlowSid: "FWr", Trigger: runtime.TriggerConversation, Contact: "ann", ConversationSid: "CH2"})
	assert.NotEqual(t, x.ID, z.ID)

	// The replies, which name no recipient, go into their conversations;
	// a message started otherwise names none.
	var conversations []any
	for _, e := range h.transcript.Entries() {
		if e.Service == "messaging" {
			conversations = append(conversations, e.Detail["conversation_sid"])
		}
	}
	assert.Equal(t, []any{"CH1", "CH1", "CH2"}, conversations)
	h.start(t, runtime.StartRequest{FlowSid: "FWr", Trigger: runtime.TriggerMessage, Contact: "+1", FlowAddress: "+2"})
	entries := h.transcript.Entries()
	assert.Nil(t, entries[len(entries)-1].Detail)
}

func TestCallsKeyedByCallSidWhenConcurrentCallsAllowed(t *testing.T) {
	noConcurrency := strings.Replace(menuFlow, `"allow_concurrent_calls": true`, `"allow_concurrent_calls": false`, 1)
	h := newHarness(t, map[string]string{"FWmenu": menuFlow, "FWsingle": noConcurrency})
	a := h.start(t, runtime.StartRequest{FlowSid: "FWmenu", Trigger: runtime.TriggerCall, Contact: "+1", FlowAddress: "+2", CallSid: "CA1"})
	b := h.start(t, runtime.StartRequest{FlowSid: "FWmenu", Trigger: runtime.TriggerCall, Contact: "+1", FlowAddress: "+2", CallSid: "CA2"})
	assert.NotEqual(t, a.ID, b.ID)

	h.start(t, runtime.StartRequest{FlowSid: "FWsingle", Trigger: runtime.TriggerCall, Contact: "+1", FlowAddress: "+2", CallSid: "CA3"})
	_, err := h.engine.Start(context.Background(), runtime.StartRequest{FlowSid: "FWsingle", Trigger: runtime.TriggerCall, Contact: "+1", FlowAddress: "+2", CallSid: "CA4"})
	assert.ErrorIs(t, err, runtime.ErrConflict)
}

// barrierStore lets two savers load the same version before either saves.
type barrierStore struct {
	*runtime.MemoryStore
	loads sync.WaitGroup
}

// Lock locks nothing: the store of two processes whose database gives no
// lock, where the save's compare-and-swap is the last guard.
func (s *barrierStore) Lock(context.Context, string) (func(), error) { return func() {}, nil }

func (s *barrierStore) Load(ctx context.Context, id string) (*runtime.Execution, error) {
	x, err := s.MemoryStore.Load(ctx, id)
	s.loads.Done()
	s.loads.Wait()
	return x, err
}

// Without a lock (two processes, a store that cannot lock), two resumes
// load the same version: the save's compare-and-swap lets one win.
func TestRacingResumesOneWins(t *testing.T) {
	h := newHarness(t, map[string]string{"FWmenu": menuFlow})
	x := h.start(t, call("FWmenu"))
	bs := &barrierStore{MemoryStore: h.store}
	bs.loads.Add(2)
	services := h.services
	e := runtime.New(runtime.WithSource(runtime.Definitions{"FWmenu": mustParse(t, menuFlow)}), runtime.WithStore(bs), runtime.WithServices(services), runtime.WithClock(h.clock.Now))

	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = e.Resume(context.Background(), x.ID, widgets.Event{Name: "keypress", Data: map[string]any{"Digits": fmt.Sprint(i + 1)}})
		}()
	}
	wg.Wait()
	wins, conflicts := 0, 0
	for _, err := range errs {
		switch {
		case err == nil:
			wins++
		case errors.Is(err, runtime.ErrConflict):
			conflicts++
		default:
			t.Fatalf("unexpected error: %v", err)
		}
	}
	assert.Equal(t, 1, wins)
	assert.Equal(t, 1, conflicts)
}

func mustParse(t testing.TB, src string) *flow.Definition {
	t.Helper()
	d, err := flow.Parse([]byte(src))
	require.NoError(t, err)
	return d
}

const loopFlow = `{
  "description": "loop", "initial_state": "Trigger",
  "states": [
    {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingRequest", "next": "a"}], "properties": {}},
    {"name": "a", "type": "set-variables", "transitions": [{"event": "next", "next": "b"}], "properties": {}},
    {"name": "b", "type": "set-variables", "transitions": [{"event": "next", "next": "a"}], "properties": {}},
    {"name": "self", "type": "set-variables", "transitions": [{"event": "next", "next": "self"}], "properties": {}}
  ]}`

func TestLimits(t *testing.T) {
	h := newHarness(t, map[string]string{"FWloop": loopFlow}, runtime.WithLimits(runtime.Limits{MaxSteps: 50}))
	x := h.start(t, runtime.StartRequest{FlowSid: "FWloop", Trigger: runtime.TriggerRequest, Contact: "+1", FlowAddress: "+2"})
	assert.Equal(t, runtime.StatusFailed, x.Status)
	assert.Equal(t, runtime.FailureLimitSteps, x.FailureCode)
	assert.Len(t, x.Steps, 50)

	selfLoop := strings.Replace(loopFlow, `"next": "a"}], "properties": {}},
    {"name": "a"`, `"next": "self"}], "properties": {}},
    {"name": "a"`, 1)
	h = newHarness(t, map[string]string{"FWself": selfLoop})
	x = h.start(t, runtime.StartRequest{FlowSid: "FWself", Trigger: runtime.TriggerRequest, Contact: "+1", FlowAddress: "+2"})
	assert.Equal(t, runtime.StatusFailed, x.Status)
	assert.Equal(t, runtime.FailureLimitRepeats, x.FailureCode)
	assert.Contains(t, x.Reason, `state "self"`)
	// The trigger step, then ten runs of self taking next back to itself.
	assert.Len(t, x.Steps, 11)
}

func TestTemplateCapAndErrors(t *testing.T) {
	flowSrc := `{"description": "tpl", "initial_state": "Trigger", "states": [
	  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingRequest", "next": "set"}], "properties": {}},
	  {"name": "set", "type": "set-variables", "transitions": [{"event": "next"}], "properties": {"variables": [{"key": "v", "value": "TEMPLATE"}]}}]}`
	cases := []struct {
		name, tpl, reason string
		code              runtime.FailureCode
		data              map[string]any
		want              string
	}{
		// reason: what the failure's reason must say, beyond its code.
		{name: "bad syntax", tpl: "{{ flow.data.x | }}", code: runtime.FailureTemplate, reason: `state "set": variable "v": property "variables": template: line 1:`},
		{name: "over 16 KB by loop", tpl: `{% for i in (1..20) %}{{ flow.data.big }}{% endfor %}`, data: map[string]any{"big": strings.Repeat("x", 1100)}, code: runtime.FailureTemplateBudget, reason: "more than 16384 bytes"},
		{name: "over 16 KB by a lone path", tpl: `{{flow.data.big}}`, data: map[string]any{"big": strings.Repeat("x", 16385)}, code: runtime.FailureTemplateBudget, reason: "more than 16384 bytes"},
		{name: "exactly 16 KB", tpl: `{{flow.data.big}}`, data: map[string]any{"big": strings.Repeat("x", 16384)}, want: strings.Repeat("x", 16384)},
		{name: "filters", tpl: `{{ flow.data.name | default: "friend" | upcase }}`, want: "FRIEND"},
		{name: "missing path renders empty", tpl: `[{{ flow.data.nothing.here }}]`, want: "[]"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			src := strings.Replace(flowSrc, "TEMPLATE", strings.ReplaceAll(c.tpl, `"`, `\"`), 1)
			h := newHarness(t, map[string]string{"FW": src})
			x := h.start(t, runtime.StartRequest{FlowSid: "FW", Trigger: runtime.TriggerRequest, Parameters: c.data})
			if c.reason != "" {
				assert.Equal(t, runtime.StatusFailed, x.Status)
				assert.Equal(t, c.code, x.FailureCode)
				assert.Contains(t, x.Reason, c.reason)
				return
			}
			assert.Equal(t, runtime.StatusEnded, x.Status, x.Reason)
			assert.Equal(t, c.want, x.Variables()["v"])
		})
	}
}

func TestEndAndLifetime(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t, map[string]string{"FWr": replyFlow})
	x := h.start(t, runtime.StartRequest{FlowSid: "FWr", Trigger: runtime.TriggerRequest, Contact: "+1", FlowAddress: "+2"})
	x, err := h.engine.End(ctx, x.ID, "agent took over")
	require.NoError(t, err)
	assert.Equal(t, runtime.StatusEnded, x.Status)
	assert.Equal(t, "agent took over", x.Reason)
	assert.Nil(t, x.Wait)
	_, err = h.engine.End(ctx, x.ID, "again")
	assert.ErrorIs(t, err, runtime.ErrRefused)

	// A wait longer than the lifetime: the expiry pass ends the execution
	// at the lifetime instead.
	h = newHarness(t, map[string]string{"FWr": strings.Replace(replyFlow, `"timeout": "600"`, `"timeout": "2592000"`, 1)},
		runtime.WithLimits(runtime.Limits{Lifetime: time.Hour}))
	y := h.start(t, runtime.StartRequest{FlowSid: "FWr", Trigger: runtime.TriggerRequest, Contact: "+1", FlowAddress: "+2"})
	h.clock.Advance(time.Hour)
	n, err := h.engine.Expire(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	y, err = h.engine.Get(ctx, y.ID)
	require.NoError(t, err)
	assert.Equal(t, runtime.StatusEnded, y.Status)
	assert.Equal(t, runtime.FailureExpired, y.FailureCode)

	// Old ended executions can be deleted.
	h.clock.Advance(31 * 24 * time.Hour)
	deleted, err := h.store.DeleteBefore(ctx, h.clock.Now().Add(-30*24*time.Hour))
	require.NoError(t, err)
	assert.Equal(t, 1, deleted)
	_, err = h.engine.Get(ctx, y.ID)
	assert.ErrorIs(t, err, runtime.ErrNotFound)
}

func TestEventsAndFailingSink(t *testing.T) {
	h := newHarness(t, map[string]string{"FWmenu": menuFlow})
	x := h.start(t, call("FWmenu"))
	h.resume(t, x.ID, "keypress", map[string]any{"Digits": "1"})
	var types []string
	for _, ev := range h.sink.Events() {
		types = append(types, ev.Type)
		assert.Equal(t, x.ID, ev.ExecutionID)
	}
	assert.Equal(t, []string{"execution.started", "step.ended", "step.ended", "step.ended", "step.ended", "execution.ended"}, types)

	failing := runtime.SinkFunc(func(context.Context, runtime.Event) error { return errors.New("sink down") })
	var logged strings.Builder
	logger := slog.New(slog.NewTextHandler(&logged, nil))
	h2 := newHarness(t, map[string]string{"FWmenu": menuFlow}, runtime.WithSink(failing), runtime.WithLogger(logger))
	y := h2.start(t, call("FWmenu"))
	y = h2.resume(t, y.ID, "keypress", map[string]any{"Digits": "1"})
	assert.Equal(t, runtime.StatusEnded, y.Status, "a failing sink never stops the flow")
	assert.Equal(t, 6, strings.Count(logged.String(), `msg="studioflow: event sink failed"`), logged.String())
	assert.Contains(t, logged.String(), `error="sink down"`)
}

func TestAdmission(t *testing.T) {
	h := newHarness(t, map[string]string{"FWt": everyTriggerFlow}, runtime.WithAdmission(runtime.TalkdeskFlowsAPILimits()))
	start := func(i int) error {
		_, err := h.engine.Start(context.Background(), runtime.StartRequest{FlowSid: "FWt", Trigger: runtime.TriggerRequest, Contact: fmt.Sprint(i), Account: "acme"})
		return err
	}
	require.NoError(t, start(1))
	require.NoError(t, start(2))
	err := start(3)
	var rl *runtime.RateLimitError
	require.ErrorAs(t, err, &rl)
	assert.ErrorIs(t, err, runtime.ErrRateLimited)
	assert.Equal(t, 500*time.Millisecond, rl.RetryAfter)
	// Calls are not limited by the Flows API preset.
	_, err = h.engine.Start(context.Background(), runtime.StartRequest{FlowSid: "FWt", Trigger: runtime.TriggerCall, CallSid: "CA1", Account: "acme"})
	assert.NoError(t, err)
	h.clock.Advance(500 * time.Millisecond)
	assert.NoError(t, start(4))
}

func TestDeterministicReplay(t *testing.T) {
	run := func() []byte {
		h := newHarness(t, map[string]string{"FWmenu": menuFlow})
		x := h.start(t, call("FWmenu"))
		h.clock.Advance(2 * time.Second)
		x = h.resume(t, x.ID, "keypress", map[string]any{"Digits": "3"})
		h.clock.Advance(2 * time.Second)
		x = h.resume(t, x.ID, "speech", map[string]any{"SpeechResult": "one", "Confidence": 0.9})
		data, err := runtime.MarshalExecution(x)
		require.NoError(t, err)
		return data
	}
	first := run()
	assert.Equal(t, string(first), string(run()))
	// The speech was taken (the menu asks again, afresh: see
	// TestARepeatedWaitStartsAfresh).
	x, err := runtime.UnmarshalExecution(first)
	require.NoError(t, err)
	assert.Contains(t, path(x), "speech:menu>route")
}

func TestExecutionJSONRoundTrip(t *testing.T) {
	h := newHarness(t, map[string]string{"FWmenu": menuFlow})
	x := h.start(t, call("FWmenu"))
	x = h.resume(t, x.ID, "keypress", map[string]any{"Digits": "4"})
	data, err := runtime.MarshalExecution(x)
	require.NoError(t, err)
	back, err := runtime.UnmarshalExecution(data)
	require.NoError(t, err)
	assert.Equal(t, x, back)
}

func TestCustomWidget(t *testing.T) {
	// A host adds its own widget type without forking: a CRM lookup that
	// reads a template and emits found / notFound.
	lookup := widgets.Type{
		Name: "crm-lookup",
		Compile: func(p *widgets.Props) widgets.Node {
			return &crmNode{phone: p.RequiredText("phone")}
		},
	}
	src := `{"description": "crm", "initial_state": "Trigger", "states": [
	  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingRequest", "next": "crm"}], "properties": {}},
	  {"name": "crm", "type": "crm-lookup", "transitions": [{"event": "found", "next": "hello"}, {"event": "notFound"}], "properties": {"phone": "{{contact.channel.address}}"}},
	  {"name": "hello", "type": "set-variables", "transitions": [{"event": "next"}], "properties": {"variables": [{"key": "greeting", "value": "Hello {{widgets.crm.name}}"}]}}]}`
	h := newHarness(t, map[string]string{"FW": src}, runtime.WithWidget(lookup))
	x := h.start(t, runtime.StartRequest{FlowSid: "FW", Trigger: runtime.TriggerRequest, Contact: "+1555"})
	assert.Equal(t, "Hello Ada", x.Variables()["greeting"])

	// Without the registration the flow does not pass the check.
	plain := runtime.New(runtime.WithClock(runtime.NewFixedClock(t0).Now))
	ps := plain.Check(mustParse(t, src))
	require.Len(t, ps.WithCode(widgets.CodeTypeUnknown), 1)
	assert.Equal(t, "#/states/1/type", ps.WithCode(widgets.CodeTypeUnknown)[0].Path)
}

type crmNode struct{ phone widgets.Text }

func (n *crmNode) Events() []string { return []string{"found", "notFound"} }

func (n *crmNode) Run(sc widgets.StepContext) (widgets.Result, error) {
	phone, err := sc.Render(n.phone)
	if err != nil {
		return widgets.Result{}, err
	}
	if phone != "+1555" {
		return widgets.Result{Event: "notFound"}, nil
	}
	return widgets.Result{Event: "found", Outputs: map[string]any{"name": "Ada"}}, nil
}

func TestInvalidFlowRefused(t *testing.T) {
	src := `{"description": "bad", "initial_state": "Trigger", "states": [
	  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingCall", "next": "nowhere"}], "properties": {}}]}`
	h := newHarness(t, map[string]string{"FW": src})
	_, err := h.engine.Start(context.Background(), call("FW"))
	var inv *flow.InvalidError
	require.ErrorAs(t, err, &inv)
	assert.Equal(t, flow.CodeNextUnknown, inv.Problems[0].Code)
}

func TestVoiceStepWithoutCallRefusedAtCheckAndFailsCleanlyAtRunTime(t *testing.T) {
	// Straight after a message trigger: Twilio publishes such a flow, so by
	// default it runs and the voice step fails its execution; a strict
	// engine (WithStrictCallPaths) refuses the flow before it takes
	// traffic.
	src := `{"description": "sms then say", "initial_state": "Trigger", "states": [
	  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingMessage", "next": "say"}], "properties": {}},
	  {"name": "say", "type": "say-play", "transitions": [{"event": "audioComplete"}], "properties": {"say": "hi"}}]}`
	h := newHarness(t, map[string]string{"FW": src})
	x := h.start(t, runtime.StartRequest{FlowSid: "FW", Trigger: runtime.TriggerMessage, Contact: "+1", FlowAddress: "+2"})
	assert.Equal(t, runtime.StatusFailed, x.Status)
	assert.Equal(t, runtime.FailureNoCall, x.FailureCode)
	assert.Contains(t, x.Reason, `state "say"`)
	h = newHarness(t, map[string]string{"FW": src}, runtime.WithStrictCallPaths())
	_, err := h.engine.Start(context.Background(), runtime.StartRequest{FlowSid: "FW", Trigger: runtime.TriggerMessage, Contact: "+1", FlowAddress: "+2"})
	var inv *flow.InvalidError
	require.ErrorAs(t, err, &inv)
	assert.Equal(t, "compat.needs_call", inv.Problems[0].Code)
	assert.Equal(t, "say", inv.Problems[0].State)

	// A subflow's voice step inherits its parent's call, which compat
	// cannot see; run from a message flow, it fails cleanly at run time.
	parent := `{"description": "sms parent", "initial_state": "Trigger", "states": [
	  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingMessage", "next": "child"}], "properties": {}},
	  {"name": "child", "type": "run-subflow", "transitions": [{"event": "completed"}, {"event": "failed"}], "properties": {"flow_sid": "FWchild"}}]}`
	child := `{"description": "voice child", "initial_state": "Trigger", "states": [
	  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingParent", "next": "say"}], "properties": {}},
	  {"name": "say", "type": "say-play", "transitions": [{"event": "audioComplete"}], "properties": {"say": "hi"}}]}`
	h = newHarness(t, map[string]string{"FWparent": parent, "FWchild": child})
	x = h.start(t, runtime.StartRequest{FlowSid: "FWparent", Trigger: runtime.TriggerMessage, Contact: "+1", FlowAddress: "+2"})
	assert.Equal(t, runtime.StatusFailed, x.Status)
	assert.Equal(t, runtime.FailureNoCall, x.FailureCode)
	assert.Contains(t, x.Reason, `state "say"`)
	assert.Empty(t, h.transcript.Entries())
}

func TestDateFilterUsesTheEngineClock(t *testing.T) {
	src := `{"description": "d", "initial_state": "Trigger", "states": [
	  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingRequest", "next": "set"}], "properties": {}},
	  {"name": "set", "type": "set-variables", "transitions": [{"event": "next"}], "properties": {"variables": [
	    {"key": "now", "value": "{{ 'now' | date: '%Y-%m-%d %H:%M' }}"},
	    {"key": "given", "value": "{{ flow.data.day | date: '%d/%m/%Y' }}"}]}}]}`
	h := newHarness(t, map[string]string{"FW": src})
	x := h.start(t, runtime.StartRequest{FlowSid: "FW", Trigger: runtime.TriggerRequest, Parameters: map[string]any{"day": "2027-01-01"}})
	assert.Equal(t, "2026-11-21 01:00", x.Variables()["now"], "09:00 UTC, in Pacific time")
	assert.Equal(t, "01/01/2027", x.Variables()["given"])
}

func TestPanickingWidgetFailsTheExecutionNotTheHost(t *testing.T) {
	boom := widgets.Type{Name: "boom", Compile: func(*widgets.Props) widgets.Node { return boomNode{} }}
	src := `{"description": "b", "initial_state": "Trigger", "states": [
	  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingRequest", "next": "b"}], "properties": {}},
	  {"name": "b", "type": "boom", "transitions": [], "properties": {}}]}`
	h := newHarness(t, map[string]string{"FW": src}, runtime.WithWidget(boom))
	x := h.start(t, runtime.StartRequest{FlowSid: "FW", Trigger: runtime.TriggerRequest})
	assert.Equal(t, runtime.StatusFailed, x.Status)
	assert.Equal(t, runtime.FailureWidgetPanic, x.FailureCode)
	assert.Equal(t, `state "b": widget panicked: nil map write`, x.Reason)
}

type boomNode struct{}

func (boomNode) Events() []string { return nil }
func (boomNode) Run(widgets.StepContext) (widgets.Result, error) {
	panic("nil map write")
}

func TestToJSONFilter(t *testing.T) {
	src := `{"description": "j", "initial_state": "Trigger", "states": [
	  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingRequest", "next": "set"}], "properties": {}},
	  {"name": "set", "type": "set-variables", "transitions": [{"event": "next"}], "properties": {"variables": [
	    {"key": "json", "value": "{{ flow.data | to_json }}"}]}}]}`
	h := newHarness(t, map[string]string{"FW": src})
	x := h.start(t, runtime.StartRequest{FlowSid: "FW", Trigger: runtime.TriggerRequest, Parameters: map[string]any{"name": "Ada", "n": 2}})
	assert.JSONEq(t, `{"name": "Ada", "n": 2}`, x.Variables()["json"].(string))
}

func TestMisconfiguredWidgetIsReportedNotPanicked(t *testing.T) {
	e := runtime.New(runtime.WithWidget(widgets.Type{Name: "half-built"}), runtime.WithClock(runtime.NewFixedClock(t0).Now))
	_, err := e.Start(context.Background(), runtime.StartRequest{FlowSid: "FW", Trigger: runtime.TriggerCall})
	require.Error(t, err)
	assert.Contains(t, err.Error(), `register "half-built": a type needs a name and a Compile function`)
}

func TestTwilioAdmissionPreset(t *testing.T) {
	a := runtime.TwilioLimits()
	now := t0
	for i := range 20 {
		require.NoError(t, a.Allow("acme", runtime.TriggerRequest, now), "REST start %d", i+1)
	}
	err := a.Allow("acme", runtime.TriggerRequest, now)
	var rl *runtime.RateLimitError
	require.ErrorAs(t, err, &rl)
	assert.Equal(t, 50*time.Millisecond, rl.RetryAfter)
	assert.NoError(t, a.Allow("other", runtime.TriggerRequest, now), "accounts have their own buckets")
	for _, kind := range []runtime.TriggerKind{runtime.TriggerCall, runtime.TriggerMessage, runtime.TriggerConversation} {
		for i := range 100 {
			require.NoError(t, a.Allow("acme", kind, now), "%s %d", kind, i+1)
		}
		assert.ErrorIs(t, a.Allow("acme", kind, now), runtime.ErrRateLimited, kind)
	}
	assert.NoError(t, a.Allow("acme", runtime.TriggerRequest, now.Add(50*time.Millisecond)), "a token back after 50 ms")
}
