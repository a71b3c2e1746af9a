package twilio_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studioflow/studioflow/adapters/twilio"
	"github.com/studioflow/studioflow/runtime"
	"github.com/studioflow/studioflow/widgets"
)

// agentLookup is a function (run-function) that answers with the agent
// to dial, as a Twilio Function would with a JSON body.
type agentLookup struct{ calls int }

func (f *agentLookup) Invoke(_ context.Context, c widgets.FunctionCall) (widgets.FunctionResult, bool, error) {
	f.calls++
	return widgets.FunctionResult{StatusCode: 200, ContentType: "application/json", Body: `{"agent": "+15550001111"}`}, true, nil
}

// ivrDial is an IVR as Studio exports one: a menu, a split on the key, a
// function that finds the agent, and a connect-call-to that dials them.
const ivrDial = `{"description": "IVR with a dial", "initial_state": "Trigger", "flags": {"allow_concurrent_calls": true}, "states": [
  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingMessage"}, {"event": "incomingCall", "next": "menu"}, {"event": "incomingRequest"}], "properties": {"offset": {"x": 0, "y": 0}}},
  {"name": "menu", "type": "gather-input-on-call",
   "transitions": [{"event": "keypress", "next": "route"}, {"event": "speech", "next": "route"}, {"event": "timeout", "next": "menu"}],
   "properties": {"say": "Press 1 to talk to an agent.", "number_of_digits": 1, "timeout": 5, "offset": {"x": 0, "y": 200}}},
  {"name": "route", "type": "split-based-on",
   "transitions": [{"event": "noMatch", "next": "menu"},
     {"event": "match", "next": "lookup", "conditions": [{"friendly_name": "agent", "arguments": ["{{widgets.menu.Digits}}"], "type": "equal_to", "value": "1"}]}],
   "properties": {"input": "{{widgets.menu.Digits}}", "offset": {"x": 0, "y": 400}}},
  {"name": "lookup", "type": "run-function", "transitions": [{"event": "success", "next": "connect"}, {"event": "fail", "next": "sorry"}],
   "properties": {"service_sid": "ZS00000000000000000000000000000001", "environment_sid": "ZE00000000000000000000000000000001",
     "function_sid": "ZH00000000000000000000000000000001", "url": "https://acme-1234.twil.io/agent",
     "parameters": [{"key": "caller", "value": "{{contact.channel.address}}"}], "offset": {"x": 0, "y": 600}}},
  {"name": "connect", "type": "connect-call-to", "transitions": [{"event": "callCompleted", "next": "bye"}, {"event": "hangup"}],
   "properties": {"noun": "number", "to": "{{widgets.lookup.parsed.agent}}", "caller_id": "{{flow.channel.address}}", "timeout": 20, "record": true, "offset": {"x": 0, "y": 800}}},
  {"name": "bye", "type": "say-play", "transitions": [{"event": "audioComplete"}],
   "properties": {"say": "The call with our agent ended ({{widgets.connect.DialCallStatus}}). Goodbye.", "offset": {"x": 0, "y": 1000}}},
  {"name": "sorry", "type": "say-play", "transitions": [{"event": "audioComplete"}], "properties": {"say": "Sorry, nobody is free.", "offset": {"x": 0, "y": 1000}}}]}`

func stepsOf(t *testing.T, e *runtime.Engine, id string) (*runtime.Execution, []string) {
	t.Helper()
	x, err := e.Get(context.Background(), id)
	require.NoError(t, err)
	var path []string
	for _, s := range x.Steps {
		path = append(path, s.From+" -"+s.Name+"-> "+s.To)
	}
	return x, path
}

