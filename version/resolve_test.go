package version_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studioflow/studioflow/version"
)

func say(t *testing.T, r *version.Resolved) string {
	t.Helper()
	var s string
	_, err := r.Definition.States[1].Property("say", &s)
	require.NoError(t, err)
	return s
}

func TestResolve(t *testing.T) {
	c := newCatalog()
	it, v, err := c.Create(ctx, alice, version.KindFlow, "IVR", "", sayFlow(t, "one"), "")
	require.NoError(t, err)
	_, err = c.Resolve(ctx, it.ID, version.LatestPublished)
	assert.ErrorIs(t, err, version.ErrNotFound, "nothing published yet")
	_, err = c.Publish(ctx, alice, it.ID, v.Revision)
	require.NoError(t, err)
	v, err = c.Edit(ctx, alice, it.ID)
	require.NoError(t, err)
	v, err = c.SaveDraft(ctx, alice, it.ID, v.Revision, sayFlow(t, "two"), "")
	require.NoError(t, err)
	_, err = c.Publish(ctx, alice, it.ID, v.Revision)
	require.NoError(t, err)
	_, err = c.Edit(ctx, alice, it.ID)
	require.NoError(t, err)
	require.Equal(t, "1 archived, 3 published, 4 draft", history(t, c, it.ID))

	tests := []struct {
		sel      version.Selector
		revision int
		status   version.Status
		say      string
		err      error
	}{
		{sel: version.LatestPublished, revision: 3, status: version.StatusPublished, say: "two"},
		{sel: version.LatestDraft, revision: 4, status: version.StatusDraft, say: "two"},
		{sel: version.Revision(1), revision: 1, status: version.StatusArchived, say: "one"},
		{sel: version.Revision(3), revision: 3, status: version.StatusPublished, say: "two"},
		{sel: version.Revision(2), err: version.ErrNotFound}, // saved over
		{sel: version.Revision(9), err: version.ErrNotFound},
		{sel: version.Revision(0), err: version.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.sel.String(), func(t *testing.T) {
			r, err := c.Resolve(ctx, it.ID, tt.sel)
			if tt.err != nil {
				assert.ErrorIs(t, err, tt.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, it.ID, r.ItemID)
			assert.Equal(t, "IVR", r.Name)
			assert.Equal(t, version.KindFlow, r.Kind)
			assert.Equal(t, tt.revision, r.Revision)
			assert.Equal(t, tt.status, r.Status)
			assert.Equal(t, tt.say, say(t, r))
			assert.Equal(t, mustHash(t, r.Definition), r.Hash)
		})
	}

	_, err = c.Resolve(ctx, "FW9999", version.LatestPublished)
	assert.ErrorIs(t, err, version.ErrNotFound)
}

// An execution that started on a revision keeps resolving it after a newer
// one is published; new executions get the new one.
func TestRunningExecutionKeepsItsRevision(t *testing.T) {
	c := newCatalog()
	id := published(t, c, "IVR")
	start, err := c.Resolve(ctx, id, version.LatestPublished)
	require.NoError(t, err)
	v, err := c.Edit(ctx, alice, id)
	require.NoError(t, err)
	v, err = c.SaveDraft(ctx, alice, id, v.Revision, sayFlow(t, "new"), "")
	require.NoError(t, err)
	_, err = c.Publish(ctx, alice, id, v.Revision)
	require.NoError(t, err)

	resumed, err := c.Resolve(ctx, id, version.Revision(start.Revision))
	require.NoError(t, err)
	assert.Equal(t, version.StatusArchived, resumed.Status)
	assert.Equal(t, "hello", say(t, resumed))
	fresh, err := c.Resolve(ctx, id, version.LatestPublished)
	require.NoError(t, err)
	assert.Equal(t, 3, fresh.Revision)
	assert.Equal(t, "new", say(t, fresh))
}

func TestResolvedDefinitionIsACopy(t *testing.T) {
	c := newCatalog()
	id := published(t, c, "IVR")
	r, err := c.Resolve(ctx, id, version.LatestPublished)
	require.NoError(t, err)
	r.Definition.States[1].Properties["say"] = json.RawMessage(`"changed"`)
	r.Definition.States = r.Definition.States[:1]
	again, err := c.Resolve(ctx, id, version.LatestPublished)
	require.NoError(t, err)
	assert.Equal(t, "hello", say(t, again))

	got, err := c.Get(ctx, alice, id)
	require.NoError(t, err)
	got.Versions[0].Definition.States = nil
	got.Versions[0].Status = version.StatusArchived
	assert.Equal(t, "1 published", history(t, c, id))
	again, err = c.Resolve(ctx, id, version.LatestPublished)
	require.NoError(t, err)
	assert.Equal(t, "hello", say(t, again))
}

func TestSharedResolutionDoesNotCopy(t *testing.T) {
	c := newCatalog()
	id := published(t, c, "IVR")
	require.NoError(t, c.Assign(ctx, alice, "+15550100", id))
	a, err := c.Shared().Resolve(ctx, id, version.LatestPublished)
	require.NoError(t, err)
	b, err := c.Shared().ResolveAddress(ctx, "+15550100", "+1")
	require.NoError(t, err)
	assert.Same(t, a.Definition, b.Definition, "the shared view hands out the catalog's own definition")
	copied, err := c.Resolve(ctx, id, version.LatestPublished)
	require.NoError(t, err)
	assert.NotSame(t, a.Definition, copied.Definition)
	assert.Equal(t, a.Definition, copied.Definition)
	_, err = c.Shared().ResolveModule(ctx, "IVR")
	assert.ErrorIs(t, err, version.ErrNotFound)
}

func TestAddressesAndTestUsers(t *testing.T) {
	c := newCatalog()
	it, _, err := c.Create(ctx, alice, version.KindFlow, "Support", "", sayFlow(t, "live"), "")
	require.NoError(t, err)
	rule := func(t *testing.T, err error, rule version.Rule) *version.TransitionError {
		t.Helper()
		var te *version.TransitionError
		require.ErrorAs(t, err, &te)
		assert.Equal(t, rule, te.Rule)
		assert.ErrorIs(t, err, version.ErrConflict)
		return te
	}

	rule(t, c.Assign(ctx, alice, "+15550100", it.ID), version.RuleAssignPublishedOnly)
	_, err = c.Publish(ctx, alice, it.ID, 1)
	require.NoError(t, err)
	require.NoError(t, c.Assign(ctx, alice, " +15550100 ", it.ID))
	require.NoError(t, c.Assign(ctx, alice, "whatsapp:+15550100", it.ID))
	require.NoError(t, c.Assign(ctx, alice, "+15550100", it.ID), "assigning again does nothing")
	got, err := c.Get(ctx, alice, it.ID)
	require.NoError(t, err)
	assert.Equal(t, []string{"+15550100", "whatsapp:+15550100"}, got.Addresses)

	// One address, one flow.
	other := published(t, c, "Other")
	te := rule(t, c.Assign(ctx, alice, "+15550100", other), version.RuleAddressTaken)
	assert.Equal(t, `address "+15550100" is assigned to `+it.ID, te.Detail)
	// Modules take no addresses.
	mod, _, err := c.Create(ctx, alice, version.KindModule, "M", "", holidayModule(t), "")
	require.NoError(t, err)
	rule(t, c.Assign(ctx, alice, "+15550199", mod.ID), version.RuleFlowsOnly)
	rule(t, c.SetTestUsers(ctx, alice, mod.ID, []string{"+1"}), version.RuleFlowsOnly)
	assert.ErrorIs(t, c.Assign(ctx, alice, " ", it.ID), version.ErrInvalid)

	// Everyone gets published; test users get the draft once there is one.
	require.NoError(t, c.SetTestUsers(ctx, alice, it.ID, []string{" +15559999", "", "+15559999", "+15558888"}))
	got, err = c.Get(ctx, alice, it.ID)
	require.NoError(t, err)
	assert.Equal(t, []string{"+15559999", "+15558888"}, got.TestUsers)
	v, err := c.Edit(ctx, alice, it.ID)
	require.NoError(t, err)
	_, err = c.SaveDraft(ctx, alice, it.ID, v.Revision, sayFlow(t, "trying"), "")
	require.NoError(t, err)

	tests := []struct {
		address, contact string
		revision         int
		status           version.Status
		say              string
	}{
		{"+15550100", "+15551234", 1, version.StatusPublished, "live"},
		{"whatsapp:+15550100", "+15551234", 1, version.StatusPublished, "live"},
		{"+15550100", "+15559999", 3, version.StatusDraft, "trying"},
		{"+15550100", "+15558888", 3, version.StatusDraft, "trying"},
	}
	for _, tt := range tests {
		r, err := c.ResolveAddress(ctx, tt.address, tt.contact)
		require.NoError(t, err)
		assert.Equal(t, it.ID, r.ItemID)
		assert.Equal(t, tt.revision, r.Revision, "%s from %s", tt.address, tt.contact)
		assert.Equal(t, tt.status, r.Status)
		assert.Equal(t, tt.say, say(t, r))
	}

	// A test user of a flow without a draft gets the published version.
	_, err = c.Publish(ctx, alice, it.ID, 3)
	require.NoError(t, err)
	r, err := c.ResolveAddress(ctx, "+15550100", "+15559999")
	require.NoError(t, err)
	assert.Equal(t, 3, r.Revision)
	assert.Equal(t, version.StatusPublished, r.Status)

	_, err = c.ResolveAddress(ctx, "+15550000", "+15551234")
	assert.ErrorIs(t, err, version.ErrNotFound)

	// Deleting an assigned flow is refused until it is unassigned.
	te = rule(t, c.Delete(ctx, alice, it.ID), version.RuleDeleteAssigned)
	assert.Equal(t, "assigned to +15550100, whatsapp:+15550100", te.Detail)
	require.NoError(t, c.Unassign(ctx, alice, "+15550100"))
	require.NoError(t, c.Unassign(ctx, alice, "whatsapp:+15550100"))
	assert.ErrorIs(t, c.Unassign(ctx, alice, "+15550100"), version.ErrNotFound)
	_, err = c.ResolveAddress(ctx, "+15550100", "+15551234")
	assert.ErrorIs(t, err, version.ErrNotFound)
	require.NoError(t, c.Assign(ctx, alice, "+15550100", other), "a freed address can move")
	require.NoError(t, c.Delete(ctx, alice, it.ID))
	_, err = c.Get(ctx, alice, it.ID)
	assert.ErrorIs(t, err, version.ErrNotFound)
}

func TestSelector(t *testing.T) {
	tests := []struct {
		in   string
		want version.Selector
		text string
		err  bool
	}{
		{in: "", want: version.LatestPublished, text: "LatestPublished"},
		{in: "LatestPublished", want: version.LatestPublished, text: "LatestPublished"},
		{in: " latestpublished ", want: version.LatestPublished, text: "LatestPublished"},
		{in: "LatestDraft", want: version.LatestDraft, text: "LatestDraft"},
		{in: "7", want: version.Revision(7), text: "7"},
		{in: "0012", want: version.Revision(12), text: "12"},
		{in: "0", err: true},
		{in: "-3", err: true},
		{in: "+3", err: true},
		{in: "3.0", err: true},
		{in: "Latest", err: true},
		{in: "99999999999999999999999", err: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := version.ParseSelector(tt.in)
			if tt.err {
				assert.ErrorIs(t, err, version.ErrInvalid)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
			assert.Equal(t, tt.text, got.String())
		})
	}
	n, ok := version.Revision(4).Number()
	assert.True(t, ok)
	assert.Equal(t, 4, n)
	_, ok = version.LatestDraft.Number()
	assert.False(t, ok)
	assert.Equal(t, version.LatestPublished, version.Selector{}, "the zero Selector is LatestPublished")
	assert.NotEqual(t, version.LatestPublished, version.Revision(0))

	// The text form round-trips through JSON, as on a stored execution.
	type exec struct {
		Revision version.Selector `json:"flow_revision"`
	}
	for _, sel := range []version.Selector{version.LatestPublished, version.LatestDraft, version.Revision(3)} {
		data, err := json.Marshal(exec{sel})
		require.NoError(t, err)
		var back exec
		require.NoError(t, json.Unmarshal(data, &back))
		assert.Equal(t, sel, back.Revision, string(data))
	}
	assert.JSONEq(t, `{"flow_revision":"LatestDraft"}`, string(must(json.Marshal(exec{version.LatestDraft}))))
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
