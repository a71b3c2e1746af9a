package twilio_test

import (
	"testing"

	"github.com/studioflow/studioflow/widgets"

	"github.com/studioflow/studioflow/widgets/standard"
	"github.com/studioflow/studioflow/widgets/twilio"
	"github.com/studioflow/studioflow/widgets/widgettest"
)

// TestTwilioGodocExamples compiles the JSON example in the godoc of every
// Twilio widget type, so the documented format cannot drift from the code.
func TestTwilioGodocExamples(t *testing.T) {
	widgettest.DocExamples(t, ".", standard.New(), map[string]func() widgets.Type{
		"Trigger":               twilio.Trigger,
		"SetVariables":          twilio.SetVariables,
		"SplitBasedOn":          twilio.SplitBasedOn,
		"SayPlay":               twilio.SayPlay,
		"GatherInputOnCall":     twilio.GatherInputOnCall,
		"SendMessage":           twilio.SendMessage,
		"SendAndWaitForReply":   twilio.SendAndWaitForReply,
		"ConnectCallTo":         twilio.ConnectCallTo,
		"MakeOutgoingCall":      twilio.MakeOutgoingCall,
		"RecordVoicemail":       twilio.RecordVoicemail,
		"RecordCall":            twilio.RecordCall,
		"EnqueueCall":           twilio.EnqueueCall,
		"SendToFlex":            twilio.SendToFlex,
		"CapturePayments":       twilio.CapturePayments,
		"ForkStream":            twilio.ForkStream,
		"MakeHTTPRequest":       twilio.MakeHTTPRequest,
		"RunFunction":           twilio.RunFunction,
		"AddTwimlRedirect":      twilio.AddTwimlRedirect,
		"RunSubflow":            twilio.RunSubflow,
		"SendToAutopilot":       twilio.SendToAutopilot,
		"MakeOutgoingCallV1":    twilio.MakeOutgoingCallV1,
		"RunFunctionV2":         twilio.RunFunctionV2,
		"ConnectVirtualAgent":   twilio.ConnectVirtualAgent,
		"ConnectVirtualAgentV2": twilio.ConnectVirtualAgentV2,
		"StartConversation":     twilio.StartConversation,
		"ResumeConversation":    twilio.ResumeConversation,
		"RunConversationRelay":  twilio.RunConversationRelay,
	})
}
