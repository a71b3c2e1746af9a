package runtime_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studioflow/studioflow/runtime"
	"github.com/studioflow/studioflow/widgets"
)

// olderRecords are executions as earlier engines stored them
// (testdata/executions/format*.json, written by the format 1 encoder:
// encoding/json; format 0 is format 1 before formats were numbered).
func olderRecords(t *testing.T) map[string][]byte {
	files, err := filepath.Glob("testdata/executions/format[01]-*.json")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	out := map[string][]byte{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		out[filepath.Base(f)] = data
	}
	return out
}

// Every record an earlier engine stored loads as it did then: the same
// execution encoding/json reads from it.
func TestOlderRecordsStillLoad(t *testing.T) {
	for name, data := range olderRecords(t) {
		var want runtime.Execution
		require.NoError(t, json.Unmarshal(data, &want), name)
		got, err := runtime.UnmarshalExecution(data)
		require.NoError(t, err, name)
		assert.Equal(t, &want, got, name)
	}
}

// A record read and written again in the current format reads back the
// same, and writing it again gives the same bytes.
func TestRecordsRoundTrip(t *testing.T) {
	for name, data := range olderRecords(t) {
		x, err := runtime.UnmarshalExecution(data)
		require.NoError(t, err, name)
		now, err := runtime.MarshalExecution(x)
		require.NoError(t, err, name)
		assert.Equal(t, 3, x.Format, "no shared values: format 3, which format 3 engines read")
		assert.Less(t, len(now), len(data), "%s: the current format is smaller", name)
		y, err := runtime.UnmarshalExecution(now)
		require.NoError(t, err, name)
		assert.Equal(t, x, y, "%s:\n%s", name, now)
		again, err := runtime.MarshalExecution(y)
		require.NoError(t, err)
		assert.Equal(t, string(now), string(again), name)
		// And what the record holds, field by field, is what encoding/json
		// writes of the execution.
		var plain runtime.Execution
		require.NoError(t, json.Unmarshal(data, &plain), name)
		plain.Format = 3
		assert.Equal(t, &plain, y, name)
	}
}

// The README's IVR menu, waiting at its menu, is stored in at most 1 KB
// (issue 21: 1,268 bytes in format 1).
func TestAWaitingIVRExecutionIsSmall(t *testing.T) {
	data, ok := olderRecords(t)["format1-ivr-waiting.json"]
	require.True(t, ok)
	x, err := runtime.UnmarshalExecution(data)
	require.NoError(t, err)
	now, err := runtime.MarshalExecution(x)
	require.NoError(t, err)
	assert.LessOrEqual(t, len(now), 1024, "%s", now)
	// What it leaves out is what the execution repeats.
	s := string(now)
	assert.NotContains(t, s, `"due_at"`, "the due time is the wait's deadline")
	assert.NotContains(t, s, `"contact":{`, "the contact's address is the execution's")
	assert.Contains(t, s, `"derived":15`)
	assert.Contains(t, s, `["incomingCall","Trigger","greet","trigger","2026-11-21T09:00:00Z"]`)
}

