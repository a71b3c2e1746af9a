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
	RuleSaveDraftOnly       Rule = "only a draft can be saved"
	RuleStaleRevision       Rule = "a write must name the current revision"
	RulePublishDraftOnly    Rule = "only a draft can be published"
	RulePublishErrors       Rule = "a draft with errors cannot be published"
	RulePublishGuard        Rule = "the publish guard refused the draft"
	RuleOneDraft            Rule = "an item has at most one draft"
	RuleEditPublishedOnly   Rule = "only a published version can be edited"
	RuleDiscardDraftOnly    Rule = "only a draft can be discarded"
	RuleDiscardOnlyVersion  Rule = "the only version of an item cannot be discarded; delete the item instead"
	RuleRestoreArchivedOnly Rule = "only an archived version can be restored"
	RuleNameTaken           Rule = "names are unique per kind"
	RuleDeleteAssigned      Rule = "a flow assigned to an address cannot be deleted; unassign it first"
	RuleModuleReferenced    Rule = "a module cannot be renamed or deleted while it is referenced"
	RuleFlowsOnly           Rule = "only flows take addresses and test users"
	RuleAssignPublishedOnly Rule = "only a flow with a published version can be assigned"
	RuleAddressTaken        Rule = "an address maps to one flow; unassign it first"
	RuleConcurrentWrite     Rule = "the item changed while the operation ran"
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
