package runtime_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studioflow/studioflow/runtime"
	"github.com/studioflow/studioflow/widgets"
)

// A caller whose context ends while a step runs gets the context's error,
// and the execution is as it was: a waiting one still waits and is
// resumable, a new one is released (FailureCanceled) rather than left
// holding its contact. The context ending is the caller's doing, not the
// flow's.
func TestACanceledCallLosesNothing(t *testing.T) {
	src := `{"description": "cancel", "initial_state": "Trigger", "states": [
	  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingMessage", "next": "ask"}], "properties": {}},
	  {"name": "ask", "type": "send-and-wait-for-reply", "transitions": [{"event": "incomingMessage", "next": "thanks"}, {"event": "timeout"}, {"event": "deliveryFailure"}],
	   "properties": {"body": "Name?", "timeout": "3600"}},
	  {"name": "thanks", "type": "send-message", "transitions": [{"event": "sent"}, {"event": "failed"}],
	   "properties": {"body": "{% for i in (1..15) %}{% for j in (1..15) %}{{ j }}{{ j }}{{ j }}{{ j }}{{ j }}{% endfor %}{% endfor %}"}}]}`
	h := newHarness(t, map[string]string{"FW": src})
	x := h.start(t, runtime.StartRequest{FlowSid: "FW", Trigger: runtime.TriggerMessage, Contact: "+15550001111", FlowAddress: "+15559990000"})
	require.NotNil(t, x.Wait)

	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := h.engine.Resume(canceled, x.ID, resumeMessage("Ada"))
	require.ErrorIs(t, err, context.Canceled)
	kept, err := h.engine.Store().Load(context.Background(), x.ID)
	require.NoError(t, err)
	assert.Equal(t, runtime.StatusActive, kept.Status)
	require.NotNil(t, kept.Wait, "still waiting")
	assert.Equal(t, "ask", kept.Wait.State)

	y, err := h.engine.Resume(context.Background(), x.ID, resumeMessage("Ada"))
	require.NoError(t, err)
	assert.Equal(t, runtime.StatusEnded, y.Status, y.Reason)
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
