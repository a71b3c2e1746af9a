package compat

import (
	"fmt"
	"strings"
)

// CallState is what the analysis knows of the call at a step.
type CallState uint8

const (
	// NoCall: no call has existed on the path (message, conversation and
	// API-request flows before an outbound call is answered).
	NoCall CallState = iota
	// CallLive: a call is connected (after incomingCall, or after an
	// event listed in a widget's ProvidesCallOn).
	CallLive
	// CallEnded: the call is over (after an event listed in a widget's
	// EndsCallOn); only non-voice steps may follow.
	CallEnded
	// CallInherited: the call is the caller's, not known here (inside a
	// module, or a subflow entered by incomingParent).
	CallInherited
)

// String names the state in words.
func (c CallState) String() string {
	switch c {
	case NoCall:
		return "no call"
	case CallLive:
		return "call live"
	case CallEnded:
		return "call ended"
	case CallInherited:
		return "caller's call"
	}
	return fmt.Sprintf("CallState(%d)", uint8(c))
}

// Place is where a step stands, as the path analysis sees it: the flow type
// of the path's entry and the call on that path. Package module (or any
// caller) checks a module against the places of its run-module steps with
// Fits; ModuleUses lists them.
type Place struct {
	// Type is the flow type of the path's entry.
	Type FlowType
	// Call is the call state at the step.
	Call CallState
	// Placed records that an outbound call was placed earlier on the
	// path (a widget with PlacesCall ran, whatever its outcome).
	Placed bool
	// ConcurrentCalls records that the path began with an incoming call
	// in a flow that allows concurrent calls (flags.allow_concurrent_calls):
	// replies by message cannot be told apart there.
	ConcurrentCalls bool
}

// Requirements is what a module needs of the place where a run-module step
// runs it, drawn from its steps minus what it provides itself: a voice step
// after the module's own answered outbound call needs nothing of the
// caller.
type Requirements struct {
	// NeedsCall: a step needs a live call before the module provides one
	// itself. NeedsCallAt names the first such state found.
	NeedsCall bool
	// NeedsCallAt is the name of the first state found that needs a live
	// call; empty unless NeedsCall.
	NeedsCallAt string
	// NeedsMessaging: a step waits for a message reply
	// (send-and-wait-for-reply). NeedsMessagingAt names the first.
	NeedsMessaging bool
	// NeedsMessagingAt is the name of the first state found that waits for
	// a message reply; empty unless NeedsMessaging.
	NeedsMessagingAt string
	// PlacesCall: a step places an outbound call, so the caller must not
	// have placed one already nor have a live call. PlacesCallAt names
	// the first.
	PlacesCall bool
	// PlacesCallAt is the name of the first state found that places an
	// outbound call; empty unless PlacesCall.
	PlacesCallAt string
	// Exits maps each module exit (the exit property of a reachable
	// return-to-flow) to the ways the call can stand when the module
	// returns through it. A run-module event with no entry here (failed,
	// or an exit the module lacks) leaves the caller's call as it was.
	Exits map[string][]ExitCall
}

// String lists the requirements in words, or "nothing".
func (r Requirements) String() string {
	var parts []string
	if r.NeedsCall {
		parts = append(parts, fmt.Sprintf("needs a live call at entry (state %q)", r.NeedsCallAt))
	}
	if r.NeedsMessaging {
		parts = append(parts, fmt.Sprintf("waits for a message reply (state %q)", r.NeedsMessagingAt))
	}
	if r.PlacesCall {
		parts = append(parts, fmt.Sprintf("places an outbound call (state %q)", r.PlacesCallAt))
	}
	if len(parts) == 0 {
		return "nothing"
	}
	return strings.Join(parts, ", ")
}

// ExitCall is one way the call can stand when a module returns through an
// exit.
type ExitCall struct {
	// Call is the call state at the return-to-flow; CallInherited means
	// the caller's call is as it was.
	Call CallState
	// Placed records that the module placed an outbound call on the way.
	Placed bool
}

// After returns the place after the run-module step when the module, run
// at p, returns this way.
func (e ExitCall) After(p Place) Place {
	switch {
	case e.Call == CallInherited:
	case e.Call == CallEnded && p.Call == NoCall && !e.Placed:
		// The module ended a call the caller never had.
	default:
		p.Call = e.Call
	}
	p.Placed = p.Placed || e.Placed
	return p
}

// need is a bit set of what a step or a module needs of its place.
type need uint8

const (
	needCall need = 1 << iota
	needMessaging
	needPlaces
)

func (r Requirements) needs() need {
	var n need
	if r.NeedsCall {
		n |= needCall
	}
	if r.NeedsMessaging {
		n |= needMessaging
	}
	if r.PlacesCall {
		n |= needPlaces
	}
	return n
}

