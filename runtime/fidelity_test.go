package runtime_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studioflow/studioflow/runtime"
)

// Twilio's Executions API ("Execution resource", Studio REST API v2): To is
// the contact's address (contact.channel.address) and From the flow's
// (flow.channel.address). A REST start that reaches send-and-wait-for-reply
// is answered by the contact's reply to the flow's number, in the same
// execution.
func TestRESTStartAddressesFollowTwilio(t *testing.T) {
	src := `{"description": "rest", "initial_state": "Trigger", "states": [
	  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingRequest", "next": "ask"}], "properties": {}},
	  {"name": "ask", "type": "send-and-wait-for-reply", "transitions": [{"event": "incomingMessage", "next": "keep"}, {"event": "timeout"}, {"event": "deliveryFailure"}],
	   "properties": {"body": "Reply please", "timeout": "3600"}},
	  {"name": "keep", "type": "set-variables", "transitions": [{"event": "next"}], "properties": {"variables": [
	    {"key": "contact", "value": "{{contact.channel.address}}"},
	    {"key": "flow", "value": "{{flow.channel.address}}"},
	    {"key": "req_from", "value": "{{trigger.request.From}}"},
	    {"key": "req_to", "value": "{{trigger.request.To}}"},
	    {"key": "reply", "value": "{{widgets.ask.inbound.Body}}"}]}}]}`
	h := newHarness(t, map[string]string{"FW": src})
	contact, flowNumber := runtime.TwilioAddresses(runtime.TriggerRequest, "+15559990000", "+15550001111")
	require.Equal(t, "+15550001111", contact, "a REST start's To is the contact")
	require.Equal(t, "+15559990000", flowNumber, "a REST start's From is the flow's number")
	x := h.start(t, runtime.StartRequest{FlowSid: "FW", Trigger: runtime.TriggerRequest, Contact: contact, FlowAddress: flowNumber})
	require.Equal(t, runtime.StatusActive, x.Status, x.Reason)

	// The contact texts the flow's number: Twilio's From is the contact.
	contact, flowNumber = runtime.TwilioAddresses(runtime.TriggerMessage, "+15550001111", "+15559990000")
	y, err := h.engine.Start(context.Background(), runtime.StartRequest{FlowSid: "FW", Trigger: runtime.TriggerMessage,
		Contact: contact, FlowAddress: flowNumber, Payload: map[string]any{"Body": "yes"}})
	require.NoError(t, err)
	assert.Equal(t, x.ID, y.ID, "the reply resumes the REST execution")
	require.Equal(t, runtime.StatusEnded, y.Status, y.Reason)
	assert.Equal(t, map[string]any{
		"contact": "+15550001111", "flow": "+15559990000",
		"req_from": "+15559990000", "req_to": "+15550001111", "reply": "yes",
	}, y.Variables())
}

// Twilio's voice webhook parameters: Caller and Called beside From and To,
// CallStatus "ringing" when an incoming call starts the flow ("Twilio's
// request to your application", TwiML voice docs); the host's other
// parameters (FromCity...) pass through. A conversation trigger has From
// beside Author (Studio's Conversations trigger).
func TestTriggerVariablesFollowTwilio(t *testing.T) {
	src := `{"description": "vars", "initial_state": "Trigger", "states": [
	  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingCall", "next": "keep"}, {"event": "incomingConversationMessage", "next": "conv"}], "properties": {}},
	  {"name": "keep", "type": "set-variables", "transitions": [{"event": "next"}], "properties": {"variables": [
	    {"key": "v", "value": "{{trigger.call.Caller}}>{{trigger.call.Called}} {{trigger.call.From}}>{{trigger.call.To}} {{trigger.call.CallStatus}} {{trigger.call.Direction}} {{trigger.call.FromCity}}"}]}},
	  {"name": "conv", "type": "set-variables", "transitions": [{"event": "next"}], "properties": {"variables": [
	    {"key": "v", "value": "{{trigger.conversation.From}} {{trigger.conversation.Author}}"}]}}]}`
	h := newHarness(t, map[string]string{"FW": src})
	x := h.start(t, runtime.StartRequest{FlowSid: "FW", Trigger: runtime.TriggerCall, CallSid: "CA1",
		Contact: "+15550001111", FlowAddress: "+15559990000", Payload: map[string]any{"FromCity": "OAKLAND"}})
	require.Equal(t, runtime.StatusEnded, x.Status, x.Reason)
	assert.Equal(t, "+15550001111>+15559990000 +15550001111>+15559990000 ringing inbound OAKLAND", x.Variables()["v"])

	x = h.start(t, runtime.StartRequest{FlowSid: "FW", Trigger: runtime.TriggerConversation, ConversationSid: "CH1", Contact: "alice"})
	require.Equal(t, runtime.StatusEnded, x.Status, x.Reason)
	assert.Equal(t, "alice alice", x.Variables()["v"])
}

