package temporal_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/studioflow/studioflow/adapters/temporal"
	"github.com/studioflow/studioflow/flow"
	"github.com/studioflow/studioflow/runtime"
	"github.com/studioflow/studioflow/widgets"
	"github.com/studioflow/studioflow/widgets/fake"
)

// start is when every test's clock starts.
var start = time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC)

// modules is a ModuleSource of fixed modules, each at revision 1.
type modules map[string]*flow.Definition

func (m modules) Module(_ context.Context, name, revision string) (*runtime.Resolved, error) {
	d, ok := m[name]
	if !ok || (revision != "" && revision != "1") {
		return nil, fmt.Errorf("module %q: %w", name, runtime.ErrNotFound)
	}
	return &runtime.Resolved{Sid: "module:" + name, Revision: 1, Definition: d}, nil
}

// step is one thing the contact does: an event, or (wait) nothing until
// the current wait times out.
type step struct {
	ev   widgets.Event
	wait bool
}

func ev(name string, kv ...any) step {
	data := map[string]any{}
	for i := 0; i+1 < len(kv); i += 2 {
		data[kv[i].(string)] = kv[i+1]
	}
	return step{ev: widgets.Event{Name: name, Data: data}}
}

var timeout = step{wait: true}

// scenario is a flow, what starts it and what the contact does.
type scenario struct {
	name    string
	flows   map[string]string // sid -> file
	modules map[string]string // name -> file
	req     runtime.StartRequest
	steps   []step
	http    []httpMock
}

type httpMock struct {
	method, url string
	status      int
	body        string
}

// load reads a flow; a shared export (under twilioDir) that is absent, as
// beside a checkout that holds another set of exports, skips the test.
func load(t *testing.T, file string) *flow.Definition {
	t.Helper()
	data, err := os.ReadFile(file)
	if name, ok := strings.CutPrefix(file, twilioDir); ok && os.IsNotExist(err) {
		t.Skipf("../shared/testdata/twilio/%s is absent", name)
	}
	require.NoError(t, err)
	d, err := flow.Parse(data)
	require.NoError(t, err)
	return d
}

// world is what a scenario runs against: its definitions and fresh fakes.
func (sc scenario) world(t *testing.T) (runtime.Definitions, modules, *fake.Fakes) {
	defs := runtime.Definitions{}
	for sid, f := range sc.flows {
		defs[sid] = load(t, f)
	}
	mods := modules{}
	for name, f := range sc.modules {
		mods[name] = load(t, f)
	}
	fakes := fake.New()
	for _, m := range sc.http {
		fakes.HTTP.Mock(m.method, m.url, m.status, m.body)
	}
	return defs, mods, fakes
}

// inMemory runs the scenario on the engine in process, without a store,
// as the reference: one second passes before each event, and a wait that
// is let time out is advanced to its deadline.
func inMemory(t *testing.T, sc scenario) (*runtime.Execution, []fake.Entry) {
	defs, mods, fakes := sc.world(t)
	clock := runtime.NewFixedClock(start)
	e := runtime.New(runtime.WithSource(defs), runtime.WithModules(mods), runtime.WithServices(fakes.Services()), runtime.WithClock(clock.Now))
	ctx := context.Background()
	x, _, err := e.Begin(ctx, sc.req)
	require.NoError(t, err)
	for i, s := range sc.steps {
		require.Equal(t, runtime.StatusActive, x.Status, "step %d: the execution ended early", i)
		if s.wait {
			require.NotNil(t, x.Wait.Deadline, "step %d: the wait has no deadline", i)
			clock.Advance(x.Wait.Deadline.Sub(clock.Now()) + time.Second)
			y, _, err := e.Elapse(ctx, x)
			require.NoError(t, err)
			require.NotNil(t, y)
			x = y
			continue
		}
		clock.Advance(time.Second)
		y, _, err := e.Advance(ctx, x, s.ev)
		require.NoError(t, err, "step %d", i)
		x = y
	}
	return x, fakes.T.Entries()
}

