package version_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studioflow/studioflow/flow"
	"github.com/studioflow/studioflow/version"
)

func transition(t *testing.T, err error) *version.TransitionError {
	t.Helper()
	var te *version.TransitionError
	require.ErrorAs(t, err, &te)
	assert.ErrorIs(t, err, version.ErrConflict)
	return te
}

func TestCreate(t *testing.T) {
	c := newCatalog()
	fl, v, err := c.Create(ctx, alice, version.KindFlow, "Blank", "", nil, "")
	require.NoError(t, err)
	assert.Empty(t, v.Problems, "the empty flow is sound")
	assert.Equal(t, "trigger", v.Definition.States[0].Type)
	assert.Equal(t, "Blank", v.Definition.Description)
	assert.Equal(t, flow.TriggerEvents(), transitionsOf(v.Definition.States[0]))
	assert.Equal(t, "FW0001", fl.ID)

	mod, v, err := c.Create(ctx, alice, version.KindModule, "Blank", "", nil, "")
	require.NoError(t, err, "names are unique per kind, not across kinds")
	assert.Empty(t, v.Problems)
	assert.True(t, v.Definition.IsModule())
	assert.Equal(t, "MD0001", mod.ID)

	te := transition(t, second(c.Create(ctx, alice, version.KindFlow, "Blank", "", nil, "")))
	assert.Equal(t, version.RuleNameTaken, te.Rule)
	assert.Equal(t, `flow "Blank" is FW0001`, te.Detail)
	assert.ErrorIs(t, second(c.Create(ctx, alice, version.KindFlow, "  ", "", nil, "")), version.ErrInvalid)
	assert.ErrorIs(t, second(c.Create(ctx, alice, "subflow", "x", "", nil, "")), version.ErrInvalid)
	_, err = c.SaveDraft(ctx, alice, fl.ID, 1, nil, "")
	assert.ErrorIs(t, err, version.ErrInvalid)

	// The caller's definition is copied in.
	def := sayFlow(t, "mine")
	it, _, err := c.Create(ctx, alice, version.KindFlow, "Mine", "", def, "")
	require.NoError(t, err)
	def.States = nil
	r, err := c.Resolve(ctx, it.ID, version.LatestDraft)
	require.NoError(t, err)
	assert.Len(t, r.Definition.States, 2)
}

func transitionsOf(s flow.State) []string {
	var out []string
	for _, tr := range s.Transitions {
		out = append(out, tr.Event)
	}
	return out
}

func second[A, B any](_ A, _ B, err error) error { return err }

func errOf[A any](_ A, err error) error { return err }

func TestListGetVersions(t *testing.T) {
	c := newCatalog()
	b := published(t, c, "b")
	a := published(t, c, "a")
	_, _, err := c.Create(ctx, alice, version.KindModule, "m", "", holidayModule(t), "")
	require.NoError(t, err)
	items, err := c.List(ctx, alice, "")
	require.NoError(t, err)
	require.Len(t, items, 3)
	assert.Equal(t, []string{a, b, "MD0001"}, []string{items[0].ID, items[1].ID, items[2].ID})
	assert.Nil(t, items[0].Versions[0].Definition, "List carries no definitions")
	assert.NotEmpty(t, items[0].Versions[0].Hash)
	flows, err := c.List(ctx, alice, version.KindFlow)
	require.NoError(t, err)
	assert.Len(t, flows, 2)
	_, err = c.List(ctx, alice, "other")
	assert.ErrorIs(t, err, version.ErrInvalid)

	_, err = c.Get(ctx, alice, "FW404")
	assert.ErrorIs(t, err, version.ErrNotFound)
	_, err = c.Versions(ctx, alice, "FW404")
	assert.ErrorIs(t, err, version.ErrNotFound)
}

func TestRename(t *testing.T) {
	c := newCatalog()
	a := published(t, c, "a")
	published(t, c, "b")
	it, err := c.Rename(ctx, alice, a, " Sales ")
	require.NoError(t, err)
	assert.Equal(t, "Sales", it.Name)
	before, err := c.Get(ctx, alice, a)
	require.NoError(t, err)
	_, err = c.Rename(ctx, alice, a, "Sales")
	require.NoError(t, err, "renaming to the same name does nothing")
	after, err := c.Get(ctx, alice, a)
	require.NoError(t, err)
	assert.Equal(t, before.Etag, after.Etag, "nothing was written")
	assert.Equal(t, before.Updated, after.Updated)
	te := transition(t, errOf(c.Rename(ctx, alice, a, "b")))
	assert.Equal(t, version.RuleNameTaken, te.Rule)
	assert.Equal(t, a, te.ItemID)
	_, err = c.Rename(ctx, alice, a, "")
	assert.ErrorIs(t, err, version.ErrInvalid)
}

