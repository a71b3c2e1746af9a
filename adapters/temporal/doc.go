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
//     context (widgets.EffectOf) and the step's own time limit (an HTTP
//     request's timeout) applied to it. A service's failure is not
//     retried: the widget takes its failure branch, as in process, and
//     its error keeps what it wraps (context.DeadlineExceeded,
//     widgets.ErrUnsupported, *connect.Error). A call whose worker is
//     lost is tried again, under the same key.
//   - Flows and modules are resolved once per execution (a local
//     activity on Activities.Source and Modules) and pinned: an execution
//     runs the revision it started on to its end, and a replay never
//     reads the catalog.
//   - An event is an update (UpdateEvent) with a validator
//     (runtime.Engine.Admit): an event the wait does not accept, one that
//     answers another wait, or one whose data is over the engine's value
//     limits is refused without touching the history, and the execution
//     still waits. Updates take turns on the engine, as Resume calls do
//     in process: an event admitted while another update runs is judged
//     again when its turn comes, and may then be refused (stale, say),
//     that refusal recorded. The update's result is the execution
//     advanced (a Snapshot). UpdateStarted, sent with the start, answers
//     with the execution once its first run is recorded.
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
//     starts it with update-with-start and the conflict policy FAIL, so a
//     contact has at most one running execution: a message for a session
//     whose execution runs is delivered to it (runtime.MessageEvent), as
//     Engine.Start does, and any other second start gets a
//     *runtime.ConflictError naming the active execution. An
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
// answers (an HTTP answer at most 64 KB, as the widgets read), the pinned
// definitions, and the execution with every update's result and at each
// continue-as-new. Credentials a flow sends (an Authorization header, a
// password in a URL, a SIP password a connect-call-to or an outbound call
// uses, carried in the call's Secret) are in it too, and so is sensitive
// input in the events that answer its waits (a PIN, Amazon Connect input
// stored with InputEncryption, which is in the ContactCenter activity's
// arguments until the host encrypts it): a host with either
// sets a payload codec that encrypts. An execution whose context
// nears Temporal's payload limit (2 MB by default) cannot be carried:
// keep runtime.Limits' value sizes well below it.
//
// # Voice webhooks
//
// With Worker.VoiceInReply, the voice calls (and a <Pay>) of a start's or
// an update's run come back with its result, and Runner.Voice (the Twilio
// adapter's voice service) makes them in the web process, so the webhook
// answers with its run's TwiML whichever process ran the workflow. A run
// a timer starts has no webhook waiting: its voice calls go to the Voice
// activity on the worker.
//
// # Not yet
//
// Cancelling the workflow stops it without ending the execution (no
// execution.ended event). A timer's run on a live call is not pushed to the call (the engine's
// ExpiryWorker has twilio.Adapter.PushAfterExpiry for that).
package temporal
