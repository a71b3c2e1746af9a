package compat_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studioflow/studioflow/compat"
	"github.com/studioflow/studioflow/flow"
)

// Modules used by the tests, by name.
var testModules = map[string][]string{
	"lookup": { // non-voice steps only
		"Begin begin-module next>fetch",
		"fetch make-http-request success>ok failed>ok url=https://crm",
		"ok return-to-flow exit=done",
	},
	"greeting": { // play audio
		"Begin begin-module next>play",
		"play say-play audioComplete>ok say=hello",
		"ok return-to-flow exit=done",
	},
	"survey": { // waits for a reply
		"Begin begin-module next>ask",
		"ask send-and-wait-for-reply incomingMessage>ok timeout>ok deliveryFailure>ok body=rate_us",
		"ok return-to-flow exit=done",
	},
	"dialer": { // places its own call and plays audio on it
		"Begin begin-module next>call",
		"call make-outbound-call answered>play busy>missed noAnswer>missed invalidNumber>missed to={{flow.variables.to}}",
		"play say-play audioComplete>connected say=hello",
		"connected return-to-flow exit=connected",
		"missed return-to-flow exit=missed",
	},
	"transfer": { // ends the caller's call
		"Begin begin-module next>xfer",
		"xfer connect-call-to callCompleted hangup>ok to=+1",
		"ok return-to-flow exit=done",
	},
	"hangs-up-failed": { // an exit named like run-module's own failed event
		"Begin begin-module next>xfer",
		"xfer connect-call-to callCompleted hangup>ok to=+1",
		"ok return-to-flow exit=failed",
	},
	"nothing": { // needs a live call, and places one: no type has such a place
		"Begin begin-module next>play",
		"play say-play audioComplete>call say=hello",
		"call make-outbound-call answered>ok busy>ok noAnswer>ok invalidNumber>ok",
		"ok return-to-flow exit=done",
	},
	"voice-and-reply": { // a voice step and a reply wait
		"Begin begin-module next>play",
		"play say-play audioComplete>ask say=hello",
		"ask send-and-wait-for-reply incomingMessage>ok timeout>ok deliveryFailure>ok body=hi",
		"ok return-to-flow exit=done",
	},
	"final": { // ends the execution: no exit
		"Begin begin-module next>play",
		"play say-play audioComplete>stop say=bye",
		"stop end-flow",
	},
	"outer": { // runs the greeting module
		"Begin begin-module next>inner",
		"inner run-module done>ok failed>ok module=greeting",
		"ok return-to-flow exit=done",
	},
	"loop-a": { // a cycle: loop-a runs loop-b runs loop-a
		"Begin begin-module next>b",
		"b run-module done>ok failed>ok module=loop-b",
		"ok return-to-flow exit=done",
	},
	"loop-b": {
		"Begin begin-module next>a",
		"a run-module done>ok failed>ok module=loop-a",
		"ok return-to-flow exit=done",
	},
	"not-a-module": {
		"Trigger trigger incomingCall>play",
		"play say-play audioComplete say=hi",
	},
}

func lookup(name string) (*flow.Definition, bool) {
	lines, ok := testModules[name]
	if !ok {
		return nil, false
	}
	return build(false, lines...), true
}

