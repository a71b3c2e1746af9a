package flow_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studioflow/studioflow/flow"
)

func TestParseSyntaxErrorPosition(t *testing.T) {
	tests := []struct {
		name   string
		input  string
		line   int
		column int
		offset int64
	}{
		{
			name:  "bad value on line 3",
			input: "{\n  \"description\": \"x\",\n  \"initial_state\": x\n}",
			// "  \"initial_state\": " is 19 characters: x is column 20.
			line: 3, column: 20, offset: 2 + 22 + 19,
		},
		{
			name:  "missing comma",
			input: `{"a": 1 "b": 2}`,
			line:  1, column: 9, offset: 8,
		},
		{
			name:  "raw newline in a string is on the line it ends",
			input: "{\"description\": \"a\nb\"}",
			line:  1, column: 19, offset: 18,
		},
		{
			name:  "trailing comma",
			input: "{\n\t\"states\": [1,]\n}",
			// The tab counts as one column.
			line: 2, column: 15, offset: 16,
		},
		{
			name:  "columns count characters, not bytes",
			input: `{"description": "ééé" x}`,
			line:  1, column: 23, offset: 25,
		},
		{
			name:  "unexpected end is just past the input",
			input: "{\n  \"states\": [",
			line:  2, column: 14, offset: 15,
		},
		{
			name:  "empty input",
			input: "",
			line:  1, column: 1, offset: 0,
		},
		{
			name:  "second top-level value",
			input: "{}\n{}",
			line:  2, column: 1, offset: 3,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := flow.Parse([]byte(tt.input))
			assert.Nil(t, d)
			var se *flow.SyntaxError
			require.ErrorAs(t, err, &se)
			assert.Equal(t, tt.line, se.Line, "line")
			assert.Equal(t, tt.column, se.Column, "column")
			assert.Equal(t, tt.offset, se.Offset, "offset")
			assert.NotEmpty(t, se.Msg)
			assert.ErrorIs(t, err, flow.ErrInvalid)
		})
	}
}

func TestSyntaxErrorMessage(t *testing.T) {
	_, err := flow.Parse([]byte("{\n  \"description\": \"x\",\n  \"initial_state\": x\n}"))
	assert.EqualError(t, err, "flow: malformed JSON at line 3, column 20 (byte 43): invalid character 'x' looking for beginning of value")
}

