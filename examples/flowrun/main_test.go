package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// flowrun runs the command with args and stdin, returning the exit status,
// stdout and stderr.
func flowrun(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut strings.Builder
	code := run(args, strings.NewReader(stdin), &out, &errOut)
	return code, out.String(), errOut.String()
}

// write creates a file in a fresh temporary directory.
func write(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(p, []byte(content), 0o600))
	return p
}

// output is the part of the -json object the tests read.
type output struct {
	ID      string `json:"id"`
	Status  string `json:"status"`
	Reason  string `json:"reason"`
	Code    string `json:"failure_code"`
	Trigger string `json:"trigger"`
	Steps   []struct {
		Name string `json:"name"`
		From string `json:"transitioned_from"`
		To   string `json:"transitioned_to"`
		Type string `json:"type"`
	} `json:"steps"`
	Context struct {
		Flow struct {
			Variables map[string]any `json:"variables"`
		} `json:"flow"`
		Widgets map[string]any `json:"widgets"`
	} `json:"context"`
	Transcript []struct {
		Service string `json:"service"`
		Op      string `json:"op"`
		Text    string `json:"text"`
		To      string `json:"to"`
	} `json:"transcript"`
}

func decode(t *testing.T, stdout string) output {
	t.Helper()
	var o output
	dec := json.NewDecoder(strings.NewReader(stdout))
	require.NoError(t, dec.Decode(&o), stdout)
	assert.False(t, dec.More(), "one JSON object on stdout")
	return o
}

func TestMenuScriptJSON(t *testing.T) {
	code, stdout, stderr := flowrun(t, "", "-flow", "../ivr/menu.json", "-script", "../ivr/menu.script", "-json", "-now", "2026-01-05T10:00:00Z")
	require.Equal(t, 0, code, stderr)
	assert.Empty(t, stderr)
	o := decode(t, stdout)
	assert.Equal(t, "ended", o.Status)
	assert.Equal(t, "incomingCall", o.Trigger)
	var steps []string
	for _, s := range o.Steps {
		steps = append(steps, s.Name+" "+s.From+">"+s.To)
	}
	assert.Equal(t, []string{
		"incomingCall Trigger>greet", "audioComplete greet>menu", "keypress menu>route", "noMatch route>invalid",
		"audioComplete invalid>menu", "keypress menu>route", "match route>support_sms", "sent support_sms>support_bye",
		"audioComplete support_bye>Ended",
	}, steps)
	assert.Equal(t, "split-based-on", o.Steps[3].Type)
	var transcript []string
	for _, e := range o.Transcript {
		transcript = append(transcript, e.Service+"."+e.Op+" "+e.Text)
	}
	assert.Equal(t, []string{
		"voice.say Thanks for calling Acme.",
		"voice.gather.say For sales press 1. For support press 2. To hear this again press 9.",
		"caller.press 7",
		"voice.say Sorry, 7 is not an option.",
		"voice.gather.say For sales press 1. For support press 2. To hear this again press 9.",
		"caller.press 2",
		"messaging.send Acme support: https://acme.example/help",
		"voice.say We have texted you a link to our help pages. Goodbye.",
	}, transcript)
	assert.Equal(t, "+15551230000", o.Transcript[6].To)
	assert.Equal(t, "2", o.Context.Widgets["menu"].(map[string]any)["Digits"])
	assert.NotNil(t, o.Context.Flow.Variables)
}

func TestMenuScriptHumanOutput(t *testing.T) {
	code, stdout, stderr := flowrun(t, "", "-flow", "../ivr/menu.json", "-script", "../ivr/menu.script", "-now", "2026-01-05T10:00:00Z")
	require.Equal(t, 0, code, stderr)
	for _, want := range []string{
		`../ivr/menu.json "Acme main IVR": call from +15551230000 to +15559870000`,
		`  voice.say "Thanks for calling Acme."`,
		`    step Trigger -incomingCall-> greet`,
		`? menu (gather-input-on-call) waits for keypress, speech, timeout [input=dtmf speech, number_of_digits=1, sensitive=false, times out at 2026-01-05T10:01:05Z (its timeout, plus 1m0s the engine waits for the host to report it)]`,
		`  script: press DIGITS | speak TEXT | timeout`,
		"> press 7\n  voice.say \"Sorry, 7 is not an option.\"",
		`  messaging.send to=+15551230000 "Acme support: https://acme.example/help"`,
		`    step route -match-> support_sms`,
		"execution FN00000001 ended\n",
	} {
		assert.Contains(t, stdout, want)
	}
}

