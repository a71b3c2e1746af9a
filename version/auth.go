package version

import (
	"context"
	"slices"
)

// Actor is who performs a catalog operation.
type Actor struct {
	// ID identifies the actor; it is recorded as the Author of versions.
	ID string
	// Roles are what the RolePolicy grants on; AllowAll ignores them.
	Roles []Role
}

// Role is a set of permissions in a RolePolicy.
type Role string

// The roles of DefaultRolePolicy.
const (
	// RoleAdmin may do everything.
	RoleAdmin Role = "admin"
	// RoleModuleDesigner builds modules.
	RoleModuleDesigner Role = "module-designer"
	// RoleFlowDesigner builds flows and uses published modules in them.
	RoleFlowDesigner Role = "flow-designer"
	// RoleViewer reads.
	RoleViewer Role = "viewer"
)

// Op is a catalog operation, as the Authorizer sees it.
type Op string

// The catalog operations.
const (
	// OpRead is Get, List and Versions.
	OpRead Op = "read"
	// OpCreate is Create.
	OpCreate Op = "create"
	// OpSave is SaveDraft.
	OpSave Op = "save"
	// OpPublish is Publish.
	OpPublish Op = "publish"
	// OpEdit is Edit.
	OpEdit Op = "edit"
	// OpDiscard is Discard.
	OpDiscard Op = "discard"
	// OpRestore is Restore.
	OpRestore Op = "restore"
	// OpDuplicate is Duplicate.
	OpDuplicate Op = "duplicate"
	// OpRename is Rename.
	OpRename Op = "rename"
	// OpDelete is Delete.
	OpDelete Op = "delete"
	// OpAssign is Assign and Unassign.
	OpAssign Op = "assign"
	// OpSetTestUsers is SetTestUsers.
	OpSetTestUsers Op = "set-test-users"
	// OpExport is Export.
	OpExport Op = "export"
	// OpImport is Import.
	OpImport Op = "import"
	// OpReference is using a module (Kind module) in a run-module state. It
	// is authorized whenever a definition with run-module states is written
	// as a draft (create, save, edit, restore, duplicate, import).
	OpReference Op = "reference"
)

// Ops lists every operation, in the order above.
var Ops = []Op{
	OpRead, OpCreate, OpSave, OpPublish, OpEdit, OpDiscard, OpRestore, OpDuplicate,
	OpRename, OpDelete, OpAssign, OpSetTestUsers, OpExport, OpImport, OpReference,
}

// Authorizer decides whether actor may perform op on an item of kind. It
// returns nil to allow, and an error (conventionally a *ForbiddenError) to
// refuse; the Catalog returns the error as is.
type Authorizer interface {
	// Authorize reports whether actor may perform op on an item of kind:
	// nil allows it, a non-nil error refuses it.
	Authorize(ctx context.Context, actor Actor, op Op, kind Kind) error
}

// AuthorizerFunc adapts a function to Authorizer.
type AuthorizerFunc func(ctx context.Context, actor Actor, op Op, kind Kind) error

// Authorize calls f.
func (f AuthorizerFunc) Authorize(ctx context.Context, actor Actor, op Op, kind Kind) error {
	return f(ctx, actor, op, kind)
}

// AllowAll allows every operation to every actor. It is the Catalog's
// default.
type AllowAll struct{}

// Authorize returns nil.
func (AllowAll) Authorize(context.Context, Actor, Op, Kind) error { return nil }

// Wildcards of a Permission.
const (
	// AnyOp in a Permission matches every operation.
	AnyOp Op = "*"
	// AnyKind in a Permission matches both kinds.
	AnyKind Kind = "*"
)

// Permission grants one operation (or AnyOp) on one kind (or AnyKind).
type Permission struct {
	// Op is the operation granted, or AnyOp for all of them.
	Op Op
	// Kind is the kind of item the operation is granted on, or AnyKind for
	// both.
	Kind Kind
}

// RolePolicy is an Authorizer granting permissions by role: an actor may do
// what any of its roles grants. An actor without roles may do nothing.
type RolePolicy map[Role][]Permission

// DefaultRolePolicy returns the standard roles:
//
//   - admin: everything.
//   - module-designer: read and export anything; create, save, publish,
//     edit, discard, restore, duplicate, rename and import modules. No
//     reference: a module designer cannot put a run-module state in a
//     module (no nested modules unless an admin writes them).
//   - flow-designer: read and export anything; create, save, publish, edit,
//     discard, restore, duplicate, rename, import and set test users of
//     flows; reference modules.
//   - viewer: read and export (export changes nothing).
//
// Delete and assign (and unassign) are left to admins: they are irreversible or
// move live traffic. The result is a fresh map the caller may change.
func DefaultRolePolicy() RolePolicy {
	authoring := []Op{OpCreate, OpSave, OpPublish, OpEdit, OpDiscard, OpRestore, OpDuplicate, OpRename, OpImport}
	readers := []Permission{{OpRead, AnyKind}, {OpExport, AnyKind}}
	grant := func(kind Kind, ops ...Op) []Permission {
		ps := slices.Clone(readers)
		for _, op := range ops {
			ps = append(ps, Permission{op, kind})
		}
		return ps
	}
	return RolePolicy{
		RoleAdmin:          {{AnyOp, AnyKind}},
		RoleModuleDesigner: grant(KindModule, authoring...),
		RoleFlowDesigner: append(grant(KindFlow, append(authoring, OpSetTestUsers)...),
			Permission{OpReference, KindModule}),
		RoleViewer: readers,
	}
}

// Authorize allows op on kind when one of actor's roles grants it, and
// otherwise returns a *ForbiddenError.
func (p RolePolicy) Authorize(_ context.Context, actor Actor, op Op, kind Kind) error {
	for _, r := range actor.Roles {
		for _, g := range p[r] {
			if (g.Op == AnyOp || g.Op == op) && (g.Kind == AnyKind || g.Kind == kind) {
				return nil
			}
		}
	}
	return &ForbiddenError{Actor: actor.ID, Op: op, Kind: kind}
}
