package connect

import (
	"encoding/json"
	"maps"
	"strings"

	"github.com/studioflow/studioflow/flow"
	fconnect "github.com/studioflow/studioflow/flow/connect"
	"github.com/studioflow/studioflow/widgets"
)

// Contact actions: what the flow records on the contact.

// maxAttributeBytes is Connect's limit on a contact's attributes: 32 KB.
const maxAttributeBytes = 32 * 1024

// UpdateContactAttributes sets contact attributes ($.Attributes), all or
// none: past 32 KB in all it takes its error branch. TargetContact
// "Related" sets them on the related contact instead
// ($.RelatedContactAttributes here).
func runUpdateAttributes(n *node, sc widgets.StepContext) (widgets.Result, error) {
	set, ok := n.param(sc, "Attributes").(map[string]any)
	if !ok {
		return n.fail(ErrorNoMatchingError, "Attributes is not an object"), nil
	}
	key := keyAttributes
	if strings.EqualFold(n.str(sc, "TargetContact"), "Related") {
		key = keyRelatedAttributes
	}
	attrs := sharedMap(sc, key)
	if attrs == nil {
		attrs = map[string]any{}
	}
	for k, v := range set {
		attrs[k] = stringOf(v) // contact attributes are text
	}
	if b, _ := json.Marshal(attrs); len(b) > maxAttributeBytes {
		return n.fail(ErrorNoMatchingError, "the contact's attributes would pass 32 KB"), nil
	}
	if err := sc.SetShared(key, attrs); err != nil {
		return n.refused(err), nil
	}
	return n.next(nil), nil
}

// UpdateFlowAttributes sets the running flow's own attributes
// ($.FlowAttributes), written {"name": {"Value": "..."}} (or
// {"name": "..."}): they live in the flow's frame, so neither a module
// nor a flow transferred to sees them.
func runUpdateFlowAttributes(n *node, sc widgets.StepContext) (widgets.Result, error) {
	set, ok := n.param(sc, "FlowAttributes").(map[string]any)
	if !ok {
		return n.fail(ErrorNoMatchingError, "FlowAttributes is not an object"), nil
	}
	for k, v := range set {
		if m, ok := v.(map[string]any); ok {
			v = m["Value"]
		}
		sc.SetVariable(k, stringOf(v))
	}
	return n.next(nil), nil
}

// record stores the action's resolved parameters on the contact under
// key, merged into what earlier actions stored there: the UpdateContact*
// family (recording and analytics, event hooks, routing, media
// processing ...), whose effect is the contact center's to apply.
func record(key string) func(n *node, sc widgets.StepContext) (widgets.Result, error) {
	return func(n *node, sc widgets.StepContext) (widgets.Result, error) {
		m := sharedMap(sc, key)
		if m == nil {
			m = map[string]any{}
		}
		for k := range n.params {
			v := n.param(sc, k)
			if sub, ok := v.(map[string]any); ok {
				if old, ok := m[k].(map[string]any); ok {
					merged := maps.Clone(old)
					maps.Copy(merged, sub)
					v = merged
				}
			}
			m[k] = v
		}
		if err := sc.SetShared(key, m); err != nil {
			return n.refused(err), nil
		}
		return n.next(nil), nil
	}
}

// UpdateContactTextToSpeechVoice sets the voice later prompts speak in
// ($.TextToSpeechVoiceId), and its engine and style.
func runTTSVoice(n *node, sc widgets.StepContext) (widgets.Result, error) {
	if v := n.str(sc, "TextToSpeechVoice"); v != "" {
		if err := sc.SetShared(keyTextToSpeechVoiceID, v); err != nil {
			return n.refused(err), nil
		}
	}
	return record(keyTextToSpeech)(n, sc)
}

// UpdateContactTargetQueue sets the queue TransferContactToQueue and the
// queue actions use ($.Queue: ARN or Id as written, Name the last part
// of it unless the contact center names it).
func runTargetQueue(n *node, sc widgets.StepContext) (widgets.Result, error) {
	id := n.str(sc, "QueueId")
	q := map[string]any{}
	if id == "" {
		id = n.str(sc, "AgentId")
		q["AgentId"] = id
	}
	if id == "" {
		return n.fail(ErrorNoMatchingError, "neither QueueId nor AgentId names a queue"), nil
	}
	refs := fconnect.References(id)
	q["Id"], q["Name"] = id, refs[len(refs)-1]
	if strings.HasPrefix(id, "arn:") {
		q["ARN"] = id
	}
	if sc.Services().ContactCenter != nil {
		ans, err := n.ask(sc, id, nil)
		if err != nil {
			return n.failWith(err), nil
		}
		maps.Copy(q, ans)
	}
	if err := sc.SetShared(keyQueue, q); err != nil {
		return n.refused(err), nil
	}
	return n.next(nil), nil
}

// queueID is the contact's target queue, "" for none.
func queueID(sc widgets.StepContext) string {
	q := sharedMap(sc, keyQueue)
	if s := stringOf(q["ARN"]); s != "" {
		return s
	}
	return stringOf(q["Id"])
}

// UpdateContactCallbackNumber sets the number a callback calls
// ($.CustomerCallbackNumber); one that is not E.164 takes
// InvalidCallbackNumber.
func runCallbackNumber(n *node, sc widgets.StepContext) (widgets.Result, error) {
	num := n.str(sc, "CallbackNumber")
	if !e164.MatchString(num) {
		return n.fail(ErrorInvalidCallbackNumber, "the callback number is not an E.164 number"), nil
	}
	if err := sc.SetShared(keyCallbackNumber, num); err != nil {
		return n.refused(err), nil
	}
	return n.next(nil), nil
}