func TestScriptRunsOutThenTimeouts(t *testing.T) {
	script := write(t, "s.script", "# nothing but a comment\n\n")
	code, stdout, stderr := flowrun(t, "", "-flow", "../ivr/menu.json", "-script", script, "-now", "2026-01-05T10:00:00Z")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "> timeout (nothing scripted)\n  voice.say \"We did not hear from you. Goodbye.\"")
	assert.Contains(t, stdout, "step menu -timeout-> goodbye")
}

const invalidFlow = `{"description": "broken", "initial_state": "Trigger", "states": [
  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingCall", "next": "greet"}], "properties": {}},
  {"name": "greet", "type": "say-play", "transitions": [{"event": "audioComplete", "next": "nowhere"}], "properties": {}},
  {"name": "ask", "type": "gather-input-on-call", "transitions": [{"event": "keypress"}], "properties": {"timeout": 99}}
]}`

func TestBadInput(t *testing.T) {
	menu := "../ivr/menu.json"
	for _, tc := range []struct {
		name string
		args []string
		code int
		want []string
	}{
		{"missing flow file", []string{"-flow", "nope.json"}, 1, []string{"flowrun: stat nope.json: no such file or directory\n"}},
		{"missing script file", []string{"-flow", menu, "-script", "nope.script"}, 1, []string{"flowrun: open nope.script: no such file or directory\n"}},
		{"not JSON", []string{"-flow", write(t, "f.json", "{\"states\": [}")}, 1, []string{"f.json: flow: ", "line 1"}},
		{"invalid flow lists every problem", []string{"-flow", write(t, "broken.json", invalidFlow)}, 1, []string{
			"broken.json: invalid flow, 3 errors:\n",
			`  error #/states/1/transitions/0/next (state "greet"): event "audioComplete" goes to "nowhere", which is not a state of this definition [transition.next_unknown]`,
			`  error #/states/1/properties/say (state "greet"): a say-play needs one of say, play or digits [property.missing]`,
			`  error #/states/2/properties/timeout (state "ask"): timeout must be between 0 and 30, got 99 [property.out_of_range]`,
			`warning #/states/2 (state "ask"): no path from "Trigger" reaches this state [state.unreachable]`,
		}},
		{"event the wait does not accept", []string{"-flow", menu, "-script", write(t, "reply.script", "# texting a voice menu\nreply hi\n")}, 1, []string{
			`reply.script: line 2: reply hi: state "menu" waits for one of keypress, speech, timeout (script: press DIGITS, speak TEXT, timeout)` + "\n",
		}},
		{"unknown verb", []string{"-flow", menu, "-script", write(t, "verb.script", "press 7\n\njump 3\n")}, 1, []string{
			`verb.script: line 3: unknown verb "jump"; the verbs are press, speak, reply, answer, busy, no-answer, fail, hangup, timeout, event` + "\n",
		}},
		{"script left after the end", []string{"-flow", menu, "-script", write(t, "long.script", "press 1\npress 2\n")}, 1, []string{
			"long.script: line 2: press 2: the execution has already ended; nothing waits for this\n",
		}},
		{"not a module", []string{"-flow", menu, "-module", "m=" + menu}, 1, []string{"-module m: not a module"}},
		{"bad trigger", []string{"-flow", menu, "-trigger", "fax"}, 1, []string{`-trigger "fax": want call, message, conversation, request or parent`}},
		{"bad now", []string{"-flow", menu, "-now", "tomorrow"}, 1, []string{`-now "tomorrow": want an RFC3339 time`}},
		{"bad mocks", []string{"-flow", menu, "-http-mocks", write(t, "m.json", `[{"status": 200}]`)}, 1, []string{"m.json: http mocks: mock 0 has no url"}},
		{"no -flow", nil, 2, []string{"flowrun: -flow FILE is required\n", "usage: flowrun -flow FILE"}},
		{"bad -param", []string{"-flow", menu, "-param", "novalue"}, 2, []string{`want key=value, got "novalue"`}},
		{"stray argument", []string{"-flow", menu, "extra"}, 2, []string{`flowrun: unexpected argument "extra"`}},
		{"unknown subcommand", []string{"lint", menu}, 2, []string{`flowrun: unknown subcommand "lint": want one of check, diff, env, graph, test, or -flow FILE`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := flowrun(t, "", tc.args...)
			assert.Equal(t, tc.code, code)
			for _, w := range tc.want {
				assert.Contains(t, stderr, w)
			}
			if tc.code == 2 {
				assert.Empty(t, stdout)
			}
		})
	}
}