// onTemporal runs the scenario as a workflow on the SDK's test
// environment (time skipping): each event is an update sent one second
// after the previous one finished; a wait let time out is left to the
// workflow's timer.
func onTemporal(t *testing.T, sc scenario) (*runtime.Execution, []fake.Entry) {
	defs, mods, fakes := sc.world(t)
	env := newEnv()
	env.SetStartTime(start)
	wk := &temporal.Worker{Activities: &temporal.Activities{Services: fakes.Services(), Source: defs, Modules: mods}}
	wk.Register(env)

	i := 0
	var next func()
	next = func() {
		if i >= len(sc.steps) {
			return
		}
		s := sc.steps[i]
		i++
		if s.wait {
			x := query(t, env)
			if !assert.NotNil(t, x.Wait) || !assert.NotNil(t, x.Wait.Deadline) {
				return
			}
			env.RegisterDelayedCallback(next, x.Wait.Deadline.Sub(env.Now())+time.Second)
			return
		}
		env.UpdateWorkflow(temporal.UpdateEvent, fmt.Sprint("update-", i), &testsuite.TestUpdateCallback{
			OnReject: func(err error) { t.Errorf("step %d: %s refused: %v", i, s.ev.Name, err) },
			OnAccept: func() {},
			OnComplete: func(_ any, err error) {
				assert.NoError(t, err, "step %d", i)
				env.RegisterDelayedCallback(next, time.Second)
			},
		}, temporal.Delivery{Event: s.ev})
	}
	env.RegisterDelayedCallback(next, time.Second)
	env.ExecuteWorkflow(temporal.WorkflowName, temporal.Input{Request: sc.req})
	return finished(t, env), fakes.T.Entries()
}

