package runtime

import (
	"context"

	"github.com/studioflow/studioflow/widgets"
)

// Runner is what a host's webhooks and APIs call to run executions:
// start one, deliver an event to it, read it, find a session's active one,
// and end it. *Engine is one, over its Store; package adapters/temporal's
// Runner is another, over Temporal workflows. The Twilio adapter serves a
// number with either.
type Runner interface {
	// Start starts an execution (Engine.Start). A message or a
	// conversation message for a session with an active execution is
	// delivered to it (MessageEvent); any other second start for a session
	// is refused with a *ConflictError naming the active execution.
	Start(ctx context.Context, req StartRequest) (*Execution, error)
	// Resume delivers an event to a waiting execution (Engine.Resume):
	// an event the wait does not take is refused with ErrRefused (and
	// ErrStale when it answers another wait), and the execution still
	// waits.
	Resume(ctx context.Context, id string, ev widgets.Event) (*Execution, error)
	// Get returns an execution (Engine.Get).
	Get(ctx context.Context, id string) (*Execution, error)
	// Settled is Get once no run of the execution is in progress
	// (Engine.Settled).
	Settled(ctx context.Context, id string) (*Execution, error)
	// FindActive returns the id of the session's active execution
	// (Engine.FindActive), or an error wrapping ErrNotFound.
	FindActive(ctx context.Context, req StartRequest) (string, error)
	// End ends an active execution with reason recorded (Engine.End).
	End(ctx context.Context, id, reason string) (*Execution, error)
}

var _ Runner = (*Engine)(nil)
