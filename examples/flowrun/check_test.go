package main

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// checkOutput is flowrun check -json.
type checkOutput struct {
	Files []struct {
		File     string `json:"file"`
		Format   string `json:"format"`
		Error    string `json:"error"`
		Problems []struct {
			Path     string `json:"path"`
			State    string `json:"state"`
			Code     string `json:"code"`
			Message  string `json:"message"`
			Severity string `json:"severity"`
		} `json:"problems"`
		Errors   int `json:"errors"`
		Warnings int `json:"warnings"`
	} `json:"files"`
	Errors   int `json:"errors"`
	Warnings int `json:"warnings"`
}

func checkJSON(t *testing.T, wantCode int, args ...string) checkOutput {
	t.Helper()
	code, stdout, stderr := flowrun(t, "", append([]string{"check", "-json"}, args...)...)
	require.Equal(t, wantCode, code, stderr)
	var out checkOutput
	require.NoError(t, json.Unmarshal([]byte(stdout), &out), stdout)
	return out
}

// found lists one file's problems as "severity code path", sorted.
func found(out checkOutput, i int) []string {
	var got []string
	for _, p := range out.Files[i].Problems {
		got = append(got, fmt.Sprintf("%s %s %s", p.Severity, p.Code, p.Path))
	}
	slices.Sort(got)
	return got
}

// The seeded broken flows: check finds every planted problem, each at its
// path, in Flow JSON and in a Connect document alike.
func TestCheckSeededFlows(t *testing.T) {
	out := checkJSON(t, 1, "-module", "Check=testdata/check/check_module.json",
		"testdata/check/broken_twilio.json", "testdata/check/broken_connect.json")
	require.Len(t, out.Files, 2)
	want := []string{
		// structure, widgets, templates, compat
		"error transition.next_unknown #/states/9/transitions/0/next",
		"error widget.type_unknown #/states/10/type",
		"error template.syntax #/states/4/properties/say",
		"warning state.unreachable #/states/12",
		"warning compat.needs_call #/states/11",
		// modules, against the contract -module gives
		"warning lint.module_output_unread #/states/8",
		"warning lint.module_output_unread #/states/8/properties/outputs/0",
		"warning lint.widget_field_unknown #/states/9/properties/say",
		// references that never resolve
		"warning lint.trigger_unwired #/states/1/properties/say",
		"warning lint.widget_not_before #/states/1/properties/say",
		"warning lint.widget_unknown #/states/1/properties/say",
		"warning lint.variable_unset #/states/2/properties/say",
		"warning lint.widget_field_unknown #/states/3/transitions/1/conditions/0/arguments/0",
		// contacts dropped, loops, placeholders
		"warning lint.transition_loses_contact #/states/2/transitions/2/next",
		"error lint.loop_no_exit #/states/5",
		"warning lint.placeholder #/states/7/properties/url",
	}
	slices.Sort(want)
	assert.Equal(t, want, found(out, 0))
	assert.Equal(t, "twilio", out.Files[0].Format)
	assert.Equal(t, 4, out.Files[0].Errors)

	wantConnect := []string{
		"error transition.next_unknown #/Actions/3/Transitions/Conditions/1/NextAction",
		"warning state.unreachable #/Actions/8",
		"warning state.unreachable #/Actions/9",
		"warning connect.action_unsupported #/Actions/9/Type",
		"warning lint.attribute_unset #/Actions/1/Parameters/Text",
		"warning lint.external_unset #/Actions/1/Parameters/Text",
		"warning lint.flow_attribute_unset #/Actions/1/Parameters/Text",
		"warning lint.flow_attribute_unset #/Actions/6/Parameters/Text",
		"error lint.loop_no_exit #/Actions/4",
		"warning lint.placeholder #/Actions/2/Parameters/LambdaFunctionARN",
	}
	slices.Sort(wantConnect)
	assert.Equal(t, wantConnect, found(out, 1))
	assert.Equal(t, "connect", out.Files[1].Format)
	assert.Equal(t, 6, out.Errors)
	assert.Equal(t, 20, out.Warnings)

	// Each problem says what and where, for people too.
	code, stdout, _ := flowrun(t, "", "check", "testdata/check/broken_connect.json")
	assert.Equal(t, 1, code)
	assert.Contains(t, stdout, `testdata/check/broken_connect.json: error #/Actions/3/Transitions/Conditions/1/NextAction (state "menu"): event "Condition" goes to "nowhere", which is not a state of this definition [transition.next_unknown]`+"\n")
	assert.True(t, strings.HasSuffix(stdout, "1 file checked: 2 errors, 8 warnings\n"), stdout)

	// Strict makes the references that never resolve errors.
	strict := checkJSON(t, 1, "-strict", "-module", "Check=testdata/check/check_module.json", "testdata/check/broken_twilio.json")
	assert.Equal(t, 4+5, strict.Errors)
}

