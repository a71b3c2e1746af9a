package runtime_test

import (
	"context"
	"fmt"
	"time"

	"github.com/studioflow/studioflow/flow"
	"github.com/studioflow/studioflow/runtime"
	"github.com/studioflow/studioflow/widgets"
	"github.com/studioflow/studioflow/widgets/fake"
)

// An execution runs until it waits for the caller, is stored, and resumes
// when the host reports the keypress.
func Example() {
	def, err := flow.Parse([]byte(`{"description": "menu", "initial_state": "Trigger", "states": [
	  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingCall", "next": "menu"}], "properties": {}},
	  {"name": "menu", "type": "gather-input-on-call",
	   "transitions": [{"event": "keypress", "next": "thanks"}, {"event": "timeout"}],
	   "properties": {"say": "Press 1 for sales.", "number_of_digits": 1}},
	  {"name": "thanks", "type": "say-play", "transitions": [{"event": "audioComplete"}],
	   "properties": {"say": "You pressed {{widgets.menu.Digits}}, {{trigger.call.From}}."}}]}`))
	if err != nil {
		panic(err)
	}
	services, transcript := fake.Services()
	engine := runtime.New(
		runtime.WithSource(runtime.Definitions{"FWmenu": def}),
		runtime.WithServices(services),
		runtime.WithIDs(runtime.SequentialIDs()),
		runtime.WithClock(runtime.NewFixedClock(time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)).Now),
	)
	ctx := context.Background()
	x, err := engine.Start(ctx, runtime.StartRequest{
		FlowSid: "FWmenu", Trigger: runtime.TriggerCall, Contact: "+15550001111", FlowAddress: "+15559990000", CallSid: "CA1",
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(x.ID, x.Status, "waiting at", x.Wait.State, "for", x.Wait.Events)

	x, err = engine.Resume(ctx, x.ID, widgets.Event{Name: "keypress", Data: map[string]any{"Digits": "1"}})
	if err != nil {
		panic(err)
	}
	for _, line := range transcript.Lines() {
		fmt.Println(line)
	}
	for _, s := range x.Steps {
		fmt.Printf("%s: %s -> %s\n", s.Name, s.From, s.To)
	}
	fmt.Println(x.Status)
	// Output:
	// FN00000001 active waiting at menu for [keypress timeout]
	// voice.gather.say "Press 1 for sales."
	// voice.say "You pressed 1, +15550001111."
	// incomingCall: Trigger -> menu
	// keypress: menu -> thanks
	// audioComplete: thanks -> Ended
	// ended
}
