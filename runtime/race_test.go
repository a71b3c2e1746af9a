package runtime_test

import (
	"context"
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
