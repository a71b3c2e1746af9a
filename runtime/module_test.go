package runtime_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studioflow/studioflow/flow"
	"github.com/studioflow/studioflow/runtime"
)

// scoreModule doubles a Number argument and returns it, exiting high or low.
const scoreModule = `{"description": "score", "initial_state": "Begin", "exposed_variables": ["doubled", "leak"], "states": [
  {"name": "Begin", "type": "begin-module", "transitions": [{"event": "next", "next": "double"}],
   "properties": {"arguments": [{"name": "score", "type": "Number", "variable": "score"},
                                {"name": "vip", "type": "Boolean", "variable": "vip", "required": false, "default": "false"},
                                {"name": "stop", "type": "Boolean", "variable": "stop", "required": "false"}]}},
  {"name": "double", "type": "set-variables", "transitions": [{"event": "next", "next": "stop_check"}],
   "properties": {"variables": [{"key": "doubled", "value": "{{flow.variables.score | times: 2}}"},
                                {"key": "leak", "value": "[{{flow.variables.caller_secret}}]"}]}},
  {"name": "stop_check", "type": "split-based-on", "transitions": [{"event": "noMatch", "next": "split"},
     {"event": "match", "next": "end", "conditions": [{"friendly_name": "stop", "arguments": ["{{flow.variables.stop}}"], "type": "equal_to", "value": "true"}]}],
   "properties": {"input": "{{flow.variables.stop}}"}},
  {"name": "split", "type": "split-based-on", "transitions": [{"event": "noMatch", "next": "low"},
     {"event": "match", "next": "high", "conditions": [{"friendly_name": "hi", "arguments": ["{{flow.variables.doubled}}"], "type": "greater_than", "value": "10"}]}],
   "properties": {"input": "{{flow.variables.doubled}}"}},
  {"name": "high", "type": "return-to-flow", "transitions": [], "properties": {"exit": "high", "outputs": [{"name": "result", "value": "{{flow.variables.doubled}}"}, {"name": "vip", "value": "{{flow.variables.vip}}"}]}},
  {"name": "low", "type": "return-to-flow", "transitions": [], "properties": {"exit": "low", "outputs": [{"name": "result", "value": "{{flow.variables.doubled}}"}]}},
  {"name": "end", "type": "end-flow", "transitions": [], "properties": {}}
]}`

const scoreCaller = `{"description": "caller", "initial_state": "Trigger", "states": [
  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingRequest", "next": "secret"}], "properties": {}},
  {"name": "secret", "type": "set-variables", "transitions": [{"event": "next", "next": "score"}], "properties": {"variables": [{"key": "caller_secret", "value": "s3cret"}]}},
  {"name": "score", "type": "run-module",
   "transitions": [{"event": "high", "next": "after"}, {"event": "low", "next": "after"}, {"event": "failed", "next": "oops"}],
   "properties": {"module": "score", "arguments": [{"name": "score", "value": "{{flow.data.score}}"}, {"name": "stop", "value": "{{flow.data.stop}}"}],
                  "outputs": [{"name": "result", "variable": "final"}]}},
  {"name": "after", "type": "set-variables", "transitions": [{"event": "next"}], "properties": {"variables": [{"key": "seen", "value": "{{widgets.score.exit}} {{widgets.score.result}} [{{flow.variables.doubled}}]"}]}},
  {"name": "oops", "type": "set-variables", "transitions": [{"event": "next"}], "properties": {"variables": [{"key": "error", "value": "{{widgets.score.error}}"}]}}
]}`

func moduleHarness(t *testing.T, opts ...runtime.Option) *harness {
	opts = append([]runtime.Option{runtime.WithModules(runtime.ModuleDefinitions{"score": mustParse(t, scoreModule)})}, opts...)
	return newHarness(t, map[string]string{"FWcaller": scoreCaller}, opts...)
}

