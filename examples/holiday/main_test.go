package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestHolidayExampleTranscript pins the whole transcript: Christmas closes
// both lines, New Year's Day does not until module r3 makes it a holiday.
func TestHolidayExampleTranscript(t *testing.T) {
	var out strings.Builder
	require.NoError(t, run(&out))
	assert.Equal(t, want, out.String())
}

const want = `published module "Holiday check" r1
published flow "sales line" r1
published flow "support line" r1

Friday 25 December 2026:
  call to the sales line:
    voice.say "Happy holidays! The sales line is closed today."
    voice.hangup
    step incomingCall  Trigger   -> holiday
    step next          Begin     -> calendar [module:Holiday check]
    step christmas     calendar  -> remember [module:Holiday check]
    step next          remember  -> greeting [module:Holiday check]
    step audioComplete greeting  -> hang_up [module:Holiday check]
    step end           hang_up   -> Ended [module:Holiday check]
  call to the support line:
    voice.say "Happy holidays! The support line is closed today."
    voice.hangup
    step incomingCall  Trigger   -> holiday
    step next          Begin     -> calendar [module:Holiday check]
    step christmas     calendar  -> remember [module:Holiday check]
    step next          remember  -> greeting [module:Holiday check]
    step audioComplete greeting  -> hang_up [module:Holiday check]
    step end           hang_up   -> Ended [module:Holiday check]

Friday 1 January 2027:
  call to the sales line:
    voice.say "Welcome to sales. Today is 2027-01-01."
    step incomingCall  Trigger   -> holiday
    step next          Begin     -> calendar [module:Holiday check]
    step noMatch       calendar  -> open [module:Holiday check]
    step open          open      -> Ended [module:Holiday check]
    step open          holiday   -> welcome
    step audioComplete welcome   -> Ended
  call to the support line:
    voice.say "Welcome to support. Today is 2027-01-01."
    step incomingCall  Trigger   -> holiday
    step next          Begin     -> calendar [module:Holiday check]
    step noMatch       calendar  -> open [module:Holiday check]
    step open          open      -> Ended [module:Holiday check]
    step open          holiday   -> welcome
    step audioComplete welcome   -> Ended

published module "Holiday check" r3: New Year's Day is a holiday too

Friday 1 January 2027:
  call to the sales line:
    voice.say "Happy holidays! The sales line is closed today."
    voice.hangup
    step incomingCall  Trigger   -> holiday
    step next          Begin     -> calendar [module:Holiday check]
    step new_year      calendar  -> remember [module:Holiday check]
    step next          remember  -> greeting [module:Holiday check]
    step audioComplete greeting  -> hang_up [module:Holiday check]
    step end           hang_up   -> Ended [module:Holiday check]
  call to the support line:
    voice.say "Happy holidays! The support line is closed today."
    voice.hangup
    step incomingCall  Trigger   -> holiday
    step next          Begin     -> calendar [module:Holiday check]
    step new_year      calendar  -> remember [module:Holiday check]
    step next          remember  -> greeting [module:Holiday check]
    step audioComplete greeting  -> hang_up [module:Holiday check]
    step end           hang_up   -> Ended [module:Holiday check]
`
