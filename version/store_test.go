package version_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studioflow/studioflow/version"
)

func TestMemoryStore(t *testing.T) {
	s := version.NewMemoryStore()
	flowA := &version.Item{ID: "FW1", Kind: version.KindFlow, Name: "A", Addresses: []string{"+1"}, Etag: 1}
	require.NoError(t, s.Put(ctx, flowA, 0))

	tests := []struct {
		name string
		put  *version.Item
		etag int64
	}{
		{"create over an existing item", &version.Item{ID: "FW1", Kind: version.KindFlow, Name: "A", Etag: 1}, 0},
		{"stale etag", &version.Item{ID: "FW1", Kind: version.KindFlow, Name: "A", Etag: 3}, 2},
		{"update of a missing item", &version.Item{ID: "FW9", Kind: version.KindFlow, Name: "Z", Etag: 2}, 1},
		{"name taken in the kind", &version.Item{ID: "FW2", Kind: version.KindFlow, Name: "A", Etag: 1}, 0},
		{"address taken", &version.Item{ID: "FW2", Kind: version.KindFlow, Name: "B", Addresses: []string{"+1"}, Etag: 1}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.ErrorIs(t, s.Put(ctx, tt.put, tt.etag), version.ErrConflict)
			got, err := s.Get(ctx, "FW1")
			require.NoError(t, err)
			assert.Same(t, flowA, got, "unchanged")
		})
	}

	// Same name in the other kind is fine; lookups by name and address.
	mod := &version.Item{ID: "MD1", Kind: version.KindModule, Name: "A", Etag: 1}
	require.NoError(t, s.Put(ctx, mod, 0))
	got, err := s.GetByName(ctx, version.KindModule, "A")
	require.NoError(t, err)
	assert.Same(t, mod, got)
	got, err = s.GetByAddress(ctx, "+1")
	require.NoError(t, err)
	assert.Same(t, flowA, got)
	_, err = s.GetByAddress(ctx, "+2")
	assert.ErrorIs(t, err, version.ErrNotFound)
	_, err = s.GetByName(ctx, version.KindFlow, "B")
	assert.ErrorIs(t, err, version.ErrNotFound)

	// An update moves the indexes: the old name and address are free.
	flowA2 := &version.Item{ID: "FW1", Kind: version.KindFlow, Name: "A2", Addresses: []string{"+2"}, References: []string{"A"}, Etag: 2}
	require.NoError(t, s.Put(ctx, flowA2, 1))
	_, err = s.GetByAddress(ctx, "+1")
	assert.ErrorIs(t, err, version.ErrNotFound)
	_, err = s.GetByName(ctx, version.KindFlow, "A")
	assert.ErrorIs(t, err, version.ErrNotFound)
	all, err := s.List(ctx, "")
	require.NoError(t, err)
	assert.Len(t, all, 2)
	flows, err := s.List(ctx, version.KindFlow)
	require.NoError(t, err)
	assert.Equal(t, []*version.Item{flowA2}, flows)

	// A referenced module can be neither renamed nor deleted.
	assert.ErrorIs(t, s.Put(ctx, &version.Item{ID: "MD1", Kind: version.KindModule, Name: "B", Etag: 2}, 1), version.ErrConflict)
	assert.ErrorIs(t, s.Delete(ctx, "MD1", 1), version.ErrConflict)
	assert.ErrorIs(t, s.Delete(ctx, "FW1", 1), version.ErrConflict, "stale etag")
	assert.ErrorIs(t, s.Delete(ctx, "FW7", 1), version.ErrNotFound)
	require.NoError(t, s.Delete(ctx, "FW1", 2))
	require.NoError(t, s.Delete(ctx, "MD1", 1))
	_, err = s.GetByName(ctx, version.KindModule, "A")
	assert.ErrorIs(t, err, version.ErrNotFound)

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	_, err = s.Get(cancelled, "FW1")
	assert.ErrorIs(t, err, context.Canceled)
}
