package runtime_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studioflow/studioflow/runtime"
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
