// Package runtime runs flows: the Engine starts executions from a call, a
// message, a conversation, a REST request or a parent flow, runs them step
// by step until they wait for the contact or end, and resumes them when the
// host reports what happened (a keypress, a reply, a call outcome).
//
// An Execution is plain data that serializes to JSON and back with nothing
// lost: its flow and revision, status, call stack of frames (the flow, and
// subflows and modules entered from it) each with its template context
// (flow, trigger, widgets, contact), the values every frame shares
// (Execution.Shared: an Amazon Connect contact, whose attributes outlive
// the module or flow that set them), the current wait, and the step log.
// A Store keeps executions with a compare-and-swap save, so any process
// holding the store can resume any execution and two racing resumes never
// both win; MemoryStore is the in-memory default.
//
// Everything with a side effect or a source of change is injected: the
// widget registry (standard.New() by default, extended with WithWidget;
// the engine runs its own copy),
// the services widgets call (WithServices; widgets/fake for tests), where
// definitions come from (WithSource, WithModules; Definitions,
// ModuleDefinitions or a version catalog through CatalogSource), the clock,
// ids and randomness, the event Sink, Limits and Admission rates. With them
// fixed, the same trigger and events give the same steps and context.
//
// Templates are Twilio's Liquid, rendered by package template: parsed
// into closures once, when a definition is checked (a broken one never
// takes traffic), and run against the frame's context in place, without
// copying it. Every render is sandboxed (loops at 15 iterations as in
// Twilio Studio, nested loops sharing one budget; text capped at 16 KB
// while it is built; a work budget; the step's deadline); a template past
// its budget fails its execution with FailureTemplateBudget. include and
// render read only the host's templates (WithTemplateSource), else fail
// with FailureTemplateSandbox. Numbers in text, whitespace included, are
// numbers, as Twilio's Liquid reads them, and "now" is shown in the
// engine's template zone (WithTemplateZone; by default US Pacific time,
// as Twilio Studio shows it, whatever the host's zone).
//
// Before a definition runs, the engine checks it (Engine.Check): structure,
// widget properties and events, and compat's call-path rules. A definition
// with errors never runs, and is not checked again for FailedCheckRetry.
//
// # Safe to embed
//
// Flows are written by other people, so nothing a flow, a service or a
// store hands the engine may crash, leak from or lock the host:
//
//   - Every value entering an execution (start parameters and payload,
//     event data, widget outputs, variables, module returns) is bounded by
//     Limits.MaxValueDepth and Limits.MaxValueBytes where it enters: a host's
//     value past them is refused (ErrRefused, nothing changed), a widget's
//     fails the execution with FailureValue. So whatever is saved loads.
//   - Every record a Store returns is validated (Execution.Validate); a
//     corrupt one is an error wrapping ErrCorrupt, never a panic, and End,
//     the expiry pass and a new start for its session end it unread
//     (Store.ForceEnd), so it never holds its contact.
//   - A panicking widget fails its execution (FailureWidgetPanic); a panicking
//     sink is logged; a panic anywhere else in an Engine call is returned as
//     an error. Stacks and host paths go to the logger, never into an
//     execution's reason.
//   - Input meant for a sensitive wait (a PIN, card data) that arrives late
//     is refused, never handed to the next wait.
//   - The caches of compiled definitions and templates, and the admission
//     limiter, are bounded.
//   - Outbound HTTP is the host's Services.HTTP; give it safehttp.NewClient
//     so flows cannot reach the host's private network.
//
// An execution that failed carries a FailureCode beside its human Reason:
// branch on the code.
//
// # Delivery guarantee
//
// A step's effects (what it says, sends, requests) happen when it runs;
// the store records the step when the run saves. What the engine promises,
// as a workflow engine such as Temporal does:
//
//   - One runner at a time. Start, Resume, End and the expiry pass hold
//     the store's lock on the execution (and Start on the session) from
//     loading it to saving it (Store.Lock). MemoryStore locks within the
//     process; a store shared by several processes must lock across them.
//     Where no lock holds (a store that cannot lock), the save's
//     compare-and-swap still lets only one of two racing runs be recorded.
//   - An event answers one wait. Each wait has a token (WaitState.Token)
//     that the host hands back with the event that answers it
//     (widgets.Event.Token). An event for a wait that is no longer current
//     is refused with ErrStale before anything runs, so of racing or
//     retried answers to one wait exactly one is taken, and a late
//     keypress never answers the next gather. Events without a token (an
//     inbound message to a session) are taken in the order they get the
//     lock.
//   - At most once per successful save: under the lock, a step's effects
//     run once for each run the store records.
//   - At least once across crashes: if the process dies, the store fails,
//     or the caller's context ends between a step's effects and the save
//     that records them, nothing of the run is saved. The execution is as
//     it was (a wait still waits, and the event can be delivered again), so
//     the step may run again. Every service call carries an idempotency key
//     (widgets.EffectOf on the call's context: the execution, the step's
//     number and the call's number in the step), derived from saved state,
//     so the re-run makes its calls with the same keys and a service that
//     honours them acts once.
//   - A failed first save does not hold the contact: the new execution is
//     ended (FailureStore, FailureCanceled), and the expiry pass leaves an
//     execution it could not advance for a store's fault as it was, for
//     the next pass.
package runtime
