package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestIVRExampleTranscript(t *testing.T) {
	var out strings.Builder
	require.NoError(t, run(&out))
	got := out.String()
	for _, want := range []string{
		`voice.say "Thanks for calling Acme."`,
		`voice.gather.say "For sales press 1. For support press 2. To hear this again press 9."`,
		`voice.say "Sorry, 7 is not an option."`,
		`messaging.send to=+15551230000 "Acme support: https://acme.example/help"`,
		`voice.say "We have texted you a link to our help pages. Goodbye."`,
		"match          route        -> support_sms",
		"execution FN00000001: ended",
	} {
		assert.Contains(t, got, want)
	}
}
