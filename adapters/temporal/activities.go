package temporal

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/studioflow/studioflow/flow"
	"github.com/studioflow/studioflow/runtime"
	"github.com/studioflow/studioflow/widgets"
	"github.com/studioflow/studioflow/widgets/connect"
	"github.com/studioflow/studioflow/widgets/twilio"
)

// Activities are the host's side of an execution on Temporal: its
// services (telephony, messaging, HTTP, functions, actions, payments,
// streams, the contact center), where its definitions come from, and
// where its events go. The workflow makes every service call as one of
// these activities, with the engine's idempotency key (widgets.EffectOf)
// back on the call's context, so a service that honours it acts once
// however often Temporal retries the activity.
//
// Register it on the worker beside the workflow (Worker.Register does
// both).
type Activities struct {
	// Services are the host's side effects; a nil one fails the step that
	// needs it, as it does in the engine.
	Services *widgets.Services
	// Source finds the flows executions run, Modules the modules
	// run-module steps enter. Each definition is read once per revision
	// and pinned in the workflow: an execution runs the revision it
	// started on to its end.
	Source  runtime.Source
	Modules runtime.ModuleSource
	// Sink, if set, receives the execution's events (step.ended,
	// execution.ended ...), published from an activity once the workflow
	// has recorded the change.
	Sink runtime.Sink
}

// Activity names, as the workflow calls them.
const (
	activityVoice         = "studioflow.Voice"
	activityMessaging     = "studioflow.Messaging"
	activityHTTP          = "studioflow.HTTP"
	activityFunction      = "studioflow.Function"
	activityAction        = "studioflow.Action"
	activityPayment       = "studioflow.Payment"
	activityStream        = "studioflow.Stream"
	activityContactCenter = "studioflow.ContactCenter"
	activityResolve       = "studioflow.Resolve"
	activityPublish       = "studioflow.Publish"
)

// Error types of the ApplicationErrors the activities fail with, so that
// the workflow hands the engine the error it would have had in process.
const (
	errTypeUnsupported = "studioflow.Unsupported"
	errTypeConnect     = "studioflow.ConnectError"
	errTypeNotFound    = "studioflow.NotFound"
	errTypeService     = "studioflow.ServiceError"
	errTypeNoService   = "studioflow.NoService"
	errTypeTimeout     = "studioflow.Timeout"
)

// Call is one service call, as the workflow hands it to an activity.
type Call struct {
	// Effect is the call's idempotency key (widgets.Effect), put back
	// on the context the service gets.
	Effect widgets.Effect `json:"effect"`
	// Op names the method: say, gather, connect, record, enqueue,
	// redirect, hangup or call for voice.
	Op string `json:"op,omitempty"`
	// CallSid is the live call a voice, payment or stream call acts on.
	CallSid string `json:"call_sid,omitempty"`
	// Args is the method's argument, as JSON.
	Args json.RawMessage `json:"args,omitempty"`
	// Timeout is the step's own time limit for the call (an HTTP
	// request's timeout, a Connect action's limit), from the deadline of
	// the context the widget gave the service; 0 for none. The activity
	// applies it to the service's context.
	Timeout time.Duration `json:"timeout,omitempty"`
	// Secret carries what the argument's JSON leaves out (a SIP
	// password). It is recorded in the workflow's history like the rest:
	// a host that uses SIP credentials sets a payload codec that
	// encrypts.
	Secret string `json:"secret,omitempty"`
}

// Reply is what a service call returned.
type Reply struct {
	Value   json.RawMessage `json:"value,omitempty"`
	Handled bool            `json:"handled,omitempty"`
}

// callContext is the service's context: ctx with c's idempotency key and
// the step's time limit.
func callContext(ctx context.Context, c Call) (context.Context, context.CancelFunc) {
	if c.Effect.Key != "" {
		ctx = context.WithValue(ctx, widgets.EffectContextKey, c.Effect)
	}
	if c.Timeout > 0 {
		return context.WithTimeout(ctx, c.Timeout)
	}
	return ctx, func() {}
}

