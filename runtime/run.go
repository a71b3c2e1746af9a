package runtime

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/studioflow/studioflow/flow"
	"github.com/studioflow/studioflow/widgets"
)

// StartRequest starts an execution.
type StartRequest struct {
	// FlowSid names the flow; Revision selects its version:
	// "LatestPublished" (or empty), "LatestDraft", or a number.
	FlowSid string
	// Revision selects the version; see FlowSid.
	Revision string
	// Trigger is what starts the execution.
	Trigger TriggerKind
	// Contact is the contact's address: the caller, the sender of the
	// message or the conversation's author, or, for a REST start, the
	// number the flow reaches (Twilio's Executions API calls it To). It is
	// contact.channel.address.
	Contact string
	// FlowAddress is the flow's own address: the number called or texted,
	// or, for a REST start, the number the flow uses (Twilio's From). It
	// is flow.channel.address. TwilioAddresses maps Twilio's From and To.
	FlowAddress string
	// CallSid identifies the call of a call trigger.
	CallSid string
	// ConversationSid identifies the conversation of a conversation
	// trigger.
	ConversationSid string
	// Parameters become flow.data (REST) or trigger.parent.parameters
	// (parent).
	Parameters map[string]any
	// Payload adds fields to trigger.call / trigger.message /
	// trigger.conversation / trigger.request (Body, MessageSid ...).
	Payload map[string]any
	// Account names the account for admission limits.
	Account string
}

// Start starts an execution and runs it until it waits or ends.
//
// One active execution per session: a REST (or, without concurrent calls,
// a call) start for a contact pair that already has one returns a
// *ConflictError carrying the active execution's id; an inbound message or
// conversation message for a session with an active execution resumes it
// with incomingMessage instead of starting a new one; if that execution is
// not waiting for a message (it is on a call, or between steps), the
// message is refused with a *ConflictError naming it, and nothing changes.
// Starts for one session run one at a time (Store.Lock), so two first
// messages make one execution, which the second answers.
func (e *Engine) Start(ctx context.Context, req StartRequest) (_ *Execution, err error) {
	defer e.contain("start", &err)
	if err := e.Err(); err != nil {
		return nil, err
	}
	if err := fromStep(ctx, "start"); err != nil {
		return nil, err
	}
	if err := e.normalize(&req, "start"); err != nil {
		return nil, err
	}
	if e.admission != nil {
		if err := e.admission.Allow(req.Account, req.Trigger, e.clock()); err != nil {
			return nil, err
		}
	}
	return e.start(ctx, req, true, false)
}

// FindActive returns the id of the active execution that holds the
// session req names: the one a Start with req would deliver to instead of
// starting another (the flow's contact and number, or its call or
// conversation where the flow's flags say so). It is how a host finds the
// execution for a callback that does not name it, such as a call's status
// callback, through the store rather than an index of its own. It returns
// an error wrapping ErrNotFound when there is none, or when req names no
// session (a subflow's start), and one wrapping ErrRefused, not
// ErrNotFound, when req's flow is unknown: a FlowSid no definition has,
// or, for a start without one, a number no flow is published at.
func (e *Engine) FindActive(ctx context.Context, req StartRequest) (_ string, err error) {
	defer e.contain("find active", &err)
	if err := e.Err(); err != nil {
		return "", err
	}
	if err := e.normalize(&req, "find active"); err != nil {
		return "", err
	}
	r, err := e.resolveStart(ctx, &req)
	if errors.Is(err, ErrNotFound) {
		// No such flow is the caller's mistake, not "no execution": it
		// must not read as a session without an active execution.
		return "", fmt.Errorf("runtime: find active: %v: %w", err, ErrRefused)
	}
	if err != nil {
		return "", err
	}
	p, err := e.program(r)
	if err != nil {
		return "", err
	}
	key := jsonText(sessionKey(req, p.def))
	if key == "" {
		return "", fmt.Errorf("runtime: find active: a %s start names no session: %w", req.Trigger, ErrNotFound)
	}
	id, err := e.store.FindActive(ctx, key)
	if err != nil {
		// The key holds the contact's address: it stays out of the error.
		return "", fmt.Errorf("runtime: find active in flow %s: %w", req.FlowSid, err)
	}
	return id, nil
}

// normalize checks a start request and converts what it carries into the
// execution's own: the addresses and sids become text as JSON keeps it (so
// that what a later start looks up is what the store holds), parameters
// and payload bounded copies. op names the call in errors.
func (e *Engine) normalize(req *StartRequest, op string) (err error) {
	if req.Trigger.Event() == "" {
		return fmt.Errorf("runtime: %s: unknown trigger kind %q: %w", op, req.Trigger, ErrRefused)
	}
	req.Contact, req.FlowAddress = jsonText(req.Contact), jsonText(req.FlowAddress)
	req.CallSid, req.ConversationSid = jsonText(req.CallSid), jsonText(req.ConversationSid)
	if req.Parameters, err = e.boundMap(req.Parameters, "parameters"); err != nil {
		return fmt.Errorf("runtime: %s: %w: %w", op, err, ErrRefused)
	}
	if req.Payload, err = e.boundMap(req.Payload, "payload"); err != nil {
		return fmt.Errorf("runtime: %s: %w: %w", op, err, ErrRefused)
	}
	return nil
}

// start runs a checked and admitted start request. mayRetry allows one
// more start when the session's active execution turns out to be ended or
// corrupt; locked says the caller holds the session's lock already (that
// retry, from startOnActive).
func (e *Engine) start(ctx context.Context, req StartRequest, mayRetry, locked bool) (*Execution, error) {
	now := e.clock()
	r, err := e.resolveStart(ctx, &req)
	if err != nil {
		return nil, err
	}
	p, err := e.program(r)
	if err != nil {
		return nil, err
	}
	key := jsonText(sessionKey(req, p.def)) // the flow sid too
	if key != "" && !locked {
		// One runner per session: two first messages from one contact
		// make one execution, which the second one then answers.
		release, err := e.lock(ctx, "session "+key)
		if err != nil {
			return nil, err
		}
		defer release()
	}
	if key != "" {
		if id, err := e.store.FindActive(ctx, key); err == nil {
			return e.startOnActive(ctx, req, id, mayRetry)
		}
	}
	x := e.newExecution(req, p, key, now)
	// The new execution's own lock, held through its first run, so that
	// nothing else (End, the expiry pass) acts on it meanwhile; and a
	// short due time until that run is saved, so that an execution whose
	// first run never finished (the process died, the store failed twice)
	// is found and released by the expiry pass instead of holding its
	// contact for its lifetime.
	release, err := e.lock(ctx, "execution "+x.ID)
	if err != nil {
		return nil, err
	}
	defer release()
	x.DueAt = now.Add(FirstRunLease)
	if err := storeCall("create", func() error { return e.store.Create(ctx, x) }); err != nil {
		var ce *ConflictError
		if errors.As(err, &ce) && ce.ActiveID != "" {
			return e.startOnActive(ctx, req, ce.ActiveID, mayRetry)
		}
		return nil, err
	}
	r0 := e.firstRun(ctx, x, p, now)
	out, err := e.finish(r0)
	if err != nil {
		e.abandon(ctx, x.ID, err)
		return nil, err
	}
	return out, nil
}

// firstRun runs a new execution until it waits or ends.
func (e *Engine) firstRun(ctx context.Context, x *Execution, p *program, now time.Time) *run {
	r := e.newRun(ctx, x)
	r.progs = append(r.progs, p)
	r.events = append(r.events, Event{Type: EventExecutionStarted, ExecutionID: x.ID, FlowSid: x.FlowSid, Revision: x.Revision, Time: now})
	r.loop(widgets.Result{}, false)
	return r
}

// Begin starts an execution without a store, for a host that keeps
// executions itself (see Advance): it runs req's first run and returns
// the execution, waiting or ended, and the events to publish, which Begin
// does not. Sessions (one active execution per contact) and admission
// limits are the store's and Start's: Begin applies neither.
func (e *Engine) Begin(ctx context.Context, req StartRequest) (_ *Execution, _ []Event, err error) {
	defer e.contain("begin", &err)
	if err := e.Err(); err != nil {
		return nil, nil, err
	}
	if err := e.normalize(&req, "begin"); err != nil {
		return nil, nil, err
	}
	res, err := e.resolveStart(ctx, &req)
	if err != nil {
		return nil, nil, err
	}
	p, err := e.program(res)
	if err != nil {
		return nil, nil, err
	}
	now := e.clock()
	x := e.newExecution(req, p, jsonText(sessionKey(req, p.def)), now)
	r := e.firstRun(ctx, x, p, now)
	if r.canceled != nil {
		return nil, nil, r.canceled
	}
	e.settle(r)
	return r.x, r.events, nil
}

// abandon marks a just-created execution failed when its first run could
// not be saved, so that it does not hold its session for its whole
// lifetime. A failure here is logged: the original error is what the
// caller gets.
func (e *Engine) abandon(ctx context.Context, id string, cause error) {
	// The caller's context may be what ended the run: the release is
	// the engine's own business.
	ctx = context.WithoutCancel(ctx)
	x, err := e.load(ctx, id)
	if err == nil && x.Status == StatusActive {
		r := e.newRun(ctx, x)
		if errors.Is(cause, context.Canceled) || errors.Is(cause, context.DeadlineExceeded) {
			r.fail(FailureCanceled, "the caller's context ended during the execution's first run: "+cause.Error())
		} else {
			r.fail(FailureStore, "the execution's first run could not be saved: "+cause.Error())
		}
		_, err = e.finish(r)
	}
	if err != nil {
		e.logger.Error("studioflow: could not release an unsaved execution", "execution", id, "error", err)
	}
}

