package twilio_test

import (
	"net/http"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studioflow/studioflow/adapters/twilio"
	"github.com/studioflow/studioflow/runtime"
)

// missed dials the agent; a caller who hangs up first gets a text and a
// reply wait, which the call's status callback must not end.
const missed = `{"description": "missed", "initial_state": "Trigger", "states": [
  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingMessage"}, {"event": "incomingCall", "next": "connect"}], "properties": {}},
  {"name": "connect", "type": "connect-call-to", "transitions": [{"event": "callCompleted"}, {"event": "hangup", "next": "ask"}],
   "properties": {"noun": "number", "to": "+15550001111", "caller_id": "{{flow.channel.address}}", "timeout": 20}},
  {"name": "ask", "type": "send-and-wait-for-reply", "transitions": [{"event": "incomingMessage", "next": "thanks"}, {"event": "timeout"}, {"event": "deliveryFailure"}],
   "properties": {"body": "Sorry we missed you. Reply with a good time to call.", "timeout": "3600"}},
  {"name": "thanks", "type": "send-message", "transitions": [{"event": "sent"}, {"event": "failed"}],
   "properties": {"body": "We will call you at {{widgets.ask.inbound.Body}}."}}]}`

// The <Dial> action the caller's hangup posts ends the call for the
// flow, which goes on by text; the status callback that follows leaves
// that flow alone, and the caller's reply answers it.
func TestTheStatusCallbackLeavesAFlowThatGoesOnAfterTheCall(t *testing.T) {
	h := newHarness(t, map[string]string{"FWm": missed})
	c := h.dial("CA0001", "FWm")
	c.dialled(url.Values{"DialCallStatus": {"no-answer"}}, true) // and the status callback
	x, path := stepsOf(t, h.engine, "FN00000001")
	require.Equal(t, runtime.StatusActive, x.Status, x.Reason)
	assert.Equal(t, "connect -hangup-> ask", path[len(path)-1])
	assert.False(t, x.Call.Live)
	require.NotNil(t, x.Wait)
	assert.Equal(t, "ask", x.Wait.State)
	assert.Equal(t, []string{caller + " Sorry we missed you. Reply with a good time to call."}, bodies(h.rest.sent()))

	r := h.text("FWm", "SM0001", "after 5pm")
	require.Equal(t, http.StatusOK, r.status, r.body)
	x, path = stepsOf(t, h.engine, "FN00000001")
	assert.Equal(t, runtime.StatusEnded, x.Status)
	assert.Equal(t, "thanks -sent-> Ended", path[len(path)-1])
	assert.Equal(t, caller+" We will call you at after 5pm.", bodies(h.rest.sent())[1])
}

// queueThenBack is an enqueue-call whose callComplete goes on with the
// call, as Studio's does when the caller is still on the line.
const queueThenBack = `{"description": "queue", "initial_state": "Trigger", "states": [
  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingCall", "next": "queue"}], "properties": {}},
  {"name": "queue", "type": "enqueue-call", "transitions": [{"event": "callComplete", "next": "back"}, {"event": "failedToEnqueue"}, {"event": "callFailure", "next": "failed"}],
   "properties": {"queue_name": "support"}},
  {"name": "back", "type": "say-play", "transitions": [{"event": "audioComplete"}], "properties": {"say": "Nobody could take your call ({{widgets.queue.QueueResult}})."}},
  {"name": "failed", "type": "say-play", "transitions": [{"event": "audioComplete"}], "properties": {"say": "Something went wrong."}}]}`

