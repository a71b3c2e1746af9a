// Package storetest checks that a version.Store keeps the contract the
// catalog relies on (see version.Store), as testing/fstest does for file
// systems: run it from a test against any store a factory returns.
//
//	func TestMyStore(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) version.Store { return mystore.New(t) })
//	}
package storetest

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/studioflow/studioflow/internal/conformance"
	"github.com/studioflow/studioflow/version"
)

// checks are the suite, by name.
var checks = []conformance.Check[version.Store]{
	{Name: "PutAndGet", Fn: putAndGet},
	{Name: "EtagsCompare", Fn: etagsCompare},
	{Name: "RacingPutsOneWins", Fn: racingPutsOneWins},
	{Name: "NamesAreUniquePerKind", Fn: namesAreUniquePerKind},
	{Name: "AddressesBelongToOneItem", Fn: addressesBelongToOneItem},
	{Name: "ReferencedModulesStay", Fn: referencedModulesStay},
	{Name: "NotFound", Fn: notFound},
}

// checker is what a check reports its failures to.
type checker = conformance.T

// Run runs the conformance suite against the stores newStore returns, one
// subtest and one store per check.
func Run(t *testing.T, newStore func(t *testing.T) version.Store) {
	conformance.Run(t, checks, newStore)
}

// Check runs the suite against the stores newStore returns and reports
// every way they break the contract, each prefixed by its check's name;
// nil when none does.
func Check(newStore func() version.Store) error { return conformance.All(checks, newStore) }

var (
	ctx = context.Background()
	t0  = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
)

// item returns an item of kind named name, at etag.
func item(id string, kind version.Kind, name string, etag int64) *version.Item {
	return &version.Item{ID: id, Kind: kind, Name: name, Created: t0, Updated: t0, LastRevision: 1,
		Versions: []version.Version{{Revision: 1, Status: version.StatusDraft}}, Etag: etag}
}

func mustPut(t *checker, s version.Store, it *version.Item, etag int64) {
	if err := s.Put(ctx, it, etag); err != nil {
		t.Fatalf("Put(%s, etag %d): %v", it.ID, etag, err)
	}
}

func putAndGet(t *checker, s version.Store) {
	f := item("FW1", version.KindFlow, "main", 1)
	f.Addresses = []string{"+15559990000"}
	mustPut(t, s, f, 0)
	mustPut(t, s, item("MD1", version.KindModule, "hours", 1), 0)
	for what, get := range map[string]func() (*version.Item, error){
		"Get":          func() (*version.Item, error) { return s.Get(ctx, "FW1") },
		"GetByName":    func() (*version.Item, error) { return s.GetByName(ctx, version.KindFlow, "main") },
		"GetByAddress": func() (*version.Item, error) { return s.GetByAddress(ctx, "+15559990000") },
	} {
		got, err := get()
		if err != nil || got.ID != "FW1" || got.Etag != 1 || len(got.Versions) != 1 {
			t.Errorf("%s = %+v, %v; want FW1 at etag 1", what, got, err)
		}
	}
	ids := func(kind version.Kind) string {
		items, err := s.List(ctx, kind)
		if err != nil {
			t.Fatalf("List(%q): %v", kind, err)
		}
		var out []string
		for _, it := range items {
			out = append(out, it.ID)
		}
		sort.Strings(out)
		return fmt.Sprint(out)
	}
	if got := ids(""); got != "[FW1 MD1]" {
		t.Errorf("List of both kinds = %s, want [FW1 MD1]", got)
	}
	if got := ids(version.KindModule); got != "[MD1]" {
		t.Errorf("List of modules = %s, want [MD1]", got)
	}
}

func etagsCompare(t *checker, s version.Store) {
	mustPut(t, s, item("FW1", version.KindFlow, "main", 1), 0)
	if err := s.Put(ctx, item("FW1", version.KindFlow, "main", 2), 0); !errors.Is(err, version.ErrConflict) {
		t.Errorf("a Put for a new item over an existing one: %v, want a conflict", err)
	}
	if err := s.Put(ctx, item("FW1", version.KindFlow, "main", 2), 7); !errors.Is(err, version.ErrConflict) {
		t.Errorf("a Put naming the wrong etag: %v, want a conflict", err)
	}
	mustPut(t, s, item("FW1", version.KindFlow, "renamed", 2), 1)
	if got, _ := s.Get(ctx, "FW1"); got == nil || got.Name != "renamed" || got.Etag != 2 {
		t.Errorf("after a Put at the right etag the store holds %+v", got)
	}
	if _, err := s.GetByName(ctx, version.KindFlow, "main"); !errors.Is(err, version.ErrNotFound) {
		t.Errorf("the old name still finds the renamed item: %v", err)
	}
	if err := s.Delete(ctx, "FW1", 1); !errors.Is(err, version.ErrConflict) {
		t.Errorf("a Delete naming the wrong etag: %v, want a conflict", err)
	}
	if err := s.Delete(ctx, "FW1", 2); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if _, err := s.Get(ctx, "FW1"); !errors.Is(err, version.ErrNotFound) {
		t.Errorf("a deleted item: %v, want ErrNotFound", err)
	}
	if err := s.Put(ctx, item("FW1", version.KindFlow, "main", 3), 2); !errors.Is(err, version.ErrConflict) {
		t.Errorf("a Put at an etag of an item since deleted: %v, want a conflict", err)
	}
}

