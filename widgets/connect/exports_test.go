package connect_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	fconnect "github.com/studioflow/studioflow/flow/connect"
	"github.com/studioflow/studioflow/runtime"
	"github.com/studioflow/studioflow/runtime/sim"
	"github.com/studioflow/studioflow/widgets/fake"
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
	// Each export is also there under its resource Name, as the flows
	// and modules the others reach (a pipeline's ${F:name:F} ARNs).
	var others []sim.Option
	for _, f := range files {
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		d, err := fconnect.Parse(data)
		require.NoError(t, err)
		switch {
		case d.Description == "":
		case fconnect.IsModule(d):
			others = append(others, sim.WithModule(d.Description, d))
		default:
			others = append(others, sim.WithFlow(d.Description, d))
		}
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			require.NoError(t, err)
			d, err := fconnect.Parse(data)
			require.NoError(t, err)
			s := sim.New(append([]sim.Option{sim.WithFlow("main", d)}, others...)...)
			assert.Empty(t, s.Engine.Check(d).Errors(), "the engine's full check")
			run, err := s.Run(context.Background(), sim.Start{}, nil)
			require.NoError(t, err)
			assert.Equal(t, runtime.StatusEnded, run.Status(), "%s\n%s", run.Execution.Reason, run)
			if filepath.Base(f) == "gitlab-acme_main_AUTO.json" {
				// A caller who says "sales": the module the flow invokes
				// runs and returns, and the contact is transferred to
				// the queue transfer flow.
				answered := sim.New(append([]sim.Option{sim.WithFlow("main", d), sim.WithFakes(func(f *fake.Fakes) {
					f.ContactCenter.Answer("InvokeLambdaFunction", "", map[string]any{"ok": "yes"})
				})}, others...)...)
				run, err := answered.Run(context.Background(), sim.Start{}, sim.Script{sim.Speak("sales")})
				require.NoError(t, err)
				p := strings.Join(run.Path(), " ")
				assert.Contains(t, p, "module:")
				steps := run.Steps()
				var transferred bool
				for _, st := range steps {
					transferred = transferred || st.Name == runtime.StepTransferName
				}
				assert.True(t, transferred, p)
				assert.Equal(t, runtime.StatusEnded, run.Status(), run.Execution.Reason)
			}
		})
	}
}
