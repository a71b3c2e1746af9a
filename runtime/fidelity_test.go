package runtime_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studioflow/studioflow/runtime"
	"github.com/studioflow/studioflow/widgets"
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

// Twilio's Run Subflow widget: "by default, subflow parameters are parsed
// as strings"; one whose "Parse as JSON object" box is checked ("type":
// "json") reaches the subflow as an object, and one that names an object
// alone passes the object itself.
func TestSubflowParametersParsedAsJSON(t *testing.T) {
	parent := `{"description": "parent", "initial_state": "Trigger", "states": [
	  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingRequest", "next": "keep"}], "properties": {}},
	  {"name": "keep", "type": "set-variables", "transitions": [{"event": "next", "next": "child"}], "properties": {"variables": [
	    {"key": "order", "type": "json", "value": "{\"id\": 7, \"items\": [\"a\", \"b\"]}"}]}},
	  {"name": "child", "type": "run-subflow", "transitions": [{"event": "completed"}, {"event": "failed"}],
	   "properties": {"flow_sid": "FWchild", "parameters": [
	     {"key": "obj", "type": "json", "value": "{\"a\": {\"b\": \"{{flow.data.x}}\"}}"},
	     {"key": "text", "value": "{\"a\": 1}"},
	     {"key": "order", "type": "json", "value": "{{flow.variables.order}}"},
	     {"key": "bad", "type": "json", "value": "not json"}]}}]}`
	child := `{"description": "child", "initial_state": "Trigger", "states": [
	  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingParent", "next": "keep"}], "properties": {}},
	  {"name": "keep", "type": "set-variables", "transitions": [{"event": "next"}], "properties": {"variables": [
	    {"key": "v", "value": "{{trigger.parent.parameters.obj.a.b}} {{trigger.parent.parameters.text.a}}|{{trigger.parent.parameters.text}} {{trigger.parent.parameters.order.items[1]}} {{trigger.parent.parameters.bad}}"}]}}]}`
	h := newHarness(t, map[string]string{"FWparent": parent, "FWchild": child})
	x := h.start(t, runtime.StartRequest{FlowSid: "FWparent", Trigger: runtime.TriggerRequest,
		Contact: "+15550001111", FlowAddress: "+15559990000", Parameters: map[string]any{"x": "deep"}})
	require.Equal(t, runtime.StatusEnded, x.Status, x.Reason)
	assert.Equal(t, map[string]any{"v": `deep |{"a": 1} b not json`}, x.Widgets()["child"])
}

