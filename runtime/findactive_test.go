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

// Settled reads an execution only once no run holds it: while its lock
// is held it waits (here until its context gives up), and after that it
// returns what the run saved.
func TestSettledWaitsForTheRunningRun(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t, map[string]string{"FWmenu": menuFlow})
	x := h.start(t, call("FWmenu"))

	release, err := h.engine.Store().Lock(ctx, "execution "+x.ID) // what a run holds
	require.NoError(t, err)
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	_, err = h.engine.Settled(cancelled, x.ID)
	assert.ErrorIs(t, err, context.Canceled, "Settled must wait for the run's lock")
	release()

	got, err := h.engine.Settled(ctx, x.ID)
	require.NoError(t, err)
	assert.Equal(t, x.ID, got.ID)
	require.NotNil(t, got.Wait)
	assert.Equal(t, x.Wait.Token, got.Wait.Token)
	_, err = h.engine.Settled(ctx, "nope")
	assert.ErrorIs(t, err, runtime.ErrNotFound)
}
