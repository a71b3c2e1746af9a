package compat

import (
	"strings"

	"github.com/studioflow/studioflow/flow"
)

// FlowType is the kind of interaction a flow serves, set by the trigger
// event that starts it. A flow that wires several trigger events has several
// types; a module has the type Module.
type FlowType string

// The flow types, in the order FlowTypes lists them.
const (
	// IncomingCall: started by incomingCall. The call is live from the
	// first step.
	IncomingCall FlowType = "incoming-call"
	// IncomingMessage: started by incomingMessage (SMS and other
	// messaging channels). No call exists.
	IncomingMessage FlowType = "incoming-message"
	// IncomingConversation: started by incomingConversationMessage. No call
	// exists.
	IncomingConversation FlowType = "incoming-conversation"
	// APIRequest: started by incomingRequest (REST API). No call exists
	// until an outbound call is placed and answered (seed 003).
	APIRequest FlowType = "api-request"
	// Subflow: started by incomingParent, run by another flow's
	// run-subflow. The call, if any, is the parent's, and is not known
	// here.
	Subflow FlowType = "subflow"
	// Module: a module definition (initial state begin-module), run by a
	// run-module step. The call, if any, is the caller's.
	Module FlowType = "module"
)

// flowTypes lists every type in index order; the index is part of the
// analysis context, so the order must not change.
var flowTypes = [...]FlowType{IncomingCall, IncomingMessage, IncomingConversation, APIRequest, Subflow, Module}

// triggerEvents maps each flow type but Module to its trigger event.
var triggerEvents = [...]string{
	flow.EventIncomingCall,
	flow.EventIncomingMessage,
	flow.EventIncomingConversationMessage,
	flow.EventIncomingRequest,
	flow.EventIncomingParent,
}

func (t FlowType) index() int {
	for i, ft := range flowTypes {
		if ft == t {
			return i
		}
	}
	return -1
}

// Label names the type in words, for messages: "incoming call",
// "API request".
func (t FlowType) Label() string {
	switch t {
	case IncomingCall:
		return "incoming call"
	case IncomingMessage:
		return "incoming message"
	case IncomingConversation:
		return "incoming conversation"
	case APIRequest:
		return "API request"
	case Subflow:
		return "subflow"
	case Module:
		return "module"
	}
	return string(t)
}

// TypeOfTrigger returns the flow type a trigger event starts: incomingCall
// makes IncomingCall, incomingMessage IncomingMessage,
// incomingConversationMessage IncomingConversation, incomingRequest
// APIRequest and incomingParent Subflow. It reports false for any other
// event.
func TypeOfTrigger(event string) (FlowType, bool) {
	for i, e := range triggerEvents {
		if e == event {
			return flowTypes[i], true
		}
	}
	return "", false
}

// FlowTypes returns the types of def: Module for a module (initial state
// begin-module); for a flow, one type per trigger event wired to a next
// state, in the order of the FlowType constants. A flow whose trigger
// leads nowhere has no type.
func FlowTypes(def *flow.Definition) []FlowType {
	if def.IsModule() {
		return []FlowType{Module}
	}
	wired := def.WiredTriggerEvents()
	var out []FlowType
	for i, e := range triggerEvents {
		for _, w := range wired {
			if w == e {
				out = append(out, flowTypes[i])
				break
			}
		}
	}
	return out
}

// Fit is one flow type a module can run in, with the condition under which
// it fits there.
type Fit struct {
	// Type is the flow type.
	Type FlowType
	// AfterAnswered: the module fits only where a call is live at the
	// run-module step, which an API-request flow has only after the
	// answered exit of an outbound call.
	AfterAnswered bool
	// NoConcurrentCalls: the module waits for a message reply, so it fits
	// an incoming-call flow only when flags.allow_concurrent_calls is off.
	NoConcurrentCalls bool
}

// String names the fit in words, such as "incoming call" or
// "API request (after answered)".
func (f Fit) String() string {
	s := f.Type.Label()
	if f.AfterAnswered {
		s += " (after answered)"
	}
	if f.NoConcurrentCalls {
		s += " (without concurrent calls)"
	}
	return s
}

// Types is the set of flow types a module can run in, in the order of the
// FlowType constants. Module itself is never listed: whether a module may
// run inside another module depends on that module's own callers, and is
// checked where the inner run-module step stands.
type Types []Fit

// Has reports whether t is in the set, whatever its condition.
func (ts Types) Has(t FlowType) bool {
	for _, f := range ts {
		if f.Type == t {
			return true
		}
	}
	return false
}

// FlowTypes returns the types of the set without their conditions.
func (ts Types) FlowTypes() []FlowType {
	out := make([]FlowType, len(ts))
	for i, f := range ts {
		out[i] = f.Type
	}
	return out
}

// String lists the fits, comma-separated, or "none".
func (ts Types) String() string {
	if len(ts) == 0 {
		return "none"
	}
	parts := make([]string, len(ts))
	for i, f := range ts {
		parts[i] = f.String()
	}
	return strings.Join(parts, ", ")
}