// Twilio's Run Subflow widget: failed is taken when "the Subflow could not
// be loaded or executed": a step of the subflow that fails leaves it for
// the caller's failed branch, with the step's error, instead of failing the
// execution.
func TestASubflowThatFailsTakesFailed(t *testing.T) {
	parent := `{"description": "parent", "initial_state": "Trigger", "states": [
	  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingRequest", "next": "child"}], "properties": {}},
	  {"name": "child", "type": "run-subflow", "transitions": [{"event": "completed", "next": "done"}, {"event": "failed", "next": "sorry"}],
	   "properties": {"flow_sid": "FWchild"}},
	  {"name": "done", "type": "set-variables", "transitions": [{"event": "next"}], "properties": {"variables": [{"key": "how", "value": "completed"}]}},
	  {"name": "sorry", "type": "set-variables", "transitions": [{"event": "next"}], "properties": {"variables": [{"key": "how", "value": "failed: {{widgets.child.error}}"}]}}]}`
	child := `{"description": "child", "initial_state": "Trigger", "states": [
	  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingParent", "next": "first"}], "properties": {}},
	  {"name": "first", "type": "set-variables", "transitions": [{"event": "next", "next": "broken"}], "properties": {"variables": [{"key": "a", "value": "1"}]}},
	  {"name": "broken", "type": "set-variables", "transitions": [{"event": "next"}], "properties": {"variables": [{"key": "v", "value": "{{ 1 | divided_by: 0 }}"}]}}]}`
	h := newHarness(t, map[string]string{"FWparent": parent, "FWchild": child})
	x := h.start(t, runtime.StartRequest{FlowSid: "FWparent", Trigger: runtime.TriggerRequest, Contact: "+15550001111", FlowAddress: "+15559990000"})
	require.Equal(t, runtime.StatusEnded, x.Status, x.Reason)
	assert.Len(t, x.Frames, 1, "the subflow was left")
	assert.Equal(t, `failed: state "broken": variable "v": property "variables": template: line 1: divided_by: 1 divided by 0`, x.Variables()["how"])
	var names []string
	for _, st := range x.Steps {
		names = append(names, st.Name+":"+st.From)
	}
	assert.Equal(t, []string{"incomingRequest:Trigger", "incomingParent:Trigger", "next:first", "failed:broken", "failed:child", "next:sorry"}, names,
		"the failing state's step, then its caller's")
	assert.Equal(t, "subflow:FWchild", x.Steps[3].Frame)

	// What fails an execution wherever it happens still does: a template
	// past its budget.
	budget := strings.Replace(child, `{{ 1 | divided_by: 0 }}`, `{% for i in (1..15) %}{% for j in (1..15) %}{% for k in (1..15) %}{% endfor %}{% endfor %}{% endfor %}`, 1)
	h = newHarness(t, map[string]string{"FWparent": parent, "FWchild": budget})
	x = h.start(t, runtime.StartRequest{FlowSid: "FWparent", Trigger: runtime.TriggerRequest, Contact: "+15550001111", FlowAddress: "+15559990000"})
	assert.Equal(t, runtime.StatusFailed, x.Status)
	assert.Equal(t, runtime.FailureTemplateBudget, x.FailureCode)

	// An engine replaying a history recorded before (the Temporal adapter)
	// fails the execution as it did then.
	h = newHarness(t, map[string]string{"FWparent": parent, "FWchild": child}, runtime.WithSubflowFailuresEndExecution())
	x = h.start(t, runtime.StartRequest{FlowSid: "FWparent", Trigger: runtime.TriggerRequest, Contact: "+15550001111", FlowAddress: "+15559990000"})
	assert.Equal(t, runtime.StatusFailed, x.Status)
	assert.Equal(t, runtime.FailureTemplate, x.FailureCode)
}

// A step that fails in a module the subflow runs is the subflow's
// failure too: the module and the subflow are left for the caller's
// failed branch, as for a step of the subflow itself. A module run by the
// root flow still fails the execution (there is no caller to take it), and
// an engine replaying a history recorded before (the Temporal adapter)
// fails it inside a subflow too.
func TestAModuleFailingInASubflowTakesTheSubflowsFailed(t *testing.T) {
	parent := `{"description": "parent", "initial_state": "Trigger", "states": [
	  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingRequest", "next": "child"}], "properties": {}},
	  {"name": "child", "type": "run-subflow", "transitions": [{"event": "completed"}, {"event": "failed", "next": "sorry"}], "properties": {"flow_sid": "FWchild"}},
	  {"name": "sorry", "type": "set-variables", "transitions": [{"event": "next"}], "properties": {"variables": [{"key": "how", "value": "failed: {{widgets.child.error}}"}]}}]}`
	child := `{"description": "child", "initial_state": "Trigger", "states": [
	  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingParent", "next": "mod"}], "properties": {}},
	  {"name": "mod", "type": "run-module", "transitions": [{"event": "done"}, {"event": "failed"}], "properties": {"module": "broken"}}]}`
	broken := `{"description": "broken", "initial_state": "Begin", "states": [
	  {"name": "Begin", "type": "begin-module", "transitions": [{"event": "next", "next": "divide"}], "properties": {"arguments": []}},
	  {"name": "divide", "type": "set-variables", "transitions": [{"event": "next", "next": "out"}], "properties": {"variables": [{"key": "v", "value": "{{ 1 | divided_by: 0 }}"}]}},
	  {"name": "out", "type": "return-to-flow", "transitions": [], "properties": {"exit": "done"}}]}`
	modules := runtime.WithModules(runtime.ModuleDefinitions{"broken": mustParse(t, broken)})
	req := runtime.StartRequest{FlowSid: "FWparent", Trigger: runtime.TriggerRequest, Contact: "+15550001111", FlowAddress: "+15559990000"}

	h := newHarness(t, map[string]string{"FWparent": parent, "FWchild": child}, modules)
	x := h.start(t, req)
	require.Equal(t, runtime.StatusEnded, x.Status, x.Reason)
	assert.Len(t, x.Frames, 1, "the module and the subflow were left")
	assert.Equal(t, `failed: state "divide": variable "v": property "variables": template: line 1: divided_by: 1 divided by 0`, x.Variables()["how"])
	var names []string
	for _, st := range x.Steps {
		names = append(names, st.Name+":"+st.From+"@"+st.Frame)
	}
	assert.Equal(t, []string{"incomingRequest:Trigger@", "incomingParent:Trigger@subflow:FWchild", "next:Begin@module:broken",
		"failed:divide@module:broken", "failed:child@", "next:sorry@"}, names, "the failing state's step, then the subflow's caller's")

	// A module the root flow runs: the execution fails.
	root := `{"description": "root", "initial_state": "Trigger", "states": [
	  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingRequest", "next": "mod"}], "properties": {}},
	  {"name": "mod", "type": "run-module", "transitions": [{"event": "done"}, {"event": "failed"}], "properties": {"module": "broken"}}]}`
	h = newHarness(t, map[string]string{"FWroot": root}, modules)
	x = h.start(t, runtime.StartRequest{FlowSid: "FWroot", Trigger: runtime.TriggerRequest, Contact: "+15550001111", FlowAddress: "+15559990000"})
	assert.Equal(t, runtime.StatusFailed, x.Status)
	assert.Equal(t, runtime.FailureTemplate, x.FailureCode)

	// Replaying a history recorded before: the execution fails.
	h = newHarness(t, map[string]string{"FWparent": parent, "FWchild": child}, modules, runtime.WithModuleFailuresInSubflowsEndExecution())
	x = h.start(t, req)
	assert.Equal(t, runtime.StatusFailed, x.Status)
	assert.Equal(t, runtime.FailureTemplate, x.FailureCode)
}