func TestInteractive(t *testing.T) {
	// A wrong verb and a text reply are refused and asked again; bare
	// digits are a keypress; an empty line times the menu out.
	stdin := "jump\nreply hi\nhelp\n9\n\n"
	code, stdout, stderr := flowrun(t, stdin, "-flow", "../ivr/menu.json", "-now", "2026-01-05T10:00:00Z")
	require.Equal(t, 0, code, stderr)
	for _, want := range []string{
		"  (empty line: timeout; help lists the verbs)\n> ",
		`  unknown verb "jump"; the verbs are`,
		`  reply hi: state "menu" waits for one of keypress, speech, timeout`,
		"  verbs: press, speak, reply, answer, busy, no-answer, fail, hangup, timeout, event\n",
		"step menu -keypress-> route",
		"step route -match-> menu",
		"> 9\n  voice.gather.say",
		"> \n  (nothing entered: timeout)\n  voice.say \"We did not hear from you. Goodbye.\"",
		"execution FN00000001 ended\n",
	} {
		assert.Contains(t, stdout, want)
	}

	// End of input: every wait takes its default; with -json the prompts go
	// to stderr and stdout holds only the result.
	code, stdout, stderr = flowrun(t, "", "-flow", "../ivr/menu.json", "-json", "-now", "2026-01-05T10:00:00Z")
	require.Equal(t, 0, code, stderr)
	assert.Equal(t, "ended", decode(t, stdout).Status)
	assert.Contains(t, stderr, "? menu (gather-input-on-call) waits for keypress, speech, timeout")
}

const lookupFlow = `{"description": "lookup", "initial_state": "Trigger", "states": [
  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingRequest", "next": "get"}], "properties": {}},
  {"name": "get", "type": "make-http-request", "transitions": [{"event": "success", "next": "hours"}, {"event": "failed", "next": "ko"}],
   "properties": {"method": "GET", "url": "https://api.example.com/users/{{flow.data.id}}"}},
  {"name": "hours", "type": "run-module", "transitions": [{"event": "open", "next": "ok"}, {"event": "closed", "next": "ok"}, {"event": "failed", "next": "ko"}],
   "properties": {"module": "hours", "outputs": [{"name": "state", "variable": "hours"}]}},
  {"name": "ok", "type": "set-variables", "transitions": [{"event": "next"}],
   "properties": {"variables": [{"key": "name", "value": "{{widgets.get.parsed.name}}"}, {"key": "from", "value": "{{trigger.request.From}}"}]}},
  {"name": "ko", "type": "set-variables", "transitions": [{"event": "next"}], "properties": {"variables": [{"key": "error", "value": "{{widgets.get.error}}{{widgets.hours.error}}"}]}}
]}`

const hoursModule = `{"description": "hours", "initial_state": "Begin", "states": [
  {"name": "Begin", "type": "begin-module", "transitions": [{"event": "next", "next": "rules"}], "properties": {"arguments": []}},
  {"name": "rules", "type": "time-based-rules", "transitions": [{"event": "office", "next": "open"}, {"event": "noMatch", "next": "closed"}],
   "properties": {"timezone": "UTC", "rules": [{"name": "office", "days": ["mon", "tue", "wed", "thu", "fri"], "start": "09:00", "end": "17:00"}]}},
  {"name": "open", "type": "return-to-flow", "transitions": [], "properties": {"exit": "open", "outputs": [{"name": "state", "value": "open"}]}},
  {"name": "closed", "type": "return-to-flow", "transitions": [], "properties": {"exit": "closed", "outputs": [{"name": "state", "value": "closed"}]}}
]}`

