package compat_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studioflow/studioflow/compat"
	"github.com/studioflow/studioflow/flow"
)

// TestTwilioExports checks real, working Twilio flows: none breaks a rule.
func TestTwilioExports(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("..", "..", "shared", "testdata", "twilio", "*.json"))
	if len(files) == 0 {
		t.Skip("../shared/testdata/twilio is absent")
	}
	reg := registry()
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".json"), func(t *testing.T) {
			data, err := os.ReadFile(file)
			require.NoError(t, err)
			d, err := flow.Parse(data)
			require.NoError(t, err)
			ps := compat.Checker(reg).Check(d)
			assert.Empty(t, ps.Errors(), "%s", ps)
			assert.NotEmpty(t, compat.FlowTypes(d))
		})
	}
}
