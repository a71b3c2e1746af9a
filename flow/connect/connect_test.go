package connect_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studioflow/studioflow/deploy"
	"github.com/studioflow/studioflow/flow"
	"github.com/studioflow/studioflow/flow/connect"
)

// asJSON decodes a document for comparison, Content strings (a resource
// description's document) decoded too.
func asJSON(t *testing.T, data []byte) any {
	t.Helper()
	var v any
	require.NoError(t, json.Unmarshal(data, &v))
	return contentParsed(v)
}

// Every real Connect export imports, and exports back to an equal
// document.
func TestRealExportsRoundTrip(t *testing.T) {
	for name, data := range realExports(t) {
		require.True(t, connect.Detect(data), name)
		d, err := connect.Parse(data)
		require.NoError(t, err, name)
		assert.Equal(t, flow.VendorConnect, d.Vendor, name)
		assert.NotEmpty(t, d.States, name)
		assert.NotNil(t, d.State(d.InitialState), "%s: the start action is a state", name)
		out, err := connect.Marshal(d)
		require.NoError(t, err, name)
		assert.Equal(t, asJSON(t, data), asJSON(t, out), name)
		// Written again, the same bytes.
		d2, err := connect.Parse(out)
		require.NoError(t, err, name)
		again, err := connect.Marshal(d2)
		require.NoError(t, err, name)
		assert.Equal(t, string(out), string(again), name)
	}
}

// menu is a small Connect flow: a prompt, a DTMF menu with a condition
// and its errors, and two ends, with the canvas metadata Connect writes.
const menu = `{"Version": "2019-10-30", "StartAction": "greet",
  "Metadata": {"entryPointPosition": {"x": 40, "y": 40}, "ActionMetadata": {
    "greet": {"position": {"x": 150, "y": 40}}, "menu": {"position": {"x": 400, "y": 40}, "conditionMetadata": [{"id": "c1", "value": "1"}]},
    "sales": {"position": {"x": 700, "y": 40}}, "bye": {"position": {"x": 700, "y": 300}}}},
  "Actions": [
    {"Identifier": "greet", "Type": "MessageParticipant", "Parameters": {"Text": "Hello $.CustomerEndpoint.Address"},
     "Transitions": {"NextAction": "menu", "Errors": [{"NextAction": "bye", "ErrorType": "NoMatchingError"}]}},
    {"Identifier": "menu", "Type": "GetParticipantInput", "Parameters": {"Text": "Press 1 for sales.", "StoreInput": "False", "InputTimeLimitSeconds": "5"},
     "Transitions": {"NextAction": "bye", "Conditions": [{"NextAction": "sales", "Condition": {"Operator": "Equals", "Operands": ["1"]}}],
       "Errors": [{"NextAction": "bye", "ErrorType": "InputTimeLimitExceeded"}, {"NextAction": "bye", "ErrorType": "NoMatchingCondition"}, {"NextAction": "bye", "ErrorType": "NoMatchingError"}]}},
    {"Identifier": "sales", "Type": "TransferContactToQueue", "Parameters": null, "Transitions": {"NextAction": "bye", "Errors": [{"NextAction": "bye", "ErrorType": "QueueAtCapacity"}]}},
    {"Identifier": "bye", "Type": "DisconnectParticipant", "Parameters": {}, "Transitions": {}}]}`

// The mapping the library's API edits: states, their properties, and
// transitions with Connect's events.
func TestAnImportIsAGraph(t *testing.T) {
	d, err := connect.Parse([]byte(menu))
	require.NoError(t, err)
	assert.Equal(t, "greet", d.InitialState)
	m := d.State("menu")
	require.NotNil(t, m)
	assert.Equal(t, "GetParticipantInput", m.Type)
	var text string
	ok, err := m.Property("Text", &text)
	require.True(t, ok)
	require.NoError(t, err)
	assert.Equal(t, "Press 1 for sales.", text)
	var events []string
	for _, tr := range m.Transitions {
		events = append(events, tr.Event+"->"+tr.Next)
	}
	assert.Equal(t, []string{"NextAction->bye", "Condition->sales", "InputTimeLimitExceeded->bye", "NoMatchingCondition->bye", "NoMatchingError->bye"}, events)
	assert.JSONEq(t, `{"Operator": "Equals", "Operands": ["1"]}`, string(m.Transitions[1].Extra["Condition"]))
	var greet string
	_, _ = d.State("greet").Property("Text", &greet)
	assert.Equal(t, "Hello $.CustomerEndpoint.Address", greet, "Connect's references are kept as written")
}

