package twilio_test

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studioflow/studioflow/widgets"
)

func TestEnqueueCallChecks(t *testing.T) {
	base := map[string]any{"workflow_sid": "WW1"}
	runChecks(t, "enqueue-call", []check{
		{name: "workflow", props: base},
		{name: "queue", props: map[string]any{"queue_name": "support"}},
		{name: "neither", props: map[string]any{}, key: "queue_name", code: widgets.CodePropertyMissing},
		{name: "both: a warning", props: map[string]any{"queue_name": "support", "workflow_sid": "WW1"}, key: "queue_name", code: widgets.CodePropertyInvalid, warn: true},
		{name: "priority lowest", props: props(base, map[string]any{"priority": 0})},
		{name: "priority highest", props: props(base, map[string]any{"priority": "2147483647"})},
		{name: "priority negative", props: props(base, map[string]any{"priority": -1}), key: "priority", code: widgets.CodePropertyRange},
		{name: "priority too high", props: props(base, map[string]any{"priority": 2147483648}), key: "priority", code: widgets.CodePropertyRange},
		{name: "priority template", props: props(base, map[string]any{"priority": "{{flow.variables.prio}}"})},
		{name: "timeout lowest", props: props(base, map[string]any{"timeout": 1})},
		{name: "timeout highest", props: props(base, map[string]any{"timeout": "1209600"})},
		{name: "timeout zero", props: props(base, map[string]any{"timeout": 0}), key: "timeout", code: widgets.CodePropertyRange},
		{name: "timeout too long", props: props(base, map[string]any{"timeout": 1209601}), key: "timeout", code: widgets.CodePropertyRange},
		{name: "attributes JSON", props: props(base, map[string]any{"task_attributes": `{"a": 1}`})},
		{name: "attributes templated", props: props(base, map[string]any{"task_attributes": `{"to": "{{flow.channel.address}}"}`})},
		{name: "attributes not JSON", props: props(base, map[string]any{"task_attributes": `{a: 1}`}), key: "task_attributes", code: widgets.CodePropertyInvalid},
		{name: "attributes not an object", props: props(base, map[string]any{"task_attributes": `[1]`}), key: "task_attributes", code: widgets.CodePropertyInvalid},
		{name: "wait url method unknown", props: props(base, map[string]any{"wait_url_method": "PUT"}), key: "wait_url_method", code: widgets.CodePropertyInvalid},
	})
}

func TestSendToFlexChecks(t *testing.T) {
	base := map[string]any{"workflow": "WW1", "channel": "TC1"}
	runChecks(t, "send-to-flex", []check{
		{name: "minimal", props: base},
		{name: "placeholders", props: map[string]any{"workflow": "${WORKFLOW_SID}", "channel": "${CHAT_CHANNEL_SID}"}},
		{name: "workflow missing", props: map[string]any{"channel": "TC1"}, key: "workflow", code: widgets.CodePropertyMissing},
		{name: "channel missing", props: map[string]any{"workflow": "WW1"}, key: "channel", code: widgets.CodePropertyMissing},
		{name: "priority as a string", props: props(base, map[string]any{"priority": "1000"})},
		{name: "priority template", props: props(base, map[string]any{"priority": "{{flow.variables.prio}}"})},
		{name: "priority negative", props: props(base, map[string]any{"priority": "-5"}), key: "priority", code: widgets.CodePropertyRange},
		{name: "timeout too long", props: props(base, map[string]any{"timeout": "1209601"}), key: "timeout", code: widgets.CodePropertyRange},
		{name: "attributes not JSON", props: props(base, map[string]any{"attributes": "type=inbound"}), key: "attributes", code: widgets.CodePropertyInvalid},
		{name: "wait url method", props: props(base, map[string]any{"waitUrl": "https://x.example.com/wait", "waitUrlMethod": "GET"})},
		{name: "wait url method unknown", props: props(base, map[string]any{"waitUrlMethod": "PATCH"}), key: "waitUrlMethod", code: widgets.CodePropertyInvalid},
	})
}

func TestEnqueueTypes(t *testing.T) {
	enq := typeOf(t, "enqueue-call")
	assert.True(t, enq.NeedsCall)
	assert.Equal(t, []string{"callComplete"}, enq.EndsCallOn)
	flex := typeOf(t, "send-to-flex")
	assert.False(t, flex.NeedsCall, "send-to-flex also hands off messaging contacts")
	assert.Equal(t, []string{"callComplete"}, flex.EndsCallOn)
}

