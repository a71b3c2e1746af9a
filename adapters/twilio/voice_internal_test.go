package twilio

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/twilio/twilio-go/twiml"

	"github.com/studioflow/studioflow/widgets"
)

// <Say>'s voice is one TwiML knows: Studio's and Twilio's names as they
// are, an Amazon Connect flow's bare Polly voice id as Polly's (with its
// engine), and Studio's "default" (or none) left out for Twilio's default
// voice.
func TestSayVoicesAreTwilios(t *testing.T) {
	for _, c := range []struct{ voice, engine, want string }{
		{"", "", ""}, {"default", "", ""}, {"Default", "", ""}, {" default ", "", ""},
		{"man", "", "man"}, {"woman", "", "woman"}, {"alice", "", "alice"}, {"Man", "", "man"}, {"ALICE", "", "alice"},
		{"Polly.Amy", "", "Polly.Amy"}, {"Polly.Joanna-Neural", "", "Polly.Joanna-Neural"}, {"Google.en-US-Standard-C", "", "Google.en-US-Standard-C"},
		{"Polly.Amy", "Neural", "Polly.Amy"},
		{"Joanna", "", "Polly.Joanna"}, {" Lea ", "", "Polly.Lea"}, {"Lea", "Standard", "Polly.Lea"},
		{"Kevin", "Neural", "Polly.Kevin-Neural"}, {"Kevin", "neural", "Polly.Kevin-Neural"}, {"Ruth", "Generative", "Polly.Ruth-Generative"},
	} {
		verbs := promptVerbs(widgets.Prompt{Say: "Hello", Voice: c.voice, Engine: c.engine})
		if assert.Len(t, verbs, 1, c.voice) {
			assert.Equal(t, c.want, verbs[0].(twiml.VoiceSay).Voice, "voice %q, engine %q", c.voice, c.engine)
		}
	}
}