func TestVoiceIVRDialsTheAgentAFunctionFinds(t *testing.T) {
	fn := &agentLookup{}
	h := newHarnessWith(t, map[string]string{"FWivr": ivrDial}, &widgets.Services{Functions: fn})

	c := h.dial("CA0001", "FWivr")
	assert.Equal(t, []string{"Gather finishOnKey=# numDigits=1 timeout=5", `  Say "Press 1 to talk to an agent."`}, lines(c.doc))
	// 1: the function finds the agent, and the call is bridged to them.
	assert.Equal(t, []string{"Dial callerId=" + number + " record=record-from-answer timeout=20", `  Number "+15550001111"`}, c.press("1"))
	assert.Equal(t, 1, fn.calls)
	d, _ := find(c.doc, "Dial")
	action, err := url.Parse(d.attr("action"))
	require.NoError(t, err)
	assert.Equal(t, h.server.URL+twilio.PathVoiceDial, action.Scheme+"://"+action.Host+action.Path)
	assert.Equal(t, url.Values{"execution": {"FN00000001"}, "token": {"2"}}, action.Query())
	assert.Equal(t, "POST", d.attr("method"))

	// The agent hangs up after a while; the caller is still on the line.
	got := c.dialled(url.Values{"DialCallStatus": {"completed"}, "DialCallSid": {"CA0002"}, "DialCallDuration": {"31"}, "DialBridged": {"true"}}, false)
	assert.Equal(t, []string{`Say "The call with our agent ended (completed). Goodbye."`, "Hangup"}, got)
	x, path := stepsOf(t, h.engine, "FN00000001")
	assert.Equal(t, runtime.StatusEnded, x.Status)
	assert.Equal(t, []string{
		"Trigger -incomingCall-> menu", "menu -keypress-> route", "route -match-> lookup", "lookup -success-> connect",
		"connect -callCompleted-> bye", "bye -audioComplete-> Ended",
	}, path)
	assert.Equal(t, "31", x.Widgets()["connect"].(map[string]any)["DialCallDuration"])

	// The dial's action posted again (a late duplicate under another
	// delivery) answers a wait that is gone: refused, nothing runs.
	form := c.params()
	form.Set("DialCallStatus", "completed")
	r := h.post(d.attr("action"), form, "", testToken)
	assert.Equal(t, http.StatusConflict, r.status, r.body)
}

// The caller hangs up while the agent's phone rings: Twilio posts the
// <Dial> action with the caller's call completed, and the flow takes
// hangup.
func TestVoiceCallerHangsUpDuringTheDial(t *testing.T) {
	h := newHarnessWith(t, map[string]string{"FWivr": ivrDial}, &widgets.Services{Functions: &agentLookup{}})
	c := h.dial("CA0001", "FWivr")
	c.press("1")
	got := c.dialled(url.Values{"DialCallStatus": {"no-answer"}, "DialCallDuration": {"0"}}, true)
	assert.Equal(t, []string{"Hangup"}, got, "nothing more is said on a call that is over")
	x, path := stepsOf(t, h.engine, "FN00000001")
	assert.Equal(t, runtime.StatusEnded, x.Status)
	assert.Equal(t, "connect -hangup-> Ended", path[len(path)-1])
	assert.False(t, x.Call.Live)
}

// Each noun becomes its TwiML noun; number-multi rings several numbers
// at once.
func TestVoiceDialNouns(t *testing.T) {
	for noun, want := range map[string][]string{
		"number-multi": {"Dial timeout=30", `  Number "+15550001111"`, `  Number "+15550002222"`},
		"client":       {"Dial timeout=30", `  Client "+15550001111,+15550002222"`},
		"conference":   {"Dial timeout=30", `  Conference "+15550001111,+15550002222"`},
	} {
		src := `{"description": "dial", "initial_state": "Trigger", "states": [
		  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingCall", "next": "connect"}], "properties": {}},
		  {"name": "connect", "type": "connect-call-to", "transitions": [{"event": "callCompleted"}, {"event": "hangup"}],
		   "properties": {"noun": "` + noun + `", "to": "+15550001111,+15550002222", "caller_id": ""}}]}`
		h := newHarness(t, map[string]string{"FW": src})
		c := h.dial("CA0001", "FW")
		got := lines(c.doc)
		// The caller id defaults to the caller's number, as <Dial>'s does.
		require.NotEmpty(t, got, noun)
		assert.Equal(t, strings.Replace(want[0], "Dial", "Dial callerId="+caller, 1), got[0], noun)
		assert.Equal(t, want[1:], got[1:], noun)
	}
}

// outbound calls the contact when a REST request starts it: a human who
// answers hears the message, a busy line gets a text instead.
const outbound = `{"description": "outbound", "initial_state": "Trigger", "states": [
  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingMessage"}, {"event": "incomingCall"}, {"event": "incomingRequest", "next": "call"}], "properties": {}},
  {"name": "call", "type": "make-outgoing-call-v2",
   "transitions": [{"event": "answered", "next": "announce"}, {"event": "busy", "next": "text"}, {"event": "noAnswer", "next": "text"}, {"event": "failed"}],
   "properties": {"from": "{{flow.channel.address}}", "to": "{{contact.channel.address}}", "timeout": 20, "record": false,
     "detect_answering_machine": true, "machine_detection": "Enable", "machine_detection_timeout": "30", "trim": "do-not-trim"}},
  {"name": "announce", "type": "say-play", "transitions": [{"event": "audioComplete"}],
   "properties": {"say": "Hello {{flow.data.name}}, your order {{flow.data.order}} has shipped."}},
  {"name": "text", "type": "send-message", "transitions": [{"event": "sent"}, {"event": "failed"}],
   "properties": {"body": "We tried to call you about order {{flow.data.order}}."}}]}`

