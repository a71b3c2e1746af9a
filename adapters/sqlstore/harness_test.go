package sqlstore_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, to drop the test schemas
	"github.com/stretchr/testify/require"

	"github.com/studioflow/studioflow/adapters/sqlstore"
	"github.com/studioflow/studioflow/adapters/sqlstore/postgres"
	"github.com/studioflow/studioflow/adapters/sqlstore/sqlite"
)

// postgresEnv names the variable holding the DSN of the PostgreSQL
// database the tests may use; without it they skip.
const postgresEnv = "STUDIOFLOW_TEST_POSTGRES"

var ctx = context.Background()

// place is one database, new for a test, that stores can be opened in
// (several times: separate handles, as separate processes would have).
type place struct {
	t       *testing.T
	dialect sqlstore.Dialect
	open    func(opts ...sqlstore.Option) (*sqlstore.DB, error)
	// schema is the PostgreSQL schema, "" for SQLite.
	schema string
	// raw connects to the database as the host would, without the stores.
	raw func() (*sql.DB, error)
}

// Raw returns a pool on the place's database that is not the stores',
// for the host's own statements; closed when the test ends.
func (p place) Raw() *sql.DB {
	p.t.Helper()
	db, err := p.raw()
	require.NoError(p.t, err)
	p.t.Cleanup(func() { _ = db.Close() })
	return db
}

// qualify is how Table names a table of the place.
func (p place) qualify(table string) string {
	if p.schema == "" {
		return table
	}
	return `"` + p.schema + `".` + table
}

// Open opens a handle on the place, closed when the test ends.
func (p place) Open(opts ...sqlstore.Option) *sqlstore.DB {
	p.t.Helper()
	db, err := p.open(opts...)
	require.NoError(p.t, err)
	p.t.Cleanup(func() { _ = db.Close() })
	return db
}

// backend makes places of one database engine.
type backend struct {
	name     string
	newPlace func(t *testing.T) place
}

// backends are SQLite, always, and PostgreSQL when postgresEnv is set.
func backends() []backend {
	return []backend{{"sqlite", sqlitePlace}, {"postgres", postgresPlace}}
}

// eachBackend runs f as a subtest per backend, skipping PostgreSQL when
// postgresEnv is not set.
func eachBackend(t *testing.T, f func(t *testing.T, newPlace func(t *testing.T) place)) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			if b.name == "postgres" && os.Getenv(postgresEnv) == "" {
				t.Skipf("PostgreSQL tests skipped: set %s to the DSN of a database to run them in, such as "+
					"%s=postgres://postgres@127.0.0.1:5432/test?sslmode=disable go test ./...", postgresEnv, postgresEnv)
			}
			f(t, b.newPlace)
		})
	}
}

// sqlitePlace is a new database file in the test's temporary folder.
func sqlitePlace(t *testing.T) place {
	path := filepath.Join(t.TempDir(), "studioflow.db")
	return place{t: t, dialect: sqlstore.SQLite, open: func(opts ...sqlstore.Option) (*sqlstore.DB, error) {
		return sqlite.Open(ctx, path, opts...)
	}, raw: func() (*sql.DB, error) {
		return sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	}}
}

// postgresPlace is a new schema of a random name in the database
// postgresEnv names, dropped with all it holds when the test ends.
func postgresPlace(t *testing.T) place {
	dsn := os.Getenv(postgresEnv)
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "studioflow_test_" + hex.EncodeToString(b[:])
	t.Cleanup(func() {
		admin, err := sql.Open("pgx", dsn)
		require.NoError(t, err)
		defer admin.Close()
		_, err = admin.ExecContext(ctx, `DROP SCHEMA IF EXISTS "`+schema+`" CASCADE`)
		require.NoError(t, err)
	})
	return place{t: t, dialect: sqlstore.PostgreSQL, schema: schema, open: func(opts ...sqlstore.Option) (*sqlstore.DB, error) {
		return postgres.Open(ctx, dsn, append([]sqlstore.Option{sqlstore.WithSchema(schema)}, opts...)...)
	}, raw: func() (*sql.DB, error) {
		return sql.Open("pgx", dsn)
	}}
}
