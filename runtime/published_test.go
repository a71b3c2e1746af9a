package runtime_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studioflow/studioflow/runtime"
	"github.com/studioflow/studioflow/widgets"
)

// askAgain asks until the answer is not "again".
const askAgain = `{"description": "ask again", "initial_state": "Trigger", "states": [
  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingRequest", "next": "ask"}], "properties": {}},
  {"name": "ask", "type": "send-and-wait-for-reply", "transitions": [{"event": "incomingMessage", "next": "check"}, {"event": "timeout"}, {"event": "deliveryFailure"}],
   "properties": {"body": "How are you?", "timeout": "60"}},
  {"name": "check", "type": "split-based-on", "transitions": [{"event": "noMatch", "next": "done"},
     {"event": "match", "next": "ask", "conditions": [{"friendly_name": "again", "arguments": ["{{widgets.ask.inbound.Body}}"], "type": "equal_to", "value": "again"}]}],
   "properties": {"input": "{{widgets.ask.inbound.Body}}"}},
  {"name": "done", "type": "send-message", "transitions": [{"event": "sent"}, {"event": "failed"}], "properties": {"body": "Thanks"}}]}`

// Each step keeps what its widget published: once a widget runs again,
// the step of its previous run holds the previous outputs, and the
// context the new ones; a round trip through the stored format keeps
// both.
func TestEachStepKeepsWhatItPublished(t *testing.T) {
	h := newHarness(t, map[string]string{"FW": askAgain})
	x := h.start(t, rest)
	ctx := context.Background()
	for _, body := range []string{"again", "fine"} {
		var err error
		x, err = h.engine.Resume(ctx, x.ID, widgets.Event{Name: "incomingMessage", Token: x.Wait.Token, Data: map[string]any{"Body": body}})
		require.NoError(t, err)
	}
	require.Equal(t, runtime.StatusEnded, x.Status, x.Reason)
	var asked []string
	for i, st := range x.Steps {
		if st.From != "ask" {
			continue
		}
		in, _ := x.Published(i)["inbound"].(map[string]any)
		asked = append(asked, in["Body"].(string))
	}
	assert.Equal(t, []string{"again", "fine"}, asked)
	assert.NotNil(t, x.Steps[1].Published, "the first ask's step holds its outputs")
	assert.Nil(t, x.Steps[3].Published, "the last ask's are in the context")
	assert.Nil(t, x.Published(-1))
	assert.Nil(t, x.Published(len(x.Steps)))

	data, err := runtime.MarshalExecution(x)
	require.NoError(t, err)
	back, err := runtime.UnmarshalExecution(data)
	require.NoError(t, err)
	assert.Equal(t, x.Steps, back.Steps)
}
