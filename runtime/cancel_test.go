package runtime_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studioflow/studioflow/runtime"
	"github.com/studioflow/studioflow/widgets"
	"github.com/studioflow/studioflow/widgets/fake"
)

// cancelingMessaging is a messaging service whose caller gives up while
// the message named in cancelOn goes out: it cancels the caller's context
// as it sends.
type cancelingMessaging struct {
	widgets.Messaging
	cancelOn string
	cancel   context.CancelFunc
}

func (m *cancelingMessaging) Send(ctx context.Context, msg widgets.Message) (widgets.Sent, error) {
	if msg.Body == m.cancelOn && m.cancel != nil {
		m.cancel()
	}
	return m.Messaging.Send(ctx, msg)
}

// A caller whose context ends while a step runs gets the context's error,
// and the execution is as it was: a waiting one still waits and is
// resumable, and the step's retry repeats its effect's key. The context
// ending is the caller's doing, not the flow's.
func TestACanceledCallLosesNothing(t *testing.T) {
	src := `{"description": "cancel", "initial_state": "Trigger", "states": [
	  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingMessage", "next": "ask"}], "properties": {}},
	  {"name": "ask", "type": "send-and-wait-for-reply", "transitions": [{"event": "incomingMessage", "next": "thanks"}, {"event": "timeout"}, {"event": "deliveryFailure"}],
	   "properties": {"body": "Name?", "timeout": "3600"}},
	  {"name": "thanks", "type": "send-message", "transitions": [{"event": "sent"}, {"event": "failed"}],
	   "properties": {"body": "Thanks {{widgets.ask.inbound.Body}}"}}]}`
	services, transcript := fake.Services()
	cm := &cancelingMessaging{Messaging: services.Messaging, cancelOn: "Thanks Ada"}
	services.Messaging = cm
	h := newHarness(t, map[string]string{"FW": src}, runtime.WithServices(services))
	x := h.start(t, runtime.StartRequest{FlowSid: "FW", Trigger: runtime.TriggerMessage, Contact: "+15550001111", FlowAddress: "+15559990000"})
	require.NotNil(t, x.Wait)

	ctx, cancel := context.WithCancel(context.Background())
	cm.cancel = cancel
	_, err := h.engine.Resume(ctx, x.ID, resumeMessage("Ada"))
	require.ErrorIs(t, err, context.Canceled)
	kept, err := h.engine.Store().Load(context.Background(), x.ID)
	require.NoError(t, err)
	assert.Equal(t, x.Version, kept.Version, "nothing was saved")
	require.NotNil(t, kept.Wait, "still waiting")
	assert.Equal(t, "ask", kept.Wait.State)

	cm.cancel = nil
	y, err := h.engine.Resume(context.Background(), x.ID, resumeMessage("Ada"))
	require.NoError(t, err)
	assert.Equal(t, runtime.StatusEnded, y.Status, y.Reason)
	var keys []string
	for _, e := range transcript.Entries() {
		if e.Text == "Thanks Ada" {
			keys = append(keys, e.Effect)
		}
	}
	require.Len(t, keys, 2, "sent by the canceled run and by the retry: at least once")
	assert.Equal(t, keys[0], keys[1], "under one key")
}

// cancelingDoer is an HTTP service whose request is still out when the
// caller gives up: it cancels the caller's context, then fails as a
// client does.
type cancelingDoer struct{ cancel context.CancelFunc }

func (d cancelingDoer) Do(req *http.Request) (*http.Response, error) {
	d.cancel()
	return nil, req.Context().Err()
}

// A request the caller gave up on is not the flow's failed branch: the
// execution is released (a start) instead of ending on "http failed".
func TestACanceledRequestIsNotTheFlowsFailure(t *testing.T) {
	src := `{"description": "http", "initial_state": "Trigger", "states": [
	  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingRequest", "next": "get"}], "properties": {}},
	  {"name": "get", "type": "make-http-request", "transitions": [{"event": "success"}, {"event": "failed", "next": "sorry"}],
	   "properties": {"method": "GET", "url": "https://api.example.com/x", "content_type": "application/json"}},
	  {"name": "sorry", "type": "set-variables", "transitions": [{"event": "next"}], "properties": {"variables": [{"key": "v", "value": "http failed"}]}}]}`
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	services := &widgets.Services{HTTP: cancelingDoer{cancel}}
	h := newHarness(t, map[string]string{"FW": src}, runtime.WithServices(services))
	_, err := h.engine.Start(ctx, runtime.StartRequest{FlowSid: "FW", Trigger: runtime.TriggerRequest, Contact: "+15550001111", FlowAddress: "+15559990000"})
	require.ErrorIs(t, err, context.Canceled)
	x, err := h.engine.Store().Load(context.Background(), "FN00000001")
	require.NoError(t, err)
	assert.Equal(t, runtime.StatusFailed, x.Status)
	assert.Equal(t, runtime.FailureCanceled, x.FailureCode, "released, not ended on the failed branch")
	assert.Empty(t, x.Variables())
}

