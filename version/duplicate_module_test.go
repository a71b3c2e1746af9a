package version_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studioflow/studioflow/flow"
	"github.com/studioflow/studioflow/module"
	"github.com/studioflow/studioflow/version"
)

// TestDuplicateModuleVersion copies an archived module version into a new
// module: a draft of kind module with the same contract, whose original
// stays as it was.
func TestDuplicateModuleVersion(t *testing.T) {
	c := newCatalog()
	it, v1, err := c.Create(ctx, alice, version.KindModule, "Holiday check", "", holidayModule(t), "first")
	require.NoError(t, err)
	_, err = c.Publish(ctx, alice, it.ID, v1.Revision)
	require.NoError(t, err)
	d, err := c.Edit(ctx, alice, it.ID)
	require.NoError(t, err)
	_, err = c.Publish(ctx, alice, it.ID, d.Revision) // v1 is archived now
	require.NoError(t, err)

	dup, dv, err := c.Duplicate(ctx, alice, it.ID, v1.Revision, "Holiday check (Spain)")
	require.NoError(t, err)
	assert.Equal(t, version.KindModule, dup.Kind)
	assert.NotEqual(t, it.ID, dup.ID)
	assert.Equal(t, version.StatusDraft, dv.Status)
	assert.Equal(t, 1, dv.Revision)

	copied, err := c.Resolve(ctx, dup.ID, version.LatestDraft)
	require.NoError(t, err)
	want, _ := module.ContractOf(holidayModule(t))
	got, ps := module.ContractOf(copied.Definition)
	assert.Empty(t, ps)
	assert.Equal(t, want, got)
	assert.Equal(t, "1 archived, 2 published", history(t, c, it.ID))

	// The module package's exported JSON round-trips through import too.
	data, err := c.Export(ctx, alice, dup.ID, dv.Revision)
	require.NoError(t, err)
	imported, iv, ps2, err := c.Import(ctx, alice, version.KindModule, "Holiday check (imported)", data)
	require.NoError(t, err)
	assert.Empty(t, ps2.Errors())
	assert.Equal(t, version.KindModule, imported.Kind)
	back, err := c.Resolve(ctx, imported.ID, version.Revision(iv.Revision))
	require.NoError(t, err)
	assert.Equal(t, mustMarshal(t, copied.Definition), mustMarshal(t, back.Definition))
}

func mustMarshal(t *testing.T, d *flow.Definition) string {
	t.Helper()
	b, err := flow.Marshal(d)
	require.NoError(t, err)
	return string(b)
}
