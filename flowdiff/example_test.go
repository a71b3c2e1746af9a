package flowdiff_test

import (
	"encoding/json"
	"fmt"

	"github.com/studioflow/studioflow/flow"
	"github.com/studioflow/studioflow/flowdiff"
)

func Example() {
	old, _ := flow.Parse([]byte(`{
	  "description": "Main IVR", "initial_state": "Trigger",
	  "states": [
	    {"name": "Trigger", "type": "trigger",
	     "transitions": [{"event": "incomingCall", "next": "greet"}],
	     "properties": {"offset": {"x": 0, "y": 0}}},
	    {"name": "greet", "type": "say-play",
	     "transitions": [{"event": "audioComplete", "next": "bye"}],
	     "properties": {"say": "Hello {{trigger.call.From}}", "offset": {"x": 0, "y": 200}}},
	    {"name": "bye", "type": "say-play", "transitions": [{"event": "audioComplete"}],
	     "properties": {"say": "Goodbye."}}]}`))

	new := old.Clone()
	_ = new.RenameState("greet", "welcome")
	w := new.State("welcome")
	_ = w.SetProperty("say", "Hi {{trigger.call.From}}")
	_ = w.SetProperty("offset", map[string]int{"x": 40, "y": 240}) // canvas only: ignored

	c := flowdiff.Diff(old, new)
	fmt.Print(c.Text())
	out, _ := json.Marshal(c.List[0])
	fmt.Println(string(out))
	// Output:
	// > state "greet" renamed to "welcome"
	// ~ state "welcome": property say: "Hello {{trigger.call.From}}" -> "Hi {{trigger.call.From}}"
	// {"kind":"state-renamed","state":"welcome","old_name":"greet","similarity":0.67}
}
