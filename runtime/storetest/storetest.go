// Package storetest checks that a runtime.Store keeps the contract the
// engine relies on, as testing/fstest does for file systems: run it from a
// test against any store a factory returns.
//
//	func TestMyStore(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) runtime.Store { return mystore.New(t) })
//	}
//
// Each subtest gets a fresh store from the factory, and leaves behind
// only what it created in it.
package storetest

import (
	"context"
	"errors"
	"fmt"
	goruntime "runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/studioflow/studioflow/internal/conformance"
	"github.com/studioflow/studioflow/runtime"
)

// T0 is the time the suite's executions are created at.
var T0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// checks are the suite, by name.
var checks = []conformance.Check[runtime.Store]{
	{Name: "CreateLoad", Fn: createLoad},
	{Name: "LoadIsACopy", Fn: loadIsACopy},
	{Name: "SaveComparesVersions", Fn: saveComparesVersions},
	{Name: "RacingSavesOneWins", Fn: racingSavesOneWins},
	{Name: "SavedIsACopy", Fn: savedIsACopy},
	{Name: "OneActiveExecutionPerSession", Fn: oneActivePerSession},
	{Name: "RacingCreatesForOneSessionOneWins", Fn: racingCreatesOneWins},
	{Name: "DueInOrder", Fn: dueInOrder},
	{Name: "DeleteBefore", Fn: deleteBefore},
	{Name: "ListPages", Fn: listPages},
	{Name: "Delete", Fn: deleteOne},
	{Name: "ForceEnd", Fn: forceEnd},
	{Name: "NotFound", Fn: notFound},
	{Name: "LockExcludes", Fn: lockExcludes},
	{Name: "LockHonoursTheContext", Fn: lockHonoursTheContext},
}

// checker is what a check reports its failures to.
type checker = conformance.T

// Run runs the conformance suite against the stores newStore returns, one
// subtest and one store per check.
func Run(t *testing.T, newStore func(t *testing.T) runtime.Store) {
	conformance.Run(t, checks, newStore)
}

// Check runs the suite against the stores newStore returns and reports
// every way they break the contract, each prefixed by its check's name;
// nil when none does.
func Check(newStore func() runtime.Store) error { return conformance.All(checks, newStore) }

var ctx = context.Background()

// execution returns an active execution, waiting, due at due.
func execution(id, key string, due time.Time) *runtime.Execution {
	return &runtime.Execution{
		ID: id, FlowSid: "FWstoretest", Revision: 1, Status: runtime.StatusActive, Trigger: runtime.TriggerRequest,
		Key: key, Contact: "+15550001111", Address: "+15559990000",
		Frames: []runtime.Frame{{Kind: runtime.FrameFlow, Ref: "FWstoretest", Sid: "FWstoretest", Revision: 1, State: "ask",
			Context: map[string]any{"flow": map[string]any{"variables": map[string]any{"n": 1.0}}, "widgets": map[string]any{}}}},
		Wait:      &runtime.WaitState{State: "ask", Token: "1", Events: []string{"incomingMessage", "timeout"}},
		Steps:     []runtime.Step{{Name: "incomingRequest", From: "Trigger", To: "ask", Type: "trigger", Time: T0}},
		CreatedAt: T0, UpdatedAt: T0, DueAt: due,
	}
}

func mustCreate(t *checker, s runtime.Store, x *runtime.Execution) {
	if err := s.Create(ctx, x); err != nil {
		t.Fatalf("Create(%s): %v", x.ID, err)
	}
}

func mustLoad(t *checker, s runtime.Store, id string) *runtime.Execution {
	x, err := s.Load(ctx, id)
	if err != nil {
		t.Fatalf("Load(%s): %v", id, err)
	}
	return x
}

