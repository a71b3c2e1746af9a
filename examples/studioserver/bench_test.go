package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/studioflow/studioflow/adapters/sqlstore"
	"github.com/studioflow/studioflow/adapters/twilio"
)

// BenchmarkConversations is the server's load test: b.N SMS
// conversations of the greet flow (two webhooks each, every reply sent
// through a local fake of Twilio's Messages API), driven over HTTP on
// 127.0.0.1, 8 at a time, against one instance on SQLite and, when
// STUDIOFLOW_TEST_POSTGRES names a database, two instances on PostgreSQL
// (conversations alternating between them). It stops by itself after b.N
// conversations, and reports conversations per second and the webhooks'
// median and p99 latency.
//
//	STUDIOFLOW_TEST_POSTGRES=postgres://postgres@127.0.0.1:5432/test?sslmode=disable \
//	  go test -run '^$' -bench Conversations -benchtime 1000x ./examples/studioserver
func BenchmarkConversations(b *testing.B) {
	now := time.Now // nolint:wallclock: a benchmark measures latency and throughput
	b.Run("sqlite-1", func(b *testing.B) {
		benchConversations(b, now, 1, func(cfg *config) { cfg.SQLite = filepath.Join(b.TempDir(), "studioflow.db") })
	})
	b.Run("postgres-2", func(b *testing.B) {
		dsn := os.Getenv(postgresEnv)
		if dsn == "" {
			b.Skip(postgresEnv + " is not set")
		}
		schema := randomSchema("studioserver_bench_")
		b.Cleanup(func() {
			if err := dropSchema(dsn, schema); err != nil {
				b.Error(err)
			}
		})
		benchConversations(b, now, 2, func(cfg *config) {
			cfg.Postgres = dsn
			cfg.DBOptions = []sqlstore.Option{sqlstore.WithSchema(schema)}
		})
	})
}

// benchConversations runs b.N conversations against n instances, each
// placed by place; now is the wall clock it measures with.
func benchConversations(b *testing.B, now func() time.Time, n int, place func(*config)) {
	ctx := context.Background()
	api := httptest.NewServer(&fakeMessages{})
	b.Cleanup(api.Close)
	dir := b.TempDir()
	for name, content := range map[string]string{"greet.json": greet, manifestName: `{"flows": {"greet": {"numbers": ["` + number + `"]}}}`} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			b.Fatal(err)
		}
	}
	var urls []string
	for range n {
		cfg := testConfig(dir, "")
		cfg.APIBaseURL = api.URL
		place(&cfg)
		s, err := open(ctx, cfg)
		if err != nil {
			b.Fatal(err)
		}
		srv := httptest.NewServer(s.handler)
		b.Cleanup(func() { srv.Close(); s.close() })
		urls = append(urls, srv.URL)
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}}

	var mu sync.Mutex
	var latencies []time.Duration
	var failed atomic.Int64
	send := func(base, contact, body, idem string) {
		u := public + "/messaging/incoming" // the number finds the flow (the manifest)
		form := url.Values{"AccountSid": {account}, "MessageSid": {idem}, "From": {contact}, "To": {number}, "Body": {body}, "NumMedia": {"0"}}
		req, err := http.NewRequest(http.MethodPost, base+strings.TrimPrefix(u, public), strings.NewReader(form.Encode()))
		if err != nil {
			failed.Add(1)
			return
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set(twilio.HeaderSignature, twilio.Signature(token, u, form))
		req.Header.Set(twilio.HeaderIdempotencyToken, idem)
		began := now()
		resp, err := client.Do(req)
		took := now().Sub(began)
		if err != nil {
			failed.Add(1)
			return
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			failed.Add(1)
		}
		mu.Lock()
		latencies = append(latencies, took)
		mu.Unlock()
	}

	next := atomic.Int64{}
	b.ResetTimer()
	began := now()
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				c := int(next.Add(1)) - 1
				if c >= b.N {
					return
				}
				base := urls[c%len(urls)]
				contact := fmt.Sprintf("+1555%07d", c)
				send(base, contact, "hello", fmt.Sprintf("SMb%d-0", c))
				send(urls[(c+1)%len(urls)], contact, "Ada", fmt.Sprintf("SMb%d-1", c))
			}
		}()
	}
	wg.Wait()
	elapsed := now().Sub(began)
	b.StopTimer()
	if f := failed.Load(); f > 0 {
		b.Fatalf("%d webhooks failed", f)
	}
	slices.Sort(latencies)
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "conversations/s")
	b.ReportMetric(float64(latencies[len(latencies)/2].Microseconds()), "median-µs")
	b.ReportMetric(float64(latencies[len(latencies)*99/100].Microseconds()), "p99-µs")
}
