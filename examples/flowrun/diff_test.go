package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// seedExamples lists the repository's example flows and modules.
func seedExamples(t *testing.T) []string {
	t.Helper()
	var files []string
	for _, dir := range []string{"holiday", "ivr", "outbound", "reminder", "sms", "versions"} {
		matches, err := filepath.Glob(filepath.Join("..", dir, "*.json"))
		require.NoError(t, err)
		for _, m := range matches {
			if !strings.HasSuffix(m, ".test.json") {
				files = append(files, m)
			}
		}
	}
	require.GreaterOrEqual(t, len(files), 12)
	return files
}

// revise writes a second revision of the Flow JSON in file: every canvas
// offset moved and the JSON laid out anew (no change in meaning), a
// state renamed (with every transition and widgets reference following
// it), a string property of another state edited, and a state added
// between the initial state and where its first wired event led. It
// returns the new file and the change lines flowrun diff must print.
func revise(t *testing.T, file string) (string, []string) {
	t.Helper()
	data, err := os.ReadFile(file)
	require.NoError(t, err)
	var doc map[string]any
	require.NoError(t, json.Unmarshal(data, &doc))
	states := doc["states"].([]any)
	state := func(i int) map[string]any { return states[i].(map[string]any) }
	var want []string

	for i := range states {
		props, _ := state(i)["properties"].(map[string]any)
		if off, ok := props["offset"].(map[string]any); ok {
			off["x"], off["y"] = 1000, 2000+i
		}
	}

	// Rename the second state.
	old := state(1)["name"].(string)
	renamed := old + "_v2"
	state(1)["name"] = renamed
	ref := regexp.MustCompile(`widgets\.` + regexp.QuoteMeta(old) + `\b`)
	var rewrite func(v any) any
	rewrite = func(v any) any {
		switch v := v.(type) {
		case string:
			return ref.ReplaceAllString(v, "widgets."+renamed)
		case map[string]any:
			for k, x := range v {
				v[k] = rewrite(x)
			}
		case []any:
			for k, x := range v {
				v[k] = rewrite(x)
			}
		}
		return v
	}
	for i := range states {
		s := state(i)
		s["properties"] = rewrite(s["properties"])
		for _, tr := range s["transitions"].([]any) {
			tr := tr.(map[string]any)
			if tr["next"] == old {
				tr["next"] = renamed
			}
			if conds, ok := tr["conditions"]; ok {
				tr["conditions"] = rewrite(conds)
			}
		}
	}
	if doc["initial_state"] == old {
		doc["initial_state"] = renamed
	}
	want = append(want, fmt.Sprintf("> state %q renamed to %q", old, renamed))

	// Edit a string property of the last state that has one (not the
	// one renamed), if any.
	edited := false
	for i := len(states) - 1; i >= 2 && !edited; i-- {
		props, _ := state(i)["properties"].(map[string]any)
		for _, key := range []string{"say", "body", "url", "input", "message", "text", "value"} {
			if v, ok := props[key].(string); ok && v != "" {
				props[key] = v + " (v2)"
				want = append(want, fmt.Sprintf("~ state %q: property %s: %q -> %q", state(i)["name"], key, v, v+" (v2)"))
				edited = true
				break
			}
		}
	}

	// Put a new state after the initial state's first wired event.
	init := slices.IndexFunc(states, func(s any) bool { return s.(map[string]any)["name"] == doc["initial_state"] })
	require.GreaterOrEqual(t, init, 0)
	for _, tr := range state(init)["transitions"].([]any) {
		tr := tr.(map[string]any)
		if next, _ := tr["next"].(string); next != "" {
			tr["next"] = "audit_v2"
			was := next
			if was == renamed {
				was = old
			}
			states = append(states, map[string]any{
				"name": "audit_v2", "type": "set-variables",
				"transitions": []any{map[string]any{"event": "next", "next": next}},
				"properties":  map[string]any{"variables": []any{map[string]any{"key": "audited", "value": "yes"}}},
			})
			doc["states"] = states
			want = append(want,
				fmt.Sprintf("~ state %q: transition %s -> \"audit_v2\" (was %q)", state(init)["name"], tr["event"], was),
				`+ state "audit_v2" (set-variables)`)
			break
		}
	}
	require.Len(t, doc["states"], len(states), "%s: the initial state wires nothing", file)

	out, err := json.MarshalIndent(doc, "", "\t")
	require.NoError(t, err)
	revised := filepath.Join(t.TempDir(), filepath.Base(file))
	require.NoError(t, os.WriteFile(revised, out, 0o600))
	slices.Sort(want)
	return revised, want
}

// lines splits the text of flowrun diff into its lines, sorted.
func lines(stdout string) []string {
	got := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
	slices.Sort(got)
	return got
}

// diff of two revisions of each seed example reports exactly the changes
// made; diff A A prints nothing and exits 0.
func TestDiffSeedExamples(t *testing.T) {
	for _, file := range seedExamples(t) {
		t.Run(file, func(t *testing.T) {
			code, stdout, stderr := flowrun(t, "", "diff", file, file)
			assert.Equal(t, 0, code, stderr)
			assert.Empty(t, stdout)
			assert.Empty(t, stderr)

			revised, want := revise(t, file)
			code, stdout, stderr = flowrun(t, "", "diff", file, revised)
			assert.Equal(t, 1, code, stderr)
			assert.Equal(t, want, lines(stdout))

			code, stdout, _ = flowrun(t, "", "diff", "-json", file, revised)
			assert.Equal(t, 1, code)
			var out struct {
				Changes []struct {
					Kind  string `json:"kind"`
					State string `json:"state"`
				} `json:"changes"`
			}
			require.NoError(t, json.Unmarshal([]byte(stdout), &out), stdout)
			var kinds []string
			for _, c := range out.Changes {
				kinds = append(kinds, c.Kind)
			}
			slices.Sort(kinds)
			assert.Len(t, kinds, len(want))
			assert.Subset(t, kinds, []string{"state-added", "state-renamed", "transition-rewired"})
		})
	}
}

