package template_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studioflow/studioflow/flow"
	"github.com/studioflow/studioflow/template"
)

func TestSyntaxErrorsAreCheckProblemsWithTheirPath(t *testing.T) {
	d, err := flow.Parse([]byte(`{"description": "t", "initial_state": "Trigger", "states": [
	  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingRequest", "next": "set"}], "properties": {}},
	  {"name": "set", "type": "set-variables", "transitions": [{"event": "next", "next": "split"}], "properties": {"variables": [
	    {"key": "ok", "value": "{{ flow.data.x | upcase }}"},
	    {"key": "open_if", "value": "{% if flow.data.x %}yes"},
	    {"key": "bad_filter_syntax", "value": "{{ flow.data.x | }}"}]}},
	  {"name": "split", "type": "split-based-on", "transitions": [{"event": "noMatch"},
	    {"event": "match", "conditions": [{"friendly_name": "c", "arguments": ["{% for x in y %}"], "type": "equal_to", "value": "1"}]}],
	   "properties": {"input": "{{flow.variables.ok}}"}}]}`))
	require.NoError(t, err)
	ps := template.Check(d)
	var got []string
	for _, p := range ps {
		assert.Equal(t, template.CodeSyntax, p.Code)
		got = append(got, p.Path+" "+string(p.Severity))
	}
	assert.Equal(t, []string{
		"#/states/1/properties/variables/1/value error",   // an unterminated block
		"#/states/1/properties/variables/2/value warning", // a broken expression: Twilio is lax
		"#/states/2/transitions/1/conditions/0/arguments/0 error",
	}, got)
	assert.Contains(t, ps[0].Message, `"{% if flow.data.x %}yes"`)
}

// No real export is refused for its templates (one carries
// "{{widgets.fetch_segment.parsed. bad_experience_last_7_days}}", which
// Twilio accepted: a warning).
func TestRealExportsParse(t *testing.T) {
	files, _ := filepath.Glob("../../shared/testdata/twilio/*.json")
	if len(files) == 0 {
		t.Skip("../../shared/testdata/twilio is absent")
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		d, err := flow.Parse(data)
		require.NoError(t, err, f)
		assert.Empty(t, template.Check(d).Errors(), f)
	}
}

// Only a broken output is a warning; a broken tag argument is an error,
// wherever it stands (a condition too).
func TestBrokenTagArgumentsAreErrors(t *testing.T) {
	d, err := flow.Parse([]byte(`{"description": "t", "initial_state": "Trigger", "states": [
	  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingRequest", "next": "set"}], "properties": {}},
	  {"name": "set", "type": "set-variables", "transitions": [{"event": "next", "next": "split"}], "properties": {"variables": [
	    {"key": "a", "value": "{% assign = 1 %}"},
	    {"key": "b", "value": "{% if %}x{% endif %}"},
	    {"key": "c", "value": "{% if x == %}x{% endif %}{{ a. b }}"},
	    {"key": "d", "value": "ok {{ a. b }} {% if x %}y{% endif %}"}]}},
	  {"name": "split", "type": "split-based-on", "transitions": [{"event": "noMatch"},
	    {"event": "match", "conditions": [{"friendly_name": "c", "arguments": ["{% cycle %}"], "type": "equal_to", "value": "1"}]}],
	   "properties": {"input": "x"}}]}`))
	require.NoError(t, err)
	var got []string
	for _, p := range template.Check(d) {
		got = append(got, p.Path+" "+p.Code+" "+string(p.Severity))
	}
	assert.Equal(t, []string{
		"#/states/1/properties/variables/0/value template.syntax error",
		"#/states/1/properties/variables/1/value template.syntax error",
		"#/states/1/properties/variables/2/value template.syntax error",
		"#/states/1/properties/variables/3/value template.syntax warning",
		"#/states/2/transitions/1/conditions/0/arguments/0 template.syntax error",
	}, got)
}
