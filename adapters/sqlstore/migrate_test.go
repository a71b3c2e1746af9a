package sqlstore_test

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studioflow/studioflow/adapters/sqlstore"
	"github.com/studioflow/studioflow/version"
)

// hostTable makes a table of the host's in the place, where the stores'
// tables go.
func hostTable(t *testing.T, p place, ddl string) {
	raw := p.Raw()
	if p.schema != "" {
		_, err := raw.ExecContext(ctx, `CREATE SCHEMA IF NOT EXISTS "`+p.schema+`"`)
		require.NoError(t, err)
	}
	_, err := raw.ExecContext(ctx, fmt.Sprintf(ddl, p.qualify("")))
	require.NoError(t, err)
}

// A table of the host's with a name of the stores' (prefix "") fails the
// migration, naming it, rather than being taken for theirs; the failed
// migration leaves nothing behind.
func TestMigrationRefusesAHostTable(t *testing.T) {
	eachBackend(t, func(t *testing.T, newPlace func(*testing.T) place) {
		p := newPlace(t)
		hostTable(t, p, `CREATE TABLE %sitems (id TEXT PRIMARY KEY, sku TEXT, price INTEGER)`)
		_, err := p.open(sqlstore.WithPrefix(""))
		require.Error(t, err)
		assert.Contains(t, err.Error(), "the table "+p.qualify("items")+" exists already")
		assert.Contains(t, err.Error(), "migration 0002_catalog")

		_, err = p.open(sqlstore.WithPrefix(""), sqlstore.WithoutMigration())
		assert.ErrorContains(t, err, "schema at version 0", "the failed migration was rolled back")
		db := p.Open() // the default prefix is clear of it
		require.NoError(t, db.Catalog().Put(ctx, item("FW1", version.KindFlow, "main", 1), 0))
	})
}

// A migrations table of the host's (prefix "") that names a version
// otherwise is refused.
func TestMigrationRefusesAHostMigrationsTable(t *testing.T) {
	eachBackend(t, func(t *testing.T, newPlace func(*testing.T) place) {
		p := newPlace(t)
		hostTable(t, p, `CREATE TABLE %smigrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL)`)
		_, err := p.Raw().ExecContext(ctx, `INSERT INTO `+p.qualify("migrations")+` (version, name) VALUES (1, 'create_users')`)
		require.NoError(t, err)
		_, err = p.open(sqlstore.WithPrefix(""))
		assert.ErrorContains(t, err, `version 1 is "create_users" there, not "executions": it is not the stores' migrations table`)
		_, err = p.open(sqlstore.WithPrefix(""), sqlstore.WithoutMigration())
		assert.ErrorContains(t, err, `version 1 is "create_users" there, not "executions": it is not the stores' migrations table`)
	})
}

// Open without migrating refuses a schema that lacks a migration, saying
// at which version it is, rather than failing later on a missing table.
func TestOpenWithoutMigrationChecksTheVersion(t *testing.T) {
	eachBackend(t, func(t *testing.T, newPlace func(*testing.T) place) {
		p := newPlace(t)
		need := migrationCount(p.dialect)
		_, err := p.open(sqlstore.WithoutMigration())
		assert.ErrorContains(t, err, fmt.Sprintf("schema at version 0 (%s), this code needs %d: run Migrate", p.qualify("studioflow_migrations"), need))

		db := p.Open()
		_, err = db.SQL().ExecContext(ctx, "DELETE FROM "+db.Table("migrations")+fmt.Sprintf(" WHERE version = %d", need))
		require.NoError(t, err)
		_, err = p.open(sqlstore.WithoutMigration())
		assert.ErrorContains(t, err, fmt.Sprintf("schema at version %d (%s), this code needs %d: run Migrate", need-1, p.qualify("studioflow_migrations"), need))

		name := map[int]string{2: "catalog", 3: "locks"}[need]
		_, err = db.SQL().ExecContext(ctx, fmt.Sprintf("INSERT INTO %s (version, name) VALUES (%d, '%s'), (%d, 'from_a_newer_release')",
			db.Table("migrations"), need, name, need+1))
		require.NoError(t, err)
		later := p.Open(sqlstore.WithoutMigration())
		_, err = later.Executions().FindActive(ctx, "k1")
		assert.ErrorContains(t, err, "no active execution", "a schema migrated further by a newer release serves")
	})
}

// Stores of two prefixes opened at once in one new PostgreSQL schema both
// open: the schema is created once.
func TestTwoPrefixesCreateOneSchema(t *testing.T) {
	if os.Getenv(postgresEnv) == "" {
		t.Skipf("set %s to run it", postgresEnv)
	}
	for range 20 {
		p := postgresPlace(t)
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i, prefix := range []string{"a_", "b_"} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var db *sqlstore.DB
				if db, errs[i] = p.open(sqlstore.WithPrefix(prefix)); errs[i] == nil {
					_ = db.Close()
				}
			}()
		}
		wg.Wait()
		for _, err := range errs {
			require.NoError(t, err)
		}
	}
}

// A database migrated by a release before the locks table (at version 2
// on PostgreSQL, whose locks were advisory locks then) gets it at the next
// Open, executions kept, and its locks exclude.
func TestLocksMigrationUpgradesAnOlderSchema(t *testing.T) {
	eachBackend(t, func(t *testing.T, newPlace func(*testing.T) place) {
		p := newPlace(t)
		db := p.Open()
		require.NoError(t, db.Executions().Create(ctx, execution("FN1", "k1", t0)))
		require.NoError(t, db.Close())
		raw := p.Raw()
		for _, s := range []string{"DROP TABLE " + p.qualify("studioflow_locks"), "DELETE FROM " + p.qualify("studioflow_migrations") + " WHERE version = 3"} {
			_, err := raw.ExecContext(ctx, s)
			require.NoError(t, err)
		}

		a, b := p.Open(), p.Open()
		assert.Equal(t, migrationCount(p.dialect), count(t, a, "migrations"))
		_, err := a.Executions().Load(ctx, "FN1")
		require.NoError(t, err)
		release, err := a.Executions().Lock(ctx, "execution FN1")
		require.NoError(t, err)
		defer release()
		waiting, stop := context.WithCancel(ctx)
		defer stop()
		sqlstore.SetWaitHook(b, func(string) { stop() })
		_, err = b.Executions().Lock(waiting, "execution FN1")
		assert.ErrorIs(t, err, context.Canceled)
	})
}
