package runtime_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studioflow/studioflow/runtime"
)

// FindActive finds the execution a Start with the same request would
// reach: by contact and number, or by call where the flow takes
// concurrent calls; nothing once it has ended, or for a request that
// names no session.
func TestFindActiveFindsTheSessionsExecution(t *testing.T) {
	ctx := context.Background()
	single := strings.Replace(menuFlow, `"allow_concurrent_calls": true`, `"allow_concurrent_calls": false`, 1)
	require.NotEqual(t, menuFlow, single)
	h := newHarness(t, map[string]string{"FWmenu": single, "FWconc": menuFlow})

	x := h.start(t, call("FWmenu"))
	id, err := h.engine.FindActive(ctx, call("FWmenu"))
	require.NoError(t, err)
	assert.Equal(t, x.ID, id)
	other := call("FWmenu")
	other.CallSid = "CA2" // the same contact and number: the same session
	id, err = h.engine.FindActive(ctx, other)
	require.NoError(t, err)
	assert.Equal(t, x.ID, id)
	stranger := call("FWmenu")
	stranger.Contact = "+15550002222"
	_, err = h.engine.FindActive(ctx, stranger)
	assert.ErrorIs(t, err, runtime.ErrNotFound)
	assert.NotContains(t, err.Error(), stranger.Contact, "the contact's address stays out of the error")

	y := h.start(t, call("FWconc"))
	id, err = h.engine.FindActive(ctx, call("FWconc"))
	require.NoError(t, err)
	assert.Equal(t, y.ID, id)
	other.FlowSid = "FWconc" // another call: another session
	_, err = h.engine.FindActive(ctx, other)
	assert.ErrorIs(t, err, runtime.ErrNotFound)

	_, err = h.engine.End(ctx, x.ID, "done")
	require.NoError(t, err)
	_, err = h.engine.FindActive(ctx, call("FWmenu"))
	assert.ErrorIs(t, err, runtime.ErrNotFound)

	parent := call("FWmenu")
	parent.Trigger = runtime.TriggerParent
	_, err = h.engine.FindActive(ctx, parent)
	assert.ErrorIs(t, err, runtime.ErrNotFound)
	bad := call("FWmenu")
	bad.Trigger = "fax"
	_, err = h.engine.FindActive(ctx, bad)
	assert.ErrorIs(t, err, runtime.ErrRefused)
	_, err = h.engine.FindActive(ctx, call("FWnowhere"))
	assert.ErrorIs(t, err, runtime.ErrRefused, "an unknown flow is the caller's mistake")
	assert.NotErrorIs(t, err, runtime.ErrNotFound, "an unknown flow must not read as a session without an execution")
	assert.Contains(t, err.Error(), "FWnowhere")
}

// lockWatch is a store that tells which lock is asked for, before it
// waits for it.
type lockWatch struct {
	*runtime.MemoryStore
	asked chan string
}

func (s *lockWatch) Lock(ctx context.Context, key string) (func(), error) {
	s.asked <- key
	return s.MemoryStore.Lock(ctx, key)
}

// Settled reads an execution only once no run holds it: while its lock
// is held it waits, and then it returns what the run saved meanwhile,
// not what was there when it was called. A context that gives up ends
// the wait.
func TestSettledWaitsForTheRunningRun(t *testing.T) {
	ctx := context.Background()
	store := &lockWatch{MemoryStore: runtime.NewMemoryStore(), asked: make(chan string, 64)}
	h := newHarness(t, map[string]string{"FWmenu": menuFlow}, runtime.WithStore(store))
	x := h.start(t, call("FWmenu"))
	for len(store.asked) > 0 {
		<-store.asked
	}

	release, err := store.MemoryStore.Lock(ctx, "execution "+x.ID) // what a run holds
	require.NoError(t, err)
	type read struct {
		x   *runtime.Execution
		err error
	}
	done := make(chan read, 1)
	go func() {
		got, err := h.engine.Settled(ctx, x.ID)
		done <- read{got, err}
	}()
	require.Equal(t, "execution "+x.ID, <-store.asked, "Settled asks for the execution's lock")
	// The run that holds it saves, then lets go.
	saved, err := store.Load(ctx, x.ID)
	require.NoError(t, err)
	saved.Exposed = map[string]any{"run": "saved"}
	require.NoError(t, store.Save(ctx, saved))
	release()
	r := <-done
	require.NoError(t, r.err)
	assert.Equal(t, map[string]any{"run": "saved"}, r.x.Exposed, "Settled returns what the run saved")
	require.NotNil(t, r.x.Wait)
	assert.Equal(t, x.Wait.Token, r.x.Wait.Token)

	release, err = store.MemoryStore.Lock(ctx, "execution "+x.ID)
	require.NoError(t, err)
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	_, err = h.engine.Settled(cancelled, x.ID)
	assert.ErrorIs(t, err, context.Canceled, "a context that gives up ends the wait")
	release()
	<-store.asked

	_, err = h.engine.Settled(ctx, "nope")
	assert.ErrorIs(t, err, runtime.ErrNotFound)
}

// Settled from inside a step would wait forever for the lock the step's
// own run holds: it is refused.
func TestSettledFromInsideAStepIsRefused(t *testing.T) {
	x, err := startCallingFromAStep(t, func(ctx context.Context, e *runtime.Engine, id string) error {
		_, err := e.Settled(ctx, id)
		return err
	})
	assert.Equal(t, runtime.StatusActive, x.Status, "the run went on")
	require.ErrorIs(t, err, runtime.ErrRefused)
	assert.Contains(t, err.Error(), "settled called from inside a step")
}

// Delete deletes an execution whatever its status, frees its session for
// a new start, says when there is none, and is refused from inside a step.
func TestDeleteFreesTheSession(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t, map[string]string{"FWmenu": menuFlow})
	x := h.start(t, call("FWmenu"))
	require.NoError(t, h.engine.Delete(ctx, x.ID))
	_, err := h.engine.Get(ctx, x.ID)
	assert.ErrorIs(t, err, runtime.ErrNotFound)
	assert.ErrorIs(t, h.engine.Delete(ctx, x.ID), runtime.ErrNotFound)
	_, err = h.engine.FindActive(ctx, call("FWmenu"))
	assert.ErrorIs(t, err, runtime.ErrNotFound, "the session is free")

	_, err = startCallingFromAStep(t, func(ctx context.Context, e *runtime.Engine, id string) error {
		return e.Delete(ctx, id)
	})
	require.ErrorIs(t, err, runtime.ErrRefused)
	assert.Contains(t, err.Error(), "delete called from inside a step")
}
