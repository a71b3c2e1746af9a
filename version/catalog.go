package version

import (
	"cmp"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/studioflow/studioflow/flow"
)

// Catalog is the catalog of flows and modules: their lifecycle, names,
// addresses and test users, and the resolution of what runs. It is safe for
// concurrent use; see the package documentation for how races resolve.
type Catalog struct {
	store Store
	auth  Authorizer
	now   func() time.Time
	newID func(Kind) string
	check func(context.Context, Kind, *flow.Definition) flow.Problems
	guard func(context.Context, Item, *flow.Definition) error
}

// Option configures a Catalog. An option given nil keeps the default.
type Option func(*Catalog)

// WithStore sets where items live (default: a new MemoryStore).
func WithStore(s Store) Option {
	return func(c *Catalog) {
		if s != nil {
			c.store = s
		}
	}
}

// WithAuthorizer sets who may do what (default: AllowAll).
func WithAuthorizer(a Authorizer) Option {
	return func(c *Catalog) {
		if a != nil {
			c.auth = a
		}
	}
}

// WithClock sets the clock that stamps versions (default: time.Now in UTC).
func WithClock(now func() time.Time) Option {
	return func(c *Catalog) {
		if now != nil {
			c.now = now
		}
	}
}

// WithIDs sets how new item IDs are made (default: "FW" for flows, "MD"
// for modules, then 32 random hex digits).
func WithIDs(newID func(kind Kind) string) Option {
	return func(c *Catalog) {
		if newID != nil {
			c.newID = newID
		}
	}
}

// WithCheck sets the full check run whenever a draft is written, usually
// flow.Check with the checkers of the widgets, compat and module packages.
// The default is flow.Check(def): structural checks only. The check must
// not modify def. The catalog adds its own reference and kind problems (see
// the package documentation) to what the check returns.
func WithCheck(check func(ctx context.Context, kind Kind, def *flow.Definition) flow.Problems) Option {
	return func(c *Catalog) {
		if check != nil {
			c.check = check
		}
	}
}

// WithPublishGuard sets a hook run before a publish commits, with a copy of
// the item as it stands (its versions without their definitions: resolve
// one if the guard needs it) and a copy of the draft to publish. An error from
// the guard refuses the publish: Publish returns a *TransitionError with
// RulePublishGuard that wraps it.
func WithPublishGuard(guard func(ctx context.Context, item Item, candidate *flow.Definition) error) Option {
	return func(c *Catalog) { c.guard = guard }
}

// NewCatalog returns a Catalog with the given options.
func NewCatalog(opts ...Option) *Catalog {
	c := &Catalog{
		store: NewMemoryStore(),
		auth:  AllowAll{},
		now:   func() time.Time { return time.Now().UTC() },
		newID: randomID,
		check: func(_ context.Context, _ Kind, def *flow.Definition) flow.Problems { return flow.Check(def) },
	}
	for _, o := range opts {
		o(c)
	}
	return c
}

func randomID(kind Kind) string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand, Go 1.24+)
	prefix := "FW"
	if kind == KindModule {
		prefix = "MD"
	}
	return prefix + hex.EncodeToString(b[:])
}

// Hash returns the content hash of def: the hex SHA-256 of its compact Flow
// JSON (flow.Marshal).
func Hash(def *flow.Definition) (string, error) {
	data, err := flow.Marshal(def)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:]), nil
}

// Create adds a new flow or module whose first version is a draft, revision
// 1, of def (a copy is kept). A nil def starts from an empty one: a trigger
// with every entry event unwired for a flow, a begin-module without
// arguments for a module. The check runs and its problems are kept on the
// version.
func (c *Catalog) Create(ctx context.Context, actor Actor, kind Kind, name, description string, def *flow.Definition, message string) (*Item, *Version, error) {
	if !kind.valid() {
		return nil, nil, invalid("unknown kind %q", kind)
	}
	if err := c.authorize(ctx, actor, OpCreate, kind); err != nil {
		return nil, nil, err
	}
	if def == nil {
		def = skeleton(kind, strings.TrimSpace(name))
	} else {
		def = def.Clone()
	}
	return c.create(ctx, actor, OpCreate, kind, name, description, def, message, Origin{Op: OpCreate})
}

