package version_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studioflow/studioflow/flow"
	"github.com/studioflow/studioflow/version"
)

// twilioTestdata returns the real Twilio exports shared beside the project,
// skipping the test when the folder is absent.
func twilioTestdata(t *testing.T) []string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join("..", "..", "shared", "testdata", "twilio", "*.json"))
	if len(files) == 0 {
		t.Skip("../../shared/testdata/twilio is absent")
	}
	return files
}

func TestExportImportRoundTripTwilio(t *testing.T) {
	c := newCatalog()
	for _, file := range twilioTestdata(t) {
		name := strings.TrimSuffix(filepath.Base(file), ".json")
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(file)
			require.NoError(t, err)
			want, err := flow.Parse(data)
			require.NoError(t, err)

			it, v, problems, err := c.Import(ctx, alice, version.KindFlow, name, data)
			require.NoError(t, err)
			assert.Equal(t, version.Origin{Op: version.OpImport}, v.Origin)
			assert.Equal(t, want.Description, it.Description)
			assert.Empty(t, problems.Errors().WithCode(version.CodeKindMismatch))

			out, err := c.Export(ctx, alice, it.ID, v.Revision)
			require.NoError(t, err)
			assert.JSONEq(t, string(data), string(out), "export keeps every property")

			again, v2, _, err := c.Import(ctx, alice, version.KindFlow, name+" again", out)
			require.NoError(t, err)
			got, err := c.Resolve(ctx, again.ID, version.LatestDraft)
			require.NoError(t, err)
			assert.Equal(t, want, got.Definition)
			assert.Equal(t, v.Hash, v2.Hash)
			assert.Equal(t, v.Problems, v2.Problems)
		})
	}
}

func TestImportTwilioSubflowIsUnresolved(t *testing.T) {
	files := twilioTestdata(t)
	var parent string
	for _, f := range files {
		if strings.Contains(f, "06_daily-sit-down-parent") {
			parent = f
		}
	}
	if parent == "" {
		t.Skip("06_daily-sit-down-parent.json is absent")
	}
	data, err := os.ReadFile(parent)
	require.NoError(t, err)
	def, err := flow.Parse(data)
	require.NoError(t, err)
	i := slices.IndexFunc(def.States, func(s flow.State) bool { return s.Type == version.TypeRunSubflow })
	require.GreaterOrEqual(t, i, 0)

	c := newCatalog()
	it, _, problems, err := c.Import(ctx, alice, version.KindFlow, "", data)
	require.NoError(t, err)
	assert.Equal(t, "Daily Sit-Down Parent", it.Name, "an empty name takes the description")
	ps := problems.WithCode(version.CodeSubflowUnresolved)
	require.Len(t, ps, 1)
	assert.Equal(t, flow.PropertyPath(i, "flow_sid"), ps[0].Path)
	assert.Equal(t, flow.SeverityError, ps[0].Severity)
	assert.Equal(t, def.States[i].Name, ps[0].State)
}

