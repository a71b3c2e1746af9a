package runtime

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
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
	// first. Nothing ran. Errors wrapping it wrap ErrRefused too.
	ErrStale = errors.New("stale event")
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
// what was saved (no shared maps).
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
	// earliest first, at most limit (all when limit <= 0).
	Due(ctx context.Context, t time.Time, limit int) ([]string, error)
	// DeleteBefore deletes the executions created before t that are no
	// longer active, and reports how many.
	DeleteBefore(ctx context.Context, t time.Time) (int, error)
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

// ForcedEnd is how Store.ForceEnd ends a record.
type ForcedEnd struct {
	// Code and Reason are stored on the ended execution.
	Code FailureCode
	// Reason says why, for people.
	Reason string
	// At is when, by the engine's clock.
	At time.Time
}

// MemoryStore is the in-memory Store. It keeps each execution as JSON, so
// every load is a real deserialization, exactly as with a database.
type MemoryStore struct {
	mu     sync.Mutex
	recs   map[string]*memRecord
	active map[string]string // session key -> execution id

	locksMu sync.Mutex
	locks   map[string]*memLock // held or awaited, by name
}

// memLock is one named lock: a one-slot channel, with the number of
// goroutines holding or awaiting it (the entry goes when none does).
type memLock struct {
	slot  chan struct{}
	users int
}

type memRecord struct {
	data      []byte
	version   int64
	status    Status
	key       string
	due       time.Time
	createdAt time.Time
}

// NewMemoryStore returns an empty in-memory store.
func NewMemoryStore() *MemoryStore {
	return &MemoryStore{recs: map[string]*memRecord{}, active: map[string]string{}, locks: map[string]*memLock{}}
}

// Lock implements Store: a lock within this process.
func (s *MemoryStore) Lock(ctx context.Context, key string) (func(), error) {
	s.locksMu.Lock()
	l := s.locks[key]
	if l == nil {
		l = &memLock{slot: make(chan struct{}, 1)}
		s.locks[key] = l
	}
	l.users++
	s.locksMu.Unlock()
	leave := func() {
		s.locksMu.Lock()
		if l.users--; l.users == 0 {
			delete(s.locks, key)
		}
		s.locksMu.Unlock()
	}
	select {
	case l.slot <- struct{}{}:
	case <-ctx.Done():
		leave()
		return nil, ctx.Err()
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			<-l.slot
			leave()
		})
	}, nil
}

// Create implements Store.
func (s *MemoryStore) Create(_ context.Context, e *Execution) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.recs[e.ID]; ok {
		return &ConflictError{Msg: "execution " + e.ID + " already exists"}
	}
	if e.Key != "" && e.Status == StatusActive {
		if id, ok := s.active[e.Key]; ok {
			return &ConflictError{ActiveID: id, Msg: "the session already has an active execution"}
		}
	}
	e.Version = 1
	return s.put(e)
}

// Load implements Store.
func (s *MemoryStore) Load(_ context.Context, id string) (*Execution, error) {
	s.mu.Lock()
	rec, ok := s.recs[id]
	s.mu.Unlock()
	if !ok {
		return nil, fmt.Errorf("runtime: execution %s: %w", id, ErrNotFound)
	}
	x, err := UnmarshalExecution(rec.data)
	if err != nil {
		return nil, fmt.Errorf("runtime: execution %s: %w", id, err)
	}
	return x, nil
}

// ForceEnd implements Store.
func (s *MemoryStore) ForceEnd(_ context.Context, id string, end ForcedEnd) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, ok := s.recs[id]
	if !ok {
		return fmt.Errorf("runtime: force end execution %s: %w", id, ErrNotFound)
	}
	at := end.At
	x := &Execution{
		ID: id, Status: StatusFailed, FailureCode: end.Code, Reason: end.Reason, Key: rec.key,
		Frames: []Frame{}, Steps: []Step{}, CreatedAt: rec.createdAt, UpdatedAt: at, EndedAt: &at,
		Version: rec.version + 1,
	}
	return s.put(x)
}

// Save implements Store.
func (s *MemoryStore) Save(_ context.Context, e *Execution) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, ok := s.recs[e.ID]
	if !ok {
		return fmt.Errorf("runtime: save execution %s: %w", e.ID, ErrNotFound)
	}
	if rec.version != e.Version {
		return &ConflictError{Msg: fmt.Sprintf("execution %s changed since it was loaded (version %d, stored %d)", e.ID, e.Version, rec.version)}
	}
	e.Version++
	if err := s.put(e); err != nil {
		e.Version--
		return err
	}
	return nil
}

func (s *MemoryStore) put(e *Execution) error {
	data, err := MarshalExecution(e)
	if err != nil {
		return fmt.Errorf("runtime: encode execution %s: %w", e.ID, err)
	}
	if old, ok := s.recs[e.ID]; ok && old.key != "" && s.active[old.key] == e.ID && (e.Status != StatusActive || old.key != e.Key) {
		delete(s.active, old.key)
	}
	if e.Key != "" && e.Status == StatusActive {
		s.active[e.Key] = e.ID
	}
	s.recs[e.ID] = &memRecord{data: data, version: e.Version, status: e.Status, key: e.Key, due: e.DueAt, createdAt: e.CreatedAt}
	return nil
}

// FindActive implements Store.
func (s *MemoryStore) FindActive(_ context.Context, key string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if id, ok := s.active[key]; ok {
		return id, nil
	}
	return "", ErrNotFound
}

// Due implements Store.
func (s *MemoryStore) Due(_ context.Context, t time.Time, limit int) ([]string, error) {
	s.mu.Lock()
	type due struct {
		id string
		at time.Time
	}
	var ds []due
	for id, r := range s.recs {
		if r.status == StatusActive && !r.due.IsZero() && !r.due.After(t) {
			ds = append(ds, due{id, r.due})
		}
	}
	s.mu.Unlock()
	sort.Slice(ds, func(i, j int) bool {
		if ds[i].at.Equal(ds[j].at) {
			return ds[i].id < ds[j].id
		}
		return ds[i].at.Before(ds[j].at)
	})
	if limit > 0 && len(ds) > limit {
		ds = ds[:limit]
	}
	ids := make([]string, len(ds))
	for i, d := range ds {
		ids[i] = d.id
	}
	return ids, nil
}

// DeleteBefore implements Store.
func (s *MemoryStore) DeleteBefore(_ context.Context, t time.Time) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for id, r := range s.recs {
		if r.status != StatusActive && r.createdAt.Before(t) {
			delete(s.recs, id)
			n++
		}
	}
	return n, nil
}

// Len reports how many executions the store holds.
func (s *MemoryStore) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.recs)
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
