package version_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studioflow/studioflow/flow"
	"github.com/studioflow/studioflow/version"
)

// Fixtures of the transition table.
//
//	draftOnly:  1 draft (never published)
//	noDraft:    1 archived, 2 published
//	full:       1 archived, 2 published, 3 draft
func draftOnly(t *testing.T, c *version.Catalog) string {
	it, _, err := c.Create(ctx, alice, version.KindFlow, "draft-only", "", sayFlow(t, "one"), "first")
	require.NoError(t, err)
	return it.ID
}

func noDraft(t *testing.T, c *version.Catalog) string {
	id := published(t, c, "no-draft")
	v, err := c.Edit(ctx, alice, id)
	require.NoError(t, err)
	_, err = c.Publish(ctx, alice, id, v.Revision)
	require.NoError(t, err)
	require.Equal(t, "1 archived, 2 published", history(t, c, id))
	return id
}

func full(t *testing.T, c *version.Catalog) string {
	id := noDraft(t, c)
	_, err := c.Edit(ctx, alice, id)
	require.NoError(t, err)
	require.Equal(t, "1 archived, 2 published, 3 draft", history(t, c, id))
	return id
}

func TestTransitions(t *testing.T) {
	type op func(t *testing.T, c *version.Catalog, id string) error
	save := func(rev int) op {
		return func(t *testing.T, c *version.Catalog, id string) error {
			_, err := c.SaveDraft(ctx, alice, id, rev, sayFlow(t, "saved"), "save")
			return err
		}
	}
	publish := func(rev int) op {
		return func(_ *testing.T, c *version.Catalog, id string) error {
			_, err := c.Publish(ctx, alice, id, rev)
			return err
		}
	}
	edit := func(_ *testing.T, c *version.Catalog, id string) error {
		_, err := c.Edit(ctx, alice, id)
		return err
	}
	discard := func(rev int) op {
		return func(_ *testing.T, c *version.Catalog, id string) error { return c.Discard(ctx, alice, id, rev) }
	}
	restore := func(rev int) op {
		return func(_ *testing.T, c *version.Catalog, id string) error {
			_, err := c.Restore(ctx, alice, id, rev)
			return err
		}
	}
	duplicate := func(rev int) op {
		return func(_ *testing.T, c *version.Catalog, id string) error {
			it, v, err := c.Duplicate(ctx, alice, id, rev, "copy")
			if err == nil {
				assert.Equal(t, "1 draft", history(t, c, it.ID))
				assert.Equal(t, version.Origin{Op: version.OpDuplicate, ItemID: id, Revision: rev}, v.Origin)
			}
			return err
		}
	}
	// then chains a second operation after a first that must succeed.
	then := func(first, second op) op {
		return func(t *testing.T, c *version.Catalog, id string) error {
			require.NoError(t, first(t, c, id))
			return second(t, c, id)
		}
	}

	tests := []struct {
		name    string
		fixture func(*testing.T, *version.Catalog) string
		op      op
		// On success: the history after. On refusal: unchanged.
		history string
		// On refusal: the rule, revision and status the error names.
		rule     version.Rule
		revision int
		status   version.Status
	}{
		// save: only the draft, at its current revision.
		{name: "save draft", fixture: full, op: save(3), history: "1 archived, 2 published, 4 draft"},
		{name: "save draft of a never published item", fixture: draftOnly, op: save(1), history: "2 draft"},
		{name: "save published", fixture: full, op: save(2), rule: version.RuleSaveDraftOnly, revision: 2, status: version.StatusPublished},
		{name: "save archived", fixture: full, op: save(1), rule: version.RuleSaveDraftOnly, revision: 1, status: version.StatusArchived},
		{name: "save without a draft", fixture: noDraft, op: save(2), rule: version.RuleSaveDraftOnly, revision: 2, status: version.StatusPublished},
		{name: "save stale revision", fixture: full, op: then(save(3), save(3)), history: "1 archived, 2 published, 4 draft",
			rule: version.RuleStaleRevision, revision: 3},
		{name: "save discarded revision", fixture: full, op: then(discard(3), save(3)), history: "1 archived, 2 published",
			rule: version.RuleStaleRevision, revision: 3},

		// publish: only a draft; the published one is archived.
		{name: "publish draft", fixture: full, op: publish(3), history: "1 archived, 2 archived, 3 published"},
		{name: "publish first draft", fixture: draftOnly, op: publish(1), history: "1 published"},
		{name: "publish published", fixture: full, op: publish(2), rule: version.RulePublishDraftOnly, revision: 2, status: version.StatusPublished},
		{name: "publish archived", fixture: full, op: publish(1), rule: version.RulePublishDraftOnly, revision: 1, status: version.StatusArchived},
		{name: "publish a saved-over revision", fixture: full, op: then(save(3), publish(3)), history: "1 archived, 2 published, 4 draft",
			rule: version.RuleStaleRevision, revision: 3},

		// edit: a draft copy of the published version, one draft at most.
		{name: "edit published", fixture: noDraft, op: edit, history: "1 archived, 2 published, 3 draft"},
		{name: "edit while a draft exists", fixture: full, op: edit, rule: version.RuleOneDraft, revision: 3, status: version.StatusDraft},
		{name: "edit a never published item", fixture: draftOnly, op: edit, rule: version.RuleOneDraft, revision: 1, status: version.StatusDraft},

		// discard: only a draft, never the only version.
		{name: "discard draft", fixture: full, op: discard(3), history: "1 archived, 2 published"},
		{name: "discard published", fixture: full, op: discard(2), rule: version.RuleDiscardDraftOnly, revision: 2, status: version.StatusPublished},
		{name: "discard archived", fixture: full, op: discard(1), rule: version.RuleDiscardDraftOnly, revision: 1, status: version.StatusArchived},
		{name: "discard the only version", fixture: draftOnly, op: discard(1), rule: version.RuleDiscardOnlyVersion, revision: 1, status: version.StatusDraft},
		{name: "discard a saved-over revision", fixture: full, op: then(save(3), discard(3)), history: "1 archived, 2 published, 4 draft",
			rule: version.RuleStaleRevision, revision: 3},

		// restore: an archived version as a draft copy; the archived stays.
		{name: "restore archived", fixture: noDraft, op: restore(1), history: "1 archived, 2 published, 3 draft"},
		{name: "restore while a draft exists", fixture: full, op: restore(1), rule: version.RuleOneDraft, revision: 1, status: version.StatusArchived},
		{name: "restore published", fixture: noDraft, op: restore(2), rule: version.RuleRestoreArchivedOnly, revision: 2, status: version.StatusPublished},
		{name: "restore draft", fixture: full, op: restore(3), rule: version.RuleRestoreArchivedOnly, revision: 3, status: version.StatusDraft},

		// duplicate: any version, into a new item; the source is unchanged.
		{name: "duplicate draft", fixture: full, op: duplicate(3), history: "1 archived, 2 published, 3 draft"},
		{name: "duplicate published", fixture: full, op: duplicate(2), history: "1 archived, 2 published, 3 draft"},
		{name: "duplicate archived", fixture: full, op: duplicate(1), history: "1 archived, 2 published, 3 draft"},
		{name: "duplicate onto a taken name", fixture: full, op: then(duplicate(1), duplicate(2)), history: "1 archived, 2 published, 3 draft",
			rule: version.RuleNameTaken},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCatalog()
			id := tt.fixture(t, c)
			before := history(t, c, id)
			err := tt.op(t, c, id)
			if tt.rule == "" {
				require.NoError(t, err)
				assert.Equal(t, tt.history, history(t, c, id))
				return
			}
			require.Error(t, err)
			var te *version.TransitionError
			require.ErrorAs(t, err, &te)
			assert.ErrorIs(t, err, version.ErrConflict)
			assert.Equal(t, tt.rule, te.Rule)
			assert.Equal(t, tt.revision, te.Revision)
			assert.Equal(t, tt.status, te.Status)
			assert.Contains(t, err.Error(), string(tt.rule))
			if tt.rule != version.RuleNameTaken {
				assert.Equal(t, id, te.ItemID)
			}
			if tt.history != "" {
				before = tt.history // the chained first step changed it
			}
			assert.Equal(t, before, history(t, c, id), "a refused operation changes nothing")
		})
	}
}

