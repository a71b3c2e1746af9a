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

// A subflow run twice: while the second run waits, the steps of the
// first still tell what the first published, not what the second did.
func TestASubflowRunTwiceKeepsEachRunsOutputs(t *testing.T) {
	parent := `{"description": "parent", "initial_state": "Trigger", "states": [
	  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingRequest", "next": "first"}], "properties": {}},
	  {"name": "first", "type": "run-subflow", "transitions": [{"event": "completed", "next": "second"}, {"event": "failed"}], "properties": {"flow_sid": "FWchild"}},
	  {"name": "second", "type": "run-subflow", "transitions": [{"event": "completed"}, {"event": "failed"}], "properties": {"flow_sid": "FWchild"}}]}`
	child := `{"description": "child", "initial_state": "Trigger", "states": [
	  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingParent", "next": "ask"}], "properties": {}},
	  {"name": "ask", "type": "send-and-wait-for-reply", "transitions": [{"event": "incomingMessage", "next": "note"}, {"event": "timeout"}, {"event": "deliveryFailure"}],
	   "properties": {"body": "Yes?", "timeout": "60"}},
	  {"name": "note", "type": "set-variables", "transitions": [{"event": "next"}], "properties": {"variables": [{"key": "said", "value": "{{widgets.ask.inbound.Body}}"}]}}]}`
	h := newHarness(t, map[string]string{"FWparent": parent, "FWchild": child})
	x := h.start(t, runtime.StartRequest{FlowSid: "FWparent", Trigger: runtime.TriggerRequest, Contact: "+15550001111", FlowAddress: "+15559990000"})
	x, err := h.engine.Resume(context.Background(), x.ID, widgets.Event{Name: "incomingMessage", Token: x.Wait.Token, Data: map[string]any{"Body": "first"}})
	require.NoError(t, err)
	require.NotNil(t, x.Wait, "the second run waits: %s", x.Reason)

	var asked []any
	for i, st := range x.Steps {
		if st.From == "ask" {
			in, _ := x.Published(i)["inbound"].(map[string]any)
			asked = append(asked, in["Body"])
		}
	}
	assert.Equal(t, []any{"first"}, asked, "the first run's reply, not the second's (none yet)")
	// Steps of the first run whose widget published nothing say so, and
	// do not read the live second run's context.
	for i, st := range x.Steps {
		if st.Frame != "" && st.From == "Trigger" {
			assert.Empty(t, x.Published(i), "step %d", i)
		}
	}
}

// At most MaxPublishedSteps steps keep their outputs: a flow that loops
// does not grow its record without bound.
func TestPublishedOutputsAreBounded(t *testing.T) {
	h := newHarness(t, map[string]string{"FW": askAgain})
	x := h.start(t, rest)
	ctx := context.Background()
	turns := runtime.MaxPublishedSteps + 10
	for range turns {
		var err error
		x, err = h.engine.Resume(ctx, x.ID, widgets.Event{Name: "incomingMessage", Token: x.Wait.Token, Data: map[string]any{"Body": "again"}})
		require.NoError(t, err)
	}
	kept, emptied := 0, 0
	for _, st := range x.Steps {
		switch {
		case len(st.Published) > 0:
			kept++
		case st.Published != nil:
			emptied++
		}
	}
	assert.Equal(t, runtime.MaxPublishedSteps, kept)
	assert.Equal(t, turns-runtime.MaxPublishedSteps, emptied, "the oldest are emptied (ask ran again on every turn)")
	// The newest step of ask keeps its outputs; the oldest does not.
	first, last := -1, 0
	for i, st := range x.Steps {
		if st.From == "ask" {
			if first < 0 {
				first = i
			}
			last = i
		}
	}
	in, _ := x.Published(last)["inbound"].(map[string]any)
	assert.Equal(t, "again", in["Body"])
	assert.Empty(t, x.Published(first))
}
