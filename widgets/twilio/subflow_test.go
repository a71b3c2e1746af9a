package twilio_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studioflow/studioflow/flow"
	"github.com/studioflow/studioflow/runtime"
	"github.com/studioflow/studioflow/widgets"
	"github.com/studioflow/studioflow/widgets/fake"
)

func TestRunSubflowChecks(t *testing.T) {
	base := map[string]any{"flow_sid": "FW1"}
	runChecks(t, "run-subflow", []check{
		{name: "revision defaults to LatestPublished", props: base},
		{name: "LatestPublished", props: props(base, map[string]any{"flow_revision": "LatestPublished"})},
		{name: "LatestDraft in any case", props: props(base, map[string]any{"flow_revision": "latestdraft"})},
		{name: "a revision number", props: props(base, map[string]any{"flow_revision": 3})},
		{name: "a revision number as a string", props: props(base, map[string]any{"flow_revision": "12"})},
		{name: "flow sid missing", props: map[string]any{"flow_revision": "LatestPublished"}, key: "flow_sid", code: widgets.CodePropertyMissing},
		{name: "revision zero", props: props(base, map[string]any{"flow_revision": "0"}), key: "flow_revision", code: widgets.CodePropertyInvalid},
		{name: "revision negative", props: props(base, map[string]any{"flow_revision": -2}), key: "flow_revision", code: widgets.CodePropertyInvalid},
		{name: "revision unknown", props: props(base, map[string]any{"flow_revision": "Latest"}), key: "flow_revision", code: widgets.CodePropertyInvalid},
		{name: "parameters without key", props: props(base, map[string]any{"parameters": []any{map[string]any{"value": "x"}}}), key: "parameters", code: widgets.CodePropertyMissing},
	})
}

func TestRunSubflowNode(t *testing.T) {
	tests := []struct {
		name  string
		props map[string]any
		want  widgets.Enter
	}{
		{
			name:  "defaults",
			props: map[string]any{"flow_sid": "FW1"},
			want:  widgets.Enter{Kind: widgets.FrameSubflow, Ref: "FW1", Revision: "LatestPublished", Parameters: map[string]any{}},
		},
		{
			name: "parameters rendered in the caller",
			props: map[string]any{"flow_sid": "FW1", "flow_revision": "LATESTDRAFT",
				"parameters": []any{map[string]any{"key": "name", "value": "{{widgets.get_names.parsed.name}}"}, map[string]any{"key": "n", "value": 3}}},
			want: widgets.Enter{Kind: widgets.FrameSubflow, Ref: "FW1", Revision: "LatestDraft", Parameters: map[string]any{"name": "Ana", "n": "3"}},
		},
		{
			name:  "a revision number",
			props: map[string]any{"flow_sid": "FW1", "flow_revision": 7},
			want:  widgets.Enter{Kind: widgets.FrameSubflow, Ref: "FW1", Revision: "7", Parameters: map[string]any{}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := mustCompile(t, "run-subflow", tt.props)
			assert.Equal(t, []string{"completed", "failed"}, n.Events())
			res := run(t, n, newStep(&widgets.Services{}).Set("widgets.get_names.parsed.name", "Ana"))
			require.NotNil(t, res.Enter)
			assert.Equal(t, tt.want, *res.Enter)
		})
	}

	n := mustCompile(t, "run-subflow", map[string]any{"flow_sid": "FW1"})
	rt, ok := n.(widgets.Returner)
	require.True(t, ok)
	res, err := rt.Return(newStep(nil), widgets.Returned{Outputs: map[string]any{"name": "Ana", "today": "tests"}})
	require.NoError(t, err)
	assert.Equal(t, widgets.Result{Event: "completed", Outputs: map[string]any{"name": "Ana", "today": "tests"}}, res)
	res, err = rt.Return(newStep(nil), widgets.Returned{})
	require.NoError(t, err)
	assert.Equal(t, widgets.Result{Event: "completed", Outputs: map[string]any{}}, res)
	res, err = rt.Return(newStep(nil), widgets.Returned{Failed: true, Reason: "flow FW1: not found"})
	require.NoError(t, err)
	assert.Equal(t, widgets.Result{Event: "failed", Outputs: map[string]any{"error": "flow FW1: not found"}}, res)
}

