package version

import (
	"context"
	"fmt"
	"slices"
	"sync"
)

// Store keeps the catalog's items. A host may back it with a database; the
// default is NewMemoryStore.
//
// Items passed to Put and returned by the getters are shared: neither side
// modifies them after the call (the Catalog writes a new item value for
// every change).
//
// A Store enforces, atomically with each write:
//   - Put and Delete compare the stored item's Etag with the etag given (0
//     for "no such item yet") and return an error wrapping ErrConflict when
//     they differ;
//   - names are unique per kind, and an address belongs to at most one
//     item: a Put breaking either returns an error wrapping ErrConflict;
//   - a module cannot be deleted, nor renamed, while another item lists its
//     name in References: Delete (or Put) returns an error wrapping
//     ErrConflict.
//
// The getters return an error wrapping ErrNotFound for a missing item.
// Package version/storetest checks a Store against this contract; run it
// from the store's own tests.
type Store interface {
	// Get returns the item with that ID.
	Get(ctx context.Context, id string) (*Item, error)
	// GetByName returns the item of that kind with that name.
	GetByName(ctx context.Context, kind Kind, name string) (*Item, error)
	// GetByAddress returns the item that has that address.
	GetByAddress(ctx context.Context, address string) (*Item, error)
	// List returns the items of a kind (both kinds for ""), in any order.
	List(ctx context.Context, kind Kind) ([]*Item, error)
	// Put stores item if the stored item with its ID has Etag etag (or, for
	// etag 0, if there is none).
	Put(ctx context.Context, item *Item, etag int64) error
	// Delete removes the item with that ID if its Etag is etag.
	Delete(ctx context.Context, id string, etag int64) error
}

// MemoryStore is a Store in memory, safe for concurrent use.
type MemoryStore struct {
	mu    sync.RWMutex
	items map[string]*Item
	names map[nameKey]string
	addrs map[string]string
}

type nameKey struct {
	kind Kind
	name string
}

var _ Store = (*MemoryStore)(nil)

// NewMemoryStore returns an empty MemoryStore.
func NewMemoryStore() *MemoryStore {
	return &MemoryStore{
		items: map[string]*Item{},
		names: map[nameKey]string{},
		addrs: map[string]string{},
	}
}

// Get returns the item with that ID.
func (s *MemoryStore) Get(ctx context.Context, id string) (*Item, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	it := s.items[id]
	s.mu.RUnlock()
	if it == nil {
		return nil, notFound("no item %q", id)
	}
	return it, nil
}

// GetByName returns the item of that kind with that name.
func (s *MemoryStore) GetByName(ctx context.Context, kind Kind, name string) (*Item, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	it := s.items[s.names[nameKey{kind, name}]]
	s.mu.RUnlock()
	if it == nil {
		return nil, notFound("no %s named %q", kind, name)
	}
	return it, nil
}

// GetByAddress returns the item that has that address.
func (s *MemoryStore) GetByAddress(ctx context.Context, address string) (*Item, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	it := s.items[s.addrs[address]]
	s.mu.RUnlock()
	if it == nil {
		return nil, notFound("no flow is assigned to address %q", address)
	}
	return it, nil
}

// List returns the items of a kind (both kinds for ""), in any order.
func (s *MemoryStore) List(ctx context.Context, kind Kind) ([]*Item, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]*Item, 0, len(s.items))
	for _, it := range s.items {
		if kind == "" || it.Kind == kind {
			out = append(out, it)
		}
	}
	return out, nil
}

// Put stores item if the stored item with its ID has Etag etag (or, for
// etag 0, if there is none), its name is free in its kind, its addresses
// are free, and it does not rename a referenced module.
func (s *MemoryStore) Put(ctx context.Context, item *Item, etag int64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cur := s.items[item.ID]
	if err := checkEtag(item.ID, cur, etag); err != nil {
		return err
	}
	if other, ok := s.names[nameKey{item.Kind, item.Name}]; ok && other != item.ID {
		return fmt.Errorf("memory store: %s name %q is taken by %s: %w", item.Kind, item.Name, other, ErrConflict)
	}
	for _, a := range item.Addresses {
		if other, ok := s.addrs[a]; ok && other != item.ID {
			return fmt.Errorf("memory store: address %q is assigned to %s: %w", a, other, ErrConflict)
		}
	}
	if cur != nil && cur.Kind == KindModule && cur.Name != item.Name {
		if err := s.unreferenced(cur); err != nil {
			return err
		}
	}
	if cur != nil {
		s.unindex(cur)
	}
	s.items[item.ID] = item
	s.names[nameKey{item.Kind, item.Name}] = item.ID
	for _, a := range item.Addresses {
		s.addrs[a] = item.ID
	}
	return nil
}

// Delete removes the item with that ID if its Etag is etag and, for a
// module, no other item references it.
func (s *MemoryStore) Delete(ctx context.Context, id string, etag int64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cur := s.items[id]
	if cur == nil {
		return notFound("no item %q", id)
	}
	if err := checkEtag(id, cur, etag); err != nil {
		return err
	}
	if cur.Kind == KindModule {
		if err := s.unreferenced(cur); err != nil {
			return err
		}
	}
	s.unindex(cur)
	delete(s.items, id)
	return nil
}

// unreferenced returns a conflict when another item references module m.
func (s *MemoryStore) unreferenced(m *Item) error {
	for _, it := range s.items {
		if it.ID != m.ID && slices.Contains(it.References, m.Name) {
			return fmt.Errorf("memory store: module %q is referenced by %s: %w", m.Name, it.ID, ErrConflict)
		}
	}
	return nil
}

func (s *MemoryStore) unindex(it *Item) {
	delete(s.names, nameKey{it.Kind, it.Name})
	for _, a := range it.Addresses {
		delete(s.addrs, a)
	}
}

func checkEtag(id string, cur *Item, etag int64) error {
	switch {
	case cur == nil && etag != 0:
		return fmt.Errorf("memory store: item %s no longer exists: %w", id, ErrConflict)
	case cur != nil && cur.Etag != etag:
		return fmt.Errorf("memory store: item %s has etag %d, not %d: %w", id, cur.Etag, etag, ErrConflict)
	}
	return nil
}
