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
	"slices"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"

	"github.com/studioflow/studioflow/adapters/sqlstore"
	"github.com/studioflow/studioflow/adapters/sqlstore/postgres"
	"github.com/studioflow/studioflow/adapters/sqlstore/sqlite"
	"github.com/studioflow/studioflow/adapters/temporal"
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
	// APIKey and APISecret, when both are set, are an API key that
	// authenticates the Studio API's requests beside the auth token.
	APIKey, APISecret string
	// APIBaseURL is Twilio's REST API (tests point it at a fake).
	APIBaseURL            string
	InsecureSkipSignature bool
	Logger                *slog.Logger
	// Now is the clock of the engine, the store and the replay table
	// (time.Now when nil).
	Now func() time.Time
	// DBOptions are added to the store's (tests give a schema).
	DBOptions []sqlstore.Option
	// Temporal, when set (host:port), runs the executions on Temporal
	// (adapters/temporal) instead of the SQL store: this process is a
	// worker of TaskQueue in TemporalNamespace, and its webhooks start
	// and advance executions through a temporal.Runner. The catalog stays
	// in the database; no expiry worker runs (waits are workflow timers);
	// the Studio REST API, which reads executions from the SQL store, is
	// not served.
	Temporal, TemporalNamespace, TaskQueue string
}

// manifestName is the optional file in the flows folder that maps
// numbers and test users to flows, by file name.
const manifestName = "studioflow.json"

// manifest is studioflow.json:
//
//	{"flows": {"ivr": {"sid": "FW0123...", "numbers": ["+15550001111"],
//	                   "draft": "ivr-next.json", "test_users": ["+15559990000"],
//	                   "functions": {"ZH...": "https://fn.example.com/lookup"}}}}
//
// A flow's key is its file name without .json. Its sid is the manifest's
// (a flow's Twilio sid, so that scripts naming it keep working), else
// derived from the name (version.StableID); either is the same on every
// boot and instance. The manifest is what the server serves: a number or
// test user it no longer lists is taken off the flow, and a draft it no
// longer names is discarded.
type manifest struct {
	Flows map[string]manifestFlow `json:"flows"`
}

// manifestFlow is one flow's entry in the manifest.
type manifestFlow struct {
	// Sid is the flow's sid; "" derives it from the file name.
	Sid string `json:"sid"`
	// Numbers are the phone numbers and messaging addresses whose
	// webhooks (without ?flow=) run the flow.
	Numbers []string `json:"numbers"`
	// Draft names a file, in the folder, saved as the flow's draft: the
	// version its test users reach, while everyone else gets the
	// published one.
	Draft string `json:"draft"`
	// TestUsers are the contacts who reach the draft.
	TestUsers []string `json:"test_users"`
	// Functions map run-function's function sids to the URLs that serve
	// them (twilio.Config.FunctionURLs).
	Functions map[string]string `json:"functions"`
}

// server is the program's parts, wired.
type server struct {
	db      *sqlstore.DB
	catalog *version.Catalog
	engine  *runtime.Engine
	adapter *twilio.Adapter
	replay  *sqlReplay
	handler http.Handler
	// temporal and worker are set when the executions run on Temporal.
	temporal client.Client
	worker   worker.Worker
	// draining is set when the server shuts down: /readyz answers 503.
	draining atomic.Bool
	flows    map[string]string // file name (without .json) to flow sid
	logger   *slog.Logger
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
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	var db *sqlstore.DB
	dbOpts := append([]sqlstore.Option{sqlstore.WithClock(now)}, cfg.DBOptions...)
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

	if s.replay, err = newSQLReplay(ctx, db, now); err != nil {
		return nil, err
	}
	var apiKeys map[string]string
	if cfg.APIKey != "" && cfg.APISecret != "" {
		apiKeys = map[string]string{cfg.APIKey: cfg.APISecret}
	}
	s.adapter, err = twilio.New(twilio.Config{
		AccountSid: cfg.AccountSid, AuthToken: cfg.AuthToken, APIKeys: apiKeys, PublicURL: cfg.PublicURL,
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
	s.engine = runtime.New(
		runtime.WithSource(source), runtime.WithModules(source), runtime.WithStore(db.Executions()),
		runtime.WithServices(s.adapter.Services(base)), runtime.WithLogger(logger), runtime.WithClock(now),
	)
	if err := s.engine.Err(); err != nil {
		return nil, fmt.Errorf("studioserver: %w", err)
	}

	mux := http.NewServeMux()
	mux.Handle("/healthz", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintln(w, "ok")
	}))
	mux.Handle("/readyz", http.HandlerFunc(s.ready))
	if cfg.Temporal == "" {
		mux.Handle("/v2/", s.adapter.StudioAPI(s.engine, s.catalog, actor))
		mux.Handle("/", s.adapter.Handler(s.engine))
		s.handler = mux
		return s, nil
	}
	runner, err := s.onTemporal(cfg, base, source)
	if err != nil {
		return nil, err
	}
	mux.Handle("/v2/", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "studioserver runs its executions on Temporal: the Studio REST API, which reads them from the SQL store, is not served", http.StatusNotImplemented)
	}))
	mux.Handle("/", s.adapter.Handler(runner))
	s.handler = mux
	return s, nil
}