// resolveStart finds the definition a start runs: by flow sid and
// revision, or, when the request names no flow, by the address it came in
// on (test users get the draft).
func (e *Engine) resolveStart(ctx context.Context, req *StartRequest) (*Resolved, error) {
	if req.FlowSid == "" {
		ar, ok := e.source.(AddressResolver)
		if !ok {
			return nil, fmt.Errorf("runtime: start: no flow named and the source cannot resolve address %q: %w", req.FlowAddress, ErrRefused)
		}
		r, err := ar.FlowAt(ctx, req.FlowAddress, req.Contact)
		if err != nil {
			return nil, fmt.Errorf("runtime: start at address %s: %w", req.FlowAddress, err)
		}
		req.FlowSid = r.Sid
		return r, nil
	}
	r, err := e.source.Flow(ctx, req.FlowSid, req.Revision)
	if err != nil {
		return nil, fmt.Errorf("runtime: start flow %s: %w", req.FlowSid, err)
	}
	return r, nil
}

// startOnActive handles a start for a session that already has an active
// execution: messages resume it, everything else is a conflict. An active
// execution whose record is corrupt is ended unread, and the start goes
// ahead.
func (e *Engine) startOnActive(ctx context.Context, req StartRequest, activeID string, mayRetry bool) (*Execution, error) {
	if req.Trigger == TriggerMessage || req.Trigger == TriggerConversation {
		x, err := e.Resume(ctx, activeID, MessageEvent(req))
		if err == nil || !errors.Is(err, ErrRefused) && !errors.Is(err, ErrCorrupt) {
			return x, err
		}
		if errors.Is(err, ErrCorrupt) {
			if ferr := e.forceEnd(ctx, activeID, err); ferr != nil || !mayRetry {
				return nil, errors.Join(err, ferr)
			}
			return e.start(ctx, req, false, true)
		}
		// The active execution may have ended meanwhile (its lifetime or its
		// wait ran out): the message then starts a new one.
		if cur, lerr := e.load(ctx, activeID); lerr == nil && cur.Status != StatusActive && mayRetry {
			return e.start(ctx, req, false, true)
		}
		return nil, &ConflictError{ActiveID: activeID, Msg: "the session's active execution is not waiting for a message"}
	}
	if _, err := e.load(ctx, activeID); errors.Is(err, ErrCorrupt) {
		if ferr := e.forceEnd(ctx, activeID, err); ferr != nil || !mayRetry {
			return nil, errors.Join(err, ferr)
		}
		return e.start(ctx, req, false, true)
	}
	return nil, &ConflictError{ActiveID: activeID, Msg: fmt.Sprintf("a %s start for a session that already has an active execution", req.Trigger)}
}

// lock takes the store's lock named key (see Store.Lock). A store that
// panics or fails to lock is an error; nothing runs without the lock.
func (e *Engine) lock(ctx context.Context, key string) (release func(), err error) {
	err = storeCall("lock", func() error {
		var lerr error
		release, lerr = e.store.Lock(ctx, key)
		return lerr
	})
	if err != nil {
		return nil, fmt.Errorf("runtime: %s: %w", key, err)
	}
	if release == nil {
		release = func() {}
	}
	return release, nil
}

// load returns the stored execution id, validated: a store's faulty answer
// (nil, a record no engine could have saved) is an error wrapping
// ErrCorrupt, never a panic later.
func (e *Engine) load(ctx context.Context, id string) (*Execution, error) {
	x, err := e.store.Load(ctx, id)
	if err != nil {
		return nil, err
	}
	if x == nil {
		return nil, fmt.Errorf("runtime: execution %s: the store returned nothing: %w", id, ErrCorrupt)
	}
	if err := x.Validate(); err != nil {
		return nil, err
	}
	if x.ID != id {
		// The store's fault, not the record's: nothing is force-ended.
		return nil, fmt.Errorf("runtime: execution %s: the store returned execution %q instead", id, x.ID)
	}
	return x, nil
}

// forceEnd ends a corrupt record unread, so that it holds its session no
// longer.
func (e *Engine) forceEnd(ctx context.Context, id string, cause error) error {
	end := ForcedEnd{Code: FailureCorrupt, Reason: cleanReason("the stored record is corrupt: " + cause.Error()), At: e.clock()}
	if err := e.store.ForceEnd(ctx, id, end); err != nil {
		return fmt.Errorf("runtime: end corrupt execution %s: %w", id, err)
	}
	e.publish(ctx, []Event{{Type: EventExecutionEnded, ExecutionID: id, Time: end.At, Status: StatusFailed, FailureCode: end.Code, Reason: end.Reason}})
	e.logger.Warn("studioflow: ended an execution whose record is corrupt", "execution", id, "error", cause)
	return nil
}

// SessionKey returns the key that makes an execution its session's only
// active one, as the engine computes it for a start of definition d:
// a host that keeps executions itself (one Temporal workflow per session)
// names the session with it. It is empty for a parent start (a subflow),
// which has no session of its own.
func SessionKey(req StartRequest, d *flow.Definition) string { return sessionKey(req, d) }

// sessionKey is the key that makes an execution its session's only active
// one. Calls are keyed by call sid when the flow allows concurrent calls,
// conversations by conversation sid, everything else by the contact and
// flow address pair.
func sessionKey(req StartRequest, d *flow.Definition) string {
	switch req.Trigger {
	case TriggerParent:
		return ""
	case TriggerCall:
		if d.Flags.AllowConcurrentCalls {
			return req.FlowSid + "|call|" + req.CallSid
		}
	case TriggerConversation:
		if req.ConversationSid != "" {
			return req.FlowSid + "|conversation|" + req.ConversationSid
		}
	}
	return req.FlowSid + "|" + req.Contact + "|" + req.FlowAddress
}

// TwilioAddresses maps the From and To of a Twilio webhook or REST request
// to the contact's address and the flow's: for a call or a message From is
// the contact and To the flow's number; for a REST start (Twilio's
// Executions API) To is the contact and From the flow's number.
func TwilioAddresses(kind TriggerKind, from, to string) (contact, flowAddress string) {
	if kind == TriggerRequest {
		return to, from
	}
	return from, to
}

// MessageEvent is the event a message or conversation start delivers to
// its session's active execution (as Start does): incomingMessage, with
// the values trigger.message would hold.
func MessageEvent(req StartRequest) widgets.Event {
	return widgets.Event{Name: "incomingMessage", Data: triggerPayload(req)}
}

func triggerPayload(req StartRequest) map[string]any {
	m := map[string]any{}
	switch req.Trigger {
	case TriggerCall:
		// Twilio's voice webhook: From and Caller are the caller, To and
		// Called the number called, and the call is ringing when the flow
		// starts. Whatever else the host gives (FromCity, ...) comes in
		// Payload.
		m["CallSid"], m["From"], m["To"] = req.CallSid, req.Contact, req.FlowAddress
		m["Caller"], m["Called"] = req.Contact, req.FlowAddress
		m["Direction"], m["CallStatus"] = "inbound", "ringing"
	case TriggerMessage:
		m["From"], m["To"] = req.Contact, req.FlowAddress
	case TriggerConversation:
		m["ConversationSid"], m["Author"], m["From"] = req.ConversationSid, req.Contact, req.Contact
	case TriggerRequest:
		// Twilio's Executions API: From is the flow's number, To the
		// contact's.
		m["From"], m["To"] = req.FlowAddress, req.Contact
		m["parameters"] = widgets.CopyData(req.Parameters)
	case TriggerParent:
		m["parameters"] = widgets.CopyData(req.Parameters)
	}
	// Start converted, bounded and copied the payload already: its maps
	// are the engine's, and it goes into one place of the context.
	for k, v := range req.Payload {
		m[k] = v
	}
	return m
}

// frameContext is what templates see in a new frame of x running flowSid:
// the four roots flow, trigger, widgets and contact.
func frameContext(x *Execution, flowSid string, data, trigger map[string]any) map[string]any {
	return map[string]any{
		"flow": map[string]any{
			"sid": x.ID, "flow_sid": flowSid,
			"channel":   map[string]any{"address": x.Address},
			"data":      data,
			"variables": map[string]any{},
		},
		"trigger": trigger,
		"widgets": map[string]any{},
		"contact": map[string]any{"channel": map[string]any{"address": x.Contact}},
	}
}

func (e *Engine) newExecution(req StartRequest, p *program, key string, now time.Time) *Execution {
	id := e.ids("FN")
	x := &Execution{
		ID: id, FlowSid: p.sid, Revision: p.revision, Status: StatusActive, Trigger: req.Trigger,
		Key: key, Contact: req.Contact, Address: req.FlowAddress, CreatedAt: now, UpdatedAt: now,
		Steps: []Step{},
	}
	if req.Trigger == TriggerCall {
		x.Call = widgets.Call{Sid: req.CallSid, Live: true}
	}
	data := map[string]any{}
	if req.Trigger == TriggerRequest {
		// Start's bounded copy; trigger.request.parameters has its own.
		data = req.Parameters
	}
	x.Frames = []Frame{{
		Kind: FrameFlow, Ref: p.sid, Sid: p.sid, Revision: p.revision,
		State:   p.def.InitialState,
		Context: frameContext(x, p.sid, data, map[string]any{string(req.Trigger): triggerPayload(req)}),
	}}
	x.DueAt = now.Add(e.limits.Lifetime)
	return x
}