// The entries the format leaves out come back exactly, and only those
// that hold what the execution gives them are left out: an entry changed
// by the flow, of another type, or beside other entries stays as it is.
func TestDerivedEntriesComeBackExactly(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	deadline := t0.Add(time.Minute)
	base := func() *runtime.Execution {
		return &runtime.Execution{ID: "FN1", FlowSid: "FW1", Revision: 2, Status: runtime.StatusActive, Trigger: runtime.TriggerMessage,
			Contact: "+1", Address: "+2", Steps: []runtime.Step{}, CreatedAt: t0, UpdatedAt: t0, DueAt: t0.Add(time.Hour), Version: 1,
			Frames: []runtime.Frame{{Kind: runtime.FrameFlow, Ref: "FW1", Sid: "FW1", Revision: 2, State: "s", Context: map[string]any{
				"flow":    map[string]any{"sid": "FN1", "flow_sid": "FW1", "channel": map[string]any{"address": "+2"}, "variables": map[string]any{}},
				"contact": map[string]any{"channel": map[string]any{"address": "+1"}},
			}}}}
	}
	cases := map[string]func(x *runtime.Execution){
		"as the engine sets them": func(*runtime.Execution) {},
		"changed by the flow": func(x *runtime.Execution) {
			x.Frames[0].Context["flow"].(map[string]any)["sid"] = "other"
			x.Frames[0].Context["contact"].(map[string]any)["channel"].(map[string]any)["address"] = "+9"
		},
		"a number where a text was": func(x *runtime.Execution) {
			x.Frames[0].Context["flow"].(map[string]any)["flow_sid"] = 1.0
		},
		"beside other entries": func(x *runtime.Execution) {
			x.Frames[0].Context["contact"].(map[string]any)["channel"].(map[string]any)["name"] = "Ada"
			x.Frames[0].Context["contact"].(map[string]any)["id"] = "C1"
		},
		"an empty channel map": func(x *runtime.Execution) {
			x.Frames[0].Context["flow"].(map[string]any)["channel"] = map[string]any{}
		},
		"a channel that is not a map": func(x *runtime.Execution) {
			x.Frames[0].Context["contact"] = map[string]any{"channel": "sms"}
		},
		"no contact, an empty one": func(x *runtime.Execution) {
			x.Contact = ""
			delete(x.Frames[0].Context, "contact")
		},
		"a frame of another flow and revision": func(x *runtime.Execution) {
			x.Frames = append(x.Frames, runtime.Frame{Kind: runtime.FrameModule, Ref: "pin", Sid: "MD1", Revision: 1, State: "t",
				Context: map[string]any{"flow": map[string]any{"sid": "FN1", "flow_sid": "MD1"}}})
		},
		"a ref that is not the sid": func(x *runtime.Execution) {
			x.Frames[0].Ref = "menu"
		},
		"a deadline that is the due time": func(x *runtime.Execution) {
			x.Wait = &runtime.WaitState{State: "s", Events: []string{"timeout"}, Deadline: &deadline}
			x.DueAt = deadline
		},
		"a deadline that is not the due time": func(x *runtime.Execution) {
			x.Wait = &runtime.WaitState{State: "s", Events: []string{}, Deadline: &deadline}
		},
		"the same instant in another zone": func(x *runtime.Execution) {
			x.Wait = &runtime.WaitState{State: "s", Deadline: &deadline}
			x.DueAt = deadline.In(time.FixedZone("", 3600))
		},
		"a call": func(x *runtime.Execution) {
			x.Call = widgets.Call{Sid: "CA1", Live: true}
		},
		"steps with frames and transitions": func(x *runtime.Execution) {
			x.Steps = []runtime.Step{{Name: "a", Time: t0}, {Name: "b", Transition: 2, Time: t0}, {Name: "c", Frame: "module:pin", Time: t0}}
		},
		"steps that published, something and nothing": func(x *runtime.Execution) {
			x.Steps = []runtime.Step{{Name: "a", Time: t0, Published: map[string]any{"Body": "hi"}}, {Name: "b", Time: t0, Published: map[string]any{}}}
		},
	}
	for name, edit := range cases {
		x := base()
		edit(x)
		data, err := runtime.MarshalExecution(x)
		require.NoError(t, err, name)
		y, err := runtime.UnmarshalExecution(data)
		require.NoError(t, err, name)
		assert.Equal(t, x, y, "%s:\n%s", name, data)
		// Writing never changes the execution written.
		fresh := base()
		edit(fresh)
		fresh.Format = 3
		assert.Equal(t, fresh, x, name)
	}
}

// A damaged record is refused as corrupt, with where it broke, and never
// panics.
func TestDamagedFormat2RecordsAreCorrupt(t *testing.T) {
	good := `{"id":"FN1","flow_sid":"FW1","revision":1,"status":"active","trigger":"call","frames":[{"kind":"flow","state":"s","derived":1,"context":{"flow":{}}}],"step_log":[],"format":3,"created_at":"2026-03-01T09:00:00Z","updated_at":"2026-03-01T09:00:00Z","version":1}`
	x, err := runtime.UnmarshalExecution([]byte(good))
	require.NoError(t, err)
	assert.Equal(t, "FN1", x.Context()["flow"].(map[string]any)["sid"])
	for name, bad := range map[string]string{
		"derived through a text":   strings.Replace(good, `"context":{"flow":{}}`, `"context":{"flow":"x"}`, 1),
		"an unknown derived entry": strings.Replace(good, `"derived":1`, `"derived":16`, 1),
		"derived with no context":  strings.Replace(good, `"context":{"flow":{}}`, `"context":null`, 1),
		"a step of nine items":     strings.Replace(good, `"step_log":[]`, `"step_log":[["a","b","c","d","2026-03-01T09:00:00Z","",1,{},2]]`, 1),
		"published that is a list": strings.Replace(good, `"step_log":[]`, `"step_log":[["a","b","c","d","2026-03-01T09:00:00Z","",1,[]]]`, 1),
		"a step of four items":     strings.Replace(good, `"step_log":[]`, `"step_log":[["a","b","c","d"]]`, 1),
		"an empty step":            strings.Replace(good, `"step_log":[]`, `"step_log":[[]]`, 1),
		"a step time that is not":  strings.Replace(good, `"step_log":[]`, `"step_log":[["a","b","c","d","yesterday"]]`, 1),
		"derived and also written": strings.Replace(good, `"context":{"flow":{}}`, `"context":{"flow":{"sid":"FN1"}}`, 1),
		"a revision as a text":     strings.Replace(good, `"revision":1`, `"revision":"1"`, 1),
		"trailing bytes":           good + `x`,
	} {
		_, err := runtime.UnmarshalExecution([]byte(bad))
		assert.ErrorIs(t, err, runtime.ErrCorrupt, name)
	}
	// A newer format that does not read as this one is not corrupt: an
	// older engine leaves it alone.
	newer := strings.Replace(strings.Replace(good, `"step_log":[]`, `"step_log":{"new":"shape"}`, 1), `"format":3`, `"format":5`, 1)
	_, err = runtime.UnmarshalExecution([]byte(newer))
	require.Error(t, err)
	assert.NotErrorIs(t, err, runtime.ErrCorrupt)
	assert.Contains(t, err.Error(), "format 5")
}