// An import, edits through the flow package's API, and an export give
// the document a person making those edits in Connect would get: a state
// renamed (its references and canvas place follow), a prompt changed, a
// transition rewired.
func TestAnEditedRoundTrip(t *testing.T) {
	d, err := connect.Parse([]byte(menu))
	require.NoError(t, err)
	require.NoError(t, d.RenameState("menu", "main menu"))
	require.NoError(t, d.State("greet").SetProperty("Text", "Welcome to Acme."))
	d.State("sales").Transitions[1].Next = "greet" // a full queue starts over
	out, err := connect.Marshal(d)
	require.NoError(t, err)

	want := strings.NewReplacer(
		`"StartAction": "greet"`, `"StartAction": "greet"`,
		`"menu": {"position"`, `"main menu": {"position"`,
		`"Identifier": "menu"`, `"Identifier": "main menu"`,
		`"NextAction": "menu"`, `"NextAction": "main menu"`,
		`"Hello $.CustomerEndpoint.Address"`, `"Welcome to Acme."`,
		`{"NextAction": "bye", "ErrorType": "QueueAtCapacity"}`, `{"NextAction": "greet", "ErrorType": "QueueAtCapacity"}`,
	).Replace(menu)
	assert.Equal(t, asJSON(t, []byte(want)), asJSON(t, out))
}

// A resource description keeps its fields around the document, at the
// top level or under ContactFlow, and its Content is the document.
func TestAResourceDescriptionIsKeptAround(t *testing.T) {
	content, err := json.Marshal(menu)
	require.NoError(t, err)
	for _, doc := range []string{
		`{"Name": "Acme main", "Type": "CONTACT_FLOW", "Description": "IVR", "Tags": {"team": "cx"}, "Content": ` + string(content) + `}`,
		`{"ContactFlow": {"Arn": "arn:aws:connect:eu-west-2:1:instance/x/contact-flow/y", "Id": "y", "Name": "Acme main", "Type": "CONTACT_FLOW", "Content": ` + string(content) + `}, "ResponseMetadata": {"RequestId": "r"}}`,
	} {
		d, err := connect.Parse([]byte(doc))
		require.NoError(t, err, doc)
		assert.Equal(t, "Acme main", d.Description)
		assert.Len(t, d.States, 4)
		out, err := connect.Marshal(d)
		require.NoError(t, err)
		assert.Equal(t, asJSON(t, []byte(doc)), asJSON(t, out))
	}
}

// What is not a Connect document is refused, saying what and where.
func TestMalformedDocumentsSayWhatAndWhere(t *testing.T) {
	for name, tt := range map[string]struct{ doc, where string }{
		"not JSON":             {`{"Actions": [`, "#: malformed JSON"},
		"no start":             {`{"Actions": []}`, "#/StartAction: missing"},
		"actions not a list":   {`{"StartAction": "a", "Actions": {}}`, "#/Actions"},
		"an action not object": {`{"StartAction": "a", "Actions": [1]}`, "#/Actions/0"},
		"no identifier":        {`{"StartAction": "a", "Actions": [{"Type": "Wait"}]}`, "#/Actions/0/Identifier: missing"},
		"a type not a string":  {`{"StartAction": "a", "Actions": [{"Identifier": "a", "Type": 3}]}`, "#/Actions/0/Type"},
		"a next not a string":  {`{"StartAction": "a", "Actions": [{"Identifier": "a", "Type": "Wait", "Transitions": {"NextAction": 1}}]}`, "#/Actions/0/Transitions/NextAction"},
		"an error without type": {`{"StartAction": "a", "Actions": [{"Identifier": "a", "Type": "Wait", "Transitions": {"Errors": [{"NextAction": "a"}]}}]}`,
			"#/Actions/0/Transitions/Errors/0"},
		"content not a string":   {`{"Name": "x", "Content": {}}`, "#/Content"},
		"content not a flow":     {`{"Name": "x", "Content": "{\"Actions\": 1, \"StartAction\": \"a\"}"}`, "#/Content/Actions"},
		"neither":                {`{"Name": "x"}`, "#: neither Actions"},
		"ContactFlow not object": {`{"ContactFlow": 3}`, "#/ContactFlow"},
	} {
		_, err := connect.Parse([]byte(tt.doc))
		require.Error(t, err, name)
		assert.ErrorIs(t, err, connect.ErrInvalid, name)
		assert.Contains(t, err.Error(), tt.where, name)
	}
	assert.False(t, connect.Detect([]byte(`{"description": "a Twilio flow", "states": []}`)))
}