func TestMocksParamsModulesAndClock(t *testing.T) {
	flowFile := write(t, "lookup.json", lookupFlow)
	module := "hours=" + write(t, "hours.json", hoursModule)
	mocks := write(t, "mocks.json", `[{"method": "GET", "url": "https://api.example.com/users/7", "status": 200, "body": {"name": "Ana"}}]`)
	args := []string{"-flow", flowFile, "-module", module, "-http-mocks", mocks, "-param", "id=7", "-from", "+15550001111", "-json"}

	// Monday 10:00 UTC: open.
	code, stdout, stderr := flowrun(t, "", append(args, "-now", "2026-01-05T10:00:00Z")...)
	require.Equal(t, 0, code, stderr)
	o := decode(t, stdout)
	assert.Equal(t, "ended", o.Status)
	assert.Equal(t, map[string]any{"name": "Ana", "from": "+15550001111", "hours": "open"}, o.Context.Flow.Variables)
	require.NotEmpty(t, o.Transcript)
	assert.Equal(t, "https://api.example.com/users/7", o.Transcript[0].Text)

	// Sunday: closed.
	code, stdout, stderr = flowrun(t, "", append(args, "-now", "2026-01-04T10:00:00Z")...)
	require.Equal(t, 0, code, stderr)
	assert.Equal(t, "closed", decode(t, stdout).Context.Flow.Variables["hours"])

	// An unmocked request fails the HTTP widget; it never reaches the
	// network.
	code, stdout, stderr = flowrun(t, "", "-flow", flowFile, "-module", module, "-param", "id=8", "-json")
	require.Equal(t, 0, code, stderr)
	o = decode(t, stdout)
	assert.Contains(t, o.Context.Flow.Variables["error"], "no HTTP mock for GET https://api.example.com/users/8")

	// Without the module the run-module step takes failed.
	code, stdout, stderr = flowrun(t, "", "-flow", flowFile, "-http-mocks", mocks, "-param", "id=7", "-json")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, decode(t, stdout).Context.Flow.Variables["error"], `module "hours"`)

	// -param on a call start warns that it is ignored.
	_, _, stderr = flowrun(t, "", "-flow", "../ivr/menu.json", "-param", "a=b", "-script", write(t, "e.script", ""))
	assert.Contains(t, stderr, "flowrun: warning: -param sets flow.data only for a request trigger")
}

const textFlow = `{"description": "texts", "initial_state": "Trigger", "states": [
  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingMessage", "next": "ask"}, {"event": "incomingConversationMessage", "next": "ask"}], "properties": {}},
  {"name": "ask", "type": "send-and-wait-for-reply", "transitions": [{"event": "incomingMessage", "next": "thanks"}, {"event": "timeout"}],
   "properties": {"body": "You said {{trigger.message.Body}}{{trigger.conversation.Body}}. Name?"}},
  {"name": "thanks", "type": "send-message", "transitions": [{"event": "sent"}], "properties": {"body": "Thanks {{widgets.ask.inbound.Body}}"}}
]}`

func TestMessageTriggersAndReplies(t *testing.T) {
	flowFile := write(t, "texts.json", textFlow)
	script := write(t, "reply.script", "reply Ada Lovelace\n")
	for _, trigger := range []string{"", "message", "conversation"} {
		args := []string{"-flow", flowFile, "-body", "hello", "-script", script, "-json"}
		if trigger != "" {
			args = append(args, "-trigger", trigger)
		}
		code, stdout, stderr := flowrun(t, "", args...)
		require.Equal(t, 0, code, stderr)
		o := decode(t, stdout)
		var sent []string
		for _, e := range o.Transcript {
			if e.Service == "messaging" {
				sent = append(sent, e.Text)
			}
		}
		assert.Equal(t, []string{"You said hello. Name?", "Thanks Ada Lovelace"}, sent, trigger)
	}
}

