package connect_test

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/studioflow/studioflow/flow/connect"
)

// FuzzParse: whatever the input, Parse neither panics nor accepts what
// Marshal cannot write back; what it accepts is written back equal as
// JSON (Content parsed), and read and written again to the same bytes.
func FuzzParse(f *testing.F) {
	f.Add([]byte(menu))
	f.Add([]byte(`{"Name": "x", "Content": "{\"StartAction\": \"a\", \"Actions\": [{\"Identifier\": \"a\", \"Type\": \"Wait\"}]}"}`))
	f.Add([]byte(`{"ContactFlowModule": {"Content": "{\"StartAction\": \"a\", \"Actions\": []}"}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := connect.Parse(data)
		if err != nil {
			return
		}
		out, err := connect.Marshal(d)
		if err != nil {
			t.Fatalf("Marshal of a parsed document: %v", err)
		}
		if !jsonEqual(data, out) {
			t.Fatalf("written back differently:\n%s\n%s", data, out)
		}
		d2, err := connect.Parse(out)
		if err != nil {
			t.Fatalf("what Marshal wrote does not parse: %v\n%s", err, out)
		}
		again, err := connect.Marshal(d2)
		if err != nil || string(again) != string(out) {
			t.Fatalf("written again differently: %v\n%s\n%s", err, out, again)
		}
	})
}

// jsonEqual compares two documents as JSON, Content strings parsed.
func jsonEqual(a, b []byte) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	return reflect.DeepEqual(contentParsed(x), contentParsed(y))
}

func contentParsed(v any) any {
	m, ok := v.(map[string]any)
	if !ok {
		return v
	}
	for k, x := range m {
		if s, ok := x.(string); ok && k == "Content" {
			var inner any
			if json.Unmarshal([]byte(s), &inner) == nil {
				m[k] = inner
			}
			continue
		}
		m[k] = contentParsed(x)
	}
	return m
}
