package sim_test

import (
	"context"
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
