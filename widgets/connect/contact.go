package connect

import (
	"maps"
	"strings"

	"github.com/studioflow/studioflow/flow"
	"github.com/studioflow/studioflow/widgets"
)

// The contact: what Connect's references read, kept in the values the
// execution shares (widgets.StepContext.Shared) under Connect's own
// names, so that every frame (modules, flows transferred to) sees it.
const (
	keyContactID           = "ContactId"
	keyInitialContactID    = "InitialContactId"
	keyChannel             = "Channel"
	keyInitiationMethod    = "InitiationMethod"
	keyCustomerEndpoint    = "CustomerEndpoint"
	keySystemEndpoint      = "SystemEndpoint"
	keyAttributes          = "Attributes"
	keyExternal            = "External"
	keyStoredInput         = "StoredCustomerInput"
	keyLex                 = "Lex"
	keyQueue               = "Queue"
	keyMetrics             = "Metrics"
	keyModules             = "Modules"
	keyCallbackNumber      = "CustomerCallbackNumber"
	keyTextToSpeechVoiceID = "TextToSpeechVoiceId"
	// keyTextToSpeech holds what UpdateContactTextToSpeechVoice set
	// (TextToSpeechVoice, TextToSpeechEngine, TextToSpeechStyle).
	keyTextToSpeech      = "TextToSpeech"
	keyLanguageCode      = "LanguageCode"
	keyCustomer          = "Customer"
	keyCase              = "Case"
	keyViews             = "Views"
	keyVoiceID           = "VoiceId"
	keyTask              = "Task"
	keyRelatedAttributes = "RelatedContactAttributes"
	keyFlowLogging       = "FlowLoggingBehavior"
)

// Channels a contact starts on ($.Channel).
const (
	ChannelVoice = "VOICE"
	ChannelChat  = "CHAT"
	ChannelTask  = "TASK"
	ChannelEmail = "EMAIL"
)

// ensureContact sets up the contact the first time a Connect step runs
// (in the flow the execution started with):
//
//   - $.ContactId and $.InitialContactId are the execution's id;
//   - $.Channel is the start's "Channel" (a parameter of a REST start or
//     a payload field of any start, in any case) when it is VOICE, CHAT,
//     TASK or EMAIL, else VOICE for a call, CHAT for a message or
//     conversation, TASK for the others;
//   - $.InitiationMethod is INBOUND for a call or message, API otherwise;
//   - $.CustomerEndpoint.Address is the contact's address and
//     $.SystemEndpoint.Address the flow's, both of Type TELEPHONE_NUMBER
//     on a voice contact;
//   - $.Attributes are the start's "Attributes" object, then a REST
//     start's parameters (flow.data) other than Channel and Attributes:
//     Connect's StartOutboundVoiceContact and StartTaskContact take the
//     contact's attributes that way.
func ensureContact(sc widgets.StepContext) {
	if _, ok := sc.Shared(keyContactID); ok {
		return
	}
	id, _ := sc.Lookup("flow.sid")
	trigger := sc.TriggerEvent()
	kind := map[string]string{
		flow.EventIncomingCall: "call", flow.EventIncomingMessage: "message",
		flow.EventIncomingConversationMessage: "conversation", flow.EventIncomingRequest: "request",
		flow.EventIncomingParent: "parent",
	}[trigger]
	payload, _ := sc.Lookup("trigger." + kind)
	data, _ := sc.Lookup("flow.data")
	channel := strings.ToUpper(strings.TrimSpace(firstString(payload, data, "Channel")))
	if channel != ChannelVoice && channel != ChannelChat && channel != ChannelTask && channel != ChannelEmail {
		channel = "" // not one of Connect's: the trigger says
	}
	if channel == "" {
		switch {
		case trigger == flow.EventIncomingCall || sc.Call().Live:
			channel = ChannelVoice
		case trigger == flow.EventIncomingMessage || trigger == flow.EventIncomingConversationMessage:
			channel = ChannelChat
		default:
			channel = ChannelTask
		}
	}
	method := "API"
	if trigger == flow.EventIncomingCall || trigger == flow.EventIncomingMessage || trigger == flow.EventIncomingConversationMessage {
		method = "INBOUND"
	}
	attrs := map[string]any{}
	if m, ok := payload.(map[string]any); ok {
		if a, ok := m["Attributes"].(map[string]any); ok {
			maps.Copy(attrs, a)
		}
	}
	if m, ok := data.(map[string]any); ok {
		if a, ok := m["Attributes"].(map[string]any); ok {
			maps.Copy(attrs, a)
		}
		for k, v := range m {
			if k != "Channel" && k != "Attributes" {
				attrs[k] = v
			}
		}
	}
	endpoint := func(addr string) map[string]any {
		e := map[string]any{"Address": addr}
		if channel == ChannelVoice {
			e["Type"] = "TELEPHONE_NUMBER"
		}
		return e
	}
	sc.SetShared(keyContactID, id)
	sc.SetShared(keyInitialContactID, id)
	sc.SetShared(keyChannel, channel)
	sc.SetShared(keyInitiationMethod, method)
	sc.SetShared(keyCustomerEndpoint, endpoint(sc.ContactAddress()))
	sc.SetShared(keySystemEndpoint, endpoint(sc.FlowAddress()))
	sc.SetShared(keyAttributes, attrs)
}

func firstString(a, b any, key string) string {
	for _, v := range []any{a, b} {
		if m, ok := v.(map[string]any); ok {
			if s, ok := m[key].(string); ok && s != "" {
				return s
			}
		}
	}
	return ""
}

// channelOf is the contact's channel.
func channelOf(sc widgets.StepContext) string {
	ensureContact(sc)
	v, _ := sc.Shared(keyChannel)
	s, _ := v.(string)
	return s
}

// sharedMap returns a copy of the shared object called key, to change
// and write back.
func sharedMap(sc widgets.StepContext, key string) map[string]any {
	ensureContact(sc)
	v, _ := sc.Shared(key)
	m, _ := v.(map[string]any)
	return maps.Clone(m)
}

// sharedString returns the shared string called key.
func sharedString(sc widgets.StepContext, key string) string {
	ensureContact(sc)
	v, _ := sc.Shared(key)
	s, _ := v.(string)
	return s
}

// contactView is the contact as a ContactCenterRequest carries it: every
// shared value.
func contactView(sc widgets.StepContext) map[string]any {
	ensureContact(sc)
	out := map[string]any{}
	for _, k := range []string{keyContactID, keyInitialContactID, keyChannel, keyInitiationMethod, keyCustomerEndpoint,
		keySystemEndpoint, keyAttributes, keyQueue, keyLanguageCode, keyTextToSpeechVoiceID, keyCallbackNumber} {
		if v, ok := sc.Shared(k); ok {
			out[k] = v
		}
	}
	return widgets.CopyData(out)
}
