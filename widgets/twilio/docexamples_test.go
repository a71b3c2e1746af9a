package twilio_test

import (
	"testing"

	"github.com/studioflow/studioflow/widgets/standard"
	"github.com/studioflow/studioflow/widgets/twilio"
	"github.com/studioflow/studioflow/widgets/widgettest"
)

// TestTwilioGodocExamples compiles the JSON example in the godoc of every
// Twilio widget type, so the documented format cannot drift from the code.
func TestTwilioGodocExamples(t *testing.T) {
	widgettest.DocExamples(t, ".", standard.New(), twilio.Types())
}
