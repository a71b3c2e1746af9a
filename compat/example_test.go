package compat_test

import (
	"fmt"

	"github.com/studioflow/studioflow/compat"
	"github.com/studioflow/studioflow/flow"
	"github.com/studioflow/studioflow/widgets/standard"
)

// Seed 003's API-triggered flow, with the play-audio step also wired to the
// busy exit of the outbound call: on that path no call exists.
func Example() {
	const src = `{
  "description": "Installation follow-up",
  "initial_state": "Trigger",
  "states": [
    {"name": "Trigger", "type": "trigger",
     "transitions": [{"event": "incomingRequest", "next": "call_customer"}]},
    {"name": "call_customer", "type": "make-outbound-call",
     "transitions": [{"event": "answered", "next": "announce"}, {"event": "busy", "next": "announce"},
                     {"event": "noAnswer", "next": "stop"}, {"event": "invalidNumber", "next": "stop"}],
     "properties": {"from": "+15550100", "to": "{{flow.data.contact_1}}"}},
    {"name": "announce", "type": "say-play",
     "transitions": [{"event": "audioComplete", "next": "call_agent"}],
     "properties": {"say": "Your call will be redirected to the agent."}},
    {"name": "call_agent", "type": "forward-to-external-number",
     "transitions": [{"event": "noAnswer", "next": "stop"}, {"event": "invalidNumber", "next": "stop"}],
     "properties": {"to": "{{flow.data.contact_2}}", "caller_id": "contact"}},
    {"name": "stop", "type": "end-flow", "transitions": []}
  ]
}`
	def, err := flow.Parse([]byte(src))
	if err != nil {
		fmt.Println(err)
		return
	}
	reg := standard.New()
	fmt.Println("types:", compat.FlowTypes(def))
	for _, p := range flow.Check(def, flow.WithCheckers(compat.Checker(reg))) {
		fmt.Println(p)
	}
	// Output:
	// types: [api-request]
	// error #/states/2 (state "announce"): say-play "announce" needs a live call, and no call exists on the path Trigger → call_customer → announce (API request): a call exists only after an incoming call or the answered exit of an outbound call [compat.needs_call]
}

// The flow types a module fits follow from its steps: this one plays
// audio, so it needs a live call.
func ExampleModuleTypes() {
	const src = `{
  "description": "Greeting", "initial_state": "Begin",
  "states": [
    {"name": "Begin", "type": "begin-module", "transitions": [{"event": "next", "next": "play"}]},
    {"name": "play", "type": "say-play", "transitions": [{"event": "audioComplete", "next": "done"}],
     "properties": {"say": "Welcome!"}},
    {"name": "done", "type": "return-to-flow", "transitions": [], "properties": {"exit": "done"}}
  ]
}`
	def, err := flow.Parse([]byte(src))
	if err != nil {
		fmt.Println(err)
		return
	}
	reg := standard.New()
	req, _ := compat.ModuleRequirements(reg, def)
	types, problems := compat.ModuleTypes(reg, def)
	fmt.Println("requires:", req)
	fmt.Println("fits:", types)
	fmt.Println("problems:", len(problems))

	ok, why := compat.Fits(req, compat.Place{Type: compat.IncomingMessage})
	fmt.Println("in a message flow:", ok, why)
	// Output:
	// requires: needs a live call at entry (state "play")
	// fits: incoming call, API request (after answered)
	// problems: 0
	// in a message flow: false its state "play" needs a live call, and no call exists there
}
