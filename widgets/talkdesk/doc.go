// Package talkdesk holds Talkdesk Studio's components, each a function
// returning its widgets.Type. No vendor publishes a JSON format for them,
// so this library defines one in Twilio's style (SPEC §2b); each
// function's godoc shows a state of it:
//
//   - MakeOutboundCall, ForwardToExternalNumber: calls.
//   - TimeBasedRules, CalendarBasedRules, ConditionalStatement,
//     TrafficSplitter: routing.
//   - ExecuteAction: an integration's action.
//   - EndFlow: ends the whole execution, also from inside a module.
//
// Types returns them all; Register adds them to a registry.
package talkdesk