// Voice runs one call of widgets.Voice.
func (a *Activities) Voice(ctx context.Context, c Call) (Reply, error) {
	if a.Services.Voice == nil {
		return Reply{}, noService("Voice")
	}
	return playVoice(ctx, a.Services.Voice, c)
}

// playVoice makes voice call c with v: in the Voice activity, or, for a
// call the workflow handed back with an update's result (Worker.
// VoiceInReply), in the web process (Runner.Voice).
func playVoice(ctx context.Context, v widgets.Voice, c Call) (Reply, error) {
	ctx, cancel := callContext(ctx, c)
	defer cancel()
	var err error
	switch c.Op {
	case "say":
		err = call(c, func(p widgets.Prompt) error { return v.Say(ctx, c.CallSid, p) })
	case "gather":
		err = call(c, func(g widgets.Gather) error { return v.Gather(ctx, c.CallSid, g) })
	case "connect":
		err = call(c, func(d widgets.Dial) error { d.SipPassword = c.Secret; return v.Connect(ctx, c.CallSid, d) })
	case "record":
		err = call(c, func(r widgets.Recording) error { return v.Record(ctx, c.CallSid, r) })
	case "enqueue":
		err = call(c, func(q widgets.Enqueue) error { return v.Enqueue(ctx, c.CallSid, q) })
	case "redirect":
		err = call(c, func(r widgets.Redirect) error { return v.Redirect(ctx, c.CallSid, r) })
	case "hangup":
		err = v.Hangup(ctx, c.CallSid)
	case "capture":
		// A payment handed back with the calls (Worker.VoiceInReply): the
		// voice service that answers the webhook takes it.
		pay, ok := v.(widgets.Payments)
		if !ok {
			return Reply{}, badCall(c, errors.New("the voice service takes no payments"))
		}
		err = call(c, func(p widgets.PaymentRequest) error { return pay.Capture(ctx, c.CallSid, p) })
	case "record_call":
		cr, ok := v.(widgets.CallRecorder)
		if !ok {
			return Reply{}, badCall(c, errors.New("the voice service records no calls"))
		}
		var r widgets.Recording
		if err := json.Unmarshal(c.Args, &r); err != nil {
			return Reply{}, badCall(c, err)
		}
		info, err := cr.RecordCall(ctx, c.CallSid, r)
		if err != nil {
			return Reply{}, serviceError(err)
		}
		return reply(info)
	case "call":
		var o widgets.OutboundCall
		if err := json.Unmarshal(c.Args, &o); err != nil {
			return Reply{}, badCall(c, err)
		}
		o.SipAuthPassword = c.Secret
		sid, err := v.Call(ctx, o)
		if err != nil {
			return Reply{}, serviceError(err)
		}
		return reply(sid)
	default:
		return Reply{}, badCall(c, errors.New("no such voice operation"))
	}
	return Reply{}, serviceError(err)
}

// call decodes c's argument as A and runs f with it.
func call[A any](c Call, f func(A) error) error {
	var arg A
	if err := json.Unmarshal(c.Args, &arg); err != nil {
		return badCall(c, err)
	}
	return f(arg)
}

// Messaging runs widgets.Messaging.Send.
func (a *Activities) Messaging(ctx context.Context, c Call) (Reply, error) {
	if a.Services.Messaging == nil {
		return Reply{}, noService("Messaging")
	}
	var m widgets.Message
	if err := json.Unmarshal(c.Args, &m); err != nil {
		return Reply{}, badCall(c, err)
	}
	ctx, cancel := callContext(ctx, c)
	defer cancel()
	sent, err := a.Services.Messaging.Send(ctx, m)
	if err != nil {
		return Reply{}, serviceError(err)
	}
	return reply(sent)
}

// HTTPRequest is an HTTP request a widget makes, as an activity's
// argument.
type HTTPRequest struct {
	Method string      `json:"method"`
	URL    string      `json:"url"`
	Header http.Header `json:"header,omitempty"`
	Body   []byte      `json:"body,omitempty"`
}

