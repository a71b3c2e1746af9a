// Package flowdiff compares two versions of a flow or module and reports
// what changed in meaning: states added, removed and renamed (renames
// found by content), widget types changed, properties changed with their
// values before and after, transitions added, removed, rewired or
// re-guarded, the initial state, flags and other top-level values, and,
// for modules, the contract (arguments, exits, outputs, exposed
// variables) with the breaking-change verdict of package module.
//
// It works on flow.Definition, so Twilio Studio's Flow JSON (flow.Parse)
// and Amazon Connect flows (connect.Parse) diff alike. What is not
// semantic is ignored: canvas offsets and Connect's canvas metadata, JSON
// formatting, key and property order.
//
//	c := flowdiff.Diff(old, new)
//	if !c.Empty() {
//		fmt.Print(c.Text())           // for people
//		out, _ := json.Marshal(c)     // for tools (schema: Changes, Change)
//	}
package flowdiff