// A run-module step is checked against the contract of the module given,
// and not at all without it.
func TestCheckModules(t *testing.T) {
	flow := write(t, "caller.json", `{"description": "caller", "initial_state": "Trigger", "states": [
  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingRequest", "next": "check"}], "properties": {}},
  {"name": "check", "type": "run-module", "transitions": [{"event": "done"}, {"event": "failed"}],
   "properties": {"module": "Check", "arguments": [{"name": "bogus", "value": "1"}]}}]}`)
	out := checkJSON(t, 1, "-module", "Check=testdata/check/check_module.json", flow)
	assert.Contains(t, found(out, 0), "error module.argument_unknown #/states/1/properties/arguments")
	assert.Contains(t, found(out, 0), "error module.argument_missing #/states/1/properties/arguments")
	out = checkJSON(t, 0, flow)
	assert.Empty(t, out.Files[0].Problems)
}

// A directory stands for its flow files; a file that does not load is an
// error of its own, and the rest are still checked.
func TestCheckFilesAndBadInput(t *testing.T) {
	out := checkJSON(t, 0, "../ivr")
	require.Len(t, out.Files, 1, "menu.test.json is a test file, not a flow")
	assert.Equal(t, filepath.Join("../ivr", "menu.json"), out.Files[0].File)
	assert.Empty(t, out.Files[0].Problems)

	bad := write(t, "bad.json", `{"states": [`)
	out = checkJSON(t, 1, bad, "../ivr/menu.json")
	require.Len(t, out.Files, 2)
	assert.NotEmpty(t, out.Files[0].Error)
	assert.Equal(t, 1, out.Errors)
	assert.Empty(t, out.Files[1].Error)

	code, _, stderr := flowrun(t, "", "check")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "usage: flowrun check")
	code, _, _ = flowrun(t, "", "check", "-format", "xml", "../ivr")
	assert.Equal(t, 2, code)
	// A name that is no file, and a directory without flows, are errors
	// of their own, in the JSON too; the rest is still checked.
	empty := t.TempDir()
	out = checkJSON(t, 1, "no/such/file.json", empty, "../ivr/menu.json")
	require.Len(t, out.Files, 3)
	assert.Equal(t, "no/such/file.json", out.Files[0].File)
	assert.Contains(t, out.Files[0].Error, "no such file")
	assert.Contains(t, out.Files[1].Error, "no *.json flow files")
	assert.Equal(t, "../ivr/menu.json", out.Files[2].File)
	assert.Equal(t, 2, out.Errors)
	code, stdout, _ := flowrun(t, "", "check", "no/such/file.json")
	assert.Equal(t, 1, code)
	assert.Equal(t, "no/such/file.json: error: stat no/such/file.json: no such file or directory\n1 file checked: 1 error, 0 warnings\n", stdout)

	// -module must name a module.
	code, _, stderr = flowrun(t, "", "check", "-module", "Send SMS=../ivr/menu.json", "../sms")
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "-module Send SMS: not a module")
}

// No file of the shared exports has an error.
func TestCheckEveryExport(t *testing.T) {
	var dirs []string
	for _, dir := range []string{"../../../shared/testdata/twilio", "../../../shared/testdata/connect"} {
		if files, _ := filepath.Glob(dir + "/*.json"); len(files) > 0 {
			dirs = append(dirs, dir)
		}
	}
	if len(dirs) == 0 {
		t.Skip("../shared/testdata is not beside the checkout")
	}
	out := checkJSON(t, 0, dirs...)
	for _, f := range out.Files {
		assert.Empty(t, f.Error, f.File)
		assert.Zero(t, f.Errors, f.File)
		for _, p := range f.Problems {
			assert.Equal(t, "warning", p.Severity, "%s: %s", f.File, p.Message)
		}
	}
}
