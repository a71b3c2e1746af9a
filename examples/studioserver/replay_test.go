package main

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studioflow/studioflow/adapters/sqlstore"
	"github.com/studioflow/studioflow/adapters/sqlstore/postgres"
	"github.com/studioflow/studioflow/adapters/sqlstore/sqlite"
	"github.com/studioflow/studioflow/adapters/twilio"
	"github.com/studioflow/studioflow/runtime"
)

// The replay table's rules, on SQLite and (when a database is given) on
// PostgreSQL: one claim at a time until it expires or is released; a kept
// response is what Get sees, and is never claimed again; a Release frees
// only the releasing instance's own claim; prune drops what is a day old.
func TestTheReplayTableClaimsOnce(t *testing.T) {
	ctx := context.Background()
	places := map[string]func(t *testing.T) (*sqlstore.DB, *sqlstore.DB){
		"sqlite": func(t *testing.T) (*sqlstore.DB, *sqlstore.DB) {
			path := filepath.Join(t.TempDir(), "replay.db")
			a, err := sqlite.Open(ctx, path)
			require.NoError(t, err)
			b, err := sqlite.Open(ctx, path)
			require.NoError(t, err)
			return a, b
		},
		"postgres": func(t *testing.T) (*sqlstore.DB, *sqlstore.DB) {
			dsn, schema := postgresSchema(t)
			a, err := postgres.Open(ctx, dsn, sqlstore.WithSchema(schema))
			require.NoError(t, err)
			b, err := postgres.Open(ctx, dsn, sqlstore.WithSchema(schema))
			require.NoError(t, err)
			return a, b
		},
	}
	for name, place := range places {
		t.Run(name, func(t *testing.T) {
			dbA, dbB := place(t)
			t.Cleanup(func() { dbA.Close(); dbB.Close() })
			clock := runtime.NewFixedClock(time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC))
			a, err := newSQLReplay(ctx, dbA, clock.Now)
			require.NoError(t, err)
			b, err := newSQLReplay(ctx, dbB, clock.Now)
			require.NoError(t, err)

			claimed, err := a.Claim(ctx, "k1", time.Minute)
			require.NoError(t, err)
			assert.True(t, claimed)
			claimed, err = b.Claim(ctx, "k1", time.Minute)
			require.NoError(t, err)
			assert.False(t, claimed, "claimed by a")
			_, ok, err := b.Get(ctx, "k1")
			require.NoError(t, err)
			assert.False(t, ok, "a claim is not a response")

			require.NoError(t, a.Release(ctx, "k1"))
			claimed, err = b.Claim(ctx, "k1", time.Minute)
			require.NoError(t, err)
			assert.True(t, claimed, "released by a, claimed by b")
			resp := twilio.Response{Status: 200, ContentType: "text/xml", Body: []byte("<Response/>")}
			require.NoError(t, b.Put(ctx, "k1", resp))
			got, ok, err := a.Get(ctx, "k1")
			require.NoError(t, err)
			require.True(t, ok)
			assert.Equal(t, resp, got)
			clock.Advance(2 * time.Minute)
			claimed, err = a.Claim(ctx, "k1", time.Minute)
			require.NoError(t, err)
			assert.False(t, claimed, "a kept response is never claimed again")

			// a's claim expires; b takes it over; a's late Release leaves
			// b's claim alone.
			claimed, err = a.Claim(ctx, "k2", time.Minute)
			require.NoError(t, err)
			require.True(t, claimed)
			clock.Advance(2 * time.Minute)
			claimed, err = b.Claim(ctx, "k2", time.Minute)
			require.NoError(t, err)
			require.True(t, claimed, "an expired claim is taken over")
			require.NoError(t, a.Release(ctx, "k2"))
			claimed, err = a.Claim(ctx, "k2", time.Minute)
			require.NoError(t, err)
			assert.False(t, claimed, "b's claim stands")

			clock.Advance(replayKeep + time.Minute)
			n, err := a.prune(ctx)
			require.NoError(t, err)
			assert.Equal(t, int64(2), n)
			_, ok, err = a.Get(ctx, "k1")
			require.NoError(t, err)
			assert.False(t, ok)
		})
	}
}
