package twilio

import (
	"slices"
	"strings"

	"github.com/studioflow/studioflow/flow"
	"github.com/studioflow/studioflow/widgets"
)

// SendToAutopilot hands the conversation to a Twilio Autopilot assistant
// and waits until the assistant's session ends. Autopilot is retired; the
// widget remains so exported flows load and run. The library has no
// Autopilot service: the host performs the hand-off from the wait's
// Prompt (assistant sid, body, from, target task, memory, chat
// properties) and resumes the execution with the outcome. It converses on
// whatever channel the execution has (a call or messages), so it sets
// neither NeedsCall nor NeedsMessaging.
//
//	{ "name": "autopilot_1", "type": "send-to-auto-pilot",
//	  "transitions": [ {"event": "sessionEnded", "next": "split_task"}, {"event": "failure"}, {"event": "timeout"} ],
//	  "properties": { "autopilot_assistant_sid": "UA2ef3f645eece3a3d124a675aa14201bd",
//	                  "from": "{{flow.channel.address}}", "body": "{{trigger.message.Body}}",
//	                  "chat_channel": "{{trigger.message.ChannelSid}}", "timeout": 14400 } }
//
// Properties:
//   - autopilot_assistant_sid (required).
//   - body (template): the contact's first message; when it is empty, the
//     triggering message's body (trigger.message.Body).
//   - from (template): default the flow's address.
//   - target_task, chat_service, chat_channel, chat_attributes
//     (templates).
//   - memory_parameters [{key, value}] (templates): the assistant's
//     initial memory.
//   - timeout: seconds the session may last, 0-14400, default 14400; 0
//     waits with no deadline but the execution's lifetime. It may be a
//     template.
//
// Events: sessionEnded, failure, timeout.
//
// Outputs: what the host reports (CurrentTask, CurrentInput, DialogueSid,
// Memory ...); a Memory given as a JSON object string is parsed, so
// widgets.NAME.Memory.key reads it.
func SendToAutopilot() widgets.Type {
	return widgets.Type{
		Vendor: flow.VendorTwilio,
		Name:   "send-to-auto-pilot",
		Compile: func(p *widgets.Props) widgets.Node {
			n := &autopilotNode{
				assistant: p.RequiredText("autopilot_assistant_sid"),
				body:      p.Text("body"),
				from:      p.Text("from"),
				timeout:   p.Number("timeout", 14400, 0, 14400),
				memory:    p.KeyValues("memory_parameters"),
				texts:     map[string]widgets.Text{},
			}
			for _, k := range []string{"target_task", "chat_service", "chat_channel", "chat_attributes"} {
				n.texts[k] = p.Text(k)
			}
			return n
		},
	}
}

type autopilotNode struct {
	assistant, body, from widgets.Text
	timeout               widgets.Number
	memory                []widgets.KeyValue
	texts                 map[string]widgets.Text
}

var autopilotEvents = []string{"sessionEnded", "failure", "timeout"}

func (n *autopilotNode) Events() []string { return slices.Clone(autopilotEvents) }

func (n *autopilotNode) Run(sc widgets.StepContext) (widgets.Result, error) {
	timeout, err := n.timeout.Get(sc)
	if err != nil {
		return widgets.Result{}, err
	}
	prompt := map[string]any{"input": "autopilot session"}
	for _, f := range []struct {
		key string
		t   widgets.Text
	}{{"autopilot_assistant_sid", n.assistant}, {"body", n.body}, {"from", n.from}} {
		if prompt[f.key], err = f.t.Render(sc); err != nil {
			return widgets.Result{}, err
		}
	}
	for k, t := range n.texts {
		s, err := t.Render(sc)
		if err != nil {
			return widgets.Result{}, err
		}
		if s != "" {
			prompt[k] = s
		}
	}
	if prompt["body"] == "" {
		if b, ok := sc.Lookup("trigger.message.Body"); ok && b != nil {
			prompt["body"] = widgets.ValueString(b)
		}
	}
	if prompt["from"] == "" {
		prompt["from"] = sc.FlowAddress()
	}
	memory, err := widgets.RenderParams(sc, n.memory)
	if err != nil {
		return widgets.Result{}, err
	}
	if len(memory) > 0 {
		m := make(map[string]any, len(memory))
		for _, p := range memory {
			m[p.Key] = p.Value
		}
		prompt["memory"] = m
	}
	return widgets.Result{Wait: &widgets.Wait{Events: autopilotEvents, Timeout: widgets.Seconds(timeout), Prompt: prompt}}, nil
}

func (n *autopilotNode) Resume(sc widgets.StepContext, ev widgets.Event) (widgets.Result, error) {
	if ev.Name == widgets.TimeoutEvent {
		return widgets.Result{Event: ev.Name}, nil
	}
	res := widgets.Outcome(ev)
	if s, ok := res.Outputs["Memory"].(string); ok && strings.HasPrefix(strings.TrimSpace(s), "{") {
		if m, err := jsonObject(s); err == nil {
			res.Outputs["Memory"] = m
		}
	}
	return res, nil
}
