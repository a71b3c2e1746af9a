// Package postgres opens the studioflow SQL stores (package sqlstore) in a
// PostgreSQL database, through pgx's database/sql driver
// (github.com/jackc/pgx/v5/stdlib).
//
// Open makes two pools from one DSN: the stores' queries run on the
// first; the second is the connection every advisory lock the *DB holds
// lives on (see package sqlstore), however many it holds, kept out of
// the first so that the queries keep all of theirs. A *DB uses at most
// MaxConns + MaxLockConns connections (16 + 1): size the server's
// max_connections for that many per *DB, or change the first limit
// through db.SQL().
//
// The locks are session advisory locks: behind a connection pooler, it
// must give each client connection a server connection of its own for the
// session's life (PgBouncer's session mode, not its transaction mode).
//
// database/sql rather than pgxpool: the stores are written once, over
// database/sql, for both PostgreSQL and SQLite; pgx's stdlib driver still
// speaks the binary protocol and caches prepared statements per
// connection.
package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/studioflow/studioflow/adapters/sqlstore"
)

// The pool sizes Open sets.
const (
	// MaxConns bounds the connections of the stores' queries.
	MaxConns = 16
	// MaxLockConns is the size of the lock pool: the connections the *DB
	// holds its advisory locks on (sqlstore.LockConns), whatever the
	// number of locks it holds.
	MaxLockConns = sqlstore.LockConns
)

// Open connects to the PostgreSQL database dsn names (a URL,
// postgres://user@host:5432/db?sslmode=disable, or key=value pairs, as
// pgx.ParseConfig reads them), checks that it answers, and sets up the
// stores there (see sqlstore.Open for the options). Close the *DB to close
// its pools.
func Open(ctx context.Context, dsn string, opts ...sqlstore.Option) (*sqlstore.DB, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	pool := stdlib.OpenDB(*cfg)
	pool.SetMaxOpenConns(MaxConns)
	pool.SetMaxIdleConns(MaxConns)
	pool.SetConnMaxIdleTime(5 * time.Minute)
	locks := stdlib.OpenDB(*cfg)
	locks.SetMaxOpenConns(MaxLockConns)
	locks.SetMaxIdleConns(MaxLockConns)
	locks.SetConnMaxIdleTime(5 * time.Minute)
	if err := pool.PingContext(ctx); err != nil {
		pool.Close()
		locks.Close()
		return nil, fmt.Errorf("postgres: connect: %w", err)
	}
	all := append([]sqlstore.Option{sqlstore.WithLockPool(locks), sqlstore.WithClose(pool, locks)}, opts...)
	return sqlstore.Open(ctx, pool, sqlstore.PostgreSQL, all...)
}
