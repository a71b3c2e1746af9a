package compat_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studioflow/studioflow/compat"
	"github.com/studioflow/studioflow/flow"
	"github.com/studioflow/studioflow/widgets"
)

func TestCheckerRules(t *testing.T) {
	tests := []struct {
		name       string
		concurrent bool
		states     []string
		want       []string // "state code"
		paths      map[string]string
	}{
		// Seed 003: API request → make outbound call → answered → play
		// audio → forward to external number.
		{name: "seed 003 API flow", states: []string{
			"Trigger trigger incomingRequest>call",
			"call make-outbound-call answered>announce busy>stop noAnswer>stop invalidNumber>stop",
			"announce say-play audioComplete>forward say=hello",
			"forward forward-to-external-number noAnswer>stop invalidNumber>stop to=+1",
			"stop end-flow",
		}},
		{name: "seed 003 with play audio on busy", states: []string{
			"Trigger trigger incomingRequest>call",
			"call make-outbound-call answered>announce busy>announce noAnswer>stop invalidNumber>stop",
			"announce say-play audioComplete>forward say=hello",
			"forward forward-to-external-number noAnswer>stop invalidNumber>stop to=+1",
			"stop end-flow",
		}, want: []string{"announce compat.needs_call"},
			paths: map[string]string{"announce": "Trigger → call → announce (API request)"}},
		{name: "voice after incoming call", states: []string{
			"Trigger trigger incomingCall>greet",
			"greet say-play audioComplete>menu say=hi",
			"menu gather-input-on-call keypress>greet timeout",
		}},
		{name: "voice after incoming message", states: []string{
			"Trigger trigger incomingMessage>greet",
			"greet say-play audioComplete>menu say=hi",
			"menu gather-input-on-call keypress timeout",
		}, want: []string{"greet compat.needs_call"}}, // the runtime fails at greet: menu is never reached
		{name: "voice after incoming conversation", states: []string{
			"Trigger trigger incomingConversationMessage>greet",
			"greet say-play audioComplete say=hi",
		}, want: []string{"greet compat.needs_call"}},
		{name: "voice in API flow before any call", states: []string{
			"Trigger trigger incomingRequest>greet",
			"greet say-play audioComplete say=hi",
		}, want: []string{"greet compat.needs_call"}},
		{name: "voice in subflow: the parent's call", states: []string{
			"Trigger trigger incomingParent>greet",
			"greet say-play audioComplete say=hi",
		}},
		{name: "Twilio outgoing call answered", states: []string{
			"Trigger trigger incomingRequest>call",
			"call make-outgoing-call-v2 answered>greet busy>sms noAnswer>sms failed",
			"greet say-play audioComplete say=hi",
			"sms send-message sent failed body=missed",
		}},

		// One outbound call per call path.
		{name: "two outbound calls on one path", states: []string{
			"Trigger trigger incomingRequest>first",
			"first make-outbound-call answered>second busy noAnswer invalidNumber",
			"second make-outbound-call answered busy noAnswer invalidNumber",
		}, want: []string{"second compat.second_outbound_call"},
			paths: map[string]string{"second": "Trigger → first → second (API request)"}},
		{name: "retry after busy is a second call", states: []string{
			"Trigger trigger incomingRequest>first",
			"first make-outbound-call answered busy>retry noAnswer invalidNumber",
			"retry make-outbound-call answered busy noAnswer invalidNumber",
		}, want: []string{"retry compat.second_outbound_call"}},
		{name: "a loop back to the outbound call", states: []string{
			"Trigger trigger incomingRequest>call",
			"call make-outbound-call answered busy>wait noAnswer invalidNumber",
			"wait set-variables next>call",
		}, want: []string{"call compat.second_outbound_call"},
			paths: map[string]string{"call": "Trigger → call → wait → call (API request)"}},
		{name: "two outbound calls on separate branches", states: []string{
			"Trigger trigger incomingRequest>route",
			"route split-based-on noMatch>home match>office input={{flow.data.where}}",
			"home make-outbound-call answered>greet busy noAnswer invalidNumber",
			"office make-outbound-call answered>greet busy noAnswer invalidNumber",
			"greet say-play audioComplete say=hi",
		}},

		// Loops.
		{name: "voice step before the call in a loop", states: []string{
			"Trigger trigger incomingRequest>prep",
			"prep set-variables next>play",
			"play say-play audioComplete>call say=hi",
			"call make-outbound-call answered>prep busy noAnswer invalidNumber",
		}, want: []string{"play compat.needs_call"}, // the runtime fails at play: call is never placed
			paths: map[string]string{"play": "Trigger → prep → play (API request)"}},
		{name: "retry loop returns to the menu before the call exists", states: []string{
			"Trigger trigger incomingRequest>call",
			"call make-outbound-call answered>menu busy>wait noAnswer invalidNumber",
			"menu gather-input-on-call keypress timeout>menu say=pick",
			"wait set-variables next>check",
			"check split-based-on noMatch>wait match>menu input={{flow.variables.tries}}",
		}, want: []string{"menu compat.needs_call"},
			paths: map[string]string{"menu": "Trigger → call → wait → check → menu (API request)"}},
		{name: "message branch joins the voice menu loop", states: []string{
			"Trigger trigger incomingCall>menu incomingMessage>route",
			"menu gather-input-on-call keypress>route speech>route timeout>menu say=pick",
			"route split-based-on noMatch>menu match>bye input={{widgets.menu.Digits}}",
			"bye send-message sent failed body=bye",
		}, want: []string{"menu compat.needs_call"},
			paths: map[string]string{"menu": "Trigger → route → menu (incoming message)"}},
		{name: "loop back to the menu after hangup", states: []string{
			"Trigger trigger incomingCall>menu",
			"menu gather-input-on-call keypress>xfer timeout say=pick",
			"xfer connect-call-to callCompleted hangup>log to=+1",
			"log make-http-request success>menu failed",
		}, want: []string{"menu compat.after_call_ended"},
			paths: map[string]string{"menu": "Trigger → menu → xfer → log → menu (incoming call)"}},

		// Post-call steps.
		{name: "message after hangup", states: []string{
			"Trigger trigger incomingCall>xfer",
			"xfer connect-call-to callCompleted>survey hangup>survey to=+1",
			"survey send-message sent failed body=rate_us",
		}},
		{name: "play audio after hangup", states: []string{
			"Trigger trigger incomingCall>xfer",
			"xfer connect-call-to callCompleted hangup>bye to=+1",
			"bye say-play audioComplete say=bye",
		}, want: []string{"bye compat.after_call_ended"},
			paths: map[string]string{"bye": "Trigger → xfer → bye (incoming call)"}},
		{name: "forward then play on completed", states: []string{
			"Trigger trigger incomingRequest>call",
			"call make-outbound-call answered>fwd busy noAnswer invalidNumber",
			"fwd forward-to-external-number completed>bye noAnswer invalidNumber to=+1",
			"bye say-play audioComplete say=bye",
		}, want: []string{"bye compat.after_call_ended"}},
		{name: "enqueue then survey", states: []string{
			"Trigger trigger incomingCall>queue",
			"queue enqueue-call callComplete>survey failedToEnqueue callFailure queue_name=support",
			"survey send-message sent failed body=rate_us",
		}},

		// Reply waits and concurrent calls (seed 004).
		{name: "reply wait after incoming call, concurrent calls", concurrent: true, states: []string{
			"Trigger trigger incomingCall>ask",
			"ask send-and-wait-for-reply incomingMessage timeout deliveryFailure body=hi",
		}, want: []string{"ask compat.reply_wait_concurrent_calls"}},
		{name: "reply wait after incoming call, no concurrent calls", states: []string{
			"Trigger trigger incomingCall>ask",
			"ask send-and-wait-for-reply incomingMessage timeout deliveryFailure body=hi",
		}},
		{name: "reply wait after incoming message, concurrent calls", concurrent: true, states: []string{
			"Trigger trigger incomingMessage>ask",
			"ask send-and-wait-for-reply incomingMessage timeout deliveryFailure body=hi",
		}},
		{name: "reply wait after the call ended, concurrent calls", concurrent: true, states: []string{
			"Trigger trigger incomingCall>xfer",
			"xfer connect-call-to callCompleted>ask hangup>ask to=+1",
			"ask send-and-wait-for-reply incomingMessage timeout deliveryFailure body=how_was_it",
		}, want: []string{"ask compat.reply_wait_concurrent_calls"},
			paths: map[string]string{"ask": "Trigger → xfer → ask (incoming call)"}},
		{name: "reply wait in API flow, concurrent calls", concurrent: true, states: []string{
			"Trigger trigger incomingRequest>ask",
			"ask send-and-wait-for-reply incomingMessage timeout deliveryFailure body=hi",
		}},

		// Not allowed in the flow's type.
		{name: "outbound call in an incoming-call flow", states: []string{
			"Trigger trigger incomingCall>call",
			"call make-outbound-call answered busy noAnswer invalidNumber",
		}, want: []string{"call compat.outbound_on_call_path"}},
		{name: "outbound call in a message flow", states: []string{
			"Trigger trigger incomingMessage>call",
			"call make-outgoing-call-v2 answered>greet busy noAnswer failed",
			"greet say-play audioComplete say=hi",
		}},
		{name: "return-to-flow in a flow", states: []string{
			"Trigger trigger incomingMessage>done",
			"done return-to-flow exit=ok",
		}, want: []string{"done compat.not_allowed_in_type"}},
		{name: "a transition back to the trigger", states: []string{
			"Trigger trigger incomingMessage>again",
			"again set-variables next>Trigger",
		}, want: []string{"Trigger compat.not_allowed_in_type"}},
		{name: "begin-module reached by a transition", states: []string{
			"Begin begin-module next>step",
			"step set-variables next>Begin",
		}, want: []string{"Begin compat.not_allowed_in_type"}},

		// Several entries: each problem once, on its own path.
		{name: "several triggers into one voice step", states: []string{
			"Trigger trigger incomingCall>greet incomingMessage>greet incomingRequest>greet",
			"greet say-play audioComplete say=hi",
		}, want: []string{"greet compat.needs_call"},
			paths: map[string]string{"greet": "Trigger → greet (incoming message)"}},

		// Unknown types need nothing; a broken structure does not panic.
		{name: "unknown type", states: []string{
			"Trigger trigger incomingMessage>odd",
			"odd mystery-widget next>sms",
			"sms send-message sent failed body=hi",
		}},
		{name: "dangling next and unnamed entry event", states: []string{
			"Trigger trigger incomingMessage>nowhere bogusEvent>sms",
			"sms send-message sent>missing failed body=hi",
		}},
	}
	reg := registry()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := build(tt.concurrent, tt.states...)
			ps := compat.Checker(reg).Check(d)
			want := tt.want
			if want == nil {
				want = []string{}
			}
			assert.ElementsMatch(t, want, codes(ps), "problems:\n%s", ps)
			rules := compat.RulesFor(compat.Classify(reg, d).Vendor)
			strict := compat.Checker(reg, compat.WithStrictRules()).Check(d)
			assert.ElementsMatch(t, want, codes(strict), "strict problems:\n%s", strict)
			for _, p := range strict {
				assert.Equal(t, flow.SeverityError, p.Severity, "strict: %s", p)
			}
			for _, p := range ps {
				assert.Equal(t, rules[p.Code], p.Severity)
				assert.Equal(t, flow.StatePath(d.StateIndex(p.State)), p.Path)
				if path, ok := tt.paths[p.State]; ok {
					assert.Contains(t, p.Message, path)
				}
			}
		})
	}
}

