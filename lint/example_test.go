package lint_test

import (
	"fmt"

	"github.com/studioflow/studioflow/flow"
	"github.com/studioflow/studioflow/lint"
)

// Lint a small IVR: the greeting reads a widget that runs only later,
// the menu a variable nothing sets, the fetch a placeholder left.
func Example() {
	const src = `{"description": "IVR", "initial_state": "Trigger", "states": [
  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingCall", "next": "greet"}], "properties": {}},
  {"name": "greet", "type": "say-play", "transitions": [{"event": "audioComplete", "next": "menu"}],
   "properties": {"say": "Welcome back {{widgets.menu.Digits}}"}},
  {"name": "menu", "type": "gather-input-on-call",
   "transitions": [{"event": "keypress", "next": "fetch"}, {"event": "speech", "next": "fetch"}, {"event": "timeout", "next": "fetch"}],
   "properties": {"say": "Hello {{flow.variables.name}}, press a key."}},
  {"name": "fetch", "type": "make-http-request", "transitions": [{"event": "success"}, {"event": "failed"}],
   "properties": {"method": "GET", "url": "https://${API_HOST}/x?d={{widgets.menu.Digits}}"}}]}`
	d, err := flow.Parse([]byte(src))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, p := range lint.Check(d) {
		fmt.Println(p.Severity, p.Path, p.Code)
	}
	fmt.Println(lint.Check(d, lint.Strict()).HasErrors())
	// Output:
	// warning #/states/1/properties/say lint.widget_not_before
	// warning #/states/2/properties/say lint.variable_unset
	// warning #/states/3/properties/url lint.placeholder
	// true
}