func TestRunModuleFramesArgumentsAndOutputs(t *testing.T) {
	h := moduleHarness(t)
	x := h.start(t, runtime.StartRequest{FlowSid: "FWcaller", Trigger: runtime.TriggerRequest, Contact: "+1", Parameters: map[string]any{"score": "7", "stop": "false"}})
	require.Equal(t, runtime.StatusEnded, x.Status, x.Reason)
	// Outputs reach the caller's variables and widgets; the module's own
	// variables do not leak out, and the caller's do not leak in.
	assert.Equal(t, "14", x.Variables()["final"])
	assert.Equal(t, "high 14 []", x.Variables()["seen"])
	assert.NotContains(t, x.Variables(), "doubled")
	// The caller's caller_secret rendered empty inside the module.
	assert.Equal(t, map[string]any{"score.doubled": "14", "score.leak": "[]"}, x.Exposed)
	// The module's steps are in the log, marked with their frame.
	var moduleSteps []string
	for _, s := range x.Steps {
		if s.Frame == "module:score" {
			moduleSteps = append(moduleSteps, s.Name+":"+s.From+">"+s.To)
		}
	}
	assert.Equal(t, []string{"next:Begin>double", "next:double>stop_check", "noMatch:stop_check>split", "match:split>high", "high:high>Ended"}, moduleSteps)
	assert.Contains(t, path(x), "high:score>after")

	// "[{{flow.variables.caller_secret}}]" rendered empty inside the module.
	low := h.start(t, runtime.StartRequest{FlowSid: "FWcaller", Trigger: runtime.TriggerRequest, Contact: "+2", Parameters: map[string]any{"score": "2", "stop": "0"}})
	assert.Equal(t, "low 4 []", low.Variables()["seen"])
}

func TestRunModuleConversionFailureTakesFailedPath(t *testing.T) {
	h := moduleHarness(t)
	x := h.start(t, runtime.StartRequest{FlowSid: "FWcaller", Trigger: runtime.TriggerRequest, Contact: "+1", Parameters: map[string]any{"score": "abc", "stop": "false"}})
	require.Equal(t, runtime.StatusEnded, x.Status, x.Reason)
	assert.Equal(t, `module argument "score": "abc" is not a Number`, x.Variables()["error"])
	assert.Contains(t, path(x), "failed:score>oops")

	// A missing module takes the failed path too.
	h = newHarness(t, map[string]string{"FWcaller": scoreCaller}, runtime.WithModules(runtime.ModuleDefinitions{}))
	x = h.start(t, runtime.StartRequest{FlowSid: "FWcaller", Trigger: runtime.TriggerRequest, Contact: "+1", Parameters: map[string]any{"score": "1"}})
	assert.Contains(t, x.Variables()["error"], `module "score": not found`)
}

func TestEndFlowInsideModuleEndsEverything(t *testing.T) {
	h := moduleHarness(t)
	x := h.start(t, runtime.StartRequest{FlowSid: "FWcaller", Trigger: runtime.TriggerRequest, Contact: "+1", Parameters: map[string]any{"score": "1", "stop": "true"}})
	assert.Equal(t, runtime.StatusEnded, x.Status)
	assert.Empty(t, x.Variables()["seen"])
	last := x.Steps[len(x.Steps)-1]
	assert.Equal(t, "end", last.From)
	assert.Equal(t, "module:score", last.Frame)
}

// nestedModule runs itself: a cycle the runtime refuses.
const selfModule = `{"description": "loop", "initial_state": "Begin", "states": [
  {"name": "Begin", "type": "begin-module", "transitions": [{"event": "next", "next": "again"}], "properties": {"arguments": []}},
  {"name": "again", "type": "run-module", "transitions": [{"event": "done", "next": "out"}, {"event": "failed", "next": "out"}], "properties": {"module": "loop"}},
  {"name": "out", "type": "return-to-flow", "transitions": [], "properties": {"exit": "done"}}]}`

const loopCaller = `{"description": "caller", "initial_state": "Trigger", "states": [
  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingRequest", "next": "run"}], "properties": {}},
  {"name": "run", "type": "run-module", "transitions": [{"event": "done"}, {"event": "failed"}], "properties": {"module": "loop"}}]}`

