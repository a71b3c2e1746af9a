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
	"go.temporal.io/sdk/workflow"

	"github.com/studioflow/studioflow/flow"
	"github.com/studioflow/studioflow/runtime"
	"github.com/studioflow/studioflow/widgets"
	"github.com/studioflow/studioflow/widgets/connect"
)

// calls makes the workflow's activity calls. The engine runs inside the
// workflow's coroutine, so a service method it calls blocks on the
// activity's future as workflow code does; wctx is the workflow context of
// the code running the engine (the main loop, or an update's handler).
type calls struct {
	wctx workflow.Context
	opts workflow.ActivityOptions
	// deferVoice, while an update's run is on the engine (Worker.
	// VoiceInReply), keeps the voice calls that answer with nothing in
	// voice instead of making them: they go back with the update's
	// result, for the webhook that waits for them.
	deferVoice bool
	voice      []Call
}

// deferred keeps c in voice, with its idempotency key, when an update's
// run hands its voice calls back (deferVoice), and reports whether it
// did. A call without a call sid is not kept: the service refuses it (an
// enqueue from a message), so the activity makes it, and the widget sees
// the refusal as in process.
func (k *calls) deferred(ctx context.Context, c Call) bool {
	if !k.deferVoice || c.CallSid == "" {
		return false
	}
	if e, ok := widgets.EffectOf(ctx); ok {
		c.Effect = e
	}
	k.voice = append(k.voice, c)
	return true
}

// do runs activity name with c and decodes its value into out (when not
// nil), turning the activity's error back into what the service returned.
func (k *calls) do(ctx context.Context, name string, c Call, out any) (Reply, error) {
	if e, ok := widgets.EffectOf(ctx); ok {
		c.Effect = e
	}
	opts := k.opts
	if deadline, ok := ctx.Deadline(); ok {
		// The step's limit, in whole seconds: the widget made the
		// context just before the call. (Temporal does not compare an
		// activity's input on replay, so the reading does not have to
		// repeat.)
		c.Timeout = max(time.Until(deadline).Round(time.Second), time.Second)
		opts.StartToCloseTimeout = c.Timeout + 5*time.Second
		opts.ScheduleToCloseTimeout = 3*opts.StartToCloseTimeout + 10*time.Second
	}
	actx := workflow.WithActivityOptions(k.wctx, opts)
	var r Reply
	if err := workflow.ExecuteActivity(actx, name, c).Get(actx, &r); err != nil {
		return r, fromActivity(err)
	}
	if out != nil && len(r.Value) > 0 {
		if err := json.Unmarshal(r.Value, out); err != nil {
			return r, fmt.Errorf("studioflow: %s answered what the workflow cannot read: %w", name, err)
		}
	}
	return r, nil
}

// fromActivity turns an activity's failure back into the service's error.
func fromActivity(err error) error {
	var te *temporal.TimeoutError
	if errors.As(err, &te) {
		return fmt.Errorf("%v: %w", err, context.DeadlineExceeded)
	}
	var ae *temporal.ApplicationError
	if !errors.As(err, &ae) {
		return err
	}
	switch ae.Type() {
	case errTypeTimeout:
		return serviceErr{ae.Message(), context.DeadlineExceeded}
	case errTypeUnsupported:
		return serviceErr{ae.Message(), widgets.ErrUnsupported}
	case errTypeConnect:
		var typ, msg string
		if ae.HasDetails() {
			_ = ae.Details(&typ, &msg)
		}
		return &connect.Error{Type: typ, Message: msg}
	}
	return errors.New(ae.Message())
}

// serviceErr is a service's error back from its activity: the message
// the service gave, and the sentinel it wrapped.
type serviceErr struct {
	msg  string
	kind error
}

func (e serviceErr) Error() string { return e.msg }
func (e serviceErr) Unwrap() error { return e.kind }

func args(v any) json.RawMessage {
	data, _ := json.Marshal(v)
	return data
}

type voiceProxy struct{ *calls }

func (p voiceProxy) op(ctx context.Context, op, callSid string, v any, secret string) error {
	c := Call{Op: op, CallSid: callSid, Args: args(v), Secret: secret}
	if p.deferred(ctx, c) {
		return nil
	}
	_, err := p.do(ctx, activityVoice, c, nil)
	return err
}

