package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/studioflow/studioflow/runtime"
)

// Executions is the execution store of a *DB: a runtime.Store whose
// records are rows of the executions table. See the package documentation
// for its locks and claims.
type Executions struct{ db *DB }

var _ runtime.Store = (*Executions)(nil)

// row is the columns an execution is stored with.
type row struct {
	flow, status string
	active       bool
	key          any // string, or nil
	version      int64
	format       int
	created      int64
	due          any // int64, or nil
	data         string
}

// encode serializes e, at the version it has, into its row. Its id, flow
// and session key must be storable (see textProblem).
func encode(e *runtime.Execution) (row, error) {
	for _, f := range []struct{ name, value string }{{"id", e.ID}, {"flow sid", e.FlowSid}, {"session key", e.Key}} {
		if err := storable("execution "+strconv.Quote(e.ID), f.name, f.value); err != nil {
			return row{}, err
		}
	}
	data, err := runtime.MarshalExecution(e)
	if err != nil {
		return row{}, fmt.Errorf("sqlstore: encode execution %s: %w", e.ID, err)
	}
	return row{flow: e.FlowSid, status: string(e.Status), active: e.Status == runtime.StatusActive, key: nullString(e.Key),
		version: e.Version, format: e.Format, created: nanos(e.CreatedAt), due: nullNanos(e.DueAt), data: string(data)}, nil
}

// Create implements runtime.Store.
func (s *Executions) Create(ctx context.Context, e *runtime.Execution) error {
	old := e.Version
	e.Version = 1
	r, err := encode(e)
	if err != nil {
		e.Version = old
		return err
	}
	insert := s.db.q(`INSERT INTO {t}executions (id, flow_sid, status, active, session_key, version, format, created_at, due_at, data)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`)
	// A refused insert is looked into: the id taken, or the session's key
	// held by an active execution. When neither is so any more (the holder
	// ended meanwhile), the insert is tried again.
	for range 3 {
		res, err := s.db.pool.ExecContext(ctx, insert, e.ID, r.flow, r.status, r.active, r.key, r.version, r.format, r.created, r.due, r.data)
		var n int64
		if err == nil {
			n, err = res.RowsAffected()
		}
		if err != nil {
			e.Version = old
			return s.db.fail(ctx, "create execution "+e.ID, err)
		}
		if n == 1 {
			return nil
		}
		if err := s.createConflict(ctx, e); err != nil {
			e.Version = old
			return err
		}
	}
	e.Version = old
	return &runtime.ConflictError{Msg: "execution " + e.ID + " was refused by a unique key three times over"}
}

// createConflict says why the database refused to create e: a
// *runtime.ConflictError, or nil when it no longer would.
func (s *Executions) createConflict(ctx context.Context, e *runtime.Execution) error {
	var one int
	err := s.db.pool.QueryRowContext(ctx, s.db.q(`SELECT 1 FROM {t}executions WHERE id = ?`), e.ID).Scan(&one)
	switch {
	case err == nil:
		return &runtime.ConflictError{Msg: "execution " + e.ID + " already exists"}
	case !errors.Is(err, sql.ErrNoRows):
		return s.db.fail(ctx, "create execution "+e.ID, err)
	case e.Key == "" || e.Status != runtime.StatusActive:
		return nil
	}
	id, err := s.active(ctx, e.Key)
	switch {
	case err == nil:
		return &runtime.ConflictError{ActiveID: id, Msg: "the session already has an active execution"}
	case errors.Is(err, sql.ErrNoRows):
		return nil
	}
	return s.db.fail(ctx, "create execution "+e.ID, err)
}

// active returns the id of the active execution holding key, or
// sql.ErrNoRows.
func (s *Executions) active(ctx context.Context, key string) (string, error) {
	if textProblem(key) != "" {
		return "", sql.ErrNoRows // no row can hold it
	}
	var id string
	err := s.db.pool.QueryRowContext(ctx, s.db.q(`SELECT id FROM {t}executions WHERE session_key = ? AND active`), key).Scan(&id)
	return id, err
}

