package temporal

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/studioflow/studioflow/runtime"
	"github.com/studioflow/studioflow/widgets"
)

// Names the workflow is reached by.
const (
	// WorkflowName is the workflow type of an execution.
	WorkflowName = "studioflow.Execution"
	// UpdateEvent delivers one event (a Delivery) to the execution: its
	// validator refuses, without touching the history, an event the
	// current wait does not accept, one that answers another wait, and
	// one addressed to another execution of the session. Its result is
	// the execution advanced (a Snapshot).
	UpdateEvent = "event"
	// UpdateEnd ends the execution on request (a Delivery whose Reason
	// is recorded; its Event is not used).
	UpdateEnd = "end"
	// UpdateStarted returns the execution once its first run is recorded
	// (a Snapshot), or the start's refusal: Runner.Start sends it with
	// the start (update-with-start), so the caller gets the execution as
	// its first run left it. Its argument is not used.
	UpdateStarted = "started"
	// QueryExecution returns the execution as it is now (a Snapshot).
	QueryExecution = "execution"
)

// engineVersionID and engineVersion mark, in each history, the engine
// behaviour the workflow was recorded with (workflow.GetVersion):
//
//   - 1: a step that fails inside a subflow fails the execution;
//   - 2: it takes the caller's failed event instead (Twilio's Run Subflow:
//     "could not be loaded or executed"); a history recorded with 1, or
//     before versions were recorded, replays with
//     runtime.WithSubflowFailuresEndExecution;
//   - 3: templates show "now" in the engine's default zone, US Pacific
//     time, where they showed it in UTC: a history recorded before
//     replays with runtime.WithTemplateZone(time.UTC), unless the
//     worker's Options set a zone; and a step that fails in a module a
//     subflow runs takes the subflow caller's failed event, where it
//     failed the execution: a history recorded before replays with
//     runtime.WithModuleFailuresInSubflowsEndExecution.
const (
	engineVersionID = "studioflow.engine"
	engineVersion   = 3
)

// DefaultHistoryLimit is the number of history events after which an
// execution continues as new, carrying itself; Temporal's own suggestion
// (far larger histories) also makes it continue.
const DefaultHistoryLimit = 5000

// Input starts an execution's workflow, or continues one as new.
type Input struct {
	// Request is the start request.
	Request runtime.StartRequest `json:"request"`
	// Execution, set when continuing as new, is the execution carried
	// over (runtime.MarshalExecution).
	Execution json.RawMessage `json:"execution,omitempty"`
	// Pinned are the definitions resolved so far, carried over.
	Pinned map[string]Pinned `json:"pinned,omitempty"`
	// IDs counts the ids made so far, and Seed seeds the engine's
	// randomness (recorded once, at the first start).
	IDs  int    `json:"ids,omitempty"`
	Seed uint64 `json:"seed,omitempty"`
}

// Delivery is an update's argument: the event, and the execution it is
// for (empty: whichever the workflow runs).
type Delivery struct {
	Execution string        `json:"execution,omitempty"`
	Event     widgets.Event `json:"event"`
	// Reason is why UpdateEnd ends the execution.
	Reason string `json:"reason,omitempty"`
}

// Snapshot is an execution as updates and queries return it.
type Snapshot struct {
	// Execution is runtime.MarshalExecution's record.
	Execution json.RawMessage `json:"execution"`
	// Busy, in a query's answer, says that a run of the execution is on
	// the engine: Execution is as it was before that run.
	Busy bool `json:"busy,omitempty"`
	// Voice, with Worker.VoiceInReply, are the voice calls of the
	// update's run (say, gather, dial ...), in order, for the web process
	// to make with its own voice service (Runner.Voice): a webhook that
	// must answer with TwiML gets it from them.
	Voice []Call `json:"voice,omitempty"`
}

// Decode returns the execution the snapshot holds.
func (s Snapshot) Decode() (*runtime.Execution, error) {
	return runtime.UnmarshalExecution(s.Execution)
}

func snapshot(x *runtime.Execution) (Snapshot, error) {
	data, err := runtime.MarshalExecution(x)
	return Snapshot{Execution: data}, err
}