func TestParseDecodeErrorPath(t *testing.T) {
	tests := []struct {
		name  string
		input string
		path  string
		msg   string
	}{
		{"state name is a number", `{"states":[{"name":5}]}`, "#/states/0/name", "expected a string, got a number"},
		{"type is an object", `{"states":[{"name":"a"},{"name":"b","type":{}}]}`, "#/states/1/type", "expected a string, got an object"},
		{"document is an array", `[1]`, "#", "expected a JSON object"},
		{"document is null", `null`, "#", "expected a JSON object, got null"},
		{"description is a boolean", `{"description":true}`, "#/description", "expected a string, got a boolean"},
		{"initial_state is an array", `{"initial_state":[]}`, "#/initial_state", "expected a string, got an array"},
		{"states is an object", `{"states":{}}`, "#/states", "expected an array of states"},
		{"state is a number", `{"states":[1]}`, "#/states/0", "expected a JSON object"},
		{"transitions is a string", `{"states":[{"transitions":"x"}]}`, "#/states/0/transitions", "expected an array of transitions"},
		{"transition is null", `{"states":[{"transitions":[null]}]}`, "#/states/0/transitions/0", "expected a JSON object, got null"},
		{"next is a number", `{"states":[{"transitions":[{"event":"a"},{"event":"b","next":2}]}]}`, "#/states/0/transitions/1/next", "expected a string, got a number"},
		{"event is a boolean", `{"states":[{"transitions":[{"event":false}]}]}`, "#/states/0/transitions/0/event", "expected a string, got a boolean"},
		{"properties is an array", `{"states":[{"properties":[]}]}`, "#/states/0/properties", "expected a JSON object"},
		{"conditions is an object", `{"states":[{"transitions":[{"conditions":{}}]}]}`, "#/states/0/transitions/0/conditions", "expected an array of conditions"},
		{"condition value is an object", `{"states":[{"transitions":[{"conditions":[{"value":{}}]}]}]}`, "#/states/0/transitions/0/conditions/0/value", "expected a string, got an object"},
		{"condition arguments hold a number", `{"states":[{"transitions":[{"conditions":[{"arguments":[1]}]}]}]}`, "#/states/0/transitions/0/conditions/0/arguments", "expected an array of strings"},
		{"condition type is a number", `{"states":[{"transitions":[{"conditions":[{"type":1}]}]}]}`, "#/states/0/transitions/0/conditions/0/type", "expected a string, got a number"},
		{"flags is an array", `{"flags":[]}`, "#/flags", "expected a JSON object"},
		{"allow_concurrent_calls is not a boolean", `{"flags":{"allow_concurrent_calls":"maybe"}}`, "#/flags/allow_concurrent_calls", `expected a boolean, got "maybe"`},
		{"exposed_variables is a string", `{"exposed_variables":"x"}`, "#/exposed_variables", "expected an array of strings"},
		// A key written twice: encoding/json keeps the last value, other
		// readers the first; the document is refused, not read as either.
		{"states written twice", `{"states":[{"name":"a"}],"states":[]}`, "#", `key "states" is written twice`},
		{"a state's name written twice", `{"states":[{"name":"a","n\u0061me":"b"}]}`, "#/states/0", `key "name" is written twice`},
		{"a property written twice", `{"states":[{"name":"a","properties":{"say":"hi","say":"bye"}}]}`, "#/states/0/properties", `key "say" is written twice`},
		{"an event written twice", `{"states":[{"transitions":[{"event":"a","next":"x","event":"b"}]}]}`, "#/states/0/transitions/0", `key "event" is written twice`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := flow.Parse([]byte(tt.input))
			assert.Nil(t, d)
			var de *flow.DecodeError
			require.ErrorAs(t, err, &de)
			assert.Equal(t, tt.path, de.Path)
			assert.Equal(t, tt.msg, de.Msg)
			assert.Equal(t, "flow: "+tt.path+": "+tt.msg, err.Error())
			assert.ErrorIs(t, err, flow.ErrInvalid)
		})
	}
}

// rich is a definition with unknown keys at every level.
const rich = `{
  "description": "Rich",
  "states": [
    {
      "name": "Trigger",
      "type": "trigger",
      "transitions": [
        {"next": "menu", "event": "incomingCall", "x_transition": {"color": "red"}},
        {"event": "incomingMessage"}
      ],
      "properties": {"offset": {"x": 10, "y": -20.5}},
      "x_state": [1, "two", null]
    },
    {
      "name": "menu",
      "type": "split-based-on",
      "transitions": [
        {"event": "noMatch"},
        {"next": "Trigger", "event": "match",
         "conditions": [{"friendly_name": "If 1", "arguments": ["{{widgets.gather.Digits}}"], "type": "equal_to", "value": "1",
                         "x_condition": true}]}
      ],
      "properties": {"input": "{{widgets.gather.Digits}}", "timeout": "3600", "trim": "true", "loop": 2, "big": 12345678901234567890,
                     "offset": {"x": 0, "y": 200}, "nested": {"b": [1, {"c": null}], "a": "z"}}
    }
  ],
  "initial_state": "Trigger",
  "flags": {"allow_concurrent_calls": true, "x_flag": "on"},
  "x_top": {"deep": [true]},
  "another": 3
}`

func TestRoundTripKeepsUnknownKeys(t *testing.T) {
	d, err := flow.Parse([]byte(rich))
	require.NoError(t, err)

	assert.JSONEq(t, `{"deep":[true]}`, string(d.Extra["x_top"]))
	assert.JSONEq(t, `3`, string(d.Extra["another"]))
	assert.Len(t, d.Extra, 2)
	assert.True(t, d.Flags.Present)
	assert.True(t, d.Flags.AllowConcurrentCalls)
	assert.Equal(t, `"on"`, string(d.Flags.Extra["x_flag"]))
	assert.Equal(t, `[1,"two",null]`, string(d.States[0].Extra["x_state"]))
	assert.Equal(t, `{"x":10,"y":-20.5}`, string(d.States[0].Properties["offset"]))
	assert.Equal(t, `{"color":"red"}`, string(d.States[0].Transitions[0].Extra["x_transition"]))
	assert.Nil(t, d.States[0].Transitions[1].Extra)
	c := d.States[1].Transitions[1].Conditions[0]
	assert.Equal(t, flow.Condition{
		FriendlyName: "If 1",
		Arguments:    []string{"{{widgets.gather.Digits}}"},
		Type:         "equal_to",
		Value:        "1",
		Extra:        map[string]json.RawMessage{"x_condition": json.RawMessage(`true`)},
	}, c)

	out, err := flow.MarshalIndent(d)
	require.NoError(t, err)
	assert.JSONEq(t, rich, string(out))
	// Number bytes are kept as written, not rounded through float64.
	assert.Contains(t, string(out), `"big": 12345678901234567890`)

	again, err := flow.Parse(out)
	require.NoError(t, err)
	assert.Equal(t, d, again)
}