// Twilio's Run Subflow widget: "Trigger data from the parent is
// automatically copied into the Subflow", beside trigger.parent.parameters.
func TestSubflowsSeeTheParentsTrigger(t *testing.T) {
	parent := `{"description": "parent", "initial_state": "Trigger", "states": [
	  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingMessage", "next": "child"}], "properties": {}},
	  {"name": "child", "type": "run-subflow", "transitions": [{"event": "completed"}, {"event": "failed"}],
	   "properties": {"flow_sid": "FWchild", "parameters": [{"key": "who", "value": "parent"}]}}]}`
	child := `{"description": "child", "initial_state": "Trigger", "states": [
	  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingParent", "next": "keep"}], "properties": {}},
	  {"name": "keep", "type": "set-variables", "transitions": [{"event": "next"}], "properties": {"variables": [
	    {"key": "v", "value": "{{trigger.message.Body}} from {{trigger.message.From}} via {{trigger.parent.parameters.who}}"}]}}]}`
	h := newHarness(t, map[string]string{"FWparent": parent, "FWchild": child})
	x := h.start(t, runtime.StartRequest{FlowSid: "FWparent", Trigger: runtime.TriggerMessage,
		Contact: "+15550001111", FlowAddress: "+15559990000", Payload: map[string]any{"Body": "hello"}})
	require.Equal(t, runtime.StatusEnded, x.Status, x.Reason)
	// The child's variables come back to the parent as widgets.child.*.
	assert.Equal(t, map[string]any{"v": "hello from +15550001111 via parent"}, x.Widgets()["child"])
}

// A gather asked again keeps nothing of the last answer: pressing 7, then
// saying "sales" leaves no Digits beside the SpeechResult, or a split on
// Digits would route on the stale key.
func TestARepeatedWaitStartsAfresh(t *testing.T) {
	src := `{"description": "again", "initial_state": "Trigger", "states": [
	  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingCall", "next": "menu"}], "properties": {}},
	  {"name": "menu", "type": "gather-input-on-call", "transitions": [{"event": "keypress", "next": "again"}, {"event": "speech", "next": "check"}, {"event": "timeout"}],
	   "properties": {"say": "Press or say", "timeout": "5"}},
	  {"name": "again", "type": "split-based-on", "transitions": [{"event": "noMatch", "next": "menu"}], "properties": {"input": "{{widgets.menu.Digits}}"}},
	  {"name": "check", "type": "split-based-on", "transitions": [{"event": "noMatch", "next": "fresh"},
	    {"event": "match", "next": "stale", "conditions": [{"friendly_name": "7", "arguments": ["{{widgets.menu.Digits}}"], "type": "equal_to", "value": "7"}]}],
	   "properties": {"input": "{{widgets.menu.Digits}}"}},
	  {"name": "fresh", "type": "say-play", "transitions": [{"event": "audioComplete"}], "properties": {"say": "fresh"}},
	  {"name": "stale", "type": "say-play", "transitions": [{"event": "audioComplete"}], "properties": {"say": "stale"}}]}`
	h := newHarness(t, map[string]string{"FW": src})
	x := h.start(t, call("FW"))
	x = h.resume(t, x.ID, "keypress", map[string]any{"Digits": "7"})
	require.Equal(t, "menu", x.Wait.State)
	x = h.resume(t, x.ID, "speech", map[string]any{"SpeechResult": "sales"})
	require.Equal(t, runtime.StatusEnded, x.Status, x.Reason)
	assert.Equal(t, "fresh", x.Steps[len(x.Steps)-1].From, "no stale Digits beside the speech")
	menu, _ := x.Widgets()["menu"].(map[string]any)
	assert.Equal(t, "sales", menu["SpeechResult"])
	assert.NotContains(t, menu, "Digits")
}

// Twilio publishes a flow placing a second call where one is live (compat
// warns), but an execution has one call: the step fails with call_live,
// and the live call is not orphaned.
func TestASecondCallWhileOneIsLiveFails(t *testing.T) {
	src := `{"description": "two calls", "initial_state": "Trigger", "states": [
	  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingCall", "next": "dial"}], "properties": {}},
	  {"name": "dial", "type": "make-outgoing-call-v2", "transitions": [{"event": "answered"}, {"event": "busy"}, {"event": "noAnswer"}, {"event": "failed"}],
	   "properties": {"to": "+15550002222", "from": "+15559990000"}}]}`
	h := newHarness(t, map[string]string{"FW": src})
	x := h.start(t, call("FW"))
	assert.Equal(t, runtime.StatusFailed, x.Status)
	assert.Equal(t, runtime.FailureCallLive, x.FailureCode)
	assert.Equal(t, "CA1", x.Call.Sid, "the live call stays the execution's")
	for _, e := range h.transcript.Entries() {
		assert.NotEqual(t, "call", e.Op, "no second call was placed: %v", e)
	}
}