// Worker hosts executions on a Temporal worker: the workflow and the
// activities it calls.
type Worker struct {
	// Activities are the host's services and sources.
	Activities *Activities
	// Options are the engine's options inside the workflow: widget types
	// (runtime.WithWidgets, WithWidget), limits, template settings. The
	// clock, ids, randomness, services, sources and sink are the
	// workflow's own and must not be given here.
	Options []runtime.Option
	// ActivityTimeout bounds one service call (StartToCloseTimeout) when
	// its step gives no time limit of its own (an HTTP request's timeout,
	// a Connect action's limit); default 30 s. A service's failure is not
	// retried: the widget takes its failure branch, as in process. A
	// call whose worker is lost is tried again, at most 3 times, under
	// the same idempotency key.
	ActivityTimeout time.Duration
	// HistoryLimit is the history length after which an execution
	// continues as new; default DefaultHistoryLimit.
	HistoryLimit int
	// VoiceInReply hands the voice calls of a start's or an update's run
	// back with its result (Snapshot.Voice) instead of making them in the
	// Voice activity, but for an outbound call and a call recording,
	// which answer with what the flow reads. The web process that serves
	// Twilio's voice webhooks makes them (Runner.Voice, the adapter's
	// voice service), so the TwiML of the run answers the webhook that
	// waits for it, whichever process the workflow ran on. A run no
	// webhook waits for (a timer's) makes its voice calls in the Voice
	// activity. Changing it changes what a workflow does: set it once,
	// for every worker of a task queue.
	VoiceInReply bool
}

// Register registers the workflow and the activities on w.
func (wk *Worker) Register(w worker.Registry) {
	w.RegisterWorkflowWithOptions(wk.Execution, workflow.RegisterOptions{Name: WorkflowName})
	a := wk.Activities
	for name, fn := range map[string]any{
		activityVoice: a.Voice, activityMessaging: a.Messaging, activityHTTP: a.HTTP, activityFunction: a.Function,
		activityAction: a.Action, activityPayment: a.Payment, activityStream: a.Stream, activityContactCenter: a.ContactCenter,
		activityResolve: a.Resolve, activityPublish: a.Publish,
	} {
		w.RegisterActivityWithOptions(fn, activity.RegisterOptions{Name: name})
	}
}

// run is one run of the workflow: the engine and the execution.
type run struct {
	wk     *Worker
	k      *calls
	pins   *pins
	engine *runtime.Engine
	x      *runtime.Execution
	ids    int
	seed   uint64
	// version is the engine behaviour the history was recorded with
	// (engineVersion).
	version workflow.Version
	// changed counts the updates that changed x, so the main loop wakes.
	changed int
	// startErr is why the engine refused to start the execution.
	startErr error
	// first is the execution as its first run left it, with that run's
	// voice calls (VoiceInReply), for UpdateStarted.
	first Snapshot
	// root is the workflow's own context; outbox queues events for the
	// sink, publishing counts the batches not yet handed over.
	root       workflow.Context
	outbox     workflow.Channel
	publishing int
	// busy is set while the engine runs (an update's delivery, or a
	// timeout): the engine blocks on activities, and another update or
	// the main loop must wait for it rather than advance the execution
	// as it was before.
	busy bool
}

// lock waits until no engine run is in progress and takes the engine for
// the code running in ctx; unlock gives it back.
func (r *run) lock(ctx workflow.Context) error {
	if err := workflow.Await(ctx, func() bool { return !r.busy }); err != nil {
		return err
	}
	r.busy = true
	r.k.wctx = ctx
	return nil
}

func (r *run) unlock() { r.busy = false }