func TestMarshalWritesTwilioKeyOrder(t *testing.T) {
	d, err := flow.Parse([]byte(`{"zz":1,"flags":{"b":2,"allow_concurrent_calls":false,"a":1},"initial_state":"T",
		"states":[{"properties":{"offset":{"x":0,"y":0},"b":1},"transitions":[{"event":"incomingCall","next":"T","q":1}],"type":"trigger","name":"T"}],
		"description":"d","aa":2}`))
	require.NoError(t, err)
	out, err := flow.Marshal(d)
	require.NoError(t, err)
	assert.Equal(t, `{"description":"d","states":[{"name":"T","type":"trigger","transitions":[{"next":"T","event":"incomingCall","q":1}],`+
		`"properties":{"b":1,"offset":{"x":0,"y":0}}}],"initial_state":"T","flags":{"allow_concurrent_calls":false,"a":1,"b":2},"aa":2,"zz":1}`, string(out))
}

func TestMarshalZeroDefinition(t *testing.T) {
	out, err := flow.Marshal(&flow.Definition{})
	require.NoError(t, err)
	assert.Equal(t, `{"description":"","states":[],"initial_state":""}`, string(out))

	d, err := flow.Parse(out)
	require.NoError(t, err)
	assert.Equal(t, []flow.State{}, d.States, "Parse never leaves States nil")
	assert.False(t, d.Flags.Present, "no flags object is written back without one")
}

func TestMarshalIndentFormat(t *testing.T) {
	d := &flow.Definition{Description: "x", InitialState: "T", States: []flow.State{{Name: "T", Type: "trigger"}}}
	out, err := flow.MarshalIndent(d)
	require.NoError(t, err)
	assert.Equal(t, `{
  "description": "x",
  "states": [
    {
      "name": "T",
      "type": "trigger",
      "transitions": [],
      "properties": {}
    }
  ],
  "initial_state": "T"
}
`, string(out))
}

func TestNumbersAsStringsSurvive(t *testing.T) {
	d, err := flow.Parse([]byte(rich))
	require.NoError(t, err)
	menu := d.State("menu")
	require.NotNil(t, menu)

	out, err := flow.Marshal(d)
	require.NoError(t, err)
	assert.Contains(t, string(out), `"timeout":"3600"`, "a string holding a number stays a string")
	assert.Contains(t, string(out), `"trim":"true"`, "a string holding a boolean stays a string")
	assert.Contains(t, string(out), `"loop":2`, "a number stays a number")

	var timeout string
	ok, err := menu.Property("timeout", &timeout)
	require.NoError(t, err)
	assert.True(t, ok)
	assert.Equal(t, "3600", timeout)
}

func TestLooseScalarsInModelledFields(t *testing.T) {
	d, err := flow.Parse([]byte(`{"flags":{"allow_concurrent_calls":"true"},"states":[{"name":"s","type":"split-based-on",
		"transitions":[{"event":"match","conditions":[{"type":"greater_than","value":5}]},{"event":"match","conditions":[{"type":"equal_to","value":false}]}]}]}`))
	require.NoError(t, err)
	assert.True(t, d.Flags.AllowConcurrentCalls, `"true" reads as true`)
	assert.Equal(t, "5", d.States[0].Transitions[0].Conditions[0].Value, "a bare number reads as its text")
	assert.Equal(t, "false", d.States[0].Transitions[1].Conditions[0].Value, "a bare boolean reads as its text")

	out, err := flow.Marshal(d)
	require.NoError(t, err)
	assert.Contains(t, string(out), `"value":"5"`)
	assert.Contains(t, string(out), `"allow_concurrent_calls":true`)
}