// startOutbound starts the flow as Studio's REST API would, with the
// contact to call and the flow's number.
func startOutbound(t *testing.T, h *harness, flowSid string, data map[string]any) *runtime.Execution {
	t.Helper()
	x, err := h.engine.Start(context.Background(), runtime.StartRequest{
		FlowSid: flowSid, Trigger: runtime.TriggerRequest, Contact: caller, FlowAddress: number, Parameters: data,
	})
	require.NoError(t, err)
	require.NotNil(t, x.Wait, "the execution waits for the call's outcome: %s", x.Reason)
	return x
}

// calledParams are what Twilio posts about an outbound call.
func calledParams(sid, status string) url.Values {
	return url.Values{
		"AccountSid": {testAccount}, "CallSid": {sid}, "From": {number}, "To": {caller},
		"Direction": {"outbound-api"}, "ApiVersion": {"2010-04-01"}, "CallStatus": {status},
	}
}

func TestOutboundCallAnswered(t *testing.T) {
	h := newHarness(t, map[string]string{"FWout": outbound})
	x := startOutbound(t, h, "FWout", map[string]any{"name": "Ada", "order": "A-17"})

	calls := h.rest.placed()
	require.Len(t, calls, 1)
	p := calls[0]
	q := "?execution=" + x.ID
	assert.Equal(t, caller, p.Form.Get("To"))
	assert.Equal(t, number, p.Form.Get("From"))
	assert.Equal(t, h.server.URL+twilio.PathVoiceAnswer+q, p.Form.Get("Url"))
	assert.Equal(t, h.server.URL+twilio.PathVoiceStatus+q, p.Form.Get("StatusCallback"))
	assert.Equal(t, "20", p.Form.Get("Timeout"))
	assert.Equal(t, "Enable", p.Form.Get("MachineDetection"))
	assert.Equal(t, "30", p.Form.Get("MachineDetectionTimeout"))
	assert.Equal(t, "do-not-trim", p.Form.Get("Trim"))
	assert.Contains(t, p.Token, x.ID+"/", "the effect key rides as the idempotency token")

	// A human answers: the flow's next steps are the call's TwiML.
	form := calledParams(p.Sid, "in-progress")
	form.Set("AnsweredBy", "human")
	r := h.post(p.Form.Get("Url"), form, "", testToken)
	require.Equal(t, http.StatusOK, r.status, r.body)
	assert.Equal(t, []string{`Say "Hello Ada, your order A-17 has shipped."`, "Hangup"}, lines(parseTwiML(t, r.body)))

	// The call ends: the status callback finds the execution done.
	r = h.post(p.Form.Get("StatusCallback"), calledParams(p.Sid, "completed"), "", testToken)
	require.Equal(t, http.StatusOK, r.status, r.body)
	got, path := stepsOf(t, h.engine, x.ID)
	assert.Equal(t, runtime.StatusEnded, got.Status)
	assert.Equal(t, []string{"Trigger -incomingRequest-> call", "call -answered-> announce", "announce -audioComplete-> Ended"}, path)
	assert.Equal(t, "human", got.Widgets()["call"].(map[string]any)["AnsweredBy"])
	assert.Empty(t, h.rest.sent(), "no text when the call was answered")

	// The answer webhook again, for an execution that no longer waits for
	// the call, hangs the call up and runs nothing.
	r = h.post(p.Form.Get("Url"), form, "", testToken)
	require.Equal(t, http.StatusOK, r.status, r.body)
	assert.Equal(t, []string{"Hangup"}, lines(parseTwiML(t, r.body)))
	_, again := stepsOf(t, h.engine, x.ID)
	assert.Equal(t, path, again)
}

