package main

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studioflow/studioflow/runtime"
)

// TestSMSExampleTranscript pins the whole transcript: role checks, every
// module exit, the failed path of an argument that does not convert, and
// the module used from a second flow of another type.
func TestSMSExampleTranscript(t *testing.T) {
	var out strings.Builder
	// A fixed clock: the transcript must not depend on when the test runs.
	clock := runtime.NewFixedClock(time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC))
	require.NoError(t, run(&out, clock.Now))
	assert.Equal(t, want, out.String())
}

const want = `flo may not publish modules: version: forbidden: actor "flo" may not create a module
mo published module "Send SMS"
flo published flow "Password reset"
flo published flow "Bank balance"

password reset for an opted-in customer:
  messaging.send to=+351912345678 "Your password reset code is 482913."
  the module returned through exit "sent"
  flow variables: map[result:code sent as SM00000001 sms_sid:SM00000001]

password reset for a customer without SMS opt-in:
  the module returned through exit "not_opted_in"
  flow variables: map[result:not sent (not_opted_in): the customer has not opted in to SMS sms_problem:the customer has not opted in to SMS]

password reset with a malformed number:
  the module returned through exit "invalid_number"
  flow variables: map[result:not sent (invalid_number): 912345678 is not an E.164 number sms_problem:912345678 is not an E.164 number]

password reset with an opt-in flag that is not a Boolean:
  the run-module step failed: module argument "opted_in": "perhaps" is not a Boolean (true or false)
  flow variables: map[result:not sent (failed): module argument "opted_in": "perhaps" is not a Boolean (true or false)]

a call to the bank-balance line:
  messaging.send to=+447700900123 "Your balance is 1,024.00 EUR."
  voice.say "We have texted your balance to you."
  the module returned through exit "sent"
  flow variables: map[sms_sid:SM00000002]
`
