package sqlstore

import (
	"context"
	"embed"
	"fmt"
	"path"
	"sort"
	"strconv"
	"strings"
)

// migrationFiles are the migrations, one folder per dialect, each file
// named NNNN_name.sql: its version, then what it does. A file holds
// statements ending with ";" at the end of a line; {t} and {p} are
// replaced as in DB.q.
//
//go:embed migrations
var migrationFiles embed.FS

// migration is one step of the schema.
type migration struct {
	version    int
	name       string
	statements []string
}

// migrations returns dialect d's migrations, by version.
func migrations(d Dialect) ([]migration, error) {
	dir := path.Join("migrations", string(d))
	entries, err := migrationFiles.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: migrations of %s: %w", d, err)
	}
	var ms []migration
	for _, e := range entries {
		num, name, ok := strings.Cut(strings.TrimSuffix(e.Name(), ".sql"), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("sqlstore: migration file %s is not named NNNN_name.sql", e.Name())
		}
		data, err := migrationFiles.ReadFile(path.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: name, statements: splitStatements(string(data))})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	return ms, nil
}

// splitStatements splits a migration file into its statements, dropping
// comment lines.
func splitStatements(src string) []string {
	var out []string
	var cur strings.Builder
	for _, line := range strings.Split(src, "\n") {
		if t := strings.TrimSpace(line); t == "" || strings.HasPrefix(t, "--") {
			continue
		}
		cur.WriteString(line)
		cur.WriteByte('\n')
		if strings.HasSuffix(strings.TrimSpace(line), ";") {
			out = append(out, strings.TrimSpace(cur.String()))
			cur.Reset()
		}
	}
	if s := strings.TrimSpace(cur.String()); s != "" {
		out = append(out, s)
	}
	return out
}

// Migrate brings the schema up to date: it applies, in order, each
// migration the migrations table does not list, recording it there in the
// transaction that applies it, all under a lock that makes concurrent
// calls (of this and other processes) wait for each other. Open calls it
// unless WithoutMigration is given; calling it again does nothing.
func (db *DB) Migrate(ctx context.Context) error {
	ms, err := migrations(db.dialect)
	if err != nil {
		return err
	}
	return db.inTx(ctx, "migrate", "migrate", func(q querier) error {
		if db.o.schema != "" {
			var n int
			if err := q.QueryRowContext(ctx, "SELECT count(*) FROM pg_namespace WHERE nspname = $1", db.o.schema).Scan(&n); err != nil {
				return db.fail(ctx, "migrate: look for schema "+db.o.schema, err)
			}
			// Only when missing: CREATE SCHEMA IF NOT EXISTS needs the right
			// to create schemas even when the schema exists.
			if n == 0 {
				if _, err := q.ExecContext(ctx, `CREATE SCHEMA "`+db.o.schema+`"`); err != nil {
					return db.fail(ctx, "migrate: create schema "+db.o.schema, err)
				}
			}
		}
		table := `CREATE TABLE IF NOT EXISTS {t}migrations (
			version    INTEGER PRIMARY KEY,
			name       TEXT NOT NULL,
			applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
		)`
		if db.dialect == PostgreSQL {
			table = `CREATE TABLE IF NOT EXISTS {t}migrations (
				version    INTEGER PRIMARY KEY,
				name       TEXT NOT NULL,
				applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
			)`
		}
		if _, err := q.ExecContext(ctx, db.q(table)); err != nil {
			return db.fail(ctx, "migrate: create the migrations table", err)
		}
		applied := map[int]bool{}
		rows, err := q.QueryContext(ctx, db.q(`SELECT version FROM {t}migrations`))
		if err != nil {
			return db.fail(ctx, "migrate: read the migrations applied", err)
		}
		for rows.Next() {
			var v int
			if err := rows.Scan(&v); err != nil {
				rows.Close()
				return db.fail(ctx, "migrate: read the migrations applied", err)
			}
			applied[v] = true
		}
		if err := rows.Close(); err != nil {
			return db.fail(ctx, "migrate: read the migrations applied", err)
		}
		if err := rows.Err(); err != nil {
			return db.fail(ctx, "migrate: read the migrations applied", err)
		}
		for _, m := range ms {
			if applied[m.version] {
				continue
			}
			what := fmt.Sprintf("migrate: migration %04d_%s", m.version, m.name)
			for _, s := range m.statements {
				if _, err := q.ExecContext(ctx, db.q(s)); err != nil {
					return db.fail(ctx, what, err)
				}
			}
			if _, err := q.ExecContext(ctx, db.q(`INSERT INTO {t}migrations (version, name) VALUES (?, ?)`), m.version, m.name); err != nil {
				return db.fail(ctx, what+": record it", err)
			}
		}
		return nil
	})
}
