package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the pgx database/sql driver, to drop the test's schema
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studioflow/studioflow/adapters/sqlstore"
	"github.com/studioflow/studioflow/runtime"
)

// postgresEnv names the PostgreSQL DSN the tests that need one use
// (.ci/run sets it); without it they skip.
const postgresEnv = "STUDIOFLOW_TEST_POSTGRES"

// greet asks a texter's name and greets them.
const greet = `{"description": "greet", "initial_state": "Trigger", "states": [
  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingMessage", "next": "ask"}], "properties": {}},
  {"name": "ask", "type": "send-and-wait-for-reply", "transitions": [{"event": "incomingMessage", "next": "hello"}, {"event": "timeout"}, {"event": "deliveryFailure"}],
   "properties": {"body": "What is your name?", "timeout": "3600"}},
  {"name": "hello", "type": "send-message", "transitions": [{"event": "sent"}, {"event": "failed"}], "properties": {"body": "Hi {{widgets.ask.inbound.Body}}."}}]}`

// fakeMessages is Twilio's Messages API as the instances' adapters call
// it: it records every request it gets, by recipient.
type fakeMessages struct {
	mu   sync.Mutex
	sent map[string][]string // To: bodies, in order
	n    int
}

func (f *fakeMessages) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	f.mu.Lock()
	f.n++
	sid := fmt.Sprintf("SM%032d", f.n)
	if f.sent == nil {
		f.sent = map[string][]string{}
	}
	to := r.PostForm.Get("To")
	f.sent[to] = append(f.sent[to], r.PostForm.Get("Body"))
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	_ = json.NewEncoder(w).Encode(map[string]any{"sid": sid, "status": "queued", "to": to})
}

// postgresSchema is a new schema of a random name in the test database,
// dropped with all it holds when the test ends; it skips the test
// without a database.
func postgresSchema(t *testing.T) (dsn, schema string) {
	dsn = os.Getenv(postgresEnv)
	if dsn == "" {
		t.Skip(postgresEnv + " is not set: no PostgreSQL to run two instances on (.ci/run sets it)")
	}
	schema = randomSchema("studioserver_test_")
	t.Cleanup(func() { require.NoError(t, dropSchema(dsn, schema)) })
	return dsn, schema
}

// randomSchema is a schema name of prefix and 12 random hex digits.
func randomSchema(prefix string) string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return prefix + hex.EncodeToString(b[:])
}

// dropSchema drops schema with all it holds.
func dropSchema(dsn, schema string) error {
	admin, err := sql.Open("pgx", dsn)
	if err != nil {
		return err
	}
	defer admin.Close()
	_, err = admin.ExecContext(context.Background(), `DROP SCHEMA IF EXISTS "`+schema+`" CASCADE`)
	return err
}

// Two instances on one PostgreSQL database receive the webhooks of many
// conversations interleaved, and every webhook twice at once, one
// delivery to each instance (Twilio's retry of a delivery it thought
// lost): each conversation takes its one path, and each message is sent
// exactly once.
func TestTwoInstancesSendEachMessageOnce(t *testing.T) {
	dsn, schema := postgresSchema(t)
	ctx := context.Background()
	api := &fakeMessages{}
	twilioAPI := httptest.NewServer(api)
	t.Cleanup(twilioAPI.Close)
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "greet.json"), []byte(greet), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, manifestName), []byte(`{"flows": {"greet": {"numbers": ["`+number+`"]}}}`), 0o600))

	var instances [2]*server
	for i := range instances {
		cfg := testConfig(dir, "")
		cfg.Postgres, cfg.APIBaseURL = dsn, twilioAPI.URL
		cfg.DBOptions = []sqlstore.Option{sqlstore.WithSchema(schema)}
		s, err := open(ctx, cfg)
		require.NoError(t, err)
		t.Cleanup(func() { s.close() })
		instances[i] = s
	}

	const conversations = 24
	var wg sync.WaitGroup
	errs := make(chan error, 4*conversations)
	for c := range conversations {
		wg.Add(1)
		go func() {
			defer wg.Done()
			contact := fmt.Sprintf("+1555100%04d", c)
			for m, body := range []string{"hello", fmt.Sprintf("Name%d", c)} {
				form := url.Values{"AccountSid": {account}, "MessageSid": {fmt.Sprintf("SM%d-%d", c, m)}, "From": {contact}, "To": {number},
					"Body": {body}, "NumMedia": {"0"}}
				idem := fmt.Sprintf("conversation-%d-message-%d", c, m)
				// The delivery and its retry, at once, one to each
				// instance, the first one to alternate instances.
				var both sync.WaitGroup
				replies := make([]string, 2)
				for d := range 2 {
					both.Add(1)
					go func() {
						defer both.Done()
						s := instances[(c+m+d)%2]
						for range 200 { // a 503 says the other delivery still runs: Twilio retries
							code, reply := deliver(s, public+"/messaging/incoming", form, idem)
							if code == http.StatusOK {
								replies[d] = reply
								return
							}
							if code != http.StatusServiceUnavailable {
								errs <- fmt.Errorf("%s message %d: %d %s", contact, m, code, reply)
								return
							}
							time.Sleep(5 * time.Millisecond)
						}
						errs <- fmt.Errorf("%s message %d: still 503 after 200 tries", contact, m)
					}()
				}
				both.Wait()
				if replies[0] != replies[1] {
					errs <- fmt.Errorf("%s message %d: the delivery and its retry were answered differently: %q, %q", contact, m, replies[0], replies[1])
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}

	api.mu.Lock()
	defer api.mu.Unlock()
	assert.Equal(t, 2*conversations, api.n, "each message sent once")
	for c := range conversations {
		contact := fmt.Sprintf("+1555100%04d", c)
		assert.Equal(t, []string{"What is your name?", fmt.Sprintf("Hi Name%d.", c)}, api.sent[contact], contact)
	}
	page, _, err := instances[0].engine.Store().List(ctx, runtime.ListFilter{Limit: runtime.MaxListLimit})
	require.NoError(t, err)
	assert.Len(t, page, conversations, "one execution per conversation")
	for _, x := range page {
		var path []string
		for _, st := range x.Steps {
			path = append(path, st.From+" -"+st.Name+"-> "+st.To)
		}
		assert.Equal(t, []string{"Trigger -incomingMessage-> ask", "ask -incomingMessage-> hello", "hello -sent-> Ended"}, path, x.Contact)
	}
}