// TestEveryTwilioExport runs every real Twilio Studio export to the end
// with an empty script: each wait times out (or the caller hangs up, or the
// call placed goes unanswered). Ended or failed (a limit, a template
// error) are both fine; a crash, a hang or bad input are not.
func TestEveryTwilioExport(t *testing.T) {
	files, _ := filepath.Glob("../../../shared/testdata/twilio/*.json")
	if len(files) == 0 {
		t.Skip("../shared/testdata/twilio is not beside the checkout")
	}
	empty := write(t, "empty.script", "")
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			args := []string{"-flow", f, "-script", empty, "-json", "-now", "2026-01-05T10:00:00Z", "-param", "to=+15550001111", "-max-steps", "100"}
			if filepath.Base(f) == "06_daily-sit-down-parent.json" {
				args = append(args, "-subflow", "FW50120385f4d1e8dcf30c0bcd83695969="+sharedExport(t, "twilio", "07_daily-sit-down-child.json"))
			}
			code, stdout, stderr := flowrun(t, "", args...)
			require.Equal(t, 0, code, stderr)
			o := decode(t, stdout)
			// Ended, or stopped by the step limit where the flow loops on
			// timeouts with nobody answering; never failed for another reason.
			if o.Status != "ended" {
				assert.Equal(t, "failed", o.Status)
				assert.Contains(t, []string{"limit_steps", "limit_repeats"}, o.Code, "failed for another reason: %s", o.Reason)
			}
			require.NotEmpty(t, o.Steps)
			assert.Equal(t, "Trigger", o.Steps[0].From)
			t.Logf("%s after %d steps %s", o.Status, len(o.Steps), o.Reason)
		})
	}
}

// sharedExport is the path of the named file of ../shared/testdata/<kind>
// (twilio or connect), skipping the test when that file is absent (as
// beside a checkout that holds another set of exports).
func sharedExport(t *testing.T, kind, name string) string {
	t.Helper()
	path := "../../../shared/testdata/" + kind + "/" + name
	if _, err := os.Stat(path); os.IsNotExist(err) {
		t.Skipf("../shared/testdata/%s/%s is absent", kind, name)
	}
	return path
}

// TestTwilioExportsWithScripts runs real exports along a scripted path:
// the subflow pair (06 parent, 07 child) answering every question, an IVR
// that connects to support, and an autodialer whose call is answered.
func TestTwilioExportsWithScripts(t *testing.T) {
	dir := "../../../shared/testdata/twilio/"
	if _, err := os.Stat(dir); err != nil {
		t.Skip("../shared/testdata/twilio is not beside the checkout")
	}
	mocks := write(t, "mocks.json", `[
	  {"method": "POST", "url": "https://ngrok.anthonydellavecchia.com/v1/users/validate", "status": 200, "body": {"valid": true}},
	  {"method": "GET", "url": "https://ngrok.anthonydellavecchia.com/v1/users/names", "status": 200, "body": {"name": "ada"}},
	  {"method": "POST", "url": "https://daily-sit-down-4177.twil.io/write-to-airtable", "status": 200, "body": {"ok": true}}
	]`)
	for _, tc := range []struct {
		name, script string
		args         []string
		said         []string
		last         string
	}{
		{"06 parent with 07 child", "reply fixed the login bug\nreply write tests\nreply none\nreply 1\n",
			[]string{"-flow", dir + "06_daily-sit-down-parent.json", "-subflow", "FW50120385f4d1e8dcf30c0bcd83695969=" + dir + "07_daily-sit-down-child.json",
				"-http-mocks", mocks, "-body", "sit down"},
			[]string{"ADA what did you do yesterday?", "ADA what will you do today?", "ADA what impediments do you have?",
				"Thanks, ada now get back to work.\n\nReply with 1 to view the Daily Sit-Down.", "https://airtable.com/shrgxvKyKIJ9pJItw"},
			"airtable_link"},
		{"17 IVR to support", "press 2\nevent callCompleted DialCallStatus=completed DialCallDuration=42\n",
			[]string{"-flow", dir + "17_ivr-studio-enqueue.json"},
			[]string{"Hello, how can we direct your call? Press 1 for sales, or say sales. To reach support, press 2 or say support."},
			"connect_call_to_support"},
		{"11 autodialer answered", "answer\nevent callComplete\n",
			[]string{"-flow", dir + "11_autodialer-outbound-call.json", "-param", "reason=confirm your delivery"},
			[]string{"Hello, we are calling you today to  confirm your delivery . Please wait while we connect you with an agent."},
			"enqueue"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, arg := range tc.args {
				// -flow dir/x.json, -subflow FW...=dir/y.json
				if _, name, ok := strings.Cut(arg, dir); ok {
					sharedExport(t, "twilio", name)
				}
			}
			args := append(tc.args, "-script", write(t, "s.script", tc.script), "-json", "-now", "2026-01-05T10:00:00Z")
			code, stdout, stderr := flowrun(t, "", args...)
			require.Equal(t, 0, code, stderr)
			o := decode(t, stdout)
			assert.Equal(t, "ended", o.Status, o.Reason)
			var said []string
			for _, e := range o.Transcript {
				if e.Op == "send" || e.Op == "say" || e.Op == "gather.say" {
					said = append(said, e.Text)
				}
			}
			assert.Equal(t, tc.said, said)
			assert.Equal(t, tc.last, o.Steps[len(o.Steps)-1].From)
		})
	}
}

