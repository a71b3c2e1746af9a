package twilio

import (
	"slices"
	"strings"

	"github.com/studioflow/studioflow/flow"
	"github.com/studioflow/studioflow/widgets"
)

var errNoMessaging = widgets.NotConfigured("messaging", "no messaging service is configured")

// messageProps are the properties shared by send-message and
// send-and-wait-for-reply.
type messageProps struct {
	from, to, body, media, channel widgets.Text
}

func compileMessage(p *widgets.Props) messageProps {
	return messageProps{
		from:    p.Text("from"),
		to:      p.Text("to"),
		body:    p.RequiredText("body"),
		media:   p.Text("media_url"),
		channel: p.Text("channel"),
	}
}

func (mp *messageProps) render(sc widgets.StepContext) (widgets.Message, error) {
	var m widgets.Message
	var err error
	if m.From, err = mp.from.Render(sc); err != nil {
		return m, err
	}
	if m.To, err = mp.to.Render(sc); err != nil {
		return m, err
	}
	if m.Body, err = mp.body.Render(sc); err != nil {
		return m, err
	}
	media, err := mp.media.Render(sc)
	if err != nil {
		return m, err
	}
	for _, u := range strings.Split(media, ",") {
		if u = strings.TrimSpace(u); u != "" {
			m.MediaURL = append(m.MediaURL, u)
		}
	}
	if m.Channel, err = mp.channel.Render(sc); err != nil {
		return m, err
	}
	if m.From == "" {
		m.From = sc.FlowAddress()
	}
	if m.To == "" {
		m.To = sc.ContactAddress()
	}
	// In an execution a conversation's message started, a reply to the
	// contact (no recipient, or {{contact.channel.address}} as Studio's
	// exports write it) that names no channel goes into that
	// conversation, as Studio's does.
	if m.Channel == "" && m.To == sc.ContactAddress() {
		if sid, ok := sc.Lookup("trigger.conversation.ConversationSid"); ok {
			m.ConversationSid, _ = sid.(string)
		}
	}
	return m, nil
}

func messageOutputs(m widgets.Message, s widgets.Sent) map[string]any {
	return map[string]any{"Sid": s.Sid, "To": m.To, "From": m.From, "Body": m.Body, "Status": s.Status}
}

// SendMessage sends one message and goes on.
//
//	{ "name": "confirm_sms", "type": "send-message",
//	  "transitions": [ {"event": "sent", "next": "goodbye"}, {"event": "failed", "next": "log_failure"} ],
//	  "properties": { "from": "{{flow.channel.address}}", "to": "{{contact.channel.address}}",
//	                  "body": "Your appointment on {{flow.data.date}} is confirmed." } }
//
// Properties: body (required), from (default the flow's address), to
// (default the contact's address), media_url, channel. Events: sent,
// failed.
//
// Outputs: outbound.Sid, outbound.To, outbound.From, outbound.Body and
// outbound.Status, Twilio's names (Twilio, Send Message widget,
// https://www.twilio.com/docs/studio/widget-library/send-message: the sent
// message is read as widgets.NAME.outbound.*), and the same values under
// message.* (the names this library used first; both stay). On failed the
// same outputs describe the message that could not be sent, with an error
// output.
func SendMessage() widgets.Type {
	return widgets.Type{
		Vendor: flow.VendorTwilio,
		Name:   "send-message",
		Compile: func(p *widgets.Props) widgets.Node {
			return &sendMessageNode{msg: compileMessage(p)}
		},
	}
}

type sendMessageNode struct{ msg messageProps }

var sendMessageEvents = []string{"sent", "failed"}

func (n *sendMessageNode) Events() []string { return slices.Clone(sendMessageEvents) }

func (n *sendMessageNode) Run(sc widgets.StepContext) (widgets.Result, error) {
	ms := sc.Services().Messaging
	if ms == nil {
		return widgets.Result{}, errNoMessaging
	}
	m, err := n.msg.render(sc)
	if err != nil {
		return widgets.Result{}, err
	}
	s, err := ms.Send(sc.Context(), m)
	// outbound.* and message.* are two maps: the engine owns each value it
	// stores, so the two names must not share one.
	out := map[string]any{"outbound": messageOutputs(m, s), "message": messageOutputs(m, s)}
	if err != nil {
		out["error"] = err.Error()
		return widgets.Take("failed", out), nil
	}
	return widgets.Take("sent", out), nil
}

// SendAndWaitForReply sends a message and waits for the contact's reply.
//
//	{ "name": "ask_rating", "type": "send-and-wait-for-reply",
//	  "transitions": [ {"event": "incomingMessage", "next": "split_rating"},
//	                   {"event": "timeout", "next": "goodbye"}, {"event": "deliveryFailure"} ],
//	  "properties": { "from": "{{flow.channel.address}}", "timeout": "3600",
//	                  "body": "How did we do? Reply with a number from 1 to 5." } }
//
// Properties as send-message, plus timeout in seconds (default 3600, at most
// 30 days). Events: incomingMessage (outputs inbound.Body, inbound.From,
// inbound.To, inbound.MessageSid and whatever else the host reports),
// timeout, deliveryFailure. Outputs outbound.* describe the sent message.
func SendAndWaitForReply() widgets.Type {
	return widgets.Type{
		Vendor:         flow.VendorTwilio,
		Name:           "send-and-wait-for-reply",
		NeedsMessaging: true,
		Compile: func(p *widgets.Props) widgets.Node {
			return &sendAndWaitNode{msg: compileMessage(p), timeout: p.Number("timeout", 3600, 1, 30*24*3600)}
		},
	}
}

type sendAndWaitNode struct {
	msg     messageProps
	timeout widgets.Number
}

var sendAndWaitEvents = []string{"incomingMessage", "timeout", "deliveryFailure"}

func (n *sendAndWaitNode) Events() []string { return slices.Clone(sendAndWaitEvents) }

func (n *sendAndWaitNode) Run(sc widgets.StepContext) (widgets.Result, error) {
	ms := sc.Services().Messaging
	if ms == nil {
		return widgets.Result{}, errNoMessaging
	}
	timeout, err := n.timeout.Get(sc)
	if err != nil {
		return widgets.Result{}, err
	}
	m, err := n.msg.render(sc)
	if err != nil {
		return widgets.Result{}, err
	}
	s, err := ms.Send(sc.Context(), m)
	if err != nil {
		return widgets.Result{Event: "deliveryFailure", Outputs: map[string]any{"error": err.Error(), "outbound": messageOutputs(m, s)}}, nil
	}
	return widgets.Result{
		Outputs: map[string]any{"outbound": messageOutputs(m, s)},
		Wait: &widgets.Wait{
			Events:  sendAndWaitEvents,
			Timeout: widgets.Seconds(timeout),
			Prompt:  map[string]any{"input": "reply"},
		},
	}, nil
}

func (n *sendAndWaitNode) Resume(sc widgets.StepContext, ev widgets.Event) (widgets.Result, error) {
	if ev.Name == "incomingMessage" {
		return widgets.Result{Event: ev.Name, Outputs: map[string]any{"inbound": widgets.CopyData(ev.Data)}}, nil
	}
	return widgets.Result{Event: ev.Name}, nil
}
