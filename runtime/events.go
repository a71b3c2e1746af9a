package runtime

import (
	"context"
	"fmt"
	"runtime/debug"
	"sync"
	"time"
)

// Event types sent to a Sink.
const (
	// EventExecutionStarted: an execution was created.
	EventExecutionStarted = "execution.started"
	// EventStepEnded: a step (a transition) was taken.
	EventStepEnded = "step.ended"
	// EventExecutionEnded: an execution ended or failed.
	EventExecutionEnded = "execution.ended"
)

// Event is one notification for subscribers. It never carries the
// execution's context, so nothing sensitive reaches a sink.
type Event struct {
	// Type is one of the Event* constants.
	Type string `json:"type"`
	// ExecutionID, FlowSid and Revision name the execution and the
	// definition it runs.
	ExecutionID string `json:"execution_id"`
	// FlowSid is the flow the execution runs.
	FlowSid string `json:"flow_sid"`
	// Revision is the flow's revision the execution runs.
	Revision int `json:"revision"`
	// Time is when it happened, by the engine's clock.
	Time time.Time `json:"time"`
	// Step is set on step.ended.
	Step *Step `json:"step,omitempty"`
	// Status and Reason are set on execution.ended.
	Status Status `json:"status,omitempty"`
	// Reason says why the execution failed or was ended, if it did.
	Reason string `json:"reason,omitempty"`
	// FailureCode is set on execution.ended when the execution failed (or
	// expired): see Execution.FailureCode.
	FailureCode FailureCode `json:"failure_code,omitempty"`
}

// Sink receives events after the execution change they describe has been
// saved. A sink error is logged and never stops a flow.
type Sink interface {
	// Publish delivers one event; an error is logged by the engine.
	Publish(ctx context.Context, ev Event) error
}

// SinkFunc adapts a function to Sink.
type SinkFunc func(ctx context.Context, ev Event) error

// Publish calls f.
func (f SinkFunc) Publish(ctx context.Context, ev Event) error { return f(ctx, ev) }

// MemorySink records events, for tests.
type MemorySink struct {
	mu     sync.Mutex
	events []Event
}

// Publish implements Sink.
func (s *MemorySink) Publish(_ context.Context, ev Event) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.events = append(s.events, ev)
	return nil
}

// Events returns a copy of what was published.
func (s *MemorySink) Events() []Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Event(nil), s.events...)
}

// publish hands the events to the sink. A sink that fails or panics is
// logged and changes nothing: the execution is saved already.
func (e *Engine) publish(ctx context.Context, evs []Event) {
	if e.sink == nil {
		return
	}
	for _, ev := range evs {
		if err := e.publishOne(ctx, ev); err != nil {
			e.logger.Error("studioflow: event sink failed", "event", ev.Type, "execution", ev.ExecutionID, "error", err)
		}
	}
}

func (e *Engine) publishOne(ctx context.Context, ev Event) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("the sink panicked: %v\n%s", p, debug.Stack())
		}
	}()
	return e.sink.Publish(ctx, ev)
}
