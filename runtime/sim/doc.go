// Package sim simulates the contacts of a flow: a scripted caller or texter
// starts an execution on a real runtime.Engine, answers each wait with the
// next action of its script (a keypress, speech, a reply, a call outcome,
// a hang-up, a timeout, any named event), and records what happened: the
// transcript of what was said, played, sent, dialled and requested, and the
// steps taken. The engine runs over the in-memory fakes of package
// widgets/fake, a fixed clock, sequential ids and seeded randomness, so a
// script always gives the same run.
//
//	s := sim.New(sim.WithFlow("FWacme", def))
//	run, err := s.Run(ctx, sim.Start{Trigger: runtime.TriggerCall},
//		sim.Script{sim.Press("7"), sim.Press("2")})
//	sim.AssertPath(t, run, []string{"Trigger", "greet", "menu", "route", "invalid", "menu", "route", "support_sms", "support_bye"})
//
// When the script runs out while the execution still waits, each wait takes
// its DefaultAction (a timeout, else the contact hanging up or not
// answering) until the execution ends, so every run terminates.
//
// Scripts are also text, one action per line (ParseScript): the format
// examples/flowrun reads with -script.
//
//	# a caller who presses a wrong key, then 2
//	press 7
//	press 2
//
// Run.Path lists the states the execution went through; a caller who hangs
// up where the wait takes no hangup event leaves the path ending in the
// state that waited.
//
// # Failures
//
// WithFailures makes chosen calls to the fake services fail: FailCall
// names the service (voice, messaging, http, functions, actions, payments,
// streams, contactcenter), which call, counted from 1 over every session
// of the simulator, and the error.
//
//	s := sim.New(sim.WithFlow("FWacme", def), sim.WithFailures(
//		sim.FailCall("messaging", 2, errors.New("carrier down")), // the second send fails
//		sim.FailCall("http", 1, context.DeadlineExceeded),        // the first request times out
//	))
//
// The fakes offer the same per fake (s.Fakes.Messaging.FailNth(2, err)) or
// by name (s.Fakes.FailNth("http", 1, err)), and count the calls each
// received (s.Fakes.Failures("http").Calls()).
//
// # Assertions
//
// AssertPath, AssertSteps and AssertTranscript compare a run with what a
// test expects and fail the test with a line diff; AssertTranscriptContains
// only wants some lines, in order, with others between them. They take a
// T, which *testing.T satisfies, and depend on no test framework.
//
// AssertGolden compares the transcript with a golden file, such as
// testdata/support.golden. Run the tests with -update to write the golden
// files from the runs (then review them with git diff):
//
//	go test ./runtime/sim/ -update
//
// The simulator defines the -update flag in every test binary that
// imports it, unless a flag of that name exists already; a test package
// with golden files of its own reads UpdateGolden instead of defining it
// again. go test ./... -update works when every package of ./... imports
// sim; otherwise list the packages that do, since a test binary without
// the flag refuses it.
//
// # Coverage
//
// Coverage accumulates over many runs which states and transitions of each
// flow and module were exercised, and reports those that were not; a
// trigger's events wired to nothing are not counted as missed.
// Coverage.AssertMin fails a test when a flow or module is covered below a
// threshold:
//
//	cov := sim.NewCoverage()
//	// ... every test builds its simulator with sim.WithCoverage(cov) ...
//	cov.AssertMin(t, 80)
package sim
