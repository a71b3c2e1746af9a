package sim_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studioflow/studioflow/runtime"
	"github.com/studioflow/studioflow/runtime/sim"
	"github.com/studioflow/studioflow/widgets"
	"github.com/studioflow/studioflow/widgets/fake"
	"github.com/studioflow/studioflow/widgets/twilio"
)

var ctx = context.Background()

func TestRunMenuWrongKeyThenSupport(t *testing.T) {
	s := sim.New(sim.WithFlow("FWacme", menu(t)))
	run, err := s.Run(ctx, sim.Start{}, sim.Script{sim.Press("7"), sim.Press("2")})
	require.NoError(t, err)
	assert.Equal(t, runtime.StatusEnded, run.Status())
	sim.AssertTranscript(t, run, []string{
		`voice.say "Thanks for calling Acme."`,
		`voice.gather.say "For sales press 1. For support press 2. To hear this again press 9."`,
		`caller.press "7"`,
		`voice.say "Sorry, 7 is not an option."`,
		`voice.gather.say "For sales press 1. For support press 2. To hear this again press 9."`,
		`caller.press "2"`,
		`messaging.send to=+15551230000 "Acme support: https://acme.example/help"`,
		`voice.say "We have texted you a link to our help pages. Goodbye."`,
	})
	sim.AssertPath(t, run, []string{"Trigger", "greet", "menu", "route", "invalid", "menu", "route", "support_sms", "support_bye"})
	sim.AssertSteps(t, run, []string{
		"Trigger -incomingCall-> greet", "greet -audioComplete-> menu", "menu -keypress-> route",
		"route -noMatch-> invalid", "invalid -audioComplete-> menu", "menu -keypress-> route",
		"route -match-> support_sms", "support_sms -sent-> support_bye", "support_bye -audioComplete-> Ended",
	})
	// The default trigger is the first the flow wires; a call gets a sid.
	x := run.Execution
	assert.Equal(t, runtime.TriggerCall, x.Trigger)
	assert.Equal(t, sim.DefaultContact, x.Contact)
	assert.Equal(t, sim.DefaultFlowAddress, x.Address)
	assert.Regexp(t, `^CA[0-9a-f]{32}$`, x.Call.Sid)
	assert.Equal(t, "2", x.Widgets()["menu"].(map[string]any)["Digits"])
}

func TestSpeechAndAutomaticTimeout(t *testing.T) {
	s := sim.New(sim.WithFlow("FWacme", menu(t)))
	run, err := s.Run(ctx, sim.Start{}, sim.Script{sim.Speak("sales please")})
	require.NoError(t, err)
	// The menu's last answer was the timeout: nothing of the speech before
	// it stays in widgets.menu.
	menu, _ := run.Execution.Widgets()["menu"].(map[string]any)
	assert.NotContains(t, menu, "SpeechResult")
	assert.Equal(t, "in-progress", menu["CallStatus"], "the timeout's own outputs: the call's parameters")
	// "sales please" is no digit: invalid, then the menu again, and with
	// the script spent the gather times out: the clock moves to the
	// engine's deadline, the 5 s timeout plus the grace for the prompt.
	sim.AssertPath(t, run, []string{"Trigger", "greet", "menu", "route", "invalid", "menu", "goodbye"})
	assert.Equal(t, sim.DefaultNow.Add(5*time.Second+twilio.GatherGrace), s.Clock.Now())
	last := run.Transcript[len(run.Transcript)-2]
	assert.Equal(t, "caller", last.Service)
	assert.Equal(t, "timeout", last.Op)
	assert.Equal(t, true, last.Detail["auto"])
}

