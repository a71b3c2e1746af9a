package main

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studioflow/studioflow/runtime"
)

// TestIVRExampleTranscript pins the whole output: the re-prompt after the
// wrong key, the text for support, and the path through the split.
func TestIVRExampleTranscript(t *testing.T) {
	var out strings.Builder
	// A fixed clock: the transcript must not depend on when the test runs.
	clock := runtime.NewFixedClock(time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC))
	require.NoError(t, run(&out, clock.Now))
	assert.Equal(t, want, out.String())
}

const want = `caller presses 7
caller presses 2

what the caller heard and received:
  voice.say "Thanks for calling Acme."
  voice.gather.say "For sales press 1. For support press 2. To hear this again press 9."
  voice.say "Sorry, 7 is not an option."
  voice.gather.say "For sales press 1. For support press 2. To hear this again press 9."
  messaging.send to=+15551230000 "Acme support: https://acme.example/help"
  voice.say "We have texted you a link to our help pages. Goodbye."

steps:
  incomingCall   Trigger      -> greet
  audioComplete  greet        -> menu
  keypress       menu         -> route
  noMatch        route        -> invalid
  audioComplete  invalid      -> menu
  keypress       menu         -> route
  match          route        -> support_sms
  sent           support_sms  -> support_bye
  audioComplete  support_bye  -> Ended

execution FN00000001: ended
`
