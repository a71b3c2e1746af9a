package temporal_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/workflow"

	"github.com/studioflow/studioflow/adapters/temporal"
	"github.com/studioflow/studioflow/flow"
	"github.com/studioflow/studioflow/runtime"
	"github.com/studioflow/studioflow/widgets/fake"
)

// A workflow recorded now (engine version 3) shows "now" in the engine's
// default template zone, US Pacific time; one recorded before shows it in
// UTC, as it did then, unless the worker's options set a zone.
func TestTheTemplateZoneFollowsTheEngineVersion(t *testing.T) {
	def, err := flow.Parse([]byte(`{"description": "now", "initial_state": "Trigger", "states": [
	  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingRequest", "next": "set"}], "properties": {}},
	  {"name": "set", "type": "set-variables", "transitions": [{"event": "next"}], "properties": {"variables": [
	    {"key": "now", "value": "{{ 'now' | date: '%H:%M %Z' }}"}]}}]}`))
	require.NoError(t, err)
	run := func(version workflow.Version, opts ...runtime.Option) any {
		fakes := fake.New()
		env := newEnv()
		env.SetStartTime(start) // 10:00 UTC, in January
		wk := &temporal.Worker{Activities: &temporal.Activities{Services: fakes.Services(), Source: runtime.Definitions{"FW": def}}, Options: opts}
		wk.Register(env)
		if version != 0 {
			// A history recorded by an older engine.
			env.OnGetVersion("studioflow.engine", workflow.DefaultVersion, 3).Return(version)
		}
		env.ExecuteWorkflow(temporal.WorkflowName, temporal.Input{Request: runtime.StartRequest{FlowSid: "FW", Trigger: runtime.TriggerRequest}})
		require.True(t, env.IsWorkflowCompleted())
		require.NoError(t, env.GetWorkflowError())
		var snap temporal.Snapshot
		require.NoError(t, env.GetWorkflowResult(&snap))
		x, err := snap.Decode()
		require.NoError(t, err)
		require.Equal(t, runtime.StatusEnded, x.Status, x.Reason)
		return x.Variables()["now"]
	}
	assert.Equal(t, "02:00 PST", run(0))
	assert.Equal(t, "10:00 UTC", run(2))
	assert.Equal(t, "10:00 UTC", run(workflow.DefaultVersion))
	tokyo := time.FixedZone("JST", 9*3600)
	assert.Equal(t, "19:00 JST", run(2, runtime.WithTemplateZone(tokyo)))
	assert.Equal(t, "19:00 JST", run(0, runtime.WithTemplateZone(tokyo)))
	assert.Equal(t, "10:00 UTC", run(2, runtime.WithTemplateZone(nil)), "nil keeps the zone the history ran with")
}
