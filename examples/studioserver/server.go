package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/studioflow/studioflow/adapters/sqlstore"
	"github.com/studioflow/studioflow/adapters/sqlstore/postgres"
	"github.com/studioflow/studioflow/adapters/sqlstore/sqlite"
	"github.com/studioflow/studioflow/adapters/twilio"
	"github.com/studioflow/studioflow/flow"
	"github.com/studioflow/studioflow/runtime"
	"github.com/studioflow/studioflow/safehttp"
	"github.com/studioflow/studioflow/version"
	"github.com/studioflow/studioflow/widgets"
)

// config is what the server runs with (the command's flags).
type config struct {
	Flows    string // the folder of exported flows and modules
	SQLite   string // the SQLite file, when Postgres is ""
	Postgres string // a PostgreSQL DSN
	// PublicURL is where Twilio reaches the webhooks (/twilio under it
	// is not added: give the URL the webhooks' paths follow).
	PublicURL             string
	AccountSid, AuthToken string
	// APIBaseURL is Twilio's REST API (tests point it at a fake).
	APIBaseURL            string
	InsecureSkipSignature bool
	Logger                *slog.Logger
	// Now is the clock of the engine, the store and the replay table
	// (time.Now when nil).
	Now func() time.Time
	// EngineOptions and DBOptions are added to the engine's and the
	// store's (tests give ids, a schema).
	EngineOptions []runtime.Option
	DBOptions     []sqlstore.Option
}

// manifestName is the optional file in the flows folder that maps
// numbers and test users to flows, by file name.
const manifestName = "studioflow.json"

// manifest is studioflow.json:
//
//	{"flows": {"ivr": {"numbers": ["+15550001111"], "test_users": ["+15559990000"],
//	                   "functions": {"ZH...": "https://fn.example.com/lookup"}}}}
//
// A flow's key is its file name without .json; its sid is derived from
// that name (version.StableID), the same on every boot and instance.
type manifest struct {
	Flows map[string]struct {
		Numbers   []string          `json:"numbers"`
		TestUsers []string          `json:"test_users"`
		Functions map[string]string `json:"functions"`
	} `json:"flows"`
}

// server is the program's parts, wired.
type server struct {
	db      *sqlstore.DB
	catalog *version.Catalog
	engine  *runtime.Engine
	adapter *twilio.Adapter
	replay  *sqlReplay
	handler http.Handler
	flows   map[string]string // file name (without .json) to flow sid
	logger  *slog.Logger
}

// actor is who the server acts as on its catalog.
var actor = version.Actor{ID: "studioserver", Roles: []version.Role{version.RoleAdmin}}

// open opens the store, syncs the folder's flows and modules into the
// catalog, and wires the engine, the Twilio adapter and the HTTP routes.
func open(ctx context.Context, cfg config) (_ *server, err error) {
	logger := cfg.Logger
	if logger == nil {
		logger = slog.Default()
	}
	var db *sqlstore.DB
	dbOpts := cfg.DBOptions
	if cfg.Now != nil {
		dbOpts = append([]sqlstore.Option{sqlstore.WithClock(cfg.Now)}, dbOpts...)
	}
	if cfg.Postgres != "" {
		db, err = postgres.Open(ctx, cfg.Postgres, dbOpts...)
	} else {
		db, err = sqlite.Open(ctx, cfg.SQLite, dbOpts...)
	}
	if err != nil {
		return nil, fmt.Errorf("studioserver: open the store: %w", err)
	}
	defer func() {
		if err != nil {
			db.Close()
		}
	}()
	s := &server{db: db, logger: logger, flows: map[string]string{}}
	s.catalog = version.NewCatalog(version.WithStore(db.Catalog()))
	functions, err := s.load(ctx, cfg.Flows)
	if err != nil {
		return nil, err
	}

	now := time.Now
	if cfg.Now != nil {
		now = cfg.Now
	}
	if s.replay, err = newSQLReplay(ctx, db, now); err != nil {
		return nil, err
	}
	s.adapter, err = twilio.New(twilio.Config{
		AccountSid: cfg.AccountSid, AuthToken: cfg.AuthToken, PublicURL: cfg.PublicURL,
		APIBaseURL: cfg.APIBaseURL, ConversationsBaseURL: cfg.APIBaseURL,
		FunctionURLs: functions, InsecureSkipSignature: cfg.InsecureSkipSignature, Logger: logger,
		ReplayStore: s.replay,
	})
	if err != nil {
		return nil, fmt.Errorf("studioserver: %w", err)
	}
	// Outbound HTTP from flows (make-http-request, run-function by URL)
	// never reaches the server's own network.
	base := &widgets.Services{HTTP: safehttp.NewClient()}
	source := runtime.CatalogSource{Catalog: s.catalog}
	s.engine = runtime.New(append([]runtime.Option{
		runtime.WithSource(source), runtime.WithModules(source), runtime.WithStore(db.Executions()),
		runtime.WithServices(s.adapter.Services(base)), runtime.WithLogger(logger), runtime.WithClock(now),
	}, cfg.EngineOptions...)...)
	if err := s.engine.Err(); err != nil {
		return nil, fmt.Errorf("studioserver: %w", err)
	}

	mux := http.NewServeMux()
	mux.Handle("/v2/", s.adapter.StudioAPI(s.engine, s.catalog, actor))
	mux.Handle("/healthz", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintln(w, "ok")
	}))
	mux.Handle("/readyz", http.HandlerFunc(s.ready))
	mux.Handle("/", s.adapter.Handler(s.engine))
	s.handler = mux
	return s, nil
}

