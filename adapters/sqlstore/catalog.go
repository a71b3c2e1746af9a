package sqlstore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync"

	"github.com/studioflow/studioflow/version"
)

// Catalog is the catalog store of a *DB: a version.Store whose items are
// rows of the items table, their addresses and referenced modules rows of
// tables of their own. Writes are transactions that exclude each other
// (an advisory transaction lock on PostgreSQL, SQLite's write lock), so
// each checks its etag and the catalog's rules against a catalog nobody
// else is changing, as the in-memory store does under its mutex; the
// unique keys (name per kind, address) and an update that names the etag
// it checked back the checks up.
//
// Every write gives the row a new random stamp, and the Catalog keeps the
// items it decoded (up to 1024) by id and stamp: a getter asks the
// database for the id and stamp, and decodes the JSON, every version's
// definition, only when it has not got that stamp. The engine resolves a
// flow through the catalog at every start and resume, so this saves
// decoding an item's whole history each time. The items returned are
// shared, as version.Store says: neither side modifies them.
type Catalog struct {
	db *DB

	mu    sync.Mutex
	cache map[string]cachedItem // by id
}

// cachedItem is an item as the write that gave it stamp stored it.
type cachedItem struct {
	stamp string
	item  *version.Item
}

// itemCacheSize bounds the items a Catalog keeps decoded.
const itemCacheSize = 1024

var _ version.Store = (*Catalog)(nil)

// catalogLock names the lock every catalog write takes.
const catalogLock = "catalog"

// Get implements version.Store.
func (c *Catalog) Get(ctx context.Context, id string) (*version.Item, error) {
	return c.get(ctx, "get item "+id, fmt.Sprintf("no item %q", id), `SELECT id, stamp FROM {t}items WHERE id = ?`, id)
}

// GetByName implements version.Store.
func (c *Catalog) GetByName(ctx context.Context, kind version.Kind, name string) (*version.Item, error) {
	return c.get(ctx, fmt.Sprintf("get the %s named %q", kind, name), fmt.Sprintf("no %s named %q", kind, name),
		`SELECT id, stamp FROM {t}items WHERE kind = ? AND name = ?`, string(kind), name)
}

// GetByAddress implements version.Store.
func (c *Catalog) GetByAddress(ctx context.Context, address string) (*version.Item, error) {
	return c.get(ctx, fmt.Sprintf("get the item at address %q", address), fmt.Sprintf("no flow is assigned to address %q", address),
		`SELECT i.id, i.stamp FROM {t}items i JOIN {t}item_addresses a ON a.item_id = i.id WHERE a.address = ?`, address)
}

// get returns the item whose id and stamp the query finds, or an error
// wrapping version.ErrNotFound that says missing.
func (c *Catalog) get(ctx context.Context, what, missing, query string, args ...any) (*version.Item, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for _, a := range args {
		if textProblem(a.(string)) != "" { // no row can hold it
			return nil, fmt.Errorf("sqlstore: %s: %w", missing, version.ErrNotFound)
		}
	}
	for {
		var id, stamp string
		err := c.db.pool.QueryRowContext(ctx, c.db.q(query), args...).Scan(&id, &stamp)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("sqlstore: %s: %w", missing, version.ErrNotFound)
		}
		if err != nil {
			return nil, c.db.fail(ctx, what, err)
		}
		if it := c.cached(id, stamp); it != nil {
			return it, nil
		}
		var etag int64
		var data string
		err = c.db.pool.QueryRowContext(ctx, c.db.q(`SELECT etag, data FROM {t}items WHERE id = ? AND stamp = ?`), id, stamp).Scan(&etag, &data)
		if errors.Is(err, sql.ErrNoRows) {
			continue // written meanwhile: find it again
		}
		if err != nil {
			return nil, c.db.fail(ctx, what, err)
		}
		it, err := decodeItem(id, etag, data)
		if err != nil {
			return nil, err
		}
		c.keep(id, stamp, it)
		return it, nil
	}
}

// cached returns the item id as stamp's write stored it, if kept.
func (c *Catalog) cached(id, stamp string) *version.Item {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.cache[id]; ok && e.stamp == stamp {
		return e.item
	}
	return nil
}

// keep keeps it, as stamp's write stored it; nil forgets the id.
func (c *Catalog) keep(id, stamp string, it *version.Item) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if it == nil {
		delete(c.cache, id)
		return
	}
	if c.cache == nil {
		c.cache = map[string]cachedItem{}
	}
	if _, ok := c.cache[id]; !ok && len(c.cache) >= itemCacheSize {
		for other := range c.cache { // any one
			delete(c.cache, other)
			break
		}
	}
	c.cache[id] = cachedItem{stamp: stamp, item: it}
}

