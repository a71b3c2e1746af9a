package runtime

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Sentinel errors callers branch on with errors.Is.
var (
	// ErrNotFound: no such execution (or flow).
	ErrNotFound = errors.New("not found")
	// ErrConflict: the operation lost a race or would make a second active
	// execution for one session.
	ErrConflict = errors.New("conflict")
	// ErrRefused: the request does not fit the execution's state (an event
	// the wait does not accept, a resume of an ended execution). Nothing
	// changed.
	ErrRefused = errors.New("refused")
	// ErrStale: an event names a wait (widgets.Event.Token) that is no
	// longer the execution's current wait: another answer was taken
	// first. Nothing ran for it (but see ErrLate). Errors wrapping it wrap
	// ErrRefused too.
	ErrStale = errors.New("stale event")
	// ErrLate: an event came after its wait's deadline, or the execution's
	// lifetime, and what was owed first ran, and was saved, before the
	// event was refused: the wait's timeout, or the end of the execution.
	// Errors wrapping it wrap ErrRefused too. A host that buffers what a
	// run says (on a call) has that run's output to deal with; any other
	// refusal ran nothing.
	ErrLate = errors.New("late event")
	// ErrRateLimited: admission refused a start; see *RateLimitError.
	ErrRateLimited = errors.New("rate limited")
	// ErrCorrupt: a stored execution does not decode, or decodes to
	// something no execution can be (no frames, a null context). The engine
	// never runs such a record: End, the expiry pass and a new start for its
	// session end it unread through Store.ForceEnd.
	ErrCorrupt = errors.New("corrupt execution record")
)

// ConflictError is returned when a session already has an active execution
// (a second REST start for one contact) or a save lost a race. It unwraps
// to ErrConflict.
type ConflictError struct {
	// ActiveID is the execution already active for the session, if that is
	// the conflict.
	ActiveID string
	// Msg says what conflicted.
	Msg string
}

// Error says what conflicted, naming the active execution if any.
func (e *ConflictError) Error() string {
	if e.ActiveID != "" {
		return fmt.Sprintf("runtime: conflict: %s (active execution %s)", e.Msg, e.ActiveID)
	}
	return "runtime: conflict: " + e.Msg
}

// Unwrap makes errors.Is(err, ErrConflict) true.
func (e *ConflictError) Unwrap() error { return ErrConflict }

// Store keeps executions. Implementations must be safe for concurrent use
// and must store executions so that what Load returns is independent of
// what was saved (no shared maps). Package runtime/storetest checks a
// Store against this contract; run it from the store's own tests.
type Store interface {
	// Create stores a new execution with Version 1. When e.Key is set and
	// another active execution holds the key, it returns a *ConflictError
	// naming that execution.
	Create(ctx context.Context, e *Execution) error
	// Load returns the execution with the given id, or ErrNotFound. A
	// record that does not decode gives an error wrapping ErrCorrupt
	// (UnmarshalExecution's errors do).
	Load(ctx context.Context, id string) (*Execution, error)
	// Save replaces the stored execution if its stored Version equals
	// e.Version, and increments e.Version; otherwise it returns a
	// *ConflictError. An execution that is no longer active releases its
	// session key.
	Save(ctx context.Context, e *Execution) error
	// FindActive returns the id of the active execution holding key, or
	// ErrNotFound.
	FindActive(ctx context.Context, key string) (string, error)
	// Due lists the ids of active executions whose DueAt is at or before t,
	// earliest first, at most limit (all when limit <= 0). Expiry passes
	// on several engines may list the same ids: each delivers a timeout
	// under the execution's lock, and a pass that comes second finds the
	// wait answered, so each timeout is delivered once. (A store may
	// claim what it lists, so that concurrent passes split the work: a
	// claim keeps other stores, in other processes, from listing the ids
	// for a while, and never hides them from the store's own later Due
	// calls; a Save ends it.)
	Due(ctx context.Context, t time.Time, limit int) ([]string, error)
	// DeleteBefore deletes the executions created before t that are no
	// longer active, and reports how many.
	DeleteBefore(ctx context.Context, t time.Time) (int, error)
	// List returns a page of executions, newest first (by CreatedAt, then
	// id), selected by f, and the cursor of the next page ("" after the
	// last). Twilio's Executions API lists a flow's executions so.
	List(ctx context.Context, f ListFilter) (page []*Execution, next string, err error)
	// Delete deletes the execution with the given id, whatever its status,
	// freeing its session key; ErrNotFound when there is none.
	Delete(ctx context.Context, id string) error
	// Lock takes the lock named key, waiting while another holder has
	// it, until ctx ends (then it returns ctx's error and holds nothing).
	// The engine names an execution ("execution " + id) or a session
	// ("session " + key) and holds the lock from loading to saving, so
	// that two runners of one execution or one session never run at the
	// same time: on one process for MemoryStore, across processes for a
	// store that locks in its database. release frees the lock; calling
	// it more than once does nothing more.
	Lock(ctx context.Context, key string) (release func(), err error)
	// ForceEnd ends the execution with the given id as failed without
	// decoding it, whatever its stored version, for records that Load
	// refuses with ErrCorrupt: afterwards Load returns a decodable ended
	// execution carrying end's code and reason, the session key is free,
	// and Due no longer lists it. ErrNotFound when there is no such record.
	ForceEnd(ctx context.Context, id string, end ForcedEnd) error
}

// ListFilter selects the executions Store.List returns.
type ListFilter struct {
	// FlowSid selects one flow's executions; "" selects every flow's.
	FlowSid string
	// CreatedFrom and CreatedTo bound CreatedAt: from inclusive, to
	// exclusive; a zero time leaves that end open.
	CreatedFrom, CreatedTo time.Time
	// Status selects one status; "" selects all.
	Status Status
	// Done selects the executions no longer active, whatever their status
	// (ended, failed ...): Twilio's "ended".
	Done bool
	// Limit is the page size: DefaultListLimit when 0, at most
	// MaxListLimit.
	Limit int
	// Cursor continues a listing: the next cursor of the previous page.
	Cursor string
}

// Page sizes of Store.List.
const (
	DefaultListLimit = 50
	MaxListLimit     = 1000
)

// ForcedEnd is how Store.ForceEnd ends a record.
type ForcedEnd struct {
	// Code and Reason are stored on the ended execution.
	Code FailureCode
	// Reason says why, for people.
	Reason string
	// At is when, by the engine's clock.
	At time.Time
}

// storeCall runs a store's write, turning a panic into an error, so that a
// faulty store takes the path of a failed write (a start is undone, not
// left holding its contact) instead of escaping past it.
func storeCall(op string, f func() error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("runtime: the store panicked in %s: %v", op, p)
		}
	}()
	return f()
}
