package temporal_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/mocks"
	sdktemporal "go.temporal.io/sdk/temporal"

	"github.com/studioflow/studioflow/adapters/temporal"
	"github.com/studioflow/studioflow/runtime"
	"github.com/studioflow/studioflow/widgets"
	"github.com/studioflow/studioflow/widgets/fake"
)

func runner(t *testing.T) (*temporal.Runner, *mocks.Client, runtime.StartRequest) {
	c := &mocks.Client{}
	t.Cleanup(func() { c.AssertExpectations(t) })
	defs := runtime.Definitions{"FWmenu": load(t, "../../examples/ivr/menu.json")}
	req := runtime.StartRequest{FlowSid: "FWmenu", Trigger: runtime.TriggerCall, Contact: "+15551230000", FlowAddress: "+15559870000", CallSid: "CA1"}
	return &temporal.Runner{Client: c, TaskQueue: "flows", Source: defs}, c, req
}

// queried makes workflow wf's query answer with x.
func queried(t *testing.T, c *mocks.Client, wf string, x *runtime.Execution) {
	data, err := runtime.MarshalExecution(x)
	require.NoError(t, err)
	v := &mocks.Value{}
	v.On("Get", mock.Anything).Run(func(args mock.Arguments) {
		*args.Get(0).(*temporal.Snapshot) = temporal.Snapshot{Execution: data}
	}).Return(nil).Once()
	c.On("QueryWorkflow", mock.Anything, wf, "", temporal.QueryExecution).Return(v, nil).Once()
}

// executionOn makes an execution as the workflow with id wf would: its id
// carries the workflow's.
func executionOn(t *testing.T, r *temporal.Runner, req runtime.StartRequest, wf string) *runtime.Execution {
	ids := func(prefix string) string { return prefix + wf[len("studioflow-"):] + "0123456789abcdef" }
	services, _ := fake.Services()
	x, _, err := runtime.New(runtime.WithSource(r.Source), runtime.WithServices(services), runtime.WithIDs(ids),
		runtime.WithClock(runtime.NewFixedClock(start).Now)).Begin(context.Background(), req)
	require.NoError(t, err)
	return x
}

// One workflow id per session: the same call, the same id; another call
// (the flow allows concurrent calls), another id. A start while the
// session's workflow runs is the engine's conflict.
func TestRunnerStartsOneWorkflowPerSession(t *testing.T) {
	r, c, req := runner(t)
	ctx := context.Background()
	id, err := r.WorkflowID(ctx, req)
	require.NoError(t, err)
	again, _ := r.WorkflowID(ctx, req)
	assert.Equal(t, id, again)
	other := req
	other.CallSid = "CA2"
	otherID, _ := r.WorkflowID(ctx, other)
	assert.NotEqual(t, id, otherID)

	// The start is pinned to the revision the session resolved to.
	pinned := req
	pinned.Revision = "1"
	c.On("NewWithStartWorkflowOperation", mock.MatchedBy(func(o client.StartWorkflowOptions) bool {
		return o.ID == id && o.TaskQueue == "flows" && o.WorkflowIDConflictPolicy == enumspb.WORKFLOW_ID_CONFLICT_POLICY_FAIL
	}), temporal.WorkflowName, temporal.Input{Request: pinned}).Return(nil).Once()
	c.On("UpdateWithStartWorkflow", mock.Anything, mock.MatchedBy(func(o client.UpdateWithStartWorkflowOptions) bool {
		return o.UpdateOptions.UpdateName == temporal.UpdateStarted && o.UpdateOptions.WaitForStage == client.WorkflowUpdateStageCompleted
	})).Return(nil, serviceerror.NewWorkflowExecutionAlreadyStarted("running", "", "run1")).Once()
	active := executionOn(t, r, req, id)
	queried(t, c, id, active)
	_, err = r.Start(ctx, req)
	assert.ErrorIs(t, err, runtime.ErrConflict)
	var conflict *runtime.ConflictError
	require.ErrorAs(t, err, &conflict)
	assert.Equal(t, active.ID, conflict.ActiveID, "the conflict names the active execution, as the engine's does")

	// A start the engine refuses comes back as its error.
	c.On("NewWithStartWorkflowOperation", mock.Anything, temporal.WorkflowName, mock.Anything).Return(nil).Once()
	refused := &mocks.WorkflowUpdateHandle{}
	refused.On("Get", mock.Anything, mock.Anything).Return(sdktemporal.NewNonRetryableApplicationError("the flow does not check", "studioflow.Refused", nil)).Once()
	c.On("UpdateWithStartWorkflow", mock.Anything, mock.Anything).Return(refused, nil).Once()
	_, err = r.Start(ctx, req)
	assert.ErrorIs(t, err, runtime.ErrRefused)

	// Two parent starts are two executions.
	parent := runtime.StartRequest{FlowSid: "FWmenu", Trigger: runtime.TriggerParent}
	a, err := r.WorkflowID(ctx, parent)
	require.NoError(t, err)
	b, _ := r.WorkflowID(ctx, parent)
	assert.NotEqual(t, a, b)

	req.FlowSid = "FWnone"
	_, err = r.Start(ctx, req)
	assert.ErrorIs(t, err, runtime.ErrNotFound)
}

