// Package flow is the graph model of studioflow: a Definition of states
// (widgets) wired by named events, read from and written to Twilio Studio's
// Flow JSON, and checked for structural soundness.
//
// # Format
//
// A definition is Twilio Studio's Flow JSON:
//
//	{ "description": "Main IVR",
//	  "initial_state": "Trigger",
//	  "flags": { "allow_concurrent_calls": true },
//	  "states": [
//	    { "name": "Trigger", "type": "trigger",
//	      "transitions": [ {"event": "incomingCall", "next": "greet"}, {"event": "incomingMessage"} ],
//	      "properties": { "offset": {"x": 0, "y": 0} } },
//	    { "name": "greet", "type": "say-play",
//	      "transitions": [ {"event": "audioComplete"} ],
//	      "properties": { "say": "Hello {{trigger.call.From}}" } } ] }
//
// Each state has a name, a widget type, transitions (one per event; a
// transition without "next" ends that branch) and properties. This package
// models the graph only: properties are kept as raw JSON and decoded by the
// widget that runs the state (State.Property). The canvas "offset" is kept
// and never interpreted.
//
// A flow exported from Twilio Studio loads unchanged. Every key the library
// does not model (canvas offsets, vendor extras, unknown keys at any level)
// is kept and written back, and numbers and strings are written as they were
// read: "timeout": "3600" stays a string. For any document Parse accepts,
// Parse(Marshal(d)) equals d and writing it again gives the same bytes.
//
// Modules use the same format with four more state types (begin-module,
// return-to-flow, end-flow, run-module); a definition whose initial state is
// a begin-module is a module, and may list "exposed_variables".
//
// # Checks
//
// Check runs the structural checks of this package and every Checker added
// with WithCheckers, returning all problems at once, each with a JSON path
// such as "#/states/3/transitions/0/next", the state concerned, a stable
// code (the Code constants) and a message. Packages higher up (widgets,
// compat, module) provide Checkers.
//
// # Errors
//
// Parse reports malformed JSON, or JSON nested deeper than
// MaxNestingDepth, as a *SyntaxError (line and column) and a wrong shape as
// a *DecodeError (JSON path); Problems.Err reports a definition with errors
// as an *InvalidError. All three unwrap to ErrInvalid, as does the error for
// a document over DefaultMaxReadBytes (ParseLimit takes another bound).
package flow
