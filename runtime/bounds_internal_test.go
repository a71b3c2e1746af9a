package runtime

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studioflow/studioflow/flow"
	"github.com/studioflow/studioflow/internal/cache"
	"github.com/studioflow/studioflow/template"
)

var boundsT0 = time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)

// Point 5 of the hardening issue: a long-running host does not grow
// without end. The program cache keeps at most about twice its size.
func TestTheProgramCacheIsBounded(t *testing.T) {
	src := `{"description": "x", "initial_state": "Trigger", "states": [
	  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingRequest"}], "properties": {}}]}`
	def, err := flow.Parse([]byte(src))
	require.NoError(t, err)
	defs := Definitions{}
	for i := range 200 {
		defs[fmt.Sprintf("FW%03d", i)] = def
	}
	e := New(WithSource(defs), WithProgramCache(8), WithClock(NewFixedClock(boundsT0).Now))
	for sid := range defs {
		x, err := e.Start(context.Background(), StartRequest{FlowSid: sid, Trigger: TriggerRequest, Contact: sid})
		require.NoError(t, err)
		assert.Equal(t, StatusEnded, x.Status)
	}
	assert.LessOrEqual(t, e.programs.Len(), 16)
	assert.Positive(t, e.programs.Len())
}

// Many accounts starting once each, as an attack would: the limiter
// stays bounded, and still limits each account.
func TestTheAdmissionLimiterIsBounded(t *testing.T) {
	a := NewAdmission(map[TriggerKind]Rate{TriggerRequest: {PerSecond: 1, Burst: 2}})
	a.maxBuckets = 1000 // the bound's logic, at a size -race runs quickly
	now := boundsT0
	for i := range 4 * a.maxBuckets {
		require.NoError(t, a.Allow(fmt.Sprint("AC", i), TriggerRequest, now))
		if i%1000 == 0 {
			now = now.Add(time.Second) // the earlier buckets refill
		}
	}
	assert.LessOrEqual(t, a.Len(), a.maxBuckets)

	// Still a limiter: the burst, then a refusal.
	require.NoError(t, a.Allow("ACx", TriggerRequest, now))
	require.NoError(t, a.Allow("ACx", TriggerRequest, now))
	assert.ErrorIs(t, a.Allow("ACx", TriggerRequest, now), ErrRateLimited)
}

// When every bucket is mid-refill, half are dropped: the bound holds.
func TestTheAdmissionLimiterIsBoundedWhenNoBucketIsFull(t *testing.T) {
	a := NewAdmission(map[TriggerKind]Rate{TriggerRequest: {PerSecond: 0.001, Burst: 1}})
	a.maxBuckets = 1000
	for i := range a.maxBuckets + 10 {
		require.NoError(t, a.Allow(fmt.Sprint("AC", i), TriggerRequest, boundsT0))
	}
	assert.LessOrEqual(t, a.Len(), a.maxBuckets)
}

// The parsed-template cache keeps at most about twice its size, however
// many distinct templates a long-running host renders.
func TestTheTemplateCacheIsBounded(t *testing.T) {
	r := newRenderer(NewFixedClock(boundsT0).Now, nil, nil)
	assert.Equal(t, 4096, templateCacheSize)
	r.cache = cache.New[string, *template.Template](64) // the same cache, smaller: -race runs it quickly
	for i := range 300 {
		out, err := r.render(context.Background(), fmt.Sprintf("{{ 'n' | append: '%d' }}", i), map[string]any{})
		require.NoError(t, err)
		require.Equal(t, fmt.Sprint("n", i), out)
	}
	assert.LessOrEqual(t, r.cache.Len(), 2*64)
}
