package runtime

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// plainFrame is Frame without its methods: encoding/json writes it by
// reflection, which Frame.MarshalJSON must match byte for byte.
type plainFrame Frame

func TestFrameMarshalJSONMatchesTheFields(t *testing.T) {
	f := Frame{Kind: FrameModule, Ref: "Holiday <check>", Sid: "MD1", Revision: 7, State: "calendar & co",
		Context: map[string]any{"flow": map[string]any{"variables": map[string]any{"n": 2.5, "s": "é\u2028"}}, "widgets": map[string]any{}, "list": []any{nil, true}}}
	// Every field is set, so that a field added to Frame and forgotten by
	// MarshalJSON fails here.
	v := reflect.ValueOf(f)
	for i := range v.NumField() {
		require.False(t, v.Field(i).IsZero(), "set Frame.%s in this test", v.Type().Field(i).Name)
	}
	want, err := json.Marshal(plainFrame(f))
	require.NoError(t, err)
	got, err := json.Marshal(f)
	require.NoError(t, err)
	assert.Equal(t, string(want), string(got))
	var back Frame
	require.NoError(t, json.Unmarshal(got, &back))
	assert.Equal(t, f, back)

	empty, err := json.Marshal(Frame{})
	require.NoError(t, err)
	wantEmpty, _ := json.Marshal(plainFrame{})
	assert.Equal(t, string(wantEmpty), string(empty))
}

// A context that cannot be written fails the save, as it did through
// reflection.
func TestFrameMarshalJSONRefusesWhatCannotBeWritten(t *testing.T) {
	_, err := json.Marshal(Frame{Context: map[string]any{"f": func() {}}})
	assert.Error(t, err)
}

// plainStep is Step without its methods.
type plainStep Step

func TestStepMarshalJSONMatchesTheFields(t *testing.T) {
	full := Step{Name: "match", From: "split <1>", To: "Ended", Type: "split-based-on",
		Time: time.Date(2026, 3, 1, 9, 0, 0, 123456789, time.UTC), Frame: "module:Holiday & co", Transition: 3,
		Published: map[string]any{"Body": "<hi>", "n": 2.0}}
	v := reflect.ValueOf(full)
	for i := range v.NumField() {
		require.False(t, v.Field(i).IsZero(), "set Step.%s in this test", v.Type().Field(i).Name)
	}
	lisbon := time.FixedZone("Lisbon", 3600)
	for _, s := range []Step{full, {}, {Published: map[string]any{}}, {Name: "next", Time: time.Date(2026, 3, 1, 9, 0, 0, 0, lisbon)}, {Time: time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC)}} {
		want, werr := json.Marshal(plainStep(s))
		got, gerr := json.Marshal(s)
		require.Equal(t, werr == nil, gerr == nil, "%+v: %v / %v", s, werr, gerr)
		assert.Equal(t, string(want), string(got))
	}
}

func TestListCursorsRoundTrip(t *testing.T) {
	c := ListCursor(-42, "FN/1")
	n, id, err := ParseListCursor(c)
	require.NoError(t, err)
	assert.Equal(t, int64(-42), n)
	assert.Equal(t, "FN/1", id)
	for _, bad := range []string{"", "12", "x/FN1", "12/"} {
		_, _, err := ParseListCursor(bad)
		assert.ErrorIs(t, err, ErrRefused, "%q", bad)
	}
}