// A parent that runs subflow child with parameter name, then texts what
// the child's variables say.
const parentFlow = `{"description": "parent", "initial_state": "Trigger", "states": [
  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingRequest", "next": "sub"}], "properties": {}},
  {"name": "sub", "type": "run-subflow", "transitions": [{"event": "completed", "next": "done"}, {"event": "failed", "next": "oops"}],
    "properties": {"flow_sid": "%s", "flow_revision": "LatestPublished", "parameters": [{"key": "name", "value": "{{flow.data.name}}"}]}},
  {"name": "done", "type": "send-message", "transitions": [{"event": "sent"}, {"event": "failed"}],
    "properties": {"body": "{{widgets.sub.greeting}} / parent sees {{flow.variables.greeting}}"}},
  {"name": "oops", "type": "send-message", "transitions": [{"event": "sent"}, {"event": "failed"}],
    "properties": {"body": "subflow failed: {{widgets.sub.error}}"}}]}`

// chain returns a flow that sets greeting from its parent's parameters and,
// when next is set, runs subflow next itself (passing name on), copying
// next's greeting.
func chain(t *testing.T, next string) *flow.Definition {
	t.Helper()
	states := `{"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingParent", "next": "set"}], "properties": {}},
	  {"name": "set", "type": "set-variables", "transitions": [{"event": "next"%s}],
	    "properties": {"variables": [{"key": "greeting", "value": "Hello {{trigger.parent.parameters.name}}"}]}}`
	if next == "" {
		states = fmt.Sprintf(states, "")
	} else {
		states = fmt.Sprintf(states, `, "next": "deeper"`) + fmt.Sprintf(`,
	  {"name": "deeper", "type": "run-subflow", "transitions": [{"event": "completed", "next": "copy"}, {"event": "failed"}],
	    "properties": {"flow_sid": %q, "parameters": [{"key": "name", "value": "{{trigger.parent.parameters.name}}+"}]}},
	  {"name": "copy", "type": "set-variables", "transitions": [{"event": "next"}],
	    "properties": {"variables": [{"key": "greeting", "value": "{{widgets.deeper.greeting}}"}]}}`, next)
	}
	return parseFlow(t, `{"description": "chain", "initial_state": "Trigger", "states": [`+states+`]}`)
}

// subflowNow is the engines' clock in these tests.
var subflowNow = time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)

func startParent(t *testing.T, defs runtime.Definitions, opts ...runtime.Option) (*runtime.Execution, *fake.Fakes) {
	t.Helper()
	f := fake.New()
	eng := runtime.New(append([]runtime.Option{runtime.WithSource(defs), runtime.WithServices(f.Services()), runtime.WithIDs(runtime.SequentialIDs()),
		runtime.WithClock(runtime.NewFixedClock(subflowNow).Now)}, opts...)...)
	x, err := eng.Start(context.Background(), runtime.StartRequest{
		FlowSid: "FWparent", Trigger: runtime.TriggerRequest, Contact: "+15550006666", FlowAddress: "+15550008888",
		Parameters: map[string]any{"name": "Ana"},
	})
	require.NoError(t, err)
	return x, f
}

func TestRunSubflowEndToEnd(t *testing.T) {
	x, f := startParent(t, runtime.Definitions{
		"FWparent": parseFlow(t, fmt.Sprintf(parentFlow, "FWchild")),
		"FWchild":  chain(t, ""),
	})
	assert.Equal(t, runtime.StatusEnded, x.Status, x.Reason)
	assert.Equal(t, map[string]any{"greeting": "Hello Ana"}, x.Widgets()["sub"], "the child's variables come back as widgets.sub.*")
	assert.Empty(t, x.Variables(), "the child's variables stay out of the parent's flow.variables")
	assert.Equal(t, []string{`messaging.send to=+15550006666 "Hello Ana / parent sees "`}, f.T.Lines())
	var trail []string
	for _, s := range x.Steps {
		trail = append(trail, fmt.Sprintf("%s %s:%s->%s", s.Frame, s.From, s.Name, s.To))
	}
	assert.Equal(t, []string{
		" Trigger:incomingRequest->sub",
		"subflow:FWchild Trigger:incomingParent->set",
		"subflow:FWchild set:next->Ended",
		" sub:completed->done",
		" done:sent->Ended",
	}, trail)
}