// Execution is the workflow: it starts (or carries over) one execution
// and advances it with the engine, event by event (UpdateEvent), timeout
// by timeout (a timer for the wait's deadline and one for the lifetime),
// until it ends; it returns the ended execution.
func (wk *Worker) Execution(ctx workflow.Context, in Input) (Snapshot, error) {
	timeout := wk.ActivityTimeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	// The engine's behaviour as of this version: a change that would make
	// an old history decide otherwise branches on a new version here.
	version := workflow.GetVersion(ctx, engineVersionID, workflow.DefaultVersion, engineVersion)
	r := &run{wk: wk, ids: in.IDs, seed: in.Seed, root: ctx, version: version}
	// A service's own failure is never retried (the activities fail
	// non-retryably: the widget takes its failure branch, as in
	// process); a worker lost mid-call is, under the call's idempotency
	// key.
	r.k = &calls{wctx: ctx, opts: workflow.ActivityOptions{StartToCloseTimeout: timeout, ScheduleToCloseTimeout: 3*timeout + 10*time.Second,
		RetryPolicy: &temporal.RetryPolicy{MaximumAttempts: 3, InitialInterval: time.Second}}}
	r.pins = &pins{k: r.k, kept: in.Pinned}
	if r.pins.kept == nil {
		r.pins.kept = map[string]Pinned{}
	}
	if in.Execution == nil {
		// The randomness is recorded once, and carried over.
		if err := workflow.SideEffect(ctx, func(workflow.Context) any { return newSeed() }).Get(&r.seed); err != nil {
			return Snapshot{}, err
		}
	}
	r.engine = wk.engine(ctx, r)

	if err := workflow.SetQueryHandler(ctx, QueryExecution, func() (Snapshot, error) {
		if r.x == nil {
			return Snapshot{}, errors.New("studioflow: the execution has not started yet")
		}
		snap, err := snapshot(r.x)
		snap.Busy = r.busy
		return snap, err
	}); err != nil {
		return Snapshot{}, err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateEvent, r.deliver, workflow.UpdateHandlerOptions{Validator: r.admit}); err != nil {
		return Snapshot{}, err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateEnd, r.stop, workflow.UpdateHandlerOptions{Validator: r.admitEnd}); err != nil {
		return Snapshot{}, err
	}
	if err := workflow.SetUpdateHandler(ctx, UpdateStarted, r.started); err != nil {
		return Snapshot{}, err
	}

	if in.Execution != nil {
		x, err := runtime.UnmarshalExecution(in.Execution)
		if err != nil {
			return Snapshot{}, temporal.NewNonRetryableApplicationError(err.Error(), "studioflow.Corrupt", err)
		}
		r.x = x
	} else {
		if err := r.lock(ctx); err != nil {
			return Snapshot{}, err
		}
		r.k.deferVoice, r.k.voice = wk.VoiceInReply, nil
		x, events, err := r.engine.Begin(context.Background(), in.Request)
		voice := r.k.voice
		r.k.deferVoice, r.k.voice = false, nil
		r.unlock()
		if err == nil {
			r.first, r.startErr = snapshot(x)
			r.first.Voice = voice
		}
		if err != nil {
			// The start's caller (UpdateStarted) hears why first.
			r.startErr = refusal(err)
			if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
				return Snapshot{}, err
			}
			return Snapshot{}, r.startErr
		}
		r.x = x
		r.publish(ctx, events)
	}

	limit := wk.HistoryLimit
	if limit <= 0 {
		limit = DefaultHistoryLimit
	}
	for r.x.Status == runtime.StatusActive {
		info := workflow.GetInfo(ctx)
		if info.GetCurrentHistoryLength() >= limit || info.GetContinueAsNewSuggested() {
			// Let a running update finish first: its caller waits on it.
			if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
				return Snapshot{}, err
			}
			if err := r.published(ctx); err != nil {
				return Snapshot{}, err
			}
			data, err := runtime.MarshalExecution(r.x)
			if err != nil {
				return Snapshot{}, err
			}
			return Snapshot{}, workflow.NewContinueAsNewError(ctx, WorkflowName,
				Input{Request: in.Request, Execution: data, Pinned: r.pins.kept, IDs: r.ids, Seed: r.seed})
		}
		seen := r.changed
		due, ok := r.due()
		woken := func() bool { return r.changed != seen }
		if !ok {
			if err := workflow.Await(ctx, woken); err != nil {
				return Snapshot{}, err
			}
			continue
		}
		wait := due.Sub(workflow.Now(ctx))
		if wait > 0 {
			updated, err := workflow.AwaitWithTimeout(ctx, wait, woken)
			if err != nil {
				return Snapshot{}, err
			}
			if updated {
				continue
			}
		}
		if err := r.lock(ctx); err != nil {
			return Snapshot{}, err
		}
		if r.changed != seen {
			// An update took the execution first; look again.
			r.unlock()
			continue
		}
		x, events, err := r.engine.Elapse(context.Background(), r.x)
		r.unlock()
		if err != nil {
			workflow.GetLogger(ctx).Warn("studioflow: a timeout could not be delivered", "error", err)
		}
		if x != nil {
			r.x = x
			r.publish(ctx, events)
		} else if err != nil {
			return Snapshot{}, err
		}
	}
	// Updates that were admitted finish, and the events are handed
	// over, before the workflow ends.
	if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
		return Snapshot{}, err
	}
	if err := r.published(ctx); err != nil {
		return Snapshot{}, err
	}
	return snapshot(r.x)
}

