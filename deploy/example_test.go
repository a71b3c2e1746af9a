package deploy_test

import (
	"errors"
	"fmt"
	"strings"

	"github.com/studioflow/studioflow/deploy"
	"github.com/studioflow/studioflow/flow"
)

// Fill a flow for one environment: a placeholder by name, a function sid
// mapped inside a URL. Then refuse a flow with a placeholder left.
func Example() {
	const src = `{"description": "Support", "initial_state": "Trigger", "states": [
  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingCall", "next": "queue"}], "properties": {}},
  {"name": "queue", "type": "send-to-flex", "transitions": [],
   "properties": {"workflow": "${WORKFLOW_SID}", "channel": "${VOICE_CHANNEL_SID}",
                  "waitUrl": "https://acme.example/ZS0123456789abcdef0123456789abcdef/wait"}}]}`
	d, err := flow.Parse([]byte(src))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, p := range deploy.Placeholders(d) {
		fmt.Println(p.Path, p.Name)
	}

	vars, err := deploy.ReadVars(strings.NewReader(`{
  "values": {"WORKFLOW_SID": "WW11111111111111111111111111111111", "VOICE_CHANNEL_SID": "TC22222222222222222222222222222222"},
  "ids": {"ZS0123456789abcdef0123456789abcdef": "ZSfedcba9876543210fedcba9876543210"}}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	filled, err := deploy.Fill(d, vars)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(string(filled.States[1].Properties["waitUrl"]))
	fmt.Println(string(filled.States[1].Properties["workflow"]))

	_, err = deploy.Fill(d, &deploy.Vars{Values: map[string]string{"WORKFLOW_SID": "WW1"}})
	var unfilled *deploy.UnfilledError
	fmt.Println(errors.As(err, &unfilled))
	fmt.Println(err)
	// Output:
	// #/states/1/properties/channel VOICE_CHANNEL_SID
	// #/states/1/properties/workflow WORKFLOW_SID
	// "https://acme.example/ZSfedcba9876543210fedcba9876543210/wait"
	// "WW11111111111111111111111111111111"
	// true
	// deploy: 1 placeholder(s) left unfilled:
	//   #/states/1/properties/channel: ${VOICE_CHANNEL_SID} (state "queue")
}

// Review a deployment: what the environment's file gives and the flow does
// not use (often a typo), and every string the fill changed.
func ExampleRewrites() {
	d, err := flow.Parse([]byte(`{"description": "Lookup", "initial_state": "Trigger", "states": [
  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingRequest", "next": "fetch"}], "properties": {}},
  {"name": "fetch", "type": "make-http-request", "transitions": [{"event": "success"}, {"event": "failed"}],
   "properties": {"method": "GET", "url": "https://${API_HOST}/v1/lookup"}}]}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	vars := &deploy.Vars{Values: map[string]string{"API_HOST": "api.staging.example", "API_HOTS": "typo"}}
	values, ids := vars.Unused(d)
	fmt.Println("unused:", values, ids)
	filled, err := deploy.Fill(d, vars)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, r := range deploy.Rewrites(d, filled) {
		fmt.Printf("%s (%s): %s -> %s\n", r.Path, r.State, r.Before, r.After)
	}
	// Output:
	// unused: [API_HOTS] []
	// #/states/1/properties/url (fetch): https://${API_HOST}/v1/lookup -> https://api.staging.example/v1/lookup
}
