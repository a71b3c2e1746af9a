package widgets_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/studioflow/studioflow/widgets"
)

// CopyData copies host data without recursing forever on a cyclic value
// or blowing up on a shared one (a DAG doubling at each level): past its
// bounds it shares, and the engine's own value bounds refuse the rest.
func TestCopyDataIsBounded(t *testing.T) {
	cyclic := map[string]any{}
	cyclic["self"] = cyclic
	out := widgets.CopyData(map[string]any{"c": cyclic})
	assert.NotNil(t, out["c"])

	var dag any = "leaf"
	for range 60 { // 2^60 paths: copying each would never end
		dag = map[string]any{"a": dag, "b": dag}
	}
	out = widgets.CopyData(map[string]any{"d": dag})
	assert.NotNil(t, out["d"])

	// Within the bounds, a real deep copy: changing the copy leaves the
	// original alone.
	orig := map[string]any{"m": map[string]any{"k": []any{"v"}}}
	cp := widgets.CopyData(orig)
	cp["m"].(map[string]any)["k"].([]any)[0] = "changed"
	assert.Equal(t, "v", orig["m"].(map[string]any)["k"].([]any)[0])
}
