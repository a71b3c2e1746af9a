package talkdesk_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studioflow/studioflow/runtime"
	"github.com/studioflow/studioflow/widgets"
)

// tdActions is an Actions double: do decides the outcome; every call is
// recorded with its context's deadline.
type tdActions struct {
	mu    sync.Mutex
	calls []tdActionCall
	do    func(ctx context.Context) (map[string]any, error)
}

type tdActionCall struct {
	action   string
	params   map[string]string
	deadline time.Time // the context's deadline; zero without one
}

func (a *tdActions) Execute(ctx context.Context, action string, params map[string]string) (map[string]any, error) {
	c := tdActionCall{action: action, params: params}
	if d, ok := ctx.Deadline(); ok {
		c.deadline = d
	}
	a.mu.Lock()
	a.calls = append(a.calls, c)
	a.mu.Unlock()
	if a.do == nil {
		return map[string]any{}, nil
	}
	return a.do(ctx)
}

// tdBlock waits for the context to be done, then fails with err, or with
// the context's error when err is nil.
func tdBlock(err error) func(ctx context.Context) (map[string]any, error) {
	return func(ctx context.Context) (map[string]any, error) {
		<-ctx.Done()
		if err != nil {
			return nil, err
		}
		return nil, ctx.Err()
	}
}

// tdBubbleStart is where the fake clock of a synctest bubble starts.
var tdBubbleStart = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

func TestExecuteActionProperties(t *testing.T) {
	tests := []struct {
		name     string
		props    string
		problems []string
		timeout  time.Duration // the deadline the action gets
	}{
		{name: "defaults", props: `{"action": "crm.lookup"}`, timeout: 10 * time.Second},
		{name: "timeout min", props: `{"action": "crm.lookup", "timeout": 1}`, timeout: time.Second},
		{name: "timeout max", props: `{"action": "crm.lookup", "timeout": 60}`, timeout: 60 * time.Second},
		{name: "timeout as string", props: `{"action": "crm.lookup", "timeout": "30"}`, timeout: 30 * time.Second},
		{name: "timeout templated", props: `{"action": "crm.lookup", "timeout": "{{flow.data.t}}"}`, timeout: 5 * time.Second},
		{name: "action templated", props: `{"action": "{{flow.data.action}}"}`, timeout: 10 * time.Second},
		{name: "action missing", props: `{}`, problems: []string{tdProp("action") + " property.missing"}},
		{name: "action blank", props: `{"action": " "}`, problems: []string{tdProp("action") + " property.missing"}},
		{name: "timeout 0", props: `{"action": "a", "timeout": 0}`, problems: []string{tdProp("timeout") + " property.out_of_range"}},
		{name: "timeout 61", props: `{"action": "a", "timeout": "61"}`, problems: []string{tdProp("timeout") + " property.out_of_range"}},
		{name: "timeout not a number", props: `{"action": "a", "timeout": "soon"}`, problems: []string{tdProp("timeout") + " property.invalid"}},
		{name: "parameters not a list", props: `{"action": "a", "parameters": {"k": "v"}}`, problems: []string{tdProp("parameters") + " property.invalid"}},
		{name: "parameter without key", props: `{"action": "a", "parameters": [{"value": "v"}]}`, problems: []string{tdProp("parameters") + " property.missing"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, ps := tdCompile(t, "execute-action", tt.props)
			assert.Equal(t, tt.problems, tdNilIfEmpty(tdProblems(ps)))
			if tt.problems != nil {
				return
			}
			// The widget's deadline comes from context.WithTimeout, on the
			// time package's clock: in a synctest bubble that clock is
			// fake, starts at tdBubbleStart and stands still while the
			// step runs, so the deadline is exact.
			synctest.Test(t, func(t *testing.T) {
				sc := tdNewStep()
				sc.vars["flow.data.t"] = "5"
				sc.vars["flow.data.action"] = "crm.lookup"
				acts := &tdActions{}
				sc.services.Actions = acts
				res, err := n.Run(sc)
				require.NoError(t, err)
				assert.Equal(t, "success", res.Event)
				require.Len(t, acts.calls, 1)
				assert.Equal(t, "crm.lookup", acts.calls[0].action)
				assert.Equal(t, tdBubbleStart.Add(tt.timeout), acts.calls[0].deadline.UTC())
			})
		})
	}
}

