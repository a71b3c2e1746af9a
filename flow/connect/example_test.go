package connect_test

import (
	"fmt"

	"github.com/studioflow/studioflow/flow/connect"
)

// Import a Connect flow, edit it through the flow package's API, and
// write it back as Connect's document.
func ExampleParse() {
	d, err := connect.Parse([]byte(`{"Version": "2019-10-30", "StartAction": "hello",
	  "Actions": [
	    {"Identifier": "hello", "Type": "MessageParticipant", "Parameters": {"Text": "Hello"},
	     "Transitions": {"NextAction": "bye", "Errors": [{"NextAction": "bye", "ErrorType": "NoMatchingError"}]}},
	    {"Identifier": "bye", "Type": "DisconnectParticipant", "Parameters": {}, "Transitions": {}}]}`))
	if err != nil {
		panic(err)
	}
	for _, s := range d.States {
		fmt.Println(s.Name, s.Type, s.Transitions)
	}
	if err := d.RenameState("bye", "goodbye"); err != nil {
		panic(err)
	}
	out, err := connect.Marshal(d)
	if err != nil {
		panic(err)
	}
	fmt.Println(string(out))
	// Output:
	// hello MessageParticipant [{NextAction bye [] map[]} {NoMatchingError bye [] map[]}]
	// bye DisconnectParticipant []
	// {"Version":"2019-10-30","StartAction":"hello","Actions":[{"Parameters":{"Text":"Hello"},"Identifier":"hello","Type":"MessageParticipant","Transitions":{"NextAction":"goodbye","Errors":[{"NextAction":"goodbye","ErrorType":"NoMatchingError"}]}},{"Parameters":{},"Identifier":"goodbye","Type":"DisconnectParticipant","Transitions":{}}]}
}
