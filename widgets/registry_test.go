package widgets_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studioflow/studioflow/flow"
	"github.com/studioflow/studioflow/widgets"
	"github.com/studioflow/studioflow/widgets/standard"
	"github.com/studioflow/studioflow/widgets/talkdesk"
	"github.com/studioflow/studioflow/widgets/twilio"
)

func noop(*widgets.Props) widgets.Node { return nil }

func TestRegisteringATypeTwiceIsRefused(t *testing.T) {
	reg := widgets.NewRegistry()
	require.NoError(t, reg.Register(widgets.Type{Name: "crm-lookup", Compile: noop}))
	err := reg.Register(widgets.Type{Name: "crm-lookup", Compile: noop})
	require.Error(t, err)
	assert.Contains(t, err.Error(), `"crm-lookup"`)
	assert.Contains(t, err.Error(), "already")

	// A built-in too; Replace overrides on purpose.
	std := standard.New()
	assert.Error(t, std.Register(widgets.Type{Name: "say-play", Compile: noop}))
	require.NoError(t, std.Replace(widgets.Type{Name: "say-play", Compile: noop, NeedsCall: false}))
	got, _ := std.Lookup("say-play")
	assert.False(t, got.NeedsCall)
}

func TestARegistryCannotBeChangedThroughWhatItHandsOut(t *testing.T) {
	reg := standard.New()
	say, ok := reg.Lookup("say-play")
	require.True(t, ok)
	require.True(t, say.NeedsCall)
	say.NeedsCall = false
	say.EndsCallOn = append(say.EndsCallOn[:0], "everything")
	again, _ := reg.Lookup("say-play")
	assert.True(t, again.NeedsCall, "a looked-up type is a copy")
	assert.NotContains(t, again.EndsCallOn, "everything")

	// A clone is independent both ways.
	clone := reg.Clone()
	require.NoError(t, clone.Register(widgets.Type{Name: "crm-lookup", Compile: noop}))
	_, ok = reg.Lookup("crm-lookup")
	assert.False(t, ok)
	require.NoError(t, reg.Register(widgets.Type{Name: "other", Compile: noop}))
	_, ok = clone.Lookup("other")
	assert.False(t, ok)

	// Two standard registries share nothing.
	a, b := standard.New(), standard.New()
	require.NoError(t, a.Register(widgets.Type{Name: "only-in-a", Compile: noop}))
	_, ok = b.Lookup("only-in-a")
	assert.False(t, ok)
}

// A vendor set registers whole or not at all.
func TestAVendorSetRegistersWholeOrNotAtAll(t *testing.T) {
	reg := widgets.NewRegistry(widgets.Type{Name: "say-play", Compile: noop})
	err := twilio.Register(reg)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `"say-play"`)
	assert.Equal(t, []string{"say-play"}, reg.Names(), "nothing else was added")
	require.NoError(t, talkdesk.Register(reg))
	assert.Len(t, reg.Names(), 1+len(talkdesk.Types()))
}

// Every vendor type carries its vendor, however it is obtained.
func TestVendorTypesCarryTheirVendor(t *testing.T) {
	assert.Equal(t, flow.VendorTalkdesk, talkdesk.EndFlow().Vendor)
	assert.Equal(t, flow.VendorTwilio, twilio.SayPlay().Vendor)
	for _, ty := range twilio.Types() {
		assert.Equal(t, flow.VendorTwilio, ty.Vendor, ty.Name)
	}
	for _, ty := range talkdesk.Types() {
		assert.Equal(t, flow.VendorTalkdesk, ty.Vendor, ty.Name)
	}
}
