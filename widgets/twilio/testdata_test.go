package twilio_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studioflow/studioflow/flow"
	"github.com/studioflow/studioflow/widgets/standard"
)

// twilioTestdata returns the real Twilio exports shared beside the project,
// skipping the test when the folder is absent.
func twilioTestdata(t testing.TB) []string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join("..", "..", "..", "shared", "testdata", "twilio", "*.json"))
	if len(files) == 0 {
		t.Skip("../shared/testdata/twilio is absent")
	}
	return files
}

// readTestdata parses one shared export, skipping the test when absent.
func readTestdata(t testing.TB, name string) *flow.Definition {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "..", "shared", "testdata", "twilio", name))
	if os.IsNotExist(err) {
		t.Skipf("../shared/testdata/twilio/%s is absent", name)
	}
	require.NoError(t, err)
	d, err := flow.Parse(data)
	require.NoError(t, err)
	return d
}

// Every real export passes the full check: structure and every widget's
// properties and events. Warnings (templated numbers, ${VAR} deployment
// placeholders) are allowed.
func TestTwilioExportsPassTheWidgetChecks(t *testing.T) {
	for _, file := range twilioTestdata(t) {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".json"), func(t *testing.T) {
			data, err := os.ReadFile(file)
			require.NoError(t, err)
			d, err := flow.Parse(data)
			require.NoError(t, err)
			ps := flow.Check(d, flow.WithCheckers(standard.New().Checker()))
			assert.Empty(t, ps.Errors(), "errors:\n%s", ps.Errors())
			for _, w := range ps.Warnings() {
				t.Log(w)
			}
		})
	}
}
