package runtime_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studioflow/studioflow/runtime"
)

// sentCount counts the messages with body text the harness's services sent.
func sentCount(h *harness, text string) int {
	n := 0
	for _, e := range h.transcript.Entries() {
		if e.Service == "messaging" && e.Text == text {
			n++
		}
	}
	return n
}

// A pass takes the due executions in rounds of Batch until none is left,
// and delivers each timeout once.
func TestExpiryWorkerPassDeliversEveryDueTimeoutInBatches(t *testing.T) {
	h := newHarness(t, map[string]string{"FW": askTwice})
	const n = 7
	for i := range n {
		req := rest
		req.Contact = fmt.Sprint("+1777", i)
		h.start(t, req)
	}
	h.clock.Advance(2 * time.Minute)
	var changed []string
	w := &runtime.ExpiryWorker{Engine: h.engine, Batch: 2, OnChanged: func(ctx context.Context, id string) {
		// Told after the run is saved and unlocked: the execution is
		// there, past its timeout, and may be locked again.
		x, err := h.engine.Get(ctx, id)
		require.NoError(t, err)
		require.NotNil(t, x.Wait)
		assert.Equal(t, "again", x.Wait.State)
		changed = append(changed, id)
	}}
	rep, err := w.Pass(context.Background())
	require.NoError(t, err)
	assert.Equal(t, n, rep.Changed)
	assert.Equal(t, n, sentCount(h, "Still there?"))
	assert.Len(t, changed, n, "OnChanged is told of each")
	// Nothing is due any more: a second pass changes nothing.
	rep, err = w.Pass(context.Background())
	require.NoError(t, err)
	assert.Equal(t, 0, rep.Changed)
	assert.Equal(t, n, sentCount(h, "Still there?"))
	assert.Len(t, changed, n)
}

// Retention deletes ended executions older than Retention, keeps younger
// ones and every active one, and runs once per RetentionEvery.
func TestExpiryWorkerRetention(t *testing.T) {
	h := newHarness(t, map[string]string{"FW": askTwice})
	old := h.start(t, rest)
	h.resume(t, old.ID, "incomingMessage", map[string]any{"Body": "Ada"}) // ends
	h.clock.Advance(10 * 24 * time.Hour)
	req := rest
	req.Contact = "+15550002222"
	young := h.start(t, req)
	h.resume(t, young.ID, "incomingMessage", map[string]any{"Body": "Bo"}) // ends
	req.Contact = "+15550003333"
	waiting := h.start(t, req)

	w := &runtime.ExpiryWorker{Engine: h.engine, Retention: 5 * 24 * time.Hour, RetentionEvery: time.Hour}
	rep, err := w.Pass(context.Background())
	require.NoError(t, err)
	assert.Equal(t, 1, rep.Deleted)
	_, err = h.engine.Get(context.Background(), old.ID)
	assert.ErrorIs(t, err, runtime.ErrNotFound, "the old ended execution is deleted")
	for _, id := range []string{young.ID, waiting.ID} {
		_, err := h.engine.Get(context.Background(), id)
		assert.NoError(t, err, "kept: %s", id)
	}

	// Within the hour retention does not run again; after it, it does.
	h.clock.Advance(6 * 24 * time.Hour) // the young one is now 6 days old
	w.RetentionEvery = 365 * 24 * time.Hour
	rep, err = w.Pass(context.Background())
	require.NoError(t, err)
	assert.Equal(t, 0, rep.Deleted, "retention ran again before RetentionEvery")
	w.RetentionEvery = time.Hour
	rep, err = w.Pass(context.Background())
	require.NoError(t, err)
	assert.Equal(t, 1, rep.Deleted)
	_, err = h.engine.Get(context.Background(), young.ID)
	assert.ErrorIs(t, err, runtime.ErrNotFound, "the young one, now past retention, is deleted")
	got, err := h.engine.Get(context.Background(), waiting.ID)
	require.NoError(t, err, "an active execution is never deleted")
	assert.Equal(t, runtime.StatusActive, got.Status)

	// A negative Retention keeps everything.
	keep := &runtime.ExpiryWorker{Engine: h.engine, Retention: -1}
	rep, err = keep.Pass(context.Background())
	require.NoError(t, err)
	assert.Equal(t, 0, rep.Deleted)
}

// failingDue is a store whose due query fails.
type failingDue struct{ *runtime.MemoryStore }

func (failingDue) Due(context.Context, time.Time, int) ([]string, error) {
	return nil, errors.New("the database is down")
}

// Run reports a pass's errors, goes on, and returns nil when its context
// ends, between passes.
func TestExpiryWorkerRunStopsCleanlyAndReportsErrors(t *testing.T) {
	h := newHarness(t, map[string]string{"FW": askTwice}, runtime.WithStore(failingDue{runtime.NewMemoryStore()}))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var errs []error
	var pauses []time.Duration
	w := &runtime.ExpiryWorker{
		Engine:   h.engine,
		Interval: 3 * time.Second,
		OnError:  func(err error) { errs = append(errs, err) },
		Sleep: func(ctx context.Context, d time.Duration) error {
			pauses = append(pauses, d)
			if len(pauses) == 3 {
				cancel()
			}
			return ctx.Err()
		},
	}
	require.NoError(t, w.Run(ctx))
	assert.Equal(t, []time.Duration{3 * time.Second, 3 * time.Second, 3 * time.Second}, pauses)
	require.Len(t, errs, 3, "one report per failed pass")
	assert.ErrorContains(t, errs[0], "the database is down")
}

// The default pause waits for its context: a worker whose context is
// already done returns at once, after one pass.
func TestExpiryWorkerDefaultSleepHonoursTheContext(t *testing.T) {
	h := newHarness(t, map[string]string{"FW": askTwice})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	w := &runtime.ExpiryWorker{Engine: h.engine, Interval: time.Hour}
	assert.NoError(t, w.Run(ctx))
}

// An execution busy in another run is left for the next pass, and does
// not hold up those due after it, even one at a time (Batch 1).
func TestExpiryWorkerPassSkipsBusyExecutions(t *testing.T) {
	h := newHarness(t, map[string]string{"FW": askTwice})
	busy := h.start(t, rest)
	req := rest
	req.Contact = "+15550002222"
	free := h.start(t, req)
	h.clock.Advance(2 * time.Minute)
	release, err := h.store.Lock(context.Background(), "execution "+busy.ID)
	require.NoError(t, err)
	w := &runtime.ExpiryWorker{Engine: h.engine, Batch: 1}
	rep, err := w.Pass(context.Background())
	require.NoError(t, err)
	assert.Equal(t, 1, rep.Changed, "the free one is delivered behind the busy one")
	x, err := h.engine.Get(context.Background(), free.ID)
	require.NoError(t, err)
	assert.Equal(t, "again", x.Wait.State)
	release()
	rep, err = w.Pass(context.Background())
	require.NoError(t, err)
	assert.Equal(t, 1, rep.Changed, "the busy one is delivered by the next pass")
	assert.Equal(t, 2, sentCount(h, "Still there?"))
}
