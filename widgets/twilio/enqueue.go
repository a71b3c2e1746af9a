package twilio

import (
	"fmt"
	"slices"
	"strings"

	"github.com/studioflow/studioflow/widgets"

	"github.com/studioflow/studioflow/flow"
)

// Task priority and timeout bounds: a task lives at most two weeks
// (TaskRouter's bound). enqueue-call sets no timeout unless given (Twilio,
// Enqueue Call widget, https://www.twilio.com/docs/studio/widget-library/enqueue-call:
// "If not specified, defaults to infinity"); send-to-flex's defaults to
// 3600 seconds (Twilio, Send to Flex widget,
// https://www.twilio.com/docs/studio/widget-library/send-flex).
const (
	maxTaskPriority       = 1<<31 - 1
	defaultFlexTimeout    = 3600
	maxTaskTimeoutSeconds = 1209600
)

// EnqueueCall places the live call in a queue, or hands it to a TaskRouter
// workflow, and waits until it leaves.
//
//	{ "name": "enqueue_support", "type": "enqueue-call",
//	  "transitions": [ {"event": "callComplete"},
//	                   {"event": "failedToEnqueue", "next": "voicemail"}, {"event": "callFailure", "next": "voicemail"} ],
//	  "properties": { "workflow_sid": "WW573b22630835278b6ae66155e7a59fd7",
//	                  "priority": 10, "timeout": 3600,
//	                  "task_attributes": "{\"type\": \"support\", \"caller\": \"{{contact.channel.address}}\"}" } }
//
// Properties:
//   - queue_name (template) or workflow_sid: one is required; with both,
//     the workflow is used (and a warning given).
//   - priority: the task's priority, 0-2147483647, default 0; may be a
//     template, checked when the step runs.
//   - timeout: the task's timeout in seconds, 1-1209600 (two weeks); none
//     by default (Enqueue.Timeout zero: Twilio documents "defaults to
//     infinity", so TaskRouter's own limit applies); may be a template.
//   - task_attributes (template): a JSON object.
//   - wait_url, wait_url_method (GET or POST, default POST, as TwiML
//     <Enqueue>'s waitUrlMethod): the hold music TwiML.
//
// Events: callComplete (the call left the queue: over, see EndsCallOn,
// unless the host reports the caller still on the line, CallStatus
// in-progress, after a QueueResult that leaves the call with the flow:
// leave, bridged, error; not redirected, redirected-from-bridged or
// bridging-in-process, when the call is elsewhere), failedToEnqueue (also taken
// when the voice service refuses, or the rendered task_attributes are not
// a JSON object, with an error output), callFailure.
//
// Outputs: what the host reports with Twilio's names: QueueResult,
// QueueSid, QueueTime, DequeuedCallSid, TaskSid ...
func EnqueueCall() widgets.Type {
	return widgets.Type{
		Vendor:     flow.VendorTwilio,
		Name:       "enqueue-call",
		NeedsCall:  true,
		EndsCallOn: []string{"callComplete"},
		Compile: func(p *widgets.Props) widgets.Node {
			n := &enqueueNode{
				queue:    p.Text("queue_name"),
				workflow: p.Text("workflow_sid"),
				attrs:    p.Text("task_attributes"),
				waitURL:  p.Text("wait_url"),
				method:   p.OneOf("wait_url_method", "POST", "GET", "POST"),
				priority: p.Number("priority", 0, 0, maxTaskPriority),
				timeout:  p.Number("timeout", 0, 1, maxTaskTimeoutSeconds),
				attrsKey: "task_attributes",
			}
			queue, workflow := strings.TrimSpace(n.queue.Src) != "", strings.TrimSpace(n.workflow.Src) != ""
			switch {
			case !queue && !workflow:
				p.Errorf("queue_name", widgets.CodePropertyMissing, "an enqueue-call needs a queue_name or a workflow_sid")
			case queue && workflow:
				p.Report("queue_name", widgets.CodePropertyInvalid, flow.SeverityWarning, "both queue_name and workflow_sid are set; the workflow is used")
				n.queue = widgets.Text{}
			}
			checkJSONObject(p, "task_attributes", n.attrs)
			return n
		},
	}
}