// A caller who leaves the queue (<Leave> in the hold music's TwiML) is
// back with the flow: callComplete, and the flow's next voice step is
// the call's TwiML. Only system-error is a callFailure, as Studio's
// Enqueue Call widget documents; error is a callComplete.
func TestALeftQueueReturnsTheCallToTheFlow(t *testing.T) {
	for result, want := range map[string][]string{
		"leave":        {`Say "Nobody could take your call (leave)."`, "Hangup"},
		"error":        {`Say "Nobody could take your call (error)."`, "Hangup"},
		"system-error": {`Say "Something went wrong."`, "Hangup"},
	} {
		h := newHarness(t, map[string]string{"FWq": queueThenBack})
		c := h.dial("CA0001", "FWq")
		enqueue, ok := find(c.doc, "Enqueue")
		require.True(t, ok, result)
		form := c.params()
		form.Set("CallStatus", "in-progress")
		form.Set("QueueResult", result)
		r := h.post(enqueue.attr("action"), form, "", testToken)
		require.Equal(t, http.StatusOK, r.status, r.body)
		assert.Equal(t, want, lines(parseTwiML(t, r.body)), result)
		x, _ := stepsOf(t, h.engine, "FN00000001")
		assert.Equal(t, runtime.StatusEnded, x.Status, "%s: %s", result, x.Reason)
	}

	// A caller who hung up in the queue: the call is over, nothing is
	// said. A call redirected out of the queue is in progress elsewhere,
	// and Twilio ignores the action's TwiML: the flow lets it go too.
	for result, status := range map[string]string{"hangup": "completed", "redirected": "in-progress"} {
		h := newHarness(t, map[string]string{"FWq": queueThenBack})
		c := h.dial("CA0001", "FWq")
		enqueue, _ := find(c.doc, "Enqueue")
		form := c.params()
		form.Set("CallStatus", status)
		form.Set("QueueResult", result)
		r := h.post(enqueue.attr("action"), form, "", testToken)
		require.Equal(t, http.StatusOK, r.status, r.body)
		x, path := stepsOf(t, h.engine, "FN00000001")
		assert.Equal(t, runtime.StatusFailed, x.Status, "%s: a voice step after the call left the flow fails: %v", result, path)
		assert.NotContains(t, r.body, "Nobody", result)
	}
}

// Twilio may answer an outbound call, or report it busy, before the run
// that placed it has saved its wait: the answer webhook and the status
// callback wait for that run, so the call is answered, not hung up, and
// the busy line takes the busy path.
func TestAnOutboundCallAnsweredBeforeItsWaitIsSaved(t *testing.T) {
	for _, tt := range []struct {
		name, status, url string // what Twilio posts at once, and where
		want              []string
	}{
		{"answered", "in-progress", "Url", []string{"Trigger -incomingRequest-> call", "call -answered-> announce", "announce -audioComplete-> Ended"}},
		{"busy", "busy", "StatusCallback", []string{"Trigger -incomingRequest-> call", "call -busy-> text", "text -sent-> Ended"}},
	} {
		h := newHarness(t, map[string]string{"FWout": outbound})
		locks := make(chan string, 64)
		answers := make(chan reply, 1)
		h.store.locks = locks
		var once sync.Once
		h.store.beforeSave = func() {
			// Hold the first save (the run that placed the call) until the
			// callback asks for the execution's lock, or has answered.
			once.Do(func() {
				asked := 0
				for {
					select {
					case k := <-locks:
						if k == "execution FN00000001" {
							if asked++; asked == 2 { // the run's own, then the webhook's
								return
							}
						}
					case r := <-answers:
						answers <- r
						return
					}
				}
			})
		}
		h.rest.onCall = func(sid string, placed url.Values) {
			form := calledParams(sid, tt.status)
			form.Set("AnsweredBy", "human")
			r, err := h.send(placed.Get(tt.url), form, "answer-1", testToken)
			if err != nil {
				r = reply{status: -1, body: err.Error()}
			}
			answers <- r
		}
		x := startOutbound(t, h, "FWout", map[string]any{"name": "Ada", "order": "A-17"})
		r := <-answers
		require.Equal(t, http.StatusOK, r.status, "%s: %s", tt.name, r.body)
		if tt.name == "answered" {
			assert.Equal(t, []string{`Say "Hello Ada, your order A-17 has shipped."`, "Hangup"}, lines(parseTwiML(t, r.body)))
		} else {
			assert.Equal(t, []string{caller + " We tried to call you about order A-17."}, bodies(h.rest.sent()))
		}
		_, path := stepsOf(t, h.engine, x.ID)
		assert.Equal(t, tt.want, path, tt.name)
	}
}