// A state that published and then, run again, failed: its first run's
// outputs stay on its first step, and the failed step published nothing,
// in a subflow's own frame or in a module's the subflow runs.
func TestAFailedRunKeepsTheEarlierRunsOutputsOnItsStep(t *testing.T) {
	flaky := widgets.Type{Name: "flaky", Compile: func(*widgets.Props) widgets.Node { return flakyNode{} }}
	parent := `{"description": "parent", "initial_state": "Trigger", "states": [
	  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingRequest", "next": "child"}], "properties": {}},
	  {"name": "child", "type": "run-subflow", "transitions": [{"event": "completed"}, {"event": "failed"}], "properties": {"flow_sid": "FWchild"}}]}`
	body := `{"name": "w", "type": "flaky", "transitions": [{"event": "next", "next": "again"}], "properties": {}},
	  {"name": "again", "type": "set-variables", "transitions": [{"event": "next", "next": "w"}], "properties": {"variables": [{"key": "fail", "value": "yes"}]}}`
	inSubflow := `{"description": "child", "initial_state": "Trigger", "states": [
	  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingParent", "next": "w"}], "properties": {}}, ` + body + `]}`
	viaModule := `{"description": "child", "initial_state": "Trigger", "states": [
	  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingParent", "next": "mod"}], "properties": {}},
	  {"name": "mod", "type": "run-module", "transitions": [{"event": "done"}, {"event": "failed"}], "properties": {"module": "m"}}]}`
	module := `{"description": "m", "initial_state": "Begin", "states": [
	  {"name": "Begin", "type": "begin-module", "transitions": [{"event": "next", "next": "w"}], "properties": {"arguments": []}}, ` + body + `]}`
	for name, child := range map[string]string{"subflow": inSubflow, "module": viaModule} {
		h := newHarness(t, map[string]string{"FWparent": parent, "FWchild": child}, runtime.WithWidget(flaky),
			runtime.WithModules(runtime.ModuleDefinitions{"m": mustParse(t, module)}))
		x := h.start(t, runtime.StartRequest{FlowSid: "FWparent", Trigger: runtime.TriggerRequest, Contact: "+15550001111", FlowAddress: "+15559990000"})
		require.Equal(t, runtime.StatusEnded, x.Status, x.Reason)
		var ran, failed []map[string]any
		for i, st := range x.Steps {
			if st.From != "w" {
				continue
			}
			if st.Name == runtime.StepFailedName {
				failed = append(failed, x.Published(i))
			} else {
				ran = append(ran, x.Published(i))
			}
		}
		assert.Equal(t, []map[string]any{{"ran": "ok"}}, ran, name)
		require.Len(t, failed, 1, name)
		assert.Empty(t, failed[0], name)
	}
}