// Resume delivers an event to a waiting execution and runs it until it
// waits or ends. An event the wait does not accept, or a resume of an
// execution that is not waiting, is refused with an error wrapping
// ErrRefused and changes nothing. Resumes of one execution run one at a
// time (Store.Lock): an event naming the wait it answers (Token) that
// finds another answer taken first is refused with ErrStale; one without
// a token is delivered to whatever the execution then waits for, so a
// host that may deliver one webhook twice names the wait.
//
// Time is honoured even when the expiry pass has not run yet: an accepted
// event that arrives after the wait's deadline first delivers the timeout
// the wait owed, and is then delivered only if the new wait accepts it; an
// execution past its lifetime is ended. Either way the event is refused,
// and the execution records what time did to it (the expiry pass would
// have done the same).
func (e *Engine) Resume(ctx context.Context, id string, ev widgets.Event) (_ *Execution, err error) {
	defer e.contain("resume", &err)
	if err := e.Err(); err != nil {
		return nil, err
	}
	if err := fromStep(ctx, "resume"); err != nil {
		return nil, err
	}
	if ev.Data, err = e.boundMap(ev.Data, "event data"); err != nil {
		return nil, fmt.Errorf("runtime: resume %s with %q: %w: %w", id, ev.Name, err, ErrRefused)
	}
	release, err := e.lock(ctx, "execution "+id)
	if err != nil {
		return nil, err
	}
	defer release()
	return e.resume(ctx, id, ev)
}

// resume is Resume, the execution's lock held.
func (e *Engine) resume(ctx context.Context, id string, ev widgets.Event) (*Execution, error) {
	x, err := e.load(ctx, id)
	if err != nil {
		return nil, err
	}
	r, refused := e.advance(ctx, x, ev)
	if r == nil {
		return nil, refused
	}
	out, err := e.finish(r)
	if err != nil {
		return nil, err
	}
	if refused != nil {
		return nil, refused
	}
	return out, nil
}

// advance delivers ev to x, as loaded, without a store. It returns the run
// to save, or nil when nothing changed; refused, when set, is why the
// event itself was not taken (a timeout or an expiry owed first may still
// have changed x: save the run, then return refused).
func (e *Engine) advance(ctx context.Context, x *Execution, ev widgets.Event) (r *run, refused error) {
	id := x.ID
	now := e.clock()
	if err := e.admit(x, ev, now); err != nil {
		return nil, err
	}
	if e.expired(x, now) {
		return e.expiredRun(ctx, x), fmt.Errorf("runtime: resume %s with %q: the execution expired at %s: %w: %w", id, ev.Name, x.CreatedAt.Add(e.limits.Lifetime).Format(time.RFC3339), ErrLate, ErrRefused)
	}
	timeout := x.Wait.TimeoutEventName()
	late := x.Wait.Deadline != nil && !now.Before(*x.Wait.Deadline) && ev.Name != timeout
	r = e.newRun(ctx, x)
	if err := r.loadPrograms(); err != nil {
		return nil, err
	}
	if late {
		// A late event for a sensitive wait is refused whatever follows:
		// the caller's PIN never reaches the next gather.
		state, deadline, sensitive := x.Wait.State, *x.Wait.Deadline, x.Wait.Sensitive
		r.deliver(widgets.Event{Name: timeout})
		// An event naming its wait answers that wait only: it never
		// reaches the wait that followed the timeout.
		if ev.Token != "" || sensitive || x.Status != StatusActive || x.Wait == nil || !x.Wait.Accepts(ev.Name) {
			stale := fmt.Errorf("%w: %w", ErrLate, ErrRefused)
			if ev.Token != "" {
				stale = fmt.Errorf("%w: %w: %w", ErrStale, ErrLate, ErrRefused)
			}
			return r, fmt.Errorf("runtime: resume %s with %q: the wait at %q timed out at %s first: %w", id, ev.Name, state, deadline.Format(time.RFC3339), stale)
		}
	}
	r.deliver(ev)
	return r, nil
}

// admit is what advance checks before anything runs: the event's token,
// the execution's status, its wait and the events it accepts, and the
// guard after a sensitive wait.
func (e *Engine) admit(x *Execution, ev widgets.Event, now time.Time) error {
	id := x.ID
	if ev.Token != "" && (x.Status != StatusActive || x.Wait == nil || ev.Token != x.Wait.Token) {
		where := "it no longer waits"
		if x.Status == StatusActive && x.Wait != nil {
			where = fmt.Sprintf("it waits at %q (wait %s)", x.Wait.State, x.Wait.Token)
		}
		return fmt.Errorf("runtime: resume %s with %q: the event answers wait %s, and %s: %w: %w", id, ev.Name, ev.Token, where, ErrStale, ErrRefused)
	}
	if x.Status != StatusActive {
		return fmt.Errorf("runtime: resume %s with %q: the execution has %s: %w", id, ev.Name, x.Status, ErrRefused)
	}
	if x.Wait == nil {
		return fmt.Errorf("runtime: resume %s with %q: the execution is not waiting: %w", id, ev.Name, ErrRefused)
	}
	if !x.Wait.Accepts(ev.Name) {
		return fmt.Errorf("runtime: resume %s: state %q waits for one of %v, not %q: %w", id, x.Wait.State, x.Wait.Events, ev.Name, ErrRefused)
	}
	if g := x.Wait.Guard; g != nil && now.Before(g.Until) && slices.Contains(g.Events, ev.Name) {
		return fmt.Errorf("runtime: resume %s with %q: it came within %s of a sensitive wait's timeout, and may be the input meant for that wait: %w",
			id, ev.Name, e.limits.SensitiveGrace, ErrRefused)
	}
	return nil
}

// Admit reports whether Advance would take ev for x now, without running
// anything or changing x: nil, or the error (wrapping ErrRefused, and
// ErrStale for an event that answers another wait) Advance would refuse
// it with before any step runs, its data over the engine's value limits
// included. A host validates an event with it before
// recording the event (a Temporal update's validator). An event Admit
// takes may still be refused by Advance when time owed the execution
// something first (see Elapse).
func (e *Engine) Admit(x *Execution, ev widgets.Event) (err error) {
	defer e.contain("admit", &err)
	if x == nil {
		return fmt.Errorf("runtime: admit: no execution: %w", ErrRefused)
	}
	if _, err := e.boundMap(ev.Data, "event data"); err != nil {
		return fmt.Errorf("runtime: resume %s with %q: %w: %w", x.ID, ev.Name, err, ErrRefused)
	}
	return e.admit(x, ev, e.clock())
}

// Elapse delivers what time owes x at the engine's clock, without a
// store, as the expiry pass does for stored executions: an execution
// past its lifetime (Limits.Lifetime) ends, failed as expired; a wait
// past its deadline gets its timeout event. It returns the execution
// advanced (x itself is not changed) and the events to publish; nil and
// no error when nothing is due. A host that keeps executions itself (a
// Temporal workflow) calls it when its timer for the wait's deadline or
// for the lifetime fires.
func (e *Engine) Elapse(ctx context.Context, x *Execution) (_ *Execution, _ []Event, err error) {
	defer e.contain("elapse", &err)
	if err := e.Err(); err != nil {
		return nil, nil, err
	}
	if x == nil || x.Status != StatusActive {
		return nil, nil, nil
	}
	now := e.clock()
	if e.expired(x, now) {
		cp, err := copyExecution(x)
		if err != nil {
			return nil, nil, err
		}
		r := e.expiredRun(ctx, cp)
		e.settle(r)
		return r.x, r.events, nil
	}
	if x.Wait == nil || x.Wait.Deadline == nil || now.Before(*x.Wait.Deadline) {
		return nil, nil, nil
	}
	return e.Advance(ctx, x, widgets.Event{Name: x.Wait.TimeoutEventName()})
}

// Stop ends x on request, with reason recorded, without a store: End for
// a host that keeps executions itself. It returns the execution ended (x
// itself is not changed) and the events to publish; an execution that is
// not active is refused with ErrRefused.
func (e *Engine) Stop(ctx context.Context, x *Execution, reason string) (_ *Execution, _ []Event, err error) {
	defer e.contain("stop", &err)
	if err := e.Err(); err != nil {
		return nil, nil, err
	}
	if x == nil {
		return nil, nil, fmt.Errorf("runtime: stop: no execution: %w", ErrRefused)
	}
	if x.Status != StatusActive {
		return nil, nil, fmt.Errorf("runtime: end %s: the execution has already %s: %w", x.ID, x.Status, ErrRefused)
	}
	cp, err := copyExecution(x)
	if err != nil {
		return nil, nil, err
	}
	r := e.newRun(ctx, cp)
	r.end(StatusEnded, "", reason)
	e.settle(r)
	return r.x, r.events, nil
}

// copyExecution returns a deep copy of x, as a store would give it.
func copyExecution(x *Execution) (*Execution, error) {
	data, err := MarshalExecution(x)
	if err != nil {
		return nil, fmt.Errorf("runtime: copy %s: %w", x.ID, err)
	}
	return UnmarshalExecution(data)
}