func TestRunSubflowUnknownFlowTakesFailed(t *testing.T) {
	x, f := startParent(t, runtime.Definitions{"FWparent": parseFlow(t, fmt.Sprintf(parentFlow, "FWmissing"))})
	assert.Equal(t, runtime.StatusEnded, x.Status, x.Reason)
	require.Len(t, f.T.Lines(), 1)
	assert.Contains(t, f.T.Lines()[0], "subflow failed: runtime: flow FWmissing: not found")
}

func TestRunSubflowStepsCountTowardTheLimit(t *testing.T) {
	defs := runtime.Definitions{"FWparent": parseFlow(t, fmt.Sprintf(parentFlow, "FWchild")), "FWchild": chain(t, "")}
	// The whole run takes 5 steps, two of them in the child.
	x, _ := startParent(t, defs, runtime.WithLimits(runtime.Limits{MaxSteps: 5}))
	assert.Equal(t, runtime.StatusEnded, x.Status, x.Reason)

	x, f := startParent(t, defs, runtime.WithLimits(runtime.Limits{MaxSteps: 2}))
	assert.Equal(t, runtime.StatusFailed, x.Status)
	assert.Equal(t, runtime.FailureLimitSteps, x.FailureCode)
	assert.Len(t, x.Steps, 2)
	assert.Equal(t, "subflow:FWchild", x.Steps[1].Frame, "the child's step counted")
	assert.Empty(t, f.T.Lines())
}

func TestRunSubflowNesting(t *testing.T) {
	defs := runtime.Definitions{
		"FWparent": parseFlow(t, fmt.Sprintf(parentFlow, "FWb")),
		"FWb":      chain(t, "FWc"),
		"FWc":      chain(t, "FWd"),
		"FWd":      chain(t, ""),
	}
	// Three levels below the flow: within the default MaxDepth of 3.
	x, f := startParent(t, defs)
	assert.Equal(t, runtime.StatusEnded, x.Status, x.Reason)
	assert.Equal(t, map[string]any{"greeting": "Hello Ana++"}, x.Widgets()["sub"])
	assert.Equal(t, []string{`messaging.send to=+15550006666 "Hello Ana++ / parent sees "`}, f.T.Lines())

	// One level more than MaxDepth allows: the execution fails, naming it.
	x, _ = startParent(t, defs, runtime.WithLimits(runtime.Limits{MaxDepth: 2}))
	assert.Equal(t, runtime.StatusFailed, x.Status)
	assert.Equal(t, runtime.FailureLimitDepth, x.FailureCode)
	assert.Contains(t, x.Reason, `subflow "FWd"`, "naming it")

	// Twilio's own rule, one level: the second level already fails.
	x, _ = startParent(t, defs, runtime.WithLimits(runtime.Limits{MaxDepth: 1}))
	assert.Equal(t, runtime.StatusFailed, x.Status)
	assert.Equal(t, runtime.FailureLimitDepth, x.FailureCode)
	assert.Contains(t, x.Reason, `subflow "FWc"`)
}

func TestRunSubflowCycleFails(t *testing.T) {
	defs := runtime.Definitions{
		"FWparent": parseFlow(t, fmt.Sprintf(parentFlow, "FWa")),
		"FWa":      chain(t, "FWb"),
		"FWb":      chain(t, "FWa"),
	}
	x, f := startParent(t, defs)
	assert.Equal(t, runtime.StatusFailed, x.Status)
	assert.Equal(t, runtime.FailureCycle, x.FailureCode)
	assert.Contains(t, x.Reason, `(FWparent -> FWa -> FWb -> FWa)`, "the reason shows the cycle")
	assert.Empty(t, f.T.Lines())

	// A flow running itself is a cycle too.
	x, _ = startParent(t, runtime.Definitions{"FWparent": parseFlow(t, fmt.Sprintf(parentFlow, "FWparent"))})
	assert.Equal(t, runtime.StatusFailed, x.Status)
	assert.Equal(t, runtime.FailureCycle, x.FailureCode)
}

