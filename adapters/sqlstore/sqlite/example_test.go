package sqlite_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/studioflow/studioflow/adapters/sqlstore/sqlite"
	"github.com/studioflow/studioflow/flow"
	"github.com/studioflow/studioflow/runtime"
	"github.com/studioflow/studioflow/widgets"
	"github.com/studioflow/studioflow/widgets/fake"
)

// An engine keeps its executions in a SQLite file: one process starts a
// call's execution, which waits for a keypress; another, after a restart,
// resumes it from the file.
func Example() {
	dir, err := os.MkdirTemp("", "studioflow")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "studioflow.db")

	def, err := flow.Parse([]byte(`{"description": "menu", "initial_state": "Trigger", "states": [
	  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingCall", "next": "menu"}], "properties": {}},
	  {"name": "menu", "type": "gather-input-on-call",
	   "transitions": [{"event": "keypress", "next": "thanks"}, {"event": "timeout"}],
	   "properties": {"say": "Press 1 for sales.", "number_of_digits": 1}},
	  {"name": "thanks", "type": "say-play", "transitions": [{"event": "audioComplete"}],
	   "properties": {"say": "You pressed {{widgets.menu.Digits}}."}}]}`))
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	clock := runtime.NewFixedClock(time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC))
	engine := func(store runtime.Store) (*runtime.Engine, func() []string) {
		services, transcript := fake.Services()
		return runtime.New(
			runtime.WithStore(store),
			runtime.WithSource(runtime.Definitions{"FWmenu": def}),
			runtime.WithServices(services),
			runtime.WithClock(clock.Now),
		), transcript.Lines
	}

	db, err := sqlite.Open(ctx, path)
	if err != nil {
		panic(err)
	}
	first, _ := engine(db.Executions())
	x, err := first.Start(ctx, runtime.StartRequest{
		FlowSid: "FWmenu", Trigger: runtime.TriggerCall, Contact: "+15550001111", FlowAddress: "+15559990000", CallSid: "CA1",
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(x.Status, "waiting at", x.Wait.State)
	db.Close()

	db, err = sqlite.Open(ctx, path)
	if err != nil {
		panic(err)
	}
	defer db.Close()
	second, lines := engine(db.Executions())
	x, err = second.Resume(ctx, x.ID, widgets.Event{Name: "keypress", Token: x.Wait.Token, Data: map[string]any{"Digits": "1"}})
	if err != nil {
		panic(err)
	}
	fmt.Println(lines())
	fmt.Println(x.Status, "after", len(x.Steps), "steps")
	// Output:
	// active waiting at menu
	// [voice.say "You pressed 1."]
	// ended after 3 steps
}