const functionFlow = `{"description": "fn", "initial_state": "Trigger", "states": [
  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingRequest", "next": "fn"}], "properties": {}},
  {"name": "fn", "type": "run-function", "transitions": [{"event": "success", "next": "keep"}, {"event": "fail", "next": "sorry"}],
   "properties": {"function_sid": "ZH0001", "service_sid": "ZS1", "environment_sid": "ZE1"}},
  {"name": "keep", "type": "set-variables", "transitions": [{"event": "next"}], "properties": {"variables": [
    {"key": "v", "value": "{{widgets.fn.parsed.tier}} for {{contact.channel.address}} from {{flow.channel.address}}"}]}},
  {"name": "sorry", "type": "send-message", "transitions": [{"event": "sent"}, {"event": "failed"}], "properties": {"body": "sorry", "to": "{{contact.channel.address}}"}}
]}`

// A run-function step that names only a function_sid answers from
// -function; -from and -to mean what Twilio's From and To mean for a REST
// start (the Executions API: From the flow's number, To the contact).
func TestFunctionMocksAndRESTAddresses(t *testing.T) {
	flowFile := write(t, "fn.json", functionFlow)
	answer := write(t, "fn-answer.json", `{"status_code": 200, "body": {"tier": "gold"}}`)
	code, stdout, stderr := flowrun(t, "", "-flow", flowFile, "-function", "ZH0001="+answer,
		"-from", "+15559990000", "-to", "+15550001111", "-json", "-now", "2026-01-05T10:00:00Z")
	require.Equal(t, 0, code, stderr)
	o := decode(t, stdout)
	require.Equal(t, "ended", o.Status, o.Reason)
	assert.Equal(t, "gold for +15550001111 from +15559990000", o.Context.Flow.Variables["v"])

	// An answer file with a field it does not know is refused, not read as
	// a 200.
	bad := write(t, "bad.json", `{"status": 500}`)
	code, _, stderr = flowrun(t, "", "-flow", flowFile, "-function", "ZH0001="+bad, "-json")
	assert.NotEqual(t, 0, code)
	assert.Contains(t, stderr, "status_code")

	// Without the answer the step fails, and the text transcript says why.
	code, stdout, stderr = flowrun(t, "", "-flow", flowFile, "-now", "2026-01-05T10:00:00Z", "-script", write(t, "e.script", ""))
	require.Equal(t, 0, code, stderr)
	assert.Regexp(t, `step fn -fail-> sorry \(.+\)`, stdout)
}

// A gather's printed deadline says that it adds the engine's grace to the
// call's own timeout.
func TestGatherDeadlineExplainsTheGrace(t *testing.T) {
	code, stdout, stderr := flowrun(t, "", "-flow", "../ivr/menu.json", "-now", "2026-01-05T10:00:00Z", "-script", write(t, "e.script", ""))
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "(its timeout, plus 1m0s the engine waits for the host to report it)")
}

