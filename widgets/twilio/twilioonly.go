package twilio

import (
	"fmt"
	"slices"
	"strings"

	"github.com/studioflow/studioflow/flow"
	"github.com/studioflow/studioflow/widgets"
)

// Widgets that run on a Twilio-only service.
//
// Some of Twilio's widgets hand the contact to a product only Twilio runs
// (Dialogflow virtual agents through <Connect><VirtualAgent>, Twilio
// Conversations, ConversationRelay). Widgets has no service interface for
// them, so these types load and check their properties and events like
// any other (a property they do not check is not read), and a step of one
// fails the execution with a service error
// (widgets.NotConfigured, failure code service_error) saying what it needs.
// A host that does reach the product runs them by replacing the type on its
// registry (widgets.Registry.Replace) with its own Compile.

// twilioOnlyNode is a compiled state of a widget that needs a Twilio-only
// service: its events, and the error every step of it fails with.
type twilioOnlyNode struct {
	events []string
	err    error
}

func (n *twilioOnlyNode) Events() []string { return slices.Clone(n.events) }

// Run fails the step: the service the widget needs is not one a host can
// configure.
func (n *twilioOnlyNode) Run(widgets.StepContext) (widgets.Result, error) {
	return widgets.Result{}, n.err
}

// twilioOnly returns the node of a state of type typ, whose steps fail
// because they need service (the ServiceError's service name), described
// by what.
func twilioOnly(typ, service, what string, events []string) *twilioOnlyNode {
	return &twilioOnlyNode{
		events: events,
		err: widgets.NotConfigured(service, fmt.Sprintf(
			"%s needs %s, a Twilio-only service this library has no interface for (a host can run it by replacing the %q type on its registry)",
			typ, what, typ)),
	}
}

// warnMissing gives a warning when property key is absent or blank.
func warnMissing(p *widgets.Props, key, why string) {
	if strings.TrimSpace(p.String(key, "")) == "" {
		p.Report(key, widgets.CodePropertyMissing, flow.SeverityWarning, "%s is not set: %s", key, why)
	}
}

// ConnectVirtualAgent connects the call to a Google Dialogflow ES virtual
// agent through Twilio's <Connect><VirtualAgent> (Twilio, Connect Virtual
// Agent (Dialogflow ES) widget,
// https://www.twilio.com/docs/studio/widget-library/connect-virtual-agent-dialogflow-es;
// Twilio ended the Dialogflow ES integration on May 27, 2024, so flows
// exported before then still hold it). It needs Twilio's virtual agent
// service: the flow loads and checks, and a step of it fails with a
// service error (see the package's Twilio-only widgets).
//
//	{ "name": "virtual_agent", "type": "connect-virtual-agent",
//	  "transitions": [ {"event": "return", "next": "agent_handoff"}, {"event": "hangup"} ],
//	  "properties": { "connector": "dialogflow_es_1", "language": "en-US",
//	                  "sentiment_analysis": "true",
//	                  "status_callback": "https://example.com/virtual-agent/status" } }
//
// Properties: connector (required), language, sentiment_analysis (true or
// false), status_callback (an absolute http(s) URL). Events: return (the
// agent handed the call back to the flow), hangup (the caller hung up; the
// call is over, see EndsCallOn).
func ConnectVirtualAgent() widgets.Type {
	return widgets.Type{
		Vendor:     flow.VendorTwilio,
		Name:       "connect-virtual-agent",
		NeedsCall:  true,
		EndsCallOn: []string{"hangup"},
		Compile: func(p *widgets.Props) widgets.Node {
			p.RequiredString("connector")
			p.String("language", "")
			p.Bool("sentiment_analysis", false)
			checkURL(p, "status_callback", p.Text("status_callback"))
			return twilioOnly("connect-virtual-agent", "virtual-agent",
				"Twilio's Dialogflow virtual agent connector (<Connect><VirtualAgent>)", virtualAgentEvents)
		},
	}
}

var virtualAgentEvents = []string{"return", "hangup"}

// ConnectVirtualAgentV2 connects a call or a Conversation to a Google
// Dialogflow CX virtual agent (Twilio, Connect Virtual Agent widget,
// https://www.twilio.com/docs/studio/widget-library/connect-virtual-agent,
// whose outcomes are Completed, Live Agent Handoff, Hangup and Failed). It
// needs Twilio's virtual agent service: the flow loads and checks, and a
// step of it fails with a service error (see the package's Twilio-only
// widgets). It works on a call or a conversation, so it sets no NeedsCall.
//
//	{ "name": "virtual_agent", "type": "connect-virtual-agent-v2",
//	  "transitions": [ {"event": "completed"}, {"event": "live-agent-handoff", "next": "send_to_agent"},
//	                   {"event": "hangup"}, {"event": "failed", "next": "send_to_agent"} ],
//	  "properties": { "channel": "voice", "connector_name": "order-handling-va",
//	                  "status_callback_method": "POST", "timeout": 3600,
//	                  "parameters": [ {"key": "customer", "value": "{{contact.channel.address}}"} ] } }
//
// Properties: channel (voice, the default, or conversations),
// connector_name (the Dialogflow CX connector; a voice state without one
// gets a warning), parameters [{key, value}], status_callback (an absolute
// http(s) URL), status_callback_method (GET or POST, default POST),
// timeout (seconds, at most 30 days, an execution's lifetime), and the
// session properties
// (session_behavior, resume_session_identification_method ...), checked
// where noted and otherwise not read: the step fails before using them. Events: completed, live-agent-handoff, hangup (the call is
// over, see EndsCallOn), failed, paused, timeout.
func ConnectVirtualAgentV2() widgets.Type {
	return widgets.Type{
		Vendor:     flow.VendorTwilio,
		Name:       "connect-virtual-agent-v2",
		EndsCallOn: []string{"hangup"},
		Compile: func(p *widgets.Props) widgets.Node {
			if p.OneOf("channel", "voice", "voice", "conversations") == "voice" {
				warnMissing(p, "connector_name", "a voice virtual agent needs the name of its Dialogflow CX connector")
			}
			p.KeyValues("parameters")
			checkURL(p, "status_callback", p.Text("status_callback"))
			p.OneOf("status_callback_method", "POST", "GET", "POST")
			p.Number("timeout", 0, 0, 30*24*3600)
			return twilioOnly("connect-virtual-agent-v2", "virtual-agent",
				"Twilio's Dialogflow CX virtual agent connector", virtualAgentV2Events)
		},
	}
}

