// Command outbound runs the API-triggered flow of seed 003: an API request
// carries two numbers; the flow calls the customer (contact_1), and when
// the call is answered plays a message and forwards the call to the
// agent's external number (contact_2); after the forward it texts a survey.
// A second request finds the customer's line busy.
//
//	go run ./examples/outbound
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

//go:embed installation_callback.json
var flowJSON []byte

func main() {
	// The real clock, in UTC like the engine's default.
	if err := run(os.Stdout, func() time.Time { return time.Now().UTC() }); err != nil {
		fmt.Fprintln(os.Stderr, "outbound:", err)
		os.Exit(1)
	}
}

// run sends the requests to an engine whose clock is now: the test passes
// a fixed clock so it replays the example deterministically (the admission
// limiter refills by the engine's clock too).
func run(w io.Writer, now func() time.Time) error {
	ctx := context.Background()
	def, err := flow.Parse(flowJSON)
	if err != nil {
		return err
	}
	services, transcript := fake.Services()
	engine := runtime.New(
		runtime.WithSource(runtime.Definitions{"FWcallback": def}),
		runtime.WithServices(services),
		runtime.WithIDs(runtime.SequentialIDs()),
		runtime.WithAdmission(runtime.TalkdeskFlowsAPILimits()),
		runtime.WithClock(now),
	)
	if ps := engine.Check(def); ps.HasErrors() {
		return ps.Err()
	}
	fmt.Fprintf(w, "flow %q passes the check call (%d problems)\n", def.Description, len(engine.Check(def)))

	request := func(customer string, outcomes ...widgets.Event) error {
		transcript.Reset()
		fmt.Fprintf(w, "\nPOST /flows/FWcallback/interactions {contact_1: %s, contact_2: +15557770000}\n", customer)
		x, err := engine.Start(ctx, runtime.StartRequest{
			FlowSid: "FWcallback", Trigger: runtime.TriggerRequest, Contact: customer, FlowAddress: "+18005550100", Account: "acme",
			Parameters: map[string]any{"contact_1": customer, "contact_2": "+15557770000"},
		})
		if err != nil {
			return err
		}
		printed := 0
		flush := func() {
			lines := transcript.Lines()
			for _, line := range lines[printed:] {
				fmt.Fprintln(w, "  "+line)
			}
			printed = len(lines)
		}
		flush()
		for _, ev := range outcomes {
			fmt.Fprintf(w, "  host reports %s on %q\n", ev.Name, x.Wait.State)
			if x, err = engine.Resume(ctx, x.ID, ev); err != nil {
				return err
			}
			flush()
		}
		for _, s := range x.Steps {
			fmt.Fprintf(w, "  step %-13s %-15s -> %s\n", s.Name, s.From, s.To)
		}
		fmt.Fprintf(w, "  execution %s %s\n", x.ID, x.Status)
		return nil
	}
	if err := request("+15551112222",
		widgets.Event{Name: "answered", Data: map[string]any{"AnsweredBy": "human"}},
		widgets.Event{Name: "completed", Data: map[string]any{"DialCallDuration": "312"}},
	); err != nil {
		return err
	}
	return request("+15553334444", widgets.Event{Name: "busy"})
}