func createLoad(t *checker, s runtime.Store) {
	x := execution("FNcreate", "k-create", T0.Add(time.Hour))
	mustCreate(t, s, x)
	if x.Version != 1 {
		t.Errorf("Create set Version %d, want 1", x.Version)
	}
	got := mustLoad(t, s, "FNcreate")
	if got.ID != x.ID || got.Status != runtime.StatusActive || got.Version != 1 || got.Key != "k-create" ||
		got.Wait == nil || got.Wait.Token != "1" || len(got.Steps) != 1 || !got.DueAt.Equal(x.DueAt) {
		t.Errorf("Load returned %+v, want what was created", got)
	}
	if err := s.Create(ctx, execution("FNcreate", "", time.Time{})); !errors.Is(err, runtime.ErrConflict) {
		t.Errorf("a second Create of one id: %v, want a conflict", err)
	}
}

func loadIsACopy(t *checker, s runtime.Store) {
	mustCreate(t, s, execution("FNcopy", "", time.Time{}))
	a := mustLoad(t, s, "FNcopy")
	a.Frames[0].Context["flow"].(map[string]any)["variables"].(map[string]any)["n"] = 2.0
	b := mustLoad(t, s, "FNcopy")
	if n := b.Frames[0].Context["flow"].(map[string]any)["variables"].(map[string]any)["n"]; n != 1.0 {
		t.Errorf("a change to one load's maps reached the store: n = %v", n)
	}
}

func saveComparesVersions(t *checker, s runtime.Store) {
	mustCreate(t, s, execution("FNsave", "", time.Time{}))
	a, b := mustLoad(t, s, "FNsave"), mustLoad(t, s, "FNsave")
	a.Steps = append(a.Steps, runtime.Step{Name: "incomingMessage", From: "ask", To: "done", Type: "send-and-wait-for-reply", Time: T0})
	if err := s.Save(ctx, a); err != nil {
		t.Fatalf("Save: %v", err)
	}
	if a.Version != 2 {
		t.Errorf("Save left Version %d, want 2", a.Version)
	}
	if err := s.Save(ctx, b); !errors.Is(err, runtime.ErrConflict) {
		t.Errorf("saving a stale copy: %v, want a conflict", err)
	}
	if got := mustLoad(t, s, "FNsave"); len(got.Steps) != 2 || got.Version != 2 {
		t.Errorf("after a refused save the store holds %d steps, version %d; want the first save's 2, 2", len(got.Steps), got.Version)
	}
	if err := s.Save(ctx, execution("FNnever", "", time.Time{})); err == nil {
		t.Errorf("saving an execution never created succeeded")
	}
}

func racingSavesOneWins(t *checker, s runtime.Store) {
	mustCreate(t, s, execution("FNrace", "", time.Time{}))
	var wins atomic.Int64
	var wg sync.WaitGroup
	loaded := make([]*runtime.Execution, 8)
	for i := range loaded {
		loaded[i] = mustLoad(t, s, "FNrace") // all of one version
	}
	for _, x := range loaded {
		wg.Add(1)
		go func() {
			defer wg.Done()
			goruntime.Gosched()
			if err := s.Save(ctx, x); err == nil {
				wins.Add(1)
			} else if !errors.Is(err, runtime.ErrConflict) {
				t.Errorf("a racing save: %v, want success or a conflict", err)
			}
		}()
	}
	wg.Wait()
	if wins.Load() != 1 {
		t.Errorf("%d of 8 saves of one loaded version succeeded, want 1", wins.Load())
	}
}

func savedIsACopy(t *checker, s runtime.Store) {
	x := execution("FNsaved", "", time.Time{})
	mustCreate(t, s, x)
	x.Status = runtime.StatusFailed // after Create, unsaved
	if got := mustLoad(t, s, "FNsaved"); got.Status != runtime.StatusActive {
		t.Errorf("a change made after Create reached the store: %s", got.Status)
	}
	y := mustLoad(t, s, "FNsaved")
	if err := s.Save(ctx, y); err != nil {
		t.Fatalf("Save: %v", err)
	}
	y.Steps = nil // after Save, unsaved
	if got := mustLoad(t, s, "FNsaved"); len(got.Steps) != 1 {
		t.Errorf("a change made after Save reached the store: %d steps", len(got.Steps))
	}
}