func TestTransitionErrorMessages(t *testing.T) {
	c := newCatalog()
	id := full(t, c)
	_, err := c.SaveDraft(ctx, alice, id, 3, sayFlow(t, "a"), "a")
	require.NoError(t, err)
	_, err = c.SaveDraft(ctx, alice, id, 3, sayFlow(t, "b"), "b")
	assert.EqualError(t, err, "version: save "+id+" revision 3 refused: a write must name the current revision"+
		" (revision 3 was saved over or discarded; the draft is at revision 4)")

	_, err = c.Publish(ctx, alice, id, 2)
	assert.EqualError(t, err, "version: publish "+id+" revision 2 (published) refused: only a draft can be published")

	_, err = c.Publish(ctx, alice, id, 9)
	assert.ErrorIs(t, err, version.ErrNotFound)
	assert.EqualError(t, err, "version: "+id+" has no revision 9: version: not found")
}

func TestPublishRefusesDraftWithErrors(t *testing.T) {
	c := newCatalog()
	it, v, err := c.Create(ctx, alice, version.KindFlow, "broken", "", brokenFlow(t), "wip")
	require.NoError(t, err)
	require.Len(t, v.Problems, 1)
	assert.Equal(t, flow.CodeNextUnknown, v.Problems[0].Code)
	assert.Equal(t, "#/states/0/transitions/0/next", v.Problems[0].Path)

	_, err = c.Publish(ctx, alice, it.ID, 1)
	var te *version.TransitionError
	require.ErrorAs(t, err, &te)
	assert.Equal(t, version.RulePublishErrors, te.Rule)
	assert.Equal(t, 1, te.Revision)
	assert.Equal(t, version.StatusDraft, te.Status)
	assert.ErrorIs(t, err, version.ErrConflict)
	assert.ErrorIs(t, err, flow.ErrInvalid)
	var inv *flow.InvalidError
	require.ErrorAs(t, err, &inv)
	assert.Equal(t, flow.CodeNextUnknown, inv.Problems[0].Code)

	// Fixed and saved, it publishes.
	v, err = c.SaveDraft(ctx, alice, it.ID, 1, sayFlow(t, "fixed"), "fix")
	require.NoError(t, err)
	assert.Empty(t, v.Problems)
	_, err = c.Publish(ctx, alice, it.ID, v.Revision)
	require.NoError(t, err)
	assert.Equal(t, "2 published", history(t, c, it.ID))
}

