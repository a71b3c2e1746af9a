// Package widgets defines what the states of a flow do: the widget types,
// the nodes they compile to, and the services those nodes call.
//
// A widget is a Type: the state type name it handles ("say-play",
// "run-module"...), flags saying what it needs of the interaction (a live
// call, a messaging conversation) and a Compile function. Compile reads a
// state's properties through Props and returns a Node; Props accepts the
// loose forms found in exports (numbers and booleans written as strings,
// templated values) and reports each problem with its JSON path. A Node
// runs one step: Run returns a Result that takes an event at once, waits
// for the host to report one (Wait; a Resumer turns that event into the
// step's result), ends the execution (End), enters a subflow or module
// frame (Enter; a Returner takes the child's outcome), or returns from a
// module (Return).
//
// A Registry maps type names to Types; Standard returns one holding every
// built-in type: Twilio Studio's widgets (trigger, set-variables,
// split-based-on, say-play, gather-input-on-call, send-message,
// connect-call-to, make-http-request, run-subflow...), Talkdesk Studio's
// components (make-outbound-call, time-based-rules, execute-action,
// end-flow...), and the module state types begin-module, return-to-flow and
// run-module. Each type's doc comment lists its properties, events and
// outputs. Register adds a custom type or replaces a built-in one, and
// Registry.Checker reports unknown types, property problems and
// transitions on events a widget never emits.
//
// Widgets do no I/O of their own. Every call, message or request goes
// through the host's Services: Voice (and optionally CallRecorder),
// Messaging, HTTPDoer, Functions, Actions, Payments and Streams. Package
// widgets/fake implements each of them in memory, records every call in a
// shared Transcript, and lets tests mock HTTP responses, register function
// and action handlers, and make services fail.
package widgets