func oneActivePerSession(t *checker, s runtime.Store) {
	mustCreate(t, s, execution("FNfirst", "k-session", time.Time{}))
	err := s.Create(ctx, execution("FNsecond", "k-session", time.Time{}))
	var ce *runtime.ConflictError
	if !errors.As(err, &ce) || ce.ActiveID != "FNfirst" {
		t.Fatalf("a second active execution for a session: %v, want a *ConflictError naming FNfirst", err)
	}
	if id, err := s.FindActive(ctx, "k-session"); err != nil || id != "FNfirst" {
		t.Errorf("FindActive = %q, %v; want FNfirst", id, err)
	}
	x := mustLoad(t, s, "FNfirst")
	now := T0.Add(time.Minute)
	x.Status, x.Wait, x.EndedAt = runtime.StatusEnded, nil, &now
	if err := s.Save(ctx, x); err != nil {
		t.Fatalf("Save: %v", err)
	}
	if _, err := s.FindActive(ctx, "k-session"); !errors.Is(err, runtime.ErrNotFound) {
		t.Errorf("an ended execution still holds its session: %v", err)
	}
	mustCreate(t, s, execution("FNsecond", "k-session", time.Time{}))
}

// racingCreatesOneWins: eight executions created at once for one session
// key, as eight instances taking one contact's first message would: one is
// stored, the others are refused naming it, and once the winner ends the
// key is free again.
func racingCreatesOneWins(t *checker, s runtime.Store) {
	const n = 8
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			goruntime.Gosched()
			errs[i] = s.Create(ctx, execution(fmt.Sprintf("FNracer%d", i), "k-racing", time.Time{}))
		}()
	}
	wg.Wait()
	winner := ""
	for i, err := range errs {
		if err == nil {
			if winner != "" {
				t.Errorf("FNracer%d and %s both hold the session", i, winner)
			}
			winner = fmt.Sprintf("FNracer%d", i)
		}
	}
	if winner == "" {
		t.Fatalf("no racing create succeeded: %v", errs)
	}
	for i, err := range errs {
		var ce *runtime.ConflictError
		if err != nil && (!errors.As(err, &ce) || ce.ActiveID != winner) {
			t.Errorf("FNracer%d: %v, want a *ConflictError naming %s", i, err, winner)
		}
	}
	if id, err := s.FindActive(ctx, "k-racing"); err != nil || id != winner {
		t.Errorf("FindActive = %q, %v; want %s", id, err, winner)
	}
	x := mustLoad(t, s, winner)
	now := T0.Add(time.Minute)
	x.Status, x.Wait, x.EndedAt = runtime.StatusEnded, nil, &now
	if err := s.Save(ctx, x); err != nil {
		t.Fatalf("Save: %v", err)
	}
	mustCreate(t, s, execution("FNafter", "k-racing", time.Time{}))
}

func dueInOrder(t *checker, s runtime.Store) {
	mustCreate(t, s, execution("FNlate", "", T0.Add(3*time.Minute)))
	mustCreate(t, s, execution("FNearly", "", T0.Add(time.Minute)))
	mustCreate(t, s, execution("FNmiddle", "", T0.Add(2*time.Minute)))
	mustCreate(t, s, execution("FNnever", "", time.Time{}))
	ended := execution("FNended", "", T0)
	ended.Status = runtime.StatusEnded
	mustCreate(t, s, ended)
	check := func(at time.Time, limit int, want ...string) {
		got, err := s.Due(ctx, at, limit)
		if err != nil {
			t.Fatalf("Due: %v", err)
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("Due(%s, %d) = %v, want %v", at.Sub(T0), limit, got, want)
		}
	}
	check(T0, 0)
	check(T0.Add(2*time.Minute), 0, "FNearly", "FNmiddle")
	check(T0.Add(time.Hour), 0, "FNearly", "FNmiddle", "FNlate")
	check(T0.Add(time.Hour), 2, "FNearly", "FNmiddle")
	// A save moves the due time.
	x := mustLoad(t, s, "FNearly")
	x.DueAt = T0.Add(time.Hour)
	if err := s.Save(ctx, x); err != nil {
		t.Fatalf("%v", err)
	}
	check(T0.Add(30*time.Minute), 0, "FNmiddle", "FNlate")
}

