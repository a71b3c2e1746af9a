package connect_test

import (
	"context"
	"fmt"

	fconnect "github.com/studioflow/studioflow/flow/connect"
	"github.com/studioflow/studioflow/runtime/sim"
	"github.com/studioflow/studioflow/widgets/fake"
)

// A Connect flow, as the console exports it, runs in the simulator: a
// Lambda function looks the caller up, a menu asks for one key, and the
// caller's choice is kept as a contact attribute the goodbye reads.
func Example() {
	export := []byte(`{"Version": "2019-10-30", "StartAction": "Lookup", "Actions": [
	 {"Identifier": "Lookup", "Type": "InvokeLambdaFunction",
	  "Parameters": {"LambdaFunctionARN": "arn:aws:lambda:eu-west-1:123456789012:function:crm", "InvocationTimeLimitSeconds": "3"},
	  "Transitions": {"NextAction": "Menu", "Errors": [{"NextAction": "Menu", "ErrorType": "NoMatchingError"}]}},
	 {"Identifier": "Menu", "Type": "GetParticipantInput",
	  "Parameters": {"Text": "Hello $.External.name. Press 1 for sales, 2 for support.", "StoreInput": "False", "InputTimeLimitSeconds": "5"},
	  "Transitions": {"NextAction": "Bye", "Conditions": [
	    {"NextAction": "Sales", "Condition": {"Operator": "Equals", "Operands": ["1"]}},
	    {"NextAction": "Support", "Condition": {"Operator": "Equals", "Operands": ["2"]}}],
	   "Errors": [{"NextAction": "Bye", "ErrorType": "NoMatchingCondition"}, {"NextAction": "Bye", "ErrorType": "InputTimeLimitExceeded"}]}},
	 {"Identifier": "Sales", "Type": "UpdateContactAttributes", "Parameters": {"Attributes": {"team": "sales"}},
	  "Transitions": {"NextAction": "Bye", "Errors": [{"NextAction": "Bye", "ErrorType": "NoMatchingError"}]}},
	 {"Identifier": "Support", "Type": "UpdateContactAttributes", "Parameters": {"Attributes": {"team": "support"}},
	  "Transitions": {"NextAction": "Bye", "Errors": [{"NextAction": "Bye", "ErrorType": "NoMatchingError"}]}},
	 {"Identifier": "Bye", "Type": "MessageParticipant", "Parameters": {"Text": "Connecting you to $.Attributes.team."},
	  "Transitions": {"NextAction": "Hangup"}},
	 {"Identifier": "Hangup", "Type": "DisconnectParticipant", "Parameters": {}, "Transitions": {}}]}`)
	d, err := fconnect.Parse(export)
	if err != nil {
		panic(err)
	}
	s := sim.New(sim.WithFlow("main", d), sim.WithFakes(func(f *fake.Fakes) {
		f.ContactCenter.Answer("InvokeLambdaFunction", "crm", map[string]any{"name": "Ada"})
	}))
	run, err := s.Run(context.Background(), sim.Start{Channel: "VOICE"}, sim.Script{sim.Press("2")})
	if err != nil {
		panic(err)
	}
	for _, line := range run.Lines() {
		fmt.Println(line)
	}
	fmt.Println(run.Status(), run.Path())
	// Output:
	// contactcenter.InvokeLambdaFunction "arn:aws:lambda:eu-west-1:123456789012:function:crm"
	// voice.gather.say "Hello Ada. Press 1 for sales, 2 for support."
	// caller.press "2"
	// voice.say "Connecting you to support."
	// voice.hangup
	// ended [Lookup Menu Support Bye Hangup]
}
