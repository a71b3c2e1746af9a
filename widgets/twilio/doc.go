// Package twilio holds Twilio Studio's widgets, each a function returning
// its widgets.Type, whose godoc lists its properties, events and outputs
// and shows a state of it as Twilio's Flow JSON writes it:
//
//   - Trigger, SetVariables, SplitBasedOn: the flow's entry, its variables,
//     and branching on conditions (package widgets/condition).
//   - SayPlay, GatherInputOnCall, ConnectCallTo, MakeOutgoingCall (and
//     MakeOutgoingCallV1), RecordVoicemail, RecordCall, EnqueueCall,
//     SendToFlex, CapturePayments, ForkStream, AddTwimlRedirect: voice.
//   - SendMessage, SendAndWaitForReply, SendToAutopilot: messaging.
//   - MakeHTTPRequest, RunFunction (and RunFunctionV2), RunSubflow:
//     integration.
//   - ConnectVirtualAgent, ConnectVirtualAgentV2, StartConversation,
//     ResumeConversation, RunConversationRelay: widgets of Twilio-only
//     services. They load and check, and a step of one fails the
//     execution with a service error (failure code service_error), unless
//     the host replaces the type on its registry.
//
// Types returns them all; Register adds them to a registry.
package twilio
