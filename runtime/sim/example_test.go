package sim_test

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/studioflow/studioflow/flow"
	"github.com/studioflow/studioflow/runtime/sim"
)

const pizzaIVR = `{"description": "Pizza line", "initial_state": "Trigger", "states": [
  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingCall", "next": "menu"}], "properties": {}},
  {"name": "menu", "type": "gather-input-on-call",
   "transitions": [{"event": "keypress", "next": "route"}, {"event": "speech", "next": "route"}, {"event": "timeout", "next": "bye"}],
   "properties": {"say": "Press 1 to order, 2 for opening hours.", "number_of_digits": 1}},
  {"name": "route", "type": "split-based-on", "transitions": [
     {"event": "noMatch", "next": "menu"},
     {"event": "match", "next": "order", "conditions": [{"friendly_name": "1", "arguments": ["{{widgets.menu.Digits}}"], "type": "equal_to", "value": "1"}]},
     {"event": "match", "next": "hours", "conditions": [{"friendly_name": "2", "arguments": ["{{widgets.menu.Digits}}"], "type": "equal_to", "value": "2"}]}],
   "properties": {"input": "{{widgets.menu.Digits}}"}},
  {"name": "order", "type": "say-play", "transitions": [{"event": "audioComplete"}], "properties": {"say": "Connecting you to the kitchen."}},
  {"name": "hours", "type": "say-play", "transitions": [{"event": "audioComplete"}], "properties": {"say": "We open at noon."}},
  {"name": "bye", "type": "say-play", "transitions": [{"event": "audioComplete"}], "properties": {"say": "Goodbye."}}
]}`

// A caller presses 3 (no such option), then 2; the run's transcript and
// path are what tests assert on, and the coverage report lists what the
// run never reached.
func Example() {
	def, err := flow.Parse([]byte(pizzaIVR))
	if err != nil {
		panic(err)
	}
	cov := sim.NewCoverage()
	s := sim.New(sim.WithFlow("FWpizza", def), sim.WithCoverage(cov))

	script, err := sim.ParseScript(strings.NewReader("# wrong key, then hours\npress 3\npress 2\n"))
	if err != nil {
		panic(err)
	}
	run, err := s.Run(context.Background(), sim.Start{}, script)
	if err != nil {
		panic(err)
	}
	for _, line := range run.Lines() {
		fmt.Println(line)
	}
	fmt.Println(run)
	fmt.Print(cov.Report())
	// Output:
	// voice.gather.say "Press 1 to order, 2 for opening hours."
	// caller.press "3"
	// voice.gather.say "Press 1 to order, 2 for opening hours."
	// caller.press "2"
	// voice.say "We open at noon."
	// ended: Trigger > menu > route > menu > route > hours
	// coverage of 1 execution
	// FWpizza "Pizza line": states 4/6 (66%), transitions 5/10 (50%)
	//   unreached states: order, bye
	//   untaken transitions:
	//     menu -speech-> route
	//     menu -timeout-> bye
	//     route -match#2-> order
	//     order -audioComplete-> Ended
	//     bye -audioComplete-> Ended
}

// The second message the simulator sends fails, whichever session sends
// it: the first contact is texted, the second takes the failed branch.
func ExampleWithFailures() {
	def, err := flow.Parse([]byte(`{"description": "notify", "initial_state": "Trigger", "states": [
	  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingRequest", "next": "sms"}], "properties": {}},
	  {"name": "sms", "type": "send-message", "transitions": [{"event": "sent"}, {"event": "failed", "next": "retry_later"}],
	   "properties": {"to": "{{contact.channel.address}}", "body": "Your order is ready."}},
	  {"name": "retry_later", "type": "set-variables", "transitions": [{"event": "next"}], "properties": {"variables": []}}]}`))
	if err != nil {
		panic(err)
	}
	s := sim.New(sim.WithFlow("FWnotify", def),
		sim.WithFailures(sim.FailCall("messaging", 2, errors.New("carrier down"))))
	for _, contact := range []string{"+15550000001", "+15550000002"} {
		run, err := s.Run(context.Background(), sim.Start{Contact: contact}, nil)
		if err != nil {
			panic(err)
		}
		fmt.Println(contact, run.Path(), run.Lines())
	}
	// Output:
	// +15550000001 [Trigger sms] [messaging.send to=+15550000001 "Your order is ready."]
	// +15550000002 [Trigger sms retry_later] []
}

// A caller who hangs up during the menu: the path ends in the state that
// waited.
func ExampleRun_Path() {
	def, err := flow.Parse([]byte(pizzaIVR))
	if err != nil {
		panic(err)
	}
	s := sim.New(sim.WithFlow("FWpizza", def))
	run, err := s.Run(context.Background(), sim.Start{}, sim.Script{sim.Hangup()})
	if err != nil {
		panic(err)
	}
	fmt.Println(run.Path())
	fmt.Println(run.Execution.Reason)
	// Output:
	// [Trigger menu]
	// the caller hung up while "menu" waited
}
