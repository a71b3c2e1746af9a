package flow_test

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/studioflow/studioflow/flow"
)

// FuzzParse checks the round trip on any input Parse accepts: writing the
// definition and reading it back gives an equal definition, and writing that
// again gives the same bytes.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("..", "..", "shared", "testdata", "twilio", "*.json"))
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, seed := range []string{
		`{}`,
		`{"description":"x","initial_state":"Trigger","states":[{"name":"Trigger","type":"trigger","transitions":[{"event":"incomingCall","next":"a"}],"properties":{"offset":{"x":0,"y":0}}},{"name":"a","type":"say-play","transitions":[],"properties":{"say":"<b>&</b>","loop":"2"}}],"flags":{"allow_concurrent_calls":"true","x":1}}`,
		`{"states":[{"name":"s","type":"split-based-on","transitions":[{"event":"match","next":"s","conditions":[{"friendly_name":"f","arguments":["{{a}}"],"type":"equal_to","value":12,"extra":[1,2]}],"z":null}],"q":{"a":1}}],"exposed_variables":[],"zz":"\u2028"}`,
		`{"flags":null,"states":null,"exposed_variables":null,"description":null}`,
		`{"states":[{"transitions":null,"properties":null}],"flags":{}}`,
		`{"name":1,"n\u0061me":"a","states":[{"name":1,"name":"a","type":"say-play"}],"description":"\ud800\u2028<&>"}`,
		"{\"x\xff\":\"\xfe\",\"states\":[{\"name\":\"\xc3\",\"properties\":{\"k\":\"\xff\"}}]}",
		`{"states":[{"transitions":[{"conditions":[{"arguments":[null,"a"],"value":-1.5e3},{"value":null,"arguments":[]}]}]}]}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		first, err := flow.Parse(data)
		if err != nil {
			return
		}
		out1, err := flow.Marshal(first)
		if err != nil {
			t.Fatalf("Marshal of a parsed definition failed: %v", err)
		}
		second, err := flow.Parse(out1)
		if err != nil {
			t.Fatalf("Parse of our own output failed: %v\ninput: %q\noutput: %q", err, data, out1)
		}
		if !reflect.DeepEqual(first, second) {
			t.Fatalf("re-read differs\ninput: %q\nfirst:  %#v\nsecond: %#v", data, first, second)
		}
		out2, err := flow.Marshal(second)
		if err != nil {
			t.Fatalf("second Marshal failed: %v", err)
		}
		if !bytes.Equal(out1, out2) {
			t.Fatalf("second write differs\ninput: %q\nout1: %q\nout2: %q", data, out1, out2)
		}
	})
}
