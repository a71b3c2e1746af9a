package version

import (
	"slices"
	"time"

	"github.com/studioflow/studioflow/flow"
)

// Kind tells flows from modules.
type Kind string

// The kinds of catalog items.
const (
	// KindFlow is a flow: it starts from a trigger and can be assigned to
	// addresses.
	KindFlow Kind = "flow"
	// KindModule is a module: it starts from a begin-module and is used by
	// flows through run-module states.
	KindModule Kind = "module"
)

func (k Kind) valid() bool { return k == KindFlow || k == KindModule }

// Status is the lifecycle status of a version.
type Status string

// The statuses of a version.
const (
	// StatusDraft is the version being worked on; only a draft can change.
	StatusDraft Status = "draft"
	// StatusPublished is the version that serves traffic.
	StatusPublished Status = "published"
	// StatusArchived is a formerly published version.
	StatusArchived Status = "archived"
)

// Item is a flow or a module in the catalog, with its version history.
//
// Items returned by a Catalog are copies the caller may keep and modify.
// Items held by a Store are shared and must not be modified.
type Item struct {
	// ID is the item's identifier, such as "FW" followed by 32 hex digits.
	ID string `json:"id"`
	// Kind is flow or module.
	Kind Kind `json:"kind"`
	// Name is unique among the items of its kind; run-module states name
	// modules by it.
	Name string `json:"name"`
	// Description is free text.
	Description string `json:"description,omitempty"`
	// Created is when the item was created.
	Created time.Time `json:"created"`
	// Updated is when the item was last written.
	Updated time.Time `json:"updated"`
	// LastRevision is the highest revision ever assigned in this item; the
	// next write of a draft takes LastRevision+1.
	LastRevision int `json:"last_revision"`
	// Versions is the history, ordered by revision.
	Versions []Version `json:"versions"`
	// Addresses are the addresses assigned to the flow, sorted.
	Addresses []string `json:"addresses,omitempty"`
	// TestUsers are the contact addresses that reach the flow's draft.
	TestUsers []string `json:"test_users,omitempty"`
	// References are the module names the draft and the published version
	// use, sorted; a Store refuses to delete a module named here.
	References []string `json:"references,omitempty"`
	// Etag is the compare-and-swap token of the Store: every write stores
	// the item with a new Etag, and names the Etag it read.
	Etag int64 `json:"etag"`
}

// Version is one version of an item.
type Version struct {
	// Revision identifies the version in its item; see the package
	// documentation for how revisions are assigned.
	Revision int `json:"revision"`
	// Status is draft, published or archived.
	Status Status `json:"status"`
	// Message is the commit message of the last save.
	Message string `json:"message,omitempty"`
	// Author is the ID of the actor who last wrote the version.
	Author string `json:"author,omitempty"`
	// Created is when the version was first created as a draft.
	Created time.Time `json:"created"`
	// Saved is when this revision was written.
	Saved time.Time `json:"saved"`
	// Published is when the version was published, or zero.
	Published time.Time `json:"published,omitzero"`
	// Archived is when the version was archived, or zero.
	Archived time.Time `json:"archived,omitzero"`
	// Hash is the hex SHA-256 of the definition's compact JSON.
	Hash string `json:"hash"`
	// Problems are the findings of the check run when the revision was
	// written (and, for references, when it was published).
	Problems flow.Problems `json:"problems,omitempty"`
	// Modules are the module names the definition's run-module states use,
	// sorted.
	Modules []string `json:"modules,omitempty"`
	// Origin tells how the version came about.
	Origin Origin `json:"origin"`
	// Definition is the flow or module document.
	Definition *flow.Definition `json:"definition,omitempty"`
}

// Origin tells how a version came about: created, imported, or copied from
// another version by edit, restore or duplicate.
type Origin struct {
	// Op is OpCreate, OpImport, OpEdit, OpRestore or OpDuplicate.
	Op Op `json:"op"`
	// ItemID is the item copied from, for copies.
	ItemID string `json:"item_id,omitempty"`
	// Revision is the revision copied from, for copies.
	Revision int `json:"revision,omitempty"`
}

// Draft returns the item's draft, or nil.
func (it *Item) Draft() *Version { return it.withStatus(StatusDraft) }

// Published returns the item's published version, or nil.
func (it *Item) Published() *Version { return it.withStatus(StatusPublished) }

// Version returns the version with the given revision, or nil.
func (it *Item) Version(revision int) *Version {
	for i := range it.Versions {
		if it.Versions[i].Revision == revision {
			return &it.Versions[i]
		}
	}
	return nil
}

func (it *Item) withStatus(s Status) *Version {
	// The draft holds the highest revision: search from the end.
	for i := len(it.Versions) - 1; i >= 0; i-- {
		if it.Versions[i].Status == s {
			return &it.Versions[i]
		}
	}
	return nil
}

// next returns a copy of it to write: its own slices, shared versions'
// definitions (stored definitions are never modified).
func (it *Item) next() *Item {
	n := *it
	n.Versions = slices.Clone(it.Versions)
	n.Addresses = slices.Clone(it.Addresses)
	n.TestUsers = slices.Clone(it.TestUsers)
	n.References = slices.Clone(it.References)
	return &n
}

// clone returns a deep copy for a caller; without defs, the versions carry
// no definition.
func (it *Item) clone(defs bool) *Item {
	n := it.next()
	for i := range n.Versions {
		n.Versions[i] = n.Versions[i].clone(defs)
	}
	return n
}

func (v Version) clone(def bool) Version {
	v.Problems = slices.Clone(v.Problems)
	v.Modules = slices.Clone(v.Modules)
	if def && v.Definition != nil {
		v.Definition = v.Definition.Clone()
	} else {
		v.Definition = nil
	}
	return v
}

// Resolved is the answer to a resolution: the definition to run and where
// it comes from.
type Resolved struct {
	// ItemID is the flow or module resolved.
	ItemID string
	// Name is the item's name.
	Name string
	// Kind is flow or module.
	Kind Kind
	// Revision is the revision to record on the execution, so that it keeps
	// running this version.
	Revision int
	// Status is the version's status at resolution time.
	Status Status
	// Hash is the version's content hash, a key for caches of decoded
	// definitions.
	Hash string
	// Definition is a copy the caller may keep and modify (shared with the
	// catalog, and read-only, when it comes from Catalog.Shared).
	Definition *flow.Definition
}

// Reference is one version that uses a module through run-module states.
type Reference struct {
	// ItemID is the referencing flow (or module).
	ItemID string
	// Name is the referencing item's name.
	Name string
	// Kind is the referencing item's kind.
	Kind Kind
	// Revision is the referencing version.
	Revision int
	// Status is draft or published.
	Status Status
}
