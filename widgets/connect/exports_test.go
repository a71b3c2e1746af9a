package connect_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	fconnect "github.com/studioflow/studioflow/flow/connect"
	"github.com/studioflow/studioflow/runtime"
	"github.com/studioflow/studioflow/runtime/sim"
)

const exportsDir = "../../../shared/testdata/connect"

// Every real export checks with no errors on the engine (widgets, flow
// types, templates) and runs with no script (every wait takes its
// default) to a normal end: no action type it holds is missing, and its
// error branches catch what the fakes do not answer.
func TestEveryExportRunsToItsEnd(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(exportsDir, "*.json"))
	if len(files) == 0 {
		t.Skip("no Connect exports beside the project (" + exportsDir + ")")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			require.NoError(t, err)
			d, err := fconnect.Parse(data)
			require.NoError(t, err)
			s := sim.New(sim.WithFlow("main", d))
			assert.Empty(t, s.Engine.Check(d).Errors(), "the engine's full check")
			run, err := s.Run(context.Background(), sim.Start{}, nil)
			require.NoError(t, err)
			assert.Equal(t, runtime.StatusEnded, run.Status(), "%s\n%s", run.Execution.Reason, run)
		})
	}
}
