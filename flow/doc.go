// Package flow is the graph model of studioflow: a Definition of states
// (widgets) wired by named events, read from and written to Twilio Studio's
// Flow JSON, and checked for structural soundness.
//
// A flow exported from Twilio Studio loads unchanged. Every key the library
// does not model (canvas offsets, vendor extras, unknown top-level keys) is
// kept and written back, so that Parse(Marshal(d)) equals d.
//
// Modules use the same format with four more state types (begin-module,
// return-to-flow, end-flow, run-module); a definition whose initial state is
// a begin-module is a module.
//
// Check runs the structural checks of this package and every Checker added
// with WithCheckers, returning all problems at once, each with a JSON path,
// the state concerned, a stable code and a message. Packages higher up
// (widgets, compat, module) provide Checkers.
package flow