// UpdateContactData sets Connect-defined values of the contact: Name,
// Description, LanguageCode and CustomerId become $.Name ... ; the rest
// (Voice ID settings, References) are kept under $.ContactData.
func runContactData(n *node, sc widgets.StepContext) (widgets.Result, error) {
	for _, k := range []string{"Name", "Description", "LanguageCode", "CustomerId"} {
		if n.has(k) {
			if err := sc.SetShared(k, n.str(sc, k)); err != nil {
				return n.refused(err), nil
			}
		}
	}
	return record("ContactData")(n, sc)
}

// UpdateFlowLoggingBehavior turns flow logs on or off
// ($.FlowLoggingBehavior). Its FlowLoggingBehavior is "One of
// [Enabled,Disabled]. Dynamic values are not supported" (AWS,
// UpdateFlowLoggingBehavior): anything else is warned of when the flow is
// checked (Connect would not import it), and stored as it is.
func runLogging(n *node, sc widgets.StepContext) (widgets.Result, error) {
	if err := sc.SetShared(keyFlowLogging, n.str(sc, "FlowLoggingBehavior")); err != nil {
		return n.refused(err), nil
	}
	return n.next(nil), nil
}

// TransferContactToQueue puts the contact in its target queue: the
// contact center may answer that the queue is full (an *Error of type
// QueueAtCapacity); otherwise the contact is queued and the flow ends,
// as Connect's does (the customer queue flow takes over). Without a
// target queue it takes NoMatchingError. Without a contact center it
// ends the flow, the queue on record.
func runTransferToQueue(n *node, sc widgets.StepContext) (widgets.Result, error) {
	id := queueID(sc)
	if id == "" {
		return n.fail(ErrorNoMatchingError, "the contact has no target queue (UpdateContactTargetQueue sets it)"), nil
	}
	if sc.Services().ContactCenter != nil {
		if _, err := n.ask(sc, id, nil); err != nil {
			return n.failWith(err), nil
		}
	}
	return widgets.EndExecution(false, "transferred to queue "+stringOf(sharedMap(sc, keyQueue)["Name"])), nil
}

// TransferParticipantToThirdParty connects the caller to
// ThirdPartyPhoneNumber and waits for the call to end. With
// ContinueFlowExecution "False" a connected call ends the flow; otherwise
// the flow goes on, through CallFailed when the call fails or is busy,
// and ConnectionTimeLimitExceeded when nobody answers in
// ThirdPartyConnectionTimeoutSeconds (the console has written
// ThirdPartyConnectionTimeLimitSeconds; both are read).
func compileThirdParty(n *node, p *widgets.Props) {
	n.flag = !strings.EqualFold(rawString(p.State.Properties["ContinueFlowExecution"]), "false")
	if n.flag {
		// AWS's reference names it ThirdPartyConnectionTimeoutSeconds;
		// the console has written ...TimeLimitSeconds. It applies only
		// when the flow goes on after the call.
		n.limit(p, firstKey(p, "ThirdPartyConnectionTimeoutSeconds", "ThirdPartyConnectionTimeLimitSeconds"), 30, 0, 600)
	}
}

func runThirdParty(n *node, sc widgets.StepContext) (widgets.Result, error) {
	call := sc.Call()
	if channelOf(sc) != ChannelVoice || !call.Live {
		return n.fail(ErrorNoMatchingError, "only a live voice contact can be transferred to a number"), nil
	}
	v := sc.Services().Voice
	if v == nil {
		return widgets.Result{}, widgets.NotConfigured("voice", "no voice service is configured")
	}
	d := widgets.Dial{Noun: "number", To: n.str(sc, "ThirdPartyPhoneNumber"), Timeout: n.limitOf(sc)}
	if m, ok := n.param(sc, "CallerId").(map[string]any); ok {
		d.CallerID = stringOf(m["Number"])
	}
	if d.CallerID == "" {
		d.CallerID = sc.FlowAddress()
	}
	if err := v.Connect(sc.Context(), call.Sid, d); err != nil {
		return n.failWith(err), nil
	}
	return widgets.Suspend(widgets.Wait{Events: []string{"callCompleted", "hangup"}, Prompt: map[string]any{"dial": d.To}}, nil), nil
}

func resumeThirdParty(n *node, sc widgets.StepContext, ev widgets.Event) (widgets.Result, error) {
	status := widgets.DataString(ev.Data, "DialCallStatus")
	out := map[string]any{"DialCallStatus": status}
	switch status {
	case "no-answer":
		return n.fail(ErrorConnectionTimeLimit, "nobody answered"), nil
	case "busy", "failed", "canceled":
		return n.fail(ErrorCallFailed, "the call "+status), nil
	}
	if !n.flag {
		return widgets.EndExecution(false, "transferred to "+n.str(sc, "ThirdPartyPhoneNumber")), nil
	}
	return n.next(out), nil
}

// compileLogging warns of a FlowLoggingBehavior Connect refuses.
func compileLogging(n *node, p *widgets.Props) {
	v, _ := widgets.Scalar(p.State.Properties["FlowLoggingBehavior"])
	if v != "Enabled" && v != "Disabled" {
		p.Report("FlowLoggingBehavior", widgets.CodePropertyInvalid, flow.SeverityWarning,
			"FlowLoggingBehavior is %q: Connect takes Enabled or Disabled, written as such (not a reference)", v)
	}
}