func TestModuleCycleAndNestingRefusedAtRunTime(t *testing.T) {
	h := newHarness(t, map[string]string{"FW": loopCaller}, runtime.WithModules(runtime.ModuleDefinitions{"loop": mustParse(t, selfModule)}))
	x := h.start(t, runtime.StartRequest{FlowSid: "FW", Trigger: runtime.TriggerRequest})
	assert.Equal(t, runtime.StatusFailed, x.Status)
	assert.Equal(t, `state "again": module "loop" is already running in this execution (FW -> loop -> loop): a cycle is not allowed`, x.Reason)

	h = newHarness(t, map[string]string{"FW": loopCaller}, runtime.WithModules(runtime.ModuleDefinitions{"loop": mustParse(t, selfModule)}),
		runtime.WithLimits(runtime.Limits{ForbidModuleNesting: true}))
	x = h.start(t, runtime.StartRequest{FlowSid: "FW", Trigger: runtime.TriggerRequest})
	assert.Equal(t, runtime.StatusFailed, x.Status)
	assert.Equal(t, `state "again": module "loop" runs inside module "loop", and nesting modules is forbidden`, x.Reason)
}

func TestModuleWaitResumesInsideFrame(t *testing.T) {
	askModule := `{"description": "ask", "initial_state": "Begin", "states": [
	  {"name": "Begin", "type": "begin-module", "transitions": [{"event": "next", "next": "ask"}], "properties": {"arguments": [{"name": "question", "type": "String", "variable": "q"}]}},
	  {"name": "ask", "type": "send-and-wait-for-reply", "transitions": [{"event": "incomingMessage", "next": "out"}, {"event": "timeout", "next": "out"}], "properties": {"body": "{{flow.variables.q}}"}},
	  {"name": "out", "type": "return-to-flow", "transitions": [], "properties": {"exit": "answered", "outputs": [{"name": "answer", "value": "{{widgets.ask.inbound.Body}}"}]}}]}`
	caller := `{"description": "c", "initial_state": "Trigger", "states": [
	  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingMessage", "next": "run"}], "properties": {}},
	  {"name": "run", "type": "run-module", "transitions": [{"event": "answered", "next": "thanks"}], "properties": {"module": "ask", "arguments": [{"name": "question", "value": "Your name?"}], "outputs": [{"name": "answer", "variable": "name"}]}},
	  {"name": "thanks", "type": "send-message", "transitions": [{"event": "sent"}], "properties": {"body": "Thanks {{flow.variables.name}}"}}]}`
	h := newHarness(t, map[string]string{"FW": caller}, runtime.WithModules(runtime.ModuleDefinitions{"ask": mustParse(t, askModule)}))
	x := h.start(t, runtime.StartRequest{FlowSid: "FW", Trigger: runtime.TriggerMessage, Contact: "+1", FlowAddress: "+2"})
	require.NotNil(t, x.Wait)
	assert.Len(t, x.Frames, 2)
	x, err := h.engine.Resume(context.Background(), x.ID, resumeMessage("Ada"))
	require.NoError(t, err)
	assert.Equal(t, runtime.StatusEnded, x.Status, x.Reason)
	assert.Equal(t, []string{"Your name?", "Thanks Ada"}, said(h.transcript))
	assert.Len(t, x.Frames, 1)
}

func TestBlankOptionalModuleArgumentIsNotGiven(t *testing.T) {
	// The caller maps stop to {{flow.data.stop}}, which renders blank here:
	// the optional Boolean stays unset instead of failing to convert "".
	h := moduleHarness(t)
	x := h.start(t, runtime.StartRequest{FlowSid: "FWcaller", Trigger: runtime.TriggerRequest, Contact: "+1", Parameters: map[string]any{"score": "6"}})
	require.Equal(t, runtime.StatusEnded, x.Status, x.Reason)
	assert.Equal(t, "high 12 []", x.Variables()["seen"])

	// A required Number that renders blank is missing, not zero.
	y := h.start(t, runtime.StartRequest{FlowSid: "FWcaller", Trigger: runtime.TriggerRequest, Contact: "+2", Parameters: map[string]any{"score": " "}})
	assert.Equal(t, `module argument "score" (Number) is required and was not given`, y.Variables()["error"])
}