func TestNotAcceptedNamesStateEventsAndLine(t *testing.T) {
	s := sim.New(sim.WithFlow("FWacme", menu(t)))
	script := sim.Script{{Verb: sim.VerbReply, Text: "hi", Line: 4}}
	run, err := s.Run(ctx, sim.Start{}, script)
	require.Error(t, err)
	assert.True(t, errors.Is(err, sim.ErrNotAccepted))
	var ae *sim.ActionError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, "menu", ae.State)
	assert.Equal(t, `line 4: reply hi: state "menu" waits for one of keypress, speech, timeout (script: press DIGITS, speak TEXT, timeout)`, err.Error())
	// The stopped session was ended, so it never blocks a later start.
	assert.Equal(t, runtime.StatusEnded, run.Status())
	assert.Equal(t, "simulation stopped", run.Execution.Reason)
}

func TestActionsAfterTheEndAreAnError(t *testing.T) {
	s := sim.New(sim.WithFlow("FWacme", menu(t)))
	_, err := s.Run(ctx, sim.Start{}, sim.Script{sim.Press("1"), sim.Press("2")})
	require.ErrorIs(t, err, sim.ErrEnded)
	assert.Equal(t, "press 2: the execution has already ended; nothing waits for this", err.Error())
}

func TestHangupEndsTheCallWhenTheWaitHasNoHangup(t *testing.T) {
	s := sim.New(sim.WithFlow("FWacme", menu(t)))
	run, err := s.Run(ctx, sim.Start{}, sim.Script{sim.Hangup()})
	require.NoError(t, err)
	assert.Equal(t, runtime.StatusEnded, run.Status())
	assert.Equal(t, `the caller hung up while "menu" waited`, run.Execution.Reason)
	assert.Equal(t, `caller.hangup`, run.Lines()[len(run.Lines())-1])
}

const dialer = `{"description": "dialer", "initial_state": "Trigger", "states": [
  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingRequest", "next": "dial"}], "properties": {}},
  {"name": "dial", "type": "make-outgoing-call-v2", "transitions": [
     {"event": "answered", "next": "hello"}, {"event": "busy", "next": "sms"}, {"event": "noAnswer", "next": "sms"}, {"event": "failed", "next": "sms"}],
   "properties": {"to": "{{flow.data.to}}", "timeout": 20}},
  {"name": "hello", "type": "connect-call-to", "transitions": [{"event": "callCompleted", "next": "bye"}, {"event": "hangup"}],
   "properties": {"to": "+15550001111"}},
  {"name": "bye", "type": "say-play", "transitions": [{"event": "audioComplete"}], "properties": {"say": "Bye {{widgets.hello.DialCallStatus}}"}},
  {"name": "sms", "type": "send-message", "transitions": [{"event": "sent"}, {"event": "failed"}], "properties": {"body": "We missed you ({{widgets.dial.CallStatus}})"}}
]}`

func TestCallOutcomes(t *testing.T) {
	for _, tc := range []struct {
		name   string
		script sim.Script
		last   string
		path   []string
	}{
		{"answer then connect", sim.Script{sim.Answer(), sim.Event("callCompleted", map[string]any{"DialCallStatus": "completed"})},
			`voice.say "Bye completed"`, []string{"Trigger", "dial", "hello", "bye"}},
		{"answer then caller hangs up", sim.Script{sim.Answer(), sim.Hangup()}, `caller.hangup`, []string{"Trigger", "dial", "hello"}},
		{"busy", sim.Script{sim.Busy()}, `messaging.send to=+15550002222 "We missed you (busy)"`, []string{"Trigger", "dial", "sms"}},
		{"no answer", sim.Script{sim.NoAnswer()}, `messaging.send to=+15550002222 "We missed you (no-answer)"`, []string{"Trigger", "dial", "sms"}},
		{"fail", sim.Script{sim.Fail()}, `messaging.send to=+15550002222 "We missed you (failed)"`, []string{"Trigger", "dial", "sms"}},
		// Nothing scripted: a placed call has no timeout, so nobody answers.
		{"nothing", nil, `messaging.send to=+15550002222 "We missed you (no-answer)"`, []string{"Trigger", "dial", "sms"}},
		// Answered, then nothing: the connect's hangup ends the call.
		{"answer only", sim.Script{sim.Answer()}, `caller.hangup`, []string{"Trigger", "dial", "hello"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := sim.New(sim.WithFlow("FWdial", parse(t, dialer)))
			run, err := s.Run(ctx, sim.Start{Contact: "+15550002222", Params: map[string]any{"to": "+15550002222"}}, tc.script)
			require.NoError(t, err)
			assert.Equal(t, runtime.StatusEnded, run.Status(), run.Execution.Reason)
			lines := run.Lines()
			assert.Equal(t, tc.last, lines[len(lines)-1])
			sim.AssertPath(t, run, tc.path)
			assert.Equal(t, "voice.call to=+15550002222", lines[0])
		})
	}
	s := sim.New(sim.WithFlow("FWdial", parse(t, dialer)))
	run, err := s.Run(ctx, sim.Start{Params: map[string]any{"to": "+15550002222"}}, sim.Script{sim.Answer()})
	require.NoError(t, err)
	dial := run.Execution.Widgets()["dial"].(map[string]any)
	assert.Equal(t, "human", dial["AnsweredBy"])
	assert.Equal(t, "in-progress", dial["CallStatus"])
}

