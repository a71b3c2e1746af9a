package runtime_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studioflow/studioflow/runtime"
	"github.com/studioflow/studioflow/widgets"
)

// keepingMessaging keeps every call's context, as net/http's transport
// does after a request returns, and the effect key it carried then.
type keepingMessaging struct {
	mu   sync.Mutex
	ctxs []context.Context
	keys []string
}

func (m *keepingMessaging) Send(ctx context.Context, _ widgets.Message) (widgets.Sent, error) {
	e, _ := widgets.EffectOf(ctx)
	m.mu.Lock()
	defer m.mu.Unlock()
	m.ctxs = append(m.ctxs, ctx)
	m.keys = append(m.keys, e.Key)
	return widgets.Sent{Sid: "SM1", Status: "sent"}, nil
}

const twoSends = `{"description": "two sends", "initial_state": "Trigger", "states": [
  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingRequest", "next": "first"}], "properties": {}},
  {"name": "first", "type": "send-message", "transitions": [{"event": "sent", "next": "second"}, {"event": "failed"}], "properties": {"body": "one"}},
  {"name": "second", "type": "send-message", "transitions": [{"event": "sent"}, {"event": "failed"}], "properties": {"body": "two"}}]}`

// A context a service keeps after its call keeps that call's effect: the
// steps after it do not change it.
func TestAKeptServiceContextKeepsItsEffect(t *testing.T) {
	m := &keepingMessaging{}
	h := newHarness(t, map[string]string{"FW": twoSends}, runtime.WithServices(&widgets.Services{Messaging: m}))
	x := h.start(t, rest)
	require.Equal(t, runtime.StatusEnded, x.Status)
	require.Len(t, m.ctxs, 2)
	assert.NotEqual(t, m.keys[0], m.keys[1])
	for i, ctx := range m.ctxs {
		e, ok := widgets.EffectOf(ctx)
		require.True(t, ok)
		assert.Equal(t, m.keys[i], e.Key, "call %d's context changed after the call", i+1)
	}
}

// Contexts are handed out from blocks (runtime/run.go, effectBlockSize):
// a run of many service calls crosses blocks, and every kept context
// still carries its own call's key, each key distinct.
func TestKeptServiceContextsAcrossManyCalls(t *testing.T) {
	const sends = 40
	var states []string
	states = append(states, `{"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingRequest", "next": "s1"}], "properties": {}}`)
	for i := 1; i <= sends; i++ {
		next := ""
		if i < sends {
			next = fmt.Sprintf(`, "next": "s%d"`, i+1)
		}
		states = append(states, fmt.Sprintf(`{"name": "s%d", "type": "send-message", "transitions": [{"event": "sent"%s}, {"event": "failed"}], "properties": {"body": "m%d"}}`, i, next, i))
	}
	def := `{"description": "many sends", "initial_state": "Trigger", "states": [` + strings.Join(states, ",") + `]}`
	m := &keepingMessaging{}
	h := newHarness(t, map[string]string{"FW": def}, runtime.WithServices(&widgets.Services{Messaging: m}))
	x := h.start(t, rest)
	require.Equal(t, runtime.StatusEnded, x.Status, x.Reason)
	require.Len(t, m.ctxs, sends)
	seen := map[string]bool{}
	for i, ctx := range m.ctxs {
		e, ok := widgets.EffectOf(ctx)
		require.True(t, ok)
		assert.Equal(t, m.keys[i], e.Key, "call %d's context changed after the call", i+1)
		assert.Contains(t, e.Key, fmt.Sprintf(":s%d/", i+1), "call %d's key names its state", i+1)
		assert.False(t, seen[e.Key], "key %s given twice", e.Key)
		seen[e.Key] = true
	}
}
