package temporal_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
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

	c.On("ExecuteWorkflow", mock.Anything, mock.MatchedBy(func(o client.StartWorkflowOptions) bool {
		return o.ID == id && o.TaskQueue == "flows" && o.WorkflowIDConflictPolicy == enumspb.WORKFLOW_ID_CONFLICT_POLICY_FAIL
	}), temporal.WorkflowName, temporal.Input{Request: req}).Return(nil, serviceerror.NewWorkflowExecutionAlreadyStarted("running", "", "run1")).Once()
	_, gotID, err := r.Start(ctx, req)
	assert.Equal(t, id, gotID)
	assert.ErrorIs(t, err, runtime.ErrConflict)

	req.FlowSid = "FWnone"
	_, _, err = r.Start(ctx, req)
	assert.ErrorIs(t, err, runtime.ErrNotFound)
}

// A refused update comes back as the engine's errors.
func TestRunnerDeliverMapsRefusals(t *testing.T) {
	r, c, _ := runner(t)
	ctx := context.Background()
	ev := widgets.Event{Name: "keypress", Token: "3", Data: map[string]any{"Digits": "1"}}
	for _, tc := range []struct {
		err  error
		want []error
	}{
		{sdktemporal.NewNonRetryableApplicationError("state \"menu\" waits for one of [keypress], not \"x\"", "studioflow.Refused", nil), []error{runtime.ErrRefused}},
		{sdktemporal.NewNonRetryableApplicationError("the event answers wait 3", "studioflow.Stale", nil), []error{runtime.ErrStale, runtime.ErrRefused}},
		{serviceerror.NewNotFound("workflow not found"), []error{runtime.ErrNotFound}},
	} {
		c.On("UpdateWorkflow", mock.Anything, mock.MatchedBy(func(o client.UpdateWorkflowOptions) bool {
			return o.WorkflowID == "wf" && o.UpdateName == temporal.UpdateEvent && o.WaitForStage == client.WorkflowUpdateStageCompleted && assert.ObjectsAreEqual(o.Args[0], ev)
		})).Return(nil, tc.err).Once()
		_, err := r.Deliver(ctx, "wf", ev)
		for _, w := range tc.want {
			assert.ErrorIs(t, err, w)
		}
	}
	c.On("UpdateWorkflow", mock.Anything, mock.Anything).Return(nil, errors.New("unavailable")).Once()
	_, err := r.Deliver(ctx, "wf", ev)
	assert.NotErrorIs(t, err, runtime.ErrRefused)
	assert.ErrorContains(t, err, "unavailable")
}

// A start returns the execution as its first run left it, from the
// workflow's query.
func TestRunnerStartReturnsTheExecution(t *testing.T) {
	r, c, req := runner(t)
	ctx := context.Background()
	id, _ := r.WorkflowID(ctx, req)
	services, _ := fake.Services()
	x, _, err := runtime.New(runtime.WithSource(r.Source), runtime.WithServices(services)).Begin(ctx, req)
	require.NoError(t, err)
	data, err := runtime.MarshalExecution(x)
	require.NoError(t, err)
	c.On("ExecuteWorkflow", mock.Anything, mock.Anything, temporal.WorkflowName, mock.Anything).Return(&mocks.WorkflowRun{}, nil).Once()
	v := &mocks.Value{}
	v.On("Get", mock.Anything).Run(func(args mock.Arguments) {
		*args.Get(0).(*temporal.Snapshot) = temporal.Snapshot{Execution: data}
	}).Return(nil).Once()
	c.On("QueryWorkflow", mock.Anything, id, "", temporal.QueryExecution).Return(v, nil).Once()
	got, gotID, err := r.Start(ctx, req)
	require.NoError(t, err)
	assert.Equal(t, id, gotID)
	assert.Equal(t, x.ID, got.ID)
	assert.Equal(t, "menu", got.Wait.State)

	c.On("QueryWorkflow", mock.Anything, "gone", "", temporal.QueryExecution).Return(nil, serviceerror.NewNotFound("no such workflow")).Once()
	_, err = r.Get(ctx, "gone")
	assert.ErrorIs(t, err, runtime.ErrNotFound)
}
