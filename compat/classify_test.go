package compat_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studioflow/studioflow/compat"
	"github.com/studioflow/studioflow/flow"
)

func readExample(t *testing.T, path string) *flow.Definition {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "examples", path))
	require.NoError(t, err)
	d, err := flow.Parse(data)
	require.NoError(t, err)
	return d
}

func TestClassify(t *testing.T) {
	reg := registry()
	for _, tt := range []struct {
		path   string
		vendor flow.Vendor
		module bool
		types  []compat.FlowType
	}{
		{"ivr/menu.json", flow.VendorTwilio, false, []compat.FlowType{compat.IncomingCall}},
		{"outbound/installation_callback.json", flow.VendorTalkdesk, false, []compat.FlowType{compat.APIRequest}},
		{"holiday/holiday_check_v1.json", flow.VendorTalkdesk, true, []compat.FlowType{compat.Module}},
	} {
		t.Run(tt.path, func(t *testing.T) {
			k := compat.Classify(reg, readExample(t, tt.path))
			assert.Equal(t, tt.vendor, k.Vendor)
			assert.False(t, k.Declared)
			assert.Equal(t, tt.module, k.Module)
			assert.Equal(t, tt.types, k.Types)
		})
	}

	// The host's word wins over what the document implies.
	d := readExample(t, "ivr/menu.json")
	d.Vendor = flow.VendorTalkdesk
	k := compat.Classify(reg, d)
	assert.Equal(t, flow.VendorTalkdesk, k.Vendor)
	assert.True(t, k.Declared)
}