func TestWarningsDoNotBlockPublish(t *testing.T) {
	c := newCatalog(version.WithCheck(func(_ context.Context, _ version.Kind, def *flow.Definition) flow.Problems {
		return flow.Problems{{Path: "#/states/1", Code: "style.long_greeting", Message: "long", Severity: flow.SeverityWarning}}
	}))
	it, v, err := c.Create(ctx, alice, version.KindFlow, "warned", "", sayFlow(t, "hi"), "")
	require.NoError(t, err)
	require.Len(t, v.Problems, 1)
	p, err := c.Publish(ctx, alice, it.ID, v.Revision)
	require.NoError(t, err)
	assert.Equal(t, "style.long_greeting", p.Problems[0].Code)
}

func TestSaveRunsInjectedCheck(t *testing.T) {
	var kinds []version.Kind
	c := newCatalog(version.WithCheck(func(_ context.Context, kind version.Kind, def *flow.Definition) flow.Problems {
		kinds = append(kinds, kind)
		ps := flow.Check(def)
		if len(def.States) > 1 {
			var say string
			_, _ = def.States[1].Property("say", &say)
			if say == "" {
				ps = append(ps, flow.Problem{Path: flow.PropertyPath(1, "say"), State: def.States[1].Name,
					Code: "say-play.nothing_to_say", Message: "say, play or digits is required", Severity: flow.SeverityError})
			}
		}
		return ps
	}))
	it, v, err := c.Create(ctx, alice, version.KindFlow, "checked", "", sayFlow(t, "hi"), "")
	require.NoError(t, err)
	assert.Empty(t, v.Problems)
	v, err = c.SaveDraft(ctx, alice, it.ID, v.Revision, sayFlow(t, ""), "emptied")
	require.NoError(t, err)
	require.Len(t, v.Problems, 1)
	assert.Equal(t, "#/states/1/properties/say", v.Problems[0].Path)
	_, err = c.Publish(ctx, alice, it.ID, v.Revision)
	assert.ErrorIs(t, err, flow.ErrInvalid)
	assert.Equal(t, []version.Kind{version.KindFlow, version.KindFlow}, kinds)
}

func TestPublishGuard(t *testing.T) {
	refuse := errors.New("module: exit \"closed\" removed while flow FW0002 uses it")
	var seen []int
	c := newCatalog(version.WithPublishGuard(func(_ context.Context, item version.Item, candidate *flow.Definition) error {
		seen = append(seen, item.Draft().Revision)
		candidate.States = nil // the guard's copy is its own
		if item.Published() != nil {
			return refuse
		}
		return nil
	}))
	id := published(t, c, "guarded")
	v, err := c.Edit(ctx, alice, id)
	require.NoError(t, err)
	_, err = c.Publish(ctx, alice, id, v.Revision)
	var te *version.TransitionError
	require.ErrorAs(t, err, &te)
	assert.Equal(t, version.RulePublishGuard, te.Rule)
	assert.Equal(t, 2, te.Revision)
	assert.ErrorIs(t, err, refuse)
	assert.ErrorIs(t, err, version.ErrConflict)
	assert.Equal(t, []int{1, 2}, seen)
	assert.Equal(t, "1 published, 2 draft", history(t, c, id))
	r, err := c.Resolve(ctx, id, version.LatestDraft)
	require.NoError(t, err)
	assert.Len(t, r.Definition.States, 2)
}