func TestOutboundCallBusyTextsInstead(t *testing.T) {
	h := newHarness(t, map[string]string{"FWout": outbound})
	x := startOutbound(t, h, "FWout", map[string]any{"name": "Ada", "order": "A-17"})
	p := h.rest.placed()[0]
	r := h.post(p.Form.Get("StatusCallback"), calledParams(p.Sid, "busy"), "", testToken)
	require.Equal(t, http.StatusOK, r.status, r.body)
	got, path := stepsOf(t, h.engine, x.ID)
	assert.Equal(t, runtime.StatusEnded, got.Status)
	assert.Equal(t, []string{"Trigger -incomingRequest-> call", "call -busy-> text", "text -sent-> Ended"}, path)
	assert.Equal(t, []string{caller + " We tried to call you about order A-17."}, bodies(h.rest.sent()))
	assert.Equal(t, "busy", got.Widgets()["call"].(map[string]any)["CallStatus"])

	// A second busy callback (another delivery) finds nothing to answer.
	r = h.post(p.Form.Get("StatusCallback"), calledParams(p.Sid, "busy"), "", testToken)
	require.Equal(t, http.StatusOK, r.status, r.body)
	assert.Len(t, h.rest.sent(), 1, "nothing is sent twice")
}

// The autodialer export (testdata 11): a line nobody answers gets the
// export's text; an answered call is announced and handed to the
// export's TaskRouter workflow, and leaves the flow when the agent's call
// ends.
func TestOutboundAutodialerExport(t *testing.T) {
	h := newHarness(t, map[string]string{"FWauto": export(t, "11_autodialer-outbound-call.json")})
	x := startOutbound(t, h, "FWauto", map[string]any{"reason": "your order", "ui": "web"})
	p := h.rest.placed()[0]
	assert.Equal(t, "Enable", p.Form.Get("MachineDetection"))
	assert.Equal(t, "2400", p.Form.Get("MachineDetectionSpeechThreshold"))
	r := h.post(p.Form.Get("StatusCallback"), calledParams(p.Sid, "no-answer"), "", testToken)
	require.Equal(t, http.StatusOK, r.status, r.body)
	_, path := stepsOf(t, h.engine, x.ID)
	assert.Equal(t, []string{"Trigger -incomingRequest-> initate_call", "initate_call -noAnswer-> send_message", "send_message -sent-> Ended"}, path)
	assert.Equal(t, []string{caller + " Hi, we tried to reach you today to discuss about your order. Please give us a call a callback"}, bodies(h.rest.sent()))

	y := startOutbound(t, h, "FWauto", map[string]any{"reason": "your order", "ui": "web"})
	p = h.rest.placed()[1]
	form := calledParams(p.Sid, "in-progress")
	form.Set("AnsweredBy", "human")
	r = h.post(p.Form.Get("Url"), form, "", testToken)
	require.Equal(t, http.StatusOK, r.status, r.body)
	doc := parseTwiML(t, r.body)
	assert.Equal(t, []string{
		`Say language=en-GB voice=Polly.Amy "Hello, we are calling you today to  your order . Please wait while we connect you with an agent."`,
		"Enqueue workflowSid=WW573b22630835278b6ae66155e7a59fd7",
		fmt.Sprintf("  Task priority=1000 %q", `{"autodialer": "predictive", "to": "`+number+`", "ui": "web"}`),
	}, lines(doc))
	enqueue, ok := find(doc, "Enqueue")
	require.True(t, ok)
	form = calledParams(p.Sid, "completed")
	form.Set("QueueResult", "bridged")
	form.Set("QueueTime", "12")
	r = h.post(enqueue.attr("action"), form, "", testToken)
	require.Equal(t, http.StatusOK, r.status, r.body)
	got, path := stepsOf(t, h.engine, y.ID)
	assert.Equal(t, runtime.StatusEnded, got.Status)
	assert.Equal(t, []string{"Trigger -incomingRequest-> initate_call", "initate_call -answered-> announce", "announce -audioComplete-> enqueue", "enqueue -callComplete-> Ended"}, path)
	assert.Equal(t, "12", got.Widgets()["enqueue"].(map[string]any)["QueueTime"])
}

// A queue that is full takes failedToEnqueue; the flow goes on.
func TestEnqueueIntoAFullQueue(t *testing.T) {
	const queue = `{"description": "queue", "initial_state": "Trigger", "states": [
	  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingCall", "next": "queue"}], "properties": {}},
	  {"name": "queue", "type": "enqueue-call", "transitions": [{"event": "callComplete"}, {"event": "failedToEnqueue", "next": "sorry"}, {"event": "callFailure"}],
	   "properties": {"queue_name": "support", "wait_url": "https://acme.example/hold.xml", "wait_url_method": "GET"}},
	  {"name": "sorry", "type": "say-play", "transitions": [{"event": "audioComplete"}], "properties": {"say": "All lines are busy."}}]}`
	h := newHarness(t, map[string]string{"FWq": queue})
	c := h.dial("CA0001", "FWq")
	assert.Equal(t, []string{`Enqueue waitUrl=https://acme.example/hold.xml waitUrlMethod=GET "support"`}, lines(c.doc))
	enqueue, _ := find(c.doc, "Enqueue")
	form := c.params()
	form.Set("CallStatus", "in-progress")
	form.Set("QueueResult", "queue-full")
	r := h.post(enqueue.attr("action"), form, "", testToken)
	require.Equal(t, http.StatusOK, r.status, r.body)
	assert.Equal(t, []string{`Say "All lines are busy."`, "Hangup"}, lines(parseTwiML(t, r.body)))
	_, path := stepsOf(t, h.engine, "FN00000001")
	assert.Equal(t, "queue -failedToEnqueue-> sorry", path[1])
}

