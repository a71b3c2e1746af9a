package runtime

import (
	"cmp"
	"container/heap"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
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
	// claim what it lists, so that concurrent passes split the work.)
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

// MemoryStore is the in-memory Store. It keeps each execution as JSON, so
// every load is a real deserialization, exactly as with a database. It
// encodes and decodes outside its lock, which guards only the maps, so
// goroutines working on different executions do not wait on each other's
// JSON; due times are kept in a heap, so a due query costs O(log n + k).
type MemoryStore struct {
	mu     sync.Mutex
	recs   map[string]*memRecord
	active map[string]string // session key -> execution id
	due    dueHeap           // active executions by due time, some stale

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
	flow    string
	status  Status
	data    []byte
	version int64
	key     string
	active  bool
	due     int64 // Unix nanoseconds; 0 for none
	created int64 // Unix nanoseconds
}

// fromUnixNano is unixNano's inverse, in UTC.
func fromUnixNano(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

// unixNano is t in Unix nanoseconds, 0 for the zero time, clamped to
// what int64 holds (UnixNano wraps past the year 2262).
func unixNano(t time.Time) int64 {
	switch {
	case t.IsZero():
		return 0
	case t.Year() >= 2262:
		return math.MaxInt64
	case t.Year() <= 1677:
		return math.MinInt64 + 1
	}
	return t.UnixNano()
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
	old := e.Version
	e.Version = 1
	rec, err := newMemRecord(e)
	if err != nil {
		e.Version = old
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.recs[e.ID]; ok {
		e.Version = old
		return &ConflictError{Msg: "execution " + e.ID + " already exists"}
	}
	if e.Key != "" && e.Status == StatusActive {
		if id, ok := s.active[e.Key]; ok {
			e.Version = old
			return &ConflictError{ActiveID: id, Msg: "the session already has an active execution"}
		}
	}
	s.install(e.ID, rec)
	return nil
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
	for {
		s.mu.Lock()
		cur, ok := s.recs[id]
		s.mu.Unlock()
		if !ok {
			return fmt.Errorf("runtime: force end execution %s: %w", id, ErrNotFound)
		}
		at := end.At
		x := &Execution{
			ID: id, FlowSid: cur.flow, Status: StatusFailed, FailureCode: end.Code, Reason: end.Reason, Key: cur.key,
			Frames: []Frame{}, Steps: []Step{}, CreatedAt: fromUnixNano(cur.created), UpdatedAt: at, EndedAt: &at,
			Version: cur.version + 1,
		}
		rec, err := newMemRecord(x)
		if err != nil {
			return err
		}
		s.mu.Lock()
		if s.recs[id] == cur { // nobody saved meanwhile
			s.install(id, rec)
			s.mu.Unlock()
			return nil
		}
		s.mu.Unlock()
	}
}

// Save implements Store.
func (s *MemoryStore) Save(_ context.Context, e *Execution) error {
	e.Version++
	rec, err := newMemRecord(e)
	e.Version--
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cur, ok := s.recs[e.ID]
	if !ok {
		return fmt.Errorf("runtime: save execution %s: %w", e.ID, ErrNotFound)
	}
	if cur.version != e.Version {
		return &ConflictError{Msg: fmt.Sprintf("execution %s changed since it was loaded (version %d, stored %d)", e.ID, e.Version, cur.version)}
	}
	e.Version++
	s.install(e.ID, rec)
	return nil
}

// newMemRecord encodes e, outside the store's lock.
func newMemRecord(e *Execution) (*memRecord, error) {
	data, err := MarshalExecution(e)
	if err != nil {
		return nil, fmt.Errorf("runtime: encode execution %s: %w", e.ID, err)
	}
	return &memRecord{flow: e.FlowSid, status: e.Status, data: data, version: e.Version, key: e.Key, active: e.Status == StatusActive,
		due: unixNano(e.DueAt), created: unixNano(e.CreatedAt)}, nil
}

// install stores rec as execution id's record, keeping the session keys
// and the due heap; s.mu is held.
func (s *MemoryStore) install(id string, rec *memRecord) {
	if old, ok := s.recs[id]; ok && old.key != "" && s.active[old.key] == id && (!rec.active || old.key != rec.key) {
		delete(s.active, old.key)
	}
	if rec.key != "" && rec.active {
		s.active[rec.key] = id
	}
	s.recs[id] = rec
	if rec.active && rec.due != 0 {
		heap.Push(&s.due, dueEntry{at: rec.due, version: rec.version, id: id})
	}
	// Entries of records since replaced are dropped as they surface; when
	// they outnumber the records, the heap is rebuilt.
	if len(s.due) > 2*len(s.recs)+64 {
		s.rebuildDue()
	}
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

// Due implements Store: it takes the due entries off the heap's top,
// drops those of records since replaced, and puts the current ones back.
func (s *MemoryStore) Due(_ context.Context, t time.Time, limit int) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var live []dueEntry
	until := t.UnixNano()
	for len(s.due) > 0 && s.due[0].at <= until && (limit <= 0 || len(live) < limit) {
		e := heap.Pop(&s.due).(dueEntry)
		if r, ok := s.recs[e.id]; ok && r.version == e.version && r.active {
			live = append(live, e)
		}
	}
	ids := make([]string, len(live))
	for i, e := range live {
		ids[i] = e.id
		heap.Push(&s.due, e)
	}
	return ids, nil
}

// dueEntry is an execution's due time as one version of its record had
// it: the entry is current while that version is the stored one. (It
// names the record, rather than pointing at it, so that a stale entry
// keeps no old JSON alive.)
type dueEntry struct {
	at      int64 // Unix nanoseconds
	version int64
	id      string
}

// dueHeap orders entries by due time, then id (container/heap).
type dueHeap []dueEntry

func (h dueHeap) Len() int { return len(h) }
func (h dueHeap) Less(i, j int) bool {
	if h[i].at == h[j].at {
		return h[i].id < h[j].id
	}
	return h[i].at < h[j].at
}
func (h dueHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *dueHeap) Push(x any)   { *h = append(*h, x.(dueEntry)) }
func (h *dueHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	*h = old[:len(old)-1]
	return e
}

// rebuildDue makes the heap again from the current records; s.mu is held.
func (s *MemoryStore) rebuildDue() {
	h := make(dueHeap, 0, len(s.recs))
	for id, r := range s.recs {
		if r.active && r.due != 0 {
			h = append(h, dueEntry{at: r.due, version: r.version, id: id})
		}
	}
	heap.Init(&h)
	s.due = h
}

// List implements Store. It walks every record: fine for tests and small
// hosts; a database indexes flow and creation time.
func (s *MemoryStore) List(_ context.Context, f ListFilter) ([]*Execution, string, error) {
	limit := f.Limit
	switch {
	case limit <= 0:
		limit = DefaultListLimit
	case limit > MaxListLimit:
		limit = MaxListLimit
	}
	after, afterID, err := parseCursor(f.Cursor)
	if err != nil {
		return nil, "", err
	}
	from, to := unixNano(f.CreatedFrom), unixNano(f.CreatedTo)
	type hit struct {
		id      string
		created int64
		data    []byte
	}
	var hits []hit
	s.mu.Lock()
	for id, r := range s.recs {
		switch {
		case f.FlowSid != "" && r.flow != f.FlowSid,
			f.Status != "" && r.status != f.Status,
			from != 0 && r.created < from,
			to != 0 && r.created >= to,
			f.Cursor != "" && (r.created > after || r.created == after && id >= afterID):
			continue
		}
		hits = append(hits, hit{id, r.created, r.data})
	}
	s.mu.Unlock()
	slices.SortFunc(hits, func(a, b hit) int {
		if a.created != b.created {
			return cmp.Compare(b.created, a.created)
		}
		return strings.Compare(b.id, a.id)
	})
	next := ""
	if len(hits) > limit {
		hits = hits[:limit]
		last := hits[limit-1]
		next = strconv.FormatInt(last.created, 10) + "/" + last.id
	}
	page := make([]*Execution, 0, len(hits))
	for _, h := range hits {
		x, err := UnmarshalExecution(h.data)
		if err != nil {
			return nil, "", fmt.Errorf("runtime: list: execution %s: %w", h.id, err)
		}
		page = append(page, x)
	}
	return page, next, nil
}

// parseCursor reads a List cursor: the last listed record's creation time
// and id.
func parseCursor(c string) (int64, string, error) {
	if c == "" {
		return 0, "", nil
	}
	at, id, ok := strings.Cut(c, "/")
	n, err := strconv.ParseInt(at, 10, 64)
	if !ok || err != nil || id == "" {
		return 0, "", fmt.Errorf("runtime: list: cursor %q is not one List gave: %w", c, ErrRefused)
	}
	return n, id, nil
}

// Delete implements Store.
func (s *MemoryStore) Delete(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.recs[id]
	if !ok {
		return fmt.Errorf("runtime: delete execution %s: %w", id, ErrNotFound)
	}
	if r.key != "" && s.active[r.key] == id {
		delete(s.active, r.key)
	}
	delete(s.recs, id)
	return nil
}

// DeleteBefore implements Store.
func (s *MemoryStore) DeleteBefore(_ context.Context, t time.Time) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for id, r := range s.recs {
		if !r.active && r.created < t.UnixNano() {
			delete(s.recs, id)
			n++
		}
	}
	if n > 0 {
		s.rebuildDue()
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
