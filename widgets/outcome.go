package widgets

// Outcome returns the result of a waiting widget whose host reported ev:
// the event taken, with the host's data as outputs (for outcomes whose data
// is not sensitive).
func Outcome(ev Event) Result {
	if len(ev.Data) == 0 {
		return Result{Event: ev.Name}
	}
	return Result{Event: ev.Name, Outputs: CopyData(ev.Data)}
}

// OutcomeWithStatus is Outcome with the status field key defaulted from
// defaults[ev.Name] when the host did not report one.
func OutcomeWithStatus(ev Event, key string, defaults map[string]string) Result {
	out := CopyData(ev.Data)
	if DataString(out, key) == "" {
		out[key] = defaults[ev.Name]
	}
	return Result{Event: ev.Name, Outputs: out}
}

// PlacedCallStatus returns the CallStatus after each outcome of a call the
// flow placed (make-outgoing-call-v2, make-outbound-call) when the host does
// not report one; OutcomeWithStatus takes it as defaults.
func PlacedCallStatus() map[string]string {
	return map[string]string{
		"answered": "in-progress", "busy": "busy", "noAnswer": "no-answer", "failed": "failed", "invalidNumber": "failed",
	}
}