// load syncs every flow and module file in dir into the catalog, and
// assigns the manifest's numbers and test users. It returns the
// manifest's function URLs.
func (s *server) load(ctx context.Context, dir string) (map[string]string, error) {
	var m manifest
	if data, err := os.ReadFile(filepath.Join(dir, manifestName)); err == nil {
		if err := json.Unmarshal(data, &m); err != nil {
			return nil, fmt.Errorf("studioserver: %s: %w", filepath.Join(dir, manifestName), err)
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("studioserver: %w", err)
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	// Modules first: a flow's check resolves the modules it runs.
	type parsed struct {
		name string
		def  *flow.Definition
	}
	var modules, flows []parsed
	for _, f := range files {
		if filepath.Base(f) == manifestName {
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("studioserver: %w", err)
		}
		def, err := flow.Parse(data)
		if err != nil {
			return nil, fmt.Errorf("studioserver: %s: %w", f, err)
		}
		p := parsed{strings.TrimSuffix(filepath.Base(f), ".json"), def}
		if def.IsModule() {
			modules = append(modules, p)
		} else {
			flows = append(flows, p)
		}
	}
	if len(flows) == 0 {
		return nil, fmt.Errorf("studioserver: no flows (*.json) in %s", dir)
	}
	for _, p := range modules {
		if _, err := s.catalog.Sync(ctx, actor, version.KindModule, p.name, p.def); err != nil {
			return nil, fmt.Errorf("studioserver: module %s: %w", p.name, err)
		}
	}
	functions := map[string]string{}
	for _, p := range flows {
		res, err := s.catalog.Sync(ctx, actor, version.KindFlow, p.name, p.def)
		if err != nil {
			return nil, fmt.Errorf("studioserver: flow %s: %w", p.name, err)
		}
		sid := res.Item.ID
		s.flows[p.name] = sid
		s.logger.Info("studioserver: flow", "file", p.name+".json", "sid", sid, "revision", res.Version.Revision, "changed", res.Changed)
		entry := m.Flows[p.name]
		for _, n := range entry.Numbers {
			err := s.catalog.Assign(ctx, actor, n, sid)
			if err != nil {
				// The number moved to this flow in the manifest: take it
				// from the flow that had it.
				if uerr := s.catalog.Unassign(ctx, actor, n); uerr == nil {
					err = s.catalog.Assign(ctx, actor, n, sid)
				}
			}
			if err != nil {
				return nil, fmt.Errorf("studioserver: flow %s: number %s: %w", p.name, n, err)
			}
		}
		if entry.TestUsers != nil {
			if err := s.catalog.SetTestUsers(ctx, actor, sid, entry.TestUsers); err != nil {
				return nil, fmt.Errorf("studioserver: flow %s: test users: %w", p.name, err)
			}
		}
		for fn, u := range entry.Functions {
			functions[fn] = u
		}
	}
	for name := range m.Flows {
		if _, ok := s.flows[name]; !ok {
			return nil, fmt.Errorf("studioserver: %s names flow %q, and there is no %s.json", manifestName, name, name)
		}
	}
	return functions, nil
}

// ready answers 200 when the store answers and the engine is set up.
func (s *server) ready(w http.ResponseWriter, r *http.Request) {
	if err := s.engine.Err(); err != nil {
		http.Error(w, "the engine is misconfigured", http.StatusServiceUnavailable)
		return
	}
	if err := s.db.SQL().PingContext(r.Context()); err != nil {
		s.logger.Warn("studioserver: not ready", "error", err)
		http.Error(w, "the store does not answer", http.StatusServiceUnavailable)
		return
	}
	fmt.Fprintln(w, "ready")
}

// pruneReplays prunes the replay table every period until ctx ends.
func (s *server) pruneReplays(ctx context.Context, period time.Duration) {
	t := time.NewTicker(period)
	defer t.Stop()
	for {
		if n, err := s.replay.prune(ctx); err != nil && ctx.Err() == nil {
			s.logger.Error("studioserver: prune the replay table", "error", err)
		} else if n > 0 {
			s.logger.Info("studioserver: pruned the replay table", "rows", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// close closes the store.
func (s *server) close() error { return s.db.Close() }