// Every real export checks with no errors (flow.Check knows Connect's
// rules: any action may start a flow, identifiers are opaque, an action
// has one transition per condition).
func TestRealExportsCheck(t *testing.T) {
	for name, data := range realExports(t) {
		d, err := connect.Parse(data)
		require.NoError(t, err)
		errs := flow.Check(d).Errors()
		assert.Empty(t, errs, "%s: %v", name, errs)
	}
}

// realExports are the shared real Connect exports by file name; the test
// skips when they are not here.
func realExports(t *testing.T) map[string][]byte {
	t.Helper()
	files, _ := filepath.Glob("../../../shared/testdata/connect/*.json")
	if len(files) == 0 {
		t.Skip("the shared Connect exports are not here (../../../shared/testdata/connect)")
	}
	out := map[string][]byte{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		out[filepath.Base(f)] = data
	}
	return out
}

// A problem flow.Check finds is located in the Connect document.
func TestProblemsAreLocatedInTheDocument(t *testing.T) {
	broken := strings.Replace(menu, `{"NextAction": "bye", "ErrorType": "NoMatchingCondition"}`, `{"NextAction": "nowhere", "ErrorType": "NoMatchingCondition"}`, 1)
	broken = strings.Replace(broken, `"Conditions": [{"NextAction": "sales"`, `"Conditions": [{"NextAction": "sails"`, 1)
	broken = strings.Replace(broken, `"StartAction": "greet"`, `"StartAction": "hello"`, 1)
	d, err := connect.Parse([]byte(broken))
	require.NoError(t, err)
	var where []string
	for _, p := range flow.Check(d).Errors() {
		where = append(where, connect.DocumentPath(d, p.Path))
	}
	assert.ElementsMatch(t, []string{
		"#/StartAction",
		"#/Actions/1/Transitions/Conditions/0/NextAction",
		"#/Actions/1/Transitions/Errors/1/NextAction",
	}, where)

	content, err := json.Marshal(broken)
	require.NoError(t, err)
	d, err = connect.Parse([]byte(`{"ContactFlow": {"Name": "x", "Content": ` + string(content) + `}}`))
	require.NoError(t, err)
	assert.Equal(t, "#/ContactFlow/Content/Actions/1/Transitions/NextAction", connect.DocumentPath(d, "#/states/1/transitions/0/next"))
	assert.Equal(t, "#/ContactFlow/Content/Actions/1/Parameters/Text", connect.DocumentPath(d, "#/states/1/properties/Text"))
	assert.Equal(t, "#/ContactFlow/Content/Actions/0/Identifier", connect.DocumentPath(d, "#/states/0/name"))
	assert.Equal(t, "#/flags", connect.DocumentPath(d, "#/flags"))
}

