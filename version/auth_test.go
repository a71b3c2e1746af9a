package version_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studioflow/studioflow/version"
)

func TestRolePolicy(t *testing.T) {
	// What each role may do, written out independently of the policy's
	// construction: "op:kind" pairs.
	authoring := func(kind string) string {
		var b strings.Builder
		for _, op := range []string{"create", "save", "publish", "edit", "discard", "restore", "duplicate", "rename", "import"} {
			b.WriteString(" " + op + ":" + kind)
		}
		return b.String()
	}
	readers := "read:flow read:module export:flow export:module"
	allowed := map[version.Role]string{
		version.RoleModuleDesigner: readers + authoring("module"),
		version.RoleFlowDesigner:   readers + authoring("flow") + " set-test-users:flow reference:module",
		version.RoleViewer:         readers,
	}
	policy := version.DefaultRolePolicy()
	for _, role := range []version.Role{version.RoleAdmin, version.RoleModuleDesigner, version.RoleFlowDesigner, version.RoleViewer} {
		for _, op := range version.Ops {
			for _, kind := range []version.Kind{version.KindFlow, version.KindModule} {
				t.Run(fmt.Sprintf("%s/%s/%s", role, op, kind), func(t *testing.T) {
					actor := version.Actor{ID: "pat", Roles: []version.Role{role}}
					err := policy.Authorize(ctx, actor, op, kind)
					want := role == version.RoleAdmin || strings.Contains(" "+allowed[role]+" ", " "+string(op)+":"+string(kind)+" ")
					if want {
						assert.NoError(t, err)
						return
					}
					var fe *version.ForbiddenError
					require.ErrorAs(t, err, &fe)
					assert.Equal(t, version.ForbiddenError{Actor: "pat", Op: op, Kind: kind}, *fe)
					assert.ErrorIs(t, err, version.ErrForbidden)
				})
			}
		}
	}
}

func TestRolePolicyActors(t *testing.T) {
	policy := version.DefaultRolePolicy()
	nobody := version.Actor{ID: "nobody"}
	assert.ErrorIs(t, policy.Authorize(ctx, nobody, version.OpRead, version.KindFlow), version.ErrForbidden)
	both := version.Actor{ID: "lee", Roles: []version.Role{version.RoleViewer, version.RoleModuleDesigner}}
	assert.NoError(t, policy.Authorize(ctx, both, version.OpPublish, version.KindModule))
	assert.ErrorIs(t, policy.Authorize(ctx, both, version.OpPublish, version.KindFlow), version.ErrForbidden)
	assert.EqualError(t, policy.Authorize(ctx, both, version.OpDelete, version.KindModule),
		`version: forbidden: actor "lee" may not delete a module`)
	assert.NoError(t, version.AllowAll{}.Authorize(ctx, nobody, version.OpDelete, version.KindModule))
}