func TestMarshalDoesNotEscapeHTML(t *testing.T) {
	d, err := flow.Parse([]byte(`{"description":"\u003cb\u003eA \u0026 B\u003c/b\u003e","states":[
		{"name":"say","type":"say-play","transitions":[],"properties":{"say":"<speak>Tom & Jerry</speak>"}}]}`))
	require.NoError(t, err)
	assert.Equal(t, "<b>A & B</b>", d.Description)
	require.NoError(t, d.States[0].SetProperty("body", "1 < 2 && 3 > 2"))

	out, err := flow.Marshal(d)
	require.NoError(t, err)
	s := string(out)
	assert.Contains(t, s, `"description":"<b>A & B</b>"`)
	assert.Contains(t, s, `"say":"<speak>Tom & Jerry</speak>"`)
	assert.Contains(t, s, `"body":"1 < 2 && 3 > 2"`)
	assert.NotContains(t, s, `\u003c`)
	assert.NotContains(t, s, `\u0026`)

	indented, err := flow.MarshalIndent(d)
	require.NoError(t, err)
	assert.Contains(t, string(indented), `"say": "<speak>Tom & Jerry</speak>"`)

	// An Encoder with SetEscapeHTML(false) keeps them too; json.Marshal
	// escapes whatever MarshalJSON returns.
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	require.NoError(t, enc.Encode(d))
	assert.Contains(t, buf.String(), `"say":"<speak>Tom & Jerry</speak>"`)
}

func TestJSONPackageInterop(t *testing.T) {
	var d flow.Definition
	require.NoError(t, json.Unmarshal([]byte(rich), &d))
	assert.Equal(t, "Rich", d.Description)
	assert.Len(t, d.States, 2)

	out, err := json.Marshal(&d)
	require.NoError(t, err)
	assert.JSONEq(t, rich, string(out))

	var bad flow.Definition
	err = json.Unmarshal([]byte(`{"states":[{"name":5}]}`), &bad)
	var de *flow.DecodeError
	require.ErrorAs(t, err, &de)
	assert.Equal(t, "#/states/0/name", de.Path)
}

func TestRead(t *testing.T) {
	t.Run("reads a document", func(t *testing.T) {
		d, err := flow.Read(strings.NewReader(rich))
		require.NoError(t, err)
		assert.Equal(t, "Rich", d.Description)
		assert.Equal(t, "Trigger", d.InitialState)
	})
	t.Run("takes exactly the maximum", func(t *testing.T) {
		doc := `{"description":"max"}`
		pad := strings.Repeat(" ", flow.DefaultMaxReadBytes-len(doc))
		d, err := flow.Read(io.MultiReader(strings.NewReader(doc), strings.NewReader(pad)))
		require.NoError(t, err)
		assert.Equal(t, "max", d.Description)
	})
	t.Run("refuses one byte more", func(t *testing.T) {
		doc := `{"description":"max"}`
		pad := strings.Repeat(" ", flow.DefaultMaxReadBytes-len(doc)+1)
		d, err := flow.Read(io.MultiReader(strings.NewReader(doc), strings.NewReader(pad)))
		assert.Nil(t, d)
		assert.ErrorIs(t, err, flow.ErrInvalid)
		assert.EqualError(t, err, "flow: document larger than 8388608 bytes: invalid")
	})
	t.Run("reports a read failure", func(t *testing.T) {
		boom := errors.New("boom")
		d, err := flow.Read(iotest.ErrReader(boom))
		assert.Nil(t, d)
		assert.ErrorIs(t, err, boom)
		assert.NotErrorIs(t, err, flow.ErrInvalid)
	})
	t.Run("reports malformed JSON", func(t *testing.T) {
		_, err := flow.Read(strings.NewReader("{\n,"))
		var se *flow.SyntaxError
		require.ErrorAs(t, err, &se)
		assert.Equal(t, 2, se.Line)
		assert.Equal(t, 1, se.Column)
	})
}