// SaveDraft replaces the draft's content with a copy of def under a new
// revision, runs the check and keeps its problems on the version.
// expectedRevision must be the draft's current revision: a save based on
// an older one is refused with RuleStaleRevision, so that no save is lost.
func (c *Catalog) SaveDraft(ctx context.Context, actor Actor, itemID string, expectedRevision int, def *flow.Definition, message string) (*Version, error) {
	if def == nil {
		return nil, invalid("save %s: no definition", itemID)
	}
	cur, err := c.load(ctx, actor, OpSave, itemID)
	if err != nil {
		return nil, err
	}
	old, err := target(cur, OpSave, expectedRevision)
	if err != nil {
		return nil, err
	}
	if old.Status != StatusDraft {
		return nil, refuse(OpSave, RuleSaveDraftOnly, cur, old)
	}
	now := c.now()
	v, err := c.draft(ctx, actor, cur.Kind, def.Clone(), now)
	if err != nil {
		return nil, err
	}
	v.Revision = cur.LastRevision + 1
	v.Message = message
	v.Created = old.Created
	v.Origin = old.Origin
	next := cur.next()
	*next.Version(old.Revision) = v
	next.LastRevision = v.Revision
	if err := c.commit(ctx, OpSave, cur, next, now); err != nil {
		return nil, err
	}
	return ptr(v.clone(true)), nil
}

// Publish makes the draft with the given revision the published version;
// the previously published version becomes archived. References are
// resolved again first; a draft with error problems is refused with
// RulePublishErrors, and a publish guard refusal with RulePublishGuard.
func (c *Catalog) Publish(ctx context.Context, actor Actor, itemID string, revision int) (*Version, error) {
	cur, err := c.load(ctx, actor, OpPublish, itemID)
	if err != nil {
		return nil, err
	}
	d, err := target(cur, OpPublish, revision)
	if err != nil {
		return nil, err
	}
	if d.Status != StatusDraft {
		return nil, refuse(OpPublish, RulePublishDraftOnly, cur, d)
	}
	fresh, err := c.refProblems(ctx, d.Definition)
	if err != nil {
		return nil, err
	}
	problems := slices.DeleteFunc(slices.Clone(d.Problems), func(p flow.Problem) bool { return isRefCode(p.Code) })
	problems = append(problems, fresh...)
	if problems.HasErrors() {
		e := refuse(OpPublish, RulePublishErrors, cur, d)
		e.Err = problems.Err()
		return nil, e
	}
	if c.guard != nil {
		if err := c.guard(ctx, *cur.clone(false), d.Definition.Clone()); err != nil {
			e := refuse(OpPublish, RulePublishGuard, cur, d)
			e.Err = err
			return nil, e
		}
	}
	now := c.now()
	next := cur.next()
	if p := next.Published(); p != nil {
		p.Status = StatusArchived
		p.Archived = now
	}
	v := next.Version(revision)
	v.Status = StatusPublished
	v.Published = now
	v.Problems = problems
	if err := c.commit(ctx, OpPublish, cur, next, now); err != nil {
		return nil, err
	}
	return ptr(v.clone(true)), nil
}

// Edit starts a draft copy of the published version, under a new revision;
// the published version keeps serving. It is refused while a draft exists
// (RuleOneDraft) and when nothing is published (RuleEditPublishedOnly).
func (c *Catalog) Edit(ctx context.Context, actor Actor, itemID string) (*Version, error) {
	cur, err := c.load(ctx, actor, OpEdit, itemID)
	if err != nil {
		return nil, err
	}
	if d := cur.Draft(); d != nil {
		return nil, refuse(OpEdit, RuleOneDraft, cur, d)
	}
	p := cur.Published()
	if p == nil {
		return nil, refuse(OpEdit, RuleEditPublishedOnly, cur, nil)
	}
	return c.copyToDraft(ctx, actor, OpEdit, cur, p, fmt.Sprintf("Edit of revision %d", p.Revision))
}

// Discard deletes the draft with the given revision. The only version of an
// item (a draft never published) cannot be discarded: delete the item.
func (c *Catalog) Discard(ctx context.Context, actor Actor, itemID string, revision int) error {
	cur, err := c.load(ctx, actor, OpDiscard, itemID)
	if err != nil {
		return err
	}
	d, err := target(cur, OpDiscard, revision)
	if err != nil {
		return err
	}
	if d.Status != StatusDraft {
		return refuse(OpDiscard, RuleDiscardDraftOnly, cur, d)
	}
	if len(cur.Versions) == 1 {
		return refuse(OpDiscard, RuleDiscardOnlyVersion, cur, d)
	}
	next := cur.next()
	next.Versions = slices.DeleteFunc(next.Versions, func(v Version) bool { return v.Revision == revision })
	return c.commit(ctx, OpDiscard, cur, next, c.now())
}

