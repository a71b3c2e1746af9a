package main

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studioflow/studioflow/deploy"
	"github.com/studioflow/studioflow/flowtest"
)

const (
	envFlow    = "testdata/env/support.json"
	envStaging = "testdata/env/staging.vars.json"
	envPartial = "testdata/env/partial.vars.json"
)

// env fills the placeholders and maps the ids for one environment; the
// flow it writes loads, checks clean of placeholders, and differs from the
// original only where it was filled.
func TestEnvFills(t *testing.T) {
	code, stdout, stderr := flowrun(t, "", "env", "-vars", envStaging, envFlow)
	require.Equal(t, 0, code, stderr)
	assert.Empty(t, stderr)
	filled := write(t, "support.staging.json", stdout)
	d, err := flowtest.LoadDefinition(filled, "")
	require.NoError(t, err)
	assert.Empty(t, deploy.Placeholders(d))
	assert.JSONEq(t, `"https://support-staging-1234.twil.io/lookup"`, string(d.State("lookup").Properties["url"]))
	assert.JSONEq(t, `"ZHaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"`, string(d.State("lookup").Properties["function_sid"]))
	assert.JSONEq(t, `"WW11111111111111111111111111111111"`, string(d.State("agent").Properties["workflow"]))
	assert.JSONEq(t, `"TCaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"`, string(d.State("agent").Properties["channel"]))

	code, stdout, _ = flowrun(t, "", "check", "-json", filled)
	assert.Equal(t, 0, code)
	assert.NotContains(t, stdout, "placeholder")

	code, stdout, _ = flowrun(t, "", "diff", envFlow, filled)
	assert.Equal(t, 1, code)
	assert.Equal(t, 6, strings.Count(stdout, "\n"), stdout)
	assert.Contains(t, stdout, `~ state "agent": property workflow: "${WORKFLOW_SID}" -> "WW11111111111111111111111111111111"`)

	// -o writes the file and says what changed.
	out := filepath.Join(t.TempDir(), "out.json")
	code, stdout, stderr = flowrun(t, "", "env", "-vars", envStaging, "-o", out, envFlow)
	require.Equal(t, 0, code, stderr)
	assert.True(t, strings.HasPrefix(stdout, envFlow+": 6 strings filled or mapped, written to "+out+"\n"), stdout)
	assert.Contains(t, stdout, `  #/states/1/properties/url: "https://${FUNCTIONS_HOST}/lookup" -> "https://support-staging-1234.twil.io/lookup"`)
	written, err := os.ReadFile(out)
	require.NoError(t, err)
	assert.Equal(t, readFile(t, filled), string(written))

	// -json reports every rewrite, with the flow.
	code, stdout, _ = flowrun(t, "", "env", "-json", "-vars", envStaging, envFlow)
	require.Equal(t, 0, code)
	var rep struct {
		Rewrites []deploy.Rewrite `json:"rewrites"`
		Flow     json.RawMessage  `json:"flow"`
	}
	require.NoError(t, json.Unmarshal([]byte(stdout), &rep), stdout)
	assert.Len(t, rep.Rewrites, 6)
	assert.Equal(t, deploy.Rewrite{Path: "#/states/2/properties/workflow", State: "agent", Before: "${WORKFLOW_SID}", After: "WW11111111111111111111111111111111"}, rep.Rewrites[5])
	assert.JSONEq(t, readFile(t, filled), string(rep.Flow))
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	return string(data)
}

