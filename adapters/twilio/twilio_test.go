package twilio_test

import (
	"context"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/twilio/twilio-go/twiml"

	"github.com/studioflow/studioflow/adapters/twilio"
	"github.com/studioflow/studioflow/runtime"
)

// ivr greets, asks for a digit, splits on it and says goodbye; the flow
// ending hangs up.
const ivr = `{"description": "IVR", "initial_state": "Trigger", "states": [
  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingCall", "next": "greet"}], "properties": {}},
  {"name": "greet", "type": "say-play", "transitions": [{"event": "audioComplete", "next": "menu"}],
   "properties": {"say": "Thanks for calling Acme.", "voice": "Polly.Joanna", "language": "en-US"}},
  {"name": "menu", "type": "gather-input-on-call",
   "transitions": [{"event": "keypress", "next": "route"}, {"event": "speech", "next": "route"}, {"event": "timeout", "next": "bye"}],
   "properties": {"say": "For sales press 1. For support press 2.", "number_of_digits": 1, "timeout": 5}},
  {"name": "route", "type": "split-based-on",
   "transitions": [{"event": "noMatch", "next": "invalid"},
     {"event": "match", "next": "sales", "conditions": [{"friendly_name": "sales", "arguments": ["{{widgets.menu.Digits}}{{widgets.menu.SpeechResult}}"], "type": "equal_to", "value": "1"}]},
     {"event": "match", "next": "support", "conditions": [{"friendly_name": "support", "arguments": ["{{widgets.menu.Digits}}"], "type": "equal_to", "value": "2"}]}],
   "properties": {"input": "{{widgets.menu.Digits}}{{widgets.menu.SpeechResult}}"}},
  {"name": "invalid", "type": "say-play", "transitions": [{"event": "audioComplete", "next": "menu"}],
   "properties": {"say": "Sorry, {{widgets.menu.Digits}} is not an option."}},
  {"name": "sales", "type": "say-play", "transitions": [{"event": "audioComplete"}],
   "properties": {"play": "https://acme.example/sales.mp3"}},
  {"name": "support", "type": "send-message", "transitions": [{"event": "sent", "next": "support_bye"}, {"event": "failed", "next": "support_bye"}],
   "properties": {"body": "Acme support: https://acme.example/help"}},
  {"name": "support_bye", "type": "say-play", "transitions": [{"event": "audioComplete"}],
   "properties": {"say": "We have texted you a link. Goodbye."}},
  {"name": "bye", "type": "say-play", "transitions": [{"event": "audioComplete"}],
   "properties": {"say": "We did not hear from you. Goodbye."}}]}`

var menuVerbs = []string{
	"Gather finishOnKey=# numDigits=1 timeout=5",
	`  Say "For sales press 1. For support press 2."`,
}

// A gather with stop_gather false is ended by no key: the TwiML says
// finishOnKey="" (without it Twilio's default, #, would end it). Its speech
// transition leads nowhere, so it listens for keys only.
func TestAGatherNoKeyEnds(t *testing.T) {
	const src = `{"description": "code", "initial_state": "Trigger", "states": [
	  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingCall", "next": "code"}], "properties": {}},
	  {"name": "code", "type": "gather-input-on-call", "transitions": [{"event": "keypress"}, {"event": "speech"}, {"event": "timeout"}],
	   "properties": {"say": "Enter your code.", "stop_gather": false, "finish_on_key": "#", "number_of_digits": 4}}]}`
	h := newHarness(t, map[string]string{"FWcode": src})
	c := h.dial("CA0001", "FWcode")
	g, ok := find(c.doc, "Gather")
	require.True(t, ok)
	var finish []string
	for _, a := range g.Attrs {
		if a.Name.Local == "finishOnKey" {
			finish = append(finish, a.Value)
		}
	}
	assert.Equal(t, []string{""}, finish, "one finishOnKey, empty")
	assert.Equal(t, "dtmf", g.attr("input"))
	assert.Equal(t, "4", g.attr("numDigits"))
	assert.Empty(t, g.attr("bargeIn"), "barge-in is Twilio's default")
}