func TestEnqueueHandsOff(t *testing.T) {
	tests := []struct {
		name    string
		typ     string
		props   map[string]any
		msg     bool
		want    widgets.Enqueue
		wantSid string
	}{
		{
			name:  "enqueue-call defaults: no task timeout (Twilio: defaults to infinity)",
			typ:   "enqueue-call",
			props: map[string]any{"queue_name": "support"},
			want:  widgets.Enqueue{Queue: "support", WaitURLMethod: "POST", Contact: "+15550001111"},
		},
		{
			name: "enqueue-call to a workflow, as the autodialer export",
			typ:  "enqueue-call",
			props: map[string]any{"workflow_sid": "WW5", "priority": 1000, "timeout": "3600", "wait_url": "https://x.example.com/hold", "wait_url_method": "GET",
				"task_attributes": `{"autodialer": "predictive", "to": "{{flow.channel.address}}"}`},
			want: widgets.Enqueue{Workflow: "WW5", Priority: 1000, Timeout: time.Hour, WaitURL: "https://x.example.com/hold", WaitURLMethod: "GET",
				Attributes: `{"autodialer": "predictive", "to": "+15550009999"}`, Contact: "+15550001111"},
		},
		{
			name:  "both set: the workflow wins",
			typ:   "enqueue-call",
			props: map[string]any{"workflow_sid": "WW5", "queue_name": "support"},
			want:  widgets.Enqueue{Workflow: "WW5", WaitURLMethod: "POST", Contact: "+15550001111"},
		},
		{
			name:  "send-to-flex on a call, templated priority, timeout 3600 by default",
			typ:   "send-to-flex",
			props: map[string]any{"workflow": "WW1", "channel": "TC1", "attributes": `{"department":"{{flow.variables.department}}"}`, "priority": "{{flow.variables.prio}}"},
			want: widgets.Enqueue{Workflow: "WW1", Channel: "TC1", Priority: 7, Timeout: time.Hour, WaitURLMethod: "POST",
				Attributes: `{"department":"sales"}`, Contact: "+15550001111"},
			wantSid: "CA100",
		},
		{
			name:  "send-to-flex from a chat: no call sid",
			typ:   "send-to-flex",
			props: map[string]any{"workflow": "WW1", "channel": "TC1", "waitUrlMethod": "POST"},
			msg:   true,
			want:  widgets.Enqueue{Workflow: "WW1", Channel: "TC1", Timeout: time.Hour, WaitURLMethod: "POST", Contact: "+15550001111"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, v := voiceServices()
			n := mustCompile(t, tt.typ, tt.props)
			sc := newStep(s).Set("flow.variables.prio", "7").Set("flow.variables.department", "sales")
			if tt.msg {
				sc.Messaging()
			}
			res := run(t, n, sc)
			require.NotNil(t, res.Wait)
			assert.Equal(t, []string{"callComplete", "failedToEnqueue", "callFailure"}, res.Wait.Events)
			assert.Zero(t, res.Wait.Timeout)
			assert.Equal(t, tt.want, v.enqueue)
			if tt.typ == "enqueue-call" {
				tt.wantSid = "CA100"
			}
			assert.Equal(t, tt.wantSid, v.callSid)
		})
	}
}

func TestEnqueueOutcomes(t *testing.T) {
	for _, typ := range []string{"enqueue-call", "send-to-flex"} {
		n := mustCompile(t, typ, map[string]any{"workflow_sid": "WW1", "workflow": "WW1", "channel": "TC1"})
		s, _ := voiceServices()
		for _, ev := range []widgets.Event{
			{Name: "callComplete", Data: map[string]any{"QueueResult": "bridged", "QueueTime": "35", "TaskSid": "WT1"}},
			{Name: "failedToEnqueue", Data: map[string]any{"QueueResult": "error"}},
			{Name: "callFailure", Data: map[string]any{"QueueResult": "hangup"}},
			{Name: "callFailure"},
		} {
			res := resume(t, n, newStep(s), ev)
			assert.Equal(t, ev.Name, res.Event)
			assert.False(t, res.KeepsCall, "%s %v: the call is over", ev.Name, ev.Data)
			if ev.Data != nil {
				assert.Equal(t, ev.Data, res.Outputs)
			}
		}
		// A caller who left the queue through <Leave>, or stayed on after
		// the agent hung up, is still on the line: the flow keeps the call.
		for _, qr := range []string{"leave", "bridged", "error"} {
			res := resume(t, n, newStep(s), widgets.Event{Name: "callComplete", Data: map[string]any{"QueueResult": qr, "CallStatus": "in-progress"}})
			assert.Equal(t, "callComplete", res.Event)
			assert.True(t, res.KeepsCall, "%s %s, call in progress", typ, qr)
		}
		res := resume(t, n, newStep(s), widgets.Event{Name: "callComplete", Data: map[string]any{"QueueResult": "hangup", "CallStatus": "completed"}})
		assert.False(t, res.KeepsCall, "a caller who hung up in the queue")
		// A call redirected out of the queue is in progress elsewhere:
		// Twilio ignores the action's TwiML, so the flow lets it go.
		for _, qr := range []string{"redirected", "redirected-from-bridged", "bridging-in-process"} {
			res := resume(t, n, newStep(s), widgets.Event{Name: "callComplete", Data: map[string]any{"QueueResult": qr, "CallStatus": "in-progress"}})
			assert.False(t, res.KeepsCall, "%s %q, call in progress elsewhere", typ, qr)
		}
	}
}

func TestEnqueueFailures(t *testing.T) {
	n := mustCompile(t, "send-to-flex", map[string]any{"workflow": "WW1", "channel": "TC1",
		"attributes": `{"name": "{{flow.variables.name}}"}`, "priority": "{{flow.variables.prio}}"})
	s, v := voiceServices()

	res := run(t, n, newStep(s).Set("flow.variables.name", `say "hi"`))
	assert.Equal(t, "failedToEnqueue", res.Event, "rendered attributes that are not JSON")
	assert.Contains(t, res.Outputs["error"], "attributes must be a JSON object")

	_, err := n.Run(newStep(s).Set("flow.variables.prio", "high"))
	assert.ErrorContains(t, err, "not a whole number")

	res = run(t, n, newStep(s).Set("flow.variables.prio", ""))
	require.NotNil(t, res.Wait, "an empty priority takes the default")
	assert.Equal(t, 0, v.enqueue.Priority)

	v.Fail = errors.New("workflow not found")
	res = run(t, n, newStep(s))
	assert.Equal(t, "failedToEnqueue", res.Event)
	assert.Equal(t, map[string]any{"error": "voice: workflow not found"}, res.Outputs)

	_, err = n.Run(newStep(&widgets.Services{}))
	assert.ErrorContains(t, err, "no voice service")
}
