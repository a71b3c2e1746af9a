// Package modules holds the state types of modules: versioned blocks with
// typed contracts that flows run (Talkdesk Studio's modules, Amazon
// Connect's flow modules). Each is a function returning its widgets.Type,
// whose godoc shows a state of it:
//
//   - BeginModule: a module's entry, with its typed arguments.
//   - ReturnToFlow: leaves the module through one of its exits, with its
//     outputs.
//   - RunModule: runs a module from a flow or module, binding arguments
//     and outputs.
//
// Argument, Output and OutputBinding are the contract's parts that package
// module reads to compare module versions. Types returns the state types;
// Register adds them to a registry.
package modules