// A start returns the execution as its first run left it; its id leads
// back to the workflow, for Get, Resume and End on any instance.
func TestRunnerFindsTheWorkflowFromTheExecutionID(t *testing.T) {
	r, c, req := runner(t)
	ctx := context.Background()
	wf, _ := r.WorkflowID(ctx, req)
	x := executionOn(t, r, req, wf)

	data, err := runtime.MarshalExecution(x)
	require.NoError(t, err)
	c.On("NewWithStartWorkflowOperation", mock.Anything, temporal.WorkflowName, mock.Anything).Return(nil).Once()
	h := &mocks.WorkflowUpdateHandle{}
	h.On("Get", mock.Anything, mock.Anything).Run(func(args mock.Arguments) {
		*args.Get(1).(*temporal.Snapshot) = temporal.Snapshot{Execution: data}
	}).Return(nil).Once()
	c.On("UpdateWithStartWorkflow", mock.Anything, mock.Anything).Return(h, nil).Once()
	got, err := r.Start(ctx, req)
	require.NoError(t, err)
	assert.Equal(t, x.ID, got.ID)
	assert.Equal(t, "menu", got.Wait.State)

	queried(t, c, wf, x)
	got, err = r.Get(ctx, x.ID)
	require.NoError(t, err)
	assert.Equal(t, x.ID, got.ID)

	// The session's workflow runs a later execution now.
	later := executionOn(t, r, req, wf)
	later.ID = later.ID[:18] + "fedcba9876543210"
	queried(t, c, wf, later)
	_, err = r.Get(ctx, x.ID)
	assert.ErrorIs(t, err, runtime.ErrNotFound)

	_, err = r.Get(ctx, "FNnot-an-id")
	assert.ErrorIs(t, err, runtime.ErrNotFound)

	c.On("DescribeWorkflowExecution", mock.Anything, wf, "").Return(&workflowservice.DescribeWorkflowExecutionResponse{
		WorkflowExecutionInfo: &workflowpb.WorkflowExecutionInfo{Status: enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING}}, nil).Once()
	queried(t, c, wf, x)
	active, err := r.FindActive(ctx, req)
	require.NoError(t, err)
	assert.Equal(t, x.ID, active)
	c.On("DescribeWorkflowExecution", mock.Anything, wf, "").Return(&workflowservice.DescribeWorkflowExecutionResponse{
		WorkflowExecutionInfo: &workflowpb.WorkflowExecutionInfo{Status: enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED}}, nil).Once()
	_, err = r.FindActive(ctx, req)
	assert.ErrorIs(t, err, runtime.ErrNotFound)
}

// A refused update comes back as the engine's errors.
func TestRunnerResumeMapsRefusals(t *testing.T) {
	r, c, req := runner(t)
	ctx := context.Background()
	wf, _ := r.WorkflowID(ctx, req)
	x := executionOn(t, r, req, wf)
	ev := widgets.Event{Name: "keypress", Token: "3", Data: map[string]any{"Digits": "1"}}
	for _, tc := range []struct {
		err  error
		want []error
	}{
		{sdktemporal.NewNonRetryableApplicationError("state \"menu\" waits for one of [keypress], not \"x\"", "studioflow.Refused", nil), []error{runtime.ErrRefused}},
		{sdktemporal.NewNonRetryableApplicationError("the event answers wait 3", "studioflow.Stale", nil), []error{runtime.ErrStale, runtime.ErrRefused}},
		{sdktemporal.NewNonRetryableApplicationError("not the one this workflow runs", "studioflow.NotFound", nil), []error{runtime.ErrNotFound}},
		{serviceerror.NewNotFound("workflow not found"), []error{runtime.ErrNotFound}},
	} {
		if _, ok := tc.err.(*serviceerror.NotFound); ok {
			c.On("QueryWorkflow", mock.Anything, wf, "", temporal.QueryExecution).Return(nil, serviceerror.NewNotFound("no workflow")).Once()
		}
		c.On("UpdateWorkflow", mock.Anything, mock.MatchedBy(func(o client.UpdateWorkflowOptions) bool {
			return o.WorkflowID == wf && o.UpdateName == temporal.UpdateEvent && o.WaitForStage == client.WorkflowUpdateStageCompleted &&
				strings.HasPrefix(o.UpdateID, x.ID+"/3/keypress/") &&
				assert.ObjectsAreEqual(o.Args[0], temporal.Delivery{Execution: x.ID, Event: ev})
		})).Return(nil, tc.err).Once()
		_, err := r.Resume(ctx, x.ID, ev)
		for _, w := range tc.want {
			assert.ErrorIs(t, err, w)
		}
	}
	c.On("UpdateWorkflow", mock.Anything, mock.MatchedBy(func(o client.UpdateWorkflowOptions) bool {
		return o.UpdateName == temporal.UpdateEnd && assert.ObjectsAreEqual(o.Args[0], temporal.Delivery{Execution: x.ID, Reason: "transferred"})
	})).Return(nil, errors.New("unavailable")).Once()
	_, err := r.End(ctx, x.ID, "transferred")
	assert.NotErrorIs(t, err, runtime.ErrRefused)
	assert.ErrorContains(t, err, "unavailable")
}