// Advance delivers ev to x without a store, for a host that keeps
// executions itself (a durable-execution engine such as Temporal): it
// returns the execution advanced (x itself is not changed) and the events
// to publish, which Advance does not. The checks are Resume's (the wait's
// token, the events it accepts, a timeout or an expiry owed first); an
// event refused after a timeout or an expiry changed the execution returns
// that execution with the error. Nothing locks: the host runs one Advance
// of an execution at a time. Resume is load, this, and save.
func (e *Engine) Advance(ctx context.Context, x *Execution, ev widgets.Event) (_ *Execution, _ []Event, err error) {
	defer e.contain("advance", &err)
	if err := e.Err(); err != nil {
		return nil, nil, err
	}
	if x == nil {
		return nil, nil, fmt.Errorf("runtime: advance: no execution: %w", ErrRefused)
	}
	if ev.Data, err = e.boundMap(ev.Data, "event data"); err != nil {
		return nil, nil, fmt.Errorf("runtime: advance %s with %q: %w: %w", x.ID, ev.Name, err, ErrRefused)
	}
	// A copy, as a store would give: the caller's value stays as it was.
	cp, err := copyExecution(x)
	if err != nil {
		return nil, nil, err
	}
	r, refused := e.advance(ctx, cp, ev)
	if r == nil {
		return nil, nil, refused
	}
	if r.canceled != nil {
		return nil, nil, r.canceled
	}
	e.settle(r)
	return r.x, r.events, refused
}

// deliver hands ev to the waiting state and runs on until the execution
// waits again or ends.
func (r *run) deliver(ev widgets.Event) {
	st := r.current()
	answered := r.x.Wait
	r.x.Wait = nil
	var res widgets.Result
	r.merge = true
	if rs, ok := st.node.(widgets.Resumer); ok {
		var err error
		res, err = r.guard(func() (widgets.Result, error) { return rs.Resume(r.scIn(st, phaseResume), ev) })
		if err != nil {
			r.stepFailed(st, err, &res)
			if !r.unwound {
				return
			}
			// A subflow's step failed: res is its caller's result.
			r.unwound, r.merge = false, false
		}
	} else {
		// Resume bounded the event's data already.
		res = widgets.Result{Event: ev.Name, Outputs: maps.Clone(ev.Data)}
	}
	r.loop(res, true)
	r.guardLateInput(answered, ev)
}

// guardLateInput: when a sensitive wait (a PIN, card data) ends on its
// timeout, input for it may still be on its way, and the next wait could
// take it and store it in clear. So for Limits.SensitiveGrace the next
// wait refuses the events the sensitive one took.
func (r *run) guardLateInput(answered *WaitState, ev widgets.Event) {
	if answered == nil || !answered.Sensitive || ev.Name != answered.TimeoutEventName() || r.x.Wait == nil {
		return
	}
	var input []string
	for _, name := range answered.Events {
		if name != ev.Name {
			input = append(input, name)
		}
	}
	r.x.Wait.Guard = &LateGuard{Until: r.e.clock().Add(r.e.limits.SensitiveGrace), Events: input}
}

func (e *Engine) expired(x *Execution, now time.Time) bool {
	return !now.Before(x.CreatedAt.Add(e.limits.Lifetime))
}

// expiredRun is the run that ends an execution past its lifetime.
func (e *Engine) expiredRun(ctx context.Context, x *Execution) *run {
	r := e.newRun(ctx, x)
	r.end(StatusEnded, FailureExpired, "expired: the execution reached its lifetime of "+e.limits.Lifetime.String())
	return r
}

// endExpired ends and saves an execution past its lifetime.
func (e *Engine) endExpired(ctx context.Context, x *Execution) error {
	_, err := e.finish(e.expiredRun(ctx, x))
	return err
}

// End ends an active execution on request, with reason recorded. A record
// that is corrupt (ErrCorrupt) is ended unread, failed with
// FailureCorrupt, and returned as the store then holds it.
func (e *Engine) End(ctx context.Context, id, reason string) (_ *Execution, err error) {
	defer e.contain("end", &err)
	if err := e.Err(); err != nil {
		return nil, err
	}
	if err := fromStep(ctx, "end"); err != nil {
		return nil, err
	}
	release, err := e.lock(ctx, "execution "+id)
	if err != nil {
		return nil, err
	}
	defer release()
	x, err := e.load(ctx, id)
	if errors.Is(err, ErrCorrupt) {
		if err := e.forceEnd(ctx, id, err); err != nil {
			return nil, err
		}
		return e.load(ctx, id)
	}
	if err != nil {
		return nil, err
	}
	if x.Status != StatusActive {
		return nil, fmt.Errorf("runtime: end %s: the execution has already %s: %w", id, x.Status, ErrRefused)
	}
	r := e.newRun(ctx, x)
	r.end(StatusEnded, "", reason)
	return e.finish(r)
}

// Get returns an execution: its status, context, frames, wait and steps.
// A corrupt record gives an error wrapping ErrCorrupt.
func (e *Engine) Get(ctx context.Context, id string) (_ *Execution, err error) {
	defer e.contain("get", &err)
	return e.load(ctx, id)
}

// Settled is Get once no start, resume or end runs the execution: it
// waits for the execution's lock (Store.Lock, bounded by ctx), so that a
// callback racing the run that will wait for it (an outbound call
// answered, or busy, before the step that placed it is saved) sees that
// run's wait. It does not keep the lock: hand the wait's token to Resume.
// Called from inside a step (with the step's context), it is refused
// with ErrRefused: it would wait for the lock that step's run holds.
func (e *Engine) Settled(ctx context.Context, id string) (_ *Execution, err error) {
	defer e.contain("settled", &err)
	if err := e.Err(); err != nil {
		return nil, err
	}
	if err := fromStep(ctx, "settled"); err != nil {
		return nil, err
	}
	release, err := e.lock(ctx, "execution "+id)
	if err != nil {
		return nil, err
	}
	defer release()
	return e.load(ctx, id)
}

// Delete deletes an execution, whatever its status, under its lock so
// that no run saves it meanwhile; its session is free afterwards. It
// returns an error wrapping ErrNotFound when there is none, and is
// refused from inside a step, as Resume is.
func (e *Engine) Delete(ctx context.Context, id string) (err error) {
	defer e.contain("delete", &err)
	if err := e.Err(); err != nil {
		return err
	}
	if err := fromStep(ctx, "delete"); err != nil {
		return err
	}
	release, err := e.lock(ctx, "execution "+id)
	if err != nil {
		return err
	}
	defer release()
	return storeCall("delete", func() error { return e.store.Delete(ctx, id) })
}

// Expire delivers timeout to waits past their deadline and ends executions
// past their lifetime. It returns how many executions it changed. An
// execution resumed by someone else meanwhile is skipped; one that cannot
// be advanced (its definition is gone, a widget fails) is failed with the
// reason, and the pass goes on with the others. The errors it met are
// returned joined.
func (e *Engine) Expire(ctx context.Context) (_ int, err error) {
	n := 0
	_, err = e.expire(ctx, 0, nil, func(_ string, changed bool) {
		if changed {
			n++
		}
	})
	return n, err
}

// expire delivers what is due to the executions the store lists as due,
// at most limit (all when limit <= 0), except those skip holds; done is
// told of each one tried and whether it changed. listed is how many the
// store listed, skipped ones included.
func (e *Engine) expire(ctx context.Context, limit int, skip map[string]bool, done func(id string, changed bool)) (listed int, err error) {
	defer e.contain("expire", &err)
	if err := e.Err(); err != nil {
		return 0, err
	}
	now := e.clock()
	ids, err := e.store.Due(ctx, now, limit)
	if err != nil {
		return 0, err
	}
	var errs []error
	for _, id := range ids {
		if skip[id] {
			continue
		}
		changed, err := e.expireOne(ctx, id, now)
		if err != nil {
			errs = append(errs, err)
		}
		done(id, changed)
	}
	return len(ids), errors.Join(errs...)
}

func (e *Engine) expireOne(ctx context.Context, id string, now time.Time) (bool, error) {
	// An execution busy in another run is skipped, for the next pass: one
	// slow step must not hold up every timeout.
	lctx, cancel := context.WithTimeout(ctx, ExpiryLockWait)
	release, err := e.lock(lctx, "execution "+id)
	cancel()
	if err != nil {
		if ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded) {
			return false, nil
		}
		return false, err
	}
	defer release()
	x, err := e.load(ctx, id)
	if err != nil {
		switch {
		case errors.Is(err, ErrNotFound):
			return false, nil
		case errors.Is(err, ErrCorrupt):
			if ferr := e.forceEnd(ctx, id, err); ferr != nil {
				return false, ferr
			}
			return true, nil
		}
		return false, err
	}
	if x.Status != StatusActive {
		return false, nil
	}
	if e.expired(x, now) {
		if err := e.endExpired(ctx, x); err != nil && !errors.Is(err, ErrConflict) {
			return false, err
		}
		return true, nil
	}
	if x.Wait == nil && !now.Before(x.DueAt) {
		// Saved with no wait: created, and its first run never saved
		// (FirstRunLease). Release the contact.
		r := e.newRun(ctx, x)
		r.fail(FailureStore, "the execution's first run never finished (the process stopped, or its save failed)")
		if _, err := e.finish(r); err != nil && !errors.Is(err, ErrConflict) {
			return false, err
		}
		return true, nil
	}
	if x.Wait == nil || x.Wait.Deadline == nil || now.Before(*x.Wait.Deadline) {
		return false, nil
	}
	_, err = e.resume(ctx, id, widgets.Event{Name: x.Wait.TimeoutEventName()})
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, ErrConflict), errors.Is(err, ErrRefused):
		return false, nil
	}
	// A store that failed, or a context that ended, is transient: the
	// execution stays as it was, for the next pass. Only a definition
	// that cannot be loaded any more (gone, or failing its checks) makes
	// the timeout undeliverable for good: fail the execution rather than
	// retry it on every pass.
	if pe := (*ProgramError)(nil); !errors.As(err, &pe) {
		return false, err
	}
	r := e.newRun(ctx, x)
	r.fail(FailureCheck, "expiry: the timeout could not be delivered: "+err.Error())
	if _, ferr := e.finish(r); ferr != nil && !errors.Is(ferr, ErrConflict) {
		return false, errors.Join(err, ferr)
	}
	return true, err
}

