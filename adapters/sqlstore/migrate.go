package sqlstore

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"path"
	"regexp"
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
//
// A migration creates its tables and indexes with CREATE TABLE and CREATE
// INDEX, never IF NOT EXISTS: one of the host's by the same name (WithPrefix
// "" over the host's own items table, say) fails the migration, naming
// it, rather than being taken for the stores'. For the same reason a
// migrations table that names a version otherwise than this code does is
// refused.
func (db *DB) Migrate(ctx context.Context) error {
	ms, err := migrations(db.dialect)
	if err != nil {
		return err
	}
	return db.inTx(ctx, "migrate", "migrate", func(q querier) error {
		if db.o.schema != "" {
			// The migrate lock is per prefix: stores of other prefixes may be
			// creating the schema at the same time. This lock is the
			// schema's, taken after the migrate lock by every migrator.
			if _, err := q.ExecContext(ctx, "SELECT pg_advisory_xact_lock($1)", schemaLockKey(db.o.schema)); err != nil {
				return db.fail(ctx, "migrate: lock schema "+db.o.schema, err)
			}
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
		applied, err := db.applied(ctx, q, ms)
		if err != nil {
			return err
		}
		for _, m := range ms {
			if _, ok := applied[m.version]; ok {
				continue
			}
			what := fmt.Sprintf("migrate: migration %04d_%s", m.version, m.name)
			for _, s := range m.statements {
				s = db.q(s)
				if _, err := q.ExecContext(ctx, s); err != nil {
					if kind, name := createdObject(s); kind != "" && alreadyExists(err) {
						what += fmt.Sprintf(": the %s %s exists already, but %s does not list this migration as applied: "+
							"it is not the stores' (keep the host's tables apart with WithPrefix or WithSchema)", kind, name, db.Table("migrations"))
					}
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

// schemaLockKey is the advisory lock key of creating schema.
func schemaLockKey(schema string) int64 { return lockKey("schema "+schema, "create") }

// applied reads the migrations table: the versions applied, with their
// names. A table that names a version this code knows by another name is
// not the stores' (the host's own migrations table, under WithPrefix ""):
// it is refused.
func (db *DB) applied(ctx context.Context, q querier, ms []migration) (map[int]string, error) {
	what := "read the migrations applied from " + db.Table("migrations")
	rows, err := q.QueryContext(ctx, db.q(`SELECT version, name FROM {t}migrations`))
	if err != nil {
		return nil, db.fail(ctx, what, err)
	}
	defer rows.Close()
	applied := map[int]string{}
	for rows.Next() {
		var v int
		var name string
		if err := rows.Scan(&v, &name); err != nil {
			return nil, db.fail(ctx, what, err)
		}
		applied[v] = name
	}
	if err := rows.Err(); err != nil {
		return nil, db.fail(ctx, what, err)
	}
	for _, m := range ms {
		if name, ok := applied[m.version]; ok && name != m.name {
			return nil, fmt.Errorf("sqlstore: %s: version %d is %q there, not %q: it is not the stores' migrations table "+
				"(keep the host's tables apart with WithPrefix or WithSchema)", what, m.version, name, m.name)
		}
	}
	return applied, nil
}

// checkMigrated is Open's check under WithoutMigration: it refuses a
// schema that lacks a migration this code needs (a missing migrations
// table is version 0), rather than letting the stores fail later on a
// missing table or column.
func (db *DB) checkMigrated(ctx context.Context) error {
	ms, err := migrations(db.dialect)
	if err != nil {
		return err
	}
	var exists bool
	if db.dialect == PostgreSQL {
		err = db.pool.QueryRowContext(ctx, "SELECT to_regclass($1) IS NOT NULL", db.Table("migrations")).Scan(&exists)
	} else {
		err = db.pool.QueryRowContext(ctx, "SELECT count(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = ?", db.o.prefix+"migrations").Scan(&exists)
	}
	if err != nil {
		return db.fail(ctx, "open: look for "+db.Table("migrations"), err)
	}
	applied := map[int]string{}
	if exists {
		if applied, err = db.applied(ctx, db.pool, ms); err != nil {
			return err
		}
	}
	have := 0
	for _, m := range ms {
		if _, ok := applied[m.version]; !ok {
			break
		}
		have = m.version
	}
	if need := ms[len(ms)-1].version; have < need {
		return fmt.Errorf("sqlstore: open: schema at version %d (%s), this code needs %d: run Migrate "+
			"(Open without WithoutMigration runs it)", have, db.Table("migrations"), need)
	}
	return nil
}

// createdPattern finds what a migration statement creates.
var createdPattern = regexp.MustCompile(`(?is)^CREATE\s+(?:UNIQUE\s+)?(TABLE|INDEX)\s+(\S+)`)

// createdObject returns what statement s creates: "table" or "index" and
// its name, or "" when it creates neither.
func createdObject(s string) (kind, name string) {
	m := createdPattern.FindStringSubmatch(s)
	if m == nil {
		return "", ""
	}
	return strings.ToLower(m[1]), m[2]
}

// alreadyExists reports whether err is the database refusing to create a
// table or index whose name is taken: SQLSTATE 42P07 or 42710 on
// PostgreSQL, "... already exists" from SQLite.
func alreadyExists(err error) bool {
	var pg interface{ SQLState() string }
	if errors.As(err, &pg) {
		return pg.SQLState() == "42P07" || pg.SQLState() == "42710"
	}
	var lite interface{ Code() int }
	return errors.As(err, &lite) && strings.Contains(err.Error(), "already exists")
}