// HTTPResponse is its answer. The body is read whole, at most
// maxHTTPBody bytes (a widget reads no more).
type HTTPResponse struct {
	Status     string      `json:"status"`
	StatusCode int         `json:"status_code"`
	Header     http.Header `json:"header,omitempty"`
	Body       []byte      `json:"body,omitempty"`
}

// maxHTTPBody bounds what an HTTP answer brings into the history: one
// byte more than a widget reads (twilio.MaxResponseBytes), so that it
// still sees an answer that is too long.
const maxHTTPBody = twilio.MaxResponseBytes + 1

// HTTP sends one request with widgets.Services.HTTP.
func (a *Activities) HTTP(ctx context.Context, c Call) (Reply, error) {
	if a.Services.HTTP == nil {
		return Reply{}, noService("HTTP")
	}
	var r HTTPRequest
	if err := json.Unmarshal(c.Args, &r); err != nil {
		return Reply{}, badCall(c, err)
	}
	ctx, cancel := callContext(ctx, c)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, r.Method, r.URL, bytes.NewReader(r.Body))
	if err != nil {
		return Reply{}, serviceError(err)
	}
	if r.Header != nil {
		req.Header = r.Header
	}
	resp, err := a.Services.HTTP.Do(req)
	if err != nil {
		return Reply{}, serviceError(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxHTTPBody))
	if err != nil {
		return Reply{}, serviceError(err)
	}
	return reply(HTTPResponse{Status: resp.Status, StatusCode: resp.StatusCode, Header: resp.Header, Body: body})
}

// Function runs widgets.Functions.Invoke.
func (a *Activities) Function(ctx context.Context, c Call) (Reply, error) {
	if a.Services.Functions == nil {
		return Reply{Handled: false}, nil
	}
	var fc widgets.FunctionCall
	if err := json.Unmarshal(c.Args, &fc); err != nil {
		return Reply{}, badCall(c, err)
	}
	ctx, cancel := callContext(ctx, c)
	defer cancel()
	res, handled, err := a.Services.Functions.Invoke(ctx, fc)
	if err != nil {
		return Reply{}, serviceError(err)
	}
	r, err := reply(res)
	r.Handled = handled
	return r, err
}

// Action runs widgets.Actions.Execute.
func (a *Activities) Action(ctx context.Context, c Call) (Reply, error) {
	if a.Services.Actions == nil {
		return Reply{}, noService("Actions")
	}
	var args struct {
		Action string            `json:"action"`
		Params map[string]string `json:"params"`
	}
	if err := json.Unmarshal(c.Args, &args); err != nil {
		return Reply{}, badCall(c, err)
	}
	ctx, cancel := callContext(ctx, c)
	defer cancel()
	out, err := a.Services.Actions.Execute(ctx, args.Action, args.Params)
	if err != nil {
		return Reply{}, serviceError(err)
	}
	return reply(out)
}

// Payment runs widgets.Payments.Capture.
func (a *Activities) Payment(ctx context.Context, c Call) (Reply, error) {
	if a.Services.Payments == nil {
		return Reply{}, noService("Payments")
	}
	ctx, cancel := callContext(ctx, c)
	defer cancel()
	return Reply{}, serviceError(call(c, func(p widgets.PaymentRequest) error { return a.Services.Payments.Capture(ctx, c.CallSid, p) }))
}

// Stream runs widgets.Streams.Stream.
func (a *Activities) Stream(ctx context.Context, c Call) (Reply, error) {
	if a.Services.Streams == nil {
		return Reply{}, noService("Streams")
	}
	ctx, cancel := callContext(ctx, c)
	defer cancel()
	return Reply{}, serviceError(call(c, func(s widgets.Stream) error { return a.Services.Streams.Stream(ctx, c.CallSid, s) }))
}

