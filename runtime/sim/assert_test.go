package sim_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studioflow/studioflow/runtime/sim"
)

func TestAssertHelpersFailWithADiff(t *testing.T) {
	s := sim.New(sim.WithFlow("FWacme", menu(t)))
	run, err := s.Run(ctx, sim.Start{}, sim.Script{sim.Press("1")})
	require.NoError(t, err)

	rec := &recorder{}
	assert.True(t, sim.AssertPath(rec, run, []string{"Trigger", "greet", "menu", "route", "sales"}))
	assert.True(t, sim.AssertTranscript(rec, run, run.Lines()))
	assert.True(t, sim.AssertSteps(rec, run, run.StepLines()))
	assert.Empty(t, rec.errors)

	assert.False(t, sim.AssertPath(rec, run, []string{"Trigger", "greet", "menu", "route", "support_sms"}))
	require.Len(t, rec.errors, 1)
	msg := rec.errors[0]
	assert.Contains(t, msg, "the run's path differs (- want, + got)")
	assert.Contains(t, msg, "-support_sms")
	assert.Contains(t, msg, "+sales")
	assert.Contains(t, msg, "run: ended: Trigger > greet > menu > route > sales")

	assert.False(t, sim.AssertTranscript(rec, run, []string{`voice.say "Thanks for calling Acme."`, `caller.press "2"`}))
	require.Len(t, rec.errors, 2)
	assert.Contains(t, rec.errors[1], "the run's transcript differs")
	assert.Contains(t, rec.errors[1], `-caller.press "2"`)
	assert.Contains(t, rec.errors[1], `+caller.press "1"`)

	assert.False(t, sim.AssertSteps(rec, run, nil))
	require.Len(t, rec.errors, 3)
	assert.Contains(t, rec.errors[2], "+route -match-> sales")
}
