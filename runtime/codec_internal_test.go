package runtime

import (
	"encoding/json"
	"reflect"
	"testing"

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