// newEnv returns a test environment whose SDK logging stays quiet.
func newEnv() *testsuite.TestWorkflowEnvironment {
	var suite testsuite.WorkflowTestSuite
	suite.SetLogger(log.NewStructuredLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	return suite.NewTestWorkflowEnvironment()
}

func query(t *testing.T, env *testsuite.TestWorkflowEnvironment) *runtime.Execution {
	t.Helper()
	v, err := env.QueryWorkflow(temporal.QueryExecution)
	require.NoError(t, err)
	var snap temporal.Snapshot
	require.NoError(t, v.Get(&snap))
	x, err := snap.Decode()
	require.NoError(t, err)
	return x
}

// steps formats the path an execution took.
func steps(x *runtime.Execution) []string {
	out := make([]string, len(x.Steps))
	for i, s := range x.Steps {
		out[i] = fmt.Sprintf("%s/%s -%s-> %s", s.Frame, s.From, s.Name, s.To)
	}
	return out
}

// lines formats a transcript without its ids.
func lines(entries []fake.Entry) []string {
	out := make([]string, len(entries))
	for i, e := range entries {
		out[i] = fmt.Sprintf("%s.%s to=%s %q effect=%v", e.Service, e.Op, e.To, e.Text, e.Effect != "")
	}
	return out
}

const twilioDir = "../../../shared/testdata/twilio/"

func scenarios(t *testing.T) []scenario {
	call := runtime.StartRequest{Trigger: runtime.TriggerCall, Contact: "+15551230000", FlowAddress: "+15559870000", CallSid: "CA0001"}
	with := func(req runtime.StartRequest, sid string) runtime.StartRequest { req.FlowSid = sid; return req }
	request := runtime.StartRequest{Trigger: runtime.TriggerRequest, Contact: "+15551230000", FlowAddress: "+15559870000"}
	message := runtime.StartRequest{Trigger: runtime.TriggerMessage, Contact: "+15551230000", FlowAddress: "+15559870000",
		Payload: map[string]any{"Body": "sit down"}}
	out := []scenario{
		{name: "ivr menu", flows: map[string]string{"FWmenu": "../../examples/ivr/menu.json"}, req: with(call, "FWmenu"),
			steps: []step{ev("keypress", "Digits", "7"), ev("keypress", "Digits", "2")}},
		{name: "ivr menu, silence", flows: map[string]string{"FWmenu": "../../examples/ivr/menu.json"}, req: with(call, "FWmenu"),
			steps: []step{timeout}},
		{name: "reminder with its survey subflow", flows: map[string]string{"FWreminder": "../../examples/reminder/reminder.json", "FWsurvey": "../../examples/reminder/survey.json"},
			req: func() runtime.StartRequest {
				r := with(request, "FWreminder")
				r.Parameters = map[string]any{"first_name": "Ada", "date": "Friday"}
				return r
			}(),
			steps: []step{ev("incomingMessage", "Body", "yes"), ev("incomingMessage", "Body", "5")}},
		{name: "password reset with the SMS module", flows: map[string]string{"FWreset": "../../examples/sms/password_reset.json"},
			modules: map[string]string{"Send SMS": "../../examples/sms/send_sms_module.json"},
			req: func() runtime.StartRequest {
				r := with(request, "FWreset")
				r.Parameters = map[string]any{"phone": "+15551230000", "sms_opt_in": "true", "code": "4711"}
				return r
			}()},
		{name: "holiday check module", flows: map[string]string{"FWsales": "../../examples/holiday/sales_line.json"},
			modules: map[string]string{"Holiday check": "../../examples/holiday/holiday_check_v1.json"}, req: with(call, "FWsales")},
	}
	// A subflow whose step fails takes its caller's failed branch (engine
	// version 2), on Temporal as in process.
	dir := t.TempDir()
	failing := map[string]string{
		"parent.json": `{"description": "parent", "initial_state": "Trigger", "states": [
		  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingRequest", "next": "child"}], "properties": {}},
		  {"name": "child", "type": "run-subflow", "transitions": [{"event": "completed"}, {"event": "failed", "next": "sorry"}], "properties": {"flow_sid": "FWchild"}},
		  {"name": "sorry", "type": "set-variables", "transitions": [{"event": "next"}], "properties": {"variables": [{"key": "how", "value": "{{widgets.child.error}}"}]}}]}`,
		"child.json": `{"description": "child", "initial_state": "Trigger", "states": [
		  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingParent", "next": "broken"}], "properties": {}},
		  {"name": "broken", "type": "set-variables", "transitions": [{"event": "next"}], "properties": {"variables": [{"key": "v", "value": "{{ 1 | divided_by: 0 }}"}]}}]}`,
	}
	for name, src := range failing {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(src), 0o600))
	}
	out = append(out, scenario{name: "a subflow that fails takes failed", req: with(request, "FWparent"),
		flows: map[string]string{"FWparent": filepath.Join(dir, "parent.json"), "FWchild": filepath.Join(dir, "child.json")}})
	if _, err := os.Stat(twilioDir); err != nil {
		t.Log("../shared/testdata/twilio is not beside the checkout: the real exports are left out")
		return out
	}
	return append(out,
		scenario{name: "06 daily sit-down with its 07 child", req: with(message, "FWparent"),
			flows: map[string]string{"FWparent": twilioDir + "06_daily-sit-down-parent.json",
				"FW50120385f4d1e8dcf30c0bcd83695969": twilioDir + "07_daily-sit-down-child.json"},
			http: []httpMock{
				{"POST", "https://ngrok.anthonydellavecchia.com/v1/users/validate", 200, `{"valid": true}`},
				{"GET", "https://ngrok.anthonydellavecchia.com/v1/users/names", 200, `{"name": "ada"}`},
				{"POST", "https://daily-sit-down-4177.twil.io/write-to-airtable", 200, `{"ok": true}`},
			},
			steps: []step{ev("incomingMessage", "Body", "fixed the login bug"), ev("incomingMessage", "Body", "write tests"),
				ev("incomingMessage", "Body", "none"), ev("incomingMessage", "Body", "1")}},
		scenario{name: "17 IVR to support", flows: map[string]string{"FWivr": twilioDir + "17_ivr-studio-enqueue.json"}, req: with(call, "FWivr"),
			steps: []step{ev("keypress", "Digits", "2"), ev("callCompleted", "DialCallStatus", "completed", "DialCallDuration", "42")}},
		scenario{name: "34 direct extension, silence then an extension", flows: map[string]string{"FWext": twilioDir + "34_direct-extension-ivr.json"},
			req: with(call, "FWext"), steps: []step{timeout, ev("keypress", "Digits", "1234"), ev("callComplete")}},
	)
}

// Each scenario takes the same path and makes the same calls as a
// workflow as it does in process.
func TestWorkflowMatchesTheEngine(t *testing.T) {
	for _, sc := range scenarios(t) {
		t.Run(sc.name, func(t *testing.T) {
			want, wantCalls := inMemory(t, sc)
			got, gotCalls := onTemporal(t, sc)
			assert.Equal(t, steps(want), steps(got))
			assert.Equal(t, want.Status, got.Status)
			assert.Equal(t, want.Variables(), got.Variables())
			assert.Equal(t, lines(wantCalls), lines(gotCalls))
			assert.NotEmpty(t, got.Steps)
		})
	}
}