// A module is used by name: it can be renamed or deleted only while no
// draft or published version of another item uses it.
func TestModuleReferencesGuardRenameAndDelete(t *testing.T) {
	c := newCatalog()
	mod, _, err := c.Create(ctx, alice, version.KindModule, "Holidays", "", holidayModule(t), "")
	require.NoError(t, err)
	_, err = c.Publish(ctx, alice, mod.ID, 1)
	require.NoError(t, err)
	fl, v, err := c.Create(ctx, alice, version.KindFlow, "Main", "", moduleFlow(t, "Holidays"), "")
	require.NoError(t, err)
	assert.Empty(t, v.Problems)

	refs, err := c.References(ctx, "Holidays")
	require.NoError(t, err)
	assert.Equal(t, []version.Reference{{ItemID: fl.ID, Name: "Main", Kind: version.KindFlow, Revision: 1, Status: version.StatusDraft}}, refs)

	te := transition(t, c.Delete(ctx, alice, mod.ID))
	assert.Equal(t, version.RuleModuleReferenced, te.Rule)
	assert.Equal(t, `used by flow "Main" revision 1 (draft)`, te.Detail)
	te = transition(t, errOf(c.Rename(ctx, alice, mod.ID, "Holidays 2")))
	assert.Equal(t, version.RuleModuleReferenced, te.Rule)

	// Published and a new draft that also uses it: two references.
	_, err = c.Publish(ctx, alice, fl.ID, 1)
	require.NoError(t, err)
	_, err = c.Edit(ctx, alice, fl.ID)
	require.NoError(t, err)
	refs, err = c.References(ctx, "Holidays")
	require.NoError(t, err)
	assert.Equal(t, []version.Reference{
		{ItemID: fl.ID, Name: "Main", Kind: version.KindFlow, Revision: 1, Status: version.StatusPublished},
		{ItemID: fl.ID, Name: "Main", Kind: version.KindFlow, Revision: 2, Status: version.StatusDraft},
	}, refs)

	// Drop the module from the draft and publish: archived versions do not
	// count, so the module is free.
	_, err = c.SaveDraft(ctx, alice, fl.ID, 2, sayFlow(t, "no module"), "")
	require.NoError(t, err)
	_, err = c.Publish(ctx, alice, fl.ID, 3)
	require.NoError(t, err)
	refs, err = c.References(ctx, "Holidays")
	require.NoError(t, err)
	assert.Empty(t, refs)
	_, err = c.Rename(ctx, alice, mod.ID, "Holidays 2")
	require.NoError(t, err)
	require.NoError(t, c.Delete(ctx, alice, mod.ID))
	_, err = c.ResolveModule(ctx, "Holidays 2")
	assert.ErrorIs(t, err, version.ErrNotFound)
	// The archived revision that used it still resolves, as it was.
	r, err := c.Resolve(ctx, fl.ID, version.Revision(1))
	require.NoError(t, err)
	assert.Equal(t, "run-module", r.Definition.States[1].Type)
}

func TestResolveModule(t *testing.T) {
	c := newCatalog()
	mod, v, err := c.Create(ctx, alice, version.KindModule, "Holidays", "", holidayModule(t), "")
	require.NoError(t, err)
	_, err = c.ResolveModule(ctx, "Holidays")
	assert.ErrorIs(t, err, version.ErrNotFound, "only published modules can be used")
	_, err = c.Publish(ctx, alice, mod.ID, v.Revision)
	require.NoError(t, err)
	_, err = c.Edit(ctx, alice, mod.ID)
	require.NoError(t, err)
	r, err := c.ResolveModule(ctx, "Holidays")
	require.NoError(t, err)
	assert.Equal(t, version.Resolved{ItemID: mod.ID, Name: "Holidays", Kind: version.KindModule, Revision: 1,
		Status: version.StatusPublished, Hash: v.Hash, Definition: holidayModule(t)}, *r)
	_, err = c.ResolveModule(ctx, "Nope")
	assert.ErrorIs(t, err, version.ErrNotFound)
	// A flow is not a module, whatever its name.
	published(t, c, "Flowy")
	_, err = c.ResolveModule(ctx, "Flowy")
	assert.ErrorIs(t, err, version.ErrNotFound)
}

// Items serialize to JSON and back, so a host can keep them in a database.
func TestItemJSON(t *testing.T) {
	c := newCatalog()
	id := full(t, c)
	require.NoError(t, c.Assign(ctx, alice, "+15550100", id))
	require.NoError(t, c.SetTestUsers(ctx, alice, id, []string{"+15559999"}))
	it, err := c.Get(ctx, alice, id)
	require.NoError(t, err)
	data, err := json.Marshal(it)
	require.NoError(t, err)
	var back version.Item
	require.NoError(t, json.Unmarshal(data, &back))
	assert.Equal(t, *it, back)
	assert.Equal(t, t0.Add(time.Second), back.Created)
}