// A definition read from another vendor's document may keep a key of its
// own under a name Flow JSON models: Marshal writes the modeled key once,
// so that Parse, which refuses a key written twice, reads it back.
func TestMarshalWritesAModeledKeyOnce(t *testing.T) {
	d := &flow.Definition{Description: "modeled", InitialState: "Trigger",
		States: []flow.State{{Name: "Trigger", Type: "trigger", Transitions: []flow.Transition{},
			Properties: map[string]json.RawMessage{}, Extra: map[string]json.RawMessage{"name": json.RawMessage(`"kept aside"`), "other": json.RawMessage(`1`)}}},
		Extra: map[string]json.RawMessage{"description": json.RawMessage(`"kept aside"`)}}
	out, err := flow.Marshal(d)
	require.NoError(t, err)
	back, err := flow.Parse(out)
	require.NoError(t, err, string(out))
	assert.Equal(t, "modeled", back.Description)
	assert.Equal(t, "Trigger", back.States[0].Name)
	assert.Equal(t, json.RawMessage(`1`), back.States[0].Extra["other"])
}

// A document a Windows editor saved with a UTF-8 byte order mark reads as
// the same document without.
func TestParseSkipsAByteOrderMark(t *testing.T) {
	src := `{"description":"bom","initial_state":"Trigger","states":[{"name":"Trigger","type":"trigger","transitions":[],"properties":{}}]}`
	want, err := flow.Parse([]byte(src))
	require.NoError(t, err)
	got, err := flow.Parse(append([]byte("\xef\xbb\xbf"), src...))
	require.NoError(t, err)
	assert.Equal(t, want, got)

	// A syntax error's offset still counts from the caller's first byte.
	bad := []byte("\xef\xbb\xbf{\"a\":}")
	_, err = flow.Parse(bad)
	var se *flow.SyntaxError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, byte('}'), bad[se.Offset], "offset %d", se.Offset)
	assert.Equal(t, 1, se.Line)
}

func TestParseLimit(t *testing.T) {
	doc := `{"description":"max"}`
	// padded returns doc followed by spaces up to n bytes.
	padded := func(n int) []byte { return []byte(doc + strings.Repeat(" ", n-len(doc))) }

	t.Run("Parse takes exactly the default maximum", func(t *testing.T) {
		d, err := flow.Parse(padded(flow.DefaultMaxReadBytes))
		require.NoError(t, err)
		assert.Equal(t, "max", d.Description)
	})
	t.Run("Parse refuses one byte more", func(t *testing.T) {
		d, err := flow.Parse(padded(flow.DefaultMaxReadBytes + 1))
		assert.Nil(t, d)
		assert.ErrorIs(t, err, flow.ErrInvalid)
		assert.EqualError(t, err, "flow: document is 8388609 bytes, larger than the limit of 8388608 bytes: invalid")
	})
	t.Run("Parse refuses a long description", func(t *testing.T) {
		data := []byte(`{"description":"` + strings.Repeat("a", flow.DefaultMaxReadBytes) + `"}`)
		_, err := flow.Parse(data)
		assert.ErrorIs(t, err, flow.ErrInvalid)
		assert.ErrorContains(t, err, "limit of 8388608 bytes")
	})
	t.Run("UnmarshalJSON has the same bound", func(t *testing.T) {
		var d flow.Definition
		err := d.UnmarshalJSON(padded(flow.DefaultMaxReadBytes + 1))
		assert.ErrorIs(t, err, flow.ErrInvalid)
	})
	tests := []struct {
		name     string
		size     int
		maxBytes int
		ok       bool
	}{
		{"smaller limit met exactly", 100, 100, true},
		{"smaller limit exceeded", 101, 100, false},
		{"larger limit", flow.DefaultMaxReadBytes + 1, flow.DefaultMaxReadBytes + 1, true},
		{"zero takes the default", flow.DefaultMaxReadBytes, 0, true},
		{"zero takes the default and refuses more", flow.DefaultMaxReadBytes + 1, 0, false},
		{"negative disables the bound", flow.DefaultMaxReadBytes + 1, -1, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := flow.ParseLimit(padded(tt.size), tt.maxBytes)
			if tt.ok {
				require.NoError(t, err)
				assert.Equal(t, "max", d.Description)
				return
			}
			assert.Nil(t, d)
			assert.ErrorIs(t, err, flow.ErrInvalid)
			assert.ErrorContains(t, err, "larger than the limit")
		})
	}
	t.Run("refused before decoding", func(t *testing.T) {
		// Malformed JSON over the limit reports the size, not the syntax.
		_, err := flow.ParseLimit([]byte("{{{{"), 3)
		assert.EqualError(t, err, "flow: document is 4 bytes, larger than the limit of 3 bytes: invalid")
	})
}

