package version

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/studioflow/studioflow/flow"
)

// Sentinel errors callers branch on with errors.Is.
var (
	// ErrNotFound: no such item, revision, address or module.
	ErrNotFound = errors.New("version: not found")
	// ErrConflict: the operation conflicts with the item's current state, a
	// lifecycle rule, or a concurrent write. Every *TransitionError
	// unwraps to it.
	ErrConflict = errors.New("version: conflict")
	// ErrForbidden: the Authorizer refused the actor. Every
	// *ForbiddenError unwraps to it.
	ErrForbidden = errors.New("version: forbidden")
	// ErrInvalid: malformed input (an empty name, an unknown kind, JSON that
	// does not parse). It is flow.ErrInvalid, so one errors.Is serves both
	// packages.
	ErrInvalid = flow.ErrInvalid
)

// Rule is a lifecycle or catalog rule an operation can break. The text of
// each is what a *TransitionError reports.
type Rule string

// The rules a *TransitionError names.
const (
	// RuleSaveDraftOnly: SaveDraft named a published or archived version.
	RuleSaveDraftOnly Rule = "only a draft can be saved"
	// RuleStaleRevision: the revision named was saved over or discarded
	// since the caller read it.
	RuleStaleRevision Rule = "a write must name the current revision"
	// RulePublishDraftOnly: Publish named a published or archived version.
	RulePublishDraftOnly Rule = "only a draft can be published"
	// RulePublishErrors: the draft has problems of severity error.
	RulePublishErrors Rule = "a draft with errors cannot be published"
	// RulePublishGuard: the hook set with WithPublishGuard refused.
	RulePublishGuard Rule = "the publish guard refused the draft"
	// RuleOneDraft: Edit or Restore while a draft exists.
	RuleOneDraft Rule = "an item has at most one draft"
	// RuleEditPublishedOnly: Edit of an item without a published version.
	RuleEditPublishedOnly Rule = "only a published version can be edited"
	// RuleDiscardDraftOnly: Discard named a published or archived version.
	RuleDiscardDraftOnly Rule = "only a draft can be discarded"
	// RuleDiscardOnlyVersion: Discard of a never published item's draft.
	RuleDiscardOnlyVersion Rule = "the only version of an item cannot be discarded; delete the item instead"
	// RuleRestoreArchivedOnly: Restore named a draft or published version.
	RuleRestoreArchivedOnly Rule = "only an archived version can be restored"
	// RuleNameTaken: Create, Import, Duplicate or Rename to a name another
	// item of the kind has.
	RuleNameTaken Rule = "names are unique per kind"
	// RuleDeleteAssigned: Delete of a flow that has addresses.
	RuleDeleteAssigned Rule = "a flow assigned to an address cannot be deleted; unassign it first"
	// RuleModuleReferenced: Rename or Delete of a module that a draft or
	// published version of another item uses.
	RuleModuleReferenced Rule = "a module cannot be renamed or deleted while it is referenced"
	// RuleFlowsOnly: Assign or SetTestUsers on a module.
	RuleFlowsOnly Rule = "only flows take addresses and test users"
	// RuleAssignPublishedOnly: Assign of a flow without a published version.
	RuleAssignPublishedOnly Rule = "only a flow with a published version can be assigned"
	// RuleAddressTaken: Assign of an address another flow has.
	RuleAddressTaken Rule = "an address maps to one flow; unassign it first"
	// RuleConcurrentWrite: the Store refused the write because the item
	// changed since it was read (or a uniqueness rule broke in between).
	RuleConcurrentWrite Rule = "the item changed while the operation ran"
)

// TransitionError is a refused operation: which operation, which rule, which
// item and version. It unwraps to ErrConflict and, when set, to Err (the
// cause: a *flow.InvalidError for RulePublishErrors, the guard's error for
// RulePublishGuard, the Store's error for RuleConcurrentWrite).
type TransitionError struct {
	// Op is the refused operation.
	Op Op
	// Rule is the rule it would break.
	Rule Rule
	// ItemID is the item concerned.
	ItemID string
	// Revision is the version concerned, or 0 for item-level rules.
	Revision int
	// Status is that version's status, or empty when it has none (a stale
	// revision, an item-level rule).
	Status Status
	// Detail adds facts, such as the draft's current revision.
	Detail string
	// Err is the cause, if any.
	Err error
}

// Error says which operation, item, version and rule.
func (e *TransitionError) Error() string {
	var b strings.Builder
	b.WriteString("version: ")
	b.WriteString(string(e.Op))
	if e.ItemID != "" {
		b.WriteString(" ")
		b.WriteString(e.ItemID)
	}
	if e.Revision != 0 {
		b.WriteString(" revision ")
		b.WriteString(strconv.Itoa(e.Revision))
	}
	if e.Status != "" {
		b.WriteString(" (" + string(e.Status) + ")")
	}
	b.WriteString(" refused: ")
	b.WriteString(string(e.Rule))
	if e.Detail != "" {
		b.WriteString(" (" + e.Detail + ")")
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap makes errors.Is(err, ErrConflict) true, and reaches Err.
func (e *TransitionError) Unwrap() []error {
	if e.Err == nil {
		return []error{ErrConflict}
	}
	return []error{ErrConflict, e.Err}
}

// ForbiddenError is a refusal by the Authorizer. It unwraps to
// ErrForbidden.
type ForbiddenError struct {
	// Actor is the refused actor's ID.
	Actor string
	// Op is the refused operation.
	Op Op
	// Kind is the kind of item it concerned.
	Kind Kind
}

// Error names the actor, the operation and the kind.
func (e *ForbiddenError) Error() string {
	return fmt.Sprintf("version: forbidden: actor %q may not %s a %s", e.Actor, e.Op, e.Kind)
}

// Unwrap makes errors.Is(err, ErrForbidden) true.
func (e *ForbiddenError) Unwrap() error { return ErrForbidden }

func notFound(format string, args ...any) error {
	return fmt.Errorf("version: "+format+": %w", append(args, ErrNotFound)...)
}

func invalid(format string, args ...any) error {
	return fmt.Errorf("version: "+format+": %w", append(args, ErrInvalid)...)
}
