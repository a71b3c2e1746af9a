package temporal

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/studioflow/studioflow/runtime"
	"github.com/studioflow/studioflow/widgets"
)

// Runner starts executions on Temporal and delivers their events: what a
// host's webhooks call instead of runtime.Engine's Start and Resume when
// its executions live on Temporal. Each execution is a workflow whose id
// is derived from the execution's session (runtime.SessionKey), started
// with the conflict policy FAIL, so that a contact has at most one
// running execution.
type Runner struct {
	// Client reaches the Temporal service.
	Client client.Client
	// TaskQueue is the queue the workers (Worker.Register) poll.
	TaskQueue string
	// Source finds the flow a start names, for its session key (whether
	// it allows concurrent calls); the workers' Activities.Source.
	Source runtime.Source
}

// WorkflowID returns the id of the workflow req's execution runs as: one
// per session, so that a second start for a contact with a running
// execution conflicts. A parent start (a subflow) has no session; its id
// is unique to the request's parameters and payload.
func (r *Runner) WorkflowID(ctx context.Context, req runtime.StartRequest) (string, error) {
	res, err := r.Source.Flow(ctx, req.FlowSid, req.Revision)
	if err != nil {
		return "", fmt.Errorf("temporal: start %s: %w", req.FlowSid, err)
	}
	key := runtime.SessionKey(req, res.Definition)
	if key == "" {
		key = fmt.Sprintf("%s|parent|%v|%v", req.FlowSid, req.Parameters, req.Payload)
	}
	sum := sha256.Sum256([]byte(key))
	return "studioflow-" + hex.EncodeToString(sum[:16]), nil
}

// Start starts req's execution and returns it as its first run left it
// (waiting, or ended). A start for a session with a running execution
// fails with an error wrapping runtime.ErrConflict, as Engine.Start does.
func (r *Runner) Start(ctx context.Context, req runtime.StartRequest) (*runtime.Execution, string, error) {
	id, err := r.WorkflowID(ctx, req)
	if err != nil {
		return nil, "", err
	}
	_, err = r.Client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID: id, TaskQueue: r.TaskQueue,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_FAIL,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
	}, WorkflowName, Input{Request: req})
	var started *serviceerror.WorkflowExecutionAlreadyStarted
	if errors.As(err, &started) {
		return nil, id, fmt.Errorf("temporal: start %s: the session has a running execution (workflow %s): %w", req.FlowSid, id, runtime.ErrConflict)
	}
	if err != nil {
		return nil, id, fmt.Errorf("temporal: start %s: %w", req.FlowSid, err)
	}
	x, err := r.Get(ctx, id)
	return x, id, err
}

// Deliver delivers ev to the execution of workflow id and returns it
// advanced. An event the wait does not take is refused before it reaches
// the history: the error wraps runtime.ErrRefused (and runtime.ErrStale
// for an event that answers another wait), and the execution still waits.
func (r *Runner) Deliver(ctx context.Context, id string, ev widgets.Event) (*runtime.Execution, error) {
	h, err := r.Client.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID: id, UpdateName: UpdateEvent, Args: []any{ev}, WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	if err != nil {
		return nil, fromUpdate(id, ev, err)
	}
	var snap Snapshot
	if err := h.Get(ctx, &snap); err != nil {
		return nil, fromUpdate(id, ev, err)
	}
	return snap.Decode()
}

// Get returns the execution of workflow id as it is now, running or
// ended.
func (r *Runner) Get(ctx context.Context, id string) (*runtime.Execution, error) {
	v, err := r.Client.QueryWorkflow(ctx, id, "", QueryExecution)
	var nf *serviceerror.NotFound
	if errors.As(err, &nf) {
		return nil, fmt.Errorf("temporal: workflow %s: %w", id, runtime.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("temporal: workflow %s: %w", id, err)
	}
	var snap Snapshot
	if err := v.Get(&snap); err != nil {
		return nil, fmt.Errorf("temporal: workflow %s: %w", id, err)
	}
	return snap.Decode()
}

// fromUpdate turns a refused or failed update back into the engine's
// errors.
func fromUpdate(id string, ev widgets.Event, err error) error {
	var ae *temporal.ApplicationError
	var nf *serviceerror.NotFound
	switch {
	case errors.As(err, &ae) && ae.Type() == errTypeStale:
		return fmt.Errorf("temporal: %s to workflow %s: %s: %w: %w", ev.Name, id, ae.Message(), runtime.ErrStale, runtime.ErrRefused)
	case errors.As(err, &ae) && ae.Type() == errTypeRefused:
		return fmt.Errorf("temporal: %s to workflow %s: %s: %w", ev.Name, id, ae.Message(), runtime.ErrRefused)
	case errors.As(err, &nf):
		return fmt.Errorf("temporal: %s to workflow %s: %w", ev.Name, id, runtime.ErrNotFound)
	}
	return fmt.Errorf("temporal: %s to workflow %s: %w", ev.Name, id, err)
}