// A workflow recorded now (engine version 2) takes a failing subflow's
// failed branch; TestRecordedHistoriesReplay holds version 1 histories to
// the behaviour they were recorded with.
func TestAFailingSubflowTakesFailedOnTemporal(t *testing.T) {
	var sc scenario
	for _, s := range scenarios(t) {
		if s.name == "a subflow that fails takes failed" {
			sc = s
		}
	}
	require.NotEmpty(t, sc.name)
	x, _ := onTemporal(t, sc)
	assert.Equal(t, runtime.StatusEnded, x.Status, x.Reason)
	assert.Contains(t, x.Variables()["how"], "divided by 0")
}

// An event the wait does not accept, or one that answers another wait, is
// refused by the update's validator: the execution still waits where it
// waited, and takes the right event after.
func TestRefusedEventsLeaveTheExecutionWaiting(t *testing.T) {
	sc := scenarios(t)[0]
	defs, mods, fakes := sc.world(t)
	env := newEnv()
	env.SetStartTime(start)
	(&temporal.Worker{Activities: &temporal.Activities{Services: fakes.Services(), Source: defs, Modules: mods}}).Register(env)
	var rejected []string
	var mid *runtime.Execution
	update := func(id string, d temporal.Delivery, then func()) {
		env.UpdateWorkflow(temporal.UpdateEvent, id, &testsuite.TestUpdateCallback{
			OnAccept: func() {},
			OnReject: func(err error) { rejected = append(rejected, err.Error()); then() },
			OnComplete: func(_ any, err error) {
				assert.NoError(t, err)
				then()
			},
		}, d)
	}
	env.RegisterDelayedCallback(func() {
		mid = query(t, env)
		update("wrong-event", temporal.Delivery{Event: widgets.Event{Name: "incomingMessage", Data: map[string]any{"Body": "hi"}}}, func() {
			update("stale", temporal.Delivery{Event: widgets.Event{Name: "keypress", Token: "99", Data: map[string]any{"Digits": "1"}}}, func() {
				update("another-execution", temporal.Delivery{Execution: "FN00000000000000000000000000000000", Event: widgets.Event{Name: "keypress", Data: map[string]any{"Digits": "1"}}}, func() {
					x := query(t, env)
					assert.Equal(t, mid.Wait, x.Wait, "still waiting where it waited")
					assert.Equal(t, len(mid.Steps), len(x.Steps))
					update("right", temporal.Delivery{Execution: x.ID, Event: widgets.Event{Name: "keypress", Token: x.Wait.Token, Data: map[string]any{"Digits": "1"}}}, func() {})
				})
			})
		})
	}, time.Second)
	env.ExecuteWorkflow(temporal.WorkflowName, temporal.Input{Request: sc.req})
	require.NoError(t, env.GetWorkflowError())
	require.Len(t, rejected, 3)
	assert.Contains(t, rejected[0], `state "menu" waits for one of`)
	assert.Contains(t, rejected[1], "stale event")
	assert.Contains(t, rejected[2], "is not the one this workflow runs")
	require.NotNil(t, mid)
	assert.Equal(t, "menu", mid.Wait.State, "a query mid-conversation returns the current wait")
	var snap temporal.Snapshot
	require.NoError(t, env.GetWorkflowResult(&snap))
	x, err := snap.Decode()
	require.NoError(t, err)
	assert.Equal(t, "sales", x.Steps[len(x.Steps)-1].From)
}