// voicemail takes a message after the menu times out.
const voicemail = `{"description": "voicemail", "initial_state": "Trigger", "states": [
  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingCall", "next": "prompt"}], "properties": {}},
  {"name": "prompt", "type": "say-play", "transitions": [{"event": "audioComplete", "next": "record"}], "properties": {"say": "Leave a message after the beep."}},
  {"name": "record", "type": "record-voicemail",
   "transitions": [{"event": "recordingComplete", "next": "thanks"}, {"event": "noAudio", "next": "nothing"}, {"event": "hangup"}],
   "properties": {"timeout": 5, "max_length": 120, "play_beep": "true", "trim": "do-not-trim", "transcribe": true,
     "transcription_callback_url": "https://acme.example/transcripts"}},
  {"name": "thanks", "type": "say-play", "transitions": [{"event": "audioComplete"}], "properties": {"say": "Got it: {{widgets.record.RecordingDuration}} seconds."}},
  {"name": "nothing", "type": "say-play", "transitions": [{"event": "audioComplete"}], "properties": {"say": "We heard nothing."}}]}`

func TestVoicemailRecordsAndEachOutcome(t *testing.T) {
	h := newHarness(t, map[string]string{"FWvm": voicemail})
	c := h.dial("CA0001", "FWvm")
	assert.Equal(t, []string{
		`Say "Leave a message after the beep."`,
		"Record maxLength=120 playBeep=true timeout=5 transcribe=true transcribeCallback=https://acme.example/transcripts trim=do-not-trim",
		`Redirect "` + h.server.URL + twilio.PathVoiceRecord + `?empty=true&execution=FN00000001&token=1"`,
	}, lines(c.doc))
	rec, ok := find(c.doc, "Record")
	require.True(t, ok)
	assert.Equal(t, h.server.URL+twilio.PathVoiceRecord+"?execution=FN00000001&token=1", rec.attr("action"))

	// A message: Twilio posts the action with the recording.
	form := c.params()
	form.Set("CallStatus", "in-progress")
	form.Set("RecordingUrl", "https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE1")
	form.Set("RecordingDuration", "7")
	r := h.post(rec.attr("action"), form, "", testToken)
	require.Equal(t, http.StatusOK, r.status, r.body)
	assert.Equal(t, []string{`Say "Got it: 7 seconds."`, "Hangup"}, lines(parseTwiML(t, r.body)))
	x, _ := stepsOf(t, h.engine, "FN00000001")
	assert.Equal(t, "7", x.Widgets()["record"].(map[string]any)["RecordingDuration"])

	// Silence: Twilio requests no action and follows the <Redirect>.
	c = h.dial("CA0002", "FWvm")
	redirect, ok := find(c.doc, "Redirect")
	require.True(t, ok)
	form = c.params()
	form.Set("CallStatus", "in-progress")
	r = h.post(strings.TrimSpace(redirect.Text), form, "", testToken)
	require.Equal(t, http.StatusOK, r.status, r.body)
	assert.Equal(t, []string{`Say "We heard nothing."`, "Hangup"}, lines(parseTwiML(t, r.body)))

	// The caller hangs up while recording: hangup, with what was recorded.
	c = h.dial("CA0003", "FWvm")
	rec, _ = find(c.doc, "Record")
	form = c.params()
	form.Set("CallStatus", "completed")
	form.Set("RecordingDuration", "3")
	r = h.post(rec.attr("action"), form, "", testToken)
	require.Equal(t, http.StatusOK, r.status, r.body)
	x, path := stepsOf(t, h.engine, "FN00000003")
	assert.Equal(t, runtime.StatusEnded, x.Status)
	assert.Equal(t, "record -hangup-> Ended", path[len(path)-1])
	assert.Equal(t, "3", x.Widgets()["record"].(map[string]any)["RecordingDuration"])
}