// A placeholder left is an error with its path, and nothing is written,
// not even over an existing file; what the vars give and the flow does
// not use is a warning.
func TestEnvRefusesWhatIsLeft(t *testing.T) {
	out := write(t, "out.json", "previous")
	code, stdout, stderr := flowrun(t, "", "env", "-vars", envPartial, "-o", out, envFlow)
	assert.Equal(t, 1, code)
	assert.Empty(t, stdout)
	assert.Contains(t, stderr, envFlow+": 1 placeholder left unfilled by "+envPartial+"; nothing written:\n  #/states/1/properties/url: ${FUNCTIONS_HOST} (state \"lookup\")\n")
	assert.Contains(t, stderr, `warning: `+envPartial+`: value "FUNCTION_HOST" fills no placeholder of `+envFlow)
	assert.Contains(t, stderr, `warning: `+envPartial+`: id "WQ0123456789abcdef0123456789abcdef" stands nowhere in `+envFlow)
	assert.Equal(t, "previous", readFile(t, out))
	entries, err := os.ReadDir(filepath.Dir(out))
	require.NoError(t, err)
	assert.Len(t, entries, 1, "no temporary file left")

	code, stdout, _ = flowrun(t, "", "env", "-json", "-vars", envPartial, envFlow)
	assert.Equal(t, 1, code)
	var rep struct {
		Unfilled     []deploy.Placeholder `json:"unfilled"`
		UnusedValues []string             `json:"unused_values"`
		UnusedIDs    []string             `json:"unused_ids"`
		Flow         json.RawMessage      `json:"flow"`
	}
	require.NoError(t, json.Unmarshal([]byte(stdout), &rep), stdout)
	assert.Equal(t, []deploy.Placeholder{{Path: "#/states/1/properties/url", State: "lookup", Name: "FUNCTIONS_HOST", Text: "${FUNCTIONS_HOST}"}}, rep.Unfilled)
	assert.Equal(t, []string{"FUNCTION_HOST"}, rep.UnusedValues)
	assert.Equal(t, []string{"WQ0123456789abcdef0123456789abcdef"}, rep.UnusedIDs)
	assert.Nil(t, rep.Flow)
}

// A placeholder in a Connect resource's Name stands in one place of the
// document, and is reported (by env and check), and filled, once.
func TestEnvConnectNameOnce(t *testing.T) {
	content, err := json.Marshal(`{"Version": "2019-10-30", "StartAction": "bye", "Actions": [{"Identifier": "bye", "Type": "DisconnectParticipant", "Parameters": {}, "Transitions": {}}]}`)
	require.NoError(t, err)
	file := write(t, "flow.json", `{"ContactFlow": {"Name": "${TEAM} main", "Type": "CONTACT_FLOW", "Content": `+string(content)+`}}`)
	none := write(t, "none.vars.json", `{"values": {}}`)
	code, stdout, _ := flowrun(t, "", "env", "-json", "-vars", none, file)
	assert.Equal(t, 1, code)
	var rep struct {
		Unfilled []deploy.Placeholder `json:"unfilled"`
	}
	require.NoError(t, json.Unmarshal([]byte(stdout), &rep), stdout)
	assert.Equal(t, []deploy.Placeholder{{Path: "#/ContactFlow/Name", Name: "TEAM", Text: "${TEAM}"}}, rep.Unfilled)

	vars := write(t, "vars.json", `{"values": {"TEAM": "acme"}}`)
	code, stdout, stderr := flowrun(t, "", "env", "-json", "-vars", vars, file)
	require.Equal(t, 0, code, stderr)
	var filled struct {
		Rewrites []deploy.Rewrite `json:"rewrites"`
	}
	require.NoError(t, json.Unmarshal([]byte(stdout), &filled), stdout)
	assert.Equal(t, []deploy.Rewrite{{Path: "#/ContactFlow/Name", Before: "${TEAM} main", After: "acme main"}}, filled.Rewrites)

	_, stdout, _ = flowrun(t, "", "check", file)
	assert.Equal(t, 1, strings.Count(stdout, "${TEAM}"), stdout)
	assert.Contains(t, stdout, "#/ContactFlow/Name")
}

// -o follows a symbolic link, keeps an existing file's permissions, and
// refuses to overwrite the flow itself; a value holding a placeholder is
// not filled again, and says so.
func TestEnvOutput(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "real.json")
	require.NoError(t, os.WriteFile(target, []byte("old"), 0o600))
	link := filepath.Join(dir, "link.json")
	require.NoError(t, os.Symlink(target, link))
	code, _, stderr := flowrun(t, "", "env", "-vars", envStaging, "-o", link, envFlow)
	require.Equal(t, 0, code, stderr)
	info, err := os.Lstat(link)
	require.NoError(t, err)
	assert.NotZero(t, info.Mode()&os.ModeSymlink, "the link stays a link")
	info, err = os.Stat(target)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm())
	assert.Contains(t, readFile(t, target), "WW11111111111111111111111111111111")

	copied := filepath.Join(dir, "support.json")
	require.NoError(t, os.WriteFile(copied, []byte(readFile(t, envFlow)), 0o644))
	code, _, stderr = flowrun(t, "", "env", "-vars", envStaging, "-o", copied, copied)
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "is the flow itself")
	assert.Equal(t, readFile(t, envFlow), readFile(t, copied))

	vars := write(t, "vars.json", `{"values": {"FUNCTIONS_HOST": "${WORKFLOW_SID}", "WORKFLOW_SID": "WW1"}}`)
	code, _, stderr = flowrun(t, "", "env", "-vars", vars, envFlow)
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "#/states/1/properties/url: ${WORKFLOW_SID} (state \"lookup\"): a value filled in holds it, and values are filled once\n")
}