// flakyNode publishes {"ran": "ok"}, and fails once flow.variables.fail
// is "yes".
type flakyNode struct{}

func (flakyNode) Events() []string { return []string{"next"} }
func (flakyNode) Run(sc widgets.StepContext) (widgets.Result, error) {
	if v, _ := sc.Lookup("flow.variables.fail"); v == "yes" {
		return widgets.Result{}, fmt.Errorf("it failed this time")
	}
	return widgets.Take("next", map[string]any{"ran": "ok"}), nil
}

// A subflow step that fails when its wait is answered leaves the subflow
// for the caller's failed branch too; a widget that panics in a subflow
// still fails the execution (a bug, not the flow's doing).
func TestASubflowFailingOnResumeTakesFailed(t *testing.T) {
	picky := widgets.Type{Name: "picky", Compile: func(*widgets.Props) widgets.Node { return pickyNode{} }}
	parent := `{"description": "parent", "initial_state": "Trigger", "states": [
	  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingRequest", "next": "child"}], "properties": {}},
	  {"name": "child", "type": "run-subflow", "transitions": [{"event": "completed"}, {"event": "failed", "next": "sorry"}],
	   "properties": {"flow_sid": "FWchild"}},
	  {"name": "sorry", "type": "set-variables", "transitions": [{"event": "next"}], "properties": {"variables": [{"key": "how", "value": "{{widgets.child.error}}"}]}}]}`
	child := `{"description": "child", "initial_state": "Trigger", "states": [
	  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingParent", "next": "ask"}], "properties": {}},
	  {"name": "ask", "type": "picky", "transitions": [{"event": "answer"}], "properties": {}}]}`
	h := newHarness(t, map[string]string{"FWparent": parent, "FWchild": child}, runtime.WithWidget(picky))
	x := h.start(t, runtime.StartRequest{FlowSid: "FWparent", Trigger: runtime.TriggerRequest, Contact: "+15550001111", FlowAddress: "+15559990000"})
	require.NotNil(t, x.Wait, x.Reason)
	x = h.resume(t, x.ID, "answer", map[string]any{"text": "no"})
	require.Equal(t, runtime.StatusEnded, x.Status, x.Reason)
	assert.Equal(t, `state "ask": the answer "no" will not do`, x.Variables()["how"])

	boom := widgets.Type{Name: "boom", Compile: func(*widgets.Props) widgets.Node { return boomNode{} }}
	child = strings.Replace(child, `"type": "picky", "transitions": [{"event": "answer"}]`, `"type": "boom", "transitions": []`, 1)
	h = newHarness(t, map[string]string{"FWparent": parent, "FWchild": child}, runtime.WithWidget(boom))
	x = h.start(t, runtime.StartRequest{FlowSid: "FWparent", Trigger: runtime.TriggerRequest, Contact: "+15550001111", FlowAddress: "+15559990000"})
	assert.Equal(t, runtime.StatusFailed, x.Status)
	assert.Equal(t, runtime.FailureWidgetPanic, x.FailureCode)
}

// pickyNode waits for an answer and fails on one that is not "yes".
type pickyNode struct{}

func (pickyNode) Events() []string { return []string{"answer"} }
func (pickyNode) Run(widgets.StepContext) (widgets.Result, error) {
	return widgets.Suspend(widgets.Wait{Events: []string{"answer"}, Timeout: time.Hour}, nil), nil
}
func (pickyNode) Resume(_ widgets.StepContext, ev widgets.Event) (widgets.Result, error) {
	if s := widgets.DataString(ev.Data, "text"); s != "yes" {
		return widgets.Result{}, fmt.Errorf("the answer %q will not do", s)
	}
	return widgets.Take("answer", nil), nil
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