func (p voiceProxy) Say(ctx context.Context, callSid string, pr widgets.Prompt) error {
	return p.op(ctx, "say", callSid, pr, "")
}
func (p voiceProxy) Gather(ctx context.Context, callSid string, g widgets.Gather) error {
	return p.op(ctx, "gather", callSid, g, "")
}
func (p voiceProxy) Connect(ctx context.Context, callSid string, d widgets.Dial) error {
	return p.op(ctx, "connect", callSid, d, d.SipPassword)
}
func (p voiceProxy) Record(ctx context.Context, callSid string, r widgets.Recording) error {
	return p.op(ctx, "record", callSid, r, "")
}
func (p voiceProxy) Enqueue(ctx context.Context, callSid string, q widgets.Enqueue) error {
	return p.op(ctx, "enqueue", callSid, q, "")
}
func (p voiceProxy) Redirect(ctx context.Context, callSid string, r widgets.Redirect) error {
	return p.op(ctx, "redirect", callSid, r, "")
}
func (p voiceProxy) Hangup(ctx context.Context, callSid string) error {
	return p.op(ctx, "hangup", callSid, nil, "")
}
func (p voiceProxy) Call(ctx context.Context, c widgets.OutboundCall) (string, error) {
	var sid string
	_, err := p.do(ctx, activityVoice, Call{Op: "call", Args: args(c), Secret: c.SipAuthPassword}, &sid)
	return sid, err
}

// voiceRecorderProxy is voiceProxy for a host voice service that is also
// a widgets.CallRecorder.
type voiceRecorderProxy struct{ voiceProxy }

func (p voiceRecorderProxy) RecordCall(ctx context.Context, callSid string, r widgets.Recording) (widgets.RecordingInfo, error) {
	var info widgets.RecordingInfo
	_, err := p.do(ctx, activityVoice, Call{Op: "record_call", CallSid: callSid, Args: args(r)}, &info)
	return info, err
}

type messagingProxy struct{ *calls }

func (p messagingProxy) Send(ctx context.Context, m widgets.Message) (widgets.Sent, error) {
	var sent widgets.Sent
	_, err := p.do(ctx, activityMessaging, Call{Op: "send", Args: args(m)}, &sent)
	return sent, err
}

type httpProxy struct{ *calls }

func (p httpProxy) Do(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		var err error
		if body, err = io.ReadAll(req.Body); err != nil {
			return nil, err
		}
		req.Body.Close()
	}
	var resp HTTPResponse
	r := HTTPRequest{Method: req.Method, URL: req.URL.String(), Header: req.Header, Body: body}
	if _, err := p.do(req.Context(), activityHTTP, Call{Op: "do", Args: args(r)}, &resp); err != nil {
		return nil, err
	}
	return &http.Response{Status: resp.Status, StatusCode: resp.StatusCode, Header: resp.Header,
		Body: io.NopCloser(bytes.NewReader(resp.Body)), ContentLength: int64(len(resp.Body)), Request: req}, nil
}

type functionsProxy struct{ *calls }

func (p functionsProxy) Invoke(ctx context.Context, c widgets.FunctionCall) (widgets.FunctionResult, bool, error) {
	var res widgets.FunctionResult
	r, err := p.do(ctx, activityFunction, Call{Op: "invoke", Args: args(c)}, &res)
	return res, r.Handled, err
}

type actionsProxy struct{ *calls }

func (p actionsProxy) Execute(ctx context.Context, action string, params map[string]string) (map[string]any, error) {
	var out map[string]any
	_, err := p.do(ctx, activityAction, Call{Op: "execute", Args: args(map[string]any{"action": action, "params": params})}, &out)
	return out, err
}

type paymentsProxy struct{ *calls }

func (p paymentsProxy) Capture(ctx context.Context, callSid string, pr widgets.PaymentRequest) error {
	// A <Pay> is TwiML for the webhook, as a voice call is.
	c := Call{Op: "capture", CallSid: callSid, Args: args(pr)}
	if p.deferred(ctx, c) {
		return nil
	}
	_, err := p.do(ctx, activityPayment, c, nil)
	return err
}

type streamsProxy struct{ *calls }

