package version_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studioflow/studioflow/flow"
	"github.com/studioflow/studioflow/version"
	"github.com/studioflow/studioflow/widgets"
)

// TestTwilioExportsPassTheFullCheck runs the whole check call (structure,
// widgets, compat paths, module contracts) over every real Twilio export:
// working Twilio flows must show no error. Warnings are allowed (such as
// ${VAR} deployment placeholders).
func TestTwilioExportsPassTheFullCheck(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("..", "..", "shared", "testdata", "twilio", "*.json"))
	if len(files) == 0 {
		t.Skip("../shared/testdata/twilio is absent")
	}
	check := version.StandardCheck(widgets.Standard(), func(string) (*flow.Definition, bool) { return nil, false })
	warned := 0
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".json"), func(t *testing.T) {
			data, err := os.ReadFile(file)
			require.NoError(t, err)
			def, err := flow.Parse(data)
			require.NoError(t, err)
			ps := check(def)
			assert.Empty(t, ps.Errors(), "%s", ps.Errors())
			warned += len(ps.Warnings())
		})
	}
	t.Logf("%d files, %d warnings", len(files), warned)
}
