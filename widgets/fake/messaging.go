package fake

import (
	"context"

	"github.com/studioflow/studioflow/widgets"
)

// Messaging records sent messages and gives each a sid SM00000001, ...
// Set Fail to make sends fail, or call FailNth to fail one.
type Messaging struct {
	// T is the transcript every sent message is recorded in. It must not be nil
	// (New sets it).
	T *Transcript
	// Fail, if set, is returned by every Send, and nothing is recorded.
	Fail error
	// Failures counts the sends and fails those FailNth chooses.
	Failures
	sids counter
}

var _ widgets.Messaging = (*Messaging)(nil)

// Send implements widgets.Messaging.
func (m *Messaging) Send(ctx context.Context, msg widgets.Message) (widgets.Sent, error) {
	if err := m.check(m.Fail); err != nil {
		return widgets.Sent{}, err
	}
	sid := m.sids.next("SM")
	e := Entry{Service: "messaging", Op: "send", To: msg.To, From: msg.From, Text: msg.Body, Effect: effectOf(ctx)}
	if len(msg.MediaURL) > 0 || msg.ConversationSid != "" {
		e.Detail = map[string]any{}
		if len(msg.MediaURL) > 0 {
			e.Detail["media_url"] = msg.MediaURL
		}
		if msg.ConversationSid != "" {
			e.Detail["conversation_sid"] = msg.ConversationSid
		}
	}
	m.T.Add(e)
	return widgets.Sent{Sid: sid, Status: "sent"}, nil
}