func TestParseBoundsNesting(t *testing.T) {
	// nested returns a document whose property "deep" nests depth arrays,
	// after a key that holds brackets and quotes inside a string; the
	// property value starts at level 5.
	nested := func(depth int) string {
		return `{"states":[{"name":"a","properties":{"k":"[{\\\"[{","deep":` +
			strings.Repeat("[", depth) + strings.Repeat("]", depth) + `}}]}`
	}
	t.Run("the deepest allowed value survives", func(t *testing.T) {
		d, err := flow.Parse([]byte(nested(flow.MaxNestingDepth - 4)))
		require.NoError(t, err)
		out, err := flow.MarshalIndent(d)
		require.NoError(t, err)
		again, err := flow.Parse(out)
		require.NoError(t, err)
		assert.Equal(t, d, again)
		assert.NotPanics(t, func() { flow.Check(d) })
	})
	for _, depth := range []int{flow.MaxNestingDepth - 3, 10001} {
		t.Run("refuses depth "+strconv.Itoa(depth+4), func(t *testing.T) {
			doc := nested(depth)
			d, err := flow.Parse([]byte(doc))
			assert.Nil(t, d)
			assert.ErrorIs(t, err, flow.ErrInvalid)
			var se *flow.SyntaxError
			require.ErrorAs(t, err, &se)
			if depth < 10000 {
				// The fault is the bracket that opens level 65.
				at := strings.Index(doc, `"deep":`) + len(`"deep":`) + flow.MaxNestingDepth - 4
				assert.Equal(t, int64(at), se.Offset)
				assert.Equal(t, byte('['), doc[se.Offset])
				assert.Equal(t, "nested deeper than 64 levels", se.Msg)
			}
		})
	}
}

func TestCloneIsDeep(t *testing.T) {
	orig, err := flow.Parse([]byte(rich))
	require.NoError(t, err)
	orig.ExposedVariables = []string{"v"}
	want, err := flow.Parse([]byte(rich))
	require.NoError(t, err)
	want.ExposedVariables = []string{"v"}

	c := orig.Clone()
	require.Equal(t, orig, c)

	c.Description = "changed"
	c.Extra["x_top"][2] = 'X'
	c.Extra["new"] = json.RawMessage(`1`)
	c.Flags.Extra["x_flag"][1] = 'X'
	c.ExposedVariables[0] = "changed"
	c.States[0].Name = "changed"
	c.States[0].Extra["x_state"][1] = '9'
	c.States[0].Properties["offset"][1] = 'X'
	c.States[0].Properties["new"] = json.RawMessage(`1`)
	c.States[0].Transitions[0].Next = "changed"
	c.States[0].Transitions[0].Extra["x_transition"][1] = 'X'
	cond := &c.States[1].Transitions[1].Conditions[0]
	cond.Arguments[0] = "changed"
	cond.Value = "changed"
	cond.Extra["x_condition"][0] = 'X'
	c.States[1].Transitions = append(c.States[1].Transitions, flow.Transition{Event: "added"})
	c.States = append(c.States, flow.State{Name: "added"})

	assert.Equal(t, want, orig, "edits to the clone reached the original")
}

func TestCloneKeepsNilness(t *testing.T) {
	d := &flow.Definition{States: []flow.State{{Name: "a"}}}
	c := d.Clone()
	assert.Equal(t, d, c)
	assert.Nil(t, c.Extra)
	assert.Nil(t, c.ExposedVariables)
	assert.Nil(t, c.States[0].Properties)
	assert.Nil(t, c.States[0].Transitions)
}