// Restore starts a draft copy of an archived version, under a new revision;
// the archived version stays archived. It is refused while a draft exists.
func (c *Catalog) Restore(ctx context.Context, actor Actor, itemID string, revision int) (*Version, error) {
	cur, err := c.load(ctx, actor, OpRestore, itemID)
	if err != nil {
		return nil, err
	}
	a, err := target(cur, OpRestore, revision)
	if err != nil {
		return nil, err
	}
	if a.Status != StatusArchived {
		return nil, refuse(OpRestore, RuleRestoreArchivedOnly, cur, a)
	}
	if d := cur.Draft(); d != nil {
		e := refuse(OpRestore, RuleOneDraft, cur, a)
		e.Detail = fmt.Sprintf("the draft is revision %d", d.Revision)
		return nil, e
	}
	return c.copyToDraft(ctx, actor, OpRestore, cur, a, fmt.Sprintf("Restored from revision %d", a.Revision))
}

// Duplicate creates a new item of the same kind, named newName, whose draft
// (revision 1) is a copy of the given version, whatever its status.
func (c *Catalog) Duplicate(ctx context.Context, actor Actor, itemID string, revision int, newName string) (*Item, *Version, error) {
	cur, err := c.load(ctx, actor, OpDuplicate, itemID)
	if err != nil {
		return nil, nil, err
	}
	src, err := target(cur, OpDuplicate, revision)
	if err != nil {
		return nil, nil, err
	}
	return c.create(ctx, actor, OpDuplicate, cur.Kind, newName, cur.Description, src.Definition,
		fmt.Sprintf("Duplicated from %s revision %d", cur.Name, src.Revision),
		Origin{Op: OpDuplicate, ItemID: cur.ID, Revision: src.Revision})
}

// Rename gives the item a new name, unique in its kind. A module cannot be
// renamed while referenced (run-module states name modules).
func (c *Catalog) Rename(ctx context.Context, actor Actor, itemID, newName string) (*Item, error) {
	cur, err := c.load(ctx, actor, OpRename, itemID)
	if err != nil {
		return nil, err
	}
	name := strings.TrimSpace(newName)
	if name == "" {
		return nil, invalid("rename %s: empty name", itemID)
	}
	if name == cur.Name {
		return cur.clone(true), nil
	}
	if err := c.nameFree(ctx, OpRename, cur.Kind, name, cur.ID); err != nil {
		return nil, err
	}
	if err := c.unreferenced(ctx, OpRename, cur); err != nil {
		return nil, err
	}
	next := cur.next()
	next.Name = name
	if err := c.commit(ctx, OpRename, cur, next, c.now()); err != nil {
		return nil, err
	}
	return next.clone(true), nil
}

// Delete removes the item and its history. A flow assigned to an address
// must be unassigned first; a module cannot be deleted while referenced.
func (c *Catalog) Delete(ctx context.Context, actor Actor, itemID string) error {
	cur, err := c.load(ctx, actor, OpDelete, itemID)
	if err != nil {
		return err
	}
	if len(cur.Addresses) > 0 {
		e := refuse(OpDelete, RuleDeleteAssigned, cur, nil)
		e.Detail = "assigned to " + strings.Join(cur.Addresses, ", ")
		return e
	}
	if err := c.unreferenced(ctx, OpDelete, cur); err != nil {
		return err
	}
	if err := c.store.Delete(ctx, cur.ID, cur.Etag); err != nil {
		return storeRefusal(OpDelete, cur.ID, err)
	}
	return nil
}

// Get returns a copy of the item with its full history.
func (c *Catalog) Get(ctx context.Context, actor Actor, itemID string) (*Item, error) {
	cur, err := c.load(ctx, actor, OpRead, itemID)
	if err != nil {
		return nil, err
	}
	return cur.clone(true), nil
}

// List returns copies of the items of a kind, or of both kinds for "",
// sorted by kind and name. Their versions carry no Definition: use Get or
// Versions for those. For "", kinds the actor may not read are left out.
func (c *Catalog) List(ctx context.Context, actor Actor, kind Kind) ([]*Item, error) {
	kinds := []Kind{KindFlow, KindModule}
	if kind != "" {
		if !kind.valid() {
			return nil, invalid("unknown kind %q", kind)
		}
		kinds = []Kind{kind}
	}
	var readable []Kind
	var refused error
	for _, k := range kinds {
		if err := c.authorize(ctx, actor, OpRead, k); err != nil {
			refused = err
			continue
		}
		readable = append(readable, k)
	}
	if len(readable) == 0 {
		return nil, refused
	}
	var out []*Item
	for _, k := range readable {
		items, err := c.store.List(ctx, k)
		if err != nil {
			return nil, err
		}
		for _, it := range items {
			out = append(out, it.clone(false))
		}
	}
	slices.SortFunc(out, func(a, b *Item) int {
		return cmp.Or(strings.Compare(string(a.Kind), string(b.Kind)), strings.Compare(a.Name, b.Name))
	})
	return out, nil
}

