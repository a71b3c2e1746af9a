package twilio

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/twilio/twilio-go/twiml"

	"github.com/studioflow/studioflow/widgets"
)

// <Say>'s voice is one TwiML knows: Studio's and Twilio's names as they
// are, an Amazon Connect flow's bare Polly voice id as Polly's, and
// Studio's "default" (or none) left out for Twilio's default voice.
func TestSayVoicesAreTwilios(t *testing.T) {
	for voice, want := range map[string]string{
		"": "", "default": "", "Default": "",
		"man": "man", "woman": "woman", "alice": "alice",
		"Polly.Amy": "Polly.Amy", "Polly.Joanna-Neural": "Polly.Joanna-Neural", "Google.en-US-Standard-C": "Google.en-US-Standard-C",
		"Joanna": "Polly.Joanna", "Lea": "Polly.Lea",
	} {
		verbs := promptVerbs(widgets.Prompt{Say: "Hello", Voice: voice})
		if assert.Len(t, verbs, 1, voice) {
			assert.Equal(t, want, verbs[0].(twiml.VoiceSay).Voice, "voice %q", voice)
		}
	}
}