// crashingSaves fails the saves it is told to, after the store has not
// taken them: a crash between a step's effects and the save that records
// them.
type crashingSaves struct {
	*runtime.MemoryStore
	fail int
}

func (s *crashingSaves) Save(ctx context.Context, x *runtime.Execution) error {
	if s.fail > 0 {
		s.fail--
		return errors.New("the database went away")
	}
	return s.MemoryStore.Save(ctx, x)
}

// After a crash between an effect and its save, the step runs again
// (at least once), and its service calls carry the same idempotency keys,
// derived from saved state, so a service can send once.
func TestARerunStepReusesItsEffectKeys(t *testing.T) {
	src := `{"description": "rerun", "initial_state": "Trigger", "states": [
	  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingRequest", "next": "ask"}], "properties": {}},
	  {"name": "ask", "type": "send-and-wait-for-reply", "transitions": [{"event": "incomingMessage", "next": "thanks"}, {"event": "timeout"}, {"event": "deliveryFailure"}],
	   "properties": {"body": "Name?", "timeout": "3600"}},
	  {"name": "thanks", "type": "send-message", "transitions": [{"event": "sent"}, {"event": "failed"}], "properties": {"body": "Thanks {{widgets.ask.inbound.Body}}"}}]}`
	store := &crashingSaves{MemoryStore: runtime.NewMemoryStore()}
	h := newHarness(t, map[string]string{"FW": src}, runtime.WithStore(store))
	x := h.start(t, rest)
	require.NotNil(t, x.Wait)

	store.fail = 1
	_, err := h.engine.Resume(context.Background(), x.ID, widgets.Event{Name: "incomingMessage", Token: x.Wait.Token, Data: map[string]any{"Body": "Ada"}})
	require.Error(t, err, "the save failed after the thanks went out")
	y, err := h.engine.Resume(context.Background(), x.ID, widgets.Event{Name: "incomingMessage", Token: x.Wait.Token, Data: map[string]any{"Body": "Ada"}})
	require.NoError(t, err, "the wait is still current: the retry is taken")
	assert.Equal(t, runtime.StatusEnded, y.Status)

	var keys []string
	for _, e := range h.transcript.Entries() {
		if e.Service == "messaging" && e.Text == "Thanks Ada" {
			keys = append(keys, e.Effect)
		}
	}
	require.Len(t, keys, 2, "sent twice: at least once")
	assert.NotEmpty(t, keys[0])
	assert.Equal(t, keys[0], keys[1], "with the same key both times")
	var first string
	for _, e := range h.transcript.Entries() {
		if e.Service == "messaging" && e.Text == "Name?" {
			first = e.Effect
		}
	}
	assert.NotEqual(t, first, keys[0], "each call has its own key")
}

// flakyLoads fails one load, the skip-th from now: a store's passing
// fault.
type flakyLoads struct {
	*runtime.MemoryStore
	skip int // loads to let through first; -1: fail none
}

func (s *flakyLoads) Load(ctx context.Context, id string) (*runtime.Execution, error) {
	if s.skip == 0 {
		s.skip = -1
		return nil, errors.New("connection reset")
	}
	if s.skip > 0 {
		s.skip--
	}
	return s.MemoryStore.Load(ctx, id)
}

// A store fault during the expiry pass leaves the execution as it was,
// waiting, for the next pass: it does not end a healthy execution.
func TestExpiryIsPatientWithStoreFaults(t *testing.T) {
	store := &flakyLoads{MemoryStore: runtime.NewMemoryStore(), skip: -1}
	h := newHarness(t, map[string]string{"FWmenu": menuFlow}, runtime.WithStore(store))
	x := h.start(t, call("FWmenu"))
	h.clock.Advance(10 * time.Minute)

	// The pass loads the execution, then loads it again to deliver the
	// timeout: that second load fails.
	store.skip = 1
	n, err := h.engine.Expire(context.Background())
	require.Error(t, err)
	assert.Equal(t, 0, n)
	kept, err := h.engine.Get(context.Background(), x.ID)
	require.NoError(t, err)
	assert.Equal(t, runtime.StatusActive, kept.Status)
	require.NotNil(t, kept.Wait, "still waiting, for the next pass")

	n, err = h.engine.Expire(context.Background())
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	done, err := h.engine.Get(context.Background(), x.ID)
	require.NoError(t, err)
	assert.Equal(t, runtime.StatusEnded, done.Status, "the timeout was delivered: the menu says goodbye")
}