// A write that fails (a full disk) fails the command: a pipeline must not
// go green on half a flow.
func TestWriteErrorsFail(t *testing.T) {
	for _, args := range [][]string{
		{"env", "-vars", envStaging, envFlow},
		{"graph", "../ivr/menu.json"},
		{"diff", "../versions/support_v1.json", "../versions/support_v2.json"},
		{"check", "../ivr/menu.json"},
		{"test", "../ivr"},
	} {
		var errOut strings.Builder
		code := run(args, strings.NewReader(""), failingWriter{}, &errOut)
		assert.NotZero(t, code, "%v", args)
		assert.Contains(t, errOut.String(), "no space left", "%v", args)
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("no space left on device") }

func TestEnvBadInput(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"env", envFlow}, 2, "give -vars FILE and one FLOW"},
		{[]string{"env", "-vars", envStaging}, 2, "give -vars FILE and one FLOW"},
		{[]string{"env", "-vars", "no/vars.json", envFlow}, 1, "no/vars.json"},
		{[]string{"env", "-vars", envStaging, "no/flow.json"}, 1, "no/flow.json"},
		{[]string{"env", "-vars", envFlow, envFlow}, 1, "unknown field"},
		{[]string{"env", "-vars", envStaging, "-o", "no/such/dir/out.json", envFlow}, 1, "-o no/such/dir/out.json: no such file or directory"},
		{[]string{"env", "-vars", envStaging, "-format", "xml", envFlow}, 2, `-format "xml"`},
	} {
		code, _, stderr := flowrun(t, "", tc.args...)
		assert.Equal(t, tc.code, code, "%v", tc.args)
		assert.Contains(t, stderr, tc.want, "%v", tc.args)
	}
}

// A Connect export's pipeline placeholders (${F:name:F} ...) fill alike,
// reported at their place in the Connect document, which is written back
// as it was read.
func TestEnvConnectExport(t *testing.T) {
	file := sharedExport(t, "connect", "gitlab-acme_main_AUTO.json")
	empty := write(t, "empty.json", `{}`)
	code, stdout, _ := flowrun(t, "", "env", "-json", "-vars", empty, file)
	require.Equal(t, 1, code)
	var rep struct {
		Unfilled []deploy.Placeholder `json:"unfilled"`
	}
	require.NoError(t, json.Unmarshal([]byte(stdout), &rep))
	require.NotEmpty(t, rep.Unfilled)
	values := map[string]string{}
	for _, p := range rep.Unfilled {
		assert.True(t, strings.HasPrefix(p.Path, "#/Content/Actions/"), p.Path)
		values[p.Name] = "x" + strings.ReplaceAll(p.Name, ":", "-")
	}
	assert.Contains(t, values, "F:acme_queue_transfer_AUTO:F")
	data, err := json.Marshal(map[string]any{"values": values})
	require.NoError(t, err)
	vars := write(t, "vars.json", string(data))

	code, stdout, stderr := flowrun(t, "", "env", "-vars", vars, file)
	require.Equal(t, 0, code, stderr)
	filled := write(t, "filled.json", stdout)
	d, err := flowtest.LoadDefinition(filled, "")
	require.NoError(t, err)
	assert.Empty(t, deploy.Placeholders(d))
	assert.Contains(t, stdout, `"Name": "acme_main_AUTO"`, "the resource description is kept")
	assert.Contains(t, stdout, `"Content": "{`)
	assert.Contains(t, stdout, `contact-flow/xF-acme_queue_transfer_AUTO-F`)
}
