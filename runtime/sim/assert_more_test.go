package sim_test

import (
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studioflow/studioflow/runtime/sim"
)

// salesRun is the menu flow's caller who presses 1.
func salesRun(t *testing.T) *sim.Run {
	t.Helper()
	s := sim.New(sim.WithFlow("FWacme", menu(t)))
	run, err := s.Run(ctx, sim.Start{}, sim.Script{sim.Press("1")})
	require.NoError(t, err)
	return run
}

func TestAssertTranscriptContainsASubsequence(t *testing.T) {
	run := salesRun(t)
	rec := &recorder{}
	// In order, with lines between; none at all passes too.
	assert.True(t, sim.AssertTranscriptContains(rec, run, `voice.say "Thanks for calling Acme."`, `voice.say "Our sales team opens at nine. Goodbye."`))
	assert.True(t, sim.AssertTranscriptContains(rec, run, run.Lines()...))
	assert.True(t, sim.AssertTranscriptContains(rec, run))
	assert.Empty(t, rec.errors)

	// Out of order.
	assert.False(t, sim.AssertTranscriptContains(rec, run, `caller.press "1"`, `voice.say "Thanks for calling Acme."`))
	require.Len(t, rec.errors, 1)
	assert.Equal(t, `the run's transcript lacks line 2 of 2, in order: voice.say "Thanks for calling Acme." (it is transcript line 1, before line 1 matched at 3)
want, in order:
     3 caller.press "1"
  MISS voice.say "Thanks for calling Acme."
transcript:
     1 voice.say "Thanks for calling Acme."
     2 voice.gather.say "For sales press 1. For support press 2. To hear this again press 9."
     3 caller.press "1"
     4 voice.say "Our sales team opens at nine. Goodbye."
run: ended: Trigger > greet > menu > route > sales`, rec.errors[0])

	// Missing: the lines after it are not looked for.
	assert.False(t, sim.AssertTranscriptContains(rec, run, `caller.press "2"`, `caller.press "1"`))
	require.Len(t, rec.errors, 2)
	assert.Contains(t, rec.errors[1], "lacks line 1 of 2, in order: caller.press \"2\"\nwant, in order:\n  MISS caller.press \"2\"\n     ? caller.press \"1\"\n")
	// A partial line is no match.
	assert.False(t, sim.AssertTranscriptContains(rec, run, `caller.press`))
}

func TestAssertHelpersNeedNoMatchingLengths(t *testing.T) {
	run := salesRun(t)
	rec := &recorder{}
	assert.False(t, sim.AssertPath(rec, run, []string{"Trigger", "greet", "menu", "route", "sales", "extra"}))
	require.Len(t, rec.errors, 1)
	assert.Equal(t, "the run's path differs (- want, + got):\n Trigger\n greet\n menu\n route\n sales\n-extra\nrun: ended: Trigger > greet > menu > route > sales", rec.errors[0])
}

func TestAssertGolden(t *testing.T) {
	run := salesRun(t)
	// testdata/menu_sales.golden is checked in; go test -update rewrites it.
	assert.True(t, sim.AssertGolden(t, run, "testdata/menu_sales.golden"))

	// The rest compares, even under go test -update.
	setUpdate(t, false)
	dir := t.TempDir()
	rec := &recorder{}
	missing := filepath.Join(dir, "none.golden")
	assert.False(t, sim.AssertGolden(rec, run, missing))
	require.Len(t, rec.errors, 1)
	assert.Contains(t, rec.errors[0], "golden file "+missing+" does not exist: run go test with -update to write it")

	// A golden file with Windows line ends and one line changed.
	wrong := filepath.Join(dir, "wrong.golden")
	text := strings.Join(run.Lines(), "\r\n") + "\r\n"
	text = strings.Replace(text, `caller.press "1"`, `caller.press "2"`, 1)
	require.NoError(t, os.WriteFile(wrong, []byte(text), 0o644))
	assert.False(t, sim.AssertGolden(rec, run, wrong))
	require.Len(t, rec.errors, 2)
	assert.Contains(t, rec.errors[1], "the run's transcript differs from golden file "+wrong+" (- golden, + got; go test -update rewrites it):\n")
	assert.Contains(t, rec.errors[1], "\n-caller.press \"2\"\n+caller.press \"1\"\n")
}