func TestModuleTypes(t *testing.T) {
	all := "incoming call, incoming message, incoming conversation, API request, subflow"
	tests := []struct {
		module string
		want   string
		req    string
	}{
		{"lookup", all, "nothing"},
		{"greeting", "incoming call, API request (after answered)", `needs a live call at entry (state "play")`},
		{"survey", "incoming call (without concurrent calls), incoming message, incoming conversation, API request, subflow",
			`waits for a message reply (state "ask")`},
		{"dialer", "incoming message, incoming conversation, API request, subflow", `places an outbound call (state "call")`},
		{"transfer", "incoming call, API request (after answered)", `needs a live call at entry (state "xfer")`},
		{"nothing", "none", `needs a live call at entry (state "play"), places an outbound call (state "call")`},
		{"voice-and-reply", "incoming call (without concurrent calls), API request (after answered)",
			`needs a live call at entry (state "play"), waits for a message reply (state "ask")`},
		{"final", "incoming call, API request (after answered)", `needs a live call at entry (state "play")`},
		{"outer", "incoming call, API request (after answered)", `needs a live call at entry (state "inner")`},
		{"loop-a", all, "nothing"},
	}
	reg := registry()
	for _, tt := range tests {
		t.Run(tt.module, func(t *testing.T) {
			def, _ := lookup(tt.module)
			types, ps := compat.ModuleTypes(reg, def, compat.WithModules(lookup))
			assert.Equal(t, tt.want, types.String())
			req, _ := compat.ModuleRequirements(reg, def, compat.WithModules(lookup))
			assert.Equal(t, tt.req, req.String())
			if len(types) == 0 {
				assert.Equal(t, []string{"Begin compat.module_no_types"}, codes(ps))
				assert.Equal(t, "#/states/0", ps[0].Path)
			} else {
				assert.Empty(t, ps)
			}
			// The Checker reports the same for the module definition.
			assert.Equal(t, codes(ps), codes(compat.Checker(reg, compat.WithModules(lookup)).Check(def)))
		})
	}

	def, _ := lookup("not-a-module")
	types, ps := compat.ModuleTypes(reg, def)
	assert.Nil(t, types)
	assert.Equal(t, []string{"Trigger compat.not_a_module"}, codes(ps))
}

func TestModuleRequirementsExits(t *testing.T) {
	reg := registry()
	def, _ := lookup("dialer")
	req, ps := compat.ModuleRequirements(reg, def)
	require.Empty(t, ps)
	assert.Equal(t, map[string][]compat.ExitCall{
		"connected": {{Call: compat.CallLive, Placed: true}},
		"missed":    {{Call: compat.CallInherited, Placed: true}},
	}, req.Exits)

	def, _ = lookup("transfer")
	req, _ = compat.ModuleRequirements(reg, def)
	assert.Equal(t, map[string][]compat.ExitCall{"done": {{Call: compat.CallEnded}}}, req.Exits)

	def, _ = lookup("final")
	req, _ = compat.ModuleRequirements(reg, def)
	assert.Empty(t, req.Exits, "end-flow is no exit")
}

func TestModuleWithOwnProblems(t *testing.T) {
	// Whatever its caller, a voice step after the module's own hangup
	// cannot run, and a second outbound call is one too many.
	reg := registry()
	def := build(false,
		"Begin begin-module next>route",
		"route split-based-on noMatch>xfer match>call input={{flow.variables.x}}",
		"xfer connect-call-to callCompleted hangup>bye to=+1",
		"bye say-play audioComplete say=bye",
		"call make-outbound-call answered>again busy noAnswer invalidNumber",
		"again make-outbound-call answered busy noAnswer invalidNumber",
	)
	ps := compat.Checker(reg).Check(def)
	assert.Equal(t, []string{
		"Begin compat.module_no_types", // xfer needs the caller's call, call places one
		"bye compat.after_call_ended",
		"again compat.second_outbound_call",
	}, codes(ps))
	assert.Equal(t,
		`the module fits no flow type: it needs a live call at entry (state "xfer"), places an outbound call (state "call"); where a call is live no outbound call may be placed, so no flow type has a place for it`,
		ps[0].Message)
}

