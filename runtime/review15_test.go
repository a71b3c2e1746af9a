package runtime_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studioflow/studioflow/runtime"
	"github.com/studioflow/studioflow/widgets"
)

// askTwice waits for a reply, and on timeout waits for another.
const askTwice = `{"description": "ask twice", "initial_state": "Trigger", "states": [
  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingRequest", "next": "ask"}], "properties": {}},
  {"name": "ask", "type": "send-and-wait-for-reply", "transitions": [{"event": "incomingMessage", "next": "done"}, {"event": "timeout", "next": "again"}, {"event": "deliveryFailure"}],
   "properties": {"body": "Name?", "timeout": "60"}},
  {"name": "again", "type": "send-and-wait-for-reply", "transitions": [{"event": "incomingMessage", "next": "done"}, {"event": "timeout"}, {"event": "deliveryFailure"}],
   "properties": {"body": "Still there?", "timeout": "60"}},
  {"name": "done", "type": "send-message", "transitions": [{"event": "sent"}, {"event": "failed"}], "properties": {"body": "Thanks"}}]}`

// An answer naming its wait that comes after that wait's deadline is
// stale: the timeout is delivered, and the answer never reaches the wait
// that followed it.
func TestALateAnswerNamingItsWaitIsStale(t *testing.T) {
	h := newHarness(t, map[string]string{"FW": askTwice})
	x := h.start(t, rest)
	h.clock.Advance(2 * time.Minute)
	_, err := h.engine.Resume(context.Background(), x.ID, widgets.Event{Name: "incomingMessage", Token: x.Wait.Token, Data: map[string]any{"Body": "Ada"}})
	require.ErrorIs(t, err, runtime.ErrStale)
	assert.ErrorIs(t, err, runtime.ErrLate, "the timeout owed first ran: the host may have its output to drop")
	y, err := h.engine.Get(context.Background(), x.ID)
	require.NoError(t, err)
	require.NotNil(t, y.Wait)
	assert.Equal(t, "again", y.Wait.State, "the timeout was delivered; the answer was not")
	assert.NotEqual(t, x.Wait.Token, y.Wait.Token)
}

// fromAStep is a messaging service that calls the engine with the
// step's context, from inside the step that sends.
type fromAStep struct {
	widgets.Messaging
	engine *runtime.Engine
	call   func(ctx context.Context, e *runtime.Engine, execution string) error
	err    error
}

func (c *fromAStep) Send(ctx context.Context, m widgets.Message) (widgets.Sent, error) {
	e, _ := widgets.EffectOf(ctx)
	c.err = c.call(ctx, c.engine, e.Execution)
	return c.Messaging.Send(ctx, m)
}

// startCallingFromAStep starts askTwice, whose first step's message
// makes call; it returns the execution and what call returned.
func startCallingFromAStep(t *testing.T, call func(ctx context.Context, e *runtime.Engine, execution string) error) (*runtime.Execution, error) {
	h := newHarness(t, map[string]string{"FW": askTwice})
	svc := &fromAStep{Messaging: h.services.Messaging, call: call}
	services := *h.services
	services.Messaging = svc
	h = newHarness(t, map[string]string{"FW": askTwice}, runtime.WithServices(&services))
	svc.engine = h.engine
	return h.start(t, rest), svc.err
}

// A service that ends its execution from inside the step is refused,
// instead of waiting forever on the lock the step's own run holds.
func TestAServiceCallingTheEngineFromAStepIsRefused(t *testing.T) {
	x, err := startCallingFromAStep(t, func(ctx context.Context, e *runtime.Engine, id string) error {
		_, err := e.End(ctx, id, "from a service")
		return err
	})
	assert.Equal(t, runtime.StatusActive, x.Status, "the run went on")
	require.ErrorIs(t, err, runtime.ErrRefused)
	assert.Contains(t, err.Error(), "end called from inside a step")
}