// everyField is an execution with every field set, and every entry the
// format may leave out left to be derived:
// testdata/executions/format3-every-field.json holds it as format 3
// writes it, and format2-every-field.json its first three steps (format 2
// kept no published outputs) as format 2 wrote it.
func everyField() *runtime.Execution {
	t0 := time.Date(2026, 3, 1, 9, 0, 0, 500, time.UTC)
	deadline := t0.Add(30 * time.Second)
	ended := t0.Add(5 * time.Minute).In(time.FixedZone("", 3600))
	return &runtime.Execution{
		ID: "FNall", FlowSid: "FWall", Revision: 3, Status: runtime.StatusFailed,
		Reason: `state "x" failed: boom`, FailureCode: runtime.FailureLimitSteps,
		Trigger: runtime.TriggerConversation, Key: "FWall|conversation|CH1", Contact: "+15550001", Address: "+15550002",
		Call: widgets.Call{Sid: "CA9", Live: true},
		Frames: []runtime.Frame{
			{Kind: runtime.FrameFlow, Ref: "FWall", Sid: "FWall", Revision: 3, State: "x", Context: map[string]any{
				"flow": map[string]any{"sid": "FNall", "flow_sid": "FWall", "channel": map[string]any{"address": "+15550002"},
					"variables": map[string]any{"tries": 2.0}},
				"contact": map[string]any{"channel": map[string]any{"address": "+15550001"}},
				"trigger": map[string]any{"message": map[string]any{"Body": "hi"}},
			}},
			{Kind: runtime.FrameModule, Ref: "pin", Sid: "MDpin", Revision: 2, State: "get", Context: map[string]any{
				"flow":    map[string]any{"sid": "FNall", "flow_sid": "MDpin"},
				"widgets": map[string]any{"get": map[string]any{"Digits": "1234"}},
			}},
		},
		Wait: &runtime.WaitState{State: "get", Token: "7", Events: []string{"keypress", "timeout"}, Deadline: &deadline,
			TimeoutEvent: "noInput", Prompt: map[string]any{"input": "dtmf"}, Sensitive: true,
			Guard: &runtime.LateGuard{Until: deadline.Add(time.Second), Events: []string{"keypress"}}},
		Steps: []runtime.Step{
			{Name: "incomingConversationMessage", From: "Trigger", To: "x", Type: "trigger", Time: t0.Add(-30 * time.Second)},
			{Name: "match", From: "split", To: "Ended", Type: "split-based-on", Time: t0, Frame: "module:pin", Transition: 2},
			{Name: "next", From: "get", To: "ask", Type: "gather-input-on-call", Time: t0, Frame: "module:pin"},
			{Name: "keypress", From: "get", To: "get", Type: "gather-input-on-call", Time: t0, Frame: "module:pin",
				Published: map[string]any{"Digits": "12"}},
			{Name: "sent", From: "note", To: "get", Type: "send-message", Time: t0, Frame: "module:pin", Published: map[string]any{}},
		},
		Repeats: 4, Waits: 7, Exposed: map[string]any{"pin": map[string]any{"tries": 2.0}},
		DueAt: deadline, CreatedAt: t0.Add(-time.Hour), UpdatedAt: t0, EndedAt: &ended, Version: 9,
	}
}

// Formats 2 and 3 as they are stored: each fixture reads back as
// everyField, and format 3's is written again byte for byte. A change to
// the derived bits or to a step's positions fails here: it needs a new
// format number.
func TestStoredFormatsLoad(t *testing.T) {
	for format, file := range map[int]string{2: "format2-every-field.json", 3: "format3-every-field.json", 4: "format4-every-field.json"} {
		data, err := os.ReadFile("testdata/executions/" + file)
		require.NoError(t, err)
		data = bytes.TrimSpace(data)
		got, err := runtime.UnmarshalExecution(data)
		require.NoError(t, err, file)
		want := everyField()
		want.Format = format
		if format == 2 {
			want.Steps = want.Steps[:3]
		}
		if format == 4 {
			want.Shared = everyShared()
		}
		assert.Equal(t, want, got, file)
		// Every entry the format may leave out was left out.
		assert.Contains(t, string(data), `"derived":15`, file)
		assert.NotContains(t, string(data), `"sid":"FNall"`, file)
		assert.NotContains(t, string(data), `"due_at"`, file)
		if format >= 3 {
			again, err := runtime.MarshalExecution(got)
			require.NoError(t, err)
			assert.Equal(t, string(data), string(again))
		}
	}
}