func TestRunModule(t *testing.T) {
	tests := []struct {
		name   string
		states []string
		want   []string
	}{
		{"non-voice module in a message flow", []string{
			"Trigger trigger incomingMessage>run",
			"run run-module done failed module=lookup",
		}, nil},
		{"voice module in an incoming-call flow", []string{
			"Trigger trigger incomingCall>run",
			"run run-module done failed module=greeting",
		}, nil},
		{"voice module in a message flow", []string{
			"Trigger trigger incomingMessage>run",
			"run run-module done failed module=greeting",
		}, []string{"run compat.module_incompatible"}},
		{"voice module after answered in an API flow", []string{
			"Trigger trigger incomingRequest>call",
			"call make-outbound-call answered>run busy noAnswer invalidNumber",
			"run run-module done failed module=greeting",
		}, nil},
		{"voice module on busy in an API flow", []string{
			"Trigger trigger incomingRequest>call",
			"call make-outbound-call answered busy>run noAnswer invalidNumber",
			"run run-module done failed module=greeting",
		}, []string{"run compat.module_incompatible"}},
		{"voice module post-call", []string{
			"Trigger trigger incomingCall>xfer",
			"xfer connect-call-to callCompleted hangup>run to=+1",
			"run run-module done failed module=greeting",
		}, []string{"run compat.module_incompatible"}},
		{"non-voice module post-call", []string{
			"Trigger trigger incomingCall>xfer",
			"xfer connect-call-to callCompleted hangup>run to=+1",
			"run run-module done failed module=lookup",
		}, nil},
		{"survey module after incoming call with concurrent calls", []string{
			"Trigger trigger incomingCall>run",
			"run run-module done failed module=survey",
		}, []string{"run compat.module_incompatible"}},
		{"dialer module in an incoming-call flow", []string{
			"Trigger trigger incomingCall>run",
			"run run-module connected missed failed module=dialer",
		}, []string{"run compat.module_incompatible"}},
		{"dialer module after an outbound call", []string{
			"Trigger trigger incomingRequest>call",
			"call make-outbound-call answered busy>run noAnswer invalidNumber",
			"run run-module connected missed failed module=dialer",
		}, []string{"run compat.module_incompatible"}},
		{"the module's call carries on in the caller", []string{
			"Trigger trigger incomingRequest>run",
			"run run-module connected>play missed>sms failed>sms module=dialer",
			"play say-play audioComplete>again say=more",
			"sms send-message sent failed body=missed_you",
			"again make-outbound-call answered busy noAnswer invalidNumber",
		}, []string{"again compat.second_outbound_call"}},
		{"voice after the module's missed exit", []string{
			"Trigger trigger incomingRequest>run",
			"run run-module connected missed>play failed module=dialer",
			"play say-play audioComplete say=more",
		}, []string{"play compat.needs_call"}},
		{"voice after a module that hung up", []string{
			"Trigger trigger incomingCall>run",
			"run run-module done>play failed module=transfer",
			"play say-play audioComplete say=bye",
		}, []string{"play compat.after_call_ended"}},
		{"voice after failed: the call is as it was", []string{
			"Trigger trigger incomingCall>run",
			"run run-module done failed>play module=transfer",
			"play say-play audioComplete say=bye",
		}, nil},
		{"an exit named failed is followed as well", []string{
			"Trigger trigger incomingCall>run",
			"run run-module failed>play module=hangs-up-failed",
			"play say-play audioComplete say=bye",
		}, []string{"play compat.after_call_ended"}},
		{"unknown module needs nothing", []string{
			"Trigger trigger incomingMessage>run",
			"run run-module done failed module=nowhere",
		}, nil},
		{"nested voice module in a message flow", []string{
			"Trigger trigger incomingMessage>run",
			"run run-module done failed module=outer",
		}, []string{"run compat.module_incompatible"}},
		{"module cycle terminates", []string{
			"Trigger trigger incomingMessage>run",
			"run run-module done failed module=loop-a",
		}, nil},
	}
	reg := registry()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := build(true, tt.states...)
			ps := compat.Checker(reg, compat.WithModules(lookup)).Check(d)
			want := tt.want
			if want == nil {
				want = []string{}
			}
			assert.ElementsMatch(t, want, codes(ps), "problems:\n%s", ps)
			// Without a lookup, run-module needs nothing.
			for _, p := range compat.Checker(reg).Check(d) {
				assert.NotEqual(t, compat.CodeModuleIncompatible, p.Code)
			}
		})
	}
}

func TestRunModuleMessage(t *testing.T) {
	reg := registry()
	d := build(false,
		"Trigger trigger incomingRequest>call",
		"call make-outbound-call answered busy>run noAnswer invalidNumber",
		"run run-module done failed module=greeting")
	ps := compat.Checker(reg, compat.WithModules(lookup)).Check(d)
	require.Len(t, ps, 1)
	assert.Equal(t, "#/states/2", ps[0].Path)
	assert.Equal(t,
		`run-module "run" runs module "greeting", which does not fit the path Trigger → call → run (API request): its state "play" needs a live call, and no call exists there`,
		ps[0].Message)
}

