package version_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studioflow/studioflow/version"
)

// A host loading its flows from files at every boot: the first boot
// creates and publishes; a boot with the same file writes nothing and keeps
// the id; a changed file publishes a new revision and archives the old,
// which still resolves for the executions that started on it.
func TestSyncKeepsIdentityAcrossBoots(t *testing.T) {
	store := version.NewMemoryStore()
	boot := func() *version.Catalog { return newCatalog(version.WithStore(store)) }

	first, err := boot().Sync(ctx, alice, version.KindFlow, "IVR", sayFlow(t, "hello"))
	require.NoError(t, err)
	assert.True(t, first.Changed)
	assert.Equal(t, version.StableID(version.KindFlow, "IVR"), first.Item.ID)
	assert.Equal(t, 1, first.Version.Revision)
	assert.Equal(t, version.StatusPublished, first.Version.Status)

	c := boot()
	again, err := c.Sync(ctx, alice, version.KindFlow, "IVR", sayFlow(t, "hello"))
	require.NoError(t, err)
	assert.False(t, again.Changed, "an unchanged file writes nothing")
	assert.Equal(t, first.Item.ID, again.Item.ID)
	assert.Equal(t, first.Item.Etag, again.Item.Etag)
	assert.Equal(t, "1 published", history(t, c, first.Item.ID))

	changed, err := boot().Sync(ctx, alice, version.KindFlow, "IVR", sayFlow(t, "hello again"))
	require.NoError(t, err)
	assert.True(t, changed.Changed)
	assert.Equal(t, first.Item.ID, changed.Item.ID)
	assert.Equal(t, 2, changed.Version.Revision)
	assert.Equal(t, "1 archived, 2 published", history(t, c, first.Item.ID))
	old, err := c.Resolve(ctx, first.Item.ID, version.Revision(1))
	require.NoError(t, err)
	assert.JSONEq(t, `"hello"`, string(old.Definition.States[1].Properties["say"]), "revision 1 still resolves")
	cur, err := c.Resolve(ctx, first.Item.ID, version.LatestPublished)
	require.NoError(t, err)
	assert.Equal(t, 2, cur.Revision)
}

// A file with errors is kept as the draft and its publish is refused; the
// version published before keeps serving. Fixing the file replaces that
// draft and publishes.
func TestSyncRefusesAFileWithErrors(t *testing.T) {
	c := newCatalog()
	first, err := c.Sync(ctx, alice, version.KindFlow, "IVR", sayFlow(t, "hello"))
	require.NoError(t, err)
	_, err = c.Sync(ctx, alice, version.KindFlow, "IVR", brokenFlow(t))
	var te *version.TransitionError
	require.ErrorAs(t, err, &te)
	assert.Equal(t, version.RulePublishErrors, te.Rule)
	assert.Equal(t, "1 published, 2 draft", history(t, c, first.Item.ID))
	cur, err := c.Resolve(ctx, first.Item.ID, version.LatestPublished)
	require.NoError(t, err)
	assert.Equal(t, 1, cur.Revision)

	fixed, err := c.Sync(ctx, alice, version.KindFlow, "IVR", sayFlow(t, "fixed"))
	require.NoError(t, err)
	assert.Equal(t, 3, fixed.Version.Revision)
	assert.Equal(t, "1 archived, 3 published", history(t, c, first.Item.ID))
}

// Four instances booting at once on one store agree on one item and one
// published revision.
func TestSyncFromRacingInstances(t *testing.T) {
	store := version.NewMemoryStore()
	var wg sync.WaitGroup
	results := make([]*version.SyncResult, 4)
	errs := make([]error, 4)
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], errs[i] = newCatalog(version.WithStore(store)).Sync(ctx, alice, version.KindModule, "hours", holidayModule(t))
		}()
	}
	wg.Wait()
	require.NoError(t, errors.Join(errs...))
	changed := 0
	for _, r := range results {
		assert.Equal(t, version.StableID(version.KindModule, "hours"), r.Item.ID)
		assert.Equal(t, 1, r.Version.Revision)
		if r.Changed {
			changed++
		}
	}
	assert.Equal(t, 1, changed, "one instance wrote; the others found it published")
	assert.Equal(t, "1 published", history(t, newCatalog(version.WithStore(store)), results[0].Item.ID))
}

func TestSyncRefusesBadInput(t *testing.T) {
	c := newCatalog()
	_, err := c.Sync(ctx, alice, "widget", "x", sayFlow(t, "hi"))
	assert.ErrorIs(t, err, version.ErrInvalid)
	_, err = c.Sync(ctx, alice, version.KindFlow, "  ", sayFlow(t, "hi"))
	assert.ErrorIs(t, err, version.ErrInvalid)
	_, err = c.Sync(ctx, alice, version.KindFlow, "x", nil)
	assert.ErrorIs(t, err, version.ErrInvalid)
}

func TestStableIDs(t *testing.T) {
	a := version.StableID(version.KindFlow, "IVR")
	assert.Regexp(t, `^FW[0-9a-f]{32}$`, a)
	assert.Regexp(t, `^MD[0-9a-f]{32}$`, version.StableID(version.KindModule, "IVR"))
	assert.NotEqual(t, a, version.StableID(version.KindFlow, "IVR2"))
	assert.Equal(t, a, version.StableID(version.KindFlow, "IVR"))
}