// An execution another run holds is left for the next pass; the pass
// goes on with the others.
func TestTheExpiryPassSkipsABusyExecution(t *testing.T) {
	h := newHarness(t, map[string]string{"FWmenu": menuFlow})
	busy := h.start(t, call("FWmenu"))
	other := h.start(t, runtime.StartRequest{FlowSid: "FWmenu", Trigger: runtime.TriggerCall, Contact: "+1", FlowAddress: "+2", CallSid: "CA2"})
	h.clock.Advance(10 * time.Minute)
	release, err := h.store.Lock(context.Background(), "execution "+busy.ID)
	require.NoError(t, err)
	n, err := h.engine.Expire(context.Background())
	require.NoError(t, err, "a busy execution is left for the next pass, not an error")
	assert.Equal(t, 1, n, "the other execution's timeout was delivered")
	got, _ := h.engine.Get(context.Background(), other.ID)
	assert.Equal(t, runtime.StatusEnded, got.Status)
	release()
	n, err = h.engine.Expire(context.Background())
	require.NoError(t, err)
	assert.Equal(t, 1, n, "then the busy one's")
}

// downStore fails every save while down.
type downStore struct {
	*runtime.MemoryStore
	down bool
}

func (s *downStore) Save(ctx context.Context, x *runtime.Execution) error {
	if s.down {
		return errors.New("the database is down")
	}
	return s.MemoryStore.Save(ctx, x)
}

func (s *downStore) ForceEnd(ctx context.Context, id string, end runtime.ForcedEnd) error {
	if s.down {
		return errors.New("the database is down")
	}
	return s.MemoryStore.ForceEnd(ctx, id, end)
}

// A first run that never saved (its save and its release both failed)
// does not hold the contact for the execution's lifetime: once
// FirstRunLease has passed, the expiry pass releases it, and the contact
// can start again.
func TestAStrandedFirstRunIsReleased(t *testing.T) {
	store := &downStore{MemoryStore: runtime.NewMemoryStore()}
	h := newHarness(t, map[string]string{"FW": askTwice}, runtime.WithStore(store))
	store.down = true
	_, err := h.engine.Start(context.Background(), rest)
	require.Error(t, err)
	store.down = false
	_, err = h.engine.Start(context.Background(), rest)
	require.ErrorIs(t, err, runtime.ErrConflict, "the stranded execution holds the contact, for now")

	h.clock.Advance(runtime.FirstRunLease)
	n, err := h.engine.Expire(context.Background())
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	x := h.start(t, rest)
	assert.Equal(t, runtime.StatusActive, x.Status, "the contact is free again")
}

// A record written in a newer format than this engine reads is refused
// with an error that is not ErrCorrupt: an older engine leaves it alone
// instead of ending it unread.
func TestANewerFormatIsLeftAlone(t *testing.T) {
	x, err := runtime.UnmarshalExecution([]byte(`{"id": "FNnew", "status": "active", "format": 99, "frames": []}`))
	require.Error(t, err)
	assert.Nil(t, x)
	assert.NotErrorIs(t, err, runtime.ErrCorrupt)
	assert.Contains(t, err.Error(), "format 99")

	h := newHarness(t, map[string]string{"FWmenu": menuFlow})
	y := h.start(t, call("FWmenu"))
	data, err := runtime.MarshalExecution(y)
	require.NoError(t, err)
	// Without shared values the record is format 3, which every engine
	// since format 3 reads; with them it is the newest format.
	assert.Contains(t, string(data), `"format":3`)
	y.Shared = map[string]any{"Attributes": map[string]any{"tier": "gold"}}
	data, err = runtime.MarshalExecution(y)
	require.NoError(t, err)
	assert.Contains(t, string(data), fmt.Sprintf(`"format":%d`, runtime.ExecutionFormat))
	back, err := runtime.UnmarshalExecution(data)
	require.NoError(t, err)
	assert.Equal(t, runtime.ExecutionFormat, back.Format)
	assert.Equal(t, y.Shared, back.Shared)
}

