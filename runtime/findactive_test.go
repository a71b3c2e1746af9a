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
	assert.Error(t, err)
}
