package storetest_test

import (
	"context"
	"strings"
	"testing"

	"github.com/studioflow/studioflow/version"
	"github.com/studioflow/studioflow/version/storetest"
)

// The in-memory store keeps the contract.
func TestMemoryStore(t *testing.T) {
	storetest.Run(t, func(*testing.T) version.Store { return version.NewMemoryStore() })
}

// anyEtag writes whatever etag it is given: lost updates.
type anyEtag struct{ *version.MemoryStore }

func (s anyEtag) Put(ctx context.Context, it *version.Item, _ int64) error {
	cur, err := s.MemoryStore.Get(ctx, it.ID)
	etag := int64(0)
	if err == nil {
		etag = cur.Etag
	}
	return s.MemoryStore.Put(ctx, it, etag)
}

// The suite catches a store that breaks the contract, naming the check.
func TestTheSuiteCatchesABrokenStore(t *testing.T) {
	err := storetest.Check(func() version.Store { return anyEtag{version.NewMemoryStore()} })
	if err == nil || !strings.Contains(err.Error(), "EtagsCompare: ") || !strings.Contains(err.Error(), "RacingPutsOneWins: ") {
		t.Errorf("a store that ignores etags passed: %v", err)
	}
	if err := storetest.Check(func() version.Store { return version.NewMemoryStore() }); err != nil {
		t.Errorf("the in-memory store: %v", err)
	}
}