// A Conversations-triggered survey: each participant message arrives as
// an onMessageAdded webhook; the flow's replies are posted into the
// conversation.
const chat = `{"description": "chat", "initial_state": "Trigger", "states": [
  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingConversationMessage", "next": "ask"}], "properties": {}},
  {"name": "ask", "type": "send-and-wait-for-reply", "transitions": [{"event": "incomingMessage", "next": "thanks"}, {"event": "timeout"}, {"event": "deliveryFailure"}],
   "properties": {"body": "Hi {{trigger.conversation.Author}}, what is your name?", "timeout": "600"}},
  {"name": "thanks", "type": "send-message", "transitions": [{"event": "sent"}, {"event": "failed"}],
   "properties": {"body": "Thanks {{widgets.ask.inbound.Body}}!"}}]}`

func TestConversationsMessagesStartAndAnswer(t *testing.T) {
	h := newHarness(t, map[string]string{"FWchat": chat})
	event := func(eventType, author, body, sid string) reply {
		return h.post(twilio.PathConversationsEvents+"?flow=FWchat", url.Values{
			"AccountSid": {testAccount}, "EventType": {eventType}, "ConversationSid": {"CH0001"}, "ChatServiceSid": {"IS0001"},
			"MessageSid": {sid}, "Author": {author}, "Body": {body}, "Source": {"SDK"}, "ParticipantSid": {"MB0001"},
		}, "", testToken)
	}
	r := event("onMessageAdded", "ann", "hello", "IM1")
	require.Equal(t, http.StatusOK, r.status, r.body)
	msgs := h.rest.sent()
	require.Len(t, msgs, 1)
	assert.Equal(t, sent{To: "CH0001", From: "system", Body: "Hi ann, what is your name?", Token: msgs[0].Token}, msgs[0])
	assert.Contains(t, msgs[0].Token, "FN00000001/")

	// The flow's own message, and other events, run nothing.
	for _, ev := range []reply{event("onMessageAdded", "system", "Hi ann, what is your name?", "IM2"), event("onMessageUpdated", "ann", "hello!", "IM1")} {
		assert.Equal(t, http.StatusOK, ev.status, ev.body)
	}
	require.Len(t, h.rest.sent(), 1)

	r = event("onMessageAdded", "ann", "Ada", "IM3")
	require.Equal(t, http.StatusOK, r.status, r.body)
	assert.Equal(t, []string{"CH0001 Hi ann, what is your name?", "CH0001 Thanks Ada!"}, bodies(h.rest.sent()))
	x, path := stepsOf(t, h.engine, "FN00000001")
	assert.Equal(t, runtime.StatusEnded, x.Status)
	assert.Equal(t, []string{"Trigger -incomingConversationMessage-> ask", "ask -incomingMessage-> thanks", "thanks -sent-> Ended"}, path)
	assert.Equal(t, "CH0001", x.Key[len(x.Key)-6:], "one execution per conversation")
}

// redirect hands the call to external TwiML (an enrolment app) and waits
// for it to come back.
const redirect = `{"description": "redirect", "initial_state": "Trigger", "states": [
  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingCall", "next": "enrol"}], "properties": {}},
  {"name": "enrol", "type": "add-twiml-redirect", "transitions": [{"event": "return", "next": "back"}, {"event": "timeout", "next": "late"}, {"event": "fail"}],
   "properties": {"url": "https://acme.example/enrol?flow={{flow.flow_sid}}", "method": "POST", "timeout": "60"}},
  {"name": "back", "type": "say-play", "transitions": [{"event": "audioComplete"}], "properties": {"say": "Welcome back, {{widgets.enrol.result}}."}},
  {"name": "late", "type": "say-play", "transitions": [{"event": "audioComplete"}], "properties": {"say": "That took too long."}}]}`

func TestRedirectReturnsToTheFlow(t *testing.T) {
	h := newHarness(t, map[string]string{"FWr": redirect})
	c := h.dial("CA0001", "FWr")
	assert.Equal(t, []string{`Redirect "https://acme.example/enrol?flow=FWr"`}, lines(c.doc))
	// The enrolment app redirects the call back, with its result.
	form := c.params()
	form.Set("CallStatus", "in-progress")
	r := h.post(twilio.PathVoiceReturn+"?flow=FWr&result=enrolled", form, "", testToken)
	require.Equal(t, http.StatusOK, r.status, r.body)
	assert.Equal(t, []string{`Say "Welcome back, enrolled."`, "Hangup"}, lines(parseTwiML(t, r.body)))
	_, path := stepsOf(t, h.engine, "FN00000001")
	assert.Equal(t, "enrol -return-> back", path[1])
	// Back again: the execution no longer waits for the call; hang up.
	r = h.post(twilio.PathVoiceReturn+"?flow=FWr", form, "", testToken)
	require.Equal(t, http.StatusOK, r.status, r.body)
	assert.Equal(t, []string{"Hangup"}, lines(parseTwiML(t, r.body)))
}