// finish saves the run's execution and publishes its events. A run the
// caller's context stopped (run.canceled) is not saved.
func (e *Engine) finish(r *run) (*Execution, error) {
	if r.canceled != nil {
		return nil, r.canceled
	}
	x := r.x
	e.settle(r)
	if err := storeCall("save", func() error { return e.store.Save(r.ctx, x) }); err != nil {
		return nil, err
	}
	e.publish(r.ctx, r.events)
	return x, nil
}

// settle sets what a run's execution carries when it is kept: its due
// time (its wait's deadline, or its lifetime's end) and when it changed.
func (e *Engine) settle(r *run) {
	x := r.x
	if x.Status == StatusActive {
		due := x.CreatedAt.Add(e.limits.Lifetime)
		if x.Wait != nil && x.Wait.Deadline != nil && x.Wait.Deadline.Before(due) {
			due = *x.Wait.Deadline
		}
		x.DueAt = due
	}
	x.UpdatedAt = e.clock()
}

// run is one pass of the step loop over an execution.
type run struct {
	e      *Engine
	ctx    context.Context
	x      *Execution
	progs  []*program // aligned with x.Frames
	cur    int        // index of the top frame's current state
	merge  bool       // merge the next result's outputs (a resume)
	events []Event
	step   stepCtx
	// effects, block and used are where the service calls' contexts come
	// from (see stepCtx.Context): each of block is handed out once, the
	// first used of them so far.
	effects *effectRun
	block   []effectContext
	used    int
	// valueErr is a value a step tried to store that the limits refuse
	// (SetVariable cannot return it); the step fails once it returns.
	valueErr error
	// canceled is set when a step failed because the caller's context
	// was canceled or passed its deadline: that is the caller's doing,
	// not the flow's, so the run stops without saving (finish refuses it)
	// and a waiting execution stays as it was.
	canceled error
	// retired counts the steps that keep their widget's outputs
	// (Step.Published), from the run's first retire on; -1 before.
	retired int
	// unwound is set when a step of a subflow (or of a module it runs)
	// failed and the subflow was left for its caller's failed event
	// (failedSubflow): the run goes on in the subflow's caller, with the
	// result that event gives.
	unwound bool
}

func (e *Engine) newRun(ctx context.Context, x *Execution) *run {
	r := &run{e: e, ctx: ctx, x: x, retired: -1}
	r.step.r = r
	return r
}

func (r *run) loadPrograms() error {
	for _, f := range r.x.Frames {
		p, err := r.e.programAt(r.ctx, f.Kind, f.Ref, f.Sid, f.Revision)
		if err != nil {
			return &ProgramError{Execution: r.x.ID, Err: fmt.Errorf("load %s %s revision %d: %w", f.Kind, f.Ref, f.Revision, err)}
		}
		// Every frame's state must exist: the top one runs next, the
		// others take their child's result.
		if _, ok := p.index[f.State]; !ok {
			return &ProgramError{Execution: r.x.ID, Err: fmt.Errorf("state %q is not in %s revision %d", f.State, f.Sid, f.Revision)}
		}
		r.progs = append(r.progs, p)
	}
	r.cur = r.prog().index[r.x.top().State]
	return nil
}

func (r *run) prog() *program { return r.progs[len(r.progs)-1] }

func (r *run) current() *pstate { return &r.prog().states[r.cur] }

func (r *run) sc(st *pstate) widgets.StepContext { return r.scIn(st, phaseRun) }

// scIn is sc for a phase of the step: phaseRun when it runs, phaseResume
// when its wait is answered, phaseReturn when its child frame returns
// (spelt "", "resume" and "return" in effect keys). The phase is in
// its calls' effect keys, so that no two calls of one step share a key.
func (r *run) scIn(st *pstate, phase stepPhase) widgets.StepContext {
	r.step.name, r.step.phase, r.step.calls = &st.name, phase, 0
	r.step.numbered = false // numbered afresh at the phase's first call
	return &r.step
}

// loop runs states until the execution waits or ends. When have is set, res
// is the result of the current state, already produced (a resume, or a
// child frame's outcome). Each step is: run the state's node, keep its
// outputs, follow its result.
func (r *run) loop(res widgets.Result, have bool) {
	if !have {
		r.cur = r.prog().index[r.x.top().State]
	}
	for {
		st := r.current()
		if !have && !r.runState(st, &res) {
			if !r.unwound {
				return
			}
			// A subflow's step failed: res is its caller's result.
			r.unwound, have = false, true
			continue
		}
		if !r.keepOutputs(st, &res) {
			return
		}
		var more bool
		if have, more = r.follow(st, &res); !more {
			return
		}
	}
}

// runState runs st's node into res. It reports false when the execution
// failed: a voice step with no live call, or the node's error.
func (r *run) runState(st *pstate, res *widgets.Result) bool {
	if st.wtype != nil && st.wtype.NeedsCall && !r.x.Call.Live {
		r.fail(FailureNoCall, fmt.Sprintf("state %q (%s) needs a live call, and there is none: the call has ended or never existed", st.name, st.typ))
		return false
	}
	if st.wtype != nil && st.wtype.PlacesCall && r.x.Call.Live {
		r.fail(FailureCallLive, fmt.Sprintf("state %q (%s) places a call while the call %s is live: one call per execution", st.name, st.typ, r.x.Call.Sid))
		return false
	}
	var err error
	*res, err = r.guard(func() (widgets.Result, error) { return st.node.Run(r.sc(st)) })
	if err != nil {
		r.stepFailed(st, err, res)
		return false
	}
	return true
}

// stepFailed takes the error of step st's node: the execution fails
// (failStep), unless the step is a subflow's and failedSubflow leaves the
// subflow for its caller instead (r.unwound, *res the caller's result).
func (r *run) stepFailed(st *pstate, err error, res *widgets.Result) {
	if !r.failedSubflow(st, err, res) {
		r.failStep(st, err)
	}
}

// failedSubflow leaves a subflow whose step st failed with err for the
// state that entered it, as Twilio's Run Subflow takes failed when "the
// Subflow could not be loaded or executed" (Run Subflow widget,
// https://www.twilio.com/docs/studio/widget-library/run-subflow): res
// becomes that state's result, its failed event with the step's error.
// The failing state's step is recorded (StepFailedName), so that the
// step log and the step events tell what failed even when the caller's
// failed transition ends the flow.
//
// A step of a module the subflow runs is the subflow's too: its failure
// leaves the module frames above the subflow (their published values
// retired, as a return retires them) and then the subflow.
//
// It sets r.unwound when it did, and reports whether it took the failure
// (recording or popping may fail the execution itself: the step limit, a
// caller that cannot take the result); false leaves the failure to
// failStep: outside a subflow; for what fails an execution wherever it
// happens (a panic, a widget's bug; a template past its budget or out of
// its sandbox; a value past the limits, here or one the step tried to
// store before it failed); when the caller's context ended (the caller's
// doing); with WithSubflowFailuresEndExecution; and, in a module, with
// WithModuleFailuresInSubflowsEndExecution.
func (r *run) failedSubflow(st *pstate, err error, res *widgets.Result) bool {
	if r.e.subflowFailuresEnd || r.ctx.Err() != nil || r.valueErr != nil {
		return false
	}
	sub := r.failingSubflow()
	if sub < 0 {
		return false
	}
	switch codeOf(err) {
	case FailureWidgetPanic, FailureTemplateBudget, FailureTemplateSandbox, FailureValue:
		return false
	}
	if !r.merge {
		// A run that failed published nothing: what widgets.STATE holds
		// is an earlier run's, kept on that run's step, not on this one.
		// (A failed resume's is this run's own, from its wait.)
		r.retireOutputs(st.name)
	}
	if !r.record(st, StepFailedName, StepEnded, 0) {
		return true
	}
	for len(r.x.Frames)-1 > sub {
		r.leaveFrame()
	}
	if out, ok := r.pop(st, widgets.Returned{Failed: true, Reason: cleanReason(stepReason(st, err))}); ok {
		*res, r.unwound = out, true
	}
	return true
}

// failingSubflow is the index of the subflow frame a failing step of the
// top frame leaves for its caller: the top frame, or the nearest subflow
// below the module frames at the top; -1 when there is none (the root
// flow, or a module with no subflow under it), or when the step is a
// module's and WithModuleFailuresInSubflowsEndExecution holds.
func (r *run) failingSubflow() int {
	i := len(r.x.Frames) - 1
	for i > 0 && r.x.Frames[i].Kind == FrameModule {
		i--
	}
	if i < 1 || r.x.Frames[i].Kind != FrameSubflow || (i < len(r.x.Frames)-1 && r.e.moduleFailuresEnd) {
		return -1
	}
	return i
}