// due is when time next owes the execution something: its wait's
// deadline, or the end of its lifetime.
func (r *run) due() (time.Time, bool) {
	end := r.x.CreatedAt.Add(r.engine.Limits().Lifetime)
	if r.x.Wait != nil && r.x.Wait.Deadline != nil && r.x.Wait.Deadline.Before(end) {
		return *r.x.Wait.Deadline, true
	}
	return end, r.engine.Limits().Lifetime > 0
}

// admit is UpdateEvent's validator: it observes and changes nothing.
func (r *run) admit(d Delivery) error {
	err := r.addressed(d)
	if err == nil {
		err = r.engine.Admit(r.x, d.Event)
	}
	return refusal(err)
}

// admitEnd is UpdateEnd's validator.
func (r *run) admitEnd(d Delivery) error {
	err := r.addressed(d)
	if err == nil && r.x.Status != runtime.StatusActive {
		err = fmt.Errorf("runtime: end %s: the execution has already %s: %w", r.x.ID, r.x.Status, runtime.ErrRefused)
	}
	return refusal(err)
}

// addressed checks that d is for the execution the workflow runs.
func (r *run) addressed(d Delivery) error {
	switch {
	case r.x == nil:
		return fmt.Errorf("studioflow: the execution has not started yet: %w", runtime.ErrRefused)
	case d.Execution != "" && d.Execution != r.x.ID:
		return fmt.Errorf("studioflow: execution %s is not the one this workflow runs (%s): %w", d.Execution, r.x.ID, runtime.ErrNotFound)
	}
	return nil
}

// refusal is err as an update's failure, its type telling the client
// which of the engine's errors it is.
func refusal(err error) error {
	if err == nil {
		return nil
	}
	return temporal.NewApplicationErrorWithOptions(err.Error(), refusedType(err), temporal.ApplicationErrorOptions{NonRetryable: true})
}

// deliver is UpdateEvent's handler.
func (r *run) deliver(ctx workflow.Context, d Delivery) (Snapshot, error) {
	return r.apply(ctx, func() (*runtime.Execution, []runtime.Event, error) {
		return r.engine.Advance(context.Background(), r.x, d.Event)
	})
}

// stop is UpdateEnd's handler.
func (r *run) stop(ctx workflow.Context, d Delivery) (Snapshot, error) {
	return r.apply(ctx, func() (*runtime.Execution, []runtime.Event, error) {
		return r.engine.Stop(context.Background(), r.x, d.Reason)
	})
}

// started is UpdateStarted's handler: the execution once its first run
// is recorded, or why it did not start.
func (r *run) started(ctx workflow.Context) (Snapshot, error) {
	if err := workflow.Await(ctx, func() bool { return r.startErr != nil || r.first.Execution != nil || r.x != nil }); err != nil {
		return Snapshot{}, err
	}
	if r.startErr != nil {
		return Snapshot{}, r.startErr
	}
	snap := r.first
	if snap.Execution == nil {
		// Carried over a continue-as-new: the start was long ago.
		return snapshot(r.x)
	}
	// The first run's voice calls go to the start's caller only once.
	r.first.Voice = nil
	return snap, nil
}

