package twilio_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/studioflow/studioflow/widgets"
)

func TestForkStreamChecks(t *testing.T) {
	start := map[string]any{"stream_action": "start", "stream_url": "wss://media.example.com/s"}
	runChecks(t, "fork-stream", []check{
		{name: "start", props: start},
		{name: "stop by name", props: map[string]any{"stream_action": "stop", "stream_name": "transcriber"}},
		{name: "action missing", props: map[string]any{"stream_url": "wss://media.example.com/s"}, key: "stream_action", code: widgets.CodePropertyMissing},
		{name: "action unknown", props: map[string]any{"stream_action": "pause"}, key: "stream_action", code: widgets.CodePropertyInvalid},
		{name: "stop without name", props: map[string]any{"stream_action": "stop"}, key: "stream_name", code: widgets.CodePropertyMissing},
		{name: "start without url", props: map[string]any{"stream_action": "start"}, key: "stream_url", code: widgets.CodePropertyMissing},
		{name: "url not a websocket", props: map[string]any{"stream_action": "start", "stream_url": "https://media.example.com/s"}, key: "stream_url", code: widgets.CodePropertyInvalid},
		{name: "url template", props: map[string]any{"stream_action": "start", "stream_url": "wss://{{flow.variables.host}}/s"}},
		{name: "siprec", props: map[string]any{"stream_action": "start", "stream_transport_type": "siprec", "stream_connector": "SR1"}},
		{name: "siprec without connector", props: map[string]any{"stream_action": "start", "stream_transport_type": "siprec"}, key: "stream_connector", code: widgets.CodePropertyMissing},
		{name: "transport unknown", props: props(start, map[string]any{"stream_transport_type": "rtp"}), key: "stream_transport_type", code: widgets.CodePropertyInvalid},
		{name: "every track", props: props(start, map[string]any{"stream_track": "both_tracks"})},
		{name: "track unknown", props: props(start, map[string]any{"stream_track": "left"}), key: "stream_track", code: widgets.CodePropertyInvalid},
		{name: "parameters without key", props: props(start, map[string]any{"stream_parameters": []any{map[string]any{"value": "x"}}}), key: "stream_parameters", code: widgets.CodePropertyMissing},
	})
}

// spyStreams records the last stream request.
type spyStreams struct {
	s    widgets.Stream
	call string
	fail error
}

func (p *spyStreams) Stream(_ context.Context, call string, s widgets.Stream) error {
	p.s, p.call = s, call
	return p.fail
}

func TestForkStream(t *testing.T) {
	assert.True(t, typeOf(t, "fork-stream").NeedsCall)
	tests := []struct {
		name  string
		props map[string]any
		want  widgets.Stream
		out   map[string]any
	}{
		{
			name:  "start with defaults",
			props: map[string]any{"stream_action": "start", "stream_url": "wss://media.example.com/s"},
			want:  widgets.Stream{Action: "start", URL: "wss://media.example.com/s", Track: "inbound_track", Transport: "websocket"},
			out:   map[string]any{"StreamName": "", "StreamAction": "start"},
		},
		{
			name: "start with everything",
			props: map[string]any{"stream_action": "start", "stream_name": "{{flow.variables.name}}", "stream_url": "wss://{{flow.variables.host}}/s",
				"stream_track": "both_tracks", "stream_parameters": []any{map[string]any{"key": "caller", "value": "{{contact.channel.address}}"}}},
			want: widgets.Stream{Action: "start", Name: "tx-1", URL: "wss://media.example.com/s", Track: "both_tracks", Transport: "websocket",
				Parameters: map[string]string{"caller": "+15550001111"}},
			out: map[string]any{"StreamName": "tx-1", "StreamAction": "start"},
		},
		{
			name:  "siprec",
			props: map[string]any{"stream_action": "start", "stream_transport_type": "siprec", "stream_connector": "SR1"},
			want:  widgets.Stream{Action: "start", Track: "inbound_track", Transport: "siprec", Connector: "SR1"},
			out:   map[string]any{"StreamName": "", "StreamAction": "start"},
		},
		{
			name:  "stop",
			props: map[string]any{"stream_action": "stop", "stream_name": "tx-1"},
			want:  widgets.Stream{Action: "stop", Name: "tx-1", Track: "inbound_track", Transport: "websocket"},
			out:   map[string]any{"StreamName": "tx-1", "StreamAction": "stop"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sp := &spyStreams{}
			n := mustCompile(t, "fork-stream", tt.props)
			assert.Equal(t, []string{"next"}, n.Events())
			res := run(t, n, newStep(&widgets.Services{Streams: sp}).Set("flow.variables.name", "tx-1").Set("flow.variables.host", "media.example.com"))
			assert.Equal(t, "next", res.Event)
			assert.Equal(t, tt.out, res.Outputs)
			assert.Equal(t, tt.want, sp.s)
			assert.Equal(t, "CA100", sp.call)
		})
	}
}

func TestForkStreamFailuresGoOn(t *testing.T) {
	n := mustCompile(t, "fork-stream", map[string]any{"stream_action": "start", "stream_url": "{{flow.variables.url}}"})
	sp := &spyStreams{fail: errors.New("receiver unreachable")}
	res := run(t, n, newStep(&widgets.Services{Streams: sp}).Set("flow.variables.url", "wss://media.example.com/s"))
	assert.Equal(t, "next", res.Event)
	assert.Equal(t, "streams: receiver unreachable", res.Outputs["error"])

	sp = &spyStreams{}
	res = run(t, n, newStep(&widgets.Services{Streams: sp}).Set("flow.variables.url", "https://media.example.com/s"))
	assert.Equal(t, "next", res.Event)
	assert.Contains(t, res.Outputs["error"], "stream_url")
	assert.Empty(t, sp.call, "an invalid url is never sent")

	_, err := n.Run(newStep(&widgets.Services{}))
	assert.ErrorContains(t, err, "no stream service is configured")
}
