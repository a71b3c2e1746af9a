package version_test

import (
	"fmt"
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
	v2 := holidayModule(t)
	v2.States[0].Properties["arguments"] = []byte(`[{"name": "ani", "type": "String", "variable": "ani"}]`)
	d, err = c.SaveDraft(ctx, alice, it.ID, d.Revision, v2, "a different contract")
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
	assert.Equal(t, "1 archived, 3 published", history(t, c, it.ID))
	assert.Equal(t, it.Version(v1.Revision).Hash, dv.Hash, "the copy is revision 1, not the published one")

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

// TestDuplicateCopiesTheNamedRevision duplicates each revision of a flow
// whose revisions differ, so a copy of the wrong one is caught.
func TestDuplicateCopiesTheNamedRevision(t *testing.T) {
	c := newCatalog()
	it, v1, err := c.Create(ctx, alice, version.KindFlow, "IVR", "", sayFlow(t, "one"), "first")
	require.NoError(t, err)
	_, err = c.Publish(ctx, alice, it.ID, v1.Revision)
	require.NoError(t, err)
	d, err := c.Edit(ctx, alice, it.ID)
	require.NoError(t, err)
	d, err = c.SaveDraft(ctx, alice, it.ID, d.Revision, sayFlow(t, "two"), "second")
	require.NoError(t, err)
	_, err = c.Publish(ctx, alice, it.ID, d.Revision)
	require.NoError(t, err)
	for rev, want := range map[int]string{v1.Revision: "one", d.Revision: "two"} {
		dup, dv, err := c.Duplicate(ctx, alice, it.ID, rev, fmt.Sprintf("copy of r%d", rev))
		require.NoError(t, err)
		r, err := c.Resolve(ctx, dup.ID, version.Revision(dv.Revision))
		require.NoError(t, err)
		assert.Equal(t, want, say(t, r), "copy of revision %d", rev)
	}
}

func mustMarshal(t *testing.T, d *flow.Definition) string {
	t.Helper()
	b, err := flow.Marshal(d)
	require.NoError(t, err)
	return string(b)
}
