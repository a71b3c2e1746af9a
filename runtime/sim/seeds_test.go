package sim_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studioflow/studioflow/flow"
	"github.com/studioflow/studioflow/runtime"
	"github.com/studioflow/studioflow/runtime/sim"
)

func example(t *testing.T, dir, file string) *flow.Definition {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "examples", dir, file))
	require.NoError(t, err)
	return parse(t, string(data))
}

// TestSeedExamplesCoverage runs the seed examples' scenarios through the
// simulator and checks that the coverage report names every state and
// transition they leave out.
func TestSeedExamplesCoverage(t *testing.T) {
	cov := sim.NewCoverage()
	run := func(s *sim.Sim, st sim.Start, script sim.Script) {
		t.Helper()
		r, err := s.Run(ctx, st, script)
		require.NoError(t, err)
		require.NotEqual(t, runtime.StatusFailed, r.Status(), r.Execution.Reason)
	}

	// Seed 000: the holiday module from two lines, on Christmas and on an
	// ordinary day.
	holidays := []sim.Option{sim.WithFlow("FWsales", example(t, "holiday", "sales_line.json")),
		sim.WithFlow("FWsupport", example(t, "holiday", "support_line.json")),
		sim.WithModule("Holiday check", example(t, "holiday", "holiday_check_v1.json")), sim.WithCoverage(cov)}
	christmas := sim.New(append(holidays, sim.WithNow(time.Date(2026, 12, 25, 10, 0, 0, 0, time.UTC)))...)
	run(christmas, sim.Start{Flow: "FWsales"}, nil)
	ordinary := sim.New(append(holidays, sim.WithNow(time.Date(2027, 3, 2, 10, 0, 0, 0, time.UTC)))...)
	run(ordinary, sim.Start{Flow: "FWsupport"}, nil)

	// Seed 002: the SMS module from the password-reset flow only.
	sms := sim.New(sim.WithFlow("FWreset", example(t, "sms", "password_reset.json")),
		sim.WithFlow("FWbalance", example(t, "sms", "bank_balance.json")),
		sim.WithModule("Send SMS", example(t, "sms", "send_sms_module.json")), sim.WithCoverage(cov))
	run(sms, sim.Start{Flow: "FWreset", Params: map[string]any{"phone": "+351912345678", "sms_opt_in": "true", "code": "1"}}, nil)
	run(sms, sim.Start{Flow: "FWreset", Contact: "+2", Params: map[string]any{"phone": "12", "sms_opt_in": "true", "code": "1"}}, nil)

	// Seed 003: the API-triggered callback, answered then forwarded.
	outbound := sim.New(sim.WithFlow("FWcallback", example(t, "outbound", "installation_callback.json")), sim.WithCoverage(cov))
	run(outbound, sim.Start{Params: map[string]any{"contact_1": "+15551112222", "contact_2": "+15557770000"}},
		sim.Script{sim.Answer(), sim.Event("completed", nil)})

	// Seed 004: the reminder with its survey subflow, confirmed.
	reminder := sim.New(sim.WithFlow("FWreminder", example(t, "reminder", "reminder.json")),
		sim.WithFlow("FWsurvey", example(t, "reminder", "survey.json")), sim.WithCoverage(cov))
	run(reminder, sim.Start{Flow: "FWreminder", Params: map[string]any{"first_name": "Ada", "date": "today"}},
		sim.Script{sim.Reply("yes"), sim.Reply("5")})

	// Seed 001: the support line's two versions, each called once.
	for _, v := range []string{"support_v1.json", "support_v2.json"} {
		line := sim.New(sim.WithFlow("FWsupport_"+v[8:10], example(t, "versions", v)), sim.WithCoverage(cov))
		run(line, sim.Start{}, nil)
	}

	unreached := map[string][]string{}
	for _, d := range cov.Definitions() {
		unreached[d.Key] = d.Unreached()
	}
	assert.Equal(t, map[string][]string{
		"FWsales":              {"welcome"}, // only called on Christmas
		"FWsupport":            nil,
		"module:Holiday check": nil,
		"FWreset":              nil,
		"FWbalance":            {"Trigger", "sms", "ok", "ko"}, // never called
		"module:Send SMS":      {"not_sent", "not_opted_in"},
		"FWcallback":           {"sorry"},
		"FWreminder":           {"cancelled", "no_reply"},
		"FWsurvey":             nil,
		"FWsupport_v1":         nil,
		"FWsupport_v2":         nil,
	}, unreached)

	report := cov.Report()
	for _, line := range []string{
		"  unreached states: welcome",
		"  unreached states: Trigger, sms, ok, ko",
		"  unreached states: not_sent, not_opted_in",
		"  unreached states: sorry",
		"  unreached states: cancelled, no_reply",
		"    dial_customer -busy-> stop",
		"    answer -noMatch-> ask",
		"    text_link -failed-> Ended",
	} {
		assert.Contains(t, report, line)
	}
}