// A duplicate of a gather's callback (Twilio's retry, a second worker) is
// refused as stale, and takes nothing from the first: the first request's
// run released the execution's lock but had not answered yet when the
// duplicate was refused, and the duplicate's refusal must not drop what the
// first run buffered for the call.
func TestADuplicateCallbackLeavesTheFirstItsTwiML(t *testing.T) {
	h := newHarness(t, map[string]string{"FWivr": ivr})
	c := h.dial("CA0001", "FWivr")
	g, ok := find(c.doc, "Gather")
	require.True(t, ok)
	form := c.params()
	form.Set("Digits", "7")

	released, duplicateDone := make(chan struct{}), make(chan struct{})
	var first atomic.Bool // (not a sync.Once, whose Do would hold the duplicate too)
	h.store.afterRelease = func(key string) {
		if strings.HasPrefix(key, "execution ") && first.CompareAndSwap(false, true) {
			close(released)
			<-duplicateDone
		}
	}
	answer := make(chan reply, 1)
	go func() {
		r, err := h.send(g.attr("action"), form, "first", testToken)
		assert.NoError(t, err)
		answer <- r
	}()
	<-released // the first run is done, its TwiML not yet written
	dup, err := h.send(g.attr("action"), form, "duplicate", testToken)
	require.NoError(t, err)
	close(duplicateDone)
	assert.Equal(t, http.StatusConflict, dup.status, dup.body)

	r := <-answer
	require.Equal(t, http.StatusOK, r.status, r.body)
	assert.Equal(t, append([]string{`Say "Sorry, 7 is not an option."`}, menuVerbs...), lines(parseTwiML(t, r.body)))
	x, err := h.engine.Get(context.Background(), "FN00000001")
	require.NoError(t, err)
	assert.Equal(t, runtime.StatusActive, x.Status, x.Reason)
	require.NotNil(t, x.Wait)
	assert.Equal(t, "menu", x.Wait.State)
}

func TestVoiceIVR(t *testing.T) {
	h := newHarness(t, map[string]string{"FWivr": ivr})

	c := h.dial("CA0001", "FWivr")
	assert.Equal(t, append([]string{`Say language=en-US voice=Polly.Joanna "Thanks for calling Acme."`}, menuVerbs...), lines(c.doc))
	g, _ := find(c.doc, "Gather")
	action, err := url.Parse(g.attr("action"))
	require.NoError(t, err)
	assert.Equal(t, h.server.URL+twilio.PathVoiceGather, action.Scheme+"://"+action.Host+action.Path)
	assert.Equal(t, url.Values{"execution": {"FN00000001"}, "token": {"1"}}, action.Query())
	assert.Equal(t, "POST", g.attr("method"))
	assert.Equal(t, "true", g.attr("actionOnEmptyResult"))
	assert.Equal(t, "dtmf speech", g.attr("input"))

	// 7 is no option: the flow says so and asks again, with a new token.
	assert.Equal(t, append([]string{`Say "Sorry, 7 is not an option."`}, menuVerbs...), c.press("7"))
	g, _ = find(c.doc, "Gather")
	assert.Contains(t, g.attr("action"), "token=2")

	// 2: support texts a link through the REST API, says goodbye and hangs up.
	assert.Equal(t, []string{`Say "We have texted you a link. Goodbye."`, "Hangup"}, c.press("2"))
	assert.True(t, c.done)
	msgs := h.rest.sent()
	require.Len(t, msgs, 1)
	assert.Equal(t, sent{To: caller, From: number, Body: "Acme support: https://acme.example/help", Token: msgs[0].Token}, msgs[0])
	assert.Contains(t, msgs[0].Token, "FN00000001/", "the effect key rides as the idempotency token")

	x, err := h.engine.Get(context.Background(), "FN00000001")
	require.NoError(t, err)
	assert.Equal(t, runtime.StatusEnded, x.Status)
	var path []string
	for _, s := range x.Steps {
		path = append(path, s.From+" -"+s.Name+"-> "+s.To)
	}
	assert.Equal(t, []string{
		"Trigger -incomingCall-> greet", "greet -audioComplete-> menu", "menu -keypress-> route",
		"route -noMatch-> invalid", "invalid -audioComplete-> menu", "menu -keypress-> route",
		"route -match-> support", "support -sent-> support_bye", "support_bye -audioComplete-> Ended",
	}, path)
}

func TestVoiceIVRSpeechPlayAndTimeout(t *testing.T) {
	h := newHarness(t, map[string]string{"FWivr": ivr})

	c := h.dial("CA0001", "FWivr")
	got := c.gather(url.Values{"SpeechResult": {"1"}, "Confidence": {"0.9"}})
	assert.Equal(t, []string{`Play "https://acme.example/sales.mp3"`, "Hangup"}, got)
	x, err := h.engine.Get(context.Background(), "FN00000001")
	require.NoError(t, err)
	assert.Equal(t, "speech", x.Steps[2].Name)

	// No input: Twilio posts the action without Digits or SpeechResult.
	c = h.dial("CA0002", "FWivr")
	assert.Equal(t, []string{`Say "We did not hear from you. Goodbye."`, "Hangup"}, c.gather(nil))
	x, err = h.engine.Get(context.Background(), "FN00000002")
	require.NoError(t, err)
	assert.Equal(t, "timeout", x.Steps[2].Name)
	assert.Equal(t, runtime.StatusEnded, x.Status)
}

