package sqlstore_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studioflow/studioflow/adapters/sqlstore"
	"github.com/studioflow/studioflow/runtime"
	"github.com/studioflow/studioflow/version"
)

// Ids, session keys, names and addresses with a NUL byte or invalid UTF-8
// (which PostgreSQL's text cannot hold) are found nowhere by the getters,
// as on SQLite and in the memory stores, and refused by the writes with
// an error naming the field; on both databases alike.
func TestUnstorableText(t *testing.T) {
	eachBackend(t, func(t *testing.T, newPlace func(*testing.T) place) {
		db := newPlace(t).Open()
		s, c := db.Executions(), db.Catalog()
		require.NoError(t, s.Create(ctx, execution("FN1", "k1", t0)))
		x, err := s.Load(ctx, "FN1")
		require.NoError(t, err)
		require.NoError(t, c.Put(ctx, item("FW1", version.KindFlow, "main", 1), 0))

		for _, bad := range []struct{ text, why string }{{"k\x00nul", "holds a NUL byte"}, {"k\xffbad", "is not valid UTF-8"}} {
			t.Run(bad.why, func(t *testing.T) {
				_, err := s.Load(ctx, bad.text)
				assert.ErrorIs(t, err, runtime.ErrNotFound, "Load")
				_, err = s.FindActive(ctx, bad.text)
				assert.ErrorIs(t, err, runtime.ErrNotFound, "FindActive")
				assert.ErrorIs(t, s.ForceEnd(ctx, bad.text, runtime.ForcedEnd{At: t0}), runtime.ErrNotFound, "ForceEnd")
				assert.ErrorIs(t, s.Delete(ctx, bad.text), runtime.ErrNotFound, "Delete")
				page, next, err := s.List(ctx, runtime.ListFilter{FlowSid: bad.text})
				assert.NoError(t, err, "List")
				assert.Empty(t, page)
				assert.Empty(t, next)
				_, _, err = s.List(ctx, runtime.ListFilter{Cursor: "1/" + bad.text})
				assert.ErrorIs(t, err, runtime.ErrRefused, "List with a cursor List never gave")
				release, err := s.Lock(ctx, bad.text)
				if assert.NoError(t, err, "Lock (a name, never stored as text)") {
					release()
				}

				for field, e := range map[string]*runtime.Execution{
					"id":          execution(bad.text, "k2", t0),
					"session key": execution("FN2", bad.text, t0),
					"flow sid":    func() *runtime.Execution { e := execution("FN3", "k3", t0); e.FlowSid = bad.text; return e }(),
				} {
					err := s.Create(ctx, e)
					assert.ErrorContains(t, err, "the "+field+" ", "Create")
					assert.ErrorContains(t, err, bad.why, "Create")
				}
				y := *x
				y.Key = bad.text
				err = s.Save(ctx, &y)
				assert.ErrorContains(t, err, "the session key ", "Save")
				assert.ErrorContains(t, err, bad.why, "Save")
				assert.Equal(t, x.Version, y.Version, "a refused save leaves the version")

				_, err = c.Get(ctx, bad.text)
				assert.ErrorIs(t, err, version.ErrNotFound, "Get")
				_, err = c.GetByName(ctx, version.KindFlow, bad.text)
				assert.ErrorIs(t, err, version.ErrNotFound, "GetByName")
				_, err = c.GetByName(ctx, version.Kind(bad.text), "main")
				assert.ErrorIs(t, err, version.ErrNotFound, "GetByName of a kind")
				_, err = c.GetByAddress(ctx, bad.text)
				assert.ErrorIs(t, err, version.ErrNotFound, "GetByAddress")
				items, err := c.List(ctx, version.Kind(bad.text))
				assert.NoError(t, err, "List")
				assert.Empty(t, items)
				assert.ErrorIs(t, c.Delete(ctx, bad.text, 1), version.ErrNotFound, "Delete")

				for field, it := range map[string]*version.Item{
					"id":   item(bad.text, version.KindFlow, "other", 1),
					"name": item("FW2", version.KindFlow, bad.text, 1),
					"address": func() *version.Item {
						it := item("FW3", version.KindFlow, "third", 1)
						it.Addresses = []string{"+1555", bad.text}
						return it
					}(),
					"module reference": func() *version.Item {
						it := item("FW4", version.KindFlow, "fourth", 1)
						it.References = []string{bad.text}
						return it
					}(),
				} {
					err := c.Put(ctx, it, 0)
					assert.ErrorIs(t, err, version.ErrInvalid, "Put")
					assert.ErrorContains(t, err, "the "+field+" ", "Put")
					assert.ErrorContains(t, err, bad.why, "Put")
				}
			})
		}
		items, err := c.List(ctx, "")
		require.NoError(t, err)
		assert.Len(t, items, 1, "nothing was stored")
		assert.Equal(t, 1, count(t, db, "executions"), "nothing was stored")
	})
}

// Put's update compares the etag itself, behind the catalog lock: a row
// changed by a writer that bypassed the lock, between Put's checks and its
// write, is not overwritten. (PostgreSQL only: on SQLite Put holds the
// database's one write lock, and no other writer comes in between.)
func TestCatalogPutComparesTheEtagAgain(t *testing.T) {
	eachBackend(t, func(t *testing.T, newPlace func(*testing.T) place) {
		db := newPlace(t).Open()
		if db.Dialect() == sqlstore.SQLite {
			t.Skip("SQLite's write lock lets no writer in")
		}
		c := db.Catalog()
		require.NoError(t, c.Put(ctx, item("FW1", version.KindFlow, "main", 1), 0))
		sqlstore.SetPutHook(db, func() {
			_, err := db.SQL().ExecContext(ctx, "UPDATE "+db.Table("items")+" SET etag = 7, stamp = 'theirs' WHERE id = 'FW1'")
			assert.NoError(t, err)
		})
		err := c.Put(ctx, item("FW1", version.KindFlow, "mine", 2), 1)
		assert.ErrorIs(t, err, version.ErrConflict)
		sqlstore.SetPutHook(db, nil)
		got, err := c.Get(ctx, "FW1")
		require.NoError(t, err)
		assert.Equal(t, "main", got.Name, "Put overwrote the row")
		assert.Equal(t, int64(7), got.Etag, "Put overwrote the row")
	})
}
