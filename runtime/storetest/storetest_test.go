package storetest_test

import (
	"context"
	"strings"
	"testing"

	"github.com/studioflow/studioflow/runtime"
	"github.com/studioflow/studioflow/runtime/storetest"
)

// The in-memory store keeps the contract.
func TestMemoryStore(t *testing.T) {
	storetest.Run(t, func(*testing.T) runtime.Store { return runtime.NewMemoryStore() })
}

// lostUpdates saves whatever version it is handed: two racing runs both
// win, the fault the compare-and-swap exists to prevent.
type lostUpdates struct{ *runtime.MemoryStore }

func (s lostUpdates) Save(ctx context.Context, x *runtime.Execution) error {
	cur, err := s.MemoryStore.Load(ctx, x.ID)
	if err != nil {
		return err
	}
	x.Version = cur.Version
	return s.MemoryStore.Save(ctx, x)
}

// noLock locks nothing.
type noLock struct{ *runtime.MemoryStore }

func (noLock) Lock(context.Context, string) (func(), error) { return func() {}, nil }

// The suite catches a store that breaks the contract, naming the check.
func TestTheSuiteCatchesBrokenStores(t *testing.T) {
	err := storetest.Check(func() runtime.Store { return lostUpdates{runtime.NewMemoryStore()} })
	if err == nil || !strings.Contains(err.Error(), "SaveComparesVersions: ") {
		t.Errorf("a store that loses updates passed: %v", err)
	}
	err = storetest.Check(func() runtime.Store { return noLock{runtime.NewMemoryStore()} })
	if err == nil || !strings.Contains(err.Error(), "LockHonoursTheContext: ") {
		t.Errorf("a store that locks nothing passed: %v", err)
	}
	if err := storetest.Check(func() runtime.Store { return runtime.NewMemoryStore() }); err != nil {
		t.Errorf("the in-memory store: %v", err)
	}
}