func TestVoiceHangupMidFlowEndsTheExecution(t *testing.T) {
	h := newHarness(t, map[string]string{"FWivr": ivr})
	c := h.dial("CA0001", "FWivr")
	c.hangup() // the caller leaves during the menu; the gather takes no hangup
	x, err := h.engine.Get(context.Background(), "FN00000001")
	require.NoError(t, err)
	assert.Equal(t, runtime.StatusEnded, x.Status)
	assert.Contains(t, x.Reason, "CallStatus completed")

	// The gather's callback after that is stale: refused, nothing runs.
	g, _ := find(c.doc, "Gather")
	form := c.params()
	form.Set("Digits", "1")
	r := h.post(g.attr("action"), form, "", testToken)
	assert.Equal(t, http.StatusConflict, r.status, r.body)
}

// A widget the adapter does not serve yet takes its failure path, saying
// why, instead of leaving the contact waiting: send-to-flex from a
// message (Flex's Interactions API).
func TestUnsupportedWidgetTakesItsFailurePath(t *testing.T) {
	const flex = `{"description": "flex", "initial_state": "Trigger", "states": [
	  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingMessage", "next": "agent"}], "properties": {}},
	  {"name": "agent", "type": "send-to-flex", "transitions": [{"event": "callComplete"}, {"event": "failedToEnqueue", "next": "sorry"}, {"event": "callFailure"}],
	   "properties": {"workflow": "WW0001", "channel": "TC0001", "attributes": "{\"name\": \"{{trigger.message.From}}\"}"}},
	  {"name": "sorry", "type": "send-message", "transitions": [{"event": "sent"}, {"event": "failed"}], "properties": {"body": "Sorry, try again later."}}]}`
	h := newHarness(t, map[string]string{"FWflex": flex})
	r := h.text("FWflex", "SM0001", "help")
	require.Equal(t, http.StatusOK, r.status, r.body)
	x, path := stepsOf(t, h.engine, "FN00000001")
	assert.Equal(t, runtime.StatusEnded, x.Status)
	assert.Contains(t, path, "agent -failedToEnqueue-> sorry")
	assert.Contains(t, x.Widgets()["agent"].(map[string]any)["error"], "not supported by the Twilio adapter yet")
	assert.Equal(t, []string{caller + " Sorry, try again later."}, bodies(h.rest.sent()))
}

const survey = `{"description": "survey", "initial_state": "Trigger", "states": [
  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingMessage", "next": "ask"}], "properties": {}},
  {"name": "ask", "type": "send-and-wait-for-reply",
   "transitions": [{"event": "incomingMessage", "next": "thanks"}, {"event": "timeout", "next": "late"}, {"event": "deliveryFailure"}],
   "properties": {"body": "Hi! How did we do, 1 to 5?", "timeout": "600"}},
  {"name": "thanks", "type": "send-message", "transitions": [{"event": "sent"}, {"event": "failed"}],
   "properties": {"body": "Thanks for the {{widgets.ask.inbound.Body}}!"}},
  {"name": "late", "type": "send-message", "transitions": [{"event": "sent"}, {"event": "failed"}],
   "properties": {"body": "No answer? Never mind."}}]}`

func bodies(ms []sent) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.To+" "+m.Body)
	}
	return out
}

func TestMessagingSendAndWaitThenReply(t *testing.T) {
	h := newHarness(t, map[string]string{"FWsurvey": survey})

	r := h.text("FWsurvey", "SM1", "hello")
	require.Equal(t, http.StatusOK, r.status, r.body)
	parseTwiML(t, r.body)
	assert.Equal(t, []string{caller + " Hi! How did we do, 1 to 5?"}, bodies(h.rest.sent()))

	// The reply resumes the waiting execution (the engine's session rule).
	r = h.text("FWsurvey", "SM2", "5")
	require.Equal(t, http.StatusOK, r.status, r.body)
	assert.Equal(t, []string{caller + " Hi! How did we do, 1 to 5?", caller + " Thanks for the 5!"}, bodies(h.rest.sent()))
	x, err := h.engine.Get(context.Background(), "FN00000001")
	require.NoError(t, err)
	assert.Equal(t, runtime.StatusEnded, x.Status)
	assert.Equal(t, "ask", x.Steps[1].From)
	assert.Equal(t, "incomingMessage", x.Steps[1].Name)

	// A new message after the end starts a new execution.
	r = h.text("FWsurvey", "SM3", "again")
	require.Equal(t, http.StatusOK, r.status, r.body)
	assert.Len(t, h.rest.sent(), 3)
}