// decodeItem reads an item's JSON; its Etag is the row's.
func decodeItem(id string, etag int64, data string) (*version.Item, error) {
	it := &version.Item{}
	if err := json.Unmarshal([]byte(data), it); err != nil {
		return nil, fmt.Errorf("sqlstore: catalog item %s does not decode: %w", id, err)
	}
	it.Etag = etag
	return it, nil
}

// List implements version.Store. The items come ordered by id.
func (c *Catalog) List(ctx context.Context, kind version.Kind) ([]*version.Item, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if textProblem(string(kind)) != "" {
		return nil, nil // no row holds it
	}
	query, args := `SELECT id, stamp, etag, data FROM {t}items ORDER BY id`, []any(nil)
	if kind != "" {
		query, args = `SELECT id, stamp, etag, data FROM {t}items WHERE kind = ? ORDER BY id`, []any{string(kind)}
	}
	rows, err := c.db.pool.QueryContext(ctx, c.db.q(query), args...)
	if err != nil {
		return nil, c.db.fail(ctx, "list items", err)
	}
	defer rows.Close()
	var out []*version.Item
	for rows.Next() {
		var id, stamp, data string
		var etag int64
		if err := rows.Scan(&id, &stamp, &etag, &data); err != nil {
			return nil, c.db.fail(ctx, "list items", err)
		}
		it := c.cached(id, stamp)
		if it == nil {
			if it, err = decodeItem(id, etag, data); err != nil {
				return nil, err
			}
			c.keep(id, stamp, it)
		}
		out = append(out, it)
	}
	if err := rows.Err(); err != nil {
		return nil, c.db.fail(ctx, "list items", err)
	}
	return out, nil
}

// stored is what a write needs of the stored item.
type stored struct {
	etag       int64
	kind, name string
}

// current returns the stored item id, or nil.
func (c *Catalog) current(ctx context.Context, q querier, what, id string) (*stored, error) {
	var s stored
	err := q.QueryRowContext(ctx, c.db.q(`SELECT etag, kind, name FROM {t}items WHERE id = ?`), id).Scan(&s.etag, &s.kind, &s.name)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil, nil
	case err != nil:
		return nil, c.db.fail(ctx, what, err)
	}
	return &s, nil
}

// checkEtag is the compare-and-swap of a write naming etag.
func checkEtag(id string, cur *stored, etag int64) error {
	switch {
	case cur == nil && etag != 0:
		return fmt.Errorf("sqlstore: item %s no longer exists: %w", id, version.ErrConflict)
	case cur != nil && cur.etag != etag:
		return fmt.Errorf("sqlstore: item %s has etag %d, not %d: %w", id, cur.etag, etag, version.ErrConflict)
	}
	return nil
}

// unreferenced returns a conflict when an item other than module id
// references the module name.
func (c *Catalog) unreferenced(ctx context.Context, q querier, what, id, name string) error {
	var other string
	err := q.QueryRowContext(ctx, c.db.q(`SELECT item_id FROM {t}item_references WHERE module_name = ? AND item_id <> ? ORDER BY item_id LIMIT 1`),
		name, id).Scan(&other)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil
	case err != nil:
		return c.db.fail(ctx, what, err)
	}
	return fmt.Errorf("sqlstore: module %q is referenced by %s: %w", name, other, version.ErrConflict)
}

