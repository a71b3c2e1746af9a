package sim_test

import (
	"fmt"
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/studioflow/studioflow/flow"
)

func parse(t testing.TB, src string) *flow.Definition {
	t.Helper()
	def, err := flow.Parse([]byte(src))
	require.NoError(t, err)
	return def
}

func menu(t testing.TB) *flow.Definition {
	t.Helper()
	b, err := os.ReadFile("../../examples/ivr/menu.json")
	require.NoError(t, err)
	return parse(t, string(b))
}

// recorder is a sim.T that records failures instead of failing.
type recorder struct{ errors []string }

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}
