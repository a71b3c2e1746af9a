package sim_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studioflow/studioflow/runtime"
	"github.com/studioflow/studioflow/runtime/sim"
	"github.com/studioflow/studioflow/widgets"
	"github.com/studioflow/studioflow/widgets/fake"
)

// chain calls three services in turn, each failure to a state of its own.
const chain = `{"description": "chain", "initial_state": "Trigger", "states": [
  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingRequest", "next": "get"}], "properties": {}},
  {"name": "get", "type": "make-http-request", "transitions": [{"event": "success", "next": "sms"}, {"event": "failed", "next": "http_failed"}],
   "properties": {"method": "GET", "url": "https://api.example.com/users"}},
  {"name": "sms", "type": "send-message", "transitions": [{"event": "sent", "next": "fn"}, {"event": "failed", "next": "sms_failed"}],
   "properties": {"to": "{{contact.channel.address}}", "body": "Hello {{flow.data.n}}"}},
  {"name": "fn", "type": "run-function", "transitions": [{"event": "success"}, {"event": "fail", "next": "fn_failed"}],
   "properties": {"url": "https://fn.example.com/hello"}},
  {"name": "http_failed", "type": "set-variables", "transitions": [{"event": "next"}], "properties": {"variables": [{"key": "error", "value": "{{widgets.get.error}}"}]}},
  {"name": "sms_failed", "type": "set-variables", "transitions": [{"event": "next"}], "properties": {"variables": []}},
  {"name": "fn_failed", "type": "set-variables", "transitions": [{"event": "next"}], "properties": {"variables": []}}
]}`

func chainSim(t *testing.T, failures ...sim.Failure) *sim.Sim {
	t.Helper()
	return sim.New(sim.WithFlow("FWchain", parse(t, chain)),
		sim.WithHTTPMocks(sim.HTTPMock{URL: "https://api.example.com/users", Body: `{}`}),
		sim.WithFakes(func(f *fake.Fakes) {
			f.Functions.Handle("hello", func(context.Context, widgets.FunctionCall) (widgets.FunctionResult, error) {
				return fake.JSONResult(map[string]any{}), nil
			})
		}),
		sim.WithFailures(failures...))
}

// lastState runs the chain once and returns the last state of its path.
func lastState(t *testing.T, s *sim.Sim) string {
	t.Helper()
	run, err := s.Run(ctx, sim.Start{}, nil)
	require.NoError(t, err)
	require.Equal(t, runtime.StatusEnded, run.Status(), run.Execution.Reason)
	p := run.Path()
	return p[len(p)-1]
}

func TestFailCallCountsCallsOverEverySession(t *testing.T) {
	carrier := errors.New("carrier down")
	s := chainSim(t, sim.FailCall("messaging", 2, carrier))
	assert.Equal(t, []int{2}, s.Fakes.Failures("messaging").Pending())
	var got []string
	for range 3 {
		got = append(got, lastState(t, s))
	}
	// Only the second session's send fails.
	assert.Equal(t, []string{"fn", "sms_failed", "fn"}, got)
	assert.Equal(t, 3, s.Fakes.Failures("messaging").Calls())
	assert.Empty(t, s.Fakes.Failures("messaging").Pending())
	assert.Len(t, s.Fakes.T.Service("messaging"), 2, "the failed send sent nothing")
}

func TestFailCallTimesTheFirstHTTPRequestOut(t *testing.T) {
	s := chainSim(t, sim.FailCall("http", 1, context.DeadlineExceeded))
	run, err := s.Run(ctx, sim.Start{}, nil)
	require.NoError(t, err)
	sim.AssertPath(t, run, []string{"Trigger", "get", "http_failed"})
	assert.Contains(t, run.Execution.Variables()["error"], "timeout")
	// The request went out, and is in the transcript.
	sim.AssertTranscript(t, run, []string{`http.request "https://api.example.com/users"`})
	assert.Equal(t, "fn", lastState(t, s), "the second request is answered")
}

func TestFailCallFailsAFunction(t *testing.T) {
	s := chainSim(t, sim.FailCall("functions", 1, errors.New("cold start")), sim.FailCall("http", 2, errors.New("reset")))
	assert.Equal(t, "fn_failed", lastState(t, s))
	assert.Equal(t, "http_failed", lastState(t, s))
	assert.Equal(t, "fn", lastState(t, s))
}

func TestFailCallOnVoiceFailsTheExecution(t *testing.T) {
	s := sim.New(sim.WithFlow("FWacme", menu(t)), sim.WithFailures(sim.FailCall("voice", 2, errors.New("media down"))))
	run, err := s.Run(ctx, sim.Start{}, nil)
	require.NoError(t, err)
	// The greeting plays; the menu's gather fails.
	assert.Equal(t, runtime.StatusFailed, run.Status())
	assert.Contains(t, run.Execution.Reason, "media down")
	assert.Equal(t, []string{`voice.say "Thanks for calling Acme."`}, run.Lines())
}

func TestWithFailuresReachesEveryFake(t *testing.T) {
	var failures []sim.Failure
	for i, service := range fake.ServiceNames {
		failures = append(failures, sim.FailCall(service, i+1, errors.New(service)))
	}
	s := sim.New(sim.WithFailures(failures...))
	for i, service := range fake.ServiceNames {
		assert.Equal(t, []int{i + 1}, s.Fakes.Failures(service).Pending(), service)
	}
	assert.Equal(t, "http call 3 fails: http", failures[2].String())
}

func TestWithFailuresRefusesMistakes(t *testing.T) {
	assert.PanicsWithValue(t, `sim: WithFailures: fake: no service "sms"; the services are voice, messaging, http, functions, actions, payments, streams, contactcenter`,
		func() { sim.New(sim.WithFailures(sim.FailCall("sms", 1, errors.New("x")))) })
	assert.PanicsWithValue(t, "sim: WithFailures: fake: http call 0: calls are counted from 1",
		func() { sim.New(sim.WithFailures(sim.FailCall("http", 0, errors.New("x")))) })
	assert.PanicsWithValue(t, "sim: WithFailures: http call 1 has no error",
		func() { sim.New(sim.WithFailures(sim.FailCall("http", 1, nil))) })
}