func (p streamsProxy) Stream(ctx context.Context, callSid string, s widgets.Stream) error {
	_, err := p.do(ctx, activityStream, Call{Op: "stream", CallSid: callSid, Args: args(s)}, nil)
	return err
}

type contactCenterProxy struct{ *calls }

func (p contactCenterProxy) Request(ctx context.Context, r widgets.ContactCenterRequest) (map[string]any, error) {
	var out map[string]any
	_, err := p.do(ctx, activityContactCenter, Call{Op: "request", Args: args(r)}, &out)
	return out, err
}

// services returns the proxies for the services the host has: a service
// the host lacks stays nil, so the engine treats it as it does in
// process.
func (k *calls) services(host *widgets.Services) *widgets.Services {
	s := &widgets.Services{}
	if host == nil {
		return s
	}
	if host.Voice != nil {
		s.Voice = voiceProxy{k}
		if _, ok := host.Voice.(widgets.CallRecorder); ok {
			s.Voice = voiceRecorderProxy{voiceProxy{k}}
		}
	}
	if host.Messaging != nil {
		s.Messaging = messagingProxy{k}
	}
	if host.HTTP != nil {
		s.HTTP = httpProxy{k}
	}
	if host.Functions != nil {
		s.Functions = functionsProxy{k}
	}
	if host.Actions != nil {
		s.Actions = actionsProxy{k}
	}
	if host.Payments != nil {
		s.Payments = paymentsProxy{k}
	}
	if host.Streams != nil {
		s.Streams = streamsProxy{k}
	}
	if host.ContactCenter != nil {
		s.ContactCenter = contactCenterProxy{k}
	}
	return s
}

// pins is the workflow's source of definitions: each flow and module is
// resolved once (a local activity) and kept, so replays and later runs
// of the execution read the same revision. It is carried across
// continue-as-new.
type pins struct {
	k    *calls
	kept map[string]Pinned // by pinKey
	// parsed holds each kept definition parsed, by pinKey, so that the
	// engine's every run (it asks its source each time) parses none
	// again. The engine does not modify a definition it is given.
	parsed map[string]*runtime.Resolved
}

func pinKey(r ResolveRequest) string {
	if r.Module != "" {
		return "module:" + r.Module + "@" + r.Revision
	}
	return "flow:" + r.Sid + "@" + r.Revision
}

func (p *pins) resolve(r ResolveRequest) (*runtime.Resolved, error) {
	key := pinKey(r)
	if res, ok := p.parsed[key]; ok {
		return res, nil
	}
	pin, ok := p.kept[key]
	if !ok {
		lctx := workflow.WithLocalActivityOptions(p.k.wctx, workflow.LocalActivityOptions{StartToCloseTimeout: p.k.opts.StartToCloseTimeout,
			RetryPolicy: &temporal.RetryPolicy{MaximumAttempts: 3}})
		if err := workflow.ExecuteLocalActivity(lctx, activityResolve, r).Get(lctx, &pin); err != nil {
			var ae *temporal.ApplicationError
			if errors.As(err, &ae) && ae.Type() == errTypeNotFound {
				return nil, fmt.Errorf("%s: %w", ae.Message(), runtime.ErrNotFound)
			}
			return nil, err
		}
		p.kept[key] = pin
		// A revision resolved by its number is that revision whatever
		// selector asked for it.
		rev := r
		rev.Revision = fmt.Sprint(pin.Revision)
		p.kept[pinKey(rev)] = pin
	}
	d, err := flow.Parse(pin.Definition)
	if err != nil {
		return nil, err
	}
	res := &runtime.Resolved{Sid: pin.Sid, Revision: pin.Revision, Definition: d}
	if p.parsed == nil {
		p.parsed = map[string]*runtime.Resolved{}
	}
	p.parsed[key] = res
	return res, nil
}

// Flow implements runtime.Source.
func (p *pins) Flow(_ context.Context, sid, revision string) (*runtime.Resolved, error) {
	return p.resolve(ResolveRequest{Sid: sid, Revision: revision})
}

// Module implements runtime.ModuleSource.
func (p *pins) Module(_ context.Context, name, revision string) (*runtime.Resolved, error) {
	return p.resolve(ResolveRequest{Module: name, Revision: revision})
}
