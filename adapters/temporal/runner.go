package temporal

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/studioflow/studioflow/runtime"
	"github.com/studioflow/studioflow/widgets"
)

// Runner runs executions on Temporal for a host's webhooks: a
// runtime.Runner, so the Twilio adapter (and anything else written for
// runtime.Engine's Start, Resume, Get, Settled, FindActive and End) serves
// a number with it unchanged.
//
// Each execution is a workflow whose id is derived from the execution's
// session (runtime.SessionKey), started with the conflict policy FAIL, so
// that a contact has at most one running execution. An execution's id
// carries its workflow's: "FN", 16 hex digits naming the session's
// workflow, then 16 unique to the execution; so Resume, Get and End find
// the workflow from the id alone, on any instance.
type Runner struct {
	// Client reaches the Temporal service.
	Client client.Client
	// TaskQueue is the queue the workers (Worker.Register) poll.
	TaskQueue string
	// Source finds the flow a start names, for its session key (whether
	// it allows concurrent calls); the workers' Activities.Source.
	Source runtime.Source
	// Voice, with workers that set Worker.VoiceInReply, makes the voice
	// calls a start's or an update's run handed back, in this process,
	// before Start, Resume or End returns: the Twilio adapter's voice
	// service (Adapter.Services(nil).Voice), whose TwiML the webhook that
	// called then answers with.
	Voice widgets.Voice
}

var _ runtime.Runner = (*Runner)(nil)

// workflowPrefix starts the id of every execution's workflow.
const workflowPrefix = "studioflow-"

// WorkflowID returns the id of the workflow req's execution runs as: one
// per session, so that a second start for a contact with a running
// execution conflicts. A parent start (a subflow) has no session; its id
// is drawn at random, new for every start.
func (r *Runner) WorkflowID(ctx context.Context, req runtime.StartRequest) (string, error) {
	res, err := r.resolve(ctx, &req)
	if err != nil {
		return "", err
	}
	return workflowID(req, res)
}

// workflowID is WorkflowID for a request resolve pinned to res.
func workflowID(req runtime.StartRequest, res *runtime.Resolved) (string, error) {
	key := runtime.SessionKey(req, res.Definition)
	if key == "" {
		// No session: every parent start is an execution of its own.
		var b [8]byte
		if _, err := rand.Read(b[:]); err != nil {
			return "", err
		}
		return workflowPrefix + hex.EncodeToString(b[:]), nil
	}
	sum := sha256.Sum256([]byte(key))
	return workflowPrefix + hex.EncodeToString(sum[:8]), nil
}

// resolve finds the flow req starts, as Engine.Start does: by its sid,
// or, when it names none, by the address called or texted (a source that
// is a runtime.AddressResolver: numbers, test users and their drafts).
// It pins req to that flow and revision, so that the workflow runs the
// version the session was resolved to.
func (r *Runner) resolve(ctx context.Context, req *runtime.StartRequest) (*runtime.Resolved, error) {
	var res *runtime.Resolved
	var err error
	if req.FlowSid == "" {
		ar, ok := r.Source.(runtime.AddressResolver)
		if !ok {
			return nil, fmt.Errorf("temporal: start: no flow named and the source cannot resolve address %q: %w", req.FlowAddress, runtime.ErrRefused)
		}
		if res, err = ar.FlowAt(ctx, req.FlowAddress, req.Contact); err != nil {
			return nil, fmt.Errorf("temporal: start at address %s: %w", req.FlowAddress, err)
		}
	} else if res, err = r.Source.Flow(ctx, req.FlowSid, req.Revision); err != nil {
		return nil, fmt.Errorf("temporal: start %s: %w", req.FlowSid, err)
	}
	req.FlowSid, req.Revision = res.Sid, strconv.Itoa(res.Revision)
	return res, nil
}