// SendToFlex hands the contact to a Flex (TaskRouter) workflow and waits
// until the task is done. On a live call the call is enqueued; in a
// messaging execution the host receives Voice.Enqueue with an empty call
// sid and Enqueue.Contact set, and routes the contact's conversation.
// Because a Type's flags cannot depend on a property, NeedsCall is false:
// the channel property decides at run time.
//
//	{ "name": "send_to_agent", "type": "send-to-flex",
//	  "transitions": [ {"event": "callComplete"},
//	                   {"event": "failedToEnqueue", "next": "sorry"}, {"event": "callFailure", "next": "sorry"} ],
//	  "properties": { "workflow": "WW2cc9ef4cbd96328adf7e90e4e1fef1c0",
//	                  "channel": "TC1538a54edef5895fcc2115489151e390",
//	                  "attributes": "{\"channelSid\": \"{{trigger.message.ChannelSid}}\"}",
//	                  "priority": "{{flow.variables.prio}}", "timeout": 3600 } }
//
// Properties:
//   - workflow (required): the workflow sid.
//   - channel (required): the task channel sid or name.
//   - attributes (template): a JSON object.
//   - priority: 0-2147483647, default 0; may be a template (exports hold
//     "{{flow.variables.prio}}"), checked when the step runs.
//   - timeout: the task's timeout in seconds, 1-1209600, default 3600
//     (Twilio's Send to Flex default); may be a template.
//   - waitUrl, waitUrlMethod (GET or POST, default POST).
//
// Events and outputs as enqueue-call: callComplete (over, unless the
// caller is still on the line, as enqueue-call),
// failedToEnqueue, callFailure.
func SendToFlex() widgets.Type {
	return widgets.Type{
		Vendor:     flow.VendorTwilio,
		Name:       "send-to-flex",
		EndsCallOn: []string{"callComplete"},
		Compile: func(p *widgets.Props) widgets.Node {
			n := &enqueueNode{
				workflow: p.RequiredText("workflow"),
				channel:  p.RequiredText("channel"),
				attrs:    p.Text("attributes"),
				waitURL:  p.Text("waitUrl"),
				method:   p.OneOf("waitUrlMethod", "POST", "GET", "POST"),
				priority: p.Number("priority", 0, 0, maxTaskPriority),
				timeout:  p.Number("timeout", defaultFlexTimeout, 1, maxTaskTimeoutSeconds),
				attrsKey: "attributes",
				flex:     true,
			}
			checkJSONObject(p, "attributes", n.attrs)
			return n
		},
	}
}

type enqueueNode struct {
	queue, workflow, channel, attrs, waitURL widgets.Text
	method, attrsKey                         string
	priority, timeout                        widgets.Number
	flex                                     bool
}

var enqueueEvents = []string{"callComplete", "failedToEnqueue", "callFailure"}

func (n *enqueueNode) Events() []string { return slices.Clone(enqueueEvents) }

func (n *enqueueNode) Run(sc widgets.StepContext) (widgets.Result, error) {
	v := sc.Services().Voice
	if v == nil {
		return widgets.Result{}, errNoVoice
	}
	priority, err := n.priority.Get(sc)
	if err != nil {
		return widgets.Result{}, err
	}
	timeout, err := n.timeout.Get(sc)
	if err != nil {
		return widgets.Result{}, err
	}
	q := widgets.Enqueue{Priority: priority, Timeout: widgets.Seconds(timeout), WaitURLMethod: n.method, Contact: sc.ContactAddress()}
	for _, f := range []struct {
		t   widgets.Text
		dst *string
	}{{n.queue, &q.Queue}, {n.workflow, &q.Workflow}, {n.channel, &q.Channel}, {n.attrs, &q.Attributes}, {n.waitURL, &q.WaitURL}} {
		if *f.dst, err = f.t.Render(sc); err != nil {
			return widgets.Result{}, err
		}
	}
	if _, err := jsonObject(q.Attributes); err != nil {
		return widgets.Result{Event: "failedToEnqueue", Outputs: errorOutputs(fmt.Errorf("%s must be a JSON object: %w", n.attrsKey, err))}, nil
	}
	call := sc.Call()
	sid := call.Sid
	if n.flex && !call.Live {
		sid = ""
	}
	if err := v.Enqueue(sc.Context(), sid, q); err != nil {
		return widgets.Result{Event: "failedToEnqueue", Outputs: errorOutputs(fmt.Errorf("voice: %w", err))}, nil
	}
	return widgets.Result{Wait: &widgets.Wait{
		Events: enqueueEvents,
		Prompt: map[string]any{"input": "queue outcome", "queue": q.Queue, "workflow": q.Workflow},
	}}, nil
}

// Resume takes the host's outcome. callComplete ends the call unless the
// host reports it still connected (CallStatus in-progress): the caller
// left the queue through <Leave> (Studio regains control of the call
// then), stayed on after the bridged party hung up, or the queue failed
// (error). The flow then goes on with the call. A call redirected out of
// the queue, or being bridged, is in progress elsewhere and Twilio
// ignores the action's TwiML: the flow does not keep it.
func (n *enqueueNode) Resume(sc widgets.StepContext, ev widgets.Event) (widgets.Result, error) {
	res := widgets.Outcome(ev)
	res.KeepsCall = ev.Name == "callComplete" && widgets.DataString(ev.Data, "CallStatus") == "in-progress" &&
		!slices.Contains(queueResultsElsewhere, widgets.DataString(ev.Data, "QueueResult"))
	return res, nil
}

// queueResultsElsewhere are the QueueResults of a call that is in
// progress somewhere else than the <Enqueue> action's TwiML.
var queueResultsElsewhere = []string{"redirected", "redirected-from-bridged", "bridging-in-process"}