const survey = `{"description": "survey", "initial_state": "Trigger", "states": [
  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingMessage", "next": "ask"}], "properties": {}},
  {"name": "ask", "type": "send-and-wait-for-reply", "transitions": [{"event": "incomingMessage", "next": "thanks"}, {"event": "timeout", "next": "late"}],
   "properties": {"body": "You said {{trigger.message.Body}}. Your name?", "timeout": "600"}},
  {"name": "thanks", "type": "send-message", "transitions": [{"event": "sent"}], "properties": {"body": "Thanks {{widgets.ask.inbound.Body}} ({{widgets.ask.inbound.From}})"}},
  {"name": "late", "type": "send-message", "transitions": [{"event": "sent"}], "properties": {"body": "Too late"}}
]}`

func TestMessagesReplyAndTimeout(t *testing.T) {
	s := sim.New(sim.WithFlow("FWsurvey", parse(t, survey)))
	run, err := s.Run(ctx, sim.Start{Body: "hello", Contact: "+15550003333"}, sim.Script{sim.Reply("Ada")})
	require.NoError(t, err)
	sim.AssertTranscript(t, run, []string{
		`messaging.send to=+15550003333 "You said hello. Your name?"`,
		`caller.reply "Ada"`,
		`messaging.send to=+15550003333 "Thanks Ada (+15550003333)"`,
	})
	inbound := run.Execution.Widgets()["ask"].(map[string]any)["inbound"].(map[string]any)
	assert.Equal(t, sim.DefaultFlowAddress, inbound["To"])
	assert.Regexp(t, `^SM[0-9a-f]{32}$`, inbound["MessageSid"])

	// The same contact again: the first session has ended, so this starts a
	// new one; a timeout moves the clock to the wait's deadline.
	before := s.Clock.Now()
	run, err = s.Run(ctx, sim.Start{Body: "hi", Contact: "+15550003333"}, sim.Script{sim.Timeout()})
	require.NoError(t, err)
	assert.Equal(t, []string{"You said hi. Your name?", "Too late"}, run.Said("messaging"))
	assert.Equal(t, before.Add(10*time.Minute), s.Clock.Now())
	assert.Equal(t, "late", run.Steps()[len(run.Steps())-1].From)
}

func TestNamedEventsAndTheirData(t *testing.T) {
	s := sim.New(sim.WithFlow("FWdial", parse(t, dialer)))
	run, err := s.Run(ctx, sim.Start{Params: map[string]any{"to": "+15550002222"}}, sim.Script{
		sim.Event("answered", map[string]any{"AnsweredBy": "machine_start"}),
		sim.Event("callCompleted", map[string]any{"DialCallStatus": "busy", "DialCallDuration": "0"}),
	})
	require.NoError(t, err)
	w := run.Execution.Widgets()
	assert.Equal(t, "machine_start", w["dial"].(map[string]any)["AnsweredBy"])
	assert.Equal(t, "0", w["hello"].(map[string]any)["DialCallDuration"])
	assert.Contains(t, run.Lines(), `caller.event "callCompleted"`)
	assert.Contains(t, run.Lines(), `voice.say "Bye busy"`)
}