// No return in time: the expiry pass delivers the timeout, and what the
// flow then says is pushed to the live call through the REST API, since
// no webhook is waiting for it.
func TestRedirectTimeoutIsPushedToTheLiveCall(t *testing.T) {
	h := newHarness(t, map[string]string{"FWr": redirect})
	c := h.dial("CA0002", "FWr")
	require.Equal(t, []string{`Redirect "https://acme.example/enrol?flow=FWr"`}, lines(c.doc))
	h.clock.Advance(61 * time.Second)
	w := &runtime.ExpiryWorker{Engine: h.engine, OnChanged: h.adapter.PushAfterExpiry(h.engine)}
	rep, err := w.Pass(context.Background())
	require.NoError(t, err)
	assert.Equal(t, 1, rep.Changed)
	updates := h.rest.updated()
	require.Len(t, updates, 1)
	assert.Equal(t, "CA0002/", updates[0].Sid)
	assert.Equal(t, []string{`Say "That took too long."`, "Hangup"}, lines(parseTwiML(t, updates[0].Form.Get("Twiml"))))
	x, path := stepsOf(t, h.engine, "FN00000001")
	assert.Equal(t, runtime.StatusEnded, x.Status)
	assert.Equal(t, "enrol -timeout-> late", path[1])

	// The app's late return finds nothing waiting: hung up, nothing runs.
	form := c.params()
	r := h.post(twilio.PathVoiceReturn+"?flow=FWr", form, "", testToken)
	require.Equal(t, http.StatusOK, r.status, r.body)
	assert.Equal(t, []string{"Hangup"}, lines(parseTwiML(t, r.body)))
}

// A gather callback that comes after its wait's deadline meets the
// timeout first, which runs (back to the menu) and is refused: what that
// run said is not said later, on top of what the next run says.
func TestALateGatherCallbackLeavesNothingUnsaid(t *testing.T) {
	h := newHarness(t, map[string]string{"FWivr": ivrDial})
	c := h.dial("CA0001", "FWivr")
	g, ok := find(c.doc, "Gather")
	require.True(t, ok)
	h.clock.Advance(66 * time.Second) // the gather's 5 s and the engine's grace
	form := c.params()
	form.Set("Digits", "9")
	r := h.post(g.attr("action"), form, "", testToken)
	assert.Equal(t, http.StatusConflict, r.status, r.body)

	h.clock.Advance(66 * time.Second)
	w := &runtime.ExpiryWorker{Engine: h.engine, OnChanged: h.adapter.PushAfterExpiry(h.engine)}
	_, err := w.Pass(context.Background())
	require.NoError(t, err)
	updates := h.rest.updated()
	require.Len(t, updates, 1)
	gathers := 0
	for _, l := range lines(parseTwiML(t, updates[0].Form.Get("Twiml"))) {
		if strings.HasPrefix(l, "Gather") {
			gathers++
		}
	}
	assert.Equal(t, 1, gathers, "one menu: the late run's is not said again")
}

// pay takes a card payment on the call.
const pay = `{"description": "pay", "initial_state": "Trigger", "states": [
  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingCall", "next": "pay"}], "properties": {}},
  {"name": "pay", "type": "capture-payments",
   "transitions": [{"event": "success", "next": "paid"}, {"event": "maxFailedAttempts", "next": "sorry"}, {"event": "providerError", "next": "sorry"},
     {"event": "payInterrupted", "next": "sorry"}, {"event": "hangup"}, {"event": "validationError", "next": "sorry"}],
   "properties": {"payment_amount": "10.50", "currency": "usd", "max_attempts": 2, "timeout": 5, "security_code": true, "postal_code": "false",
     "valid_card_types": ["visa", "mastercard"], "description": "Invoice 7", "parameters": [{"key": "account", "value": "A1"}]}},
  {"name": "paid", "type": "say-play", "transitions": [{"event": "audioComplete"}], "properties": {"say": "Paid with {{widgets.pay.PaymentCardType}} {{widgets.pay.PaymentCardNumber}}. Confirmation {{widgets.pay.PaymentConfirmationCode}}."}},
  {"name": "sorry", "type": "say-play", "transitions": [{"event": "audioComplete"}], "properties": {"say": "Sorry, the payment did not go through."}}]}`