// Versions returns copies of the item's versions, ordered by revision.
func (c *Catalog) Versions(ctx context.Context, actor Actor, itemID string) ([]Version, error) {
	cur, err := c.load(ctx, actor, OpRead, itemID)
	if err != nil {
		return nil, err
	}
	return cur.clone(true).Versions, nil
}

// create validates and stores a new item whose draft is def, which the
// catalog owns from here on.
func (c *Catalog) create(ctx context.Context, actor Actor, op Op, kind Kind, name, description string, def *flow.Definition, message string, origin Origin) (*Item, *Version, error) {
	return c.createWithID(ctx, actor, op, c.newID(kind), kind, name, description, def, message, origin)
}

// createWithID is create for an item whose id the caller chose.
func (c *Catalog) createWithID(ctx context.Context, actor Actor, op Op, id string, kind Kind, name, description string, def *flow.Definition, message string, origin Origin) (*Item, *Version, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return nil, nil, invalid("%s: empty name", op)
	}
	if err := c.nameFree(ctx, op, kind, name, ""); err != nil {
		return nil, nil, err
	}
	now := c.now()
	v, err := c.draft(ctx, actor, kind, def, now)
	if err != nil {
		return nil, nil, err
	}
	v.Revision = 1
	v.Message = message
	v.Origin = origin
	it := &Item{
		ID: id, Kind: kind, Name: name, Description: description,
		Created: now, Updated: now, LastRevision: 1, Versions: []Version{v},
		References: v.Modules, Etag: 1,
	}
	if err := c.store.Put(ctx, it, 0); err != nil {
		return nil, nil, storeRefusal(op, it.ID, err)
	}
	return it.clone(true), ptr(v.clone(true)), nil
}

// copyToDraft adds a draft copy of src to cur under a new revision.
func (c *Catalog) copyToDraft(ctx context.Context, actor Actor, op Op, cur *Item, src *Version, message string) (*Version, error) {
	return c.addDraft(ctx, actor, op, cur, src.Definition, message, Origin{Op: op, ItemID: cur.ID, Revision: src.Revision})
}

// addDraft adds a draft of def (which the catalog owns from here on) to
// cur, which has none, under a new revision.
func (c *Catalog) addDraft(ctx context.Context, actor Actor, op Op, cur *Item, def *flow.Definition, message string, origin Origin) (*Version, error) {
	now := c.now()
	v, err := c.draft(ctx, actor, cur.Kind, def, now)
	if err != nil {
		return nil, err
	}
	v.Revision = cur.LastRevision + 1
	v.Message = message
	v.Origin = origin
	next := cur.next()
	next.Versions = append(next.Versions, v)
	next.LastRevision = v.Revision
	if err := c.commit(ctx, op, cur, next, now); err != nil {
		return nil, err
	}
	return ptr(v.clone(true)), nil
}

// draft builds a draft version of def (which it keeps, unchanged): the
// reference authorization, the check, the catalog's own problems and the
// hash. The caller sets Revision, Message and Origin.
func (c *Catalog) draft(ctx context.Context, actor Actor, kind Kind, def *flow.Definition, now time.Time) (Version, error) {
	mods := moduleNames(def)
	if len(mods) > 0 {
		if err := c.authorize(ctx, actor, OpReference, KindModule); err != nil {
			return Version{}, err
		}
	}
	hash, err := Hash(def)
	if err != nil {
		return Version{}, err
	}
	problems := slices.Clone(c.check(ctx, kind, def))
	problems = append(problems, kindProblems(kind, def)...)
	refs, err := c.refProblems(ctx, def)
	if err != nil {
		return Version{}, err
	}
	problems = append(problems, refs...)
	return Version{
		Status: StatusDraft, Author: actor.ID, Created: now, Saved: now,
		Hash: hash, Problems: problems, Modules: mods, Definition: def,
	}, nil
}

// commit writes next in place of cur with the store's compare-and-swap.
func (c *Catalog) commit(ctx context.Context, op Op, cur, next *Item, now time.Time) error {
	next.Etag = cur.Etag + 1
	next.Updated = now
	next.References = references(next)
	if err := c.store.Put(ctx, next, cur.Etag); err != nil {
		return storeRefusal(op, cur.ID, err)
	}
	return nil
}

