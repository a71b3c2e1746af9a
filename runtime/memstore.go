package runtime

import (
	"cmp"
	"container/heap"
	"context"
	"fmt"
	"hash/maphash"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// memShards is how many parts MemoryStore splits its records, its session
// keys and its locks into, each part with its own mutex: goroutines working
// on different executions rarely meet on one.
const memShards = 64

// MemoryStore is the in-memory Store. It keeps each execution as JSON, so
// every load is a real deserialization, exactly as with a database.
//
// It scales with cores: it encodes and decodes outside its locks, which
// guard only maps; records, session keys and locks are each split into
// shards by a hash of their name, each shard with its own mutex; and each
// shard keeps its records' due times in a heap, so a due query costs
// O(shards + log n + k).
type MemoryStore struct {
	seed     maphash.Seed
	recs     [memShards]recShard
	sessions [memShards]sessionShard
	locks    [memShards]lockShard
}

// recShard holds the records whose ids hash to it, and their due times.
type recShard struct {
	mu   sync.Mutex
	recs map[string]*memRecord
	due  dueHeap // this shard's active executions by due time, some stale
	_    [64]byte
}

// sessionShard holds the session keys that hash to it: key -> the id of the
// active execution holding it.
type sessionShard struct {
	mu     sync.Mutex
	active map[string]string
	_      [64]byte
}

// lockShard holds the named locks that hash to it.
type lockShard struct {
	mu    sync.Mutex
	locks map[string]*memLock // held or awaited, by name
	free  []*memLock          // unused, for the next name of this shard
	_     [64]byte
}

// memLock is one named lock: a one-slot channel, with the number of
// goroutines holding or awaiting it (the entry goes when none does). gen
// counts the releases, so that a release func frees the lock only for
// the acquisition that made it. A memLock serves names of one shard only,
// so its shard's mutex guards it, whatever name it serves.
type memLock struct {
	slot  chan struct{}
	users int
	gen   uint64
}

// maxFreeLocks bounds a shard's free list.
const maxFreeLocks = 16

type memRecord struct {
	flow    string
	key     string
	data    []byte
	version int64
	due     int64 // Unix nanoseconds; 0 for none
	created int64 // Unix nanoseconds
	status  Status
}

func (r *memRecord) active() bool { return r.status == StatusActive }

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
	s := &MemoryStore{seed: maphash.MakeSeed()}
	for i := range memShards {
		s.recs[i].recs = map[string]*memRecord{}
		s.sessions[i].active = map[string]string{}
		s.locks[i].locks = map[string]*memLock{}
	}
	return s
}

func (s *MemoryStore) shard(name string) int {
	return int(maphash.String(s.seed, name) % memShards)
}

func (s *MemoryStore) recShard(id string) *recShard          { return &s.recs[s.shard(id)] }
func (s *MemoryStore) sessionShard(key string) *sessionShard { return &s.sessions[s.shard(key)] }

// Lock implements Store: a lock within this process.
func (s *MemoryStore) Lock(ctx context.Context, key string) (func(), error) {
	sh := &s.locks[s.shard(key)]
	sh.mu.Lock()
	l := sh.locks[key]
	if l == nil {
		if n := len(sh.free); n > 0 {
			l, sh.free = sh.free[n-1], sh.free[:n-1]
		} else {
			l = &memLock{slot: make(chan struct{}, 1)}
		}
		sh.locks[key] = l
	}
	l.users++
	sh.mu.Unlock()
	select {
	case l.slot <- struct{}{}:
	case <-ctx.Done():
		sh.mu.Lock()
		sh.leave(key, l)
		sh.mu.Unlock()
		return nil, ctx.Err()
	}
	// The previous holder's release wrote gen before it emptied the slot,
	// and nobody else writes it while this holder has the slot.
	gen := l.gen
	return func() { sh.release(key, l, gen) }, nil
}

