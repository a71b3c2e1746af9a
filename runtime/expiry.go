package runtime

import (
	"cmp"
	"context"
	"errors"
	"time"
)

// Defaults of ExpiryWorker.
const (
	// DefaultExpiryInterval is the pause between two passes of an
	// ExpiryWorker.
	DefaultExpiryInterval = time.Second
	// DefaultExpiryBatch is how many due executions a round takes.
	DefaultExpiryBatch = 100
	// DefaultRetention is how long ended executions are kept: Twilio
	// keeps a Studio execution for 30 days.
	DefaultRetention = 30 * 24 * time.Hour
	// DefaultRetentionEvery is how often a worker deletes what retention
	// no longer keeps.
	DefaultRetentionEvery = time.Hour
)

// maxStuckBatches bounds, in batches, how many executions one pass of an
// ExpiryWorker leaves stuck (busy, or failing) before it stops.
const maxStuckBatches = 10

// ExpiryWorker runs an engine's expiry passes, and its retention, in a loop
// until its context ends: it delivers each timeout whose deadline has
// passed, ends executions past their lifetime, releases contacts whose
// first run never saved (FirstRunLease), and deletes ended executions older
// than Retention.
//
// Every instance of a host may run a worker against one shared store at
// once. Each timeout is delivered under its execution's lock, and a worker
// that comes second finds the wait answered, so no timeout is delivered
// twice; a store that claims what Store.Due lists (the SQL stores do) also
// splits the work between the workers. What a pass could not deliver (a
// store fault, a busy execution) stays due and is retried by the next pass.
//
// How often: a timeout is delivered up to Interval after its deadline, so
// Interval is the lateness a host accepts (Twilio's own timeouts are whole
// seconds). A pass with nothing due costs one due query, which every store
// in this repository answers from an index; a due execution costs a lock, a
// load, the run to its next wait and a save, as a resume does.
//
// The zero value is not usable: set Engine. A worker is not safe for
// concurrent use: run one per instance.
type ExpiryWorker struct {
	// Engine is the engine whose executions the worker expires.
	Engine *Engine
	// Interval is the pause between passes (DefaultExpiryInterval when 0).
	Interval time.Duration
	// Batch is how many due executions one round of a pass takes from the
	// store (DefaultExpiryBatch when 0). A pass runs rounds until nothing
	// more is due; an execution it could not change (busy in another run,
	// or a store fault) is skipped for the rest of the pass, so it never
	// holds up those due after it, and is tried again by the next pass.
	Batch int
	// Retention deletes ended executions created longer ago than this
	// (DefaultRetention when 0; a negative value keeps them forever).
	Retention time.Duration
	// RetentionEvery is how often a pass also runs retention
	// (DefaultRetentionEvery when 0), by the engine's clock.
	RetentionEvery time.Duration
	// Sleep waits d, or until ctx ends, and then returns ctx's error, if any
	// (a timer when nil). Tests give their own to step the worker.
	Sleep func(ctx context.Context, d time.Duration) error
	// OnError is told of the errors a pass met; the worker goes on (the
	// engine's logger when nil).
	OnError func(error)
	// OnChanged, when set, is told of each execution a pass advanced or
	// ended, after its run was saved and its lock released: a host whose
	// services buffer what a run does (a voice adapter that answers
	// webhooks with TwiML) hands it on from there, since no request of
	// its own is waiting for it.
	OnChanged func(ctx context.Context, id string)

	lastRetention time.Time
}

// ExpiryReport is what one pass of an ExpiryWorker did.
type ExpiryReport struct {
	// Changed counts the executions the pass advanced or ended.
	Changed int
	// Deleted counts the ended executions retention deleted.
	Deleted int
}

// Run runs passes, Interval apart, until ctx ends; then it returns nil. The
// errors of a pass go to OnError.
func (w *ExpiryWorker) Run(ctx context.Context) error {
	for {
		if _, err := w.Pass(ctx); err != nil && ctx.Err() == nil {
			w.report(err)
		}
		if w.sleep(ctx, cmp.Or(w.Interval, DefaultExpiryInterval)) != nil || ctx.Err() != nil {
			return nil
		}
	}
}

// Pass runs one pass: rounds of at most Batch due executions, then
// retention when RetentionEvery has passed since this worker last ran it.
// It returns what it did and the errors it met, joined.
func (w *ExpiryWorker) Pass(ctx context.Context) (ExpiryReport, error) {
	var rep ExpiryReport
	var errs []error
	batch := cmp.Or(w.Batch, DefaultExpiryBatch)
	// stuck holds the executions this pass tried and could not change (busy
	// in another run, or a store fault): they stay due, so each round asks
	// the store for that many more, and skips them, so that they never hide
	// what is due behind them. Past maxStuck the pass leaves the rest to the
	// next one.
	stuck := map[string]bool{}
	maxStuck := maxStuckBatches * batch
	for ctx.Err() == nil && len(stuck) <= maxStuck {
		limit := batch + len(stuck)
		tried := 0
		listed, err := w.Engine.expire(ctx, limit, stuck, func(id string, changed bool) {
			tried++
			if changed {
				rep.Changed++
				if w.OnChanged != nil {
					w.OnChanged(ctx, id)
				}
			} else {
				stuck[id] = true
			}
		})
		if err != nil {
			errs = append(errs, err)
		}
		if listed < limit || tried == 0 {
			break // nothing more is due, or nothing but what is stuck
		}
	}
	if ctx.Err() == nil && w.Retention >= 0 {
		now := w.Engine.clock()
		if w.lastRetention.IsZero() || now.Sub(w.lastRetention) >= cmp.Or(w.RetentionEvery, DefaultRetentionEvery) {
			n, err := w.Engine.store.DeleteBefore(ctx, now.Add(-cmp.Or(w.Retention, DefaultRetention)))
			rep.Deleted = n
			if err != nil {
				errs = append(errs, err)
			} else {
				w.lastRetention = now
			}
		}
	}
	return rep, errors.Join(errs...)
}

func (w *ExpiryWorker) sleep(ctx context.Context, d time.Duration) error {
	if w.Sleep != nil {
		return w.Sleep(ctx, d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (w *ExpiryWorker) report(err error) {
	if w.OnError != nil {
		w.OnError(err)
		return
	}
	w.Engine.logger.Error("studioflow: expiry pass", "error", err)
}
