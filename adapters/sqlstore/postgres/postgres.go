// Package postgres opens the studioflow SQL stores (package sqlstore) in a
// PostgreSQL database, through pgx's database/sql driver
// (github.com/jackc/pgx/v5/stdlib).
//
// Open makes one pool from the DSN, of at most MaxConns connections (size
// the server's max_connections for that many per *DB, or change the limit
// through db.SQL()). The stores' locks hold no connection: they are
// leases, rows of a table, taken, renewed and released by statements
// through the pool like the stores' other queries (see package sqlstore).
// So a connection that drops, or that a pooler or an administrator ends,
// takes no lock with it, and the stores keep no state in a session beyond
// a transaction. Behind a connection pooler in transaction mode, it must
// handle the prepared statements pgx caches per connection (PgBouncer
// 1.21 or later, with max_prepared_statements set), or run in session
// mode.
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

// MaxConns bounds the connections of the pool Open makes.
const MaxConns = 16

// Open connects to the PostgreSQL database dsn names (a URL,
// postgres://user@host:5432/db?sslmode=disable, or key=value pairs, as
// pgx.ParseConfig reads them), checks that it answers, and sets up the
// stores there (see sqlstore.Open for the options). Close the *DB to close
// its pool.
func Open(ctx context.Context, dsn string, opts ...sqlstore.Option) (*sqlstore.DB, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	pool := stdlib.OpenDB(*cfg)
	pool.SetMaxOpenConns(MaxConns)
	pool.SetMaxIdleConns(MaxConns)
	pool.SetConnMaxIdleTime(5 * time.Minute)
	if err := pool.PingContext(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: connect: %w", err)
	}
	all := append([]sqlstore.Option{sqlstore.WithClose(pool)}, opts...)
	return sqlstore.Open(ctx, pool, sqlstore.PostgreSQL, all...)
}