// Edge cases a lossless round trip must keep: an empty or null
// NextAction, entries of ActionMetadata that no action has, Parameters
// that are not an object, extra keys on conditions and errors.
func TestEdgeCasesRoundTrip(t *testing.T) {
	doc := `{"Version": "2019-10-30", "StartAction": "a",
	  "Metadata": {"ActionMetadata": {"a": {"position": {"x": 1}}, "gone": {"position": {"x": 2}}}},
	  "Actions": [
	    {"Identifier": "a", "Type": "Compare", "Parameters": {"ComparisonValue": "$.Attributes.x"},
	     "Transitions": {"NextAction": "", "Conditions": [{"NextAction": null, "Condition": {"Operator": "Equals", "Operands": ["1"]}, "Note": "kept"}],
	       "Errors": [{"NextAction": "b", "ErrorType": "NoMatchingCondition", "Extra": 1}]}},
	    {"Identifier": "b", "Type": "TransferContactToQueue", "Parameters": ["odd"], "Transitions": null}]}`
	d, err := connect.Parse([]byte(doc))
	require.NoError(t, err)
	out, err := connect.Marshal(d)
	require.NoError(t, err)
	assert.Equal(t, asJSON(t, []byte(doc)), asJSON(t, out))
	// Rewiring an edge whose NextAction was null writes the new one.
	d.State("a").Transitions[1].Next = "b"
	out, err = connect.Marshal(d)
	require.NoError(t, err)
	assert.Contains(t, string(out), `"Conditions":[{"NextAction":"b"`)
}

// Keys this package keeps its own bookkeeping under, and error types that
// name another kind of transition, are refused at import.
func TestReservedNamesAreRefused(t *testing.T) {
	for name, tt := range map[string]struct{ doc, where string }{
		"a document key":            {`{"StartAction": "a", "$studioflow.connect": {}, "Actions": [{"Identifier": "a", "Type": "Wait"}]}`, "#/$studioflow.connect"},
		"an action key":             {`{"StartAction": "a", "Actions": [{"Identifier": "a", "Type": "Wait", "$studioflow.metadata": 1}]}`, "#/Actions/0/$studioflow.metadata"},
		"a transitions key":         {`{"StartAction": "a", "Actions": [{"Identifier": "a", "Type": "Wait", "Transitions": {"$studioflow.x": 1}}]}`, "#/Actions/0/Transitions/$studioflow.x"},
		"ErrorType Condition":       {`{"StartAction": "a", "Actions": [{"Identifier": "a", "Type": "Wait", "Transitions": {"Errors": [{"ErrorType": "Condition"}]}}]}`, "#/Actions/0/Transitions/Errors/0/ErrorType"},
		"ErrorType NextAction":      {`{"StartAction": "a", "Actions": [{"Identifier": "a", "Type": "Wait", "Transitions": {"Errors": [{"ErrorType": "NextAction"}]}}]}`, "#/Actions/0/Transitions/Errors/0/ErrorType"},
		"a condition not an object": {`{"StartAction": "a", "Actions": [{"Identifier": "a", "Type": "Wait", "Transitions": {"Conditions": [1]}}]}`, "#/Actions/0/Transitions/Conditions/0: a JSON number"},
	} {
		_, err := connect.Parse([]byte(tt.doc))
		require.Error(t, err, name)
		assert.ErrorIs(t, err, connect.ErrInvalid, name)
		assert.Contains(t, err.Error(), tt.where, name)
	}
}

