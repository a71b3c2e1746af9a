package temporal_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/testsuite"
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
		wk := &temporal.Worker{Activities: &temporal.Activities{Services: fake.New().Services(), Source: runtime.Definitions{"FW": def}}, Options: opts}
		x := runAs(t, wk, version, runtime.StartRequest{FlowSid: "FW", Trigger: runtime.TriggerRequest})
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

// A workflow recorded now (engine version 3) leaves a subflow whose
// module's step fails for the caller's failed branch; one recorded before
// fails the execution, as it did then.
func TestAFailingModuleInASubflowFollowsTheEngineVersion(t *testing.T) {
	parse := func(src string) *flow.Definition {
		d, err := flow.Parse([]byte(src))
		require.NoError(t, err)
		return d
	}
	defs := runtime.Definitions{
		"FWparent": parse(`{"description": "parent", "initial_state": "Trigger", "states": [
		  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingRequest", "next": "child"}], "properties": {}},
		  {"name": "child", "type": "run-subflow", "transitions": [{"event": "completed"}, {"event": "failed", "next": "sorry"}], "properties": {"flow_sid": "FWchild"}},
		  {"name": "sorry", "type": "set-variables", "transitions": [{"event": "next"}], "properties": {"variables": [{"key": "how", "value": "{{widgets.child.error}}"}]}}]}`),
		"FWchild": parse(`{"description": "child", "initial_state": "Trigger", "states": [
		  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingParent", "next": "mod"}], "properties": {}},
		  {"name": "mod", "type": "run-module", "transitions": [{"event": "done"}, {"event": "failed"}], "properties": {"module": "broken"}}]}`),
	}
	mods := modules{"broken": parse(`{"description": "broken", "initial_state": "Begin", "states": [
	  {"name": "Begin", "type": "begin-module", "transitions": [{"event": "next", "next": "divide"}], "properties": {"arguments": []}},
	  {"name": "divide", "type": "set-variables", "transitions": [{"event": "next", "next": "out"}], "properties": {"variables": [{"key": "v", "value": "{{ 1 | divided_by: 0 }}"}]}},
	  {"name": "out", "type": "return-to-flow", "transitions": [], "properties": {"exit": "done"}}]}`)}
	run := func(version workflow.Version) *runtime.Execution {
		wk := &temporal.Worker{Activities: &temporal.Activities{Services: fake.New().Services(), Source: defs, Modules: mods}}
		return runAs(t, wk, version, runtime.StartRequest{FlowSid: "FWparent", Trigger: runtime.TriggerRequest})
	}
	x := run(0)
	assert.Equal(t, runtime.StatusEnded, x.Status, x.Reason)
	assert.Contains(t, x.Variables()["how"], "divided by 0")
	x = run(2)
	assert.Equal(t, runtime.StatusFailed, x.Status)
	assert.Equal(t, runtime.FailureTemplate, x.FailureCode)
}

// runAs runs req to its end as a workflow of wk, as a history recorded by
// the engine version given would replay (0: the current one), and returns
// the execution.
func runAs(t *testing.T, wk *temporal.Worker, version workflow.Version, req runtime.StartRequest) *runtime.Execution {
	t.Helper()
	env := newEnv()
	env.SetStartTime(start) // 10:00 UTC, in January
	wk.Register(env)
	if version != 0 {
		env.OnGetVersion("studioflow.engine", workflow.DefaultVersion, 3).Return(version)
	}
	env.ExecuteWorkflow(temporal.WorkflowName, temporal.Input{Request: req})
	return finished(t, env)
}

// finished is the execution a completed workflow returned.
func finished(t *testing.T, env *testsuite.TestWorkflowEnvironment) *runtime.Execution {
	t.Helper()
	require.True(t, env.IsWorkflowCompleted())
	require.NoError(t, env.GetWorkflowError())
	var snap temporal.Snapshot
	require.NoError(t, env.GetWorkflowResult(&snap))
	x, err := snap.Decode()
	require.NoError(t, err)
	return x
}