// release frees l, held under name key, if its acquisition gen is the
// current one: a release func called again does nothing.
func (sh *lockShard) release(key string, l *memLock, gen uint64) {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if l.gen != gen {
		return
	}
	l.gen++
	<-l.slot
	sh.leave(key, l)
}

// leave counts one user of l less, recycling it when none is left;
// sh.mu is held.
func (sh *lockShard) leave(key string, l *memLock) {
	if l.users--; l.users > 0 {
		return
	}
	delete(sh.locks, key)
	if len(sh.free) < maxFreeLocks {
		sh.free = append(sh.free, l)
	}
}

// Create implements Store. A session key is taken under its shard's mutex
// for the whole create, so two creates for one key never both win.
func (s *MemoryStore) Create(_ context.Context, e *Execution) error {
	old := e.Version
	e.Version = 1
	rec, err := newMemRecord(e)
	if err != nil {
		e.Version = old
		return err
	}
	var ss *sessionShard
	if e.Key != "" && rec.active() {
		ss = s.sessionShard(e.Key)
		ss.mu.Lock()
		defer ss.mu.Unlock()
		if id, ok := ss.active[e.Key]; ok && s.isActive(id) {
			e.Version = old
			return &ConflictError{ActiveID: id, Msg: "the session already has an active execution"}
		}
	}
	rs := s.recShard(e.ID)
	rs.mu.Lock()
	if _, ok := rs.recs[e.ID]; ok {
		rs.mu.Unlock()
		e.Version = old
		return &ConflictError{Msg: "execution " + e.ID + " already exists"}
	}
	rs.install(e.ID, rec)
	rs.mu.Unlock()
	if ss != nil {
		ss.active[e.Key] = e.ID
	}
	return nil
}

// isActive reports whether execution id is stored and active. (A session
// key's entry can outlive its execution's activity for the moment between
// a save that ends it and the entry's removal.)
func (s *MemoryStore) isActive(id string) bool {
	rs := s.recShard(id)
	rs.mu.Lock()
	defer rs.mu.Unlock()
	r, ok := rs.recs[id]
	return ok && r.active()
}

