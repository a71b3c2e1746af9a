package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/studioflow/studioflow/adapters/sqlstore"
	"github.com/studioflow/studioflow/adapters/twilio"
)

// sqlReplay is the Twilio adapter's ReplayStore and ReplayClaimer in the
// server's own database (table replay, beside the stores' tables), so
// that instances sharing a PostgreSQL database answer Twilio's retries of
// a webhook once, whichever instance each retry reaches, even while the
// first delivery still runs on another.
//
// A row is one delivery: its claim (claimed_until, Unix nanoseconds) and,
// once kept, its response. Get sees only responses, Put leaves the claim
// as it is, as twilio.ReplayClaimer asks. Rows older than replayKeep are
// pruned (prune). Claims are timed by each instance's clock: instances
// whose clocks differ by more than a claim's minute could both run a
// retry, which the engine's wait tokens then make the second refuse (a
// message's retry aside).
type sqlReplay struct {
	db    *sqlstore.DB
	pool  *sql.DB
	table string
	now   func() time.Time
	// claims are this instance's claims in force, by key: the
	// claimed_until each wrote, so that Release frees only its own.
	claims sync.Map
}

// replayKeep is how long a response is kept: longer than Twilio retries.
const replayKeep = 24 * time.Hour

var _ twilio.ReplayClaimer = (*sqlReplay)(nil)

// newSQLReplay creates the table if it is not there.
func newSQLReplay(ctx context.Context, db *sqlstore.DB, now func() time.Time) (*sqlReplay, error) {
	r := &sqlReplay{db: db, pool: db.SQL(), table: db.Table("replay"), now: now}
	blob := "BLOB"
	if db.Dialect() == sqlstore.PostgreSQL {
		blob = "BYTEA"
	}
	ddl := "CREATE TABLE IF NOT EXISTS " + r.table + ` (
		id TEXT PRIMARY KEY,
		status INTEGER,
		content_type TEXT,
		body ` + blob + `,
		claimed_until BIGINT NOT NULL DEFAULT 0,
		at BIGINT NOT NULL)`
	var err error
	for range 3 { // instances creating it at once may collide once on PostgreSQL
		if _, err = r.pool.ExecContext(ctx, ddl); err == nil {
			return r, nil
		}
	}
	return nil, fmt.Errorf("studioserver: create the replay table: %w", err)
}

// q is s with the table's name for {t}, in the dialect's placeholders.
func (r *sqlReplay) q(s string) string {
	return r.db.Rebind(strings.ReplaceAll(s, "{t}", r.table))
}

// Get implements twilio.ReplayStore.
func (r *sqlReplay) Get(ctx context.Context, key string) (twilio.Response, bool, error) {
	var resp twilio.Response
	var contentType sql.NullString
	err := r.pool.QueryRowContext(ctx, r.q("SELECT status, content_type, body FROM {t} WHERE id = ? AND status IS NOT NULL"), key).
		Scan(&resp.Status, &contentType, &resp.Body)
	if errors.Is(err, sql.ErrNoRows) {
		return twilio.Response{}, false, nil
	}
	if err != nil {
		return twilio.Response{}, false, err
	}
	resp.ContentType = contentType.String
	return resp, true, nil
}

// Put implements twilio.ReplayStore; the row's claim stays.
func (r *sqlReplay) Put(ctx context.Context, key string, resp twilio.Response) error {
	r.claims.Delete(key) // done with: a kept response is never released
	_, err := r.pool.ExecContext(ctx, r.q(`INSERT INTO {t} AS r (id, status, content_type, body, at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET status = excluded.status, content_type = excluded.content_type, body = excluded.body, at = excluded.at`),
		key, resp.Status, resp.ContentType, resp.Body, r.now().UnixNano())
	return err
}

// Claim implements twilio.ReplayClaimer: a row with no response and no
// claim in force is claimed, in one statement.
func (r *sqlReplay) Claim(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	now := r.now()
	until := now.Add(ttl).UnixNano()
	res, err := r.pool.ExecContext(ctx, r.q(`INSERT INTO {t} AS r (id, claimed_until, at) VALUES (?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET claimed_until = excluded.claimed_until, at = excluded.at
		WHERE r.status IS NULL AND r.claimed_until < ?`),
		key, until, now.UnixNano(), now.UnixNano())
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	if err != nil || n != 1 {
		return false, err
	}
	r.claims.Store(key, until)
	return true, nil
}

// Release implements twilio.ReplayClaimer: it frees this instance's
// claim on key only, not one another instance took after it expired.
func (r *sqlReplay) Release(ctx context.Context, key string) error {
	until, ok := r.claims.LoadAndDelete(key)
	if !ok {
		return nil
	}
	_, err := r.pool.ExecContext(ctx, r.q("UPDATE {t} SET claimed_until = 0 WHERE id = ? AND status IS NULL AND claimed_until = ?"), key, until)
	return err
}

// prune deletes the rows older than replayKeep, and reports how many.
func (r *sqlReplay) prune(ctx context.Context) (int64, error) {
	res, err := r.pool.ExecContext(ctx, r.q("DELETE FROM {t} WHERE at < ?"), r.now().Add(-replayKeep).UnixNano())
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