// sessionPart is the part of execution ids that names the workflow id:
// its 16 hex digits, or, for a workflow started under another id, a hash
// of it (such an execution's id does not lead back to its workflow).
func sessionPart(workflowID string) string {
	if p, ok := strings.CutPrefix(workflowID, workflowPrefix); ok && len(p) == 16 {
		return p
	}
	sum := sha256.Sum256([]byte(workflowID))
	return hex.EncodeToString(sum[:8])
}

// workflowOf returns the workflow id an execution id names.
func workflowOf(id string) (string, error) {
	if len(id) != 34 {
		return "", fmt.Errorf("temporal: %q is no execution id of this runner: %w", id, runtime.ErrNotFound)
	}
	if _, err := hex.DecodeString(id[2:]); err != nil {
		return "", fmt.Errorf("temporal: %q is no execution id of this runner: %w", id, runtime.ErrNotFound)
	}
	return workflowPrefix + id[2:18], nil
}

// Start starts req's execution and returns it as its first run left it
// (waiting, or ended). A start for a session with a running execution
// fails with an error wrapping runtime.ErrConflict, as Engine.Start does.
func (r *Runner) Start(ctx context.Context, req runtime.StartRequest) (*runtime.Execution, error) {
	res, err := r.resolve(ctx, &req)
	if err != nil {
		return nil, err
	}
	id, err := workflowID(req, res)
	if err != nil {
		return nil, err
	}
	// Update-with-start: the workflow starts, and the update answers once
	// the first run is recorded (or with the start's refusal).
	op := r.Client.NewWithStartWorkflowOperation(client.StartWorkflowOptions{
		ID: id, TaskQueue: r.TaskQueue,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_FAIL,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
	}, WorkflowName, Input{Request: req})
	h, err := r.Client.UpdateWithStartWorkflow(ctx, client.UpdateWithStartWorkflowOptions{
		StartWorkflowOperation: op,
		UpdateOptions:          client.UpdateWorkflowOptions{UpdateName: UpdateStarted, WaitForStage: client.WorkflowUpdateStageCompleted},
	})
	var started *serviceerror.WorkflowExecutionAlreadyStarted
	if errors.As(err, &started) {
		return r.startOnActive(ctx, req, id)
	}
	if err != nil {
		return nil, fromUpdate(id, "start of "+req.FlowSid, err)
	}
	var snap Snapshot
	if err := h.Get(ctx, &snap); err != nil {
		return nil, fromUpdate(id, "start of "+req.FlowSid, err)
	}
	return r.play(ctx, snap)
}

// startOnActive is Start for a session whose workflow runs, as
// Engine.Start does it: a message goes to the active execution; any other
// start is a conflict naming it.
func (r *Runner) startOnActive(ctx context.Context, req runtime.StartRequest, wf string) (*runtime.Execution, error) {
	x, err := r.query(ctx, wf)
	if err != nil {
		return nil, fmt.Errorf("temporal: start %s: the session has a running execution (workflow %s): %w", req.FlowSid, wf, runtime.ErrConflict)
	}
	if req.Trigger == runtime.TriggerMessage || req.Trigger == runtime.TriggerConversation {
		y, err := r.Resume(ctx, x.ID, runtime.MessageEvent(req))
		if err == nil || !errors.Is(err, runtime.ErrRefused) {
			return y, err
		}
		return nil, &runtime.ConflictError{ActiveID: x.ID, Msg: "the session's active execution is not waiting for a message"}
	}
	return nil, &runtime.ConflictError{ActiveID: x.ID, Msg: fmt.Sprintf("a %s start for a session that already has an active execution", req.Trigger)}
}

// play makes the voice calls snap hands back and returns its execution.
func (r *Runner) play(ctx context.Context, snap Snapshot) (*runtime.Execution, error) {
	x, err := snap.Decode()
	if err != nil {
		return nil, err
	}
	if len(snap.Voice) > 0 && r.Voice == nil {
		return x, fmt.Errorf("temporal: execution %s: the run made %d voice calls for the webhook, and the Runner has no Voice to make them", x.ID, len(snap.Voice))
	}
	for _, c := range snap.Voice {
		if _, err := playVoice(ctx, r.Voice, c); err != nil {
			return x, fmt.Errorf("temporal: execution %s: voice %s: %w", x.ID, c.Op, err)
		}
	}
	return x, nil
}

