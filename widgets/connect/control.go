package connect

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/studioflow/studioflow/flow"
	fconnect "github.com/studioflow/studioflow/flow/connect"
	"github.com/studioflow/studioflow/widgets"
)

// Flow control actions.

func runCompare(n *node, sc widgets.StepContext) (widgets.Result, error) {
	v := n.param(sc, "ComparisonValue")
	return n.choose(sc, v, map[string]any{"Value": v}), nil
}

// DistributeByPercentage draws a whole number from 1 to 100 with the
// engine's randomness; its conditions are a chain of NumberLessThan
// tests on it (the editor writes 20% then 40% as < 21 and < 61), the
// first that holds wins, and the rest take NoMatchingCondition.
func runDistribute(n *node, sc widgets.StepContext) (widgets.Result, error) {
	r := sc.Intn(100) + 1
	return n.choose(sc, strconv.Itoa(r), map[string]any{"Value": float64(r)}), nil
}

// Loop counts, for its own state in the running flow, how many times it
// has run: it takes ContinueLooping LoopCount times, then DoneLooping once,
// and starts counting again.
func runLoop(n *node, sc widgets.StepContext) (widgets.Result, error) {
	count, err := strconv.Atoi(strings.TrimSpace(n.str(sc, "LoopCount")))
	if err != nil || count < 0 || count > 100 {
		return n.fail(ErrorNoMatchingError, fmt.Sprintf("LoopCount %q is not a whole number from 0 to 100", n.str(sc, "LoopCount"))), nil
	}
	done := 0
	if v, ok := sc.Lookup("widgets." + sc.StateName() + ".Index"); ok {
		done = int(toFloat(v))
	}
	if done >= count {
		return n.choose(sc, "DoneLooping", map[string]any{"Index": 0.0}), nil
	}
	return n.choose(sc, "ContinueLooping", map[string]any{"Index": float64(done + 1)}), nil
}

func toFloat(v any) float64 {
	switch v := v.(type) {
	case float64:
		return v
	case int:
		return float64(v)
	case string:
		f, _ := strconv.ParseFloat(v, 64)
		return f
	}
	return 0
}

// CheckHoursOfOperation asks the contact center whether the hours of
// operation (HoursOfOperationId, else the target queue's) are open now:
// the answer's "InHours" (a boolean) is the "True" or "False" its
// conditions test. With neither, the contact center is asked with an
// empty id: the hours "for the current queue are checked" (AWS, Check
// hours of operation), and the host knows the queue a contact waits in
// (a customer queue flow's) when the flow never set one.
func runHours(n *node, sc widgets.StepContext) (widgets.Result, error) {
	id := n.str(sc, "HoursOfOperationId")
	if id == "" {
		id = queueID(sc)
	}
	ans, err := n.ask(sc, id, map[string]any{"HoursOfOperationId": id, "Time": sc.Now().UTC().Format("2006-01-02T15:04:05Z")})
	if err != nil {
		return n.failWith(err), nil
	}
	in, ok := ans["InHours"].(bool)
	if !ok {
		return n.fail(ErrorNoMatchingError, "the contact center's answer has no InHours"), nil
	}
	result := "False"
	if in {
		result = "True"
	}
	return n.choose(sc, result, map[string]any{"InHours": in}), nil
}

// CheckMetricData asks for one real-time metric (MetricType) of a queue
// (QueueId, AgentId, else the target queue): the answer's "Value" is what
// its conditions test.
func runCheckMetric(n *node, sc widgets.StepContext) (widgets.Result, error) {
	metric := n.str(sc, "MetricType")
	id := n.str(sc, "QueueId")
	if id == "" {
		id = n.str(sc, "AgentId")
	}
	if id == "" {
		id = queueID(sc)
	}
	ans, err := n.ask(sc, id, map[string]any{"MetricType": metric})
	if err != nil {
		return n.failWith(err), nil
	}
	v, ok := ans["Value"]
	if !ok {
		v = ans[metric]
	}
	return n.choose(sc, v, map[string]any{"Value": v}), nil
}

// GetMetricData loads a queue's real-time metrics as $.Metrics: the
// answer is its content (Queue.Size, Agents.Available.Count ...).
func runGetMetric(n *node, sc widgets.StepContext) (widgets.Result, error) {
	id := n.str(sc, "QueueId")
	if id == "" {
		id = n.str(sc, "AgentId")
	}
	if id == "" {
		id = queueID(sc)
	}
	params := map[string]any{}
	if ch := n.str(sc, "QueueChannel"); ch != "" {
		params["QueueChannel"] = ch
	}
	ans, err := n.ask(sc, id, params)
	if err != nil {
		return n.failWith(err), nil
	}
	if err := sc.SetShared(keyMetrics, ans); err != nil {
		return n.refused(err), nil
	}
	return n.next(nil), nil
}

func runEndFlow(n *node, sc widgets.StepContext) (widgets.Result, error) {
	return widgets.EndExecution(false, ""), nil
}

// DisconnectParticipant hangs up a live call and ends the flow.
func runDisconnect(n *node, sc widgets.StepContext) (widgets.Result, error) {
	if call := sc.Call(); call.Live {
		if v := sc.Services().Voice; v != nil {
			if err := v.Hangup(sc.Context(), call.Sid); err != nil {
				return widgets.Result{}, &widgets.ServiceError{Service: "voice", Err: err}
			}
		}
	}
	return widgets.EndExecution(false, "disconnected"), nil
}