// The repository's own revisions: what the version examples publish.
func TestDiffRevisions(t *testing.T) {
	code, stdout, _ := flowrun(t, "", "diff", "../versions/support_v1.json", "../versions/support_v2.json")
	assert.Equal(t, 1, code)
	assert.Equal(t, `~ state "welcome": property say: "Welcome to support. All our agents are busy; please call back later." -> "Welcome to support. We are texting you a link to our help centre."
~ state "welcome": transition audioComplete -> "text_link" (was end)
+ state "text_link" (send-message)
`, stdout)

	code, stdout, _ = flowrun(t, "", "diff", "../holiday/holiday_check_v1.json", "../holiday/holiday_check_v2.json")
	assert.Equal(t, 1, code)
	assert.Equal(t, `~ state "calendar": property rules: [{"annual":true,"dates":["2026-12-25"],"name":"christmas"}] -> [{"annual":true,"dates":["2026-12-25"],"name":"christmas"},{"annual":true,"dates":["2027-01-01"],"name":"new_year"}]
+ state "calendar": transition new_year -> "remember"
`, stdout)
}

// A module's contract change comes with the breaking-change verdict,
// against any caller or against the callers given.
func TestDiffModuleContract(t *testing.T) {
	data, err := os.ReadFile("../sms/send_sms_module.json")
	require.NoError(t, err)
	var doc map[string]any
	require.NoError(t, json.Unmarshal(data, &doc))
	begin := doc["states"].([]any)[0].(map[string]any)
	require.Equal(t, "begin-module", begin["type"])
	props := begin["properties"].(map[string]any)
	props["arguments"] = append(props["arguments"].([]any),
		map[string]any{"name": "campaign", "type": "String", "variable": "campaign", "required": true})
	out, err := json.Marshal(doc)
	require.NoError(t, err)
	v2 := write(t, "send_sms_v2.json", string(out))

	code, stdout, stderr := flowrun(t, "", "diff", "../sms/send_sms_module.json", v2)
	assert.Equal(t, 1, code, stderr)
	assert.Contains(t, stdout, `+ contract: argument "campaign"`)
	assert.Contains(t, stdout, `! contract: breaking: any caller`)

	code, stdout, stderr = flowrun(t, "", "diff", "-json", "-module", "Send SMS", "-user", "bank=../sms/bank_balance.json", "../sms/send_sms_module.json", v2)
	assert.Equal(t, 1, code, stderr)
	var verdict struct {
		Contract struct {
			Breaking bool `json:"breaking"`
			Breaks   []struct {
				User, State, Reason string
			} `json:"breaks"`
		} `json:"contract"`
	}
	require.NoError(t, json.Unmarshal([]byte(stdout), &verdict), stdout)
	assert.True(t, verdict.Contract.Breaking)
	require.NotEmpty(t, verdict.Contract.Breaks)
	assert.Equal(t, "bank", verdict.Contract.Breaks[0].User)
	assert.Contains(t, verdict.Contract.Breaks[0].Reason, "campaign")
}

// A Connect flow diffs alike: its canvas metadata and layout are not
// changes.
func TestDiffConnect(t *testing.T) {
	data, err := os.ReadFile("../../flowtest/testdata/pass/connect_menu.json")
	require.NoError(t, err)
	var doc map[string]any
	require.NoError(t, json.Unmarshal(data, &doc))
	doc["Metadata"] = map[string]any{"entryPointPosition": map[string]any{"x": 5, "y": 7}}
	var say map[string]any
	for _, a := range doc["Actions"].([]any) {
		a := a.(map[string]any)
		if a["Type"] == "MessageParticipant" && say == nil {
			say = a
		}
	}
	require.NotNil(t, say)
	params := say["Parameters"].(map[string]any)
	before := params["Text"].(string)
	params["Text"] = "Hi again"
	out, err := json.MarshalIndent(doc, "", "    ")
	require.NoError(t, err)
	v2 := write(t, "connect_v2.json", string(out))

	code, stdout, stderr := flowrun(t, "", "diff", "../../flowtest/testdata/pass/connect_menu.json", v2)
	assert.Equal(t, 1, code, stderr)
	assert.Equal(t, fmt.Sprintf("~ state %q: property Text: %q -> \"Hi again\"\n", say["Identifier"], before), stdout)
}

func TestDiffBadInput(t *testing.T) {
	for _, args := range [][]string{
		{"diff"},
		{"diff", "../ivr/menu.json"},
		{"diff", "-rename-threshold", "-1", "../ivr/menu.json", "../ivr/menu.json"},
		{"diff", "-user", "x=../ivr/menu.json", "../ivr/menu.json", "../ivr/menu.json"},
	} {
		code, _, stderr := flowrun(t, "", args...)
		assert.Equal(t, 2, code, "%v", args)
		assert.Contains(t, stderr, "flowrun diff", "%v", args)
	}
	code, _, stderr := flowrun(t, "", "diff", "../ivr/menu.json", "no/such.json")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "no/such.json")
	bad := write(t, "bad.json", `{"states": [`)
	code, _, stderr = flowrun(t, "", "diff", bad, "../ivr/menu.json")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "bad.json")
}
