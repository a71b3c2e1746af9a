package twilio

import (
	"fmt"
	"slices"
	"strings"

	"github.com/studioflow/studioflow/flow"
	"github.com/studioflow/studioflow/widgets"
)

// ForkStream starts or stops streaming the call's audio to a receiver and
// goes on at once.
//
//	{ "name": "start_transcription", "type": "fork-stream",
//	  "transitions": [ {"event": "next", "next": "greeting"} ],
//	  "properties": { "stream_action": "start", "stream_name": "transcriber",
//	                  "stream_url": "wss://example.com/media", "stream_track": "both_tracks",
//	                  "stream_parameters": [ {"key": "caller", "value": "{{contact.channel.address}}"} ] } }
//
// Properties:
//   - stream_action (required): start or stop.
//   - stream_name (template): names the stream; required to stop one.
//   - stream_url (template): the receiver, a wss:// (or ws://) URL;
//     required to start a websocket stream.
//   - stream_transport_type: websocket (default) or siprec, with
//     stream_connector (required for siprec).
//   - stream_track: inbound_track (default), outbound_track or
//     both_tracks.
//   - stream_parameters [{key, value}] (templates): sent to the receiver.
//
// Event: next. Twilio's fork-stream has no failure branch, so a stream
// service that refuses does not end the call: the step still takes next,
// with an error output.
//
// Outputs: StreamName, StreamAction, and error when the service refused.
func ForkStream() widgets.Type {
	return widgets.Type{
		Vendor:    flow.VendorTwilio,
		Name:      "fork-stream",
		NeedsCall: true,
		Compile: func(p *widgets.Props) widgets.Node {
			if !p.Has("stream_action") {
				p.Errorf("stream_action", widgets.CodePropertyMissing, "stream_action is required: start or stop")
			}
			n := &streamNode{
				action:    p.OneOf("stream_action", "start", "start", "stop"),
				name:      p.Text("stream_name"),
				url:       p.Text("stream_url"),
				transport: p.OneOf("stream_transport_type", "websocket", "websocket", "siprec"),
				connector: p.String("stream_connector", ""),
				track:     p.OneOf("stream_track", "inbound_track", "inbound_track", "outbound_track", "both_tracks"),
				params:    p.KeyValues("stream_parameters"),
			}
			switch {
			case n.action == "stop" && strings.TrimSpace(n.name.Src) == "":
				p.Errorf("stream_name", widgets.CodePropertyMissing, "stream_name is required to stop a stream")
			case n.action == "start" && n.transport == "siprec" && strings.TrimSpace(n.connector) == "":
				p.Errorf("stream_connector", widgets.CodePropertyMissing, "stream_connector is required for a siprec stream")
			case n.action == "start" && n.transport == "websocket" && strings.TrimSpace(n.url.Src) == "":
				p.Errorf("stream_url", widgets.CodePropertyMissing, "stream_url is required to start a stream")
			case n.action == "start" && n.transport == "websocket":
				checkURL(p, "stream_url", n.url, "wss", "ws")
			}
			return n
		},
	}
}

type streamNode struct {
	action, transport, connector, track string
	name, url                           widgets.Text
	params                              []widgets.KeyValue
}

var streamEvents = []string{"next"}

func (n *streamNode) Events() []string { return slices.Clone(streamEvents) }

func (n *streamNode) Run(sc widgets.StepContext) (widgets.Result, error) {
	ss := sc.Services().Streams
	if ss == nil {
		return widgets.Result{}, errNoStreams
	}
	s := widgets.Stream{Action: n.action, Track: n.track, Transport: n.transport, Connector: n.connector}
	var err error
	if s.Name, err = n.name.Render(sc); err != nil {
		return widgets.Result{}, err
	}
	if s.URL, err = n.url.Render(sc); err != nil {
		return widgets.Result{}, err
	}
	s.URL = strings.TrimSpace(s.URL)
	params, err := widgets.RenderParams(sc, n.params)
	if err != nil {
		return widgets.Result{}, err
	}
	s.Parameters = widgets.ParamMap(params)
	out := map[string]any{"StreamName": s.Name, "StreamAction": s.Action}
	if n.action == "start" && n.transport == "websocket" {
		if err := validURL(s.URL, "wss", "ws"); err != nil {
			out["error"] = fmt.Sprintf("stream_url: %v", err)
			return widgets.Result{Event: "next", Outputs: out}, nil
		}
	}
	if err := ss.Stream(sc.Context(), sc.Call().Sid, s); err != nil {
		out["error"] = "streams: " + err.Error()
	}
	return widgets.Result{Event: "next", Outputs: out}, nil
}