// InvokeFlowModule runs the module FlowModuleId names (an id, an ARN or
// a name, which the engine's module source resolves) in a frame of its
// own: the contact's attributes cross into it and out of it, its flow
// attributes are its own, and what it leaves in $.External, $.Lex,
// $.StoredCustomerInput and $.Metrics does not reach the caller, as
// Connect documents. It comes back through EndFlowModuleExecution
// (NextAction, with $.Modules.Result "Success"); a module that cannot
// run takes NoMatchingError.
func runInvokeModule(n *node, sc widgets.StepContext) (widgets.Result, error) {
	ensureContact(sc)
	ref := n.str(sc, "FlowModuleId")
	if ref == "" {
		return n.fail(ErrorNoMatchingError, "FlowModuleId names no module"), nil
	}
	saved := map[string]any{}
	for _, k := range moduleLocal {
		if v, ok := sc.Shared(k); ok {
			saved[k] = v
		}
	}
	if err := sc.SetShared(keyCallerLocal, saved); err != nil {
		return n.refused(err), nil
	}
	input := n.param(sc, "Input")
	if err := sc.SetShared(keyModules, map[string]any{"Input": input}); err != nil {
		return n.refused(err), nil
	}
	params := map[string]any{}
	if input != nil {
		params["Input"] = input
	}
	return widgets.EnterFrame(widgets.Enter{Kind: widgets.FrameModule, Ref: ref, Parameters: params, Accept: acceptModule}), nil
}

// moduleLocal are the values a module's own actions set that Connect
// keeps from its caller.
var moduleLocal = []string{keyExternal, keyLex, keyStoredInput, keyMetrics}

// keyCallerLocal holds the caller's moduleLocal values while a module
// runs (Connect runs no module inside a module, so one is enough). No
// reference reaches it: a reference's first name starts with a letter.
const keyCallerLocal = "$caller"

func returnModule(n *node, sc widgets.StepContext, r widgets.Returned) (widgets.Result, error) {
	if saved, ok := sc.Shared(keyCallerLocal); ok {
		m, _ := saved.(map[string]any)
		for _, k := range moduleLocal {
			sc.SetShared(k, m[k])
		}
		sc.SetShared(keyCallerLocal, nil)
	}
	if r.Failed {
		return n.fail(ErrorNoMatchingError, r.Reason), nil
	}
	result := r.Exit
	if result == "" {
		result = "Success"
	}
	if err := sc.SetShared(keyModules, map[string]any{"Result": result, "ResultData": r.Outputs}); err != nil {
		return n.refused(err), nil
	}
	if result == "Error" {
		return n.fail(ErrorNoMatchingError, "the module returned Error"), nil
	}
	if len(n.conds) > 0 {
		return n.choose(sc, result, nil), nil
	}
	return n.next(nil), nil
}

// EndFlowModuleExecution returns from the module to the flow that invoked
// it. A module run on its own (a simulation of the module alone) ends
// there.
func runEndModule(n *node, sc widgets.StepContext) (widgets.Result, error) {
	if sc.TriggerEvent() != flow.EventIncomingParent {
		return widgets.EndExecution(false, "the module ended"), nil
	}
	exit := n.str(sc, "Result")
	if exit == "" {
		exit = "Success"
	}
	var out map[string]any
	if m, ok := n.param(sc, "ResultData").(map[string]any); ok {
		out = m
	}
	return widgets.ReturnToCaller(widgets.Return{Exit: exit, Outputs: out}), nil
}

// TransferToFlow ends the current flow and runs the one ContactFlowId
// names (an id, an ARN or a name, which the engine's flow source
// resolves) in its place (widgets.Enter.Replace): the contact, its
// attributes included, goes with it; the flow's own attributes do not.
// A flow may transfer the contact back to one it came from. A flow that
// cannot run, or is not an inbound, transfer to agent or transfer to
// queue flow, takes NoMatchingError.
func runTransferToFlow(n *node, sc widgets.StepContext) (widgets.Result, error) {
	ensureContact(sc)
	ref := n.str(sc, "ContactFlowId")
	if ref == "" {
		return n.fail(ErrorNoMatchingError, "ContactFlowId names no flow"), nil
	}
	return widgets.EnterFrame(widgets.Enter{Kind: widgets.FrameSubflow, Ref: ref, Replace: true, Accept: acceptTransfer}), nil
}

// acceptModule takes only a Connect flow module.
func acceptModule(d *flow.Definition) error {
	if d.Vendor != flow.VendorConnect || !fconnect.IsModule(d) {
		return errors.New("FlowModuleId names no Connect flow module")
	}
	return nil
}

// acceptTransfer takes the flow types Connect transfers a contact to: an
// inbound flow, a transfer to agent or a transfer to queue flow.
func acceptTransfer(d *flow.Definition) error {
	if d.Vendor != flow.VendorConnect || fconnect.IsModule(d) {
		return errors.New("ContactFlowId names no Connect flow")
	}
	if t := fconnect.FlowType(d); !transfersAllowed(t) {
		return fmt.Errorf("a contact cannot be transferred to a %s flow", t)
	}
	return nil
}

// returnTransfer takes the error branch of a flow that could not start
// (one that starts replaces this one for good and never returns).
func returnTransfer(n *node, sc widgets.StepContext, r widgets.Returned) (widgets.Result, error) {
	return n.fail(ErrorNoMatchingError, r.Reason), nil
}
