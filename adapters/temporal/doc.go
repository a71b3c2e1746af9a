// Package temporal runs studioflow executions on Temporal
// (go.temporal.io/sdk), for teams that operate Temporal and want its
// history, retries, visibility and scale-out for their contact-center
// flows. It is a Go module of its own, so the core module does not depend
// on the SDK.
//
// # The shape
//
//   - An execution is a workflow (WorkflowName). Worker.Execution starts it
//     with runtime.Engine.Begin and advances it with Advance and Elapse,
//     the engine's store-less calls: the workflow's history is the store.
//     The engine inside the workflow takes its clock from workflow.Now, its
//     ids from the workflow's id and a count carried along, and its seed
//     from a recorded side effect, so a replay makes the same decisions.
//   - Every service call (voice, messaging, HTTP, functions, actions,
//     payments, streams, the contact center) is an activity (Activities),
//     made with the engine's idempotency key back on the service's
//     context (widgets.EffectOf). A failed call is not retried by
//     Temporal: the widget takes its failure branch, as it does in
//     process.
//   - Flows and modules are resolved once per execution (a local
//     activity on Activities.Source and Modules) and pinned: an execution
//     runs the revision it started on to its end, and a replay never
//     reads the catalog.
//   - An event is an update (UpdateEvent) with a validator
//     (runtime.Engine.Admit): an event the wait does not accept, or one
//     that answers another wait, is refused without touching the history,
//     and the execution still waits. The update's result is the execution
//     advanced (a Snapshot).
//   - A wait's deadline and the execution's lifetime (runtime.Limits,
//     30 days by default) are workflow timers; no expiry worker runs on
//     Temporal.
//   - QueryExecution returns the execution as it is (context, steps,
//     wait), so a host shows it without a store of its own.
//   - A long conversation continues as new before its history grows too
//     long (Worker.HistoryLimit, or when Temporal suggests it), carrying
//     the execution, its pinned definitions, its id count and its seed.
//   - Runner is the host's side, a runtime.Runner like *runtime.Engine,
//     so the Twilio adapter serves a number with either: Start derives the
//     workflow id from the execution's session (runtime.SessionKey) and
//     starts with the conflict policy FAIL, so a contact has at most one
//     running execution (a second start gets runtime.ErrConflict). An
//     execution's id carries its workflow's, so Resume, Get and End find
//     the workflow from the id alone; a refusal comes back as
//     runtime.ErrRefused or runtime.ErrStale. Updates (UpdateEvent,
//     UpdateEnd) are addressed to an execution: one meant for an earlier
//     execution of the session is refused.
//
// # Running a worker
//
//	c, err := client.Dial(client.Options{HostPort: "temporal:7233"})
//	w := worker.New(c, "flows", worker.Options{})
//	(&temporal.Worker{Activities: &temporal.Activities{
//		Services: services,                              // your telephony, messaging, HTTP ...
//		Source:   runtime.CatalogSource{Catalog: catalog}, // or runtime.Definitions
//		Modules:  runtime.CatalogSource{Catalog: catalog},
//	}}).Register(w)
//	err = w.Run(worker.InterruptCh())
//
// and, in the web process that takes the webhooks:
//
//	r := &temporal.Runner{Client: c, TaskQueue: "flows", Source: source}
//	x, err := r.Start(ctx, req)                      // a call, a message, a REST start
//	x, err = r.Resume(ctx, x.ID, widgets.Event{...}) // the caller pressed a key
//	http.Handle("/twilio/", twilioAdapter.Handler(r)) // or serve a number with it
//
// # What lands in the history
//
// The start request, every event, every service call's arguments and
// answers (an HTTP answer at most 1 MB), the pinned definitions and the
// execution carried over at each continue-as-new. A SIP password a
// connect-call-to or an outbound call uses travels in the call's Secret:
// a host that uses them sets a payload codec that encrypts.
package temporal