const lookup = `{"description": "lookup", "initial_state": "Trigger", "states": [
  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingRequest", "next": "get"}], "properties": {}},
  {"name": "get", "type": "make-http-request", "transitions": [{"event": "success", "next": "ok"}, {"event": "failed", "next": "ko"}],
   "properties": {"method": "GET", "url": "https://api.example.com/users/{{flow.data.id}}"}},
  {"name": "ok", "type": "set-variables", "transitions": [{"event": "next"}], "properties": {"variables": [{"key": "name", "value": "{{widgets.get.parsed.name}}"}]}},
  {"name": "ko", "type": "set-variables", "transitions": [{"event": "next"}], "properties": {"variables": [{"key": "error", "value": "{{widgets.get.error}}"}]}}
]}`

func TestHTTPMocks(t *testing.T) {
	s := sim.New(sim.WithFlow("FWlookup", parse(t, lookup)),
		sim.WithHTTPMocks(sim.HTTPMock{Method: "GET", URL: "https://api.example.com/users/7", Body: `{"name": "Ana"}`}))
	run, err := s.Run(ctx, sim.Start{Params: map[string]any{"id": "7"}}, nil)
	require.NoError(t, err)
	assert.Equal(t, "Ana", run.Execution.Variables()["name"])
	sim.AssertTranscript(t, run, []string{`http.request "https://api.example.com/users/7"`})

	// An unmocked request fails the widget; nothing reaches the network.
	run, err = s.Run(ctx, sim.Start{Params: map[string]any{"id": "8"}}, nil)
	require.NoError(t, err)
	assert.Contains(t, run.Execution.Variables()["error"], "no HTTP mock for GET https://api.example.com/users/8")
	sim.AssertPath(t, run, []string{"Trigger", "get", "ko"})
}

// approval is a custom widget that waits for approved or rejected, with no
// timeout: nothing ends its wait by itself.
var approval = widgets.Type{
	Name: "approval",
	Compile: func(p *widgets.Props) widgets.Node {
		return approvalNode{}
	},
}

type approvalNode struct{}

func (approvalNode) Events() []string { return []string{"approved", "rejected"} }
func (approvalNode) Run(widgets.StepContext) (widgets.Result, error) {
	return widgets.Result{Wait: &widgets.Wait{Events: []string{"approved", "rejected"}}}, nil
}

const approvalFlow = `{"description": "approval", "initial_state": "Trigger", "states": [
  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingRequest", "next": "ask"}], "properties": {}},
  {"name": "ask", "type": "approval", "transitions": [{"event": "approved"}, {"event": "rejected"}], "properties": {}}
]}`

func TestStuckWaitIsAnErrorNotAHang(t *testing.T) {
	s := sim.New(sim.WithFlow("FWa", parse(t, approvalFlow)), sim.WithRuntime(runtime.WithWidget(approval)))
	run, err := s.Run(ctx, sim.Start{}, nil)
	require.ErrorIs(t, err, sim.ErrStuck)
	assert.Equal(t, `state "ask" waits for one of approved, rejected and the script has no more input; no timeout or hang-up would end this wait`, err.Error())
	assert.Equal(t, runtime.StatusEnded, run.Status())

	run, err = s.Run(ctx, sim.Start{}, sim.Script{sim.Event("approved", nil)})
	require.NoError(t, err)
	sim.AssertSteps(t, run, []string{"Trigger -incomingRequest-> ask", "ask -approved-> Ended"})
	// Verbs name what a wait takes.
	assert.Equal(t, []string{"event approved", "event rejected"}, sim.VerbsFor(&runtime.WaitState{Events: []string{"approved", "rejected"}}))
}

