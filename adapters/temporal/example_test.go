package temporal_test

import (
	"fmt"
	"time"

	"github.com/studioflow/studioflow/adapters/temporal"
	"github.com/studioflow/studioflow/flow"
	"github.com/studioflow/studioflow/runtime"
	"github.com/studioflow/studioflow/widgets"
	"github.com/studioflow/studioflow/widgets/fake"
)

// Run a menu as a workflow on the SDK's test environment: the caller
// presses 1, as an update; the execution ends, and its path is the one the
// engine takes in process.
func Example() {
	def, err := flow.Parse([]byte(`{"description": "menu", "initial_state": "Trigger", "states": [
  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingCall", "next": "menu"}], "properties": {}},
  {"name": "menu", "type": "gather-input-on-call", "transitions": [{"event": "keypress", "next": "sales"}, {"event": "speech"}, {"event": "timeout"}],
   "properties": {"say": "Press 1 for sales", "number_of_digits": 1}},
  {"name": "sales", "type": "say-play", "transitions": [{"event": "audioComplete"}], "properties": {"say": "Connecting you to sales."}}]}`))
	if err != nil {
		panic(err)
	}
	services, transcript := fake.Services()
	env := newEnv()
	env.SetStartTime(time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC))
	(&temporal.Worker{Activities: &temporal.Activities{Services: services, Source: runtime.Definitions{"FWmenu": def}}}).Register(env)
	env.RegisterDelayedCallback(func() {
		env.UpdateWorkflow(temporal.UpdateEvent, "press-1", noCallbacks{}, temporal.Delivery{Event: widgets.Event{Name: "keypress", Data: map[string]any{"Digits": "1"}}})
	}, time.Second)
	env.ExecuteWorkflow(temporal.WorkflowName, temporal.Input{Request: runtime.StartRequest{
		FlowSid: "FWmenu", Trigger: runtime.TriggerCall, Contact: "+15551230000", FlowAddress: "+15559870000", CallSid: "CA1"}})
	var snap temporal.Snapshot
	if err := env.GetWorkflowResult(&snap); err != nil {
		panic(err)
	}
	x, _ := snap.Decode()
	fmt.Println(x.Status)
	for _, s := range x.Steps {
		fmt.Printf("%s -%s-> %s\n", s.From, s.Name, s.To)
	}
	for _, line := range transcript.Lines() {
		fmt.Println(line)
	}
	// Output:
	// ended
	// Trigger -incomingCall-> menu
	// menu -keypress-> sales
	// sales -audioComplete-> Ended
	// voice.gather.say "Press 1 for sales"
	// voice.say "Connecting you to sales."
}

type noCallbacks struct{}

func (noCallbacks) Accept()             {}
func (noCallbacks) Reject(error)        {}
func (noCallbacks) Complete(any, error) {}