// Four instances booting at once with a changed file (a rolling deploy)
// all succeed, and publish the file once.
func TestSyncFromRacingInstancesWithAChangedFile(t *testing.T) {
	for round := range 50 {
		store := version.NewMemoryStore()
		_, err := newCatalog(version.WithStore(store)).Sync(ctx, alice, version.KindFlow, "IVR", sayFlow(t, "hello"))
		require.NoError(t, err)
		var wg sync.WaitGroup
		errs := make([]error, 4)
		for i := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = newCatalog(version.WithStore(store)).Sync(ctx, alice, version.KindFlow, "IVR", sayFlow(t, "hello again"))
			}()
		}
		wg.Wait()
		require.NoError(t, errors.Join(errs...), "round %d", round)
		c := newCatalog(version.WithStore(store))
		it, err := c.Sync(ctx, alice, version.KindFlow, "IVR", sayFlow(t, "hello again"))
		require.NoError(t, err)
		assert.False(t, it.Changed, "round %d: the file is published", round)
		assert.Equal(t, version.StatusArchived, it.Item.Versions[0].Status, "round %d", round)
	}
}

// A person saving the draft while Sync runs makes Sync read again, not
// fail: the file wins, as a host that loads files at boot wants. Each
// save can cost Sync one attempt at most (its read and write come between
// two of Sync's), and Sync makes five, so four saves in a row as fast as
// they go cannot make it fail; twenty could, and did under -race.
func TestSyncRetriesAfterASaveOfTheDraft(t *testing.T) {
	store := version.NewMemoryStore()
	c := newCatalog(version.WithStore(store))
	first, err := c.Sync(ctx, alice, version.KindFlow, "IVR", sayFlow(t, "hello"))
	require.NoError(t, err)
	d, err := c.Edit(ctx, alice, first.Item.ID)
	require.NoError(t, err)
	var wg sync.WaitGroup
	var syncErr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		_, syncErr = newCatalog(version.WithStore(store)).Sync(ctx, alice, version.KindFlow, "IVR", sayFlow(t, "from the file"))
	}()
	rev := d.Revision
	for range 4 {
		v, err := c.SaveDraft(ctx, alice, first.Item.ID, rev, sayFlow(t, "edited by hand"), "edit")
		if err != nil {
			break // the sync published the draft meanwhile
		}
		rev = v.Revision
	}
	wg.Wait()
	require.NoError(t, syncErr)
	cur, err := c.Resolve(ctx, first.Item.ID, version.LatestPublished)
	require.NoError(t, err)
	assert.JSONEq(t, `"from the file"`, string(cur.Definition.States[1].Properties["say"]))
}

// SyncID keeps the id the host gives (a flow's Twilio sid) across boots,
// and refuses an id of the wrong kind or one that would rename an item.
func TestSyncIDKeepsTheGivenID(t *testing.T) {
	store := version.NewMemoryStore()
	boot := func() *version.Catalog { return newCatalog(version.WithStore(store)) }
	const sid = "FW0123456789abcdef0123456789abcdef"
	first, err := boot().SyncID(ctx, alice, version.KindFlow, sid, "IVR", sayFlow(t, "hello"))
	require.NoError(t, err)
	assert.Equal(t, sid, first.Item.ID)
	again, err := boot().SyncID(ctx, alice, version.KindFlow, sid, "IVR", sayFlow(t, "hello"))
	require.NoError(t, err)
	assert.False(t, again.Changed)
	assert.Equal(t, sid, again.Item.ID)

	_, err = boot().SyncID(ctx, alice, version.KindFlow, "FWffffffffffffffffffffffffffffffff", "IVR", sayFlow(t, "hello"))
	assert.ErrorIs(t, err, version.ErrInvalid, "the item exists under another id")
	synced, err := boot().Sync(ctx, alice, version.KindFlow, "IVR", sayFlow(t, "hello"))
	require.NoError(t, err, "Sync updates the item of the name, whatever its id")
	assert.Equal(t, sid, synced.Item.ID)
	_, err = boot().SyncID(ctx, alice, version.KindFlow, sid, "Renamed", sayFlow(t, "hello"))
	assert.ErrorIs(t, err, version.ErrInvalid, "the id is another item's")
	assert.ErrorContains(t, err, `"IVR"`)
	for _, bad := range []string{"MD0123456789abcdef0123456789abcdef", "FW", "FW0123", "FW a/b?c0123456789abcdef0123456789", "ZZ0123456789abcdef0123456789abcdef"} {
		_, err = boot().SyncID(ctx, alice, version.KindFlow, bad, "Other", sayFlow(t, "hello"))
		assert.ErrorIs(t, err, version.ErrInvalid, bad)
	}
}

// failingGet is a store whose Get fails: a store failure, not a missing
// item.
type failingGet struct{ version.Store }

var errStoreDown = errors.New("store down")

func (failingGet) Get(context.Context, string) (*version.Item, error) { return nil, errStoreDown }

// A store that fails while Sync checks the id is a failure, not a sign
// the item is new: Sync returns it and writes nothing.
func TestSyncReturnsAStoreFailure(t *testing.T) {
	store := version.NewMemoryStore()
	_, err := newCatalog(version.WithStore(failingGet{store})).Sync(ctx, alice, version.KindModule, "hours", holidayModule(t))
	require.ErrorIs(t, err, errStoreDown)
	_, err = store.GetByName(ctx, version.KindModule, "hours")
	assert.ErrorIs(t, err, version.ErrNotFound, "nothing was created")
}
