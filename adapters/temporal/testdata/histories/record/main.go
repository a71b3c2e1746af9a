// Command record records the Temporal histories adapters/temporal's replay
// test replays: it runs the IVR menu and reminder examples on an
// in-process Temporal server (go.temporal.io/server/temporaltest) through
// temporal.Runner, as a host would (update-with-start, a refused event, a
// retried webhook, an end on request, a timeout by timer, a subflow), and
// writes each closed workflow's history as JSON. It checks the Runner
// against a real server on the way; see ../README.md.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/server/temporaltest"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/studioflow/studioflow/adapters/temporal"
	"github.com/studioflow/studioflow/flow"
	"github.com/studioflow/studioflow/runtime"
	"github.com/studioflow/studioflow/widgets"
	"github.com/studioflow/studioflow/widgets/fake"
)

func must(err error) {
	if err != nil {
		panic(err)
	}
}

func load(file string) *flow.Definition {
	data, err := os.ReadFile(file)
	must(err)
	d, err := flow.Parse(data)
	must(err)
	return d
}

func main() {
	out, ex := "..", "../../../../../examples/"
	if len(os.Args) > 1 {
		out = os.Args[1]
	}
	ts := temporaltest.NewServer()
	defer ts.Stop()
	c := ts.GetDefaultClient()
	defs := runtime.Definitions{
		"FWmenu":     load(ex + "ivr/menu.json"),
		"FWreminder": load(ex + "reminder/reminder.json"),
		"FWsurvey":   load(ex + "reminder/survey.json"),
	}
	services, transcript := fake.Services()
	wk := &temporal.Worker{Activities: &temporal.Activities{Services: services, Source: defs}}
	defer ts.NewWorker("flows", wk.Register).Stop()
	r := &temporal.Runner{Client: c, TaskQueue: "flows", Source: defs}
	ctx := context.Background()

	record := func(name string, x *runtime.Execution) {
		wf := "studioflow-" + x.ID[2:18]
		// Wait for the workflow to close.
		run := c.GetWorkflow(ctx, wf, "")
		var snap temporal.Snapshot
		must(run.Get(ctx, &snap))
		it := c.GetWorkflowHistory(ctx, wf, run.GetRunID(), false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
		h := &historypb.History{}
		for it.HasNext() {
			ev, err := it.Next()
			must(err)
			h.Events = append(h.Events, ev)
		}
		data, err := protojson.MarshalOptions{Indent: "  "}.Marshal(h)
		must(err)
		must(os.WriteFile(filepath.Join(out, name+".json"), data, 0o644))
		end, _ := snap.Decode()
		fmt.Printf("%s: %d events, execution %s %s, %d steps\n", name, len(h.Events), end.ID, end.Status, len(end.Steps))
	}

	// The IVR menu: a wrong key, then support.
	call := runtime.StartRequest{FlowSid: "FWmenu", Trigger: runtime.TriggerCall, Contact: "+15551230000", FlowAddress: "+15559870000", CallSid: "CA0001"}
	x, err := r.Start(ctx, call)
	must(err)
	_, err = r.Start(ctx, call)
	fmt.Println("second start:", err)
	_, err = r.Resume(ctx, x.ID, widgets.Event{Name: "incomingMessage", Token: x.Wait.Token})
	fmt.Println("wrong event:", err)
	x, err = r.Get(ctx, x.ID)
	must(err)
	active, err := r.FindActive(ctx, call)
	must(err)
	fmt.Println("active:", active == x.ID)
	x, err = r.Resume(ctx, x.ID, widgets.Event{Name: "keypress", Token: x.Wait.Token, Data: map[string]any{"Digits": "7"}})
	must(err)
	stale := x.Wait.Token
	x, err = r.Resume(ctx, x.ID, widgets.Event{Name: "keypress", Token: x.Wait.Token, Data: map[string]any{"Digits": "2"}})
	must(err)
	_, err = r.Resume(ctx, x.ID, widgets.Event{Name: "keypress", Token: stale, Data: map[string]any{"Digits": "2"}})
	fmt.Println("retried webhook:", err)
	record("ivr-menu", x)

	// The same contact calls again: a new execution of the session.
	call2 := call
	x2, err := r.Start(ctx, call2)
	must(err)
	fmt.Println("second call, new id:", x2.ID != x.ID)
	x2, err = r.End(ctx, x2.ID, "the caller was transferred")
	must(err)
	record("ivr-menu-ended", x2)

	// The menu's silence: its timeout is a workflow timer.
	call3 := call
	call3.CallSid = "CA0003"
	x3, err := r.Start(ctx, call3)
	must(err)
	record("ivr-menu-silence", x3)

	// The reminder and its survey subflow, by message.
	req := runtime.StartRequest{FlowSid: "FWreminder", Trigger: runtime.TriggerRequest, Contact: "+15551230001", FlowAddress: "+15559870000",
		Parameters: map[string]any{"first_name": "Ada", "date": "Friday"}}
	x4, err := r.Start(ctx, req)
	must(err)
	for _, body := range []string{"maybe", "yes", "5"} {
		x4, err = r.Resume(ctx, x4.ID, widgets.Event{Name: "incomingMessage", Data: map[string]any{"Body": body}})
		must(err)
	}
	record("reminder-survey", x4)

	lines, _ := json.Marshal(transcript.Lines())
	fmt.Println(string(lines))
}