// Load implements Store.
func (s *MemoryStore) Load(_ context.Context, id string) (*Execution, error) {
	rs := s.recShard(id)
	rs.mu.Lock()
	rec, ok := rs.recs[id]
	rs.mu.Unlock()
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
	rs := s.recShard(id)
	for {
		rs.mu.Lock()
		cur, ok := rs.recs[id]
		rs.mu.Unlock()
		if !ok {
			return fmt.Errorf("runtime: force end execution %s: %w", id, ErrNotFound)
		}
		rec, err := newMemRecord(ForcedExecution(id, cur.flow, cur.key, fromUnixNano(cur.created), cur.version, end))
		if err != nil {
			return err
		}
		rs.mu.Lock()
		if rs.recs[id] == cur { // nobody saved meanwhile
			rs.install(id, rec)
			rs.mu.Unlock()
			s.released(id, cur, rec)
			return nil
		}
		rs.mu.Unlock()
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
	rs := s.recShard(e.ID)
	rs.mu.Lock()
	cur, ok := rs.recs[e.ID]
	if !ok {
		rs.mu.Unlock()
		return fmt.Errorf("runtime: save execution %s: %w", e.ID, ErrNotFound)
	}
	if cur.version != e.Version {
		rs.mu.Unlock()
		return &ConflictError{Msg: fmt.Sprintf("execution %s changed since it was loaded (version %d, stored %d)", e.ID, e.Version, cur.version)}
	}
	e.Version++
	rs.install(e.ID, rec)
	rs.mu.Unlock()
	s.released(e.ID, cur, rec)
	return nil
}

// released updates the session keys after execution id's record went from
// old to rec: the key old held is freed when rec no longer holds it, and
// rec's key is taken when it holds one old did not.
func (s *MemoryStore) released(id string, old, rec *memRecord) {
	if old.key != "" && old.active() && (!rec.active() || old.key != rec.key) {
		ss := s.sessionShard(old.key)
		ss.mu.Lock()
		if ss.active[old.key] == id {
			delete(ss.active, old.key)
		}
		ss.mu.Unlock()
	}
	if rec.key != "" && rec.active() && (!old.active() || old.key != rec.key) {
		ss := s.sessionShard(rec.key)
		ss.mu.Lock()
		ss.active[rec.key] = id
		ss.mu.Unlock()
	}
}

// newMemRecord encodes e, outside the store's locks.
func newMemRecord(e *Execution) (*memRecord, error) {
	data, err := MarshalExecution(e)
	if err != nil {
		return nil, fmt.Errorf("runtime: encode execution %s: %w", e.ID, err)
	}
	return &memRecord{flow: e.FlowSid, status: e.Status, data: data, version: e.Version, key: e.Key,
		due: unixNano(e.DueAt), created: unixNano(e.CreatedAt)}, nil
}

// install stores rec as execution id's record and indexes its due time;
// rs.mu is held.
func (rs *recShard) install(id string, rec *memRecord) {
	rs.recs[id] = rec
	if rec.active() && rec.due != 0 {
		heap.Push(&rs.due, dueEntry{at: rec.due, version: rec.version, id: id})
	}
	// Entries of records since replaced are dropped as they surface; when
	// they outnumber the records, the heap is rebuilt.
	if len(rs.due) > 2*len(rs.recs)+64 {
		rs.rebuildDue()
	}
}

// FindActive implements Store.
func (s *MemoryStore) FindActive(_ context.Context, key string) (string, error) {
	ss := s.sessionShard(key)
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if id, ok := ss.active[key]; ok && s.isActive(id) {
		return id, nil
	}
	return "", ErrNotFound
}

// Due implements Store: from each shard it takes the due entries off the
// heap's top, drops those of records since replaced, and puts the current
// ones back; then it merges the shards' lists.
func (s *MemoryStore) Due(_ context.Context, t time.Time, limit int) ([]string, error) {
	until := t.UnixNano()
	var live []dueEntry
	for i := range s.recs {
		live = s.recs[i].dueUntil(until, limit, live)
	}
	slices.SortFunc(live, dueEntry.compare)
	if limit > 0 && len(live) > limit {
		live = live[:limit]
	}
	ids := make([]string, len(live))
	for i, e := range live {
		ids[i] = e.id
	}
	return ids, nil
}

// dueUntil appends to live the shard's current entries due at or before
// until, at most limit of them (all when limit <= 0).
func (rs *recShard) dueUntil(until int64, limit int, live []dueEntry) []dueEntry {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	start := len(live)
	for len(rs.due) > 0 && rs.due[0].at <= until && (limit <= 0 || len(live)-start < limit) {
		e := heap.Pop(&rs.due).(dueEntry)
		if r, ok := rs.recs[e.id]; ok && r.version == e.version && r.active() {
			live = append(live, e)
		}
	}
	for _, e := range live[start:] {
		heap.Push(&rs.due, e)
	}
	return live
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

// compare orders entries by due time, then id.
func (e dueEntry) compare(o dueEntry) int {
	if e.at != o.at {
		return cmp.Compare(e.at, o.at)
	}
	return strings.Compare(e.id, o.id)
}

// dueHeap orders entries by due time, then id (container/heap).
type dueHeap []dueEntry

func (h dueHeap) Len() int           { return len(h) }
func (h dueHeap) Less(i, j int) bool { return h[i].compare(h[j]) < 0 }
func (h dueHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *dueHeap) Push(x any)        { *h = append(*h, x.(dueEntry)) }
func (h *dueHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	*h = old[:len(old)-1]
	return e
}

// rebuildDue makes the heap again from the current records; rs.mu is held.
func (rs *recShard) rebuildDue() {
	h := make(dueHeap, 0, len(rs.recs))
	for id, r := range rs.recs {
		if r.active() && r.due != 0 {
			h = append(h, dueEntry{at: r.due, version: r.version, id: id})
		}
	}
	heap.Init(&h)
	rs.due = h
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
	var after int64
	var afterID string
	if f.Cursor != "" {
		var err error
		if after, afterID, err = ParseListCursor(f.Cursor); err != nil {
			return nil, "", err
		}
	}
	from, to := unixNano(f.CreatedFrom), unixNano(f.CreatedTo)
	type hit struct {
		id      string
		created int64
		data    []byte
	}
	var hits []hit
	for i := range s.recs {
		rs := &s.recs[i]
		rs.mu.Lock()
		for id, r := range rs.recs {
			switch {
			case f.FlowSid != "" && r.flow != f.FlowSid,
				f.Status != "" && r.status != f.Status,
				f.Done && r.status == StatusActive,
				from != 0 && r.created < from,
				to != 0 && r.created >= to,
				f.Cursor != "" && (r.created > after || r.created == after && id >= afterID):
				continue
			}
			hits = append(hits, hit{id, r.created, r.data})
		}
		rs.mu.Unlock()
	}
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
		next = ListCursor(last.created, last.id)
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

// ListCursor is the cursor of a List page whose last execution was
// created at createdUnixNano (Unix nanoseconds) and has id: the format
// every store in this repository uses, for stores of hosts to share.
func ListCursor(createdUnixNano int64, id string) string {
	return strconv.FormatInt(createdUnixNano, 10) + "/" + id
}

// ParseListCursor reads a cursor ListCursor made; anything else is
// refused with an error wrapping ErrRefused.
func ParseListCursor(c string) (createdUnixNano int64, id string, err error) {
	at, id, ok := strings.Cut(c, "/")
	n, err := strconv.ParseInt(at, 10, 64)
	if !ok || err != nil || id == "" {
		return 0, "", fmt.Errorf("runtime: list: cursor %q is not one List gave: %w", c, ErrRefused)
	}
	return n, id, nil
}

// ForcedExecution is the record Store.ForceEnd stores in place of one that
// does not decode: execution id of flowSid, holding session key, created
// at created, failed with end's code and reason, at stored version+1.
func ForcedExecution(id, flowSid, key string, created time.Time, version int64, end ForcedEnd) *Execution {
	at := end.At
	return &Execution{
		ID: id, FlowSid: flowSid, Status: StatusFailed, FailureCode: end.Code, Reason: end.Reason, Key: key,
		Frames: []Frame{}, Steps: []Step{}, CreatedAt: created, UpdatedAt: at, EndedAt: &at,
		Version: version + 1,
	}
}

// Delete implements Store.
func (s *MemoryStore) Delete(_ context.Context, id string) error {
	rs := s.recShard(id)
	rs.mu.Lock()
	r, ok := rs.recs[id]
	if ok {
		delete(rs.recs, id)
	}
	rs.mu.Unlock()
	if !ok {
		return fmt.Errorf("runtime: delete execution %s: %w", id, ErrNotFound)
	}
	if r.key != "" {
		ss := s.sessionShard(r.key)
		ss.mu.Lock()
		if ss.active[r.key] == id {
			delete(ss.active, r.key)
		}
		ss.mu.Unlock()
	}
	return nil
}

// DeleteBefore implements Store.
func (s *MemoryStore) DeleteBefore(_ context.Context, t time.Time) (int, error) {
	n := 0
	for i := range s.recs {
		rs := &s.recs[i]
		rs.mu.Lock()
		deleted := 0
		for id, r := range rs.recs {
			if !r.active() && r.created < t.UnixNano() {
				delete(rs.recs, id)
				deleted++
			}
		}
		if deleted > 0 {
			rs.rebuildDue()
		}
		rs.mu.Unlock()
		n += deleted
	}
	return n, nil
}

// Len reports how many executions the store holds.
func (s *MemoryStore) Len() int {
	n := 0
	for i := range s.recs {
		rs := &s.recs[i]
		rs.mu.Lock()
		n += len(rs.recs)
		rs.mu.Unlock()
	}
	return n
}