// leaveFrame drops the top frame without returning to its caller, its
// published values retired as a return retires them.
func (r *run) leaveFrame() {
	r.retireFrame()
	r.x.Frames = r.x.Frames[:len(r.x.Frames)-1]
	r.progs = r.progs[:len(r.progs)-1]
}

// keepOutputs stores what the step produced, as widgets.STATE and the
// variables its node set, failing the execution past the value limits.
func (r *run) keepOutputs(st *pstate, res *widgets.Result) bool {
	if r.valueErr != nil {
		r.failStep(st, r.valueErr)
		return false
	}
	if res.Outputs != nil {
		if err := r.storeOutputs(st.name, res.Outputs); err != nil {
			r.failStep(st, err)
			return false
		}
	} else if res.Wait != nil && !r.merge {
		// A step that waits starts its outputs afresh: the answer to this
		// wait is merged into what this run of it stored, never into a
		// previous run's (a gather asked again must not keep the digits
		// of the last answer beside the new speech).
		r.retireOutputs(st.name)
	}
	r.merge = false
	return true
}

// retireOutputs moves what state published in the top frame
// (widgets.STATE) to the step of the run that published it, and out of
// the context.
func (r *run) retireOutputs(state string) {
	if ws, ok := r.x.top().Context["widgets"].(map[string]any); ok {
		r.retire(state, ws[state])
		delete(ws, state)
	}
}

// follow does what res says: wait, end, enter a child frame, return from
// one, or take a transition. When the following state's result is known
// already (a child that could not start, a frame left), it replaces res and
// have is set; more is false when the run stops (a wait, an end, a
// failure).
func (r *run) follow(st *pstate, res *widgets.Result) (have, more bool) {
	switch {
	case res.Wait != nil:
		if err := r.wait(st, res.Wait); err != nil {
			r.failStep(st, err)
		}
		return false, false
	case res.End != nil:
		r.endHere(st, res.End)
		return false, false
	case res.Enter != nil:
		var started bool
		*res, started, more = r.enter(st, res.Enter)
		return !started, more
	case res.Return != nil:
		return r.returnFrom(st, res)
	default:
		return r.transition(st, res)
	}
}

// endHere ends the execution at st (end-flow), recording its step.
func (r *run) endHere(st *pstate, end *widgets.End) {
	status, code := StatusEnded, FailureCode("")
	if end.Failed {
		status, code = StatusFailed, FailureFlow
	}
	if r.record(st, StepEndName, StepEnded, 0) {
		r.end(status, code, end.Reason)
	}
}

// returnFrom leaves the module frame through res's exit (return-to-flow),
// recording the step; res becomes the result of the state that entered
// it.
func (r *run) returnFrom(st *pstate, res *widgets.Result) (have, more bool) {
	ret := res.Return
	out := widgets.Returned{Exit: ret.Exit, Outputs: ret.Outputs, Failed: ret.Failed, Reason: ret.Reason}
	name := out.Exit
	if out.Failed {
		name = "failed"
	}
	if !r.record(st, name, StepEnded, 0) {
		return false, false
	}
	*res, more = r.pop(st, out)
	return true, more
}

// transition takes res's event from st. When the branch ends, the flow
// ends, or a subflow returns its variables to the state that entered it
// (res becomes that state's result).
func (r *run) transition(st *pstate, res *widgets.Result) (have, more bool) {
	if !r.take(st, res) {
		return false, false
	}
	if r.cur >= 0 {
		return false, true
	}
	if len(r.x.Frames) == 1 {
		r.end(StatusEnded, "", "")
		return false, false
	}
	*res, more = r.pop(st, widgets.Returned{Outputs: frameMap(r.x.top().Context, "flow", "variables")})
	return true, more
}

// take follows the transition for res.Event from st, recording the step.
// It sets r.cur to the next state, or -1 when the branch ends. It reports
// false when the execution has failed.
func (r *run) take(st *pstate, res *widgets.Result) bool {
	x := r.x
	next := -1
	if res.Transition > 0 && res.Transition <= len(st.edges) {
		next = st.edges[res.Transition-1].next
	} else {
		for i := range st.edges {
			if st.edges[i].event == res.Event {
				next = st.edges[i].next
				break
			}
		}
	}
	if st.wtype != nil {
		if !res.KeepsCall && slices.Contains(st.wtype.EndsCallOn, res.Event) {
			x.Call.Live = false
		}
		if slices.Contains(st.wtype.ProvidesCallOn, res.Event) {
			x.Call.Live = true
			if sid, ok := r.widgetOutput(st.name, "CallSid").(string); ok && sid != "" {
				x.Call.Sid = sid
			}
		}
	}
	to := StepEnded
	if next >= 0 {
		to = r.prog().states[next].name
	}
	if !r.record(st, res.Event, to, res.Transition) {
		return false
	}
	if next < 0 {
		r.cur = -1
		return true
	}
	if next == r.cur {
		x.Repeats++
		if x.Repeats > r.e.limits.MaxRepeats {
			r.fail(FailureLimitRepeats, fmt.Sprintf("limit: state %q ran more than %d times in a row", st.name, r.e.limits.MaxRepeats))
			return false
		}
	} else {
		x.Repeats = 1
	}
	r.cur = next
	x.top().State = to
	return true
}

// record appends a step, failing the execution when the step limit is
// reached.
func (r *run) record(st *pstate, event, to string, transition int) bool {
	x := r.x
	if len(x.Steps) >= r.e.limits.MaxSteps {
		r.fail(FailureLimitSteps, fmt.Sprintf("limit: the execution reached %d steps", r.e.limits.MaxSteps))
		return false
	}
	step := Step{Name: event, From: st.name, To: to, Type: st.typ, Time: r.e.clock(), Transition: transition}
	if len(x.Frames) > 1 {
		step.Frame = x.top().Label()
	}
	x.Steps = append(x.Steps, step)
	if r.e.sink != nil {
		logged := step // the event's own copy: the log may grow and move
		r.events = append(r.events, Event{Type: EventStepEnded, ExecutionID: x.ID, FlowSid: x.FlowSid, Revision: x.Revision, Time: step.Time, Step: &logged})
	}
	return true
}

func (r *run) wait(st *pstate, w *widgets.Wait) error {
	// The events are copied: a node may hand every wait the same slice.
	r.x.Waits++
	ws := &WaitState{State: st.name, Token: strconv.Itoa(r.x.Waits), Events: slices.Clone(w.Events), TimeoutEvent: w.TimeoutEvent, Sensitive: w.Sensitive}
	if w.Prompt != nil {
		// A copy: a widget may hand the same prompt to every wait.
		prompt, err := r.e.bounds().mapCopy(w.Prompt, 1)
		if err != nil {
			return err.within("prompt")
		}
		ws.Prompt = prompt
	}
	// A deadline whose event the wait does not take could never be
	// delivered: the expiry pass would list it on every pass.
	if w.Timeout > 0 && ws.Accepts(ws.TimeoutEventName()) {
		d := r.e.clock().Add(w.Timeout)
		ws.Deadline = &d
	}
	r.x.Wait = ws
	r.x.top().State = st.name
	return nil
}

// enter pushes a child frame for st. When the child cannot start, the
// node's result for that failure comes back with started false. ok is
// false when the execution has failed.
func (r *run) enter(st *pstate, en *widgets.Enter) (out widgets.Result, started, ok bool) {
	x := r.x
	if len(x.Frames) > r.e.limits.MaxDepth {
		r.fail(FailureLimitDepth, fmt.Sprintf("state %q: %s %q would nest deeper than %d levels", st.name, en.Kind, en.Ref, r.e.limits.MaxDepth))
		return out, false, false
	}
	for i, f := range x.Frames {
		if en.Replace && i == len(x.Frames)-1 {
			break // the frame being replaced
		}
		if r.forbidsModuleNesting() && f.Kind == FrameModule && en.Kind == widgets.FrameModule {
			r.fail(FailureModuleNesting, fmt.Sprintf("state %q: module %q runs inside module %q, and nesting modules is forbidden", st.name, en.Ref, f.Ref))
			return out, false, false
		}
		sameKind := (f.Kind == FrameModule) == (en.Kind == widgets.FrameModule)
		if sameKind && f.Ref == en.Ref {
			r.fail(FailureCycle, fmt.Sprintf("state %q: %s %q is already running in this execution (%s): a cycle is not allowed", st.name, en.Kind, en.Ref, r.stackPath(en.Ref)))
			return out, false, false
		}
	}
	params, perr := r.e.boundMap(en.Parameters, "parameters")
	if perr != nil {
		r.failStep(st, perr)
		return out, false, false
	}
	var res *Resolved
	var err error
	switch en.Kind {
	case widgets.FrameSubflow:
		res, err = r.e.source.Flow(r.ctx, en.Ref, en.Revision)
	case widgets.FrameModule:
		if r.e.modules == nil {
			err = errors.New("no module source is configured")
		} else {
			res, err = r.e.modules.Module(r.ctx, en.Ref, en.Revision)
		}
	default:
		err = fmt.Errorf("unknown frame kind %q", en.Kind)
	}
	var p *program
	if err == nil {
		p, err = r.e.program(res)
	}
	if err == nil && en.Accept != nil {
		err = en.Accept(p.def)
	}
	if err == nil && en.Replace && x.top().Kind == FrameModule {
		err = errors.New("a module cannot hand its contact to another flow")
	}
	if err != nil {
		// The node decides what a child that cannot run means (its failed
		// event, usually).
		out, ok = r.returnTo(st, widgets.Returned{Failed: true, Reason: cleanReason(err.Error())})
		return out, false, ok
	}
	if en.Replace {
		return out, true, r.replace(st, p, en)
	}
	x.top().State = st.name
	kind := FrameKind(en.Kind)
	trigger := map[string]any{}
	if kind == FrameSubflow {
		// Twilio: "Trigger data from the parent is automatically copied
		// into the Subflow" (Run Subflow widget): trigger.message,
		// trigger.request, trigger.call... as the parent sees them.
		if parent, ok := x.top().Context["trigger"].(map[string]any); ok {
			trigger = widgets.CopyData(parent)
		}
	}
	trigger["parent"] = map[string]any{"parameters": params}
	f := Frame{
		Kind: kind, Ref: en.Ref, Sid: p.sid, Revision: p.revision, State: p.def.InitialState,
		Context: frameContext(x, p.sid, map[string]any{}, trigger),
	}
	x.Frames = append(x.Frames, f)
	r.progs = append(r.progs, p)
	r.cur = p.entry
	return out, true, true
}