func deleteBefore(t *checker, s runtime.Store) {
	old := execution("FNold", "", time.Time{})
	old.Status = runtime.StatusEnded
	mustCreate(t, s, old)
	mustCreate(t, s, execution("FNactive", "", time.Time{}))
	young := execution("FNyoung", "", time.Time{})
	young.Status, young.CreatedAt = runtime.StatusEnded, T0.Add(2*time.Hour)
	mustCreate(t, s, young)
	n, err := s.DeleteBefore(ctx, T0.Add(time.Hour))
	if err != nil || n != 1 {
		t.Fatalf("DeleteBefore = %d, %v; want 1 (the ended one created before)", n, err)
	}
	mustLoad(t, s, "FNyoung")
	if _, err := s.Load(ctx, "FNold"); !errors.Is(err, runtime.ErrNotFound) {
		t.Errorf("a deleted execution loads: %v", err)
	}
	mustLoad(t, s, "FNactive")
}

func listPages(t *checker, s runtime.Store) {
	for i := range 5 {
		x := execution(fmt.Sprintf("FNlist%d", i), "", time.Time{})
		x.CreatedAt = T0.Add(time.Duration(i) * time.Minute)
		if i == 4 {
			x.FlowSid = "FWother"
		}
		switch i {
		case 1:
			x.Status = runtime.StatusEnded
		case 2:
			x.Status = runtime.StatusFailed
		}
		mustCreate(t, s, x)
	}
	ids := func(page []*runtime.Execution) string {
		var out []string
		for _, x := range page {
			out = append(out, x.ID)
		}
		return fmt.Sprint(out)
	}
	page, next, err := s.List(ctx, runtime.ListFilter{FlowSid: "FWstoretest", Limit: 2})
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	if got := ids(page); got != "[FNlist3 FNlist2]" || next == "" {
		t.Errorf("first page %s (next %q), want [FNlist3 FNlist2], newest first, and a cursor", got, next)
	}
	page, next, err = s.List(ctx, runtime.ListFilter{FlowSid: "FWstoretest", Limit: 2, Cursor: next})
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	if got := ids(page); got != "[FNlist1 FNlist0]" {
		t.Errorf("second page %s, want [FNlist1 FNlist0]", got)
	}
	if next != "" {
		page, _, _ = s.List(ctx, runtime.ListFilter{FlowSid: "FWstoretest", Limit: 2, Cursor: next})
		if len(page) != 0 {
			t.Errorf("a page after the last: %s", ids(page))
		}
	}
	page, _, err = s.List(ctx, runtime.ListFilter{FlowSid: "FWstoretest", CreatedFrom: T0.Add(time.Minute), CreatedTo: T0.Add(3 * time.Minute)})
	if err != nil || ids(page) != "[FNlist2 FNlist1]" {
		t.Errorf("created in [1m, 3m): %s, %v; want [FNlist2 FNlist1]", ids(page), err)
	}
	page, _, err = s.List(ctx, runtime.ListFilter{Status: runtime.StatusEnded})
	if err != nil || ids(page) != "[FNlist1]" {
		t.Errorf("ended: %s, %v; want [FNlist1]", ids(page), err)
	}
	page, _, err = s.List(ctx, runtime.ListFilter{Done: true})
	if err != nil || ids(page) != "[FNlist2 FNlist1]" {
		t.Errorf("done (any status but active): %s, %v; want [FNlist2 FNlist1]", ids(page), err)
	}
	if _, _, err := s.List(ctx, runtime.ListFilter{Cursor: "not a cursor"}); err == nil {
		t.Errorf("a cursor List never gave was taken")
	}
}

func deleteOne(t *checker, s runtime.Store) {
	mustCreate(t, s, execution("FNdelete", "k-delete", T0.Add(time.Minute)))
	if err := s.Delete(ctx, "FNdelete"); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if _, err := s.Load(ctx, "FNdelete"); !errors.Is(err, runtime.ErrNotFound) {
		t.Errorf("a deleted execution loads: %v", err)
	}
	if _, err := s.FindActive(ctx, "k-delete"); !errors.Is(err, runtime.ErrNotFound) {
		t.Errorf("a deleted execution holds its session: %v", err)
	}
	if ids, _ := s.Due(ctx, T0.Add(time.Hour), 0); len(ids) != 0 {
		t.Errorf("a deleted execution is due: %v", ids)
	}
	if err := s.Delete(ctx, "FNdelete"); !errors.Is(err, runtime.ErrNotFound) {
		t.Errorf("a second Delete: %v, want ErrNotFound", err)
	}
}