func TestMessagingTimeoutThroughExpiry(t *testing.T) {
	h := newHarness(t, map[string]string{"FWsurvey": survey})
	r := h.text("FWsurvey", "SM1", "hello")
	require.Equal(t, http.StatusOK, r.status, r.body)

	h.clock.Advance(10*time.Minute + time.Second)
	n, err := h.engine.Expire(context.Background())
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	assert.Equal(t, []string{caller + " Hi! How did we do, 1 to 5?", caller + " No answer? Never mind."}, bodies(h.rest.sent()))
}

func TestBadSignatureIsRefusedAndChangesNothing(t *testing.T) {
	h := newHarness(t, map[string]string{"FWivr": ivr, "FWsurvey": survey})
	form := url.Values{"AccountSid": {testAccount}, "CallSid": {"CA1"}, "From": {caller}, "To": {number}, "CallStatus": {"ringing"}}
	for _, tc := range []struct {
		name string
		do   func() reply
	}{
		{"wrong token", func() reply { return h.post(twilio.PathVoiceIncoming+"?flow=FWivr", form, "", "not-the-token") }},
		{"signed for another URL", func() reply {
			req, _ := http.NewRequest(http.MethodPost, h.server.URL+twilio.PathVoiceIncoming+"?flow=FWivr", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set(twilio.HeaderSignature, sign(testToken, "https://elsewhere.example"+twilio.PathVoiceIncoming+"?flow=FWivr", form))
			resp, err := h.server.Client().Do(req)
			require.NoError(t, err)
			resp.Body.Close()
			return reply{status: resp.StatusCode}
		}},
		{"no signature", func() reply {
			resp, err := h.server.Client().PostForm(h.server.URL+twilio.PathMessagingIncoming+"?flow=FWsurvey", form)
			require.NoError(t, err)
			resp.Body.Close()
			return reply{status: resp.StatusCode}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, http.StatusForbidden, tc.do().status)
		})
	}
	page, _, err := h.engine.Store().List(context.Background(), runtime.ListFilter{})
	require.NoError(t, err)
	assert.Empty(t, page, "no execution started")
	assert.Empty(t, h.rest.sent())

	// A tampered callback parameter breaks the signature too.
	c := h.dial("CA0001", "FWivr")
	g, _ := find(c.doc, "Gather")
	f := c.params()
	f.Set("Digits", "1")
	sig := sign(testToken, g.attr("action"), f)
	f.Set("Digits", "2")
	req, _ := http.NewRequest(http.MethodPost, g.attr("action"), strings.NewReader(f.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set(twilio.HeaderSignature, sig)
	resp, err := h.server.Client().Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusForbidden, resp.StatusCode)
	x, err := h.engine.Get(context.Background(), "FN00000001")
	require.NoError(t, err)
	assert.Equal(t, "menu", x.Wait.State, "still waiting on the menu")
}

func TestRetriedWebhookGetsTheSameResponseAndRunsNothing(t *testing.T) {
	h := newHarness(t, map[string]string{"FWivr": ivr, "FWsurvey": survey})

	c := &call{h: h, sid: "CA0001"}
	form := c.params()
	first := h.post(twilio.PathVoiceIncoming+"?flow=FWivr", form, "retry-1", testToken)
	again := h.post(twilio.PathVoiceIncoming+"?flow=FWivr", form, "retry-1", testToken)
	require.Equal(t, http.StatusOK, first.status)
	assert.Equal(t, first, again, "identical status and body")
	c.follow(first.body)

	g, _ := find(c.doc, "Gather")
	in := c.params()
	in.Set("Digits", "2")
	first = h.post(g.attr("action"), in, "retry-2", testToken)
	again = h.post(g.attr("action"), in, "retry-2", testToken)
	require.Equal(t, http.StatusOK, first.status, first.body)
	assert.Equal(t, first, again)
	assert.Len(t, h.rest.sent(), 1, "the support text went once")
	assert.Equal(t, 1, h.rest.requests)

	page, _, err := h.engine.Store().List(context.Background(), runtime.ListFilter{})
	require.NoError(t, err)
	assert.Len(t, page, 1, "one execution")

	// Messaging: the retried first message starts nothing more and sends nothing more.
	sms := url.Values{"AccountSid": {testAccount}, "MessageSid": {"SM1"}, "From": {"+15550000002"}, "To": {number}, "Body": {"hi"}}
	first = h.post(twilio.PathMessagingIncoming+"?flow=FWsurvey", sms, "retry-3", testToken)
	again = h.post(twilio.PathMessagingIncoming+"?flow=FWsurvey", sms, "retry-3", testToken)
	assert.Equal(t, first, again)
	assert.Len(t, h.rest.sent(), 2)
}

// allowed lists, for each TwiML verb the adapter may write, the
// attributes twilio-go's TwiML types document for it.
func allowed() map[string]map[string]bool {
	out := map[string]map[string]bool{}
	for _, el := range []twiml.Element{
		twiml.VoiceSay{}, twiml.VoicePlay{}, twiml.VoiceGather{}, twiml.VoiceHangup{},
		twiml.VoicePause{}, twiml.VoiceRedirect{}, twiml.VoiceDial{}, twiml.VoiceNumber{}, twiml.VoiceRecord{}, twiml.VoiceEnqueue{}, twiml.VoiceTask{}, twiml.VoicePay{}, twiml.VoiceParameter{},
		twiml.VoiceClient{}, twiml.VoiceSip{}, twiml.VoiceConference{},
	} {
		_, params := el.GetAttr()
		attrs := map[string]bool{}
		for k := range params {
			attrs[strings.ToLower(k[:1])+k[1:]] = true
		}
		out[el.GetName()] = attrs
	}
	return out
}

// nesting is where TwiML allows each verb (TwiML reference: <Gather>
// nests <Say>, <Play> and <Pause>).
var nesting = map[string][]string{
	"Response": {"Say", "Play", "Gather", "Dial", "Record", "Enqueue", "Pay", "Hangup", "Pause", "Redirect"},
	"Enqueue":  {"Task"},
	"Pay":      {"Parameter"},
	"Gather":   {"Say", "Play", "Pause"},
	"Dial":     {"Number", "Client", "Sip", "Conference"},
}

func checkSchema(t assert.TestingT, n node, parent string) {
	verbs := allowed()
	for _, c := range n.Children {
		name := c.XMLName.Local
		assert.Contains(t, nesting[parent], name, "<%s> inside <%s>", name, parent)
		for _, a := range c.Attrs {
			assert.True(t, verbs[name][a.Name.Local], "<%s %s=...> is not documented", name, a.Name.Local)
		}
		checkSchema(t, c, name)
	}
}

func TestTwiMLUsesOnlyDocumentedVerbs(t *testing.T) {
	h := newHarness(t, map[string]string{"FWivr": ivr})
	c := h.dial("CA0001", "FWivr")
	// parseTwiML checked each document; check the checker itself.
	assert.NotEmpty(t, lines(c.doc))
	var bad node
	require.NoError(t, xml.Unmarshal([]byte(`<?xml version="1.0"?><Response><Say bogus="1">x</Say><Stream/></Response>`), &bad))
	rec := &recorder{}
	checkSchema(rec, bad, "Response")
	assert.Len(t, rec.errors, 2, "an undocumented attribute and an unexpected verb are caught")
}

type recorder struct{ errors []string }

func (r *recorder) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

// runnerOnly hides the engine behind runtime.Runner: the adapter must need
// nothing else of it, as with adapters/temporal's Runner.
type runnerOnly struct{ runtime.Runner }

// The adapter serves a call through any runtime.Runner, not only an
// engine.
func TestVoiceThroughARunner(t *testing.T) {
	h := newHarness(t, map[string]string{"FWivr": ivr})
	h.server.Config.Handler = h.adapter.Handler(runnerOnly{h.engine})
	c := h.dial("CA0001", "FWivr")
	assert.Equal(t, append([]string{`Say language=en-US voice=Polly.Joanna "Thanks for calling Acme."`}, menuVerbs...), lines(c.doc))
	assert.Equal(t, append([]string{`Say "Sorry, 7 is not an option."`}, menuVerbs...), c.press("7"))
	assert.Equal(t, []string{`Say "We have texted you a link. Goodbye."`, "Hangup"}, c.press("2"))
	assert.True(t, c.done)
	x, err := h.engine.Get(context.Background(), "FN00000001")
	require.NoError(t, err)
	assert.Equal(t, runtime.StatusEnded, x.Status)
}
