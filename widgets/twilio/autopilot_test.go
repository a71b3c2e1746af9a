package twilio_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studioflow/studioflow/widgets"
	"github.com/studioflow/studioflow/widgets/twilio"
)

func TestSendToAutopilotChecks(t *testing.T) {
	base := map[string]any{"autopilot_assistant_sid": "UA1"}
	runChecks(t, "send-to-auto-pilot", []check{
		{name: "minimal", props: base},
		{name: "as the volunteer export", props: map[string]any{"chat_channel": "{{trigger.message.ChannelSid}}", "autopilot_assistant_sid": "UA2ef3",
			"from": "{{flow.channel.address}}", "chat_service": "{{trigger.message.InstanceSid}}", "body": "{{trigger.message.Body}}", "timeout": 14400}},
		{name: "assistant missing", props: map[string]any{"body": "hi"}, key: "autopilot_assistant_sid", code: widgets.CodePropertyMissing},
		{name: "timeout zero", props: props(base, map[string]any{"timeout": "0"})},
		{name: "timeout negative", props: props(base, map[string]any{"timeout": -1}), key: "timeout", code: widgets.CodePropertyRange},
		{name: "timeout too long", props: props(base, map[string]any{"timeout": 14401}), key: "timeout", code: widgets.CodePropertyRange},
		{name: "memory without key", props: props(base, map[string]any{"memory_parameters": []any{map[string]any{"value": "x"}}}), key: "memory_parameters", code: widgets.CodePropertyMissing},
	})
}

func TestSendToAutopilot(t *testing.T) {
	ty := typeOf(t, "send-to-auto-pilot")
	assert.False(t, ty.NeedsCall)
	assert.False(t, ty.NeedsMessaging)

	t.Run("defaults from a message", func(t *testing.T) {
		n := mustCompile(t, "send-to-auto-pilot", map[string]any{"autopilot_assistant_sid": "UA1"})
		res := run(t, n, newStep(&widgets.Services{}).Messaging())
		require.NotNil(t, res.Wait)
		assert.Equal(t, []string{"sessionEnded", "failure", "timeout"}, res.Wait.Events)
		assert.Equal(t, 4*time.Hour, res.Wait.Timeout)
		assert.Equal(t, map[string]any{"input": "autopilot session", "autopilot_assistant_sid": "UA1", "body": "hi there", "from": "+15550009999"}, res.Wait.Prompt)
	})
	t.Run("everything", func(t *testing.T) {
		n := mustCompile(t, "send-to-auto-pilot", map[string]any{
			"autopilot_assistant_sid": "UA1", "body": "{{flow.variables.q}}", "from": "+15550004444", "timeout": "60",
			"target_task": "greeting", "chat_service": "IS1", "chat_channel": "CH1", "chat_attributes": `{"a":1}`,
			"memory_parameters": []any{map[string]any{"key": "name", "value": "{{flow.variables.name}}"}},
		})
		res := run(t, n, newStep(&widgets.Services{}).Messaging().Set("flow.variables.q", "help").Set("flow.variables.name", "Ana"))
		require.NotNil(t, res.Wait)
		assert.Equal(t, time.Minute, res.Wait.Timeout)
		assert.Equal(t, map[string]any{
			"input": "autopilot session", "autopilot_assistant_sid": "UA1", "body": "help", "from": "+15550004444",
			"target_task": "greeting", "chat_service": "IS1", "chat_channel": "CH1", "chat_attributes": `{"a":1}`,
			"memory": map[string]any{"name": "Ana"},
		}, res.Wait.Prompt)
	})
	t.Run("timeout 0 waits without a deadline", func(t *testing.T) {
		n := mustCompile(t, "send-to-auto-pilot", map[string]any{"autopilot_assistant_sid": "UA1", "timeout": 0})
		res := run(t, n, newStep(&widgets.Services{}))
		require.NotNil(t, res.Wait)
		assert.Zero(t, res.Wait.Timeout)
	})
	t.Run("outcomes", func(t *testing.T) {
		n := mustCompile(t, "send-to-auto-pilot", map[string]any{"autopilot_assistant_sid": "UA1"})
		sc := newStep(&widgets.Services{})
		res := resume(t, n, sc, widgets.Event{Name: "sessionEnded", Data: map[string]any{
			"CurrentTask": "book", "DialogueSid": "UK1", "Memory": `{"twilio": {"chat": {}}, "slot": "tuesday"}`}})
		assert.Equal(t, "sessionEnded", res.Event)
		assert.Equal(t, map[string]any{"CurrentTask": "book", "DialogueSid": "UK1",
			"Memory": map[string]any{"twilio": map[string]any{"chat": map[string]any{}}, "slot": "tuesday"}}, res.Outputs)

		res = resume(t, n, sc, widgets.Event{Name: "sessionEnded", Data: map[string]any{"Memory": "not json"}})
		assert.Equal(t, map[string]any{"Memory": "not json"}, res.Outputs)

		// Memory nested past MaxParsedDepth stays text, as an HTTP body would.
		deep := strings.Repeat(`{"a":`, twilio.MaxParsedDepth+1) + "1" + strings.Repeat("}", twilio.MaxParsedDepth+1)
		res = resume(t, n, sc, widgets.Event{Name: "sessionEnded", Data: map[string]any{"Memory": deep}})
		assert.Equal(t, map[string]any{"Memory": deep}, res.Outputs)

		res = resume(t, n, sc, widgets.Event{Name: "failure", Data: map[string]any{"error": "assistant deleted"}})
		assert.Equal(t, "failure", res.Event)
		assert.Equal(t, map[string]any{"error": "assistant deleted"}, res.Outputs)

		res = resume(t, n, sc, widgets.Event{Name: "timeout"})
		assert.Equal(t, widgets.Result{Event: "timeout"}, res)
	})
}