// A write that loses the compare-and-swap gets a conflict and changes
// nothing: here a save lands while another save is being checked.
func TestConcurrentWriteConflict(t *testing.T) {
	var c *version.Catalog
	var id string
	interfere := false
	c = newCatalog(version.WithCheck(func(_ context.Context, _ version.Kind, def *flow.Definition) flow.Problems {
		if interfere {
			interfere = false
			_, err := c.SaveDraft(ctx, alice, id, 1, sayFlow(t, "first"), "first")
			require.NoError(t, err)
		}
		return flow.Check(def)
	}))
	it, _, err := c.Create(ctx, alice, version.KindFlow, "raced", "", sayFlow(t, "zero"), "")
	require.NoError(t, err)
	id = it.ID
	interfere = true
	_, err = c.SaveDraft(ctx, alice, id, 1, sayFlow(t, "second"), "second")
	var te *version.TransitionError
	require.ErrorAs(t, err, &te)
	assert.Equal(t, version.RuleConcurrentWrite, te.Rule)
	assert.ErrorIs(t, err, version.ErrConflict)

	r, err := c.Resolve(ctx, id, version.LatestDraft)
	require.NoError(t, err)
	assert.Equal(t, 2, r.Revision)
	var say string
	_, _ = r.Definition.States[1].Property("say", &say)
	assert.Equal(t, "first", say, "the first save is kept, not overwritten")
}

func TestVersionMetadata(t *testing.T) {
	c := newCatalog()
	bob := version.Actor{ID: "bob"}
	def := sayFlow(t, "hi")
	it, v1, err := c.Create(ctx, alice, version.KindFlow, " Main IVR ", "front door", def, "first cut")
	require.NoError(t, err)
	assert.Equal(t, "FW0001", it.ID)
	assert.Equal(t, "Main IVR", it.Name)
	assert.Equal(t, "front door", it.Description)
	assert.Equal(t, version.Version{
		Revision: 1, Status: version.StatusDraft, Message: "first cut", Author: "alice",
		Created: t0.Add(time.Second), Saved: t0.Add(time.Second), Hash: mustHash(t, def),
		Origin: version.Origin{Op: version.OpCreate}, Definition: def,
	}, *v1)

	def.States[1].Properties["say"] = []byte(`"bye"`)
	v2, err := c.SaveDraft(ctx, bob, it.ID, 1, def, "second")
	require.NoError(t, err)
	assert.Equal(t, 2, v2.Revision)
	assert.Equal(t, "bob", v2.Author)
	assert.Equal(t, t0.Add(time.Second), v2.Created, "created stays")
	assert.Equal(t, t0.Add(2*time.Second), v2.Saved)
	assert.NotEqual(t, v1.Hash, v2.Hash)
	assert.Equal(t, mustHash(t, def), v2.Hash)

	p, err := c.Publish(ctx, bob, it.ID, 2)
	require.NoError(t, err)
	assert.Equal(t, t0.Add(3*time.Second), p.Published)
	e, err := c.Edit(ctx, alice, it.ID)
	require.NoError(t, err)
	assert.Equal(t, version.Origin{Op: version.OpEdit, ItemID: it.ID, Revision: 2}, e.Origin)
	assert.Equal(t, "Edit of revision 2", e.Message)
	assert.Equal(t, p.Hash, e.Hash, "a copy has the same content")
	_, err = c.Publish(ctx, alice, it.ID, 3)
	require.NoError(t, err)
	got, err := c.Get(ctx, alice, it.ID)
	require.NoError(t, err)
	assert.Equal(t, t0.Add(5*time.Second), got.Version(2).Archived)
	assert.Equal(t, 3, got.LastRevision)
}

func mustHash(t *testing.T, def *flow.Definition) string {
	h, err := version.Hash(def)
	require.NoError(t, err)
	return h
}

// A store written by other means may hold an item with nothing published
// and no draft; Edit names the rule rather than copying nothing.
func TestEditWithoutPublishedVersion(t *testing.T) {
	store := version.NewMemoryStore()
	require.NoError(t, store.Put(ctx, &version.Item{
		ID: "FW1", Kind: version.KindFlow, Name: "odd", LastRevision: 1, Etag: 1,
		Versions: []version.Version{{Revision: 1, Status: version.StatusArchived, Definition: sayFlow(t, "x")}},
	}, 0))
	c := newCatalog(version.WithStore(store))
	_, err := c.Edit(ctx, alice, "FW1")
	var te *version.TransitionError
	require.ErrorAs(t, err, &te)
	assert.Equal(t, version.TransitionError{Op: version.OpEdit, Rule: version.RuleEditPublishedOnly, ItemID: "FW1"}, *te)
	v, err := c.Restore(ctx, alice, "FW1", 1)
	require.NoError(t, err, "restore is the way back")
	assert.Equal(t, 2, v.Revision)
}