func TestExecuteActionRun(t *testing.T) {
	const props = `{"action": "crm.find_contact", "timeout": 1, "parameters": [
	  {"key": "phone", "value": "{{contact.channel.address}}"},
	  {"key": "fields", "value": "name,tier"},
	  {"key": "limit", "value": 1},
	  {"key": "fields", "value": "name"}]}`
	tests := []struct {
		name    string
		do      func(ctx context.Context) (map[string]any, error)
		event   string
		outputs map[string]any
	}{
		{
			name: "success: the result map is the outputs",
			do: func(context.Context) (map[string]any, error) {
				return map[string]any{"name": "Ana", "tier": "gold", "orders": 3.0}, nil
			},
			event:   "success",
			outputs: map[string]any{"name": "Ana", "tier": "gold", "orders": 3.0},
		},
		{
			name:    "success with no result",
			do:      func(context.Context) (map[string]any, error) { return nil, nil },
			event:   "success",
			outputs: map[string]any{},
		},
		{
			name:    "error",
			do:      func(context.Context) (map[string]any, error) { return nil, errors.New("crm: 404 contact not found") },
			event:   "error",
			outputs: map[string]any{"error": "crm: 404 contact not found"},
		},
		{
			name: "an error wrapping DeadlineExceeded is a timeout",
			do: func(context.Context) (map[string]any, error) {
				return nil, fmt.Errorf("crm: %w", context.DeadlineExceeded)
			},
			event:   "timeout",
			outputs: map[string]any{"error": "crm: context deadline exceeded"},
		},
		{
			name:    "the step's timeout elapses",
			do:      tdBlock(nil),
			event:   "timeout",
			outputs: map[string]any{"error": "context deadline exceeded"},
		},
		{
			name:    "any error after the timeout elapsed is a timeout",
			do:      tdBlock(errors.New("connection reset")),
			event:   "timeout",
			outputs: map[string]any{"error": "connection reset"},
		},
	}
	n := tdMustCompile(t, "execute-action", props)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sc := tdNewStep()
			sc.vars["contact.channel.address"] = "+15550001111"
			acts := &tdActions{do: tt.do}
			sc.services.Actions = acts
			res, err := n.Run(sc)
			require.NoError(t, err)
			assert.Equal(t, tt.event, res.Event)
			assert.Equal(t, tt.outputs, res.Outputs)
			require.Len(t, acts.calls, 1)
			assert.Equal(t, "crm.find_contact", acts.calls[0].action)
			assert.Equal(t, map[string]string{"phone": "+15550001111", "fields": "name", "limit": "1"}, acts.calls[0].params,
				"values rendered; a repeated key takes the later value")
		})
	}
}

func TestExecuteActionFailures(t *testing.T) {
	t.Run("no actions service", func(t *testing.T) {
		n := tdMustCompile(t, "execute-action", `{"action": "a"}`)
		_, err := n.Run(tdNewStep())
		require.Error(t, err)
	})
	t.Run("the host cancels the step", func(t *testing.T) {
		n := tdMustCompile(t, "execute-action", `{"action": "a"}`)
		sc := tdNewStep()
		ctx, cancel := context.WithCancel(context.Background())
		sc.ctx = ctx
		sc.services.Actions = &tdActions{do: tdBlock(nil)}
		cancel()
		_, err := n.Run(sc)
		require.ErrorIs(t, err, context.Canceled)
	})
	t.Run("templated timeout out of range", func(t *testing.T) {
		n := tdMustCompile(t, "execute-action", `{"action": "a", "timeout": "{{t}}"}`)
		sc := tdNewStep()
		sc.vars["t"] = "61"
		acts := &tdActions{}
		sc.services.Actions = acts
		_, err := n.Run(sc)
		require.EqualError(t, err, "timeout rendered 61, outside 1 to 60")
		assert.Empty(t, acts.calls)
	})
}

// TestExecuteActionFlow reads an action's result in a later step, and
// follows the timeout exit, through the engine.
func TestExecuteActionFlow(t *testing.T) {
	const def = `{"initial_state": "Trigger", "states": [
	  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingRequest", "next": "lookup"}], "properties": {}},
	  {"name": "lookup", "type": "execute-action",
	   "transitions": [{"event": "success", "next": "keep"}, {"event": "error"}, {"event": "timeout", "next": "late"}],
	   "properties": {"action": "crm.lookup", "timeout": "1", "parameters": [{"key": "id", "value": "{{flow.data.id}}"}]}},
	  {"name": "keep", "type": "set-variables", "transitions": [{"event": "next"}],
	   "properties": {"variables": [{"key": "greeting", "value": "Hello {{widgets.lookup.name}}"}]}},
	  {"name": "late", "type": "set-variables", "transitions": [{"event": "next"}],
	   "properties": {"variables": [{"key": "why", "value": "{{widgets.lookup.error}}"}]}}]}`
	req := runtime.StartRequest{FlowSid: "FW", Trigger: runtime.TriggerRequest, Contact: "a", FlowAddress: "b", Parameters: map[string]any{"id": "42"}}

	t.Run("success", func(t *testing.T) {
		acts := &tdActions{do: func(context.Context) (map[string]any, error) { return map[string]any{"name": "Ana"}, nil }}
		e, _ := tdEngine(t, def, &widgets.Services{Actions: acts}, tdNewStep().now)
		x, err := e.Start(context.Background(), req)
		require.NoError(t, err)
		assert.Equal(t, runtime.StatusEnded, x.Status, x.Reason)
		assert.Equal(t, "Hello Ana", x.Variables()["greeting"])
		assert.Equal(t, map[string]string{"id": "42"}, acts.calls[0].params)
	})
	t.Run("timeout", func(t *testing.T) {
		acts := &tdActions{do: tdBlock(nil)}
		e, _ := tdEngine(t, def, &widgets.Services{Actions: acts}, tdNewStep().now)
		x, err := e.Start(context.Background(), req)
		require.NoError(t, err)
		assert.Equal(t, runtime.StatusEnded, x.Status, x.Reason)
		assert.Equal(t, "lookup -timeout-> late", tdSteps(x)[1])
		assert.Equal(t, "context deadline exceeded", x.Variables()["why"])
	})
}
