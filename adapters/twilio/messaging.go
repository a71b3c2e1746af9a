package twilio

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"

	openapi "github.com/twilio/twilio-go/rest/api/v2010"
	conversations "github.com/twilio/twilio-go/rest/conversations/v1"

	"github.com/studioflow/studioflow/runtime"
	"github.com/studioflow/studioflow/widgets"
)

// Messaging is the adapter's widgets.Messaging: it creates each message
// through Twilio's REST API (POST /2010-04-01/Accounts/{sid}/Messages.json,
// with twilio-go's v2010 API service) and passes the step's effect key as
// the request's I-Twilio-Idempotency-Token, so a step that runs again
// after a crash does not send twice. Build it with New (it is
// Adapter.Messaging).
type Messaging struct {
	rest   *restClient
	author string // Config.ConversationsAuthor
}

var _ widgets.Messaging = (*Messaging)(nil)

// maxIdempotencyToken is the longest token passed as is; longer effect
// keys are hashed. (Twilio does not document a limit; effect keys hold
// state names, which may be long.)
const maxIdempotencyToken = 64

// IdempotencyToken is the I-Twilio-Idempotency-Token the adapter sends
// for effect key: the key itself, or its SHA-256 in hex when it is longer
// than 64 bytes.
func IdempotencyToken(key string) string {
	if len(key) <= maxIdempotencyToken {
		return key
	}
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

// Send implements widgets.Messaging. m.Channel is not sent: Twilio takes
// the channel from the addresses ("whatsapp:+1..."). A message with a
// ConversationSid is posted into that conversation through the
// Conversations API (POST /v1/Conversations/{sid}/Messages), as
// Config.ConversationsAuthor, without firing the conversation's webhooks.
func (s *Messaging) Send(ctx context.Context, m widgets.Message) (widgets.Sent, error) {
	token := ""
	if eff, ok := widgets.EffectOf(ctx); ok {
		token = IdempotencyToken(eff.Key)
	}
	rctx, cancel := detach(ctx)
	defer cancel()
	if m.ConversationSid != "" {
		return s.post(rctx, token, m)
	}
	api := s.rest.api(rctx, token)
	p := &openapi.CreateMessageParams{}
	p.SetTo(m.To).SetBody(m.Body)
	if m.From != "" {
		p.SetFrom(m.From)
	}
	if len(m.MediaURL) > 0 {
		p.SetMediaUrl(m.MediaURL)
	}
	msg, err := api.CreateMessage(p)
	if err != nil {
		return widgets.Sent{}, err
	}
	var sent widgets.Sent
	if msg.Sid != nil {
		sent.Sid = *msg.Sid
	}
	if msg.Status != nil {
		sent.Status = *msg.Status
	}
	return sent, nil
}

// post posts m into its conversation.
func (s *Messaging) post(ctx context.Context, token string, m widgets.Message) (widgets.Sent, error) {
	if len(m.MediaURL) > 0 {
		return widgets.Sent{}, errors.New("adapters/twilio: media in a conversation's message is not supported (the Conversations API takes media uploaded to its Media Content Service, not URLs)")
	}
	p := &conversations.CreateConversationMessageParams{}
	p.SetAuthor(s.author).SetBody(m.Body)
	msg, err := s.rest.conversationsAPI(ctx, token).CreateConversationMessage(m.ConversationSid, p)
	if err != nil {
		return widgets.Sent{}, err
	}
	sent := widgets.Sent{Status: "sent"}
	if msg.Sid != nil {
		sent.Sid = *msg.Sid
	}
	return sent, nil
}

// conversationsEvent handles a Conversations webhook: onMessageAdded
// starts an execution for the conversation, or, by the engine's session
// rules (one execution per conversation), delivers the message to its
// active one. Other events, and the messages the flow itself posted
// (Config.ConversationsAuthor), are acknowledged and run nothing.
func (a *Adapter) conversationsEvent(e runtime.Runner, r *http.Request) response {
	if r.PostForm.Get("EventType") != "onMessageAdded" {
		return textResponse(http.StatusOK, "ok: not a message")
	}
	sid, author := r.PostForm.Get("ConversationSid"), r.PostForm.Get("Author")
	if sid == "" || author == "" {
		return textResponse(http.StatusBadRequest, "ConversationSid and Author are required")
	}
	if author == a.messaging.author {
		return textResponse(http.StatusOK, "ok: the flow's own message")
	}
	if err := a.deliverMessage(e, r, runtime.StartRequest{
		FlowSid: a.flowSid(r), Trigger: runtime.TriggerConversation,
		Contact: author, ConversationSid: sid,
		Payload: formData(r), Account: r.PostForm.Get("AccountSid"),
	}); err != nil {
		return a.engineError("conversation message", err)
	}
	return textResponse(http.StatusOK, "ok")
}

// deliverMessage starts req's execution, or delivers the message to the
// session's active one. A session whose execution is not waiting for a
// message (it is on a call, or between steps) drops it, as Twilio Studio
// does, and the webhook is answered 200 so that Twilio does not retry.
func (a *Adapter) deliverMessage(e runtime.Runner, r *http.Request, req runtime.StartRequest) error {
	_, err := e.Start(r.Context(), req)
	var ce *runtime.ConflictError
	if errors.As(err, &ce) {
		a.logger.Info("adapters/twilio: message dropped: the session's execution is not waiting for one",
			"execution", ce.ActiveID, "message", r.PostForm.Get("MessageSid"))
		return nil
	}
	return err
}

// messagingIncoming starts an execution for an incoming message, or, by
// the engine's session rules, resumes the contact's active execution with
// incomingMessage. It answers an empty TwiML <Response/>: replies go
// through the REST API.
func (a *Adapter) messagingIncoming(e runtime.Runner, r *http.Request) response {
	from, to := r.PostForm.Get("From"), r.PostForm.Get("To")
	if from == "" || to == "" {
		return textResponse(http.StatusBadRequest, "From and To are required")
	}
	contact, address := runtime.TwilioAddresses(runtime.TriggerMessage, from, to)
	if err := a.deliverMessage(e, r, runtime.StartRequest{
		FlowSid: a.flowSid(r), Trigger: runtime.TriggerMessage,
		Contact: contact, FlowAddress: address,
		Payload: formData(r), Account: r.PostForm.Get("AccountSid"),
	}); err != nil {
		return a.engineError("incoming message", err)
	}
	return twimlResponse(nil)
}

// detach returns a context of the adapter's own that ends when ctx ends
// or reaches its deadline, for the REST request. The engine builds a
// step's service context in place and reuses it for the step's next call,
// while net/http keeps touching a request's context after Do returns (its
// transport unregisters the request's cancellation from a goroutine of
// its own): handed the step's context directly, that is a data race.
// The returned cancel, synchronous, ends every tie to ctx: call it before
// the service call (Send, Call, RecordCall ...) returns.
func detach(ctx context.Context) (context.Context, context.CancelFunc) {
	c, cancelDeadline := context.Background(), context.CancelFunc(func() {})
	if d, ok := ctx.Deadline(); ok {
		c, cancelDeadline = context.WithDeadline(c, d)
	}
	c, cancel := context.WithCancel(c)
	if ctx.Err() != nil {
		cancel()
	}
	stop := context.AfterFunc(ctx, cancel) // cancel reads nothing of ctx
	return c, func() {
		stop()
		cancel()
		cancelDeadline()
	}
}