// A message for a session whose execution runs is delivered to it, as
// Engine.Start does: the reply a send-and-wait-for-reply waits for.
func TestRunnerDeliversAMessageToTheActiveExecution(t *testing.T) {
	r, c, _ := runner(t)
	ctx := context.Background()
	msg := runtime.StartRequest{FlowSid: "FWmenu", Trigger: runtime.TriggerMessage, Contact: "+15551230000", FlowAddress: "+15559870000",
		Payload: map[string]any{"Body": "yes"}}
	wf, _ := r.WorkflowID(ctx, msg)
	x := executionOn(t, r, runtime.StartRequest{FlowSid: "FWmenu", Trigger: runtime.TriggerCall, Contact: "+15551230000", FlowAddress: "+15559870000", CallSid: "CA1"}, wf)
	c.On("NewWithStartWorkflowOperation", mock.Anything, temporal.WorkflowName, mock.Anything).Return(nil).Once()
	c.On("UpdateWithStartWorkflow", mock.Anything, mock.Anything).Return(nil, serviceerror.NewWorkflowExecutionAlreadyStarted("running", "", "run1")).Once()
	queried(t, c, wf, x)
	data, err := runtime.MarshalExecution(x)
	require.NoError(t, err)
	h := &mocks.WorkflowUpdateHandle{}
	h.On("Get", mock.Anything, mock.Anything).Run(func(args mock.Arguments) {
		*args.Get(1).(*temporal.Snapshot) = temporal.Snapshot{Execution: data}
	}).Return(nil).Once()
	c.On("UpdateWorkflow", mock.Anything, mock.MatchedBy(func(o client.UpdateWorkflowOptions) bool {
		d := o.Args[0].(temporal.Delivery)
		return o.WorkflowID == wf && d.Execution == x.ID && assert.ObjectsAreEqual(d.Event, runtime.MessageEvent(msg))
	})).Return(h, nil).Once()
	got, err := r.Start(ctx, msg)
	require.NoError(t, err)
	assert.Equal(t, x.ID, got.ID)
}

// byAddress resolves every address to the menu, as a catalog with a
// number does.
type byAddress struct{ runtime.Definitions }

func (b byAddress) FlowAt(ctx context.Context, _, _ string) (*runtime.Resolved, error) {
	return b.Flow(ctx, "FWmenu", "")
}

// A start that names no flow is resolved by the number called, as
// Engine.Start resolves it: the same session, the same workflow.
func TestRunnerResolvesTheFlowByAddress(t *testing.T) {
	r, _, req := runner(t)
	ctx := context.Background()
	named, err := r.WorkflowID(ctx, req)
	require.NoError(t, err)
	_, err = r.WorkflowID(ctx, runtime.StartRequest{Trigger: req.Trigger, Contact: req.Contact, FlowAddress: req.FlowAddress, CallSid: req.CallSid})
	assert.ErrorIs(t, err, runtime.ErrRefused, "a source that cannot resolve addresses")
	r.Source = byAddress{r.Source.(runtime.Definitions)}
	byNumber, err := r.WorkflowID(ctx, runtime.StartRequest{Trigger: req.Trigger, Contact: req.Contact, FlowAddress: req.FlowAddress, CallSid: req.CallSid})
	require.NoError(t, err)
	assert.Equal(t, named, byNumber)
}

// An event for an execution whose workflow has completed is refused, as
// the engine refuses an event for an ended execution.
func TestRunnerRefusesAnEndedExecution(t *testing.T) {
	r, c, req := runner(t)
	ctx := context.Background()
	wf, _ := r.WorkflowID(ctx, req)
	x := executionOn(t, r, req, wf)
	x.Status = runtime.StatusEnded
	x.Wait = nil
	c.On("UpdateWorkflow", mock.Anything, mock.Anything).Return(nil, serviceerror.NewNotFound("workflow execution already completed")).Once()
	queried(t, c, wf, x)
	_, err := r.Resume(ctx, x.ID, widgets.Event{Name: "keypress"})
	assert.ErrorIs(t, err, runtime.ErrRefused)
	assert.NotErrorIs(t, err, runtime.ErrNotFound)
	assert.ErrorContains(t, err, "has already ended")
}