func racingPutsOneWins(t *checker, s version.Store) {
	mustPut(t, s, item("FW1", version.KindFlow, "main", 1), 0)
	var wins atomic.Int64
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := s.Put(ctx, item("FW1", version.KindFlow, fmt.Sprint("writer", i), 2), 1)
			switch {
			case err == nil:
				wins.Add(1)
			case !errors.Is(err, version.ErrConflict):
				t.Errorf("a racing Put: %v, want success or a conflict", err)
			}
		}()
	}
	wg.Wait()
	if wins.Load() != 1 {
		t.Errorf("%d of 8 Puts at one etag succeeded, want 1", wins.Load())
	}
}

func namesAreUniquePerKind(t *checker, s version.Store) {
	mustPut(t, s, item("FW1", version.KindFlow, "main", 1), 0)
	if err := s.Put(ctx, item("FW2", version.KindFlow, "main", 1), 0); !errors.Is(err, version.ErrConflict) {
		t.Errorf("a second flow named main: %v, want a conflict", err)
	}
	mustPut(t, s, item("MD1", version.KindModule, "main", 1), 0) // another kind
}

func addressesBelongToOneItem(t *checker, s version.Store) {
	a := item("FW1", version.KindFlow, "one", 1)
	a.Addresses = []string{"+15559990000"}
	mustPut(t, s, a, 0)
	b := item("FW2", version.KindFlow, "two", 1)
	b.Addresses = []string{"+15559990000"}
	if err := s.Put(ctx, b, 0); !errors.Is(err, version.ErrConflict) {
		t.Errorf("a second flow at one address: %v, want a conflict", err)
	}
	freed := item("FW1", version.KindFlow, "one", 2)
	mustPut(t, s, freed, 1)
	if _, err := s.GetByAddress(ctx, "+15559990000"); !errors.Is(err, version.ErrNotFound) {
		t.Errorf("an address the item no longer has still finds it: %v", err)
	}
	mustPut(t, s, b, 0)
}

func referencedModulesStay(t *checker, s version.Store) {
	mustPut(t, s, item("MD1", version.KindModule, "hours", 1), 0)
	user := item("FW1", version.KindFlow, "main", 1)
	user.References = []string{"hours"}
	mustPut(t, s, user, 0)
	if err := s.Delete(ctx, "MD1", 1); !errors.Is(err, version.ErrConflict) {
		t.Errorf("deleting a module a flow references: %v, want a conflict", err)
	}
	if err := s.Put(ctx, item("MD1", version.KindModule, "opening-hours", 2), 1); !errors.Is(err, version.ErrConflict) {
		t.Errorf("renaming a module a flow references: %v, want a conflict", err)
	}
	user2 := item("FW1", version.KindFlow, "main", 2)
	mustPut(t, s, user2, 1) // references nothing now
	if err := s.Delete(ctx, "MD1", 1); err != nil {
		t.Errorf("deleting a module nothing references: %v", err)
	}
}

func notFound(t *checker, s version.Store) {
	if _, err := s.Get(ctx, "FWnone"); !errors.Is(err, version.ErrNotFound) {
		t.Errorf("Get of nothing: %v", err)
	}
	if _, err := s.GetByName(ctx, version.KindFlow, "none"); !errors.Is(err, version.ErrNotFound) {
		t.Errorf("GetByName of nothing: %v", err)
	}
	if _, err := s.GetByAddress(ctx, "+10000000000"); !errors.Is(err, version.ErrNotFound) {
		t.Errorf("GetByAddress of nothing: %v", err)
	}
	if err := s.Delete(ctx, "FWnone", 1); !errors.Is(err, version.ErrNotFound) {
		t.Errorf("Delete of nothing: %v", err)
	}
}