func forceEnd(t *checker, s runtime.Store) {
	mustCreate(t, s, execution("FNforce", "k-force", T0.Add(time.Minute)))
	at := T0.Add(2 * time.Minute)
	if err := s.ForceEnd(ctx, "FNforce", runtime.ForcedEnd{Code: runtime.FailureCorrupt, Reason: "unreadable", At: at}); err != nil {
		t.Fatalf("ForceEnd: %v", err)
	}
	x := mustLoad(t, s, "FNforce")
	if x.Status != runtime.StatusFailed || x.FailureCode != runtime.FailureCorrupt || x.Reason != "unreadable" {
		t.Errorf("after ForceEnd: %s %s %q", x.Status, x.FailureCode, x.Reason)
	}
	if _, err := s.FindActive(ctx, "k-force"); !errors.Is(err, runtime.ErrNotFound) {
		t.Errorf("a force-ended execution holds its session: %v", err)
	}
	if ids, _ := s.Due(ctx, T0.Add(time.Hour), 0); len(ids) != 0 {
		t.Errorf("a force-ended execution is due: %v", ids)
	}
	if err := s.ForceEnd(ctx, "FNmissing", runtime.ForcedEnd{At: at}); !errors.Is(err, runtime.ErrNotFound) {
		t.Errorf("ForceEnd of nothing: %v, want ErrNotFound", err)
	}
}

func notFound(t *checker, s runtime.Store) {
	if _, err := s.Load(ctx, "FNmissing"); !errors.Is(err, runtime.ErrNotFound) {
		t.Errorf("Load of nothing: %v, want ErrNotFound", err)
	}
	if _, err := s.FindActive(ctx, "k-missing"); !errors.Is(err, runtime.ErrNotFound) {
		t.Errorf("FindActive of nothing: %v, want ErrNotFound", err)
	}
}

func lockExcludes(t *checker, s runtime.Store) {
	var inside, most atomic.Int64
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 50 {
				release, err := s.Lock(ctx, "execution FNlock")
				if err != nil {
					t.Errorf("%v", err)
					return
				}
				n := inside.Add(1)
				goruntime.Gosched() // let another holder in, if the lock would
				for {
					m := most.Load()
					if n <= m || most.CompareAndSwap(m, n) {
						break
					}
				}
				inside.Add(-1)
				release()
				release() // a second release does nothing
			}
		}()
	}
	wg.Wait()
	if most.Load() != 1 {
		t.Errorf("%d holders of one lock at once", most.Load())
	}
	// Another name is another lock.
	a, err := s.Lock(ctx, "execution A")
	if err != nil {
		t.Fatalf("%v", err)
	}
	defer a()
	b, err := s.Lock(ctx, "execution B")
	if err != nil {
		t.Fatalf("a lock of another name waited: %v", err)
	}
	b()
}

func lockHonoursTheContext(t *checker, s runtime.Store) {
	release, err := s.Lock(ctx, "session held")
	if err != nil {
		t.Fatalf("%v", err)
	}
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := s.Lock(canceled, "session held"); !errors.Is(err, context.Canceled) {
		t.Errorf("Lock of a held lock with a canceled context: %v, want context.Canceled", err)
	}
	// A context that ends while Lock waits ends the wait.
	waiting, stopWaiting := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		_, err := s.Lock(waiting, "session held")
		done <- err
	}()
	goruntime.Gosched()
	stopWaiting()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Lock waiting on a held lock, its context canceled: %v, want context.Canceled", err)
	}
	release()
	again, err := s.Lock(ctx, "session held")
	if err != nil {
		t.Fatalf("the lock was not freed: %v", err)
	}
	// The first holder's release, called again, must not free the
	// second holder's lock.
	release()
	brief, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if third, err := s.Lock(brief, "session held"); err == nil {
		third()
		t.Errorf("a release called a second time freed the lock of the holder after it")
	}
	again()
}