// The real parent and child exports from Twilio, wired by flow sid: the
// parent looks the caller up over HTTP, runs the child with the name it
// found, the child asks three questions by SMS and saves the answers with a
// function, and the parent thanks the caller by the name the child kept.
func TestRunSubflowDailySitDownExports(t *testing.T) {
	parent := readTestdata(t, "06_daily-sit-down-parent.json")
	child := readTestdata(t, "07_daily-sit-down-child.json")
	const childSid = "FW50120385f4d1e8dcf30c0bcd83695969"
	f := fake.New()
	f.HTTP.Mock("POST", "https://ngrok.anthonydellavecchia.com/v1/users/validate", 200, `{"valid":true}`)
	f.HTTP.Mock("GET", "https://ngrok.anthonydellavecchia.com/v1/users/names", 200, `{"name":"Ana"}`)
	var saved map[string]string
	f.Functions.Handle("ZHfb7c1300ed026315a54689e883238968", func(_ context.Context, c widgets.FunctionCall) (widgets.FunctionResult, error) {
		saved = c.Parameters
		return fake.JSONResult(map[string]any{"ok": true}), nil
	})
	eng := runtime.New(runtime.WithSource(runtime.Definitions{"FWparent": parent, childSid: child}),
		runtime.WithServices(f.Services()), runtime.WithIDs(runtime.SequentialIDs()), runtime.WithClock(runtime.NewFixedClock(subflowNow).Now))
	ctx := context.Background()
	x, err := eng.Start(ctx, runtime.StartRequest{FlowSid: "FWparent", Trigger: runtime.TriggerMessage, Contact: "+15550006666", FlowAddress: "+15550008888",
		Payload: map[string]any{"Body": "start"}})
	require.NoError(t, err)
	for _, reply := range []string{"wrote tests", "more tests", "none", "1"} {
		require.NotNil(t, x.Wait, "status %s: %s", x.Status, x.Reason)
		x, err = eng.Resume(ctx, x.ID, widgets.Event{Name: "incomingMessage", Data: map[string]any{"Body": reply, "From": "+15550006666"}})
		require.NoError(t, err)
	}
	assert.Equal(t, runtime.StatusEnded, x.Status, x.Reason)

	reqs := f.HTTP.Requests()
	require.Len(t, reqs, 2)
	assert.Equal(t, `{
"caller": "+15550006666"
}`, reqs[0].Body)
	assert.Equal(t, "https://ngrok.anthonydellavecchia.com/v1/users/names?caller=%2B15550006666", reqs[1].URL)

	var sent []string
	for _, e := range f.T.Service("messaging") {
		sent = append(sent, e.Text)
	}
	assert.Equal(t, []string{
		"ANA what did you do yesterday?",
		"ANA what will you do today?",
		"ANA what impediments do you have?",
		"Thanks, Ana now get back to work.\n\nReply with 1 to view the Daily Sit-Down.",
		"https://airtable.com/shrgxvKyKIJ9pJItw",
	}, sent)
	assert.Equal(t, "Ana", saved["name"])
	assert.Equal(t, "wrote tests", saved["yesterday"])
	assert.Equal(t, "none", saved["impediments"])
	sub, _ := x.Widgets()["ask_questions"].(map[string]any)
	assert.Equal(t, "Ana", sub["name"], "the child's variables are the parent's widgets.ask_questions.*")
	assert.Equal(t, "more tests", sub["today"])
	assert.Equal(t, "+15550006666", sub["number"])
	childSteps := 0
	for _, s := range x.Steps {
		if strings.HasPrefix(s.Frame, "subflow:") {
			childSteps++
		}
	}
	assert.Equal(t, 8, childSteps)
}