func TestCapturePaymentsIsAPay(t *testing.T) {
	h := newHarness(t, map[string]string{"FWpay": pay})
	c := h.dial("CA0001", "FWpay")
	assert.Equal(t, []string{
		"Pay chargeAmount=10.50 currency=usd description=Invoice 7 maxAttempts=2 paymentConnector=Default paymentMethod=credit-card postalCode=false securityCode=true timeout=5 tokenType=reusable validCardTypes=visa mastercard",
		"  Parameter name=account value=A1",
	}, lines(c.doc))
	p, ok := find(c.doc, "Pay")
	require.True(t, ok)
	assert.Equal(t, h.server.URL+twilio.PathVoicePay+"?execution=FN00000001&token=1", p.attr("action"))

	form := c.params()
	form.Set("CallStatus", "in-progress")
	form.Set("Result", "success")
	form.Set("PaymentConfirmationCode", "ch_1")
	form.Set("PaymentCardType", "visa")
	form.Set("PaymentCardNumber", "xxxx-xxxx-xxxx-4242")
	form.Set("ExpirationDate", "1230") // never kept
	r := h.post(p.attr("action"), form, "", testToken)
	require.Equal(t, http.StatusOK, r.status, r.body)
	assert.Equal(t, []string{`Say "Paid with visa xxxxxxxxxxxx4242. Confirmation ch_1."`, "Hangup"}, lines(parseTwiML(t, r.body)))
	x, _ := stepsOf(t, h.engine, "FN00000001")
	assert.NotContains(t, x.Widgets()["pay"], "ExpirationDate")

	c = h.dial("CA0002", "FWpay")
	p, _ = find(c.doc, "Pay")
	form = c.params()
	form.Set("Result", "too-many-failed-attempts")
	r = h.post(p.attr("action"), form, "", testToken)
	require.Equal(t, http.StatusOK, r.status, r.body)
	assert.Equal(t, []string{`Say "Sorry, the payment did not go through."`, "Hangup"}, lines(parseTwiML(t, r.body)))
	_, path := stepsOf(t, h.engine, "FN00000002")
	assert.Equal(t, "pay -maxFailedAttempts-> sorry", path[1])
}

// record-call starts and stops recording the live call through the REST
// API.
func TestRecordCallStartsAndStops(t *testing.T) {
	const rec = `{"description": "record", "initial_state": "Trigger", "states": [
	  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingCall", "next": "start"}], "properties": {}},
	  {"name": "start", "type": "record-call", "transitions": [{"event": "success", "next": "say"}, {"event": "failed", "next": "say"}],
	   "properties": {"record_call": true, "recording_channels": "mono", "trim": "trim-silence", "recording_status_callback": "https://acme.example/rec"}},
	  {"name": "say", "type": "say-play", "transitions": [{"event": "audioComplete", "next": "stop"}], "properties": {"say": "This call is recorded ({{widgets.start.Sid}})."}},
	  {"name": "stop", "type": "record-call", "transitions": [{"event": "success"}, {"event": "failed"}], "properties": {"record_call": false}}]}`
	h := newHarness(t, map[string]string{"FWrec": rec})
	c := h.dial("CA0001", "FWrec")
	assert.Equal(t, []string{`Say "This call is recorded (RE0001)."`, "Hangup"}, lines(c.doc))
	updates := h.rest.updated()
	require.Len(t, updates, 2)
	assert.Equal(t, "CA0001/Recordings", updates[0].Sid)
	assert.Equal(t, "mono", updates[0].Form.Get("RecordingChannels"))
	assert.Equal(t, "trim-silence", updates[0].Form.Get("Trim"))
	assert.Equal(t, "https://acme.example/rec", updates[0].Form.Get("RecordingStatusCallback"))
	assert.Equal(t, "CA0001/Recordings/Twilio.CURRENT", updates[1].Sid)
	assert.Equal(t, "stopped", updates[1].Form.Get("Status"))
	x, path := stepsOf(t, h.engine, "FN00000001")
	assert.Equal(t, []string{"Trigger -incomingCall-> start", "start -success-> say", "say -audioComplete-> stop", "stop -success-> Ended"}, path)
	started := x.Widgets()["start"].(map[string]any)
	assert.Equal(t, "in-progress", started["Status"])
	assert.Equal(t, "2026-01-05T10:00:00Z", started["StartTime"])
	assert.Equal(t, "stopped", x.Widgets()["stop"].(map[string]any)["Status"])
}