// A wait with no deadline ends with the execution's lifetime (30 days),
// through the workflow's timer: no expiry worker runs on Temporal.
func TestLifetimeEndsASilentExecution(t *testing.T) {
	sc := scenario{flows: map[string]string{"FWivr": twilioDir + "17_ivr-studio-enqueue.json"},
		req:   runtime.StartRequest{FlowSid: "FWivr", Trigger: runtime.TriggerCall, Contact: "+15551230000", FlowAddress: "+15559870000", CallSid: "CA1"},
		steps: []step{ev("keypress", "Digits", "2")}}
	defs, mods, fakes := sc.world(t)
	env := newEnv()
	env.SetStartTime(start)
	(&temporal.Worker{Activities: &temporal.Activities{Services: fakes.Services(), Source: defs, Modules: mods}}).Register(env)
	var waiting *runtime.Execution
	env.RegisterDelayedCallback(func() {
		env.UpdateWorkflow(temporal.UpdateEvent, "press", &testsuite.TestUpdateCallback{OnAccept: func() {}, OnReject: func(err error) { t.Error(err) },
			OnComplete: func(_ any, err error) {
				assert.NoError(t, err)
				env.RegisterDelayedCallback(func() { waiting = query(t, env) }, 24*time.Hour)
			}}, temporal.Delivery{Event: sc.steps[0].ev})
	}, time.Second)
	env.ExecuteWorkflow(temporal.WorkflowName, temporal.Input{Request: sc.req})
	require.NoError(t, env.GetWorkflowError())
	require.NotNil(t, waiting)
	assert.Equal(t, "connect_call_to_support", waiting.Wait.State)
	assert.Nil(t, waiting.Wait.Deadline)
	var snap temporal.Snapshot
	require.NoError(t, env.GetWorkflowResult(&snap))
	x, err := snap.Decode()
	require.NoError(t, err)
	assert.Equal(t, runtime.StatusEnded, x.Status)
	assert.Equal(t, runtime.FailureExpired, x.FailureCode)
	assert.Equal(t, start.Add(30*24*time.Hour), env.Now().UTC().Truncate(time.Second), "it ended at its lifetime")
}

// A conversation long enough to continue as new keeps its state across
// each boundary: the same execution, the same path and calls as in
// process, its pinned definitions and its ids carried over.
func TestContinueAsNewKeepsTheConversation(t *testing.T) {
	sc := scenarios(t)[2] // the reminder and its survey subflow
	sc.steps = []step{ev("incomingMessage", "Body", "maybe"), ev("incomingMessage", "Body", "perhaps"), ev("incomingMessage", "Body", "yes"), ev("incomingMessage", "Body", "5")}
	want, wantCalls := inMemory(t, sc)

	defs, mods, fakes := sc.world(t)
	wk := &temporal.Worker{Activities: &temporal.Activities{Services: fakes.Services(), Source: defs, Modules: mods}, HistoryLimit: 15}
	in := temporal.Input{Request: sc.req}
	delivered, runs := 0, 0
	var firstID string
	now := start
	for {
		runs++
		require.Less(t, runs, 20, "the conversation never ends")
		env := newEnv()
		env.SetStartTime(now)
		wk.Register(env)
		inRun := 0
		var next func()
		next = func() {
			if delivered >= len(sc.steps) {
				return
			}
			env.UpdateWorkflow(temporal.UpdateEvent, fmt.Sprint("u", delivered), &testsuite.TestUpdateCallback{
				OnAccept: func() {}, OnReject: func(err error) { t.Error(err) },
				OnComplete: func(_ any, err error) {
					assert.NoError(t, err)
					delivered++
					inRun++
					// As a server would count it: each event adds to the
					// history.
					env.SetCurrentHistoryLength(inRun * 10)
					env.RegisterDelayedCallback(next, time.Second)
				}}, temporal.Delivery{Event: sc.steps[delivered].ev})
		}
		env.RegisterDelayedCallback(next, time.Second)
		env.ExecuteWorkflow(temporal.WorkflowName, in)
		now = env.Now()
		err := env.GetWorkflowError()
		var can *workflow.ContinueAsNewError
		if errors.As(err, &can) {
			in = temporal.Input{}
			require.NoError(t, converter.GetDefaultDataConverter().FromPayloads(can.Input, &in))
			x, err := runtime.UnmarshalExecution(in.Execution)
			require.NoError(t, err)
			if firstID == "" {
				firstID = x.ID
			}
			assert.Equal(t, firstID, x.ID, "the same execution goes on")
			assert.Equal(t, runtime.StatusActive, x.Status)
			assert.NotEmpty(t, in.Pinned)
			assert.NotZero(t, in.Seed)
			continue
		}
		require.NoError(t, err)
		var snap temporal.Snapshot
		require.NoError(t, env.GetWorkflowResult(&snap))
		got, err := snap.Decode()
		require.NoError(t, err)
		assert.Greater(t, runs, 1, "it continued as new at least once")
		assert.Equal(t, firstID, got.ID)
		assert.Equal(t, steps(want), steps(got))
		assert.Equal(t, want.Variables(), got.Variables())
		assert.Equal(t, lines(wantCalls), lines(fakes.T.Entries()))
		return
	}
}

