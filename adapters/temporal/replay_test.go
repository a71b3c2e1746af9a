package temporal_test

import (
	"io"
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/studioflow/studioflow/adapters/temporal"
	"github.com/studioflow/studioflow/widgets/fake"
)

// The histories in testdata/histories were recorded on a Temporal server
// (testdata/histories/README.md says how): each replays against the
// current code without a non-determinism error. A change to the engine or
// the workflow that would decide otherwise on an old history fails here,
// and must branch on workflow.GetVersion instead.
func TestRecordedHistoriesReplay(t *testing.T) {
	files, err := filepath.Glob("testdata/histories/*.json")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	services, _ := fake.Services()
	// The same services as when they were recorded: which the host has
	// decides which steps call an activity.
	wk := &temporal.Worker{Activities: &temporal.Activities{Services: services}}
	logger := log.NewStructuredLogger(slog.New(slog.NewTextHandler(io.Discard, nil)))
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			r := worker.NewWorkflowReplayer()
			r.RegisterWorkflowWithOptions(wk.Execution, workflow.RegisterOptions{Name: temporal.WorkflowName})
			require.NoError(t, r.ReplayWorkflowHistoryFromJSONFile(logger, file))
		})
	}
}
