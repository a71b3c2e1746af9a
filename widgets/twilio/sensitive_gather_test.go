package twilio_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studioflow/studioflow/runtime"
	"github.com/studioflow/studioflow/widgets"
	"github.com/studioflow/studioflow/widgets/fake"
)

// sensitiveGatherFlow asks for a PIN with a gather whose sensitive flag is
// %s, then reads the answer back in a later step.
const sensitiveGatherFlow = `{"description": "pin", "initial_state": "Trigger", "states": [
  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingCall", "next": "pin"}], "properties": {}},
  {"name": "pin", "type": "gather-input-on-call",
    "transitions": [{"event": "keypress", "next": "thanks"}, {"event": "speech", "next": "thanks"}, {"event": "timeout"}],
    "properties": {"say": "Enter your PIN", "number_of_digits": 6, "timeout": "8", "sensitive": %s}},
  {"name": "thanks", "type": "say-play", "transitions": [{"event": "audioComplete"}],
    "properties": {"say": "Thanks, we got {{widgets.pin.Digits}}{{widgets.pin.SpeechResult}}."}}]}`

// The acceptance test of `sensitive`: a host resumes a sensitive gather with
// the caller's digits or speech; neither reaches the stored execution, its
// steps, or any event of the sink, and later steps only see "[redacted]".
// The same flow without the flag stores them, so the check can fail.
func TestSensitiveGatherNeverStoresTheInput(t *testing.T) {
	const secret = "918273"
	tests := []struct {
		name      string
		sensitive string
		ev        widgets.Event
		outputs   map[string]any
		said      string
	}{
		{
			name: "keypress", sensitive: "true",
			ev:      widgets.Event{Name: "keypress", Data: map[string]any{"Digits": secret, "FinishedOnKey": ""}},
			outputs: map[string]any{"Digits": "[redacted]", "FinishedOnKey": ""},
			said:    `voice.say "Thanks, we got [redacted]."`,
		},
		{
			name: "speech", sensitive: `"true"`,
			ev:      widgets.Event{Name: "speech", Data: map[string]any{"SpeechResult": "my pin is " + secret, "Confidence": "0.87"}},
			outputs: map[string]any{"SpeechResult": "[redacted]", "Confidence": "0.87"},
			said:    `voice.say "Thanks, we got [redacted]."`,
		},
		{
			name: "not sensitive: the digits are stored", sensitive: "false",
			ev:      widgets.Event{Name: "keypress", Data: map[string]any{"Digits": secret}},
			outputs: map[string]any{"Digits": secret},
			said:    `voice.say "Thanks, we got ` + secret + `."`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			def := parseFlow(t, fmt.Sprintf(sensitiveGatherFlow, tt.sensitive))
			services, transcript := fake.Services()
			sink := &runtime.MemorySink{}
			clock := runtime.NewFixedClock(time.Date(2026, 5, 6, 7, 8, 9, 0, time.UTC))
			eng := runtime.New(runtime.WithSource(runtime.Definitions{"FWpin": def}), runtime.WithServices(services),
				runtime.WithIDs(runtime.SequentialIDs()), runtime.WithSink(sink), runtime.WithClock(clock.Now))
			ctx := context.Background()
			x, err := eng.Start(ctx, runtime.StartRequest{FlowSid: "FWpin", Trigger: runtime.TriggerCall, Contact: "+15550006666", FlowAddress: "+15550008888", CallSid: "CA0007"})
			require.NoError(t, err)
			require.NotNil(t, x.Wait, x.Reason)
			assert.Equal(t, []string{"keypress", "speech", "timeout"}, x.Wait.Events)

			_, err = eng.Resume(ctx, x.ID, tt.ev)
			require.NoError(t, err)
			x, err = eng.Get(ctx, x.ID)
			require.NoError(t, err)
			assert.Equal(t, runtime.StatusEnded, x.Status, x.Reason)
			// Beside the input, the gather keeps the call's parameters
			// (trigger.call's, as the runtime records the call).
			call := map[string]any{"CallSid": "CA0007", "CallStatus": "in-progress", "Direction": "inbound",
				"From": "+15550006666", "Caller": "+15550006666", "To": "+15550008888", "Called": "+15550008888"}
			assert.Equal(t, props(call, tt.outputs), x.Widgets()["pin"])
			assert.Equal(t, []string{`voice.gather.say "Enter your PIN"`, tt.said}, transcript.Lines())

			stored, err := runtime.MarshalExecution(x)
			require.NoError(t, err)
			steps, err := json.Marshal(x.Steps)
			require.NoError(t, err)
			require.NotEmpty(t, x.Steps)
			events, err := json.Marshal(sink.Events())
			require.NoError(t, err)
			require.NotEmpty(t, sink.Events())
			if tt.sensitive == "false" {
				assert.Contains(t, string(stored), secret)
				return
			}
			for what, data := range map[string][]byte{"execution": stored, "steps": steps, "events": events} {
				assert.NotContains(t, string(data), secret, "the input in the %s", what)
			}
			assert.Contains(t, string(stored), widgets.Redacted)
		})
	}
}