// outboundRedirect hands an outbound call to an external app, which
// returns it to the flow.
const outboundRedirect = `{"description": "outbound redirect", "initial_state": "Trigger", "states": [
  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingMessage"}, {"event": "incomingCall"}, {"event": "incomingRequest", "next": "call"}], "properties": {}},
  {"name": "call", "type": "make-outgoing-call-v2", "transitions": [{"event": "answered", "next": "enrol"}, {"event": "busy"}, {"event": "noAnswer"}, {"event": "failed"}],
   "properties": {"from": "{{flow.channel.address}}", "to": "{{contact.channel.address}}"}},
  {"name": "enrol", "type": "add-twiml-redirect", "transitions": [{"event": "return", "next": "back"}, {"event": "timeout"}, {"event": "fail"}],
   "properties": {"url": "https://acme.example/enrol", "method": "POST", "timeout": "60"}},
  {"name": "back", "type": "say-play", "transitions": [{"event": "audioComplete"}], "properties": {"say": "Welcome back."}}]}`

// The external app returns an outbound call to the flow by the number's
// return URL: the execution a REST request started is found by the
// call's To and From (Direction outbound-api).
func TestAnOutboundCallReturnsFromARedirect(t *testing.T) {
	h := newHarness(t, map[string]string{"FWor": outboundRedirect})
	x := startOutbound(t, h, "FWor", nil)
	p := h.rest.placed()[0]
	r := h.post(p.Form.Get("Url"), calledParams(p.Sid, "in-progress"), "", testToken)
	require.Equal(t, http.StatusOK, r.status, r.body)
	assert.Equal(t, []string{`Redirect "https://acme.example/enrol"`}, lines(parseTwiML(t, r.body)))

	r = h.post(twilio.PathVoiceReturn+"?flow=FWor", calledParams(p.Sid, "in-progress"), "", testToken)
	require.Equal(t, http.StatusOK, r.status, r.body)
	assert.Equal(t, []string{`Say "Welcome back."`, "Hangup"}, lines(parseTwiML(t, r.body)))
	_, path := stepsOf(t, h.engine, x.ID)
	assert.Equal(t, "enrol -return-> back", path[2])
}

// A status callback naming a flow the engine does not know is a
// misconfiguration, not "no execution": refused, so Twilio's debugger
// shows it.
func TestAStatusCallbackForAnUnknownFlowIsRefused(t *testing.T) {
	h := newHarness(t, map[string]string{"FWm": missed})
	c := &call{h: h, sid: "CA0009"}
	form := c.params()
	form.Set("CallStatus", "completed")
	r := h.post(twilio.PathVoiceStatus+"?flow=FWnowhere", form, "", testToken)
	assert.Equal(t, http.StatusConflict, r.status, r.body)
	assert.NotContains(t, r.body, caller, "the caller's number stays out of the answer")
	r = h.post(twilio.PathVoiceStatus+"?flow=FWm", form, "", testToken)
	assert.Equal(t, http.StatusOK, r.status, "no execution for the call: %s", r.body)
}

// forward is Talkdesk's forward-to-external-number behind a Twilio number.
const forward = `{"description": "forward", "initial_state": "Trigger", "states": [
  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingCall", "next": "fwd"}], "properties": {}},
  {"name": "fwd", "type": "forward-to-external-number", "transitions": [{"event": "completed"}, {"event": "noAnswer", "next": "sorry"}, {"event": "invalidNumber", "next": "bad"}],
   "properties": {"to": "+15550100000", "caller_id": "touchpoint", "timeout": 25}},
  {"name": "sorry", "type": "say-play", "transitions": [{"event": "audioComplete"}], "properties": {"say": "Nobody answered."}},
  {"name": "bad", "type": "say-play", "transitions": [{"event": "audioComplete"}], "properties": {"say": "That number does not work."}}]}`