// Resume delivers ev to execution id and returns it advanced. An event
// the wait does not take is refused before it reaches the history: the
// error wraps runtime.ErrRefused (and runtime.ErrStale for an event that
// answers another wait), and the execution still waits.
func (r *Runner) Resume(ctx context.Context, id string, ev widgets.Event) (*runtime.Execution, error) {
	return r.update(ctx, id, UpdateEvent, Delivery{Execution: id, Event: ev})
}

// End ends execution id, with reason recorded.
func (r *Runner) End(ctx context.Context, id, reason string) (*runtime.Execution, error) {
	return r.update(ctx, id, UpdateEnd, Delivery{Execution: id, Reason: reason})
}

func (r *Runner) update(ctx context.Context, id, name string, d Delivery) (*runtime.Execution, error) {
	wf, err := workflowOf(id)
	if err != nil {
		return nil, err
	}
	// An event that names its wait is one update however often a webhook
	// is retried: Temporal answers a repeated update id with the first
	// one's outcome.
	var updateID string
	if d.Event.Token != "" {
		// The event's data too: two callbacks may answer one wait with
		// the same event (a dial's action and its status callback).
		data, _ := json.Marshal(d.Event.Data)
		sum := sha256.Sum256(data)
		updateID = d.Execution + "/" + d.Event.Token + "/" + d.Event.Name + "/" + hex.EncodeToString(sum[:8])
	}
	h, err := r.Client.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		UpdateID: updateID, WorkflowID: wf, UpdateName: name, Args: []any{d}, WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	var nf *serviceerror.NotFound
	if errors.As(err, &nf) {
		// A workflow that has completed takes no update: if it ran this
		// execution, the execution has ended, and the event is refused,
		// as the engine refuses it.
		if x, qerr := r.query(ctx, wf); qerr == nil && x.ID == id && x.Status != runtime.StatusActive {
			return nil, refused{fmt.Sprintf("temporal: %s to execution %s: the execution has already %s", name, id, x.Status), []error{runtime.ErrRefused}}
		}
	}
	if err != nil {
		return nil, fromUpdate(id, name, err)
	}
	var snap Snapshot
	if err := h.Get(ctx, &snap); err != nil {
		return nil, fromUpdate(id, name, err)
	}
	return r.play(ctx, snap)
}

// Get returns execution id as it is now, running or ended. Of a
// session's executions, Temporal's latest run is asked: an earlier one is
// not found here (its workflow's history keeps it).
func (r *Runner) Get(ctx context.Context, id string) (*runtime.Execution, error) {
	wf, err := workflowOf(id)
	if err != nil {
		return nil, err
	}
	x, err := r.query(ctx, wf)
	if err != nil {
		return nil, err
	}
	if err := runs(x, id); err != nil {
		return nil, err
	}
	return x, nil
}