// TestRegistryDeclarations pins the declarations the rule tests rely on,
// so that a change in package widgets shows here by name.
func TestRegistryDeclarations(t *testing.T) {
	reg := registry()
	decl := func(name string) widgets.Type {
		typ, ok := reg.Lookup(name)
		require.True(t, ok, "%s is not registered", name)
		return *typ
	}
	for _, name := range []string{"say-play", "gather-input-on-call", "connect-call-to", "forward-to-external-number",
		"record-voicemail", "enqueue-call", "capture-payments", "add-twiml-redirect"} {
		assert.True(t, decl(name).NeedsCall, name)
	}
	for _, name := range []string{"make-outbound-call", "make-outgoing-call-v2"} {
		assert.True(t, decl(name).PlacesCall, name)
		assert.Equal(t, []string{"answered"}, decl(name).ProvidesCallOn, name)
	}
	assert.True(t, decl("send-and-wait-for-reply").NeedsMessaging)
	assert.Contains(t, decl("connect-call-to").EndsCallOn, "hangup")
	assert.Contains(t, decl("forward-to-external-number").EndsCallOn, "completed")
	assert.Contains(t, decl("enqueue-call").EndsCallOn, "callComplete")
	assert.False(t, decl("send-to-flex").NeedsCall, "send-to-flex also hands over messages (Twilio exports 04, 08, 32)")
}

