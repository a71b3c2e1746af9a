package main

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studioflow/studioflow/runtime"
)

// TestReminderExampleTranscript pins the whole transcript: the reply wait,
// the 409 on a second start, replies resuming the same execution (also
// inside the subflow) and the subflow's variable coming back.
func TestReminderExampleTranscript(t *testing.T) {
	var out strings.Builder
	// A fixed clock: the transcript must not depend on when the test runs.
	clock := runtime.NewFixedClock(time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC))
	require.NoError(t, run(&out, clock.Now))
	assert.Equal(t, want, out.String())
}

const want = `POST /Flows/FWreminder/Executions (To=patient, Parameters={first_name, date})
  messaging.send to=+15551234567 "Hi Ada, you have an appointment on 3 December at 10:00. Reply YES to confirm or NO to cancel."
  execution FN00000001 waits at "ask" for [incomingMessage timeout deliveryFailure]
POST the same again while it is active:
  409 conflict: execution FN00000001 is active for this contact
patient texts "maybe"
  messaging.send to=+15551234567 "Hi Ada, you have an appointment on 3 December at 10:00. Reply YES to confirm or NO to cancel."
  same execution FN00000001, now waiting in the flow at "ask"
patient texts "Yes"
  messaging.send to=+15551234567 "Ada, how would you rate booking with us, 1 to 5?"
  same execution FN00000001, now waiting in subflow FWsurvey at "rate"
patient texts " 5 "
  messaging.send to=+15551234567 "Thanks Ada, see you on 3 December at 10:00. You rated us 5/5."
execution FN00000001 ended; steps:
  incomingRequest Trigger   -> ask
  incomingMessage ask       -> answer
  noMatch         answer    -> ask
  incomingMessage ask       -> answer
  match           answer    -> feedback
  incomingParent  Trigger   -> rate [subflow:FWsurvey]
  incomingMessage rate      -> keep [subflow:FWsurvey]
  next            keep      -> Ended [subflow:FWsurvey]
  completed       feedback  -> confirmed
  sent            confirmed -> Ended
POST again now that it has ended:
  new execution FN00000002
`
