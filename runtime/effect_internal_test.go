package runtime

import (
	"context"
	"fmt"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studioflow/studioflow/widgets"
)

// A run makes an effectContext per service call, in blocks: it must stay
// in 32 bytes (see its comment), or every call's share of a block grows.
func TestEffectContextStaysSmall(t *testing.T) {
	if n := unsafe.Sizeof(effectContext{}); n > 32 {
		t.Fatalf("effectContext is %d bytes, more than 32", n)
	}
}

// The effect keys, byte for byte: a step run again after an upgrade must
// make its calls under the keys it had, or a provider that drops repeats
// by key sends twice. execution/step.wait/frame:state/[phase-]call, with
// the counts of the phase's first call, across more calls than a block
// holds.
func TestEffectKeysAreStable(t *testing.T) {
	e := New(WithClock(NewFixedClock(benchNow).Now))
	x := &Execution{ID: "FNx", Steps: make([]Step, 9), Waits: 8, Frames: make([]Frame, 2)}
	r := e.newRun(context.Background(), x)
	keysOf := func(phase stepPhase, state string, calls int) []string {
		sc := r.scIn(&pstate{name: state}, phase)
		var keys []string
		for range calls {
			ef, ok := widgets.EffectOf(sc.Context())
			require.True(t, ok)
			assert.Equal(t, "FNx", ef.Execution)
			keys = append(keys, ef.Key)
			x.Steps = append(x.Steps, Step{}) // the counts are the phase's first call's
			x.Waits++
		}
		return keys
	}
	want := func(prefix string, n int) []string {
		var out []string
		for i := 1; i <= n; i++ {
			out = append(out, fmt.Sprintf("%s%d", prefix, i))
		}
		return out
	}
	assert.Equal(t, want("FNx/10.8/2:ask/", 17), keysOf(phaseRun, "ask", 17))
	assert.Equal(t, want("FNx/27.25/2:ask/resume-", 3), keysOf(phaseResume, "ask", 3))
	assert.Equal(t, want("FNx/30.28/2:run module/return-", 2), keysOf(phaseReturn, "run module", 2))
}