var virtualAgentV2Events = []string{"completed", "live-agent-handoff", "hangup", "failed", "paused", "timeout"}

// StartConversation creates a Twilio Conversation with one participant and
// makes it the execution's channel, in a flow started through the REST API
// (Twilio, Start Conversation widget,
// https://www.twilio.com/docs/studio/widget-library/start-conversation).
// It needs Twilio Conversations: the flow loads and checks, and a step of
// it fails with a service error (see the package's Twilio-only widgets).
//
//	{ "name": "start_chat", "type": "start-conversation",
//	  "transitions": [ {"event": "created", "next": "welcome"}, {"event": "failed"} ],
//	  "properties": { "conversation_service_sid": "ISaf0a2c3fd6cb4d9fa3b9d9c9e1a2b3c4",
//	                  "friendly_name": "Order {{flow.data.order}}" } }
//
// Properties: conversation_service_sid (a state without it gets a
// warning), friendly_name, attributes, participants, timers and the
// others Twilio's page lists, not read: the step fails before using them.
// Events: created, failed.
func StartConversation() widgets.Type {
	return widgets.Type{
		Vendor: flow.VendorTwilio,
		Name:   "start-conversation",
		Compile: func(p *widgets.Props) widgets.Node {
			warnMissing(p, "conversation_service_sid", "Twilio creates the Conversation in that Conversations service")
			return twilioOnly("start-conversation", "conversations", "Twilio Conversations", startConversationEvents)
		},
	}
}

var startConversationEvents = []string{"created", "failed"}

// ResumeConversation attaches a flow started through the REST API to an
// existing Twilio Conversation (Twilio, Resume Conversation widget,
// https://www.twilio.com/docs/studio/widget-library/resume-conversation).
// It needs Twilio Conversations: the flow loads and checks, and a step of
// it fails with a service error (see the package's Twilio-only widgets).
//
//	{ "name": "resume_chat", "type": "resume-conversation",
//	  "transitions": [ {"event": "resumed", "next": "follow_up"}, {"event": "failed"} ],
//	  "properties": { "conversation_service_sid": "ISaf0a2c3fd6cb4d9fa3b9d9c9e1a2b3c4",
//	                  "conversation_sid": "{{flow.data.conversation}}" } }
//
// Properties: conversation_service_sid and conversation_sid (a state
// without one gets a warning), and the others Twilio's page lists, not
// read: the step fails before using them. Events: resumed, failed.
func ResumeConversation() widgets.Type {
	return widgets.Type{
		Vendor: flow.VendorTwilio,
		Name:   "resume-conversation",
		Compile: func(p *widgets.Props) widgets.Node {
			warnMissing(p, "conversation_service_sid", "Twilio looks the Conversation up in that Conversations service")
			warnMissing(p, "conversation_sid", "it names the Conversation to resume")
			return twilioOnly("resume-conversation", "conversations", "Twilio Conversations", resumeConversationEvents)
		},
	}
}

var resumeConversationEvents = []string{"resumed", "failed"}

// RunConversationRelay connects the live call to the host's WebSocket
// server through Twilio's ConversationRelay (Twilio, ConversationRelay
// widget, https://www.twilio.com/docs/studio/widget-library/run-conversationrelay).
// It needs ConversationRelay: the flow loads and checks, and a step of it
// fails with a service error (see the package's Twilio-only widgets).
//
//	{ "name": "ai_agent", "type": "run-conversation-relay",
//	  "transitions": [ {"event": "success", "next": "goodbye"}, {"event": "failed", "next": "send_to_agent"} ],
//	  "properties": { "url": "wss://relay.example.com/session",
//	                  "welcome_greeting": "Hi! How can I help?", "language": "en-US" } }
//
// Properties: url (required, a wss:// or ws:// URL), welcome_greeting,
// voice, language, parameters [{key, value}] and the others Twilio's page
// lists, not read: the step fails before using them. Events: success
// (the session ended), failed.
func RunConversationRelay() widgets.Type {
	return widgets.Type{
		Vendor:    flow.VendorTwilio,
		Name:      "run-conversation-relay",
		NeedsCall: true,
		Compile: func(p *widgets.Props) widgets.Node {
			u := p.RequiredText("url")
			checkURL(p, "url", u, "wss", "ws")
			p.KeyValues("parameters")
			return twilioOnly("run-conversation-relay", "conversation-relay", "Twilio's ConversationRelay", conversationRelayEvents)
		},
	}
}

var conversationRelayEvents = []string{"success", "failed"}
