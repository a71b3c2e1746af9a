package connect_test

import (
	"testing"

	"github.com/studioflow/studioflow/flow/connect"
)

// FuzzParse: whatever the input, Parse neither panics nor accepts what
// Marshal cannot write back; what it accepts is written, read and
// written again to the same bytes.
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