func TestCheckerNoDefinition(t *testing.T) {
	reg := registry()
	for _, d := range []*flow.Definition{
		{},
		{InitialState: "nope", States: []flow.State{{Name: "a", Type: "say-play"}}},
		{InitialState: "a", States: []flow.State{{Name: "a", Type: "say-play"}}},
	} {
		assert.Empty(t, compat.Checker(reg).Check(d))
	}
	assert.Empty(t, compat.Checker(nil).Check(build(false, "Trigger trigger incomingMessage>a", "a say-play audioComplete")),
		"without a registry every type needs nothing")
}

func TestCustomWidgetsTakePart(t *testing.T) {
	reg := registry()
	require.NoError(t, reg.Register(widgets.Type{Name: "voice-bot", NeedsCall: true, Compile: stub("done")}))
	require.NoError(t, reg.Register(widgets.Type{Name: "callback", ProvidesCallOn: []string{"connected"}, Compile: stub("connected", "failed")}))
	require.NoError(t, reg.Register(widgets.Type{Name: "ring-group", PlacesCall: true, ProvidesCallOn: []string{"answered"}, Compile: stub("answered", "failed")}))

	ps := compat.Checker(reg).Check(build(false,
		"Trigger trigger incomingMessage>bot",
		"bot voice-bot done"))
	assert.Equal(t, []string{"bot compat.needs_call"}, codes(ps))

	ps = compat.Checker(reg).Check(build(false,
		"Trigger trigger incomingMessage>cb",
		"cb callback connected>bot failed",
		"bot voice-bot done"))
	assert.Empty(t, ps, "a call provided by a custom widget counts")

	ps = compat.Checker(reg).Check(build(false,
		"Trigger trigger incomingRequest>ring",
		"ring ring-group answered>call failed",
		"call make-outbound-call answered busy noAnswer invalidNumber"))
	assert.Equal(t, []string{"call compat.second_outbound_call"}, codes(ps))
}

