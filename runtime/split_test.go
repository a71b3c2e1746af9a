package runtime_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/studioflow/studioflow/runtime"
	"github.com/studioflow/studioflow/widgets/condition"
)

// splitFlow branches on flow.data.in with one condition, so every condition
// type runs through the engine's split-based-on.
func splitFlow(typ, value string) string {
	return fmt.Sprintf(`{"description": "split", "initial_state": "Trigger", "states": [
	  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingRequest", "next": "split"}], "properties": {}},
	  {"name": "split", "type": "split-based-on", "transitions": [
	    {"event": "noMatch", "next": "no"},
	    {"event": "match", "next": "yes", "conditions": [{"friendly_name": "c", "arguments": ["{{flow.data.in}}"], "type": %q, "value": %q}]}],
	   "properties": {"input": "{{flow.data.in}}"}},
	  {"name": "yes", "type": "set-variables", "transitions": [{"event": "next"}], "properties": {}},
	  {"name": "no", "type": "set-variables", "transitions": [{"event": "next"}], "properties": {}}]}`, typ, value)
}

func TestSplitEveryConditionType(t *testing.T) {
	cases := []struct {
		typ, value, in string
		match          bool
	}{
		{"equal_to", "Yes", "  yes ", true},
		{"equal_to", "yes", "no", false},
		{"not_equal_to", "yes", "no", true},
		{"not_equal_to", "YES", "yes", false},
		{"matches_any_of", "red, Green ,blue", "green", true},
		{"matches_any_of", "red,green", "gre", false},
		{"does_not_match_any_of", "red,green", "blue", true},
		{"does_not_match_any_of", "red,green", "RED", false},
		{"is_blank", "", "   ", true},
		{"is_blank", "", "x", false},
		{"is_not_blank", "", "x", true},
		{"is_not_blank", "", "", false},
		{"regex", "[0-9]{3}", "123", true},
		{"regex", "[0-9]{3}", "1234", false},
		{"contains", "SUPPORT", "I need support now", true},
		{"contains", "sales", "support", false},
		{"does_not_contain", "sales", "support", true},
		{"does_not_contain", "port", "support", false},
		{"starts_with", "sup", "Support", true},
		{"starts_with", "port", "support", false},
		{"does_not_start_with", "port", "support", true},
		{"does_not_start_with", "SUP", "support", false},
		{"less_than", "10", "9.5", true},
		{"less_than", "10", "abc", false},
		{"greater_than", "10", "11", true},
		{"greater_than", "10", "10", false},
		{"is_before_time", "09:00", "08:59", true},
		{"is_before_time", "09:00", "09:30", false},
		{"is_after_time", "17:00", "17:01", true},
		{"is_after_time", "17:00", "16:00", false},
		{"is_before_date", "2026-12-25", "2026-12-24", true},
		{"is_before_date", "2026-12-25", "2026-12-26", false},
		{"is_after_date", "2026-01-01", "2026-06-01", true},
		{"is_after_date", "2026-01-01", "2025-12-31", false},
	}
	seen := map[string]bool{}
	for _, c := range cases {
		seen[c.typ] = true
		t.Run(fmt.Sprintf("%s/%s/%v", c.typ, strings.TrimSpace(c.in), c.match), func(t *testing.T) {
			h := newHarness(t, map[string]string{"FW": splitFlow(c.typ, c.value)})
			x := h.start(t, runtime.StartRequest{FlowSid: "FW", Trigger: runtime.TriggerRequest, Parameters: map[string]any{"in": c.in}})
			want := "noMatch:split>no"
			if c.match {
				want = "match:split>yes"
			}
			assert.Equal(t, want, path(x)[1])
		})
	}
	for _, typ := range condition.Types() {
		assert.True(t, seen[typ], "condition type %s not covered", typ)
	}
}

func TestSplitFirstMatchWins(t *testing.T) {
	src := `{"description": "split", "initial_state": "Trigger", "states": [
	  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingRequest", "next": "split"}], "properties": {}},
	  {"name": "split", "type": "split-based-on", "transitions": [
	    {"event": "noMatch"},
	    {"event": "match", "next": "first", "conditions": [{"friendly_name": "a", "arguments": ["{{flow.data.in}}"], "type": "contains", "value": "a"}]},
	    {"event": "match", "next": "second", "conditions": [{"friendly_name": "ab", "arguments": ["{{flow.data.in}}"], "type": "equal_to", "value": "ab"}]}],
	   "properties": {"input": "{{flow.data.in}}"}},
	  {"name": "first", "type": "set-variables", "transitions": [{"event": "next"}], "properties": {}},
	  {"name": "second", "type": "set-variables", "transitions": [{"event": "next"}], "properties": {}}]}`
	h := newHarness(t, map[string]string{"FW": src})
	x := h.start(t, runtime.StartRequest{FlowSid: "FW", Trigger: runtime.TriggerRequest, Parameters: map[string]any{"in": "ab"}})
	assert.Equal(t, "match:split>first", path(x)[1])
	y := h.start(t, runtime.StartRequest{FlowSid: "FW", Trigger: runtime.TriggerRequest, Contact: "other", Parameters: map[string]any{"in": "zz"}})
	assert.Equal(t, "noMatch:split>Ended", path(y)[1])
}