func TestPropertyAndSetProperty(t *testing.T) {
	d, err := flow.Parse([]byte(`{"states":[{"name":"s","type":"say-play","properties":{"say":"Hi","loop":3,"voice":null}}]}`))
	require.NoError(t, err)
	s := &d.States[0]

	var say string
	ok, err := s.Property("say", &say)
	require.NoError(t, err)
	assert.True(t, ok)
	assert.Equal(t, "Hi", say)

	var loop int
	ok, err = s.Property("loop", &loop)
	require.NoError(t, err)
	assert.True(t, ok)
	assert.Equal(t, 3, loop)

	var voice string
	ok, err = s.Property("voice", &voice)
	assert.NoError(t, err)
	assert.False(t, ok, "null reads as absent")

	ok, err = s.Property("language", &voice)
	assert.NoError(t, err)
	assert.False(t, ok, "absent")
	assert.Equal(t, "", voice)

	var wrong int
	ok, err = s.Property("say", &wrong)
	assert.True(t, ok, "present but of the wrong type")
	var te *json.UnmarshalTypeError
	assert.ErrorAs(t, err, &te)

	type variable struct {
		Key   string `json:"key"`
		Value string `json:"value"`
	}
	require.NoError(t, s.SetProperty("variables", []variable{{Key: "k", Value: "<v>"}}))
	assert.Equal(t, `[{"key":"k","value":"<v>"}]`, string(s.Properties["variables"]))
	var back []variable
	ok, err = s.Property("variables", &back)
	require.NoError(t, err)
	assert.True(t, ok)
	assert.Equal(t, []variable{{Key: "k", Value: "<v>"}}, back)

	var fresh flow.State
	require.NoError(t, fresh.SetProperty("timeout", "3600"))
	assert.Equal(t, map[string]json.RawMessage{"timeout": json.RawMessage(`"3600"`)}, fresh.Properties)

	assert.Error(t, fresh.SetProperty("bad", make(chan int)))
	assert.NotContains(t, fresh.Properties, "bad")
}

func TestDefinitionLookups(t *testing.T) {
	d := sound()
	assert.Same(t, &d.States[2], d.State("menu"))
	assert.Nil(t, d.State("nowhere"))
	assert.Equal(t, 3, d.StateIndex("bye"))
	assert.Equal(t, -1, d.StateIndex("nowhere"))
	assert.False(t, d.IsModule())
	assert.Equal(t, []string{flow.EventIncomingCall}, d.WiredTriggerEvents(), "an event without next is not wired")
	assert.Same(t, &d.States[2].Transitions[0], d.States[2].Transition("match"), "the first of repeated events")
	assert.Nil(t, d.States[2].Transition("timeout"))

	d.InitialState = "greet"
	assert.Nil(t, d.WiredTriggerEvents(), "only a trigger entry has trigger events")
}

// A parsed definition's raw values share no memory with the caller's
// buffer, and an append to one of them writes over no other.
func TestParsedRawValuesAreTheirOwn(t *testing.T) {
	data := []byte(`{"states":[{"name":"a","type":"say-play","properties":{"say":"hi","loop":2}}]}`)
	d, err := flow.Parse(data)
	require.NoError(t, err)
	for i := range data {
		data[i] = ' '
	}
	props := d.States[0].Properties
	assert.Equal(t, `"hi"`, string(props["say"]))
	_ = append(props["say"], "XXXXXXXX"...)
	assert.Equal(t, `2`, string(props["loop"]))
	assert.Equal(t, `"hi"`, string(props["say"]))
}

// The vendor a host declared survives Flow JSON: a Connect definition
// stored and read back still follows Connect's rules. A "vendor" the
// library does not know is an unknown key like any other.
func TestTheVendorSurvivesFlowJSON(t *testing.T) {
	d, err := flow.Parse([]byte(`{"description":"x","initial_state":"a","states":[]}`))
	require.NoError(t, err)
	d.Vendor = flow.VendorConnect
	data, err := flow.Marshal(d)
	require.NoError(t, err)
	assert.Contains(t, string(data), `"vendor":"connect"`)
	back, err := flow.Parse(data)
	require.NoError(t, err)
	assert.Equal(t, flow.VendorConnect, back.Vendor)
	assert.NotContains(t, back.Extra, "vendor")

	odd, err := flow.Parse([]byte(`{"description":"x","initial_state":"a","states":[],"vendor":"genesys"}`))
	require.NoError(t, err)
	assert.Equal(t, flow.Vendor(""), odd.Vendor)
	assert.JSONEq(t, `"genesys"`, string(odd.Extra["vendor"]))
}