// Begin and Advance run an execution without a store, as a durable
// execution engine would keep it: the same steps as Start and Resume, the
// caller's value untouched, the events handed back.
func TestBeginAndAdvanceNeedNoStore(t *testing.T) {
	h := newHarness(t, map[string]string{"FWmenu": menuFlow})
	x, events, err := h.engine.Begin(context.Background(), call("FWmenu"))
	require.NoError(t, err)
	require.NotNil(t, x.Wait)
	assert.Equal(t, runtime.EventExecutionStarted, events[0].Type)
	_, err = h.engine.Get(context.Background(), x.ID)
	assert.ErrorIs(t, err, runtime.ErrNotFound, "nothing was stored")

	before, _ := runtime.MarshalExecution(x)
	y, _, err := h.engine.Advance(context.Background(), x, widgets.Event{Name: "keypress", Token: x.Wait.Token, Data: map[string]any{"Digits": "9"}})
	require.NoError(t, err)
	after, _ := runtime.MarshalExecution(x)
	assert.JSONEq(t, string(before), string(after), "the value handed in is unchanged")
	require.NotNil(t, y.Wait)
	_, _, err = h.engine.Advance(context.Background(), y, widgets.Event{Name: "keypress", Token: x.Wait.Token, Data: map[string]any{"Digits": "1"}})
	assert.ErrorIs(t, err, runtime.ErrStale, "the old wait's token is stale")
	assert.NotErrorIs(t, err, runtime.ErrLate, "nothing ran for it")
	z, events, err := h.engine.Advance(context.Background(), y, widgets.Event{Name: "keypress", Token: y.Wait.Token, Data: map[string]any{"Digits": "1"}})
	require.NoError(t, err)
	assert.Equal(t, runtime.StatusEnded, z.Status)
	assert.Equal(t, runtime.EventExecutionEnded, events[len(events)-1].Type)

	// The same run with a store takes the same steps.
	s := h.start(t, call("FWmenu"))
	s = h.resume(t, s.ID, "keypress", map[string]any{"Digits": "9"})
	s = h.resume(t, s.ID, "keypress", map[string]any{"Digits": "1"})
	assert.Equal(t, path(s), path(z))
}

// dueBarrier holds every Due until listed's count of them have listed.
type dueBarrier struct {
	*runtime.MemoryStore
	listed sync.WaitGroup
}

func (s *dueBarrier) Due(ctx context.Context, at time.Time, limit int) ([]string, error) {
	ids, err := s.MemoryStore.Due(ctx, at, limit)
	s.listed.Done()
	s.listed.Wait()
	return ids, err
}

// Several expiry workers on one store deliver each timeout once: each
// takes the execution's lock, and a worker that comes second finds the
// wait answered (issue 15's claim of due executions, kept by the lock).
func TestExpiryWorkersDeliverEachTimeoutOnce(t *testing.T) {
	store := &dueBarrier{MemoryStore: runtime.NewMemoryStore()}
	h := newHarness(t, map[string]string{"FW": askTwice}, runtime.WithStore(store))
	const n = 200
	for i := range n {
		req := rest
		req.Contact = fmt.Sprint("+1888", i)
		h.start(t, req)
	}
	h.clock.Advance(2 * time.Minute)
	store.listed.Add(4) // no worker delivers before all four have listed the same ids
	other := runtime.New(runtime.WithSource(runtime.Definitions{"FW": mustParse(t, askTwice)}), runtime.WithStore(store),
		runtime.WithServices(h.services), runtime.WithClock(h.clock.Now))
	var wg sync.WaitGroup
	counts := make([]int, 4)
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e := h.engine
			if w%2 == 1 {
				e = other
			}
			c, err := e.Expire(context.Background())
			if err != nil {
				t.Error(err)
			}
			counts[w] = c
		}()
	}
	wg.Wait()
	assert.Equal(t, n, counts[0]+counts[1]+counts[2]+counts[3], "each timeout delivered by one worker")
	sent := 0
	for _, e := range h.transcript.Entries() {
		if e.Service == "messaging" && e.Text == "Still there?" {
			sent++
		}
	}
	assert.Equal(t, n, sent, "one 'Still there?' per execution")
}

