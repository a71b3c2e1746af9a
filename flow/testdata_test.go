package flow_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studioflow/studioflow/flow"
)

// twilioTestdata returns the real Twilio exports shared beside the project,
// skipping the test when the folder is absent.
func twilioTestdata(t testing.TB) []string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join("..", "..", "shared", "testdata", "twilio", "*.json"))
	if len(files) == 0 {
		t.Skip("../shared/testdata/twilio is absent")
	}
	return files
}

func TestTwilioExportsLoadRoundTripAndCheck(t *testing.T) {
	for _, file := range twilioTestdata(t) {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".json"), func(t *testing.T) {
			data, err := os.ReadFile(file)
			require.NoError(t, err)
			first, err := flow.Parse(data)
			require.NoError(t, err)
			require.NotEmpty(t, first.States)

			out, err := flow.MarshalIndent(first)
			require.NoError(t, err)
			second, err := flow.Parse(out)
			require.NoError(t, err)
			assert.Equal(t, first, second, "re-read differs from first read")

			// No property is lost: the generic JSON of input and output agree.
			assert.JSONEq(t, string(data), string(out))

			problems := flow.Check(first)
			assert.Empty(t, problems.Errors(), "structural errors:\n%s", problems.Errors())
		})
	}
}
