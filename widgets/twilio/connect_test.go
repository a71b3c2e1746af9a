package twilio_test

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studioflow/studioflow/widgets"
)

func TestConnectCallToChecks(t *testing.T) {
	base := map[string]any{"noun": "number", "to": "+15550002222"}
	runChecks(t, "connect-call-to", []check{
		{name: "minimal", props: base},
		{name: "noun defaults to number", props: map[string]any{"to": "+15550002222"}},
		{name: "every noun", props: props(base, map[string]any{"noun": "number-multi", "to": "+1555,+1556"})},
		{name: "client", props: map[string]any{"noun": "client", "to": "alice"}},
		{name: "conference", props: map[string]any{"noun": "conference", "to": "room-1"}},
		{name: "sip", props: map[string]any{"noun": "sip", "sip_endpoint": "sip:a@example.com", "sip_username": "u", "sip_password": "p"}},
		{name: "unknown noun", props: props(base, map[string]any{"noun": "queue"}), key: "noun", code: widgets.CodePropertyInvalid},
		{name: "to missing", props: map[string]any{"noun": "number"}, key: "to", code: widgets.CodePropertyMissing},
		{name: "sip endpoint missing", props: map[string]any{"noun": "sip"}, key: "sip_endpoint", code: widgets.CodePropertyMissing},
		{name: "timeout lowest", props: props(base, map[string]any{"timeout": 1})},
		{name: "timeout highest as a string", props: props(base, map[string]any{"timeout": "600"})},
		{name: "timeout zero", props: props(base, map[string]any{"timeout": 0}), key: "timeout", code: widgets.CodePropertyRange},
		{name: "timeout too long", props: props(base, map[string]any{"timeout": 601}), key: "timeout", code: widgets.CodePropertyRange},
		{name: "timeout not a number", props: props(base, map[string]any{"timeout": "soon"}), key: "timeout", code: widgets.CodePropertyInvalid},
		{name: "timeout template", props: props(base, map[string]any{"timeout": "{{flow.variables.ring}}"})},
		{name: "record as a string", props: props(base, map[string]any{"record": "true"})},
		{name: "record invalid", props: props(base, map[string]any{"record": "yes"}), key: "record", code: widgets.CodePropertyInvalid},
	})
}

func TestConnectCallToType(t *testing.T) {
	ty := typeOf(t, "connect-call-to")
	assert.True(t, ty.NeedsCall)
	assert.Equal(t, []string{"hangup"}, ty.EndsCallOn, "after callCompleted the caller is still on the line")
	assert.False(t, ty.PlacesCall)
}

func TestConnectCallToDials(t *testing.T) {
	tests := []struct {
		name  string
		props map[string]any
		want  widgets.Dial
	}{
		{
			name:  "defaults: number, 30 s, caller id of the contact, no recording",
			props: map[string]any{"to": "+15550002222"},
			want:  widgets.Dial{Noun: "number", To: "+15550002222", CallerID: "+15550001111", Timeout: 30 * time.Second},
		},
		{
			name:  "templates, string numbers and booleans",
			props: map[string]any{"noun": "client", "to": "{{flow.variables.agent}}", "caller_id": "{{flow.channel.address}}", "timeout": "{{flow.variables.ring}}", "record": "true"},
			want:  widgets.Dial{Noun: "client", To: "alice", CallerID: "+15550009999", Timeout: 45 * time.Second, Record: true},
		},
		{
			name:  "sip dials the endpoint with credentials",
			props: map[string]any{"noun": "sip", "sip_endpoint": "sip:desk@example.com", "sip_username": "u", "sip_password": "p", "timeout": 600},
			want:  widgets.Dial{Noun: "sip", To: "sip:desk@example.com", CallerID: "+15550001111", Timeout: 600 * time.Second, SipUsername: "u", SipPassword: "p"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, v := voiceServices()
			n := mustCompile(t, "connect-call-to", tt.props)
			sc := newStep(s).Set("flow.variables.agent", "alice").Set("flow.variables.ring", "45")
			res := run(t, n, sc)
			require.NotNil(t, res.Wait)
			assert.Equal(t, []string{"callCompleted", "hangup"}, res.Wait.Events)
			assert.Zero(t, res.Wait.Timeout, "the host reports the outcome; the ring timeout is the voice service's")
			assert.Equal(t, tt.want, v.dial)
			assert.Equal(t, "CA100", v.callSid)
		})
	}
}

func TestConnectCallToOutcomes(t *testing.T) {
	n := mustCompile(t, "connect-call-to", map[string]any{"to": "+15550002222"})
	s, _ := voiceServices()
	sc := newStep(s)
	for _, ev := range []widgets.Event{
		{Name: "callCompleted", Data: map[string]any{"DialCallStatus": "completed", "DialCallDuration": "42", "DialCallSid": "CA200", "DialBridged": "true"}},
		{Name: "callCompleted", Data: map[string]any{"DialCallStatus": "no-answer"}},
		{Name: "hangup", Data: map[string]any{"DialCallStatus": "completed", "CallStatus": "completed"}},
		{Name: "hangup"},
	} {
		res := resume(t, n, sc, ev)
		assert.Equal(t, ev.Name, res.Event)
		if ev.Data == nil {
			assert.Empty(t, res.Outputs)
		} else {
			assert.Equal(t, ev.Data, res.Outputs)
		}
	}
}

func TestConnectCallToFailures(t *testing.T) {
	n := mustCompile(t, "connect-call-to", map[string]any{"to": "+15550002222", "timeout": "{{flow.variables.ring}}"})

	s, v := voiceServices()
	v.Fail = errors.New("trunk down")
	res := run(t, n, newStep(s))
	assert.Equal(t, "callCompleted", res.Event, "a dial that cannot be placed completes as failed")
	assert.Equal(t, map[string]any{"DialCallStatus": "failed", "error": "voice: trunk down"}, res.Outputs)

	_, err := n.Run(newStep(s).Set("flow.variables.ring", "900"))
	assert.ErrorContains(t, err, "outside 1 to 600")

	_, err = n.Run(newStep(&widgets.Services{}))
	assert.ErrorContains(t, err, "no voice service")
}