// Load implements runtime.Store. The Version of the execution returned is
// the row's, the one Save compares.
func (s *Executions) Load(ctx context.Context, id string) (*runtime.Execution, error) {
	if p := textProblem(id); p != "" {
		return nil, fmt.Errorf("sqlstore: load execution %q: the id %s: %w", id, p, runtime.ErrNotFound)
	}
	var version int64
	var data string
	err := s.db.pool.QueryRowContext(ctx, s.db.q(`SELECT version, data FROM {t}executions WHERE id = ?`), id).Scan(&version, &data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("sqlstore: load execution %s: %w", id, runtime.ErrNotFound)
	}
	if err != nil {
		return nil, s.db.fail(ctx, "load execution "+id, err)
	}
	x, err := runtime.UnmarshalExecution([]byte(data))
	if err != nil {
		return nil, fmt.Errorf("sqlstore: load execution %s: %w", id, err)
	}
	x.Version = version
	return x, nil
}

// Save implements runtime.Store. It clears the row's claim (see Due).
func (s *Executions) Save(ctx context.Context, e *runtime.Execution) error {
	e.Version++
	r, err := encode(e)
	e.Version--
	if err != nil {
		return err
	}
	res, err := s.db.pool.ExecContext(ctx, s.db.q(`UPDATE {t}executions SET flow_sid = ?, status = ?, active = ?, session_key = ?,
		version = ?, format = ?, created_at = ?, due_at = ?, claimed_until = NULL, claimed_by = NULL, data = ?
		WHERE id = ? AND version = ?`),
		r.flow, r.status, r.active, r.key, r.version, r.format, r.created, r.due, r.data, e.ID, e.Version)
	var n int64
	if err == nil {
		n, err = res.RowsAffected()
	}
	switch {
	case err != nil && isUnique(err) && e.Key != "":
		id, aerr := s.active(ctx, e.Key)
		if aerr != nil {
			id = ""
		}
		return &runtime.ConflictError{ActiveID: id, Msg: fmt.Sprintf("execution %s: the session already has an active execution", e.ID)}
	case err != nil:
		return s.db.fail(ctx, "save execution "+e.ID, err)
	case n == 1:
		e.Version++
		return nil
	}
	var stored int64
	err = s.db.pool.QueryRowContext(ctx, s.db.q(`SELECT version FROM {t}executions WHERE id = ?`), e.ID).Scan(&stored)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("sqlstore: save execution %s: %w", e.ID, runtime.ErrNotFound)
	case err != nil:
		return s.db.fail(ctx, "save execution "+e.ID, err)
	}
	return &runtime.ConflictError{Msg: fmt.Sprintf("execution %s changed since it was loaded (version %d, stored %d)", e.ID, e.Version, stored)}
}

// ForceEnd implements runtime.Store: it rewrites the row as a failed
// execution built from the row's columns, never reading its JSON.
func (s *Executions) ForceEnd(ctx context.Context, id string, end runtime.ForcedEnd) error {
	if p := textProblem(id); p != "" {
		return fmt.Errorf("sqlstore: force end execution %q: the id %s: %w", id, p, runtime.ErrNotFound)
	}
	for {
		var flow string
		var key sql.NullString
		var created, version int64
		err := s.db.pool.QueryRowContext(ctx, s.db.q(`SELECT flow_sid, session_key, created_at, version FROM {t}executions WHERE id = ?`), id).
			Scan(&flow, &key, &created, &version)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("sqlstore: force end execution %s: %w", id, runtime.ErrNotFound)
		}
		if err != nil {
			return s.db.fail(ctx, "force end execution "+id, err)
		}
		r, err := encode(runtime.ForcedExecution(id, flow, key.String, fromNanos(created), version, end))
		if err != nil {
			return err
		}
		res, err := s.db.pool.ExecContext(ctx, s.db.q(`UPDATE {t}executions SET status = ?, active = ?, version = ?, format = ?,
			due_at = NULL, claimed_until = NULL, claimed_by = NULL, data = ? WHERE id = ? AND version = ?`),
			r.status, r.active, r.version, r.format, r.data, id, version)
		var n int64
		if err == nil {
			n, err = res.RowsAffected()
		}
		if err != nil {
			return s.db.fail(ctx, "force end execution "+id, err)
		}
		if n == 1 {
			return nil
		}
		// Saved meanwhile: again, from the new row.
	}
}