// apply runs f on the engine, its turn taken, and keeps what it returns.
// The events are published once the engine is free again: a slow sink
// holds up no other update.
func (r *run) apply(ctx workflow.Context, f func() (*runtime.Execution, []runtime.Event, error)) (Snapshot, error) {
	if err := r.lock(ctx); err != nil {
		return Snapshot{}, err
	}
	r.k.deferVoice, r.k.voice = r.wk.VoiceInReply, nil
	x, events, err := f()
	voice := r.k.voice
	r.k.deferVoice, r.k.voice = false, nil
	if x != nil {
		r.x = x
		r.changed++
	}
	snap, serr := snapshot(r.x)
	snap.Voice = voice
	r.unlock()
	if x != nil {
		r.publish(ctx, events)
	}
	if err != nil {
		return Snapshot{}, refusal(err)
	}
	return snap, serr
}

// Error types of a refused update, for the client to turn back.
const (
	errTypeRefused = "studioflow.Refused"
	errTypeStale   = "studioflow.Stale"
)

func refusedType(err error) string {
	switch {
	case errors.Is(err, runtime.ErrStale):
		return errTypeStale
	case errors.Is(err, runtime.ErrRefused):
		return errTypeRefused
	case errors.Is(err, runtime.ErrNotFound):
		return errTypeNotFound
	}
	return errTypeService
}

// publish queues events for the host's sink: one coroutine hands them to
// the Publish activity in the order the runs made them, so that a slow
// sink holds up no run and execution.ended never overtakes a step.
func (r *run) publish(ctx workflow.Context, events []runtime.Event) {
	if len(events) == 0 || r.wk.Activities == nil || r.wk.Activities.Sink == nil {
		return
	}
	if r.outbox == nil {
		r.outbox = workflow.NewBufferedChannel(ctx, 1<<16)
		root := r.root
		workflow.Go(root, func(gctx workflow.Context) {
			actx := workflow.WithActivityOptions(gctx, workflow.ActivityOptions{StartToCloseTimeout: r.k.opts.StartToCloseTimeout,
				RetryPolicy: &temporal.RetryPolicy{MaximumAttempts: 5}})
			for {
				var batch []runtime.Event
				r.outbox.Receive(gctx, &batch)
				if err := workflow.ExecuteActivity(actx, activityPublish, batch).Get(actx, nil); err != nil {
					workflow.GetLogger(gctx).Warn("studioflow: events not published", "error", err)
				}
				r.publishing--
			}
		})
	}
	r.publishing++
	r.outbox.SendAsync(events)
}

// published waits until the queued events are handed over.
func (r *run) published(ctx workflow.Context) error {
	return workflow.Await(ctx, func() bool { return r.publishing == 0 })
}

// engine builds the engine a workflow run advances its execution with:
// the workflow's clock, ids made from the workflow's id and a count
// carried over, the recorded seed, services that call activities, and
// the pinned definitions.
func (wk *Worker) engine(ctx workflow.Context, r *run) *runtime.Engine {
	var host *widgets.Services
	if wk.Activities != nil {
		host = wk.Activities.Services
	}
	info := workflow.GetInfo(ctx)
	session := sessionPart(info.WorkflowExecution.ID)
	chain := info.FirstRunID
	var opts []runtime.Option
	if r.version < 3 {
		// Before the worker's options, which may set a zone of their own.
		opts = append(opts, runtime.WithTemplateZone(time.UTC))
	}
	opts = append(opts, wk.Options...)
	if r.version < 3 {
		opts = append(opts, runtime.WithModuleFailuresInSubflowsEndExecution())
	}
	if r.version < 2 {
		opts = append(opts, runtime.WithSubflowFailuresEndExecution())
	}
	return runtime.New(append(opts,
		runtime.WithClock(func() time.Time { return workflow.Now(r.k.wctx).UTC() }),
		runtime.WithIDs(func(prefix string) string {
			// The session's part names the workflow (Runner finds it
			// from an execution's id); the rest is unique to this
			// execution (its first run) and this id.
			r.ids++
			sum := sha256.Sum256(fmt.Appendf(nil, "%s/%d", chain, r.ids))
			return prefix + session + hex.EncodeToString(sum[:8])
		}),
		runtime.WithSeed(r.seed),
		runtime.WithServices(r.k.services(host)),
		runtime.WithSource(r.pins),
		runtime.WithModules(r.pins),
	)...)
}

// newSeed draws the engine's seed, outside the workflow's determinism
// (workflow.SideEffect records it).
func newSeed() uint64 {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return binary.BigEndian.Uint64(b[:])
}