// Admit says what Advance would refuse before anything runs, changing
// nothing; Elapse delivers what time owes an execution kept without a
// store: its wait's timeout past the deadline, its end past the lifetime.
func TestAdmitAndElapseNeedNoStore(t *testing.T) {
	h := newHarness(t, map[string]string{"FWmenu": menuFlow})
	ctx := context.Background()
	x, _, err := h.engine.Begin(ctx, call("FWmenu"))
	require.NoError(t, err)
	before, _ := runtime.MarshalExecution(x)

	assert.NoError(t, h.engine.Admit(x, widgets.Event{Name: "keypress", Token: x.Wait.Token}))
	assert.NoError(t, h.engine.Admit(x, widgets.Event{Name: "keypress"}))
	err = h.engine.Admit(x, widgets.Event{Name: "incomingMessage"})
	assert.ErrorIs(t, err, runtime.ErrRefused)
	assert.Contains(t, err.Error(), `state "menu" waits for one of`)
	err = h.engine.Admit(x, widgets.Event{Name: "keypress", Token: "99"})
	assert.ErrorIs(t, err, runtime.ErrStale)
	assert.ErrorIs(t, h.engine.Admit(nil, widgets.Event{Name: "keypress"}), runtime.ErrRefused)
	deep := map[string]any{}
	for cur, i := deep, 0; i < 100; i++ {
		next := map[string]any{}
		cur["d"] = next
		cur = next
	}
	err = h.engine.Admit(x, widgets.Event{Name: "keypress", Data: deep})
	assert.ErrorIs(t, err, runtime.ErrRefused, "data over the value limits is refused before it is recorded")

	y, events, err := h.engine.Elapse(ctx, x)
	require.NoError(t, err)
	assert.Nil(t, y, "nothing is due before the deadline")
	assert.Nil(t, events)

	require.NotNil(t, x.Wait.Deadline)
	h.clock.Advance(x.Wait.Deadline.Sub(h.clock.Now()))
	y, events, err = h.engine.Elapse(ctx, x)
	require.NoError(t, err)
	require.NotNil(t, y, "the deadline has come")
	assert.Equal(t, runtime.StatusEnded, y.Status)
	assert.Equal(t, []string{"incomingCall:Trigger>menu", "timeout:menu>bye", "audioComplete:bye>Ended"}, path(y), "the timeout led to bye")
	assert.NotEmpty(t, events)
	after, _ := runtime.MarshalExecution(x)
	assert.JSONEq(t, string(before), string(after), "the value handed in is unchanged")
	assert.ErrorIs(t, h.engine.Admit(y, widgets.Event{Name: "keypress"}), runtime.ErrRefused, "an ended execution takes nothing")
	y, _, err = h.engine.Elapse(ctx, y)
	assert.NoError(t, err)
	assert.Nil(t, y, "nothing is due to an ended execution")

	h.clock.Advance(31 * 24 * time.Hour)
	y, events, err = h.engine.Elapse(ctx, x)
	require.NoError(t, err)
	assert.Equal(t, runtime.StatusEnded, y.Status)
	assert.Equal(t, runtime.FailureExpired, y.FailureCode)
	assert.Equal(t, runtime.EventExecutionEnded, events[len(events)-1].Type)
}

// Stop ends an execution kept without a store, as End does a stored one.
func TestStopNeedsNoStore(t *testing.T) {
	h := newHarness(t, map[string]string{"FWmenu": menuFlow})
	ctx := context.Background()
	x, _, err := h.engine.Begin(ctx, call("FWmenu"))
	require.NoError(t, err)
	y, events, err := h.engine.Stop(ctx, x, "the caller was transferred")
	require.NoError(t, err)
	assert.Equal(t, runtime.StatusEnded, y.Status)
	assert.Equal(t, "the caller was transferred", y.Reason)
	assert.Nil(t, y.Wait)
	assert.Equal(t, runtime.EventExecutionEnded, events[len(events)-1].Type)
	assert.Equal(t, runtime.StatusActive, x.Status, "the value handed in is unchanged")
	_, _, err = h.engine.Stop(ctx, y, "again")
	assert.ErrorIs(t, err, runtime.ErrRefused)
}
