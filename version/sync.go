package version

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"

	"github.com/studioflow/studioflow/flow"
)

// SyncResult is what Catalog.Sync did.
type SyncResult struct {
	// Item is the item after the sync.
	Item *Item
	// Version is its published version, which holds the definition synced.
	Version *Version
	// Changed is false when that version was already published: nothing
	// was written.
	Changed bool
}

// syncAttempts bounds Sync's retries after losing a race to another
// writer of the same item (another instance syncing the same file, or a
// person saving the draft).
const syncAttempts = 5

// lostRace reports whether err is a refusal that another writer of the
// item caused between Sync's read and its write: a retry reads the item
// again.
func lostRace(err error) bool {
	var te *TransitionError
	if !errors.As(err, &te) {
		return false
	}
	switch te.Rule {
	case RuleConcurrentWrite, RuleNameTaken, RuleStaleRevision, RulePublishDraftOnly, RuleOneDraft:
		return true
	}
	return false
}

// Sync makes def the published version of the item of that kind and name,
// as a host that loads its flows and modules from files at every boot
// wants:
//
//   - the first time, it creates the item with StableID(kind, name) and
//     publishes def as revision 1;
//   - when the published version's content hash (Hash) is def's, it writes
//     nothing: a file that has not changed makes no new revision;
//   - otherwise it publishes def under a new revision (replacing a draft
//     if there is one) and the version it replaces is archived, so that
//     executions in progress keep running on the revision they started on.
//
// Several instances may sync the same files at once, and a person may
// save the draft meanwhile: the instances agree on the id, and a sync that
// loses a race (another writer changed the item between its read and its
// write) reads the item again and retries, a few times. A def
// whose check finds errors is kept as the item's draft and the publish
// refusal (a *TransitionError with RulePublishErrors) is returned; what was
// published before keeps serving. The actor needs OpImport to create,
// OpSave to change and OpPublish to publish.
func (c *Catalog) Sync(ctx context.Context, actor Actor, kind Kind, name string, def *flow.Definition) (*SyncResult, error) {
	return c.SyncID(ctx, actor, kind, "", name, def)
}

// SyncID is Sync for an item whose id the host gives (a flow's sid from
// Twilio, kept so that scripts naming it keep working); with id "" it is
// Sync. The id must start with the kind's prefix (FW for a flow, MD for a
// module). An item of that kind and name that exists under another id is
// an error wrapping ErrInvalid: ids never change. (Sync itself updates the
// item of that name whatever its id.)
func (c *Catalog) SyncID(ctx context.Context, actor Actor, kind Kind, id, name string, def *flow.Definition) (*SyncResult, error) {
	if !kind.valid() {
		return nil, invalid("sync: unknown kind %q", kind)
	}
	name = strings.TrimSpace(name)
	if name == "" {
		return nil, invalid("sync: empty name")
	}
	if def == nil {
		return nil, invalid("sync %s %q: no definition", kind, name)
	}
	given := id != ""
	if !given {
		id = StableID(kind, name)
	}
	if !validID(kind, id) {
		return nil, invalid("sync %s %q: id %q is not %s and 32 hexadecimal digits", kind, name, id, idPrefix(kind))
	}
	hash, err := Hash(def)
	if err != nil {
		return nil, err
	}
	for attempt := 1; ; attempt++ {
		res, err := c.sync(ctx, actor, kind, id, given, name, def, hash)
		if err == nil || attempt == syncAttempts || !lostRace(err) {
			return res, err
		}
	}
}

// sync is one attempt of SyncID; given says the host gave id.
func (c *Catalog) sync(ctx context.Context, actor Actor, kind Kind, id string, given bool, name string, def *flow.Definition, hash string) (*SyncResult, error) {
	cur, err := c.store.GetByName(ctx, kind, name)
	if errors.Is(err, ErrNotFound) {
		if err := c.authorize(ctx, actor, OpImport, kind); err != nil {
			return nil, err
		}
		other, gerr := c.store.Get(ctx, id)
		switch {
		case gerr == nil && other.Kind == kind && other.Name == name:
			// Another instance made it between the two reads: it is the
			// item, as the name would have found it a moment later.
			cur, err = other, nil
		case gerr == nil:
			return nil, invalid("sync %s %q: id %s is %s %q's", kind, name, id, other.Kind, other.Name)
		case !errors.Is(gerr, ErrNotFound): // a store failure is not "no such item"
			return nil, gerr
		default:
			it, v, err := c.createWithID(ctx, actor, OpImport, id, kind, name, def.Description, def.Clone(), "Synced", Origin{Op: OpImport})
			if err != nil {
				return nil, err
			}
			return c.publishSynced(ctx, actor, it.ID, v.Revision)
		}
	}
	if err != nil {
		return nil, err
	}
	if given && cur.ID != id {
		return nil, invalid("sync %s %q: it exists as %s, not %s", kind, name, cur.ID, id)
	}
	if err := c.authorize(ctx, actor, OpRead, kind); err != nil {
		return nil, err
	}
	if p := cur.Published(); p != nil && p.Hash == hash {
		return &SyncResult{Item: cur.clone(true), Version: ptr(p.clone(true))}, nil
	}
	d := cur.Draft()
	switch {
	case d != nil && d.Hash == hash:
		return c.publishSynced(ctx, actor, cur.ID, d.Revision)
	case d != nil:
		v, err := c.SaveDraft(ctx, actor, cur.ID, d.Revision, def, "Synced")
		if err != nil {
			return nil, err
		}
		return c.publishSynced(ctx, actor, cur.ID, v.Revision)
	}
	if err := c.authorize(ctx, actor, OpSave, kind); err != nil {
		return nil, err
	}
	v, err := c.addDraft(ctx, actor, OpImport, cur, def.Clone(), "Synced", Origin{Op: OpImport})
	if err != nil {
		return nil, err
	}
	return c.publishSynced(ctx, actor, cur.ID, v.Revision)
}

// publishSynced publishes the synced draft and returns the item as it
// then is.
func (c *Catalog) publishSynced(ctx context.Context, actor Actor, id string, revision int) (*SyncResult, error) {
	v, err := c.Publish(ctx, actor, id, revision)
	if err != nil {
		return nil, err
	}
	it, err := c.store.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	return &SyncResult{Item: it.clone(true), Version: v, Changed: true}, nil
}

// StableID is the id Sync gives a new item: the kind's prefix ("FW" for a
// flow, "MD" for a module) and 32 hex digits of the SHA-256 of the kind and
// name, so that every instance, at every boot, gives an item loaded from
// one file the same id.
func StableID(kind Kind, name string) string {
	sum := sha256.Sum256([]byte(string(kind) + "\x00" + name))
	return idPrefix(kind) + hex.EncodeToString(sum[:16])
}

// validID reports whether id is an id of kind: its prefix and 32
// hexadecimal digits, as Twilio's sids and StableID's are.
func validID(kind Kind, id string) bool {
	digits, ok := strings.CutPrefix(id, idPrefix(kind))
	if !ok || len(digits) != 32 {
		return false
	}
	_, err := hex.DecodeString(digits)
	return err == nil
}

// idPrefix is the prefix of the ids of kind: FW for a flow, MD for a
// module.
func idPrefix(kind Kind) string {
	if kind == KindModule {
		return "MD"
	}
	return "FW"
}