func TestModuleStepsCountTowardTheLimit(t *testing.T) {
	// Trigger and secret take two steps; the module's first step is the third.
	h := moduleHarness(t, runtime.WithLimits(runtime.Limits{MaxSteps: 3}))
	x := h.start(t, runtime.StartRequest{FlowSid: "FWcaller", Trigger: runtime.TriggerRequest, Contact: "+1", Parameters: map[string]any{"score": "7", "stop": "false"}})
	assert.Equal(t, runtime.StatusFailed, x.Status)
	assert.Equal(t, "limit: the execution reached 3 steps", x.Reason)
	assert.Equal(t, "module:score", x.Steps[2].Frame)
}

func TestModuleNestingBeyondMaxDepthFails(t *testing.T) {
	// a runs b runs c: three module frames below the flow.
	runner := func(inner string) *flow.Definition {
		return mustParse(t, `{"description": "m", "initial_state": "Begin", "states": [
		  {"name": "Begin", "type": "begin-module", "transitions": [{"event": "next", "next": "run"}], "properties": {"arguments": []}},
		  {"name": "run", "type": "run-module", "transitions": [{"event": "done", "next": "out"}, {"event": "failed", "next": "out"}], "properties": {"module": "`+inner+`"}},
		  {"name": "out", "type": "return-to-flow", "transitions": [], "properties": {"exit": "done", "outputs": [{"name": "depth", "value": "{{widgets.run.depth}}+"}]}}]}`)
	}
	leaf := mustParse(t, `{"description": "leaf", "initial_state": "Begin", "states": [
	  {"name": "Begin", "type": "begin-module", "transitions": [{"event": "next", "next": "out"}], "properties": {"arguments": []}},
	  {"name": "out", "type": "return-to-flow", "transitions": [], "properties": {"exit": "done", "outputs": [{"name": "depth", "value": "leaf"}]}}]}`)
	caller := `{"description": "caller", "initial_state": "Trigger", "states": [
	  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingRequest", "next": "run"}], "properties": {}},
	  {"name": "run", "type": "run-module", "transitions": [{"event": "done"}, {"event": "failed"}], "properties": {"module": "a", "outputs": [{"name": "depth", "variable": "depth"}]}}]}`
	mods := runtime.ModuleDefinitions{"a": runner("b"), "b": runner("c"), "c": leaf}

	h := newHarness(t, map[string]string{"FW": caller}, runtime.WithModules(mods), runtime.WithLimits(runtime.Limits{MaxDepth: 3}))
	x := h.start(t, runtime.StartRequest{FlowSid: "FW", Trigger: runtime.TriggerRequest})
	require.Equal(t, runtime.StatusEnded, x.Status, x.Reason)
	assert.Equal(t, "leaf++", x.Variables()["depth"])

	h = newHarness(t, map[string]string{"FW": caller}, runtime.WithModules(mods), runtime.WithLimits(runtime.Limits{MaxDepth: 2}))
	x = h.start(t, runtime.StartRequest{FlowSid: "FW", Trigger: runtime.TriggerRequest})
	assert.Equal(t, runtime.StatusFailed, x.Status)
	assert.Equal(t, `state "run": module "c" would nest deeper than 2 levels`, x.Reason)
}

// Limits follow the flow's vendor: an Amazon Connect flow refuses a module
// inside a module (Connect's rule) without Limits.ForbidModuleNesting.
func TestAConnectFlowForbidsModuleNesting(t *testing.T) {
	caller := mustParse(t, loopCaller)
	caller.Vendor = flow.VendorConnect
	e := runtime.New(runtime.WithSource(runtime.Definitions{"FW": caller}), runtime.WithClock(runtime.NewFixedClock(t0).Now),
		runtime.WithModules(runtime.ModuleDefinitions{"loop": mustParse(t, selfModule)}))
	x, err := e.Start(context.Background(), runtime.StartRequest{FlowSid: "FW", Trigger: runtime.TriggerRequest})
	require.NoError(t, err)
	assert.Equal(t, runtime.FailureModuleNesting, x.FailureCode, x.Reason)
}
