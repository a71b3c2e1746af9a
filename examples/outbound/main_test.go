package main

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studioflow/studioflow/runtime"
)

func TestOutboundExampleTranscript(t *testing.T) {
	var out strings.Builder
	// A fixed clock: the transcript must not depend on when the test runs.
	clock := runtime.NewFixedClock(time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC))
	require.NoError(t, run(&out, clock.Now))
	want := `flow "Installation problem callback (API request)" passes the check call (0 problems)

POST /flows/FWcallback/interactions {contact_1: +15551112222, contact_2: +15557770000}
  voice.call to=+15551112222
  host reports answered on "dial_customer"
  voice.say "Thank you for reaching out to us. Your call will be redirected to the agent responsible for your installation."
  voice.connect to=+15557770000
  host reports completed on "call_agent"
  messaging.send to=+15551112222 "How did we do? Reply 1-5."
  step incomingRequest Trigger         -> dial_customer
  step answered      dial_customer   -> announce_agent
  step audioComplete announce_agent  -> call_agent
  step completed     call_agent      -> survey
  step sent          survey          -> stop
  step end           stop            -> Ended
  execution FN00000001 ended

POST /flows/FWcallback/interactions {contact_1: +15553334444, contact_2: +15557770000}
  voice.call to=+15553334444
  host reports busy on "dial_customer"
  step incomingRequest Trigger         -> dial_customer
  step busy          dial_customer   -> stop
  step end           stop            -> Ended
  execution FN00000002 ended
`
	assert.Equal(t, want, out.String())
}