// violation is one rule a need breaks at a place.
type violation struct {
	code string
	need need
	// reason completes "it ...": "needs a live call, and no call exists".
	reason string
}

// judge checks needs n at place p. It returns the rules broken and the
// needs passed on to the caller (inside a module or subflow, what depends
// on the caller's call).
func judge(n need, p Place) (vs []violation, inherit need) {
	if n&needCall != 0 {
		switch p.Call {
		case NoCall:
			vs = append(vs, violation{CodeNeedsCall, needCall, "needs a live call, and no call exists there"})
		case CallEnded:
			vs = append(vs, violation{CodeAfterCallEnded, needCall, "needs a live call, and the call has ended there"})
		case CallInherited:
			inherit |= needCall
		}
	}
	if n&needMessaging != 0 {
		switch {
		case p.ConcurrentCalls:
			vs = append(vs, violation{CodeReplyWaitConcurrentCalls, needMessaging,
				"waits for a message reply downstream of an incoming call in a flow that allows concurrent calls"})
		case p.Type == Module || p.Type == Subflow:
			inherit |= needMessaging
		}
	}
	if n&needPlaces != 0 {
		switch {
		case p.Placed:
			vs = append(vs, violation{CodeSecondOutboundCall, needPlaces,
				"places an outbound call, and one was already placed on that call path"})
		case p.Type == IncomingCall:
			vs = append(vs, violation{CodeOutboundOnCallPath, needPlaces,
				"places an outbound call, which an incoming-call flow may not: its call path already has the incoming call"})
		case p.Call == CallLive:
			vs = append(vs, violation{CodeSecondOutboundCall, needPlaces,
				"places an outbound call, and a call is already live on that call path"})
		case p.Type == Module || p.Type == Subflow:
			inherit |= needPlaces
		}
	}
	return vs, inherit
}

// Fits reports whether a module with requirements req may run at place at,
// and if not, why (the rules broken, in words). At a place whose call is
// inherited (inside a module or a subflow), what depends on the outer
// caller is accepted: it becomes a requirement of the enclosing module.
func Fits(req Requirements, at Place) (ok bool, why string) {
	vs, _ := judge(req.needs(), at)
	if len(vs) == 0 {
		return true, ""
	}
	return false, describe(req, vs)
}

// describe words the violations of a module's requirements.
func describe(req Requirements, vs []violation) string {
	parts := make([]string, len(vs))
	for i, v := range vs {
		at := ""
		switch v.need {
		case needCall:
			at = req.NeedsCallAt
		case needMessaging:
			at = req.NeedsMessagingAt
		case needPlaces:
			at = req.PlacesCallAt
		}
		if at != "" {
			parts[i] = fmt.Sprintf("its state %q %s", at, v.reason)
		} else {
			parts[i] = "it " + v.reason
		}
	}
	return strings.Join(parts, "; ")
}

// TypesFor returns the flow types a module with requirements req fits.
//
// Each type is tried at its entry: an incoming call is live there (and,
// when req waits for a message reply, the type fits only without
// concurrent calls); message, conversation, API-request and subflow entries
// have no call. API request, the type made for outbound calls (seed 003),
// is also tried after an answered outbound call, and listed as
// "API request (after answered)" when only that fits.
//
// Types is the catalog's summary (which modules a run-module step
// offers). Fits at a concrete place stays the authority: a message flow
// that places and answers a call may run a voice module at that point
// although Types does not list message types for it, and a subflow whose
// parent has a live call likewise.
//
// A module that needs a live call at entry and also places an outbound call
// fits nothing: where a call is live, no outbound call may be placed.
func TypesFor(req Requirements) Types {
	var out Types
	try := func(p Place) bool { ok, _ := Fits(req, p); return ok }
	if try(Place{Type: IncomingCall, Call: CallLive, ConcurrentCalls: true}) {
		out = append(out, Fit{Type: IncomingCall})
	} else if try(Place{Type: IncomingCall, Call: CallLive}) {
		out = append(out, Fit{Type: IncomingCall, NoConcurrentCalls: true})
	}
	for _, t := range []FlowType{IncomingMessage, IncomingConversation} {
		if try(Place{Type: t}) {
			out = append(out, Fit{Type: t})
		}
	}
	if try(Place{Type: APIRequest}) {
		out = append(out, Fit{Type: APIRequest})
	} else if try(Place{Type: APIRequest, Call: CallLive, Placed: true}) {
		out = append(out, Fit{Type: APIRequest, AfterAnswered: true})
	}
	// A subflow's call is its parent's, not known here: listed when the
	// module fits with no call at all.
	if try(Place{Type: Subflow}) {
		out = append(out, Fit{Type: Subflow})
	}
	return out
}
