package runtime_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studioflow/studioflow/runtime"
	"github.com/studioflow/studioflow/widgets"
)

// TestManyExecutionsConcurrently starts and resumes 1000 executions from
// many goroutines against one engine and store (run with -race).
func TestManyExecutionsConcurrently(t *testing.T) {
	h := newHarness(t, map[string]string{"FWmenu": menuFlow})
	const n = 1000
	var wg sync.WaitGroup
	var ended atomic.Int64
	errs := make(chan error, n)
	for g := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := g; i < n; i += 16 {
				ctx := context.Background()
				x, err := h.engine.Start(ctx, runtime.StartRequest{FlowSid: "FWmenu", Trigger: runtime.TriggerCall, Contact: "+1", FlowAddress: "+2", CallSid: fmt.Sprintf("CA%d", i)})
				if err != nil {
					errs <- err
					return
				}
				x, err = h.engine.Resume(ctx, x.ID, widgets.Event{Name: "keypress", Data: map[string]any{"Digits": "9"}})
				if err != nil {
					errs <- err
					return
				}
				x, err = h.engine.Resume(ctx, x.ID, widgets.Event{Name: "keypress", Data: map[string]any{"Digits": "1"}})
				if err != nil {
					errs <- err
					return
				}
				if x.Status == runtime.StatusEnded && len(x.Steps) == 6 {
					ended.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	assert.Equal(t, int64(n), ended.Load())
	assert.Equal(t, n, h.store.Len())
}

// racingFlow asks twice by message and says thanks in between: three
// messages per run, two waits.
const racingFlow = `{"description": "racing", "initial_state": "Trigger", "states": [
  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingRequest", "next": "ask"}], "properties": {}},
  {"name": "ask", "type": "send-and-wait-for-reply", "transitions": [{"event": "incomingMessage", "next": "thanks"}, {"event": "timeout"}, {"event": "deliveryFailure"}],
   "properties": {"body": "Name?", "timeout": "3600"}},
  {"name": "thanks", "type": "send-message", "transitions": [{"event": "sent", "next": "again"}, {"event": "failed"}], "properties": {"body": "Thanks {{widgets.ask.inbound.Body}}"}},
  {"name": "again", "type": "send-and-wait-for-reply", "transitions": [{"event": "incomingMessage"}, {"event": "timeout"}, {"event": "deliveryFailure"}],
   "properties": {"body": "City?", "timeout": "3600"}}]}`

// Four answers race for each wait of 1,000 executions, each naming the
// wait it answers: exactly one is taken, the others are refused as stale
// before anything runs, so no step is lost or taken twice and refused
// answers send no message (run with -race).
func TestRacingAnswersToOneWaitTakeOne(t *testing.T) {
	n := 1000
	if testing.Short() {
		n = 100
	}
	h := newHarness(t, map[string]string{"FW": racingFlow})
	ctx := context.Background()
	var taken, stale atomic.Int64
	race := func(x *runtime.Execution) *runtime.Execution {
		var wg sync.WaitGroup
		results := make(chan *runtime.Execution, 4)
		for i := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				y, err := h.engine.Resume(ctx, x.ID, widgets.Event{Name: "incomingMessage", Token: x.Wait.Token,
					Data: map[string]any{"Body": fmt.Sprint("answer ", i)}})
				switch {
				case err == nil:
					taken.Add(1)
					results <- y
				case errors.Is(err, runtime.ErrStale) && errors.Is(err, runtime.ErrRefused):
					stale.Add(1)
				default:
					t.Errorf("resume: %v", err)
				}
			}()
		}
		wg.Wait()
		close(results)
		var won *runtime.Execution
		for y := range results {
			won = y
		}
		return won
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := g; i < n; i += 8 {
				x, err := h.engine.Start(ctx, runtime.StartRequest{FlowSid: "FW", Trigger: runtime.TriggerRequest,
					Contact: fmt.Sprint("+1555", i), FlowAddress: "+15559990000"})
				if err != nil {
					t.Error(err)
					return
				}
				if x = race(x); x == nil || x.Wait == nil || x.Wait.State != "again" {
					t.Errorf("execution %d: the first answer was not taken once", i)
					return
				}
				if x = race(x); x == nil || x.Status != runtime.StatusEnded {
					t.Errorf("execution %d: the second answer was not taken once", i)
					return
				}
				// trigger, ask, thanks, again: no step lost or twice.
				if got := path(x); len(got) != 4 {
					t.Errorf("execution %d: steps %v", i, got)
				}
			}
		}()
	}
	wg.Wait()
	assert.Equal(t, int64(2*n), taken.Load(), "one answer taken per wait")
	assert.Equal(t, int64(6*n), stale.Load(), "the three others refused as stale")
	sent := 0
	for _, e := range h.transcript.Entries() {
		if e.Service == "messaging" && e.Op == "send" {
			sent++
		}
	}
	assert.Equal(t, 3*n, sent, "three messages per run: none from a refused answer")
}

// Two first messages from one contact at the same time make one
// execution, which receives both: the session's lock lets the second find
// the first's execution waiting for a reply, instead of a conflict.
func TestSimultaneousFirstMessagesMakeOneExecution(t *testing.T) {
	src := `{"description": "chat", "initial_state": "Trigger", "states": [
	  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingMessage", "next": "ask"}], "properties": {}},
	  {"name": "ask", "type": "send-and-wait-for-reply", "transitions": [{"event": "incomingMessage", "next": "done"}, {"event": "timeout"}, {"event": "deliveryFailure"}],
	   "properties": {"body": "Hi! Name?", "timeout": "3600"}},
	  {"name": "done", "type": "send-message", "transitions": [{"event": "sent"}, {"event": "failed"}], "properties": {"body": "Thanks {{widgets.ask.inbound.Body}}"}}]}`
	h := newHarness(t, map[string]string{"FW": src})
	ctx := context.Background()
	const pairs = 200
	var wg sync.WaitGroup
	ids := make([][2]string, pairs)
	for i := range pairs {
		for j := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				x, err := h.engine.Start(ctx, runtime.StartRequest{FlowSid: "FW", Trigger: runtime.TriggerMessage,
					Contact: fmt.Sprint("+1666", i), FlowAddress: "+15559990000", Payload: map[string]any{"Body": fmt.Sprint("m", j)}})
				if err != nil {
					t.Errorf("pair %d, message %d: %v", i, j, err)
					return
				}
				ids[i][j] = x.ID
			}()
		}
	}
	wg.Wait()
	for i, p := range ids {
		require.NotEmpty(t, p[0], "pair %d", i)
		assert.Equal(t, p[0], p[1], "pair %d: one execution", i)
		x, err := h.engine.Get(ctx, p[0])
		require.NoError(t, err)
		assert.Equal(t, runtime.StatusEnded, x.Status, "pair %d: the second message answered the first's question", i)
	}
}