// FindActive implements runtime.Store.
func (s *Executions) FindActive(ctx context.Context, key string) (string, error) {
	id, err := s.active(ctx, key)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return "", fmt.Errorf("sqlstore: no active execution holds session %q: %w", key, runtime.ErrNotFound)
	case err != nil:
		return "", s.db.fail(ctx, fmt.Sprintf("find the active execution of session %q", key), err)
	}
	return id, nil
}

// Due implements runtime.Store. It claims what it lists: see the package
// documentation.
func (s *Executions) Due(ctx context.Context, t time.Time, limit int) ([]string, error) {
	template := `UPDATE {t}executions SET claimed_until = ?, claimed_by = ?
		WHERE id IN (SELECT id FROM {t}executions
			WHERE active AND due_at <= ? AND (claimed_until IS NULL OR claimed_until <= ? OR claimed_by = ?)
			ORDER BY due_at, id`
	if limit > 0 {
		template += ` LIMIT ?`
	}
	if s.db.dialect == PostgreSQL {
		template += ` FOR UPDATE SKIP LOCKED`
	}
	template += `) RETURNING id, due_at`
	// A time past what int64 nanoseconds hold (nanos clamps it) is taken
	// one claim lease before the clamp, so that the claim made now still
	// outlasts it: at the clamp itself, a claim would end as it began.
	at := min(nanos(t), math.MaxInt64-int64(s.db.o.claimLease))
	args := []any{later(at, s.db.o.claimLease), s.db.owner, at, at, s.db.owner}
	if limit > 0 {
		args = append(args, limit)
	}
	rows, err := s.db.pool.QueryContext(ctx, s.db.q(template), args...)
	if err != nil {
		return nil, s.db.fail(ctx, "list the due executions", err)
	}
	defer rows.Close()
	type due struct {
		id string
		at int64
	}
	var got []due
	for rows.Next() {
		var d due
		if err := rows.Scan(&d.id, &d.at); err != nil {
			return nil, s.db.fail(ctx, "list the due executions", err)
		}
		got = append(got, d)
	}
	if err := rows.Err(); err != nil {
		return nil, s.db.fail(ctx, "list the due executions", err)
	}
	slices.SortFunc(got, func(a, b due) int {
		if c := cmp.Compare(a.at, b.at); c != 0 {
			return c
		}
		return strings.Compare(a.id, b.id)
	})
	ids := make([]string, len(got))
	for i, d := range got {
		ids[i] = d.id
	}
	return ids, nil
}

// DeleteBefore implements runtime.Store.
func (s *Executions) DeleteBefore(ctx context.Context, t time.Time) (int, error) {
	if t.IsZero() {
		return 0, nil
	}
	res, err := s.db.pool.ExecContext(ctx, s.db.q(`DELETE FROM {t}executions WHERE NOT active AND created_at < ?`), nanos(t))
	var n int64
	if err == nil {
		n, err = res.RowsAffected()
	}
	if err != nil {
		return 0, s.db.fail(ctx, "delete the executions ended before "+t.UTC().Format(time.RFC3339Nano), err)
	}
	return int(n), nil
}