func TestFits(t *testing.T) {
	voice := compat.Requirements{NeedsCall: true, NeedsCallAt: "play"}
	reply := compat.Requirements{NeedsMessaging: true, NeedsMessagingAt: "ask"}
	dial := compat.Requirements{PlacesCall: true, PlacesCallAt: "call"}
	tests := []struct {
		name string
		req  compat.Requirements
		at   compat.Place
		ok   bool
	}{
		{"nothing anywhere", compat.Requirements{}, compat.Place{Type: compat.IncomingMessage}, true},
		{"voice with a live call", voice, compat.Place{Type: compat.IncomingCall, Call: compat.CallLive}, true},
		{"voice without a call", voice, compat.Place{Type: compat.APIRequest}, false},
		{"voice after answered", voice, compat.Place{Type: compat.APIRequest, Call: compat.CallLive, Placed: true}, true},
		{"voice after the call ended", voice, compat.Place{Type: compat.IncomingCall, Call: compat.CallEnded}, false},
		{"voice inside a module", voice, compat.Place{Type: compat.Module, Call: compat.CallInherited}, true},
		{"reply with concurrent calls", reply, compat.Place{Type: compat.IncomingCall, Call: compat.CallLive, ConcurrentCalls: true}, false},
		{"reply without concurrent calls", reply, compat.Place{Type: compat.IncomingCall, Call: compat.CallLive}, true},
		{"dial in an API flow", dial, compat.Place{Type: compat.APIRequest}, true},
		{"dial after a placed call", dial, compat.Place{Type: compat.APIRequest, Call: compat.CallEnded, Placed: true}, false},
		{"dial in an incoming-call flow", dial, compat.Place{Type: compat.IncomingCall, Call: compat.CallEnded}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, why := compat.Fits(tt.req, tt.at)
			assert.Equal(t, tt.ok, ok, why)
			assert.Equal(t, tt.ok, why == "")
		})
	}
}

func TestExitCallAfter(t *testing.T) {
	live := compat.Place{Type: compat.IncomingCall, Call: compat.CallLive}
	none := compat.Place{Type: compat.APIRequest}
	assert.Equal(t, live, compat.ExitCall{Call: compat.CallInherited}.After(live))
	assert.Equal(t, compat.CallEnded, compat.ExitCall{Call: compat.CallEnded}.After(live).Call)
	assert.Equal(t, compat.NoCall, compat.ExitCall{Call: compat.CallEnded}.After(none).Call, "a module cannot end a call the caller never had")
	after := compat.ExitCall{Call: compat.CallLive, Placed: true}.After(none)
	assert.Equal(t, compat.Place{Type: compat.APIRequest, Call: compat.CallLive, Placed: true}, after)
}

func TestModuleUses(t *testing.T) {
	reg := registry()
	d := build(false,
		"Trigger trigger incomingRequest>call incomingCall>run",
		"call make-outbound-call answered>run busy>sms noAnswer invalidNumber",
		"run run-module done failed module=greeting",
		"sms send-message sent failed body=hi")
	uses := compat.ModuleUses(reg, d, compat.WithModules(lookup))
	require.Len(t, uses, 1)
	assert.Equal(t, 2, uses[0].State)
	assert.Equal(t, "run", uses[0].Name)
	assert.Equal(t, "greeting", uses[0].Module)
	assert.ElementsMatch(t, []compat.Place{
		{Type: compat.IncomingCall, Call: compat.CallLive},
		{Type: compat.APIRequest, Call: compat.CallLive, Placed: true},
	}, uses[0].Places)

	// A new version of the module must fit every place.
	def, _ := lookup("nothing")
	req, _ := compat.ModuleRequirements(reg, def)
	for _, p := range uses[0].Places {
		ok, _ := compat.Fits(req, p)
		assert.False(t, ok)
	}
}
