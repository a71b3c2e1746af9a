// Command ivr runs a simulated call through a real IVR flow (menu.json):
// the caller presses a wrong key, then 2 for support, and the program
// prints what the caller heard and received and each step taken.
//
//	go run ./examples/ivr
package main

import (
	"context"
	_ "embed"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/studioflow/studioflow/flow"
	"github.com/studioflow/studioflow/runtime"
	"github.com/studioflow/studioflow/widgets"
	"github.com/studioflow/studioflow/widgets/fake"
)

//go:embed menu.json
var menuJSON []byte

func main() {
	// The real clock, in UTC like the engine's default.
	if err := run(os.Stdout, func() time.Time { return time.Now().UTC() }); err != nil {
		fmt.Fprintln(os.Stderr, "ivr:", err)
		os.Exit(1)
	}
}

// run plays the call on an engine whose clock is now: the test passes a
// fixed clock so it replays the example deterministically.
func run(w io.Writer, now func() time.Time) error {
	ctx := context.Background()
	def, err := flow.Parse(menuJSON)
	if err != nil {
		return err
	}
	services, transcript := fake.Services()
	engine := runtime.New(
		runtime.WithSource(runtime.Definitions{"FWacme": def}),
		runtime.WithServices(services),
		runtime.WithIDs(runtime.SequentialIDs()),
		runtime.WithClock(now),
	)
	if ps := engine.Check(def); ps.HasErrors() {
		return ps.Err()
	}

	x, err := engine.Start(ctx, runtime.StartRequest{
		FlowSid: "FWacme", Trigger: runtime.TriggerCall,
		Contact: "+15551230000", FlowAddress: "+15559870000", CallSid: "CA0001",
	})
	if err != nil {
		return err
	}
	// The caller presses 7 (not an option), then 2 (support).
	for _, digits := range []string{"7", "2"} {
		fmt.Fprintf(w, "caller presses %s\n", digits)
		if x, err = engine.Resume(ctx, x.ID, widgets.Event{Name: "keypress", Data: map[string]any{"Digits": digits}}); err != nil {
			return err
		}
	}

	fmt.Fprintln(w, "\nwhat the caller heard and received:")
	for _, line := range transcript.Lines() {
		fmt.Fprintln(w, " ", line)
	}
	fmt.Fprintln(w, "\nsteps:")
	for _, s := range x.Steps {
		fmt.Fprintf(w, "  %-14s %-12s -> %s\n", s.Name, s.From, s.To)
	}
	fmt.Fprintf(w, "\nexecution %s: %s\n", x.ID, x.Status)
	return nil
}
