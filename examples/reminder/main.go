// Command reminder runs seed 004's Twilio patterns: a REST-triggered flow
// texts an appointment reminder and waits for the reply
// (send-and-wait-for-reply), runs a survey subflow that reads its
// parameters as trigger.parent.parameters and hands its variables back,
// and keeps one active execution per contact: a second REST start for the
// same contact is refused naming the active execution, and the contact's
// replies resume it.
//
//	go run ./examples/reminder
package main

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/studioflow/studioflow/flow"
	"github.com/studioflow/studioflow/runtime"
	"github.com/studioflow/studioflow/widgets/fake"
)

//go:embed *.json
var files embed.FS

func main() {
	// The real clock, in UTC like the engine's default.
	if err := run(os.Stdout, func() time.Time { return time.Now().UTC() }); err != nil {
		fmt.Fprintln(os.Stderr, "reminder:", err)
		os.Exit(1)
	}
}

const (
	clinic  = "+18005550100"
	patient = "+15551234567"
)

// run texts the patient through an engine whose clock is now: the test
// passes a fixed clock so it replays the example deterministically.
func run(w io.Writer, now func() time.Time) error {
	ctx := context.Background()
	defs := runtime.Definitions{}
	for sid, file := range map[string]string{"FWreminder": "reminder.json", "FWsurvey": "survey.json"} {
		data, err := files.ReadFile(file)
		if err != nil {
			return err
		}
		if defs[sid], err = flow.Parse(data); err != nil {
			return err
		}
	}
	services, transcript := fake.Services()
	engine := runtime.New(runtime.WithSource(defs), runtime.WithServices(services), runtime.WithIDs(runtime.SequentialIDs()),
		runtime.WithClock(now))
	printed := 0
	flush := func() {
		lines := transcript.Lines()
		for _, l := range lines[printed:] {
			fmt.Fprintln(w, "  "+l)
		}
		printed = len(lines)
	}

	rest := runtime.StartRequest{FlowSid: "FWreminder", Trigger: runtime.TriggerRequest, Contact: patient, FlowAddress: clinic,
		Parameters: map[string]any{"first_name": "Ada", "date": "3 December at 10:00"}}
	fmt.Fprintln(w, "POST /Flows/FWreminder/Executions (To=patient, Parameters={first_name, date})")
	x, err := engine.Start(ctx, rest)
	if err != nil {
		return err
	}
	flush()
	fmt.Fprintf(w, "  execution %s waits at %q for %v\n", x.ID, x.Wait.State, x.Wait.Events)

	fmt.Fprintln(w, "POST the same again while it is active:")
	var conflict *runtime.ConflictError
	if _, err := engine.Start(ctx, rest); errors.As(err, &conflict) {
		fmt.Fprintf(w, "  409 conflict: execution %s is active for this contact\n", conflict.ActiveID)
	} else {
		return fmt.Errorf("expected a conflict, got %v", err)
	}

	for _, body := range []string{"maybe", "Yes", " 5 "} {
		fmt.Fprintf(w, "patient texts %q\n", body)
		x, err = engine.Start(ctx, runtime.StartRequest{FlowSid: "FWreminder", Trigger: runtime.TriggerMessage, Contact: patient, FlowAddress: clinic,
			Payload: map[string]any{"Body": body}})
		if err != nil {
			return err
		}
		flush()
		if x.Wait != nil {
			where := "the flow"
			if len(x.Frames) > 1 {
				where = "subflow " + x.Frames[len(x.Frames)-1].Ref
			}
			fmt.Fprintf(w, "  same execution %s, now waiting in %s at %q\n", x.ID, where, x.Wait.State)
		}
	}
	fmt.Fprintf(w, "execution %s %s; steps:\n", x.ID, x.Status)
	for _, s := range x.Steps {
		frame := ""
		if s.Frame != "" {
			frame = " [" + s.Frame + "]"
		}
		fmt.Fprintf(w, "  %-15s %-9s -> %s%s\n", s.Name, s.From, s.To, frame)
	}
	fmt.Fprintln(w, "POST again now that it has ended:")
	if x, err = engine.Start(ctx, rest); err != nil {
		return err
	}
	fmt.Fprintf(w, "  new execution %s\n", x.ID)
	return nil
}