// Edits Connect cannot hold are refused by Marshal, not written wrong; any
// other event is written as an error of that type.
func TestMarshalRefusesWhatConnectCannotHold(t *testing.T) {
	parse := func() *flow.Definition {
		d, err := connect.Parse([]byte(menu))
		require.NoError(t, err)
		return d
	}
	for name, edit := range map[string]func(d *flow.Definition){
		"no event":                func(d *flow.Definition) { d.States[0].Transitions[0].Event = "" },
		"a second NextAction":     func(d *flow.Definition) { d.States[0].Transitions[1].Event = connect.EventNext },
		"a condition without one": func(d *flow.Definition) { d.States[1].Transitions[1].Extra = nil },
		"a NextAction with extras": func(d *flow.Definition) {
			d.States[0].Transitions[0].Extra = map[string]json.RawMessage{"Condition": json.RawMessage(`{}`)}
		},
		"a value that is not JSON": func(d *flow.Definition) { d.States[0].Properties["Text"] = json.RawMessage(`{`) },
	} {
		d := parse()
		edit(d)
		_, err := connect.Marshal(d)
		assert.ErrorIs(t, err, connect.ErrInvalid, name)
	}
	d := parse()
	d.States[0].Transitions = append(d.States[0].Transitions, flow.Transition{Event: "InvalidPhoneNumber", Next: "bye"})
	out, err := connect.Marshal(d)
	require.NoError(t, err)
	assert.Contains(t, string(out), `{"NextAction":"bye","ErrorType":"InvalidPhoneNumber"}`)
	assert.Equal(t, "#/Actions/1/Transitions/Errors/0/ErrorType", connect.DocumentPath(parse(), "#/states/1/transitions/2/event"))
}

// A Connect definition kept as Flow JSON (as a catalog stores it) and read
// back is still Connect's: its vendor, flow type and document.
func TestAConnectDefinitionSurvivesFlowJSON(t *testing.T) {
	src := []byte(`{"Name":"q","Type":"CUSTOMER_QUEUE","Content":"{\"Version\":\"2019-10-30\",\"StartAction\":\"a\",\"Metadata\":{\"ActionMetadata\":{\"a\":{\"position\":{\"x\":1,\"y\":2}}}},\"Actions\":[{\"Identifier\":\"a\",\"Type\":\"DisconnectParticipant\",\"Parameters\":{},\"Transitions\":{}}]}"}`)
	d, err := connect.Parse(src)
	require.NoError(t, err)
	stored, err := flow.Marshal(d)
	require.NoError(t, err)
	back, err := flow.Parse(stored)
	require.NoError(t, err)
	assert.Equal(t, flow.VendorConnect, back.Vendor)
	assert.Equal(t, connect.TypeCustomerQueue, connect.FlowType(back))
	out, err := connect.Marshal(back)
	require.NoError(t, err)
	assert.Equal(t, asJSON(t, src), asJSON(t, out))
}

// A flow a Windows editor saved with a UTF-8 byte order mark reads as the
// same flow without.
func TestParseSkipsAByteOrderMark(t *testing.T) {
	want, err := connect.Parse([]byte(menu))
	require.NoError(t, err)
	withMark := append([]byte("\xef\xbb\xbf"), menu...)
	got, err := connect.Parse(withMark)
	require.NoError(t, err)
	assert.Equal(t, want, got)
	assert.True(t, connect.Detect(withMark), "a loader that detects the format sees a Connect document")
}

// A string deploy finds (a ${VAR} placeholder) anywhere in a Connect
// document, under a key this package keeps aside too (an action's
// ActionMetadata entry, its unmodelled keys, the document's own keys,
// the resource description around it), is located by DocumentPath at the
// string that holds it, in the document as written.
func TestPlaceholdersAreLocatedInTheDocument(t *testing.T) {
	doc := `{"Version": "2019-10-30", "StartAction": "a/b~c", "Comment": "${TEAM}",
	  "Metadata": {"entryPointPosition": {"x": 1, "y": 1}, "name": "${FLOW_NAME}", "ActionMetadata": {
	    "a/b~c": {"position": {"x": 2, "y": 2}, "audio": [{"id": "arn:aws:connect:${REGION}:1:instance/i/prompt/p", "type": "Prompt"}]},
	    "orphan": {"note": "${ORPHAN}"}}},
	  "Actions": [
	    {"Identifier": "a/b~c", "Type": "MessageParticipant", "Parameters": {"PromptId": "arn:aws:connect:${REGION}:1:instance/i/prompt/p"},
	     "Owner": "${OWNER}", "Transitions": {"NextAction": "bye", "Errors": [{"NextAction": "bye", "ErrorType": "NoMatchingError"}], "Note": "${NOTE}"}},
	    {"Identifier": "bye", "Type": "DisconnectParticipant", "Parameters": {}, "Transitions": {}}]}`
	content, err := json.Marshal(doc)
	require.NoError(t, err)
	for _, wrapped := range []string{
		doc,
		`{"Name": "${NAME}", "Arn": "arn:${ARN}", "Content": ` + string(content) + `}`,
		`{"ContactFlow": {"Name": "${NAME}", "Content": ` + string(content) + `}, "ResponseMetadata": {"RequestId": "${REQ}"}}`,
	} {
		d, err := connect.Parse([]byte(wrapped))
		require.NoError(t, err)
		found := map[string]bool{}
		for _, s := range deploy.Strings(d) {
			_, name, ok := strings.Cut(s.Value, "${")
			if !ok {
				continue
			}
			name, _, _ = strings.Cut(name, "}")
			where := connect.DocumentPath(d, s.Path)
			got, ok := resolvePointer(t, []byte(wrapped), where)
			if assert.True(t, ok, "%s (from %s) is not a string of the document", where, s.Path) {
				assert.Equal(t, s.Value, got, "at %s", where)
			}
			found[name] = true
		}
		for _, name := range []string{"TEAM", "FLOW_NAME", "REGION", "ORPHAN", "OWNER", "NOTE"} {
			assert.True(t, found[name], "%s not found in %.40s", name, wrapped)
		}
	}
}

