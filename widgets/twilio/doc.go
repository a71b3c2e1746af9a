// Package twilio holds Twilio Studio's widgets, each a function returning
// its widgets.Type, whose godoc lists its properties, events and outputs
// and shows a state of it as Twilio's Flow JSON writes it:
//
//   - Trigger, SetVariables, SplitBasedOn: the flow's entry, its variables,
//     and branching on conditions (package widgets/condition).
//   - SayPlay, GatherInputOnCall, ConnectCallTo, MakeOutgoingCall,
//     RecordVoicemail, RecordCall, EnqueueCall, SendToFlex,
//     CapturePayments, ForkStream, AddTwimlRedirect: voice.
//   - SendMessage, SendAndWaitForReply, SendToAutopilot: messaging.
//   - MakeHTTPRequest, RunFunction, RunSubflow: integration.
//
// Types returns them all; Register adds them to a registry.
package twilio