// onTemporal makes this process a Temporal worker for the executions
// (adapters/temporal), and returns the runner its webhooks use. The
// worker starts with the server (run).
func (s *server) onTemporal(cfg config, base *widgets.Services, source runtime.CatalogSource) (*temporal.Runner, error) {
	queue := cfg.TaskQueue
	if queue == "" {
		queue = "studioflow"
	}
	c, err := client.NewLazyClient(client.Options{HostPort: cfg.Temporal, Namespace: cfg.TemporalNamespace,
		Logger: tlog.NewStructuredLogger(s.logger)})
	if err != nil {
		return nil, fmt.Errorf("studioserver: temporal %s: %w", cfg.Temporal, err)
	}
	services := s.adapter.Services(base)
	s.temporal = c
	s.worker = worker.New(c, queue, worker.Options{})
	(&temporal.Worker{VoiceInReply: true, Activities: &temporal.Activities{Services: services, Source: source, Modules: source}}).Register(s.worker)
	return &temporal.Runner{Client: c, TaskQueue: queue, Source: source, Voice: services.Voice}, nil
}

// load syncs every flow and module file in dir into the catalog, and
// makes the catalog serve what the manifest says: numbers, drafts and
// test users. It returns the manifest's function URLs. A flow file that
// does not check stops the boot, unless the flow was published before:
// then that version keeps serving, and the error is logged.
func (s *server) load(ctx context.Context, dir string) (map[string]string, error) {
	var m manifest
	if data, err := os.ReadFile(filepath.Join(dir, manifestName)); err == nil {
		if err := json.Unmarshal(data, &m); err != nil {
			return nil, fmt.Errorf("studioserver: %s: %w", filepath.Join(dir, manifestName), err)
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("studioserver: %w", err)
	}
	drafts := map[string]bool{} // files that are drafts, not flows of their own
	for _, e := range m.Flows {
		if e.Draft != "" {
			drafts[e.Draft] = true
		}
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	var modules, flows []parsed
	for _, f := range files {
		if base := filepath.Base(f); base == manifestName || drafts[base] {
			continue
		}
		p, err := parseFile(f)
		if err != nil {
			return nil, err
		}
		if p.def.IsModule() {
			modules = append(modules, p)
		} else {
			flows = append(flows, p)
		}
	}
	if len(flows) == 0 {
		return nil, fmt.Errorf("studioserver: no flows (*.json) in %s", dir)
	}
	// Modules first: a flow's check resolves the modules it runs.
	for _, p := range modules {
		if _, err := s.sync(ctx, version.KindModule, "", p); err != nil {
			return nil, err
		}
	}
	functions := map[string]string{}
	for _, p := range flows {
		entry := m.Flows[p.name]
		sid, err := s.sync(ctx, version.KindFlow, entry.Sid, p)
		if err != nil {
			return nil, err
		}
		s.flows[p.name] = sid
		if err := s.serve(ctx, dir, p.name, sid, entry); err != nil {
			return nil, err
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
	return functions, s.retireMissing(ctx)
}

// parsed is a flow or module file, read.
type parsed struct {
	name string // the file name without .json
	def  *flow.Definition
}

func parseFile(path string) (parsed, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return parsed{}, fmt.Errorf("studioserver: %w", err)
	}
	def, err := flow.Parse(data)
	if err != nil {
		return parsed{}, fmt.Errorf("studioserver: %s: %w", path, err)
	}
	return parsed{strings.TrimSuffix(filepath.Base(path), ".json"), def}, nil
}

// sync publishes p as the item of its kind and name (under id, when the
// manifest gives one), and returns the item's id. A file that does not
// check leaves a published version serving, with the error logged and
// the draft it made discarded; with none, it is an error.
func (s *server) sync(ctx context.Context, kind version.Kind, id string, p parsed) (string, error) {
	res, err := s.catalog.SyncID(ctx, actor, kind, id, p.name, p.def)
	if err == nil {
		s.logger.Info("studioserver: "+string(kind), "file", p.name+".json", "sid", res.Item.ID, "revision", res.Version.Revision, "changed", res.Changed)
		return res.Item.ID, nil
	}
	var te *version.TransitionError
	if !errors.As(err, &te) || te.Rule != version.RulePublishErrors {
		// Not a file that does not check (a renamed file whose sid is
		// another flow's, the store failing): nothing keeps serving.
		return "", fmt.Errorf("studioserver: %s %s: %w", kind, p.name, err)
	}
	if id == "" {
		id = version.StableID(kind, p.name)
	}
	it, gerr := s.catalog.Get(ctx, actor, id)
	if gerr != nil || it.Published() == nil {
		return "", fmt.Errorf("studioserver: %s %s: %w", kind, p.name, err)
	}
	if d := it.Draft(); d != nil {
		if derr := s.catalog.Discard(ctx, actor, id, d.Revision); derr != nil {
			s.logger.Error("studioserver: could not discard the draft a file that does not check left", "file", p.name+".json", "error", derr)
		}
	}
	s.logger.Error("studioserver: the file does not check; its published revision keeps serving",
		"file", p.name+".json", "sid", id, "revision", it.Published().Revision, "error", err)
	return id, nil
}

// serve makes flow sid's numbers, draft and test users what the
// manifest's entry says.
func (s *server) serve(ctx context.Context, dir, name, sid string, entry manifestFlow) error {
	// Addresses are kept trimmed (Assign trims them): compare them so.
	numbers := make([]string, 0, len(entry.Numbers))
	for _, n := range entry.Numbers {
		if n = strings.TrimSpace(n); n != "" {
			numbers = append(numbers, n)
		}
	}
	it, err := s.catalog.Get(ctx, actor, sid)
	if err != nil {
		return fmt.Errorf("studioserver: flow %s: %w", name, err)
	}
	for _, n := range numbers {
		err := s.catalog.Assign(ctx, actor, n, sid)
		if err != nil {
			// The number moved to this flow in the manifest: take it
			// from the flow that had it.
			if uerr := s.catalog.Unassign(ctx, actor, n); uerr == nil {
				err = s.catalog.Assign(ctx, actor, n, sid)
			}
		}
		if err != nil {
			return fmt.Errorf("studioserver: flow %s: number %s: %w", name, n, err)
		}
	}
	for _, n := range it.Addresses {
		if !slices.Contains(numbers, n) {
			if err := s.catalog.Unassign(ctx, actor, n); err != nil {
				return fmt.Errorf("studioserver: flow %s: number %s: %w", name, n, err)
			}
		}
	}
	if err := s.catalog.SetTestUsers(ctx, actor, sid, entry.TestUsers); err != nil {
		return fmt.Errorf("studioserver: flow %s: test users: %w", name, err)
	}
	d := it.Draft()
	if entry.Draft == "" {
		if d != nil {
			return s.catalog.Discard(ctx, actor, sid, d.Revision)
		}
		return nil
	}
	p, err := parseFile(filepath.Join(dir, entry.Draft))
	if err != nil {
		return err
	}
	hash, err := version.Hash(p.def)
	if err != nil {
		return err
	}
	if d != nil && d.Hash == hash {
		return nil
	}
	if d == nil {
		if d, err = s.catalog.Edit(ctx, actor, sid); err != nil {
			return fmt.Errorf("studioserver: flow %s: draft: %w", name, err)
		}
	}
	v, err := s.catalog.SaveDraft(ctx, actor, sid, d.Revision, p.def, "Synced draft "+entry.Draft)
	if err != nil {
		return fmt.Errorf("studioserver: flow %s: draft %s: %w", name, entry.Draft, err)
	}
	if v.Problems.HasErrors() {
		s.logger.Warn("studioserver: the draft does not check: its test users reach a flow that fails", "file", entry.Draft, "problems", v.Problems.String())
	}
	return nil
}

// retireMissing takes the numbers off flows whose file is gone, so that
// no webhook without ?flow= reaches them; they stay in the catalog for
// the executions still running on them.
func (s *server) retireMissing(ctx context.Context) error {
	items, err := s.catalog.List(ctx, actor, version.KindFlow)
	if err != nil {
		return fmt.Errorf("studioserver: %w", err)
	}
	served := map[string]bool{}
	for _, sid := range s.flows {
		served[sid] = true
	}
	for _, it := range items {
		if served[it.ID] || len(it.Addresses) == 0 {
			continue
		}
		for _, n := range it.Addresses {
			if err := s.catalog.Unassign(ctx, actor, n); err != nil {
				return fmt.Errorf("studioserver: flow %s: number %s: %w", it.Name, n, err)
			}
		}
		s.logger.Warn("studioserver: a flow's file is gone: its numbers were taken off it", "flow", it.Name, "sid", it.ID, "numbers", it.Addresses)
	}
	return nil
}

// ready answers 200 when the store answers and the engine is set up, and
// 503 once the server shuts down.
func (s *server) ready(w http.ResponseWriter, r *http.Request) {
	if s.draining.Load() {
		http.Error(w, "shutting down", http.StatusServiceUnavailable)
		return
	}
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
func (s *server) close() error {
	if s.worker != nil {
		s.worker.Stop()
	}
	if s.temporal != nil {
		s.temporal.Close()
	}
	return s.db.Close()
}