// replace puts p in the place of the top frame for good (Enter.Replace),
// recording st's step into it. It reports false when the execution has
// failed.
func (r *run) replace(st *pstate, p *program, en *widgets.Enter) bool {
	if !r.record(st, StepTransferName, p.def.InitialState, 0) {
		return false
	}
	x := r.x
	top := x.top()
	kind := top.Kind
	if kind != FrameFlow {
		kind = FrameKind(en.Kind)
	}
	trigger, _ := top.Context["trigger"].(map[string]any)
	data := frameMap(top.Context, "flow", "data")
	if data == nil {
		data = map[string]any{}
	}
	r.retireFrame()
	*top = Frame{Kind: kind, Ref: en.Ref, Sid: p.sid, Revision: p.revision, State: p.def.InitialState,
		Context: frameContext(x, p.sid, data, trigger)}
	r.progs[len(r.progs)-1] = p
	r.cur = p.entry
	return true
}

// forbidsModuleNesting reports whether a module may not run inside a
// module: by the engine's limits, or by the rules of the flow's vendor
// (Amazon Connect: "no module inside a module").
func (r *run) forbidsModuleNesting() bool {
	return r.e.limits.ForbidModuleNesting || r.progs[0].kind.Vendor == flow.VendorConnect
}

func (r *run) stackPath(ref string) string {
	var parts []string
	for _, f := range r.x.Frames {
		parts = append(parts, f.Ref)
	}
	return strings.Join(append(parts, ref), " -> ")
}

// pop leaves the top frame with ret, and returns the result of the state
// that entered it. It reports false when the execution has failed.
func (r *run) pop(st *pstate, ret widgets.Returned) (widgets.Result, bool) {
	x := r.x
	if len(x.Frames) == 1 {
		code := FailureWidget
		if ret.Failed {
			code = FailureFlow
		}
		r.fail(code, fmt.Sprintf("state %q returns to a caller, but the flow was not entered from one", st.name))
		return widgets.Result{}, false
	}
	if ret.Outputs != nil {
		var err error
		if ret.Outputs, err = r.e.boundMap(ret.Outputs, "outputs"); err != nil {
			r.failStep(st, err)
			return widgets.Result{}, false
		}
	}
	r.leaveFrame()
	caller := x.top().State
	r.cur = r.prog().index[caller]
	return r.returnTo(r.current(), ret)
}

// returnTo hands a child's outcome to the node that entered it.
func (r *run) returnTo(st *pstate, ret widgets.Returned) (widgets.Result, bool) {
	rt, ok := st.node.(widgets.Returner)
	if !ok {
		r.fail(FailureWidget, fmt.Sprintf("state %q (%s) entered a child frame but cannot take its result", st.name, st.typ))
		return widgets.Result{}, false
	}
	res, err := r.guard(func() (widgets.Result, error) { return rt.Return(r.scIn(st, phaseReturn), ret) })
	if err != nil {
		r.failStep(st, err)
		return widgets.Result{}, false
	}
	return res, true
}

// storeOutputs stores a step's outputs as widgets.STATE, refusing them
// past the value limits.
func (r *run) storeOutputs(state string, out map[string]any) error {
	norm, err := r.e.bounds().inPlace(out)
	if err != nil {
		return err.within("widgets." + state)
	}
	ws, _ := r.x.top().Context["widgets"].(map[string]any)
	if ws == nil {
		ws = map[string]any{}
		r.x.top().Context["widgets"] = ws
	}
	if r.merge {
		if old, ok := ws[state].(map[string]any); ok {
			for k, v := range norm {
				old[k] = v
			}
			return nil
		}
	}
	r.retire(state, ws[state])
	ws[state] = norm
	return nil
}

// retire keeps what state published before it runs again: old, the
// widgets.STATE its last run left in the current frame, goes onto the
// step that run took (Step.Published), so that the step log still tells
// what each step published once the context holds the new run's (or the
// frame has returned). At most MaxPublishedSteps steps keep outputs: past
// that, the oldest are emptied.
func (r *run) retire(state string, old any) {
	prev, ok := old.(map[string]any)
	if !ok {
		return
	}
	label := r.x.top().Label()
	for i := len(r.x.Steps) - 1; i >= 0; i-- {
		if s := &r.x.Steps[i]; s.From == state && s.Frame == label {
			if s.Published != nil {
				return // that step's outputs were retired already
			}
			if r.retired < 0 {
				r.retired = r.countPublished()
			}
			s.Published = prev
			if len(prev) > 0 {
				r.retired++
			}
			if r.retired > MaxPublishedSteps {
				r.forgetOldestPublished()
			}
			return
		}
	}
}

// MaxPublishedSteps bounds the steps of an execution whose record keeps
// what their widget published (Step.Published): a flow that loops would
// otherwise grow its record by a copy of the outputs (an HTTP response,
// say) on every turn. The oldest steps past it keep an empty map.
const MaxPublishedSteps = 50

// forgetOldestPublished empties the oldest steps' outputs until at most
// MaxPublishedSteps keep some, and counts them again.
func (r *run) forgetOldestPublished() {
	n := r.countPublished()
	for i := range r.x.Steps {
		if n <= MaxPublishedSteps {
			break
		}
		if s := &r.x.Steps[i]; len(s.Published) > 0 {
			s.Published = map[string]any{}
			n--
		}
	}
	r.retired = n
}

// countPublished counts the steps that keep outputs.
func (r *run) countPublished() int {
	n := 0
	for i := range r.x.Steps {
		if len(r.x.Steps[i].Published) > 0 {
			n++
		}
	}
	return n
}

// retireFrame keeps what the top frame's widgets published on their
// steps, as the frame returns and its context goes; its other steps get
// an empty map, so that none of them reads the context of a later frame
// of the same module or subflow.
func (r *run) retireFrame() {
	ws, _ := r.x.top().Context["widgets"].(map[string]any)
	for state, out := range ws {
		r.retire(state, out)
	}
	label := r.x.top().Label()
	for i := range r.x.Steps {
		if s := &r.x.Steps[i]; s.Frame == label && s.Published == nil {
			s.Published = map[string]any{}
		}
	}
}

func (r *run) widgetOutput(state, key string) any {
	ws, _ := r.x.top().Context["widgets"].(map[string]any)
	m, _ := ws[state].(map[string]any)
	return m[key]
}

func (r *run) fail(code FailureCode, reason string) { r.end(StatusFailed, code, reason) }

// failStep fails the execution with a step's error, classified; an error
// that is the caller's context ending stops the run instead (canceled).
func (r *run) failStep(st *pstate, err error) {
	if r.ctx.Err() != nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)) {
		r.canceled = fmt.Errorf("runtime: state %q stopped: %w", st.name, r.ctx.Err())
		return
	}
	r.fail(codeOf(err), stepReason(st, err))
}

// stepReason is why step st failed with err, naming the state first.
func stepReason(st *pstate, err error) string {
	reason := fmt.Sprintf("state %q: %v", st.name, err)
	if te := (*TemplateError)(nil); errors.As(err, &te) && te.State == st.name {
		// A template's error names its state too (TemplateError): the
		// reason names it once, first, as every step failure does.
		reason = strings.Replace(reason, fmt.Sprintf(": state %q, ", st.name), ": ", 1)
	}
	return reason
}

// end ends the execution. The reason is stored and published, so it is
// cleaned of stack traces and host paths first.
func (r *run) end(status Status, code FailureCode, reason string) {
	x := r.x
	now := r.e.clock()
	reason = cleanReason(reason)
	x.Status, x.FailureCode, x.Reason, x.Wait, x.EndedAt = status, code, reason, nil, &now
	x.DueAt = time.Time{}
	r.events = append(r.events, Event{Type: EventExecutionEnded, ExecutionID: x.ID, FlowSid: x.FlowSid, Revision: x.Revision, Time: now, Status: status, FailureCode: code, Reason: reason})
}

// contain turns a panic in an Engine method into an error, so that nothing
// a host or a store hands back can crash the host's process. The stack is
// logged; the error says only what failed.
func (e *Engine) contain(op string, err *error) {
	if p := recover(); p != nil {
		e.logger.Error("studioflow: internal error", "operation", op, "panic", p, "stack", string(debug.Stack()))
		*err = fmt.Errorf("runtime: %s: internal error: %s", op, cleanReason(fmt.Sprint(p)))
	}
}

