package version

import (
	"cmp"
	"context"
	"slices"
	"strings"
)

// Resolve returns the version of an item (flow or module) that sel picks:
// the published one, the draft (or the published one when there is no
// draft), or a revision by number, whatever its status, so that a running
// execution keeps resolving the revision it started on after newer ones are
// published. It does no authorization: it is the runtime's read path.
func (c *Catalog) Resolve(ctx context.Context, itemID string, sel Selector) (*Resolved, error) {
	it, err := c.store.Get(ctx, itemID)
	if err != nil {
		return nil, err
	}
	return resolve(it, sel, true)
}

// ResolveAddress returns what runs when contact reaches address: the
// published version of the flow assigned to it, or, when contact is one of
// the flow's test users, its draft (the published version when there is no
// draft).
func (c *Catalog) ResolveAddress(ctx context.Context, address, contact string) (*Resolved, error) {
	it, err := c.store.GetByAddress(ctx, strings.TrimSpace(address))
	if err != nil {
		return nil, err
	}
	return resolve(it, addressSelector(it, contact), true)
}

func addressSelector(it *Item, contact string) Selector {
	if slices.Contains(it.TestUsers, strings.TrimSpace(contact)) {
		return LatestDraft
	}
	return LatestPublished
}

// ResolveModule returns the published version of the module called name:
// only published modules can be used.
func (c *Catalog) ResolveModule(ctx context.Context, name string) (*Resolved, error) {
	it, err := c.store.GetByName(ctx, KindModule, name)
	if err != nil {
		return nil, err
	}
	return resolve(it, LatestPublished, true)
}

// Shared is a read-only view of a catalog whose resolutions share their
// definitions with the catalog instead of copying them. It is for readers
// that never modify a definition, such as the runtime resolving what to
// run on every call start: a copy of a large flow costs more than the
// start itself. Modifying a definition it returns corrupts the catalog.
type Shared struct{ c *Catalog }

// Shared returns the catalog's read-only view.
func (c *Catalog) Shared() Shared { return Shared{c} }

// Resolve is Catalog.Resolve without the copy.
func (s Shared) Resolve(ctx context.Context, itemID string, sel Selector) (*Resolved, error) {
	it, err := s.c.store.Get(ctx, itemID)
	if err != nil {
		return nil, err
	}
	return resolve(it, sel, false)
}

// ResolveAddress is Catalog.ResolveAddress without the copy.
func (s Shared) ResolveAddress(ctx context.Context, address, contact string) (*Resolved, error) {
	it, err := s.c.store.GetByAddress(ctx, strings.TrimSpace(address))
	if err != nil {
		return nil, err
	}
	return resolve(it, addressSelector(it, contact), false)
}

// ResolveName is Resolve for the item of kind called name.
func (s Shared) ResolveName(ctx context.Context, kind Kind, name string, sel Selector) (*Resolved, error) {
	it, err := s.c.store.GetByName(ctx, kind, name)
	if err != nil {
		return nil, err
	}
	return resolve(it, sel, false)
}

// ResolveModule is Catalog.ResolveModule without the copy.
func (s Shared) ResolveModule(ctx context.Context, name string) (*Resolved, error) {
	it, err := s.c.store.GetByName(ctx, KindModule, name)
	if err != nil {
		return nil, err
	}
	return resolve(it, LatestPublished, false)
}

// References lists the draft and published versions, of flows and of
// modules, whose run-module states use the module called moduleName,
// sorted by kind, name and revision. It does no authorization (the module
// package calls it from its publish guard).
func (c *Catalog) References(ctx context.Context, moduleName string) ([]Reference, error) {
	items, err := c.store.List(ctx, "")
	if err != nil {
		return nil, err
	}
	var out []Reference
	for _, it := range items {
		if !slices.Contains(it.References, moduleName) {
			continue
		}
		for _, v := range it.Versions {
			if v.Status != StatusArchived && slices.Contains(v.Modules, moduleName) {
				out = append(out, Reference{ItemID: it.ID, Name: it.Name, Kind: it.Kind, Revision: v.Revision, Status: v.Status})
			}
		}
	}
	slices.SortFunc(out, func(a, b Reference) int {
		return cmp.Or(strings.Compare(string(a.Kind), string(b.Kind)), strings.Compare(a.Name, b.Name), cmp.Compare(a.Revision, b.Revision))
	})
	return out, nil
}

func resolve(it *Item, sel Selector, copyDef bool) (*Resolved, error) {
	var v *Version
	switch sel.pick {
	case pickRevision:
		if sel.revision < 1 {
			return nil, invalid("revision %d: revisions start at 1", sel.revision)
		}
		if v = it.Version(sel.revision); v == nil {
			return nil, notFound("%s %q has no revision %d", it.Kind, it.Name, sel.revision)
		}
	case pickDraft:
		v = it.Draft()
	}
	if v == nil {
		if v = it.Published(); v == nil {
			return nil, notFound("%s %q has no published version", it.Kind, it.Name)
		}
	}
	def := v.Definition
	if copyDef {
		def = def.Clone()
	}
	return &Resolved{
		ItemID: it.ID, Name: it.Name, Kind: it.Kind, Revision: v.Revision,
		Status: v.Status, Hash: v.Hash, Definition: def,
	}, nil
}