func TestImportUnresolvedReferences(t *testing.T) {
	c := newCatalog()
	sub := published(t, c, "Survey")
	data := []byte(strings.ReplaceAll(`{"initial_state":"Trigger","states":[
		{"name":"Trigger","type":"trigger","transitions":[{"event":"incomingCall","next":"hours"}],"properties":{}},
		{"name":"hours","type":"run-module","transitions":[{"event":"open","next":"survey"}],"properties":{"module":"Holidays"}},
		{"name":"survey","type":"run-subflow","transitions":[{"event":"completed","next":"byName"}],"properties":{"flow_sid":"SUB","flow_revision":"LatestPublished"}},
		{"name":"byName","type":"run-subflow","transitions":[{"event":"completed","next":"gone"}],"properties":{"flow_sid":"Survey"}},
		{"name":"gone","type":"run-subflow","transitions":[{"event":"completed","next":"dynamic"}],"properties":{"flow_sid":"FW50120385f4d1e8dcf30c0bcd83695969"}},
		{"name":"dynamic","type":"run-module","transitions":[],"properties":{"module":"{{flow.data.module}}"}}]}`, "SUB", sub))

	it, v, problems, err := c.Import(ctx, alice, version.KindFlow, "Main", data)
	require.NoError(t, err)
	assert.Equal(t, flow.Problems{
		{Path: "#/states/1/properties/module", State: "hours", Code: version.CodeModuleUnresolved,
			Message: `module "Holidays" is not in the catalog`, Severity: flow.SeverityError},
		{Path: "#/states/5/properties/module", State: "dynamic", Code: version.CodeModuleUnresolved,
			Message: `module "{{flow.data.module}}" is a template, but a run-module step names its module as written, never rendered`, Severity: flow.SeverityError},
		{Path: "#/states/4/properties/flow_sid", State: "gone", Code: version.CodeSubflowUnresolved,
			Message: `subflow "FW50120385f4d1e8dcf30c0bcd83695969" is not a flow ID or name in the catalog`, Severity: flow.SeverityError},
	}, problems)
	assert.Equal(t, problems, v.Problems)
	assert.Equal(t, []string{"Holidays", "{{flow.data.module}}"}, v.Modules)
	_, err = c.Publish(ctx, alice, it.ID, v.Revision)
	assert.ErrorIs(t, err, flow.ErrInvalid)

	// The module arrives as a draft: unpublished modules cannot be used.
	mod, _, err := c.Create(ctx, alice, version.KindModule, "Holidays", "", holidayModule(t), "")
	require.NoError(t, err)
	fixed := parseBytes(t, data)
	fixed.States[4].Properties["flow_sid"] = []byte(`"Survey"`)
	fixed.States[5].Properties["module"] = []byte(`"Holidays"`)
	v, err = c.SaveDraft(ctx, alice, it.ID, v.Revision, fixed, "point at our survey")
	require.NoError(t, err)
	require.Len(t, v.Problems, 2)
	for i, path := range []string{"#/states/1/properties/module", "#/states/5/properties/module"} {
		assert.Equal(t, version.CodeModuleUnpublished, v.Problems[i].Code)
		assert.Equal(t, path, v.Problems[i].Path)
	}

	// Once the module is published, publishing re-resolves references: no
	// save needed, and the stale problem is dropped.
	_, err = c.Publish(ctx, alice, mod.ID, 1)
	require.NoError(t, err)
	p, err := c.Publish(ctx, alice, it.ID, v.Revision)
	require.NoError(t, err)
	assert.Empty(t, p.Problems)

	refs, err := c.References(ctx, "Holidays")
	require.NoError(t, err)
	assert.Equal(t, []version.Reference{{ItemID: it.ID, Name: "Main", Kind: version.KindFlow, Revision: 2, Status: version.StatusPublished}}, refs)
}

func parseBytes(t *testing.T, data []byte) *flow.Definition {
	def, err := flow.Parse(data)
	require.NoError(t, err)
	return def
}

func TestImportKindMismatchAndBadJSON(t *testing.T) {
	c := newCatalog()
	out, err := flow.Marshal(sayFlow(t, "x"))
	require.NoError(t, err)
	_, _, problems, err := c.Import(ctx, alice, version.KindModule, "NotAModule", out)
	require.NoError(t, err)
	assert.Equal(t, flow.Problems{{Path: "#/initial_state", State: "Trigger", Code: version.CodeKindMismatch,
		Message: `a module starts from a "begin-module" state; initial_state "Trigger" is a "trigger"`, Severity: flow.SeverityError}}, problems)

	out, err = flow.Marshal(holidayModule(t))
	require.NoError(t, err)
	_, _, problems, err = c.Import(ctx, alice, version.KindFlow, "NotAFlow", out)
	require.NoError(t, err)
	assert.Equal(t, []string{version.CodeKindMismatch}, codes(problems))

	_, _, _, err = c.Import(ctx, alice, version.KindFlow, "bad", []byte(`{"states": [}`))
	assert.ErrorIs(t, err, version.ErrInvalid)
	var se *flow.SyntaxError
	assert.ErrorAs(t, err, &se)
	_, _, _, err = c.Import(ctx, alice, "widget", "bad", out)
	assert.ErrorIs(t, err, version.ErrInvalid)
	_, _, _, err = c.Import(ctx, alice, version.KindFlow, "", []byte(`{}`))
	assert.ErrorIs(t, err, version.ErrInvalid, "no name and no description")
}

func codes(ps flow.Problems) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Code)
	}
	return out
}

// A module exports as its definition, which carries its contract; importing
// it gives an equal module.
func TestExportImportModule(t *testing.T) {
	c := newCatalog()
	mod, v, err := c.Create(ctx, alice, version.KindModule, "Holidays", "", holidayModule(t), "")
	require.NoError(t, err)
	assert.Empty(t, v.Problems)
	out, err := c.Export(ctx, alice, mod.ID, 1)
	require.NoError(t, err)
	assert.Contains(t, string(out), `"arguments": [`)
	again, _, problems, err := c.Import(ctx, alice, version.KindModule, "Holidays copy", out)
	require.NoError(t, err)
	assert.Empty(t, problems)
	r, err := c.Resolve(ctx, again.ID, version.LatestDraft)
	require.NoError(t, err)
	assert.Equal(t, holidayModule(t), r.Definition)
	assert.True(t, strings.HasPrefix(again.ID, "MD"))
}