// Two updates at once are delivered one after the other: the second waits
// while the first's service calls (activities) run, and answers the wait
// the first left, as two events in turn do in process.
func TestConcurrentUpdatesTakeTurns(t *testing.T) {
	sc := scenarios(t)[0]
	sc.steps = []step{ev("keypress", "Digits", "9"), ev("keypress", "Digits", "2")}
	want, wantCalls := inMemory(t, sc)

	defs, mods, fakes := sc.world(t)
	env := newEnv()
	env.SetStartTime(start)
	(&temporal.Worker{Activities: &temporal.Activities{Services: fakes.Services(), Source: defs, Modules: mods}}).Register(env)
	completed := 0
	env.RegisterDelayedCallback(func() {
		for i, s := range sc.steps {
			env.UpdateWorkflow(temporal.UpdateEvent, fmt.Sprint("at-once-", i), &testsuite.TestUpdateCallback{
				OnAccept: func() {}, OnReject: func(err error) { t.Errorf("update %d refused: %v", i, err) },
				OnComplete: func(_ any, err error) { assert.NoError(t, err); completed++ }}, temporal.Delivery{Event: s.ev})
		}
	}, time.Second)
	env.ExecuteWorkflow(temporal.WorkflowName, temporal.Input{Request: sc.req})
	require.NoError(t, env.GetWorkflowError())
	assert.Equal(t, 2, completed)
	var snap temporal.Snapshot
	require.NoError(t, env.GetWorkflowResult(&snap))
	got, err := snap.Decode()
	require.NoError(t, err)
	assert.Equal(t, steps(want), steps(got))
	assert.Equal(t, lines(wantCalls), lines(fakes.T.Entries()))
}

// UpdateEnd ends the execution with its reason; the execution's id
// carries its workflow's, as Runner reads it back.
func TestEndUpdateAndExecutionIDs(t *testing.T) {
	sc := scenarios(t)[0]
	defs, mods, fakes := sc.world(t)
	env := newEnv()
	env.SetStartTime(start)
	env.SetStartWorkflowOptions(client.StartWorkflowOptions{ID: "studioflow-0123456789abcdef", TaskQueue: "flows"})
	(&temporal.Worker{Activities: &temporal.Activities{Services: fakes.Services(), Source: defs, Modules: mods}}).Register(env)
	var rejected error
	env.RegisterDelayedCallback(func() {
		x := query(t, env)
		assert.Regexp(t, `^FN0123456789abcdef[0-9a-f]{16}$`, x.ID)
		env.UpdateWorkflow(temporal.UpdateEnd, "end-other", &testsuite.TestUpdateCallback{OnAccept: func() {},
			OnReject: func(err error) { rejected = err }, OnComplete: func(any, error) { t.Error("another execution's end was taken") }},
			temporal.Delivery{Execution: "FN0123456789abcdefffffffffffffffff", Reason: "no"})
		env.UpdateWorkflow(temporal.UpdateEnd, "end", &testsuite.TestUpdateCallback{OnAccept: func() {},
			OnReject: func(err error) { t.Error(err) }, OnComplete: func(_ any, err error) { assert.NoError(t, err) }},
			temporal.Delivery{Execution: x.ID, Reason: "the caller was transferred"})
	}, time.Second)
	env.ExecuteWorkflow(temporal.WorkflowName, temporal.Input{Request: sc.req})
	require.NoError(t, env.GetWorkflowError())
	require.Error(t, rejected)
	assert.Contains(t, rejected.Error(), "is not the one this workflow runs")
	var snap temporal.Snapshot
	require.NoError(t, env.GetWorkflowResult(&snap))
	x, err := snap.Decode()
	require.NoError(t, err)
	assert.Equal(t, runtime.StatusEnded, x.Status)
	assert.Equal(t, "the caller was transferred", x.Reason)
	assert.Equal(t, "menu", x.Steps[len(x.Steps)-1].To, "it ended where it waited")
}

