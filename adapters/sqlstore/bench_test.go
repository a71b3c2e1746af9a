package sqlstore_test

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/studioflow/studioflow/adapters/sqlstore"
	"github.com/studioflow/studioflow/adapters/sqlstore/postgres"
	"github.com/studioflow/studioflow/adapters/sqlstore/sqlite"
	"github.com/studioflow/studioflow/flow"
	"github.com/studioflow/studioflow/runtime"
	"github.com/studioflow/studioflow/widgets"
	"github.com/studioflow/studioflow/widgets/fake"
)

// benchDB opens a new database of the named backend for a benchmark: a
// file in its temporary folder, or a schema dropped when it ends.
func benchDB(b *testing.B, backend string) *sqlstore.DB {
	var db *sqlstore.DB
	var err error
	switch backend {
	case "sqlite":
		db, err = sqlite.Open(ctx, filepath.Join(b.TempDir(), "bench.db"))
	default:
		dsn := os.Getenv(postgresEnv)
		if dsn == "" {
			b.Skipf("set %s to benchmark PostgreSQL", postgresEnv)
		}
		var r [6]byte
		_, _ = rand.Read(r[:])
		schema := "studioflow_bench_" + hex.EncodeToString(r[:])
		b.Cleanup(func() {
			admin, err := sql.Open("pgx", dsn)
			if err == nil {
				_, _ = admin.ExecContext(ctx, `DROP SCHEMA IF EXISTS "`+schema+`" CASCADE`)
				admin.Close()
			}
		})
		db, err = postgres.Open(ctx, dsn, sqlstore.WithSchema(schema))
	}
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = db.Close() })
	return db
}

func benchEngine(b *testing.B, db *sqlstore.DB) *runtime.Engine {
	def, err := flow.Parse([]byte(chat))
	if err != nil {
		b.Fatal(err)
	}
	services, _ := fake.Services()
	return runtime.New(runtime.WithStore(db.Executions()), runtime.WithSource(runtime.Definitions{"FW": def}),
		runtime.WithServices(services), runtime.WithClock(runtime.NewFixedClock(time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)).Now))
}

// BenchmarkStartResume: one conversation per op, a start to the question's
// wait and the answer to the end (two runs, each with its lock, load and
// save), on SQLite and PostgreSQL, from 1 and 8 goroutines. It reports
// conversations/s and the 99th percentile of one conversation's latency.
//
//	STUDIOFLOW_TEST_POSTGRES=... go test -run '^$' -bench StartResume -benchtime 2000x ./adapters/sqlstore
func BenchmarkStartResume(b *testing.B) {
	for _, backend := range []string{"sqlite", "postgres"} {
		for _, workers := range []int{1, 8} {
			b.Run(fmt.Sprintf("%s/conversations=%d", backend, workers), func(b *testing.B) {
				e := benchEngine(b, benchDB(b, backend))
				latencies := make([]time.Duration, b.N)
				var next atomic.Int64
				var wg sync.WaitGroup
				b.ReportAllocs()
				b.ResetTimer()
				for range workers {
					wg.Add(1)
					go func() {
						defer wg.Done()
						for i := int(next.Add(1)) - 1; i < b.N; i = int(next.Add(1)) - 1 {
							began := time.Now() // nolint:wallclock: a benchmark measures latency
							x, err := e.Start(ctx, runtime.StartRequest{FlowSid: "FW", Trigger: runtime.TriggerRequest,
								Contact: fmt.Sprintf("+1777%07d", i), FlowAddress: "+15559990000"})
							if err != nil {
								b.Error(err)
								return
							}
							if _, err := e.Resume(ctx, x.ID, widgets.Event{Name: "incomingMessage", Token: x.Wait.Token, Data: map[string]any{"Body": "Ada"}}); err != nil {
								b.Error(err)
								return
							}
							latencies[i] = time.Since(began) // nolint:wallclock: a benchmark measures latency
						}
					}()
				}
				wg.Wait()
				b.StopTimer()
				slices.Sort(latencies)
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "conversations/s")
				b.ReportMetric(float64(latencies[(len(latencies)*99)/100].Microseconds())/1000, "p99-ms")
			})
		}
	}
}

// BenchmarkLoadWaiting loads a waiting execution; it reports the size of
// its row (the JSON and the indexed columns as the database stores them).
func BenchmarkLoadWaiting(b *testing.B) {
	for _, backend := range []string{"sqlite", "postgres"} {
		b.Run(backend, func(b *testing.B) {
			db := benchDB(b, backend)
			e := benchEngine(b, db)
			x, err := e.Start(ctx, runtime.StartRequest{FlowSid: "FW", Trigger: runtime.TriggerRequest, Contact: "+15550001111", FlowAddress: "+15559990000"})
			if err != nil {
				b.Fatal(err)
			}
			row := `SELECT pg_column_size(e.*), octet_length(e.data) FROM ` + db.Table("executions") + ` e WHERE id = $1`
			if backend == "sqlite" {
				row = `SELECT length(CAST(id AS BLOB)) + length(CAST(flow_sid AS BLOB)) + length(CAST(status AS BLOB)) + length(CAST(coalesce(session_key, '') AS BLOB)) + 8*5 + length(CAST(data AS BLOB)), length(CAST(data AS BLOB)) FROM ` +
					db.Table("executions") + ` WHERE id = ?`
			}
			var rowBytes, jsonBytes int
			if err := db.SQL().QueryRowContext(ctx, row, x.ID).Scan(&rowBytes, &jsonBytes); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for range b.N {
				if _, err := db.Executions().Load(ctx, x.ID); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(rowBytes), "row-bytes")
			b.ReportMetric(float64(jsonBytes), "json-bytes")
		})
	}
}
