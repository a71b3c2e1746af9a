// Package widgets is the contract between the engine and the states of a
// flow: what a widget type is, what its compiled node does when a step
// runs, and the services it may call. The widgets themselves live in
// vendor packages that register on a Registry the caller owns:
//
//   - widgets/twilio: Twilio Studio's widgets (trigger, say-play,
//     gather-input-on-call, split-based-on, make-http-request, ...).
//   - widgets/talkdesk: Talkdesk Studio's components (make-outbound-call,
//     time-based-rules, conditional-statement, execute-action, end-flow, ...).
//   - widgets/modules: the module state types (begin-module,
//     return-to-flow, run-module).
//   - widgets/condition: the condition evaluator split-based-on and
//     conditional-statement share.
//   - widgets/standard: a registry of all of them, the engine's default.
//   - widgets/widgettest: a test kit for custom widgets.
//
// A widget is a Type: the state type name it handles, flags saying what it
// needs of the interaction (a live call, a messaging conversation) and a
// Compile function. Compile reads a state's properties through Props and
// returns a Node; Props accepts the loose forms found in exports (numbers
// and booleans written as strings, templated values) and reports each
// problem with its JSON path. A Node runs one step: Run returns a Result
// that takes an event at once, waits for the host to report one (Wait; a
// Resumer turns that event into the step's result), ends the execution
// (End), enters a subflow or module frame (Enter; a Returner takes the
// child's outcome), or returns from a module (Return).
//
// A Registry maps type names to Types. Registering a name twice is an
// error (Replace overrides on purpose); what Lookup and Compile hand out
// are copies, and an engine runs its own Clone, so nothing changes a
// registry behind an engine's back.
//
// Widgets do no I/O of their own. Every call, message or request goes
// through the host's Services: Voice (and optionally CallRecorder),
// Messaging, HTTPDoer, Functions, Actions, Payments and Streams. Package
// widgets/fake implements each of them in memory.
package widgets