// panicError is a widget's panic, as the step's error. Its text is the
// panic value alone: the stack goes to the engine's log, never into the
// execution.
type panicError struct{ value any }

func (p *panicError) Error() string { return fmt.Sprintf("widget panicked: %v", p.value) }

// guard runs a node's method (Run, Resume, Return), turning a panic (a
// faulty custom widget) into an error, so that it fails the execution
// instead of the host process, and refusing a result that is not valid
// (widgets.Result.Validate). If the caller's context ended while the
// method ran, its result is not the flow's outcome (a request that failed
// for it, a timeout branch): the context's error is returned instead,
// which stops the run unsaved (failStep).
func (r *run) guard(f func() (widgets.Result, error)) (res widgets.Result, err error) {
	defer func() {
		if p := recover(); p != nil {
			r.e.logger.Error("studioflow: a widget panicked", "execution", r.x.ID, "state", r.step.StateName(), "panic", p, "stack", string(debug.Stack()))
			err = &panicError{value: p}
		}
	}()
	if res, err = f(); err == nil {
		err = res.Validate()
	}
	if err == nil && r.ctx.Err() != nil {
		err = r.ctx.Err()
	}
	return res, err
}

// stepCtx implements widgets.StepContext for the running state.
type stepCtx struct {
	r *run
	// name is the state's name as the program holds it (pstate.name), which
	// outlives the run: the service-call contexts point to it rather than
	// copy it.
	name *string
	// calls counts the step's service calls (Context calls) in its phase
	// (see scIn), for their effect keys; steps, waits and frame are the
	// execution's counts at the phase's first call, which all its calls'
	// keys carry.
	phase               stepPhase
	calls               int
	numbered            bool // steps, waits and frame are this phase's
	steps, waits, frame int32
}

// Context returns the step's context for one service call, carrying the
// call's widgets.Effect: the execution, its step and wait counts, the
// frame and state, the phase and the call's number in it, all from saved
// state, so that a step run again after a crash makes its calls with the
// same keys. Each call gets a context of its own, which stays valid (and
// keeps its numbers) for as long as the service keeps it.
func (s *stepCtx) Context() context.Context {
	s.calls++
	r := s.r
	if !s.numbered { // the phase's first call: its numbers
		s.numbered = true
		s.steps, s.waits, s.frame = int32(len(r.x.Steps)), int32(r.x.Waits), int32(len(r.x.Frames))
	}
	// A context of its own for each call: a service may keep its context
	// after the call returns (net/http does, in its transport), so no
	// later call may change it. They are cut from blocks, the first of
	// two contexts and the next of effectBlockSize, so that a long run
	// allocates for one call in effectBlockSize; a kept context keeps its
	// block alive (half a kilobyte), and the compiled program its state
	// belongs to (which the engine's cache keeps anyway while the flow
	// runs).
	if r.effects == nil {
		r.effects = &effectRun{Context: r.ctx, id: r.x.ID}
	}
	// (Read once into locals: a node that breaks the one-goroutine rule
	// of StepContext may get a repeated key, never an index out of range.)
	block, i := r.block, r.used
	if i >= len(block) {
		block, i = make([]effectContext, min(effectBlockSize, 2*len(block)+2)), 0
		r.block = block
	}
	r.used = i + 1
	c := &block[i]
	*c = effectContext{effectRun: r.effects, state: s.name, steps: s.steps,
		waits: s.waits, frame: s.frame, call: uint32(s.calls)&callMask | uint32(s.phase)<<callBits}
	return c
}

// effectBlockSize is the most service-call contexts a run allocates at
// once.
const effectBlockSize = 16

// effectRun is what every service-call context of a run shares: the
// caller's context and the execution.
type effectRun struct {
	context.Context
	id string
}

// inStep is the context key that marks a step's service calls: an engine
// call made with such a context comes from inside a step, and would wait
// for the lock that step's run holds.
type inStep struct{}

// fromStep refuses an engine call made from inside a step (a service that
// calls Start, Resume or End with its call's context): it would wait
// forever on the lock the step's own run holds.
func fromStep(ctx context.Context, op string) error {
	if id, ok := ctx.Value(inStep{}).(string); ok {
		return fmt.Errorf("runtime: %s called from inside a step of execution %s, which holds its lock: a service must hand the call to another goroutine, after the step: %w", op, id, ErrRefused)
	}
	return nil
}

// effectContext is the step's context for one service call, with the
// numbers its effect key is made of. It is kept small (32 bytes, no
// more than its two pointers and four 32-bit numbers), since a run makes
// one per service call and every byte of it is garbage to collect: the
// state is the program's own name, steps, waits and frames fit in 32 bits
// (a run's steps are held in memory, and there are no more waits or
// frames than steps), and call holds the phase in its top two bits and
// the call's number in the phase in the rest: numbers, and so keys,
// would repeat after 2^30 calls in one step phase, which no step makes
// (a service call takes a microsecond at the least: that is a step of
// twenty minutes, past every deadline).
type effectContext struct {
	*effectRun
	state               *string
	steps, waits, frame int32
	call                uint32
}

// callBits is how many of effectContext.call's bits hold the call's
// number; the phase is above them.
const (
	callBits = 30
	callMask = 1<<callBits - 1
)

// The phases must fit above callBits.
var _ = [1]struct{}{}[len(phaseNames)>>(32-callBits)]

// stepPhase is the phase of a step its service calls are made in (see
// run.scIn).
type stepPhase uint8

const (
	phaseRun    stepPhase = iota // the state runs
	phaseResume                  // its wait is answered
	phaseReturn                  // its child frame returns
)

// phaseNames are the phases as effect keys spell them.
var phaseNames = [...]string{phaseRun: "", phaseResume: "resume", phaseReturn: "return"}

// Value answers widgets.EffectOf; anything else is the caller's context's.
func (c *effectContext) Value(key any) any {
	if key == (inStep{}) {
		return c.id
	}
	if key == widgets.EffectContextKey {
		call := strconv.Itoa(int(c.call & callMask))
		if phase := stepPhase(c.call >> callBits); phase != phaseRun {
			call = phaseNames[phase] + "-" + call
		}
		// execution/step.wait/frame:state/call: a state waiting again, a
		// child frame's first steps and the parent's entering step all
		// differ.
		return widgets.Effect{Execution: c.id, Key: c.id + "/" + strconv.Itoa(int(c.steps)+1) + "." + strconv.Itoa(int(c.waits)) + "/" +
			strconv.Itoa(int(c.frame)) + ":" + *c.state + "/" + call}
	}
	return c.Context.Value(key)
}
func (s *stepCtx) StateName() string              { return *s.name }
func (s *stepCtx) Now() time.Time                 { return s.r.e.clock() }
func (s *stepCtx) Intn(n int) int                 { return s.r.e.intn(n) }
func (s *stepCtx) NewID(prefix string) string     { return s.r.e.ids(prefix) }
func (s *stepCtx) Services() *widgets.Services    { return s.r.e.services }
func (s *stepCtx) ContactAddress() string         { return s.r.x.Contact }
func (s *stepCtx) FlowAddress() string            { return s.r.x.Address }
func (s *stepCtx) Call() widgets.Call             { return s.r.x.Call }
func (s *stepCtx) Lookup(path string) (any, bool) { return lookup(s.r.x.top().Context, path) }

func (s *stepCtx) TriggerEvent() string {
	if len(s.r.x.Frames) > 1 {
		return flow.EventIncomingParent
	}
	return s.r.x.Trigger.Event()
}

func (s *stepCtx) Render(t widgets.Text) (string, error) {
	if !t.Dynamic {
		return t.Src, nil
	}
	var out string
	var err error
	if t.Template != nil && t.Template.Source() == t.Src {
		out, err = s.r.e.renderer.r.Render(s.r.ctx, t.Template, s.r.x.top().Context)
	} else {
		out, err = s.r.e.renderer.render(s.r.ctx, t.Src, s.r.x.top().Context)
	}
	if err != nil {
		return "", &TemplateError{State: *s.name, Property: t.Prop, Err: err}
	}
	return out, nil
}

func (s *stepCtx) Shared(key string) (any, bool) {
	v, ok := s.r.x.Shared[key]
	return v, ok
}

func (s *stepCtx) SetShared(key string, value any) error {
	if value == nil {
		delete(s.r.x.Shared, key)
		return nil
	}
	v, err := s.r.e.bounds().value(value, 1)
	if err != nil {
		return err.within("shared." + key)
	}
	if s.r.x.Shared == nil {
		s.r.x.Shared = map[string]any{}
	}
	s.r.x.Shared[key] = v
	return nil
}

func (s *stepCtx) SetVariable(key string, value any) {
	fl, _ := s.r.x.top().Context["flow"].(map[string]any)
	if fl == nil {
		fl = map[string]any{}
		s.r.x.top().Context["flow"] = fl
	}
	vars, _ := fl["variables"].(map[string]any)
	if vars == nil {
		vars = map[string]any{}
		fl["variables"] = vars
	}
	v, err := s.r.e.bounds().value(value, 1)
	if err != nil {
		if s.r.valueErr == nil {
			s.r.valueErr = err.within("flow.variables." + key)
		}
		return
	}
	vars[key] = v
	if top := s.r.x.top(); top.Kind == FrameModule && slices.Contains(s.r.prog().def.ExposedVariables, key) {
		if s.r.x.Exposed == nil {
			s.r.x.Exposed = map[string]any{}
		}
		s.r.x.Exposed[top.Ref+"."+key] = v
	}
}