// resolvePointer is the string at JSON pointer p of doc, reading a
// "Content" string on the way as the document it holds.
func resolvePointer(t *testing.T, doc []byte, p string) (string, bool) {
	var v any
	require.NoError(t, json.Unmarshal(doc, &v))
	parts := strings.Split(strings.TrimPrefix(p, "#/"), "/")
	for _, part := range parts {
		part = strings.ReplaceAll(strings.ReplaceAll(part, "~1", "/"), "~0", "~")
		if s, ok := v.(string); ok {
			if json.Unmarshal([]byte(s), &v) != nil {
				return "", false
			}
		}
		switch x := v.(type) {
		case map[string]any:
			next, ok := x[part]
			if !ok {
				return "", false
			}
			v = next
		case []any:
			i, err := strconv.Atoi(part)
			if err != nil || i < 0 || i >= len(x) {
				return "", false
			}
			v = x[i]
		default:
			return "", false
		}
	}
	s, ok := v.(string)
	return s, ok
}

// A key written twice in one object is refused, wherever it is, with
// where: encoding/json would keep the last and another reader the first.
func TestARepeatedKeyIsRefused(t *testing.T) {
	for _, c := range []struct{ doc, where, key string }{
		{strings.Replace(menu, `"StartAction": "greet",`, `"StartAction": "greet", "StartAction": "menu",`, 1), "#", "StartAction"},
		{strings.Replace(menu, `{"Identifier": "sales",`, `{"Identifier": "sales", "Identifier": "bye",`, 1), "#/Actions/2", "Identifier"},
		{strings.Replace(menu, `"Operands": ["1"]}`, `"Operands": ["1"], "Operator": "NumberGreaterThan"}`, 1), "#/Actions/1/Transitions/Conditions/0/Condition", "Operator"},
		{strings.Replace(menu, `"greet": {"position": {"x": 150, "y": 40}}`, `"greet": {"position": {"x": 150, "x": 1, "y": 40}}`, 1), "#/Metadata/ActionMetadata/greet/position", "x"},
	} {
		_, err := connect.Parse([]byte(c.doc))
		require.ErrorIs(t, err, connect.ErrInvalid, "%s", c.where)
		assert.Contains(t, err.Error(), c.where+": key \""+c.key+"\" is written twice")

		content, err := json.Marshal(c.doc)
		require.NoError(t, err)
		_, err = connect.Parse([]byte(`{"ContactFlow": {"Name": "x", "Content": ` + string(content) + `}}`))
		require.ErrorIs(t, err, connect.ErrInvalid)
		assert.Contains(t, err.Error(), "#/ContactFlow/Content"+strings.TrimPrefix(c.where, "#")+": key \""+c.key+"\" is written twice")
	}
	_, err := connect.Parse([]byte(`{"ContactFlow": {"Name": "x", "Name": "y", "Content": "{}"}}`))
	require.ErrorIs(t, err, connect.ErrInvalid)
	assert.Contains(t, err.Error(), `#/ContactFlow: key "Name" is written twice`)
	// The same key in two objects is no repetition.
	_, err = connect.Parse([]byte(menu))
	require.NoError(t, err)
}