// everyShared is what format 4 adds to everyField: shared values.
func everyShared() map[string]any {
	return map[string]any{"Attributes": map[string]any{"tier": "gold"}, "Channel": "VOICE", "Tries": 2.0}
}

// previousExecution is runtime.Execution as the previous release (format
// 1, commit 8a53db7) declared it, frozen here: that engine decoded every
// record with encoding/json into it.
type previousExecution struct {
	ID          string `json:"id"`
	FlowSid     string `json:"flow_sid"`
	Revision    int    `json:"revision"`
	Status      string `json:"status"`
	Reason      string `json:"reason,omitempty"`
	FailureCode string `json:"failure_code,omitempty"`
	Trigger     string `json:"trigger"`
	Key         string `json:"key,omitempty"`
	Contact     string `json:"contact,omitempty"`
	Address     string `json:"address,omitempty"`
	Call        struct {
		Sid  string
		Live bool
	} `json:"call"`
	Frames []struct {
		Kind     string         `json:"kind"`
		Ref      string         `json:"ref"`
		Sid      string         `json:"sid"`
		Revision int            `json:"revision"`
		State    string         `json:"state"`
		Context  map[string]any `json:"context"`
	} `json:"frames"`
	Wait *struct {
		State        string         `json:"state"`
		Token        string         `json:"token,omitempty"`
		Events       []string       `json:"events"`
		Deadline     *time.Time     `json:"deadline,omitempty"`
		TimeoutEvent string         `json:"timeout_event,omitempty"`
		Prompt       map[string]any `json:"prompt,omitempty"`
		Sensitive    bool           `json:"sensitive,omitempty"`
		Guard        *struct {
			Until  time.Time `json:"until"`
			Events []string  `json:"events"`
		} `json:"guard,omitempty"`
	} `json:"wait,omitempty"`
	Steps []struct {
		Name       string    `json:"name"`
		From       string    `json:"transitioned_from"`
		To         string    `json:"transitioned_to"`
		Type       string    `json:"type"`
		Time       time.Time `json:"time"`
		Frame      string    `json:"frame,omitempty"`
		Transition int       `json:"transition,omitempty"`
	} `json:"steps"`
	Repeats   int            `json:"repeats,omitempty"`
	Format    int            `json:"format,omitempty"`
	Waits     int            `json:"waits,omitempty"`
	Exposed   map[string]any `json:"exposed,omitempty"`
	DueAt     time.Time      `json:"due_at"`
	CreatedAt time.Time      `json:"created_at"`
	UpdatedAt time.Time      `json:"updated_at"`
	EndedAt   *time.Time     `json:"ended_at,omitempty"`
	Version   int64          `json:"version"`
}

// During a rolling upgrade, engines of the previous releases meet
// records this one wrote. They must read them far enough to see the newer
// format and refuse them as newer, never fail to decode them (that would
// call the record corrupt and end the execution) nor read them in part
// (that would save them back without what they skipped): format 1
// engines decode with encoding/json, into previousExecution; format 2
// engines read "steps" and skip keys they do not know, then refuse a
// format above 2.
func TestThePreviousEnginesSeeTheCurrentFormatAsNewer(t *testing.T) {
	minimal := &runtime.Execution{ID: "FNmin", FlowSid: "FW1", Revision: 1, Status: runtime.StatusActive, Trigger: runtime.TriggerCall,
		Frames: []runtime.Frame{{Kind: runtime.FrameFlow, Ref: "FW1", Sid: "FW1", Revision: 1, State: "s",
			Context: map[string]any{"flow": map[string]any{"sid": "FNmin", "flow_sid": "FW1"}}}},
		Steps: []runtime.Step{{}}}
	for _, x := range []*runtime.Execution{everyField(), minimal} {
		data, err := runtime.MarshalExecution(x)
		require.NoError(t, err)
		var previous previousExecution
		require.NoError(t, json.Unmarshal(data, &previous), "%s", data)
		assert.Equal(t, x.ID, previous.ID)
		assert.Greater(t, previous.Format, 2, "format 1 and 2 engines refuse a format above theirs as newer")
		assert.NotContains(t, string(data), `"steps"`, "format 2 engines would read steps of 8 items as corrupt")
	}
}
