// Package compat checks where each step of a flow or module may stand: flow
// types, what each widget needs (a live call, a messaging session) and
// provides, path analysis over the graph, and module compatibility.
//
// # Flow types
//
// The trigger event that starts an execution sets its flow type
// (TypeOfTrigger): incomingCall makes IncomingCall, incomingMessage
// IncomingMessage, incomingConversationMessage IncomingConversation,
// incomingRequest APIRequest and incomingParent Subflow. A flow wiring
// several trigger events has several types (FlowTypes); a module
// (initial state begin-module) has the type Module.
//
// # Vendors
//
// A definition is classified once (Classify): whose rules it follows
// (Twilio Studio, Talkdesk Studio, room for Amazon Connect), whether it is
// a module, and its flow types. The host's word (flow.Definition's Vendor)
// wins; otherwise a state of a Talkdesk component makes a Talkdesk flow, and
// anything else is Twilio's Flow JSON. The path analysis takes each rule's
// severity from RulesFor(vendor).
//
// # Needs and provides
//
// What a widget needs and provides is declared by its widgets.Type, so a
// custom widget registered on the registry takes part like a built-in:
// NeedsCall (voice widgets), NeedsMessaging (send-and-wait-for-reply),
// PlacesCall (make-outbound-call, make-outgoing-call-v2), ProvidesCallOn
// (their answered exit) and EndsCallOn (hangup, callCompleted,
// callComplete, the call-finished exits). A state type the registry does not
// know needs nothing (the widgets checker reports unknown types). Three
// types are special-cased by name: run-module needs what its module needs
// (see WithModules), return-to-flow is a module exit with no successor, and
// trigger / begin-module only start a definition.
//
// # Path analysis
//
// Checker walks every path from each entry point, loops included, as a
// worklist dataflow over pairs of state and context. The context is the
// entry's flow type, the call state (NoCall, CallLive, CallEnded, or
// CallInherited inside a module or subflow), and whether an outbound call
// was placed on the path; whether replies by message are ambiguous
// (concurrent calls) follows from the type and flags.allow_concurrent_calls.
// That is a bounded product, so each state is visited at most a constant
// number of times and the analysis is linear in states plus transitions.
// The walk is breadth first and keeps a predecessor per visited pair, so
// each problem names a shortest path that breaks the rule, as state names
// joined by " → " (long paths keep the entry and the last states). Each
// (state, code) is reported once.
//
// The rules, each reported at #/states/I: an error, except that for a
// Twilio flow the first five are warnings, since Twilio Studio publishes
// such flows and the runtime fails the step instead (RulesFor;
// WithStrictRules makes them errors):
//
//   - CodeNeedsCall: a voice step where no call exists. An incoming call is
//     live from the first step; an API-request flow has a call only after
//     the answered exit of an outbound call (seed 003); message and
//     conversation flows have none until they place one.
//   - CodeAfterCallEnded: a voice step after the call ended. Post-call
//     steps (a survey message, a record update, a module without voice
//     steps) are fine; the runtime fails a voice step there, this reports
//     it at check time. The runtime fails at such a step, so the walk does
//     not go on past it (no cascade of reports behind the first).
//   - CodeSecondOutboundCall: an outbound call placed where one was
//     already placed (whatever its outcome: a retry after busy counts), or
//     where a call is live: one outbound call per call path (seed 003).
//   - CodeReplyWaitConcurrentCalls: send-and-wait-for-reply downstream of
//     incomingCall in a flow that allows concurrent calls (seed 004), even
//     after the call ended, since the execution is keyed by the call.
//   - CodeOutboundOnCallPath: an outbound call placed on an incoming-call
//     path (that path already has its call).
//   - CodeNotAllowedInType: return-to-flow in a flow
//     rather than a module; a trigger or begin-module reached by a
//     transition.
//   - CodeModuleIncompatible: a run-module step whose module does not fit
//     the place where it stands: the call state on that path counts, not
//     only the flow type, so a voice module after an answered outbound
//     call in an API-request flow fits, and the same module after hangup
//     does not.
//   - CodeModuleNoTypes: a module that fits no flow type.
//
// Subflows are not followed: run-subflow names another flow by sid, which
// cannot be resolved here, so the analysis takes the step as needing what its
// widget type declares and leaving the call as it was. A flow entered by
// incomingParent has its parent's call (CallInherited): a voice step, a
// reply wait or an outbound call there is accepted, as the parent is not
// known.
//
// # Modules
//
// A module's Requirements follow from its steps minus what it provides
// itself: it needs a live call at entry when a voice step is reachable
// before the module's own answered outbound call; it needs messaging when
// a send-and-wait-for-reply is reachable; it places a call when an
// outbound-call widget is reachable. Nested run-module steps pass their
// module's requirements on. Requirements also record, per module exit, how
// the call stands when the module returns, so the caller's walk goes on
// with the right call state (a module that hangs up leaves the caller
// post-call).
//
// Fits checks Requirements against a Place (the context at a run-module
// step). TypesFor turns Requirements into the flow types a module fits,
// for the catalog: a module of non-voice steps fits every type; a module
// with a voice step fits IncomingCall and, after an answered outbound
// call, APIRequest ("API request (after answered)"). A module fits nothing
// when it needs a live call at entry and also places an outbound call:
// where a call is live no outbound call may be placed, and where none is
// live the voice step cannot run. The module package supplies a
// ModuleLookup; the version catalog uses ModuleTypes and compares this
// package's problems with the candidate module against those with the
// current one to find a narrowed compatibility. ModuleUses and Fits answer
// the same questions for a single run-module step.
//
// Within one check each module is summarised once. A module that runs
// itself, directly or through others, is a cycle that package module
// reports; here the inner reference counts as needing nothing.
package compat