// Every Amazon Connect export runs with an empty script to a normal end;
// the format is detected.
func TestEveryConnectExport(t *testing.T) {
	files, _ := filepath.Glob("../../../shared/testdata/connect/*.json")
	if len(files) == 0 {
		t.Skip("../shared/testdata/connect is not beside the checkout")
	}
	empty := write(t, "empty.script", "")
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			code, stdout, stderr := flowrun(t, "", "-flow", f, "-script", empty, "-json", "-now", "2026-01-05T10:00:00Z")
			require.Equal(t, 0, code, stderr)
			o := decode(t, stdout)
			assert.Equal(t, "ended", o.Status, o.Reason)
			require.NotEmpty(t, o.Steps)
		})
	}
}

const connectMenu = `{"Version": "2019-10-30", "StartAction": "Menu", "Actions": [
 {"Identifier": "Menu", "Type": "GetParticipantInput",
  "Parameters": {"Text": "Press 1 for sales.", "StoreInput": "False", "InputTimeLimitSeconds": "5"},
  "Transitions": {"NextAction": "Bye", "Conditions": [{"NextAction": "Lookup", "Condition": {"Operator": "Equals", "Operands": ["1"]}}],
   "Errors": [{"NextAction": "Bye", "ErrorType": "NoMatchingCondition"}, {"NextAction": "Bye", "ErrorType": "InputTimeLimitExceeded"}]}},
 {"Identifier": "Lookup", "Type": "InvokeLambdaFunction", "Parameters": {"LambdaFunctionARN": "arn:aws:lambda:eu-west-1:1:function:crm"},
  "Transitions": {"NextAction": "Hours", "Errors": [{"NextAction": "Bye", "ErrorType": "NoMatchingError"}]}},
 {"Identifier": "Hours", "Type": "CheckHoursOfOperation", "Parameters": {},
  "Transitions": {"NextAction": "Bye", "Conditions": [{"NextAction": "Queue", "Condition": {"Operator": "Equals", "Operands": ["True"]}},
   {"NextAction": "Closed", "Condition": {"Operator": "Equals", "Operands": ["False"]}}], "Errors": [{"NextAction": "Bye", "ErrorType": "NoMatchingError"}]}},
 {"Identifier": "Closed", "Type": "MessageParticipant", "Parameters": {"Text": "Closed, $.External.name."}, "Transitions": {"NextAction": "Bye"}},
 {"Identifier": "Queue", "Type": "UpdateContactTargetQueue", "Parameters": {"QueueId": "arn:aws:connect:eu-west-1:1:instance/i/queue/sales"},
  "Transitions": {"NextAction": "Transfer", "Errors": [{"NextAction": "Bye", "ErrorType": "NoMatchingError"}]}},
 {"Identifier": "Transfer", "Type": "TransferContactToQueue", "Parameters": null,
  "Transitions": {"NextAction": "Bye", "Errors": [{"NextAction": "Full", "ErrorType": "QueueAtCapacity"}, {"NextAction": "Bye", "ErrorType": "NoMatchingError"}]}},
 {"Identifier": "Full", "Type": "MessageParticipant", "Parameters": {"Text": "Sales is busy, $.External.name."}, "Transitions": {"NextAction": "Bye"}},
 {"Identifier": "Bye", "Type": "DisconnectParticipant", "Parameters": {}, "Transitions": {}}]}`

