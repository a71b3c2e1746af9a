// Command studioserver runs exported Twilio Studio flows on your own
// infrastructure: Twilio's voice and messaging webhooks (adapters/twilio),
// Twilio's Studio REST API v2 for executions and flows, SQLite or
// PostgreSQL storage (adapters/sqlstore), and the expiry worker that
// delivers timeouts, in one process. Several instances may share one
// PostgreSQL database.
//
//	go run ./examples/studioserver -flows DIR
//
// serves every *.json export in DIR (flows, and modules) on
// 127.0.0.1:8080 with a SQLite file, studioflow.db. A flow's sid is
// derived from its file name, the same on every boot and instance; an
// optional DIR/studioflow.json maps numbers, test users and function
// sids to flows (see manifest). Point a Twilio number's "A call comes in"
// webhook at {public URL}/voice/incoming, its call status callback at
// {public URL}/voice/status, and "A message comes in" at
// {public URL}/messaging/incoming; the Studio REST API answers under
// {public URL}/v2 (https://studio.twilio.com/v2 for Twilio's helper
// libraries, through their HTTP client or a proxy). /healthz and /readyz
// answer for load balancers.
//
// With -temporal HOST:PORT the executions run on Temporal instead
// (adapters/temporal): the server is a worker of -task-queue, its
// webhooks start and advance executions as workflows, waits are workflow
// timers, and the Studio REST API (which reads executions from the SQL
// store) answers 501. Several servers may share the task queue.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/studioflow/studioflow/runtime"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// drainNotice is how long /readyz answers 503 before the server stops
// accepting connections.
const drainNotice = 2 * time.Second

// loopback reports whether addr (host:port) listens on this machine only.
func loopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func run(args []string) error {
	fs := flag.NewFlagSet("studioserver", flag.ContinueOnError)
	var cfg config
	addr := fs.String("addr", "127.0.0.1:8080", "the address to listen on")
	fs.StringVar(&cfg.Flows, "flows", "", "the folder of exported flows and modules (*.json), and its optional studioflow.json (required)")
	fs.StringVar(&cfg.SQLite, "db", "studioflow.db", "the SQLite file")
	fs.StringVar(&cfg.Postgres, "postgres", os.Getenv("STUDIOFLOW_POSTGRES"), "a PostgreSQL DSN, instead of SQLite (several instances share it)")
	fs.StringVar(&cfg.PublicURL, "public-url", "", "the URL Twilio reaches this server at, which webhook signatures are computed against (default http://ADDR)")
	fs.StringVar(&cfg.AccountSid, "account-sid", os.Getenv("TWILIO_ACCOUNT_SID"), "the Twilio account sid")
	// Secrets come from the environment after parsing, never as a flag's
	// default: the usage text, printed on a mistyped flag, shows defaults.
	fs.StringVar(&cfg.AuthToken, "auth-token", "", "the Twilio auth token (default $TWILIO_AUTH_TOKEN)")
	fs.StringVar(&cfg.APIKey, "api-key", os.Getenv("TWILIO_API_KEY"), "the sid of an API key (SK...) that authenticates Studio API requests beside the auth token, with -api-secret")
	fs.StringVar(&cfg.APISecret, "api-secret", "", "that API key's secret (default $TWILIO_API_SECRET)")
	fs.StringVar(&cfg.APIBaseURL, "twilio-api", "https://api.twilio.com", "Twilio's REST API base URL")
	fs.BoolVar(&cfg.InsecureSkipSignature, "insecure-skip-signature", false, "accept webhooks without a valid X-Twilio-Signature (local testing only)")
	fs.StringVar(&cfg.Temporal, "temporal", os.Getenv("STUDIOFLOW_TEMPORAL"), "run the executions on Temporal at `HOST:PORT` instead of the SQL store (the catalog stays in the database)")
	fs.StringVar(&cfg.TemporalNamespace, "temporal-namespace", "default", "the Temporal namespace (with -temporal)")
	fs.StringVar(&cfg.TaskQueue, "task-queue", "studioflow", "the Temporal task queue this server works on (with -temporal)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if cfg.AuthToken == "" {
		cfg.AuthToken = os.Getenv("TWILIO_AUTH_TOKEN")
	}
	if cfg.APISecret == "" {
		cfg.APISecret = os.Getenv("TWILIO_API_SECRET")
	}
	if (cfg.APIKey == "") != (cfg.APISecret == "") {
		return errors.New("studioserver: give -api-key and -api-secret (TWILIO_API_KEY, TWILIO_API_SECRET) together")
	}
	if cfg.Flows == "" {
		fs.Usage()
		return errors.New("studioserver: -flows is required")
	}
	cfg.Logger = slog.New(slog.NewJSONHandler(os.Stderr, nil))
	if cfg.AccountSid == "" || cfg.AuthToken == "" {
		// A local try-out only: with credentials anyone knows, the API is
		// open and webhooks can be forged, so never beyond this machine.
		if !loopback(*addr) {
			return errors.New("studioserver: -account-sid and -auth-token (TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN) are required to listen beyond 127.0.0.1")
		}
		cfg.AccountSid, cfg.AuthToken = "AC00000000000000000000000000000000", "00000000000000000000000000000000"
		cfg.Logger.Warn("studioserver: no -account-sid and -auth-token (TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN): using placeholders; nothing can reach Twilio")
	}
	if cfg.PublicURL == "" {
		cfg.PublicURL = "http://" + *addr
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	s, err := open(ctx, cfg)
	if err != nil {
		return err
	}
	defer s.close()

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: s.handler, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 30 * time.Second, IdleTimeout: 2 * time.Minute}
	var background sync.WaitGroup
	background.Add(2)
	if s.worker != nil {
		// On Temporal, waits are workflow timers: this process works on
		// the task queue instead of running the expiry worker.
		if err := s.worker.Start(); err != nil {
			return fmt.Errorf("studioserver: temporal worker: %w", err)
		}
		background.Done()
	} else {
		worker := &runtime.ExpiryWorker{Engine: s.engine, OnChanged: s.adapter.PushAfterExpiry(s.engine),
			OnError: func(err error) { cfg.Logger.Error("studioserver: expiry", "error", err) }}
		go func() {
			defer background.Done()
			worker.Run(ctx)
		}()
	}
	go func() {
		defer background.Done()
		s.pruneReplays(ctx, time.Hour)
	}()
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	cfg.Logger.Info("studioserver: serving", "addr", ln.Addr().String(), "public_url", cfg.PublicURL, "flows", s.flows)

	select {
	case err = <-served:
	case <-ctx.Done():
		// Not ready from now on, so that load balancers stop sending;
		// then the requests in flight finish (within 30 s), and the
		// store is closed.
		cfg.Logger.Info("studioserver: shutting down")
		s.draining.Store(true)
		time.Sleep(drainNotice) // load balancers' probes see 503 before the listener closes
		shutdown, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err = srv.Shutdown(shutdown); err != nil {
			// Requests still running past 30 s are cut off; their
			// handlers may still be finishing when the store closes,
			// and a replay claim one of them held expires in a minute.
			srv.Close()
		}
	}
	stop()
	background.Wait()
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}