// A forward is a <Dial>, whose outcome is the forward's own event.
func TestATalkdeskForwardIsADial(t *testing.T) {
	for status, want := range map[string]string{
		"completed": "fwd -completed-> Ended", "busy": "sorry -audioComplete-> Ended",
		"no-answer": "sorry -audioComplete-> Ended", "failed": "bad -audioComplete-> Ended",
	} {
		h := newHarness(t, map[string]string{"FWf": forward})
		c := h.dial("CA0001", "FWf")
		assert.Equal(t, []string{"Dial callerId=" + number + " timeout=25", `  Number "+15550100000"`}, lines(c.doc), status)
		c.dialled(url.Values{"DialCallStatus": {status}}, false)
		x, path := stepsOf(t, h.engine, "FN00000001")
		assert.Equal(t, runtime.StatusEnded, x.Status, "%s: %s", status, x.Reason)
		assert.Equal(t, want, path[len(path)-1], status)
		assert.Equal(t, status, x.Widgets()["fwd"].(map[string]any)["DialCallStatus"], status)
	}
	// The caller hangs up while the number rings: the forward is over.
	h := newHarness(t, map[string]string{"FWf": forward})
	c := h.dial("CA0001", "FWf")
	c.dialled(url.Values{"DialCallStatus": {"no-answer"}}, true)
	_, path := stepsOf(t, h.engine, "FN00000001")
	assert.Equal(t, "fwd -completed-> Ended", path[len(path)-1])
}

// Talkdesk's make-outbound-call has no failed event: a failed call is an
// invalidNumber, a canceled one (never answered) a noAnswer.
func TestATalkdeskOutboundCallTakesTalkdesksEvents(t *testing.T) {
	const src = `{"description": "td outbound", "initial_state": "Trigger", "states": [
	  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingRequest", "next": "dial"}], "properties": {}},
	  {"name": "dial", "type": "make-outbound-call", "transitions": [{"event": "answered"}, {"event": "busy"}, {"event": "noAnswer"}, {"event": "invalidNumber", "next": "text"}],
	   "properties": {"from": "` + number + `", "to": "{{contact.channel.address}}", "ring_timeout": "20"}},
	  {"name": "text", "type": "send-message", "transitions": [{"event": "sent"}, {"event": "failed"}], "properties": {"body": "We could not call you."}}]}`
	for status, want := range map[string][]string{
		"failed":    {"Trigger -incomingRequest-> dial", "dial -invalidNumber-> text", "text -sent-> Ended"},
		"canceled":  {"Trigger -incomingRequest-> dial", "dial -noAnswer-> Ended"},
		"busy":      {"Trigger -incomingRequest-> dial", "dial -busy-> Ended"},
		"no-answer": {"Trigger -incomingRequest-> dial", "dial -noAnswer-> Ended"},
	} {
		h := newHarness(t, map[string]string{"FWtd": src})
		x := startOutbound(t, h, "FWtd", nil)
		p := h.rest.placed()[0]
		r := h.post(p.Form.Get("StatusCallback"), calledParams(p.Sid, status), "", testToken)
		require.Equal(t, http.StatusOK, r.status, r.body)
		_, path := stepsOf(t, h.engine, x.ID)
		assert.Equal(t, want, path, status)
	}
}

// An answer the execution refuses after all (here: it outlived its
// lifetime, so the engine ends it instead) hangs the call up: nothing
// waits for the call any more.
func TestAnAnswerTheExecutionRefusesHangsUp(t *testing.T) {
	h := newHarness(t, map[string]string{"FWout": outbound})
	x := startOutbound(t, h, "FWout", map[string]any{"name": "Ada", "order": "A-17"})
	p := h.rest.placed()[0]
	h.clock.Advance(runtime.DefaultLifetime + time.Minute)
	r := h.post(p.Form.Get("Url"), calledParams(p.Sid, "in-progress"), "", testToken)
	require.Equal(t, http.StatusOK, r.status, r.body)
	assert.Equal(t, []string{"Hangup"}, lines(parseTwiML(t, r.body)))
	got, path := stepsOf(t, h.engine, x.ID)
	assert.NotEqual(t, runtime.StatusActive, got.Status, "the engine ended it: %s", got.Reason)
	require.NotEmpty(t, path)
	assert.Equal(t, "Trigger -incomingRequest-> call", path[0])
	assert.NotContains(t, path, "call -answered-> announce")
}
