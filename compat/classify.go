package compat

import (
	"github.com/studioflow/studioflow/flow"
	"github.com/studioflow/studioflow/widgets"
)

// Kind is how a definition is classified: whose rules it follows, whether
// it is a module, and the flow types it serves. The checks read it: which
// call-path rules are errors and which warnings depends on the vendor
// (Rules), as does module nesting at run time.
type Kind struct {
	// Vendor is whose rules the definition follows.
	Vendor flow.Vendor
	// Declared reports that the host named the vendor (flow.Definition's
	// Vendor) rather than the document implying it.
	Declared bool
	// Module reports a module definition (initial state begin-module).
	Module bool
	// Types are the flow types it serves: one per wired trigger event, or
	// Module.
	Types []FlowType
}

// Classify classifies d once, by these rules, in order:
//
//  1. The host's word: d.Vendor, when set, is the vendor.
//  2. The document: a state whose type comes from one vendor's set (its
//     widgets.Type's Vendor in reg) makes the definition that vendor's:
//     any of Talkdesk's components makes a Talkdesk flow (they stand in
//     this library's JSON beside Twilio's), and any of Amazon Connect's
//     actions a Connect flow (a Connect definition kept as Flow JSON, which
//     does not hold the vendor, is still one).
//  3. Otherwise Twilio: Flow JSON is Twilio Studio's format, and module
//     state types and a host's own types belong to no vendor.
//
// Module is set for a definition whose initial state is begin-module, and
// Types lists the flow types of its trigger events (FlowTypes).
func Classify(reg *widgets.Registry, d *flow.Definition) Kind {
	k := Kind{Module: d.IsModule(), Types: FlowTypes(d)}
	if d.Vendor != "" {
		k.Vendor, k.Declared = d.Vendor, true
		return k
	}
	k.Vendor = flow.VendorTwilio
	if reg == nil {
		return k
	}
	k.Vendor = reg.VendorOf(d)
	return k
}

// Rules are the severities of the call-path rules for one vendor's flows.
type Rules map[string]flow.Severity

// RulesFor returns the severity of each call-path problem code for vendor.
// Talkdesk enforces its rules when a flow is published (seed 003: voice
// components only where a call exists, one outbound call per path), so for
// Talkdesk flows, and for any vendor not named here, each is an error.
// Twilio Studio publishes a flow whatever its call paths (a real export
// wires capture-payments' hangup event to a say-play), so for Twilio flows
// the call-path rules (CodeNeedsCall, CodeAfterCallEnded,
// CodeSecondOutboundCall, CodeOutboundOnCallPath,
// CodeReplyWaitConcurrentCalls) are warnings: the flow runs, a voice step
// where no call is live fails its execution (runtime.FailureNoCall), and
// so does a step placing a call while one is live (runtime.FailureCallLive).
// StrictRules makes them errors for every vendor. CodeNotAllowedInType and
// CodeModuleIncompatible stay errors: a trigger reached by a transition,
// or a module that cannot fit, is no flow Twilio can run either.
func RulesFor(vendor flow.Vendor) Rules {
	rules := StrictRules()
	if vendor == flow.VendorTwilio {
		for _, code := range []string{CodeNeedsCall, CodeAfterCallEnded, CodeSecondOutboundCall, CodeOutboundOnCallPath, CodeReplyWaitConcurrentCalls} {
			rules[code] = flow.SeverityWarning
		}
	}
	return rules
}

// StrictRules returns every call-path rule as an error, whatever the
// vendor (WithStrictRules).
func StrictRules() Rules {
	return Rules{
		CodeNeedsCall:                flow.SeverityError,
		CodeAfterCallEnded:           flow.SeverityError,
		CodeSecondOutboundCall:       flow.SeverityError,
		CodeOutboundOnCallPath:       flow.SeverityError,
		CodeReplyWaitConcurrentCalls: flow.SeverityError,
		CodeNotAllowedInType:         flow.SeverityError,
		CodeModuleIncompatible:       flow.SeverityError,
	}
}

// severity returns the severity of code under r (an error when r does not
// name it).
func (r Rules) severity(code string) flow.Severity {
	if s, ok := r[code]; ok {
		return s
	}
	return flow.SeverityError
}