func TestCheckerInFlowCheck(t *testing.T) {
	reg := registry()
	d := build(false,
		"Trigger trigger incomingRequest>call",
		"call make-outbound-call answered>greet busy>greet noAnswer invalidNumber to={{flow.data.to}}",
		"greet say-play audioComplete say=hello")
	ps := flow.Check(d, flow.WithCheckers(reg.Checker(), compat.Checker(reg)))
	got := ps.WithCode(compat.CodeNeedsCall)
	require.Len(t, got, 1, "%s", ps)
	assert.Equal(t, "#/states/2", got[0].Path)
	assert.Equal(t, "greet", got[0].State)
	assert.Equal(t,
		`say-play "greet" needs a live call, and no call exists on the path Trigger → call → greet (API request): a call exists only after an incoming call or the answered exit of an outbound call`,
		got[0].Message)
	require.Error(t, ps.Err())
}

func TestLongPathIsShortened(t *testing.T) {
	lines := []string{"Trigger trigger incomingMessage>s0"}
	for i := 0; i < 30; i++ {
		lines = append(lines, "s"+itoa(i)+" set-variables next>s"+itoa(i+1))
	}
	lines = append(lines, "s30 say-play audioComplete say=hi")
	ps := compat.Checker(registry()).Check(build(false, lines...))
	require.Len(t, ps, 1)
	assert.Contains(t, ps[0].Message, "Trigger → … (19 more) → s19 → s20 →")
	assert.Contains(t, ps[0].Message, "s29 → s30 (incoming message)")
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}

func TestFlowTypes(t *testing.T) {
	tests := []struct {
		name   string
		states []string
		want   []compat.FlowType
	}{
		{"call only", []string{"Trigger trigger incomingCall>a incomingMessage", "a say-play audioComplete"},
			[]compat.FlowType{compat.IncomingCall}},
		{"all five", []string{
			"Trigger trigger incomingParent>a incomingRequest>a incomingConversationMessage>a incomingMessage>a incomingCall>a",
			"a set-variables next"},
			[]compat.FlowType{compat.IncomingCall, compat.IncomingMessage, compat.IncomingConversation, compat.APIRequest, compat.Subflow}},
		{"nothing wired", []string{"Trigger trigger incomingCall incomingMessage"}, nil},
		{"module", []string{"Begin begin-module next>a", "a return-to-flow exit=ok"}, []compat.FlowType{compat.Module}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, compat.FlowTypes(build(false, tt.states...)))
		})
	}
	for ev, want := range map[string]compat.FlowType{
		"incomingCall": compat.IncomingCall, "incomingMessage": compat.IncomingMessage,
		"incomingConversationMessage": compat.IncomingConversation, "incomingRequest": compat.APIRequest,
		"incomingParent": compat.Subflow,
	} {
		got, ok := compat.TypeOfTrigger(ev)
		assert.True(t, ok)
		assert.Equal(t, want, got)
	}
	_, ok := compat.TypeOfTrigger("audioComplete")
	assert.False(t, ok)
	assert.Equal(t, "API request", compat.APIRequest.Label())
}

