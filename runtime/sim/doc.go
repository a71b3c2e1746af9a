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
// Coverage accumulates over many runs which states and transitions of each
// flow and module were exercised, and reports those that were not.
package sim
