package sim_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studioflow/studioflow/runtime/sim"
)

func TestParseScriptEveryVerb(t *testing.T) {
	src := `# a caller
press 12#

speak   I need help  
reply "  spaced  "
answer
busy
no-answer
fail
hangup
timeout
   # indented comment
event callCompleted DialCallStatus=completed Note="two words" Empty=
event return
press *9
`
	s, err := sim.ParseScript(strings.NewReader(src))
	require.NoError(t, err)
	want := sim.Script{
		{Verb: "press", Text: "12#", Line: 2},
		{Verb: "speak", Text: "I need help", Line: 4},
		{Verb: "reply", Text: "  spaced  ", Line: 5},
		{Verb: "answer", Line: 6},
		{Verb: "busy", Line: 7},
		{Verb: "no-answer", Line: 8},
		{Verb: "fail", Line: 9},
		{Verb: "hangup", Line: 10},
		{Verb: "timeout", Line: 11},
		{Verb: "event", Event: "callCompleted", Data: map[string]any{"DialCallStatus": "completed", "Note": "two words", "Empty": ""}, Line: 13},
		{Verb: "event", Event: "return", Line: 14},
		{Verb: "press", Text: "*9", Line: 15},
	}
	assert.Equal(t, want, s)

	// String gives the script syntax back, and it parses to the same action.
	for _, a := range s {
		back, err := sim.ParseAction(a.String())
		require.NoError(t, err, a.String())
		back.Line = a.Line
		assert.Equal(t, a, back)
	}
	assert.Equal(t, `event callCompleted DialCallStatus=completed Empty="" Note="two words"`, s[9].String())

	// The Go constructors build the same actions.
	assert.Equal(t, sim.Press("12#"), sim.Action{Verb: "press", Text: "12#"})
	assert.Equal(t, sim.Event("x", nil), sim.Action{Verb: "event", Event: "x"})
	for verb, a := range map[string]sim.Action{"speak": sim.Speak("a"), "reply": sim.Reply("a"), "answer": sim.Answer(), "busy": sim.Busy(),
		"no-answer": sim.NoAnswer(), "fail": sim.Fail(), "hangup": sim.Hangup(), "timeout": sim.Timeout()} {
		assert.Equal(t, verb, a.Verb)
	}
}

func TestParseScriptErrorsNameTheLine(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{"press 1\njump 3\n", `line 2: unknown verb "jump"; the verbs are press, speak, reply, answer, busy, no-answer, fail, hangup, timeout, event`},
		{"press\n", `line 1: press needs the digits to press, such as: press 1`},
		{"\n\npress 1a\n", `line 3: press "1a": digits are 0-9, * and #`},
		{"speak\n", `line 1: speak needs text, such as: speak yes please`},
		{"reply \"open\n", `line 1: reply: bad quoted text "open`},
		{"answer now\n", `line 1: answer takes no argument, got "now"`},
		{"event\n", `line 1: event needs an event name, such as: event callCompleted DialCallStatus=completed`},
		{"event a=b\n", `line 1: event needs an event name, such as: event callCompleted DialCallStatus=completed`},
		{"event done oops\n", `line 1: event done: "oops" is not key=value`},
		{"event done k=\"v\n", `line 1: event: unterminated or bad quoted value in "k=\"v"`},
		{"event done k=\"v\"x\n", `line 1: event: a quoted value must end its field, in "x"`},
		{"Press 1\n", `line 1: unknown verb "Press"; the verbs are press, speak, reply, answer, busy, no-answer, fail, hangup, timeout, event`},
	} {
		_, err := sim.ParseScript(strings.NewReader(tc.src))
		require.Error(t, err, tc.src)
		assert.Equal(t, tc.want, err.Error(), tc.src)
		assert.True(t, errors.Is(err, sim.ErrSyntax))
		var se *sim.SyntaxError
		require.ErrorAs(t, err, &se)
		assert.NotEmpty(t, se.Text)
	}
	s, err := sim.ParseScript(strings.NewReader("# nothing\n\n"))
	require.NoError(t, err)
	assert.Empty(t, s)
}
