package sqlstore_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studioflow/studioflow/adapters/sqlstore"
	"github.com/studioflow/studioflow/adapters/sqlstore/postgres"
	"github.com/studioflow/studioflow/adapters/sqlstore/sqlite"
	"github.com/studioflow/studioflow/flow"
	"github.com/studioflow/studioflow/runtime"
	"github.com/studioflow/studioflow/version"
	"github.com/studioflow/studioflow/widgets"
	"github.com/studioflow/studioflow/widgets/fake"
)

// The variables that make TestRestartChild the first process.
const (
	restartChildEnv = "STUDIOFLOW_RESTART_CHILD" // the dialect
	restartPlaceEnv = "STUDIOFLOW_RESTART_PLACE" // the SQLite file or the PostgreSQL schema
)

// chatVersion is the chat flow whose thanks says which file it came from.
func chatVersion(t testing.TB, v string) *flow.Definition {
	def, err := flow.Parse([]byte(strings.Replace(chat, `"body": "Thanks"`, `"body": "Thanks (`+v+`)"`, 1)))
	require.NoError(t, err)
	return def
}

// restartHost is one process's host: it syncs its flow file into the
// catalog at boot, as a host loading flows from files does, and runs an
// engine on the catalog.
type restartHost struct {
	engine     *runtime.Engine
	transcript *fake.Transcript
	flowID     string
	synced     *version.SyncResult
}

func bootRestartHost(t testing.TB, db *sqlstore.DB, file *flow.Definition, clock *runtime.FixedClock) restartHost {
	cat := version.NewCatalog(version.WithStore(db.Catalog()), version.WithClock(clock.Now))
	res, err := cat.Sync(ctx, version.Actor{ID: "boot"}, version.KindFlow, "chat", file)
	require.NoError(t, err)
	services, transcript := fake.Services()
	e := runtime.New(runtime.WithStore(db.Executions()), runtime.WithSource(runtime.CatalogSource{Catalog: cat}),
		runtime.WithServices(services), runtime.WithClock(clock.Now)) // random ids: unique across processes
	return restartHost{engine: e, transcript: transcript, flowID: res.Item.ID, synced: res}
}

func openRestartPlace(t testing.TB, dialect, place string) *sqlstore.DB {
	var db *sqlstore.DB
	var err error
	if dialect == string(sqlstore.SQLite) {
		db, err = sqlite.Open(ctx, place)
	} else {
		db, err = postgres.Open(ctx, os.Getenv(postgresEnv), sqlstore.WithSchema(place))
	}
	require.NoError(t, err)
	return db
}

var restartClock = time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)

// TestRestartChild is the first process of TestARestartResumesTheConversation:
// it boots, starts a conversation that waits for a reply, prints the
// execution and its wait's token, and exits. It does nothing when run on
// its own.
func TestRestartChild(t *testing.T) {
	dialect := os.Getenv(restartChildEnv)
	if dialect == "" {
		t.Skip("the first process of TestARestartResumesTheConversation")
	}
	db := openRestartPlace(t, dialect, os.Getenv(restartPlaceEnv))
	defer db.Close()
	h := bootRestartHost(t, db, chatVersion(t, "v1"), runtime.NewFixedClock(restartClock))
	x, err := h.engine.Start(ctx, runtime.StartRequest{FlowSid: h.flowID, Trigger: runtime.TriggerRequest, Contact: "+15550001111", FlowAddress: "+15559990000"})
	require.NoError(t, err)
	require.NotNil(t, x.Wait)
	fmt.Printf("started %s token %s revision %d\n", x.ID, x.Wait.Token, x.Revision)
}

// A conversation left waiting by a process that exited is resumed by a new
// engine in a new process, on the revision it started on, although the
// new process booted with a changed flow file (which serves new
// conversations).
func TestARestartResumesTheConversation(t *testing.T) {
	eachBackend(t, func(t *testing.T, newPlace func(*testing.T) place) {
		p := newPlace(t)
		dialect, where := string(p.dialect), p.schema
		if p.dialect == sqlstore.SQLite {
			where = filepath.Join(t.TempDir(), "restart.db")
		}
		child := exec.Command(os.Args[0], "-test.run=^TestRestartChild$", "-test.v")
		child.Env = append(os.Environ(), restartChildEnv+"="+dialect, restartPlaceEnv+"="+where)
		out, err := child.CombinedOutput()
		require.NoError(t, err, "the first process:\n%s", out)
		m := regexp.MustCompile(`started (\S+) token (\S+) revision (\d+)`).FindStringSubmatch(string(out))
		require.NotNil(t, m, "the first process printed:\n%s", out)
		id, token := m[1], m[2]
		assert.Equal(t, "1", m[3])

		// The second process: this one, booting with a changed file.
		db := openRestartPlace(t, dialect, where)
		defer db.Close()
		h := bootRestartHost(t, db, chatVersion(t, "v2"), runtime.NewFixedClock(restartClock.Add(time.Minute/2)))
		assert.Equal(t, version.StableID(version.KindFlow, "chat"), h.flowID, "the flow keeps its id")
		assert.True(t, h.synced.Changed)
		assert.Equal(t, 2, h.synced.Version.Revision)

		x, err := h.engine.Resume(ctx, id, widgets.Event{Name: "incomingMessage", Token: token, Data: map[string]any{"Body": "Ada"}})
		require.NoError(t, err)
		assert.Equal(t, runtime.StatusEnded, x.Status)
		assert.Equal(t, "incomingRequest:Trigger>ask incomingMessage:ask>thanks sent:thanks>Ended", steps(x))
		assert.Equal(t, []string{`messaging.send to=+15550001111 "Thanks (v1)"`}, h.transcript.Lines(), "the revision it started on")

		y, err := h.engine.Start(ctx, runtime.StartRequest{FlowSid: h.flowID, Trigger: runtime.TriggerRequest, Contact: "+15550002222", FlowAddress: "+15559990000"})
		require.NoError(t, err)
		assert.Equal(t, 2, y.Revision, "a new conversation runs the new file")
	})
}