// UpdateStarted, sent with the start, answers once the first run is
// recorded: the execution waiting where its first run left it; a start
// the engine refuses answers with the refusal, and the workflow fails.
func TestStartedUpdate(t *testing.T) {
	sc := scenarios(t)[0]
	for _, tc := range []struct {
		name    string
		flowSid string
	}{{"started", "FWmenu"}, {"refused", "FWnone"}} {
		t.Run(tc.name, func(t *testing.T) {
			defs, mods, fakes := sc.world(t)
			env := newEnv()
			env.SetStartTime(start)
			(&temporal.Worker{Activities: &temporal.Activities{Services: fakes.Services(), Source: defs, Modules: mods}}).Register(env)
			var first *runtime.Execution
			var refused error
			env.RegisterDelayedCallback(func() {
				env.UpdateWorkflow(temporal.UpdateStarted, "started", &testsuite.TestUpdateCallback{OnAccept: func() {},
					OnReject: func(err error) { t.Error(err) },
					OnComplete: func(v any, err error) {
						if err != nil {
							refused = err
							return
						}
						snap := v.(temporal.Snapshot)
						x, derr := snap.Decode()
						assert.NoError(t, derr)
						first = x
						env.UpdateWorkflow(temporal.UpdateEvent, "press", &testsuite.TestUpdateCallback{OnAccept: func() {}, OnReject: func(err error) { t.Error(err) },
							OnComplete: func(_ any, err error) { assert.NoError(t, err) }}, temporal.Delivery{Execution: x.ID, Event: widgets.Event{Name: "keypress", Data: map[string]any{"Digits": "1"}}})
					}}, nil)
			}, 0)
			req := sc.req
			req.FlowSid = tc.flowSid
			env.ExecuteWorkflow(temporal.WorkflowName, temporal.Input{Request: req})
			if tc.flowSid == "FWnone" {
				require.Error(t, refused)
				assert.Contains(t, refused.Error(), "FWnone")
				assert.Error(t, env.GetWorkflowError())
				return
			}
			require.NoError(t, env.GetWorkflowError())
			require.NotNil(t, first)
			assert.Equal(t, "menu", first.Wait.State)
		})
	}
}

// slowHTTP answers every request with a timeout, as a host's client does
// when the step's limit passes; it records whether its context had one.
type slowHTTP struct{ limited []bool }

func (s *slowHTTP) Do(req *http.Request) (*http.Response, error) {
	_, ok := req.Context().Deadline()
	s.limited = append(s.limited, ok)
	return nil, fmt.Errorf("Get %q: %w", req.URL, context.DeadlineExceeded)
}

// A service's timeout survives the trip through the activity: the widget
// gets an error wrapping context.DeadlineExceeded, with the step's own
// limit applied to the service's context, as in process.
func TestServiceErrorsSurviveTheActivity(t *testing.T) {
	def, err := flow.Parse([]byte(`{"description": "fetch", "initial_state": "Trigger", "states": [
  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingRequest", "next": "fetch"}], "properties": {}},
  {"name": "fetch", "type": "make-http-request", "transitions": [{"event": "success"}, {"event": "failed"}],
   "properties": {"method": "GET", "url": "https://api.example/slow", "timeout": 7}}]}`))
	require.NoError(t, err)
	req := runtime.StartRequest{FlowSid: "FWfetch", Trigger: runtime.TriggerRequest, Contact: "+15551230000", FlowAddress: "+15559870000"}

	inProcess := &slowHTTP{}
	want, _, err := runtime.New(runtime.WithSource(runtime.Definitions{"FWfetch": def}), runtime.WithServices(&widgets.Services{HTTP: inProcess}),
		runtime.WithClock(runtime.NewFixedClock(start).Now)).Begin(context.Background(), req)
	require.NoError(t, err)

	onWorker := &slowHTTP{}
	env := newEnv()
	env.SetStartTime(start)
	var limits []time.Duration
	env.SetOnActivityStartedListener(func(info *activity.Info, _ context.Context, args converter.EncodedValues) {
		var c temporal.Call
		if info.ActivityType.Name == "studioflow.HTTP" && args.Get(&c) == nil {
			limits = append(limits, c.Timeout)
		}
	})
	(&temporal.Worker{Activities: &temporal.Activities{Services: &widgets.Services{HTTP: onWorker}, Source: runtime.Definitions{"FWfetch": def}}}).Register(env)
	env.ExecuteWorkflow(temporal.WorkflowName, temporal.Input{Request: req})
	require.NoError(t, env.GetWorkflowError())
	var snap temporal.Snapshot
	require.NoError(t, env.GetWorkflowResult(&snap))
	got, err := snap.Decode()
	require.NoError(t, err)

	assert.Equal(t, steps(want), steps(got))
	assert.Equal(t, want.Widgets()["fetch"], got.Widgets()["fetch"])
	assert.Contains(t, fmt.Sprint(got.Widgets()["fetch"]), "timeout")
	assert.Equal(t, []time.Duration{7 * time.Second}, limits, "the step's limit went with the call")
	assert.Equal(t, []bool{true}, onWorker.limited, "and reached the service's context")
}

