package module_test

import (
	"fmt"

	"github.com/studioflow/studioflow/flow"
	"github.com/studioflow/studioflow/module"
)

// A module's contract is read from its definition; a flow's run-module step
// is checked against it, and a new version is compared for what it breaks.
func Example() {
	v1, _ := flow.Parse([]byte(`{"description": "Holiday check", "initial_state": "Begin", "states": [
	  {"name": "Begin", "type": "begin-module", "transitions": [{"event": "next", "next": "open"}],
	   "properties": {"arguments": [{"name": "dnis", "type": "String", "variable": "dnis"}]}},
	  {"name": "open", "type": "return-to-flow", "transitions": [], "properties": {"exit": "open"}},
	  {"name": "closed", "type": "end-flow", "transitions": [], "properties": {}}]}`))
	user, _ := flow.Parse([]byte(`{"description": "Sales", "initial_state": "Trigger", "states": [
	  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingCall", "next": "holiday"}], "properties": {}},
	  {"name": "holiday", "type": "run-module", "transitions": [{"event": "open"}, {"event": "failed"}],
	   "properties": {"module": "Holiday check", "arguments": [{"name": "dnis", "value": "{{trigger.call.To}}"}]}}]}`))

	contract, _ := module.ContractOf(v1)
	fmt.Println("arguments:", contract.Arguments[0].Name, contract.Arguments[0].Type, "exits:", contract.Exits)

	lookup := func(name string) (*flow.Definition, bool) { return v1, name == "Holiday check" }
	fmt.Println("problems:", len(module.Checker(lookup).Check(user)))

	// Version 2 renames its exit and adds a required argument.
	v2, _ := flow.Parse([]byte(`{"description": "Holiday check", "initial_state": "Begin", "states": [
	  {"name": "Begin", "type": "begin-module", "transitions": [{"event": "next", "next": "open"}],
	   "properties": {"arguments": [{"name": "dnis", "type": "String", "variable": "dnis"}, {"name": "tz", "type": "String", "variable": "tz"}]}},
	  {"name": "open", "type": "return-to-flow", "transitions": [], "properties": {"exit": "business_hours"}}]}`))
	next, _ := module.ContractOf(v2)
	for _, b := range module.Breaks("Holiday check", contract, next, user, "flow Sales") {
		fmt.Println(b)
	}
	// Output:
	// arguments: dnis String exits: [open]
	// problems: 0
	// flow Sales, state "holiday": exit "open" is removed, and the step wires it
	// flow Sales, state "holiday": argument "tz" (String) is new and required, and the step does not give it
}