// Settled is Get once no run of the execution is on the engine (an
// update's, a timer's): it asks again, every 50 ms, until the workflow
// says it is free or ctx ends.
func (r *Runner) Settled(ctx context.Context, id string) (*runtime.Execution, error) {
	wf, err := workflowOf(id)
	if err != nil {
		return nil, err
	}
	for {
		snap, err := r.snapshot(ctx, wf)
		if err != nil {
			return nil, err
		}
		if !snap.Busy {
			x, err := snap.Decode()
			if err == nil {
				err = runs(x, id)
			}
			if err != nil {
				return nil, err
			}
			return x, nil
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("temporal: execution %s: still running: %w", id, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// FindActive returns the id of the session's running execution, or an
// error wrapping runtime.ErrNotFound.
func (r *Runner) FindActive(ctx context.Context, req runtime.StartRequest) (string, error) {
	res, err := r.resolve(ctx, &req)
	if err != nil {
		return "", fmt.Errorf("temporal: find active: %v: %w", err, runtime.ErrRefused)
	}
	wf, err := workflowID(req, res)
	if err != nil {
		return "", fmt.Errorf("temporal: find active: %v: %w", err, runtime.ErrRefused)
	}
	desc, err := r.Client.DescribeWorkflowExecution(ctx, wf, "")
	var nf *serviceerror.NotFound
	if errors.As(err, &nf) {
		return "", fmt.Errorf("temporal: find active in flow %s: %w", req.FlowSid, runtime.ErrNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("temporal: find active in flow %s: %w", req.FlowSid, err)
	}
	if info := desc.GetWorkflowExecutionInfo(); info == nil || info.GetStatus() != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
		return "", fmt.Errorf("temporal: find active in flow %s: %w", req.FlowSid, runtime.ErrNotFound)
	}
	x, err := r.query(ctx, wf)
	if err != nil {
		return "", err
	}
	if x.Status != runtime.StatusActive {
		return "", fmt.Errorf("temporal: find active in flow %s: %w", req.FlowSid, runtime.ErrNotFound)
	}
	return x.ID, nil
}

// query asks workflow wf's latest run for its execution.
func (r *Runner) query(ctx context.Context, wf string) (*runtime.Execution, error) {
	snap, err := r.snapshot(ctx, wf)
	if err != nil {
		return nil, err
	}
	return snap.Decode()
}

func (r *Runner) snapshot(ctx context.Context, wf string) (Snapshot, error) {
	v, err := r.Client.QueryWorkflow(ctx, wf, "", QueryExecution)
	var nf *serviceerror.NotFound
	if errors.As(err, &nf) {
		return Snapshot{}, fmt.Errorf("temporal: workflow %s: %w", wf, runtime.ErrNotFound)
	}
	if err != nil {
		return Snapshot{}, fmt.Errorf("temporal: workflow %s: %w", wf, err)
	}
	var snap Snapshot
	if err := v.Get(&snap); err != nil {
		return Snapshot{}, fmt.Errorf("temporal: workflow %s: %w", wf, err)
	}
	return snap, nil
}

// runs checks that x, the execution a session's workflow runs now, is
// execution id: an earlier execution of the session is not found here.
func runs(x *runtime.Execution, id string) error {
	if x.ID != id {
		return fmt.Errorf("temporal: execution %s: its session's workflow runs %s now: %w", id, x.ID, runtime.ErrNotFound)
	}
	return nil
}

// fromUpdate turns a refused or failed update back into the engine's
// errors.
func fromUpdate(id, name string, err error) error {
	var ae *temporal.ApplicationError
	var nf *serviceerror.NotFound
	// The engine's message says what and where, and names the error it
	// wraps already; the error keeps that message and wraps the same.
	switch {
	case errors.As(err, &ae) && ae.Type() == errTypeStale:
		return refused{"temporal: " + name + " to execution " + id + ": " + ae.Message(), []error{runtime.ErrStale, runtime.ErrRefused}}
	case errors.As(err, &ae) && ae.Type() == errTypeRefused:
		return refused{"temporal: " + name + " to execution " + id + ": " + ae.Message(), []error{runtime.ErrRefused}}
	case errors.As(err, &ae) && ae.Type() == errTypeNotFound:
		return refused{"temporal: " + name + " to execution " + id + ": " + ae.Message(), []error{runtime.ErrNotFound}}
	case errors.As(err, &nf):
		return fmt.Errorf("temporal: %s to execution %s: %w", name, id, runtime.ErrNotFound)
	}
	return fmt.Errorf("temporal: %s to execution %s: %w", name, id, err)
}

// refused is an update the workflow refused, back at the caller: the
// engine's message, wrapping the engine's errors.
type refused struct {
	msg  string
	errs []error
}

func (e refused) Error() string   { return e.msg }
func (e refused) Unwrap() []error { return e.errs }