// With VoiceInReply, a run's voice calls come back with the update's
// result instead of running as activities: made in order by the web
// process's voice service, they are the calls the engine makes in process.
func TestVoiceInReply(t *testing.T) {
	sc := scenarios(t)[0]
	sc.steps = []step{ev("keypress", "Digits", "7"), ev("keypress", "Digits", "2")}
	_, wantCalls := inMemory(t, sc)

	defs, mods, fakes := sc.world(t)
	web := fake.New() // the web process's services: its voice makes the handed-back calls
	env := newEnv()
	env.SetStartTime(start)
	(&temporal.Worker{VoiceInReply: true, Activities: &temporal.Activities{Services: fakes.Services(), Source: defs, Modules: mods}}).Register(env)
	activities := map[string]int{}
	env.SetOnActivityStartedListener(func(info *activity.Info, _ context.Context, _ converter.EncodedValues) {
		activities[info.ActivityType.Name]++
	})
	play := func(v any) {
		snap := v.(temporal.Snapshot)
		for _, c := range snap.Voice {
			_, err := temporal.PlayVoice(context.Background(), web.Services().Voice, c)
			assert.NoError(t, err)
		}
	}
	i := 0
	var next func(x *runtime.Execution)
	next = func(x *runtime.Execution) {
		if i >= len(sc.steps) {
			return
		}
		s := sc.steps[i]
		i++
		env.UpdateWorkflow(temporal.UpdateEvent, fmt.Sprint("u", i), &testsuite.TestUpdateCallback{OnAccept: func() {}, OnReject: func(err error) { t.Error(err) },
			OnComplete: func(v any, err error) {
				require.NoError(t, err)
				play(v)
				y, _ := v.(temporal.Snapshot).Decode()
				next(y)
			}}, temporal.Delivery{Execution: x.ID, Event: s.ev})
	}
	env.RegisterDelayedCallback(func() {
		env.UpdateWorkflow(temporal.UpdateStarted, "started", &testsuite.TestUpdateCallback{OnAccept: func() {}, OnReject: func(err error) { t.Error(err) },
			OnComplete: func(v any, err error) {
				require.NoError(t, err)
				assert.NotEmpty(t, v.(temporal.Snapshot).Voice, "the greeting and the menu come back with the start")
				play(v)
				x, _ := v.(temporal.Snapshot).Decode()
				next(x)
			}}, nil)
	}, 0)
	env.ExecuteWorkflow(temporal.WorkflowName, temporal.Input{Request: sc.req})
	require.NoError(t, env.GetWorkflowError())
	assert.Zero(t, activities["studioflow.Voice"], "no voice activity ran")
	assert.Equal(t, 1, activities["studioflow.Messaging"], "other services are activities still")
	// The worker's fakes made the SMS; the web process's, the voice calls.
	got := append(fakes.T.Entries(), web.T.Entries()...)
	var wantVoice, gotVoice []string
	for _, l := range lines(wantCalls) {
		if strings.HasPrefix(l, "voice.") {
			wantVoice = append(wantVoice, l)
		}
	}
	for _, l := range lines(got) {
		if strings.HasPrefix(l, "voice.") {
			gotVoice = append(gotVoice, l)
		}
	}
	assert.Equal(t, wantVoice, gotVoice)
	assert.Len(t, wantVoice, 5)
}