// The catalog names the actor and the operation it refuses, on every kind
// of operation, and changes nothing.
func TestCatalogAuthorization(t *testing.T) {
	admin := version.Actor{ID: "root", Roles: []version.Role{version.RoleAdmin}}
	mia := version.Actor{ID: "mia", Roles: []version.Role{version.RoleModuleDesigner}}
	fred := version.Actor{ID: "fred", Roles: []version.Role{version.RoleFlowDesigner}}
	vic := version.Actor{ID: "vic", Roles: []version.Role{version.RoleViewer}}
	c := newCatalog(version.WithAuthorizer(version.DefaultRolePolicy()))

	mod, mv, err := c.Create(ctx, mia, version.KindModule, "Holidays", "", holidayModule(t), "")
	require.NoError(t, err)
	_, err = c.Publish(ctx, mia, mod.ID, mv.Revision)
	require.NoError(t, err)

	// A flow designer uses the published module in a flow.
	fl, fv, err := c.Create(ctx, fred, version.KindFlow, "Main", "", moduleFlow(t, "Holidays"), "")
	require.NoError(t, err)
	_, err = c.Publish(ctx, fred, fl.ID, fv.Revision)
	require.NoError(t, err)

	forbidden := func(t *testing.T, err error, actor string, op version.Op, kind version.Kind) {
		t.Helper()
		var fe *version.ForbiddenError
		require.ErrorAs(t, err, &fe)
		assert.Equal(t, version.ForbiddenError{Actor: actor, Op: op, Kind: kind}, *fe)
	}
	_, _, err = c.Create(ctx, mia, version.KindFlow, "Nope", "", nil, "")
	forbidden(t, err, "mia", version.OpCreate, version.KindFlow)
	_, err = c.Edit(ctx, fred, mod.ID)
	forbidden(t, err, "fred", version.OpEdit, version.KindModule)
	_, err = c.Publish(ctx, vic, fl.ID, 1)
	forbidden(t, err, "vic", version.OpPublish, version.KindFlow)
	forbidden(t, c.Assign(ctx, fred, "+15550100", fl.ID), "fred", version.OpAssign, version.KindFlow)
	forbidden(t, c.Delete(ctx, fred, fl.ID), "fred", version.OpDelete, version.KindFlow)
	_, _, _, err = c.Import(ctx, vic, version.KindFlow, "x", []byte(`{}`))
	forbidden(t, err, "vic", version.OpImport, version.KindFlow)
	// A module designer may not nest modules: reference is not granted.
	_, _, err = c.Create(ctx, mia, version.KindModule, "Nested", "", nil, "")
	require.NoError(t, err)
	nested := holidayModule(t)
	nested.States = append(nested.States, moduleFlow(t, "Holidays").States[1])
	_, _, err = c.Create(ctx, mia, version.KindModule, "Nested2", "", nested, "")
	forbidden(t, err, "mia", version.OpReference, version.KindModule)
	_, _, err = c.Create(ctx, admin, version.KindModule, "Nested2", "", nested, "")
	require.NoError(t, err)

	// Viewers read.
	it, err := c.Get(ctx, vic, fl.ID)
	require.NoError(t, err)
	assert.Equal(t, "Main", it.Name)
	_, err = c.Export(ctx, vic, mod.ID, 1)
	require.NoError(t, err)
	items, err := c.List(ctx, vic, "")
	require.NoError(t, err)
	assert.Len(t, items, 4)

	// A reader of flows only lists flows when asking for both kinds.
	// (c2 shares a store that holds a flow and a module.)
	flowReader := version.Actor{ID: "fr", Roles: []version.Role{"flow-reader"}}
	store := version.NewMemoryStore()
	filled := newCatalog(version.WithStore(store))
	_, _, err = filled.Create(ctx, admin, version.KindFlow, "F", "", nil, "")
	require.NoError(t, err)
	_, _, err = filled.Create(ctx, admin, version.KindModule, "M", "", nil, "")
	require.NoError(t, err)
	c2 := newCatalog(version.WithStore(store), version.WithAuthorizer(version.RolePolicy{"flow-reader": {{Op: version.OpRead, Kind: version.KindFlow}}}))
	_, _, err = c2.Create(ctx, admin, version.KindFlow, "F2", "", nil, "")
	forbidden(t, err, "root", version.OpCreate, version.KindFlow)
	_, err = c2.List(ctx, flowReader, version.KindModule)
	forbidden(t, err, "fr", version.OpRead, version.KindModule)
	items, err = c2.List(ctx, flowReader, "")
	require.NoError(t, err)
	require.Len(t, items, 1)
	assert.Equal(t, "F", items[0].Name)
	assert.Equal(t, version.KindFlow, items[0].Kind)

	vs, err := c.Versions(ctx, admin, fl.ID)
	require.NoError(t, err)
	require.Len(t, vs, 1)
	assert.Equal(t, version.StatusPublished, vs[0].Status)
}
