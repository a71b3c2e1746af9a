// Package lint finds what only a linter finds in a flow, beyond the
// checks the engine runs before it loads one (runtime.Engine.Check:
// structure, widgets, templates, compatibility, modules); it is the
// extra pass of flowrun check.
//
//	ps := lint.Check(d)                                   // lint.* problems only
//	all := flow.Check(d, flow.WithCheckers(lint.Checker())) // with the structural checks
//
// It reports, each with a JSON path into the flow and a stable code:
//
//   - references that never resolve, in Liquid templates: widgets.X where
//     no state X exists or no path runs X before the state that reads it,
//     widgets.X.F for a field X's type never publishes (Published),
//     trigger.K where the trigger does not wire the event that fills it;
//     flow.variables.V where nothing that can run before sets V;
//   - in Connect flows, $.Attributes.X and $.FlowAttributes.X that no
//     update action that can run before sets, and $.External.X with no
//     InvokeLambdaFunction before;
//   - transitions to nowhere that drop a live contact (CodeLosesContact),
//     loops that neither wait nor leave (CodeLoopNoExit), module outputs
//     nobody reads (CodeModuleOutputUnread);
//   - deployment placeholders left (CodePlaceholder, see package deploy).
//
// "Before" is computed over the flow's graph: state T can run before S
// when a path from the initial state passes T and then reaches S. It does
// not look into subflows and modules, and it does not evaluate
// conditions: a branch that no input takes still counts.
//
// Unreachable states are not reported here (flow.Check does), and
// references inside them are not checked.
//
// Severity: a loop no execution can leave is an error (the execution
// fails at the step limit); everything else is a warning, since Twilio
// and Connect publish and run such flows (a reference that resolves to
// nothing renders empty). Strict makes the references that never resolve
// errors.
package lint