func TestLoopsEndAtTheEngineLimits(t *testing.T) {
	// A gather that loops on timeout forever: the engine's repeat limit
	// ends it; the session never hangs.
	src := `{"description": "loop", "initial_state": "Trigger", "states": [
	  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingCall", "next": "ask"}], "properties": {}},
	  {"name": "ask", "type": "gather-input-on-call", "transitions": [{"event": "keypress"}, {"event": "timeout", "next": "ask"}], "properties": {"say": "Hello?"}}
	]}`
	s := sim.New(sim.WithFlow("FWloop", parse(t, src)))
	run, err := s.Run(ctx, sim.Start{}, nil)
	require.NoError(t, err)
	assert.Equal(t, runtime.StatusFailed, run.Status())
	assert.Equal(t, runtime.FailureLimitRepeats, run.Execution.FailureCode)
	assert.Contains(t, run.Execution.Reason, `state "ask"`)
}

func TestSessionStepByStep(t *testing.T) {
	s := sim.New(sim.WithFlow("FWacme", menu(t)), sim.WithNow(time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)))
	ss, err := s.Start(ctx, sim.Start{Trigger: runtime.TriggerCall, CallSid: "CA1", Contact: "+1555"})
	require.NoError(t, err)
	w := ss.Waiting()
	require.NotNil(t, w)
	assert.Equal(t, "menu", w.State)
	assert.Equal(t, []string{"press DIGITS", "speak TEXT", "timeout"}, sim.VerbsFor(w))
	a, ok := sim.DefaultAction(w)
	assert.True(t, ok)
	assert.Equal(t, sim.Timeout(), a)
	require.NoError(t, ss.Do(ctx, sim.Press("1")))
	assert.True(t, ss.Done())
	assert.Nil(t, ss.Waiting())
	assert.Equal(t, "CA1", ss.Execution().Call.Sid)
	assert.Len(t, ss.Transcript(), 4)
	require.NoError(t, ss.Close(ctx))
}

func TestWithFakesConfiguresServices(t *testing.T) {
	src := `{"description": "fn", "initial_state": "Trigger", "states": [
	  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingRequest", "next": "fn"}], "properties": {}},
	  {"name": "fn", "type": "run-function", "transitions": [{"event": "success"}, {"event": "fail"}],
	   "properties": {"url": "https://fn.example.com/hello", "parameters": [{"key": "who", "value": "{{flow.data.who}}"}]}}
	]}`
	s := sim.New(sim.WithFlow("FWfn", parse(t, src)), sim.WithFakes(func(f *fake.Fakes) {
		f.Functions.Handle("https://fn.example.com/hello", func(_ context.Context, c widgets.FunctionCall) (widgets.FunctionResult, error) {
			return fake.JSONResult(map[string]any{"greeting": "hi " + c.Parameters["who"]}), nil
		})
	}))
	run, err := s.Run(ctx, sim.Start{Params: map[string]any{"who": "Ada"}}, nil)
	require.NoError(t, err)
	sim.AssertSteps(t, run, []string{"Trigger -incomingRequest-> fn", "fn -success-> Ended"})
	assert.Equal(t, "hi Ada", run.Execution.Widgets()["fn"].(map[string]any)["parsed"].(map[string]any)["greeting"])
}

func TestStartErrors(t *testing.T) {
	_, err := sim.New().Run(ctx, sim.Start{}, nil)
	assert.ErrorContains(t, err, "no flow named")
	mod := parse(t, `{"description": "m", "initial_state": "Begin", "states": [
	  {"name": "Begin", "type": "begin-module", "transitions": [{"event": "next", "next": "out"}], "properties": {"arguments": []}},
	  {"name": "out", "type": "return-to-flow", "transitions": [], "properties": {"exit": "done"}}]}`)
	_, err = sim.New(sim.WithFlow("FWm", mod)).Run(ctx, sim.Start{}, nil)
	assert.ErrorContains(t, err, "the definition is a module")
	_, err = sim.New(sim.WithFlow("FWacme", menu(t))).Run(ctx, sim.Start{Flow: "FWnone", Trigger: runtime.TriggerCall}, nil)
	assert.ErrorIs(t, err, runtime.ErrNotFound)
}