// The Connect flags answer what the flow asks: -lambda, -hours and -queue.
func TestConnectFlags(t *testing.T) {
	flow := write(t, "menu.json", connectMenu)
	lambda := write(t, "crm.json", `{"name": "Ada"}`)
	script := write(t, "press.script", "press 1\n")

	code, stdout, stderr := flowrun(t, "", "-now", "2026-01-05T10:00:00Z", "-flow", flow, "-script", script, "-lambda", "crm="+lambda, "-hours", "closed")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, `voice.say "Closed, Ada."`)

	code, stdout, stderr = flowrun(t, "", "-now", "2026-01-05T10:00:00Z", "-flow", flow, "-script", script, "-lambda", "crm="+lambda, "-queue", "sales=full", "-json")
	require.Equal(t, 0, code, stderr)
	o := decode(t, stdout)
	assert.Equal(t, []string{"Transfer", "QueueAtCapacity", "Full"}, []string{o.Steps[len(o.Steps)-3].From, o.Steps[len(o.Steps)-3].Name, o.Steps[len(o.Steps)-3].To})
	assert.Equal(t, "Sales is busy, Ada.", o.Transcript[len(o.Transcript)-2].Text)

	code, stdout, stderr = flowrun(t, "", "-now", "2026-01-05T10:00:00Z", "-flow", flow, "-script", script, "-json")
	require.Equal(t, 0, code, stderr)
	o = decode(t, stdout)
	assert.Equal(t, []string{"Lookup", "Bye"}, []string{o.Steps[1].From, o.Steps[1].To}, "no answer for the function: its error branch")

	failed := write(t, "failed.json", `{"errorMessage": "crm is down"}`)
	code, stdout, stderr = flowrun(t, "", "-now", "2026-01-05T10:00:00Z", "-flow", flow, "-script", script, "-lambda", "crm="+failed, "-json")
	require.Equal(t, 0, code, stderr)
	o = decode(t, stdout)
	assert.Equal(t, []string{"Lookup", "Bye"}, []string{o.Steps[1].From, o.Steps[1].To})

	code, stdout, stderr = flowrun(t, "", "-now", "2026-01-05T10:00:00Z", "-flow", flow, "-channel", "CHAT", "-format", "connect", "-script", write(t, "r.script", "reply 2\n"), "-json")
	require.Equal(t, 0, code, stderr)
	o = decode(t, stdout)
	assert.Equal(t, "incomingMessage", o.Trigger)
	assert.Equal(t, "messaging", o.Transcript[0].Service)

	code, _, stderr = flowrun(t, "", "-now", "2026-01-05T10:00:00Z", "-flow", flow, "-hours", "maybe")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "-hours")
	code, _, stderr = flowrun(t, "", "-now", "2026-01-05T10:00:00Z", "-flow", flow, "-format", "twilio")
	assert.Equal(t, 1, code, "a Connect document is no Flow JSON")
	assert.NotEmpty(t, stderr)
}

// flowrun test runs test files: a summary and coverage, exit 1 on a
// failure or a flow under -min-coverage, JUnit XML and JSON for tools.
func TestTestCommand(t *testing.T) {
	code, stdout, stderr := flowrun(t, "", "test", "../ivr")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "5 passed, 0 failed in ")
	assert.Contains(t, stdout, "% ../ivr/menu.json (9/9 states, ")

	code, stdout, _ = flowrun(t, "", "test", "-min-coverage", "99", "../ivr")
	assert.Equal(t, 1, code)
	assert.Contains(t, stdout, "coverage of ../ivr/menu.json is ")

	junit := filepath.Join(t.TempDir(), "report.xml")
	code, stdout, stderr = flowrun(t, "", "test", "-json", "-junit", junit, "../../flowtest/testdata/fail")
	assert.Equal(t, 1, code, stderr)
	var out struct {
		Passed  int `json:"passed"`
		Failed  int `json:"failed"`
		Results []struct {
			Name     string   `json:"name"`
			Failures []string `json:"failures"`
		} `json:"results"`
	}
	require.NoError(t, json.Unmarshal([]byte(stdout), &out), stdout)
	assert.Equal(t, 1, out.Passed)
	assert.Equal(t, 2, out.Failed)
	assert.Equal(t, "status: want failed, got ended", out.Results[1].Failures[0])
	xmlOut, err := os.ReadFile(junit)
	require.NoError(t, err)
	assert.Contains(t, string(xmlOut), `<testsuite name="../../flowtest/testdata/fail/wrong.test.json" tests="3" failures="1" errors="1"`)

	code, _, stderr = flowrun(t, "", "test", t.TempDir())
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "no test files")
	code, _, _ = flowrun(t, "", "test", "-bogus")
	assert.Equal(t, 2, code)
}