// Twilio Studio publishes a flow whatever its call paths: a real export
// wires capture-payments' hangup event to a say-play. For a Twilio flow the
// call-path rules are warnings, so it loads and runs (the runtime fails the
// voice step if the call really ended); for a Talkdesk flow, whose editor
// enforces them (seed 003), and in strict mode, they are errors.
func TestCallPathRulesAreWarningsForTwilioFlows(t *testing.T) {
	reg := registry()
	twilioFlow := build(false,
		"Trigger trigger incomingCall>pay",
		"pay capture-payments success hangup>sorry",
		"sorry say-play audioComplete say=bye",
	)
	ps := compat.Checker(reg).Check(twilioFlow)
	require.Equal(t, []string{"sorry compat.after_call_ended"}, codes(ps))
	assert.Equal(t, flow.SeverityWarning, ps[0].Severity)
	assert.False(t, ps.HasErrors(), "a Twilio flow Twilio accepts is not refused")

	strict := compat.Checker(reg, compat.WithStrictRules()).Check(twilioFlow)
	require.Len(t, strict, 1)
	assert.Equal(t, flow.SeverityError, strict[0].Severity)

	talkdesk := build(false,
		"Trigger trigger incomingRequest>greet",
		"greet say-play audioComplete>stop say=hi",
		"stop end-flow",
	)
	talkdesk.Vendor = flow.VendorTalkdesk
	ps = compat.Checker(reg).Check(talkdesk)
	require.Equal(t, []string{"greet compat.needs_call"}, codes(ps))
	assert.Equal(t, flow.SeverityError, ps[0].Severity)
}

// Each rule's severity per vendor, written out: Twilio publishes flows
// whatever their call paths, Talkdesk does not.
func TestRuleSeverities(t *testing.T) {
	callPath := []string{compat.CodeNeedsCall, compat.CodeAfterCallEnded, compat.CodeSecondOutboundCall,
		compat.CodeOutboundOnCallPath, compat.CodeReplyWaitConcurrentCalls}
	structural := []string{compat.CodeNotAllowedInType, compat.CodeModuleIncompatible}
	twilio, talkdesk, strict := compat.RulesFor(flow.VendorTwilio), compat.RulesFor(flow.VendorTalkdesk), compat.StrictRules()
	for _, code := range callPath {
		assert.Equal(t, flow.SeverityWarning, twilio[code], "twilio %s", code)
		assert.Equal(t, flow.SeverityError, talkdesk[code], "talkdesk %s", code)
		assert.Equal(t, flow.SeverityError, strict[code], "strict %s", code)
	}
	for _, code := range structural {
		assert.Equal(t, flow.SeverityError, twilio[code], "twilio %s", code)
		assert.Equal(t, flow.SeverityError, talkdesk[code], "talkdesk %s", code)
	}

	// And a Twilio flow breaking each call-path rule runs, with a warning.
	reg := registry()
	for name, lines := range map[string][]string{
		compat.CodeSecondOutboundCall:       {"Trigger trigger incomingRequest>one", "one make-outgoing-call-v2 answered>two busy noAnswer failed to=+1", "two make-outgoing-call-v2 answered busy noAnswer failed to=+1"},
		compat.CodeOutboundOnCallPath:       {"Trigger trigger incomingCall>dial", "dial make-outgoing-call-v2 answered busy noAnswer failed to=+1"},
		compat.CodeReplyWaitConcurrentCalls: {"Trigger trigger incomingCall>ask", "ask send-and-wait-for-reply incomingMessage timeout deliveryFailure body=hi"},
	} {
		d := build(name == compat.CodeReplyWaitConcurrentCalls, lines...)
		ps := compat.Checker(reg).Check(d)
		require.NotEmpty(t, ps, name)
		assert.Equal(t, name, ps[0].Code)
		assert.Equal(t, flow.SeverityWarning, ps[0].Severity, name)
		assert.False(t, ps.HasErrors(), name)
	}
}