// List implements runtime.Store. Its cursor is runtime.ListCursor's, as
// the in-memory store's is.
func (s *Executions) List(ctx context.Context, f runtime.ListFilter) ([]*runtime.Execution, string, error) {
	limit := f.Limit
	switch {
	case limit <= 0:
		limit = runtime.DefaultListLimit
	case limit > runtime.MaxListLimit:
		limit = runtime.MaxListLimit
	}
	var where []string
	var args []any
	if textProblem(f.FlowSid) != "" || textProblem(string(f.Status)) != "" {
		return nil, "", nil // no row holds them
	}
	if f.FlowSid != "" {
		where, args = append(where, "flow_sid = ?"), append(args, f.FlowSid)
	}
	if f.Status != "" {
		where, args = append(where, "status = ?"), append(args, string(f.Status))
	}
	if f.Done {
		where, args = append(where, "status <> ?"), append(args, string(runtime.StatusActive))
	}
	if !f.CreatedFrom.IsZero() {
		where, args = append(where, "created_at >= ?"), append(args, nanos(f.CreatedFrom))
	}
	if !f.CreatedTo.IsZero() {
		where, args = append(where, "created_at < ?"), append(args, nanos(f.CreatedTo))
	}
	if f.Cursor != "" {
		n, id, err := runtime.ParseListCursor(f.Cursor)
		if err == nil && textProblem(id) != "" {
			err = fmt.Errorf("sqlstore: list: cursor %q is not one List gave: %w", f.Cursor, runtime.ErrRefused)
		}
		if err != nil {
			return nil, "", err
		}
		where, args = append(where, "(created_at < ? OR created_at = ? AND id < ?)"), append(args, n, n, id)
	}
	template := `SELECT id, version, created_at, data FROM {t}executions`
	if len(where) > 0 {
		template += ` WHERE ` + strings.Join(where, " AND ")
	}
	template += ` ORDER BY created_at DESC, id DESC LIMIT ?`
	args = append(args, limit+1)
	rows, err := s.db.pool.QueryContext(ctx, s.db.q(template), args...)
	if err != nil {
		return nil, "", s.db.fail(ctx, "list executions", err)
	}
	defer rows.Close()
	type hit struct {
		id      string
		version int64
		created int64
		data    string
	}
	var hits []hit
	for rows.Next() {
		var h hit
		if err := rows.Scan(&h.id, &h.version, &h.created, &h.data); err != nil {
			return nil, "", s.db.fail(ctx, "list executions", err)
		}
		hits = append(hits, h)
	}
	if err := rows.Err(); err != nil {
		return nil, "", s.db.fail(ctx, "list executions", err)
	}
	next := ""
	if len(hits) > limit {
		hits = hits[:limit]
		last := hits[limit-1]
		next = runtime.ListCursor(last.created, last.id)
	}
	page := make([]*runtime.Execution, 0, len(hits))
	for _, h := range hits {
		x, err := runtime.UnmarshalExecution([]byte(h.data))
		if err != nil {
			return nil, "", fmt.Errorf("sqlstore: list: execution %s: %w", h.id, err)
		}
		x.Version = h.version
		page = append(page, x)
	}
	return page, next, nil
}

// Delete implements runtime.Store.
func (s *Executions) Delete(ctx context.Context, id string) error {
	if p := textProblem(id); p != "" {
		return fmt.Errorf("sqlstore: delete execution %q: the id %s: %w", id, p, runtime.ErrNotFound)
	}
	res, err := s.db.pool.ExecContext(ctx, s.db.q(`DELETE FROM {t}executions WHERE id = ?`), id)
	var n int64
	if err == nil {
		n, err = res.RowsAffected()
	}
	if err != nil {
		return s.db.fail(ctx, "delete execution "+id, err)
	}
	if n == 0 {
		return fmt.Errorf("sqlstore: delete execution %s: %w", id, runtime.ErrNotFound)
	}
	return nil
}

// maxLockNameBytes is the longest lock name Lock takes: room for the
// engine's names, a word and an id or session key (MaxKeyBytes).
const maxLockNameBytes = 2 * MaxKeyBytes

// Lock implements runtime.Store: a lock across processes; see the package
// documentation.
func (s *Executions) Lock(ctx context.Context, key string) (func(), error) {
	if len(key) > maxLockNameBytes {
		return nil, fmt.Errorf("sqlstore: lock %.40q...: the name is %d bytes long, more than the %d a lock's name may be", key, len(key), maxLockNameBytes)
	}
	return s.db.lock(ctx, key)
}
