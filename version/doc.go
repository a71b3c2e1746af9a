// Package version manages the lifecycle of flows and modules: their
// versions (draft, published, archived), the catalog that holds them, the
// addresses (phone numbers, messaging addresses) they answer on, their test
// users, and the resolution the runtime asks for at every call start: "which
// definition runs for this address and this contact?".
//
// # Lifecycle
//
// An Item is a flow or a module. It has versions; each Version is a draft,
// published or archived, and an item has at most one draft and at most one
// published version at any time. The transitions:
//
//	operation  applies to                 result
//	create     (new item)                 a draft, revision 1
//	save       the draft                  the draft, with a new revision; the check runs and its problems are kept
//	publish    the draft, without errors  the draft becomes published; the previous published version becomes archived
//	edit       the published version      a draft copy; refused while a draft exists
//	discard    the draft                  the draft is deleted (not the only version of an item)
//	restore    an archived version        a draft copy; the archived version stays archived; refused while a draft exists
//	duplicate  any version                a new item of the same kind, with a draft copy
//
// Every version carries a revision number. Revisions are assigned from a
// counter per item and never reused: create, save, edit and restore each
// take the next one, so the draft always holds the highest revision, and
// publishing keeps the draft's revision. A save that names a revision other
// than the draft's current one is stale and refused (no last writer wins).
// Only the latest save of a draft is kept: a revision saved over or
// discarded no longer resolves. Published and archived revisions always
// resolve by number, so a running execution keeps the revision it started
// on.
//
// # Errors
//
// A refused operation returns a *TransitionError naming the operation, the
// Rule broken, the item and the version; it unwraps to ErrConflict (and to
// its cause, such as a *flow.InvalidError or the publish guard's error, when
// there is one). A refusal by the Authorizer is a *ForbiddenError, which
// unwraps to ErrForbidden. Unknown items and revisions give ErrNotFound;
// malformed input gives ErrInvalid (the same value as flow.ErrInvalid).
//
// # References
//
// A flow (or a module) uses a module through a run-module state whose
// "module" property names the module; only published modules may be used.
// A flow uses another flow as a subflow through a run-subflow state whose
// "flow_sid" property holds the subflow's item ID (or, for convenience, its
// name). Whenever a draft is written (create, save, edit, restore,
// duplicate, import) and again when it is published, the catalog resolves
// these references and reports those it cannot resolve as problems of
// severity error, so that a draft with a broken reference cannot be
// published:
//
//	code                        path                              when
//	version.module_unresolved   #/states/N/properties/module      no module has that name
//	version.module_unpublished  #/states/N/properties/module      the module has no published version
//	version.subflow_unresolved  #/states/N/properties/flow_sid    no flow has that ID or name
//	version.kind_mismatch       #/initial_state                   a module without a begin-module entry, or a flow with one
//
// Errors, not warnings, because a run-module or run-subflow state whose
// target is missing can only take its failure exit at run time. Import
// keeps such a definition as a draft and returns the problems; importing or
// publishing the missing module later and saving again clears them.
// References written as Liquid templates are not resolved.
//
// # Concurrency
//
// A Catalog holds no state of its own: items live in a Store, and every
// write reads an item, checks the lifecycle rules, and writes it back with
// a compare-and-swap on its Etag. A writer that lost a race gets a
// *TransitionError with RuleConcurrentWrite (ErrConflict) and is not
// retried. Stored items are immutable: a write stores a new item value.
// Uniqueness across items (names per kind, addresses) and "no deleting a
// referenced module" are the Store's to enforce atomically, as a database
// does with unique indexes and foreign keys; MemoryStore does.
//
// Resolve, ResolveAddress and ResolveModule are the runtime's read paths:
// one store read and one definition clone, with no parse and no check.
package version
