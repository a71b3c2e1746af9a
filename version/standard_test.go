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
	"github.com/studioflow/studioflow/widgets/standard"
)

// countedExports are the shared Twilio exports, in order, over which
// TestTwilioExportsPassTheFullCheck counts the warnings.
var countedExports = []string{
	"01_patient-appointment-mgmt.json", "03_vaccine-standby-list.json", "04_volunteer-chatbot-integration.json",
	"06_daily-sit-down-parent.json", "07_daily-sit-down-child.json", "08_flex-park-interaction-messaging.json",
	"09_flex-schedule-manager.json", "10_flex-callback-and-voicemail.json", "11_autodialer-outbound-call.json",
	"12_eppo-sms-survey.json", "14_studio-requestbin.json", "15_pride-astrology.json", "17_ivr-studio-enqueue.json",
	"19_segment-ivr.json", "20_what3words.json", "21_call-gpt.json", "23_accfb-foodnow-bot.json", "24_call-tracking.json",
	"26_per-agent-voicemail-ivr.json", "27_kanga-bank-ivr.json", "28_hackathon-sms-bot.json", "31_voiceflow-twilio.json",
	"32_aws-lex-chat.json", "34_direct-extension-ivr.json", "35_armorvox-enrolment.json",
}

// TestTwilioExportsPassTheFullCheck runs the whole check call (structure,
// widgets, compat paths, module contracts) over every real Twilio export:
// working Twilio flows must show no error. Warnings are allowed (such as
// ${VAR} deployment placeholders).
func TestTwilioExportsPassTheFullCheck(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("..", "..", "shared", "testdata", "twilio", "*.json"))
	if len(files) == 0 {
		t.Skip("../shared/testdata/twilio is absent")
	}
	check := version.StandardCheck(standard.New(), func(string) (*flow.Definition, bool) { return nil, false })
	warned := map[string]int{}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".json"), func(t *testing.T) {
			data, err := os.ReadFile(file)
			require.NoError(t, err)
			def, err := flow.Parse(data)
			require.NoError(t, err)
			ps := check(def)
			assert.Empty(t, ps.Errors(), "%s", ps.Errors())
			for _, p := range ps.Warnings() {
				warned[p.Code]++
			}
		})
	}
	// The warnings are counted over the exports they were written for:
	// beside another set (a checkout of one's own), each export is held to
	// no error above, and the count is not checked.
	var names []string
	for _, file := range files {
		names = append(names, filepath.Base(file))
	}
	t.Run("warnings counted", func(t *testing.T) {
		if !slices.Equal(names, countedExports) {
			t.Skip("../shared/testdata/twilio holds another set of exports than the warnings were counted over")
		}
		// The warnings the exports do deserve: a function with no url or
		// sid (03), a templated number (send-to-flex priority),
		// unreachable states, and the lax expression
		// "{{widgets.fetch_segment.parsed. bad_experience_last_7_days}}"
		// of 19, twice (an input and a condition).
		assert.Equal(t, map[string]int{"property.missing": 1, "property.template": 1, "state.unreachable": 2, "template.syntax": 2}, warned)
	})
}

// TestStandardCheckRunsEveryChecker proves each layer of the full check is
// in the call: widget properties, compat paths and module contracts.
func TestStandardCheckRunsEveryChecker(t *testing.T) {
	mod, err := flow.Parse([]byte(`{"description": "m", "initial_state": "Begin", "states": [
	  {"name": "Begin", "type": "begin-module", "transitions": [{"event": "next", "next": "out"}],
	   "properties": {"arguments": [{"name": "dnis", "type": "String", "variable": "dnis"}]}},
	  {"name": "out", "type": "return-to-flow", "transitions": [], "properties": {"exit": "done"}}]}`))
	require.NoError(t, err)
	def, err := flow.Parse([]byte(`{"description": "f", "initial_state": "Trigger", "states": [
	  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingMessage", "next": "say"}], "properties": {}},
	  {"name": "say", "type": "say-play", "transitions": [{"event": "audioComplete", "next": "run"}], "properties": {}},
	  {"name": "run", "type": "run-module", "transitions": [{"event": "done"}], "properties": {"module": "m"}}]}`))
	require.NoError(t, err)
	lookup := func(name string) (*flow.Definition, bool) { return mod, name == "m" }
	var got []string
	for _, p := range version.StandardCheck(standard.New(), lookup)(def) {
		got = append(got, p.Code+"@"+p.Path+" "+string(p.Severity))
	}
	// (A voice step after a message trigger is a warning in a Twilio flow:
	// Twilio publishes it, and the step fails at run time.)
	assert.Equal(t, []string{
		"property.missing@#/states/1/properties/say error",
		"compat.needs_call@#/states/1 warning",
		"module.argument_missing@#/states/2/properties/arguments error",
	}, got)
}