// setUpdate sets -update for the rest of the test, as go test -update
// would, and restores it after.
func setUpdate(t *testing.T, on bool) {
	t.Helper()
	f := flag.Lookup(sim.UpdateFlag)
	require.NotNil(t, f, "sim registers -update in a test binary")
	was := f.Value.String()
	require.NoError(t, flag.Set(sim.UpdateFlag, strconv.FormatBool(on)))
	t.Cleanup(func() { _ = flag.Set(sim.UpdateFlag, was) })
}

func TestAssertGoldenUpdates(t *testing.T) {
	assert.Equal(t, "false", flag.Lookup(sim.UpdateFlag).DefValue)
	setUpdate(t, false)
	require.False(t, sim.UpdateGolden())
	setUpdate(t, true)
	require.True(t, sim.UpdateGolden())

	run := salesRun(t)
	path := filepath.Join(t.TempDir(), "new", "dir", "sales.golden")
	rec := &recorder{}
	assert.True(t, sim.AssertGolden(rec, run, path))
	assert.Empty(t, rec.errors)
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, strings.Join(run.Lines(), "\n")+"\n", string(b))

	// Written, it compares equal once -update is off.
	setUpdate(t, false)
	assert.True(t, sim.AssertGolden(rec, run, path))

	// A file that cannot be written fails.
	setUpdate(t, true)
	assert.False(t, sim.AssertGolden(rec, run, filepath.Join(path, "below-a-file.golden")))
	require.Len(t, rec.errors, 1)
	assert.Contains(t, rec.errors[0], "golden file: ")
}

func TestPathEndsWhereTheCallerHungUp(t *testing.T) {
	s := sim.New(sim.WithFlow("FWacme", menu(t)))
	// menu's gather has no hangup event: the session ends the execution.
	run, err := s.Run(ctx, sim.Start{}, sim.Script{sim.Hangup()})
	require.NoError(t, err)
	sim.AssertPath(t, run, []string{"Trigger", "greet", "menu"})
	assert.Equal(t, "ended (the caller hung up while \"menu\" waited): Trigger > greet > menu", run.String())

	// After a wrong key, the second visit of menu is where the caller left.
	run, err = s.Run(ctx, sim.Start{}, sim.Script{sim.Press("7"), sim.Hangup()})
	require.NoError(t, err)
	sim.AssertPath(t, run, []string{"Trigger", "greet", "menu", "route", "invalid", "menu"})

	// A session closed while it waits keeps the waiting state too.
	ss, err := s.Start(ctx, sim.Start{})
	require.NoError(t, err)
	require.NoError(t, ss.Close(ctx))
	sim.AssertPath(t, ss.Run(), []string{"Trigger", "greet", "menu"})

	// An execution that ended by itself gains nothing.
	sim.AssertPath(t, salesRun(t), []string{"Trigger", "greet", "menu", "route", "sales"})
}

func TestPathEndsWhereTheCallerHungUpInAModule(t *testing.T) {
	mod := `{"description": "ask", "initial_state": "Begin", "states": [
	  {"name": "Begin", "type": "begin-module", "transitions": [{"event": "next", "next": "ask"}], "properties": {"arguments": []}},
	  {"name": "ask", "type": "gather-input-on-call", "transitions": [{"event": "keypress", "next": "out"}, {"event": "timeout", "next": "out"}], "properties": {"say": "Press a key"}},
	  {"name": "out", "type": "return-to-flow", "transitions": [], "properties": {"exit": "done"}}]}`
	main := `{"description": "main", "initial_state": "Trigger", "states": [
	  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingCall", "next": "ask"}], "properties": {}},
	  {"name": "ask", "type": "run-module", "transitions": [{"event": "done"}, {"event": "failed"}], "properties": {"module": "ask", "arguments": []}}]}`
	cov := sim.NewCoverage()
	s := sim.New(sim.WithFlow("FWmain", parse(t, main)), sim.WithModule("ask", parse(t, mod)), sim.WithCoverage(cov))
	run, err := s.Run(ctx, sim.Start{}, sim.Script{sim.Hangup()})
	require.NoError(t, err)
	sim.AssertPath(t, run, []string{"Trigger", "module:ask/Begin", "module:ask/ask"})
	d, _ := cov.Of("module:ask")
	assert.Equal(t, []string{"out"}, d.Unreached(), "the state the caller hung up in counts as reached")
}