// load reads an item and authorizes op on it.
func (c *Catalog) load(ctx context.Context, actor Actor, op Op, itemID string) (*Item, error) {
	it, err := c.store.Get(ctx, itemID)
	if err != nil {
		return nil, err
	}
	if err := c.authorize(ctx, actor, op, it.Kind); err != nil {
		return nil, err
	}
	return it, nil
}

func (c *Catalog) authorize(ctx context.Context, actor Actor, op Op, kind Kind) error {
	return c.auth.Authorize(ctx, actor, op, kind)
}

// nameFree refuses a name another item of the kind has.
func (c *Catalog) nameFree(ctx context.Context, op Op, kind Kind, name, selfID string) error {
	other, err := c.store.GetByName(ctx, kind, name)
	switch {
	case errors.Is(err, ErrNotFound):
		return nil
	case err != nil:
		return err
	case other.ID == selfID:
		return nil
	}
	return &TransitionError{Op: op, Rule: RuleNameTaken, ItemID: selfID,
		Detail: fmt.Sprintf("%s %q is %s", kind, name, other.ID)}
}

// unreferenced refuses op on a module that another item's draft or
// published version references.
func (c *Catalog) unreferenced(ctx context.Context, op Op, it *Item) error {
	if it.Kind != KindModule {
		return nil
	}
	refs, err := c.References(ctx, it.Name)
	if err != nil {
		return err
	}
	refs = slices.DeleteFunc(refs, func(r Reference) bool { return r.ItemID == it.ID })
	if len(refs) == 0 {
		return nil
	}
	users := make([]string, len(refs))
	for i, r := range refs {
		users[i] = fmt.Sprintf("%s %q revision %d (%s)", r.Kind, r.Name, r.Revision, r.Status)
	}
	e := refuse(op, RuleModuleReferenced, it, nil)
	e.Detail = "used by " + strings.Join(users, ", ")
	return e
}

// target returns the version of cur with the given revision. A revision
// that existed once (saved over or discarded) is stale: RuleStaleRevision.
func target(cur *Item, op Op, revision int) (*Version, error) {
	if v := cur.Version(revision); v != nil {
		return v, nil
	}
	if revision < 1 || revision > cur.LastRevision {
		return nil, notFound("%s has no revision %d", cur.ID, revision)
	}
	detail := fmt.Sprintf("revision %d was saved over or discarded; the item has no draft", revision)
	if d := cur.Draft(); d != nil {
		detail = fmt.Sprintf("revision %d was saved over or discarded; the draft is at revision %d", revision, d.Revision)
	}
	return nil, &TransitionError{Op: op, Rule: RuleStaleRevision, ItemID: cur.ID, Revision: revision, Detail: detail}
}

func refuse(op Op, rule Rule, it *Item, v *Version) *TransitionError {
	e := &TransitionError{Op: op, Rule: rule, ItemID: it.ID}
	if v != nil {
		e.Revision, e.Status = v.Revision, v.Status
	}
	return e
}

// storeRefusal turns a store conflict into a *TransitionError.
func storeRefusal(op Op, itemID string, err error) error {
	if errors.Is(err, ErrConflict) {
		return &TransitionError{Op: op, Rule: RuleConcurrentWrite, ItemID: itemID, Err: err}
	}
	return err
}

// references returns the module names the draft and the published version
// of it use.
func references(it *Item) []string {
	var names []string
	for _, v := range it.Versions {
		if v.Status != StatusArchived {
			names = append(names, v.Modules...)
		}
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// skeleton returns the empty definition Create starts from.
func skeleton(kind Kind, name string) *flow.Definition {
	offset := map[string]json.RawMessage{"offset": json.RawMessage(`{"x":0,"y":0}`)}
	if kind == KindModule {
		return &flow.Definition{
			Description: name, InitialState: "Begin",
			States: []flow.State{{
				Name: "Begin", Type: flow.TypeBeginModule,
				Transitions: []flow.Transition{{Event: "next"}},
				Properties: map[string]json.RawMessage{
					"arguments": json.RawMessage(`[]`), "offset": offset["offset"],
				},
			}},
		}
	}
	s := flow.State{Name: "Trigger", Type: flow.TypeTrigger, Properties: offset}
	for _, e := range flow.TriggerEvents() {
		s.Transitions = append(s.Transitions, flow.Transition{Event: e})
	}
	return &flow.Definition{
		Description: name, InitialState: "Trigger", States: []flow.State{s},
		Flags: flow.Flags{AllowConcurrentCalls: true, Present: true},
	}
}

func ptr[T any](v T) *T { return &v }