// A key Flow JSON gives a meaning of its own, where Connect's flow
// language has none, is refused with where: the definition could not
// keep it beside its own field, and its Flow JSON copy (what a version
// catalog stores) would lose it.
func TestFlowJSONKeysAreRefused(t *testing.T) {
	cases := []struct{ doc, where string }{
		{strings.Replace(menu, `"StartAction": "greet",`, `"StartAction": "greet", "states": [],`, 1), "#/states"},
		{strings.Replace(menu, `"StartAction": "greet",`, `"StartAction": "greet", "description": "x",`, 1), "#/description"},
		{strings.Replace(menu, `"StartAction": "greet",`, `"StartAction": "greet", "vendor": "twilio",`, 1), "#/vendor"},
		{strings.Replace(menu, `{"Identifier": "sales",`, `{"Identifier": "sales", "name": "x",`, 1), "#/Actions/2/name"},
		{strings.Replace(menu, `{"Identifier": "sales",`, `{"Identifier": "sales", "properties": {},`, 1), "#/Actions/2/properties"},
		{strings.Replace(menu, `"Operands": ["1"]}}`, `"Operands": ["1"]}, "next": "bye"}`, 1), "#/Actions/1/Transitions/Conditions/0/next"},
		{strings.Replace(menu, `{"NextAction": "bye", "ErrorType": "QueueAtCapacity"}`, `{"NextAction": "bye", "ErrorType": "QueueAtCapacity", "event": "x"}`, 1), "#/Actions/2/Transitions/Errors/0/event"},
	}
	for _, k := range []string{"initial_state", "flags", "exposed_variables"} {
		cases = append(cases, struct{ doc, where string }{strings.Replace(menu, `"StartAction": "greet",`, `"StartAction": "greet", "`+k+`": {},`, 1), "#/" + k})
	}
	for _, k := range []string{"type", "transitions"} {
		cases = append(cases, struct{ doc, where string }{strings.Replace(menu, `{"Identifier": "sales",`, `{"Identifier": "sales", "`+k+`": [],`, 1), "#/Actions/2/" + k})
	}
	cases = append(cases, struct{ doc, where string }{strings.Replace(menu, `"Operands": ["1"]}}`, `"Operands": ["1"]}, "conditions": []}`, 1), "#/Actions/1/Transitions/Conditions/0/conditions"})
	for _, c := range cases {
		require.NotEqual(t, menu, c.doc, c.where)
		_, err := connect.Parse([]byte(c.doc))
		require.ErrorIs(t, err, connect.ErrInvalid, c.where)
		assert.Contains(t, err.Error(), c.where+": not a key of Connect's flow language", c.where)
	}
	// Several at once: the same error every time (the first by name).
	several := strings.Replace(menu, `"StartAction": "greet",`, `"StartAction": "greet", "vendor": "x", "states": [], "description": "x",`, 1)
	for range 20 {
		_, err := connect.Parse([]byte(several))
		require.ErrorIs(t, err, connect.ErrInvalid)
		assert.Contains(t, err.Error(), "#/description: not a key")
	}
	// Connect's own keys of the same letters in another case are kept.
	doc := strings.Replace(menu, `"StartAction": "greet",`, `"StartAction": "greet", "Description": "main menu",`, 1)
	d, err := connect.Parse([]byte(doc))
	require.NoError(t, err)
	out, err := flow.Marshal(d)
	require.NoError(t, err)
	back, err := flow.Parse(out)
	require.NoError(t, err)
	again, err := connect.Marshal(back)
	require.NoError(t, err)
	assert.Equal(t, asJSON(t, []byte(doc)), asJSON(t, again))
}
