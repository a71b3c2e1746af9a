// Package sqlite opens the studioflow SQL stores (package sqlstore) in a
// SQLite database file, through modernc.org/sqlite: pure Go, no cgo.
//
// The file is opened in WAL mode (readers do not wait for the writer),
// with a busy timeout of 10 s (a writer waits for another, of this or
// another process, rather than failing), foreign keys on, and
// synchronous=NORMAL (a commit survives a crash of the process; a power
// cut may lose the last ones, never corrupt the file). Several processes
// may open one file on one machine: the stores' locks are leases in the
// database (see package sqlstore). Not over a network file system, where
// SQLite's own locking is unreliable.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	_ "modernc.org/sqlite" // the "sqlite" database/sql driver

	"github.com/studioflow/studioflow/adapters/sqlstore"
)

// MaxConns bounds the connections Open's pool keeps to the file: one
// writes at a time, the others read.
const MaxConns = 4

// pragmas are set on every connection.
const pragmas = "_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)"

// Open opens (creating it if need be) the SQLite database file at path and
// sets up the stores there (see sqlstore.Open for the options;
// sqlstore.WithSchema is refused). Close the *DB to close the file.
func Open(ctx context.Context, path string, opts ...sqlstore.Option) (*sqlstore.DB, error) {
	if path == "" || path == ":memory:" || strings.HasPrefix(path, "file:") {
		return nil, fmt.Errorf("sqlite: %q is not the path of a database file", path)
	}
	dsn := "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + pragmas
	pool, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	pool.SetMaxOpenConns(MaxConns)
	pool.SetMaxIdleConns(MaxConns)
	if err := connect(ctx, pool); err != nil {
		pool.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	all := append([]sqlstore.Option{sqlstore.WithClose(pool)}, opts...)
	return sqlstore.Open(ctx, pool, sqlstore.SQLite, all...)
}

// connect opens the pool's first connection. While another connection,
// of this process or another, switches a new file to WAL mode, SQLite
// refuses a connection's journal_mode pragma with SQLITE_BUSY at once,
// without waiting out the busy timeout: processes opening a new file
// together would fail. connect tries again, for about the busy timeout.
func connect(ctx context.Context, pool *sql.DB) error {
	pause := time.Millisecond
	waited := time.Duration(0)
	for {
		err := pool.PingContext(ctx)
		var lite interface{ Code() int }
		if err == nil || !errors.As(err, &lite) || lite.Code()&0xff != 5 || waited >= 10*time.Second {
			return err
		}
		t := time.NewTimer(pause)
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
		waited += pause
		pause = min(2*pause, 50*time.Millisecond)
	}
}
