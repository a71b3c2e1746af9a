package runtime

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	fconnect "github.com/studioflow/studioflow/flow/connect"
	"github.com/studioflow/studioflow/version"
)

// AddressResolver is implemented by sources that map an address (the
// number called or texted) and a contact to the flow to run, so that test
// users reach the draft. Start uses it when a request names no flow.
type AddressResolver interface {
	// FlowAt returns the definition that runs when contact reaches
	// address: the published version, or the draft for a test user.
	FlowAt(ctx context.Context, address, contact string) (*Resolved, error)
}

// CatalogSource serves flows and modules from a version catalog: the
// published version for ordinary traffic, the latest draft for test users,
// and exact revisions for executions that resume on the revision they
// started on.
type CatalogSource struct {
	// Catalog holds the flows and modules.
	Catalog *version.Catalog
}

// Flow implements Source. sid is a flow's id, or its name; an Amazon
// Connect reference (an ARN, or a deployment placeholder) is also tried
// by the id or name it ends with (package flow/connect's References).
func (s CatalogSource) Flow(ctx context.Context, sid, revision string) (*Resolved, error) {
	sel, err := version.ParseSelector(revision)
	if err != nil {
		return nil, err
	}
	r, err := s.find(ctx, version.KindFlow, sid, sel)
	if err != nil {
		return nil, err
	}
	return fromCatalog(r), nil
}

// find resolves ref, an item's id or name, or any key Connect's
// references give for one.
func (s CatalogSource) find(ctx context.Context, kind version.Kind, ref string, sel version.Selector) (*version.Resolved, error) {
	cat := s.Catalog.Shared()
	var first error
	for _, key := range fconnect.References(ref) {
		r, err := cat.Resolve(ctx, key, sel)
		if err == nil && r.Kind != kind {
			err = fmt.Errorf("version: %s is not a %s: %w", key, kind, version.ErrNotFound)
		}
		if errors.Is(err, version.ErrNotFound) {
			r, err = cat.ResolveName(ctx, kind, key, sel)
		}
		if err == nil {
			return r, nil
		}
		if !errors.Is(err, version.ErrNotFound) {
			return nil, err
		}
		if first == nil {
			first = err
		}
	}
	return nil, first
}

// FlowAt implements AddressResolver.
func (s CatalogSource) FlowAt(ctx context.Context, address, contact string) (*Resolved, error) {
	r, err := s.Catalog.Shared().ResolveAddress(ctx, address, contact)
	if err != nil {
		return nil, err
	}
	return fromCatalog(r), nil
}

// Module implements ModuleSource: the published version of the module
// called name (or of id name, or of the id or name a Connect reference
// ends with, as Flow), or an exact revision when revision is a number.
func (s CatalogSource) Module(ctx context.Context, name, revision string) (*Resolved, error) {
	r, err := s.find(ctx, version.KindModule, name, version.LatestPublished)
	if err != nil {
		return nil, err
	}
	if revision != "" {
		n, err := strconv.Atoi(revision)
		if err != nil {
			return nil, fmt.Errorf("runtime: module %q revision %q is not a number", name, revision)
		}
		if n != r.Revision {
			if r, err = s.Catalog.Shared().Resolve(ctx, r.ItemID, version.Revision(n)); err != nil {
				return nil, err
			}
		}
	}
	return fromCatalog(r), nil
}

func fromCatalog(r *version.Resolved) *Resolved {
	return &Resolved{Sid: r.ItemID, Revision: r.Revision, Definition: r.Definition}
}