// Put implements version.Store: it stores item if the stored item with
// its ID has Etag etag (or, for etag 0, if there is none), its name is
// free in its kind, its addresses are free, and it does not rename a
// referenced module.
func (c *Catalog) Put(ctx context.Context, item *version.Item, etag int64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := storableItem(item); err != nil {
		return err
	}
	data, err := json.Marshal(item)
	if err != nil {
		return fmt.Errorf("sqlstore: encode item %s: %w", item.ID, err)
	}
	var b [16]byte
	_, _ = rand.Read(b[:])
	stamp := hex.EncodeToString(b[:])
	what := "put item " + item.ID
	err = c.db.inTx(ctx, what, catalogLock, func(q querier) error {
		cur, err := c.current(ctx, q, what, item.ID)
		if err != nil {
			return err
		}
		if err := checkEtag(item.ID, cur, etag); err != nil {
			return err
		}
		var other string
		err = q.QueryRowContext(ctx, c.db.q(`SELECT id FROM {t}items WHERE kind = ? AND name = ? AND id <> ?`),
			string(item.Kind), item.Name, item.ID).Scan(&other)
		switch {
		case err == nil:
			return fmt.Errorf("sqlstore: %s name %q is taken by %s: %w", item.Kind, item.Name, other, version.ErrConflict)
		case !errors.Is(err, sql.ErrNoRows):
			return c.db.fail(ctx, what, err)
		}
		for _, a := range item.Addresses {
			err := q.QueryRowContext(ctx, c.db.q(`SELECT item_id FROM {t}item_addresses WHERE address = ? AND item_id <> ?`),
				a, item.ID).Scan(&other)
			switch {
			case err == nil:
				return fmt.Errorf("sqlstore: address %q is assigned to %s: %w", a, other, version.ErrConflict)
			case !errors.Is(err, sql.ErrNoRows):
				return c.db.fail(ctx, what, err)
			}
		}
		if cur != nil && version.Kind(cur.kind) == version.KindModule && cur.name != item.Name {
			if err := c.unreferenced(ctx, q, what, item.ID, cur.name); err != nil {
				return err
			}
		}
		if c.db.onPut != nil {
			c.db.onPut()
		}
		if cur == nil {
			_, err = q.ExecContext(ctx, c.db.q(`INSERT INTO {t}items (id, kind, name, etag, stamp, data) VALUES (?, ?, ?, ?, ?, ?)`),
				item.ID, string(item.Kind), item.Name, item.Etag, stamp, string(data))
		} else {
			// The etag again: the catalog lock makes the check above hold,
			// and this backs it up (a row changed without the lock is not
			// overwritten).
			var res sql.Result
			res, err = q.ExecContext(ctx, c.db.q(`UPDATE {t}items SET kind = ?, name = ?, etag = ?, stamp = ?, data = ? WHERE id = ? AND etag = ?`),
				string(item.Kind), item.Name, item.Etag, stamp, string(data), item.ID, cur.etag)
			var n int64
			if err == nil {
				n, err = res.RowsAffected()
			}
			if err == nil && n != 1 {
				return fmt.Errorf("sqlstore: item %s changed while it was written (etag %d no longer stored): %w", item.ID, cur.etag, version.ErrConflict)
			}
			if err == nil {
				_, err = q.ExecContext(ctx, c.db.q(`DELETE FROM {t}item_addresses WHERE item_id = ?`), item.ID)
			}
			if err == nil {
				_, err = q.ExecContext(ctx, c.db.q(`DELETE FROM {t}item_references WHERE item_id = ?`), item.ID)
			}
		}
		for _, a := range item.Addresses {
			if err != nil {
				break
			}
			_, err = q.ExecContext(ctx, c.db.q(`INSERT INTO {t}item_addresses (address, item_id) VALUES (?, ?) ON CONFLICT DO NOTHING`), a, item.ID)
		}
		for _, m := range item.References {
			if err != nil {
				break
			}
			_, err = q.ExecContext(ctx, c.db.q(`INSERT INTO {t}item_references (item_id, module_name) VALUES (?, ?) ON CONFLICT DO NOTHING`), item.ID, m)
		}
		switch {
		case err != nil && isUnique(err):
			return fmt.Errorf("sqlstore: %s: %w: %v", what, version.ErrConflict, err)
		case err != nil:
			return c.db.fail(ctx, what, err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	// The item written is shared from now on (version.Store): kept as it
	// is, the next getter need not decode it.
	c.keep(item.ID, stamp, item)
	return nil
}

// storableItem refuses an item whose id, kind, name, addresses or module
// references no database row could hold (see textProblem), naming the
// field: an error wrapping version.ErrInvalid.
func storableItem(item *version.Item) error {
	what := "put item " + strconv.Quote(item.ID)
	fields := []struct{ name, value string }{{"id", item.ID}, {"kind", string(item.Kind)}, {"name", item.Name}}
	for _, a := range item.Addresses {
		fields = append(fields, struct{ name, value string }{"address", a})
	}
	for _, m := range item.References {
		fields = append(fields, struct{ name, value string }{"module reference", m})
	}
	for _, f := range fields {
		if err := storable(what, f.name, f.value); err != nil {
			return fmt.Errorf("%w: %w", err, version.ErrInvalid)
		}
	}
	return nil
}

// Delete implements version.Store: it removes the item with that ID if its
// Etag is etag and, for a module, no other item references it.
func (c *Catalog) Delete(ctx context.Context, id string, etag int64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if p := textProblem(id); p != "" {
		return fmt.Errorf("sqlstore: no item %q (the id %s): %w", id, p, version.ErrNotFound)
	}
	what := "delete item " + id
	return c.db.inTx(ctx, what, catalogLock, func(q querier) error {
		cur, err := c.current(ctx, q, what, id)
		if err != nil {
			return err
		}
		if cur == nil {
			return fmt.Errorf("sqlstore: no item %q: %w", id, version.ErrNotFound)
		}
		if err := checkEtag(id, cur, etag); err != nil {
			return err
		}
		if version.Kind(cur.kind) == version.KindModule {
			if err := c.unreferenced(ctx, q, what, id, cur.name); err != nil {
				return err
			}
		}
		for _, query := range []string{
			`DELETE FROM {t}item_addresses WHERE item_id = ?`,
			`DELETE FROM {t}item_references WHERE item_id = ?`,
			`DELETE FROM {t}items WHERE id = ?`,
		} {
			if _, err := q.ExecContext(ctx, c.db.q(query), id); err != nil {
				return c.db.fail(ctx, what, err)
			}
		}
		c.keep(id, "", nil)
		return nil
	})
}