// ContactCenter runs widgets.ContactCenter.Request.
func (a *Activities) ContactCenter(ctx context.Context, c Call) (Reply, error) {
	if a.Services.ContactCenter == nil {
		return Reply{}, noService("ContactCenter")
	}
	var r widgets.ContactCenterRequest
	if err := json.Unmarshal(c.Args, &r); err != nil {
		return Reply{}, badCall(c, err)
	}
	ctx, cancel := callContext(ctx, c)
	defer cancel()
	out, err := a.Services.ContactCenter.Request(ctx, r)
	if err != nil {
		return Reply{}, serviceError(err)
	}
	return reply(out)
}

// ResolveRequest asks for a flow (Module empty) or a module, at a
// revision selector.
type ResolveRequest struct {
	Sid      string `json:"sid,omitempty"`
	Module   string `json:"module,omitempty"`
	Revision string `json:"revision,omitempty"`
}

// Pinned is a definition resolved once and kept in the workflow.
type Pinned struct {
	Sid        string          `json:"sid"`
	Revision   int             `json:"revision"`
	Definition json.RawMessage `json:"definition"`
}

// Resolve reads a flow or a module from Source or Modules.
func (a *Activities) Resolve(ctx context.Context, r ResolveRequest) (Pinned, error) {
	var res *runtime.Resolved
	var err error
	switch {
	case r.Module != "" && a.Modules == nil:
		return Pinned{}, temporal.NewNonRetryableApplicationError("no module source", errTypeNotFound, runtime.ErrNotFound)
	case r.Module != "":
		res, err = a.Modules.Module(ctx, r.Module, r.Revision)
	case a.Source == nil:
		return Pinned{}, temporal.NewNonRetryableApplicationError("no flow source", errTypeNotFound, runtime.ErrNotFound)
	default:
		res, err = a.Source.Flow(ctx, r.Sid, r.Revision)
	}
	if errors.Is(err, runtime.ErrNotFound) {
		return Pinned{}, temporal.NewNonRetryableApplicationError(err.Error(), errTypeNotFound, err)
	}
	if err != nil {
		return Pinned{}, err
	}
	data, err := flow.Marshal(res.Definition)
	if err != nil {
		return Pinned{}, temporal.NewNonRetryableApplicationError(err.Error(), errTypeService, err)
	}
	return Pinned{Sid: res.Sid, Revision: res.Revision, Definition: data}, nil
}

// Publish hands events to the Sink.
func (a *Activities) Publish(ctx context.Context, events []runtime.Event) error {
	if a.Sink == nil {
		return nil
	}
	var errs []error
	for _, ev := range events {
		errs = append(errs, a.Sink.Publish(ctx, ev))
	}
	return errors.Join(errs...)
}

func reply(v any) (Reply, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return Reply{}, temporal.NewNonRetryableApplicationError(err.Error(), errTypeService, err)
	}
	return Reply{Value: data}, nil
}

// serviceError turns what a service returned into an error the workflow
// turns back: widgets.ErrUnsupported and *connect.Error keep what they
// are. A service's error is not retried: the widget takes its failure
// branch, as it does in process (a service that wants retries does them
// itself, under the call's idempotency key).
func serviceError(err error) error {
	if err == nil {
		return nil
	}
	var ce *connect.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return temporal.NewNonRetryableApplicationError(err.Error(), errTypeTimeout, nil)
	case errors.Is(err, widgets.ErrUnsupported):
		return temporal.NewNonRetryableApplicationError(err.Error(), errTypeUnsupported, nil)
	case errors.As(err, &ce):
		return temporal.NewNonRetryableApplicationError(err.Error(), errTypeConnect, nil, ce.Type, ce.Message)
	}
	return temporal.NewNonRetryableApplicationError(err.Error(), errTypeService, nil)
}

func noService(name string) error {
	return temporal.NewNonRetryableApplicationError(fmt.Sprintf("the host registered no %s service", name), errTypeNoService, nil)
}

func badCall(c Call, err error) error {
	return temporal.NewNonRetryableApplicationError(fmt.Sprintf("studioflow: a %q call the activity cannot read: %v", c.Op, err), errTypeService, nil)
}
