// Package connect runs Amazon Connect's flow language: every action type
// of Connect's flows and flow modules as a widget type, registered for
// definitions that package flow/connect reads (flow.VendorConnect).
//
//	reg := standard.New() // holds these types already
//	d, err := fconnect.Parse(export) // package flow/connect
//	engine, err := runtime.New(runtime.WithFlow("main", d), runtime.WithRegistry(reg), ...)
//
// # The contact
//
// Connect's references ($.Attributes.x, $.External.x, $.FlowAttributes.x,
// $.StoredCustomerInput, $.CustomerEndpoint.Address, $.Channel, $.Queue.Name,
// $.Attributes.['a name'] ...) stay in the definition as written and are
// resolved when a step runs. A parameter that is one reference takes its
// value (an object stays an object); a text with references in it takes
// each one's text, "" for one that names nothing. "$" followed by
// anything else (a ${DEPLOYMENT} placeholder) is text.
//
// The contact lives in the values the execution shares across its frames
// (widgets.StepContext.Shared), under Connect's names: ContactId,
// InitialContactId, Channel (VOICE, CHAT, TASK), InitiationMethod,
// CustomerEndpoint, SystemEndpoint, Attributes, External, StoredCustomerInput,
// Lex, Queue, Metrics, Modules, CustomerCallbackNumber, TextToSpeechVoiceId
// and what the UpdateContact* actions record. See ensureContact for how a
// start sets it up. $.FlowAttributes are the running flow's own
// (flow.variables of its frame): a module or a flow transferred to starts
// without them, as Connect documents.
//
// # Actions
//
// Transitions follow package flow/connect: NextAction, Condition (the
// first condition that holds wins; Equals, TextStartsWith, TextEndsWith,
// TextContains and the Number operators, which are false on text that
// is not a number) and one event per ErrorType. An error the state has
// no branch for takes NoMatchingError, and without that the flow ends.
//
//   - MessageParticipant, MessageParticipantIteratively: Text, SSML,
//     PromptId or Media spoken on a call (widgets.Voice) or Text sent on a
//     chat (widgets.Messaging).
//   - GetParticipantInput: a DTMF menu (one key, its conditions), or with
//     StoreInput "True" input kept as $.StoredCustomerInput ("Timeout"
//     when nothing came before InputTimeLimitSeconds, on the success
//     branch; with InputEncryption, encrypted by the host's ContactCenter
//     and never kept in clear); a chat contact's reply is the entered
//     text. The wait takes keypress (Digits), incomingMessage (Body),
//     timeout and hangup.
//   - ConnectParticipantWithLexBot: the customer's words go to the bot
//     through the contact center; $.Lex holds the answer.
//   - Compare, DistributeByPercentage (a number from 1 to 100 drawn with
//     the engine's randomness, tested by the conditions), Loop (LoopCount
//     ContinueLooping, then DoneLooping, per state), Wait (WaitCompleted on
//     its timeout, or one of its Events).
//   - UpdateContactAttributes, UpdateFlowAttributes, the UpdateContact*
//     family (recorded on the contact), UpdateFlowLoggingBehavior.
//   - InvokeLambdaFunction ($.External), CheckHoursOfOperation,
//     CheckMetricData, GetMetricData, CreateCallbackContact, CreateTask,
//     ShowView, StartVoiceIdStream, CheckVoiceId, the customer-profile and
//     case actions: requests to the host's widgets.ContactCenter, whose
//     request and answer each type's function documents. Without one they
//     take their error branch.
//   - InvokeFlowModule and EndFlowModuleExecution: a module in a frame of
//     its own, returning to the flow; TransferToFlow: another flow in the
//     current one's place. Both are resolved by the engine's sources (an
//     id, an ARN or a name, as the host registered it).
//   - TransferContactToQueue (success ends the flow),
//     TransferParticipantToThirdParty, DisconnectParticipant,
//     EndFlowExecution.
//
// An action type this package does not know loads with a warning
// (CodeActionUnsupported) and fails its step with widgets.ErrUnsupported
// (runtime.FailureUnsupported), so one exotic block never refuses a whole
// flow.
//
// # Flow types and modules
//
// A definition's flow type is its resource description's Type
// (fconnect.FlowType). Only an inbound flow (CONTACT_FLOW) may invoke a
// module; a module may not invoke one; only inbound and transfer flows may
// use TransferToFlow, and only a module may end with
// EndFlowModuleExecution: each is a check error (CodeModuleNotAllowed,
// CodeTransferNotAllowed, CodeNotAModule). The engine refuses a module inside a module at run
// time too.
package connect

import (
	"fmt"

	"github.com/studioflow/studioflow/flow"
	fconnect "github.com/studioflow/studioflow/flow/connect"
	"github.com/studioflow/studioflow/widgets"
)

// Events of Connect's transitions (package flow/connect's).
const (
	EventNext      = fconnect.EventNext
	EventCondition = fconnect.EventCondition
)

// Problem codes of Connect's checks.
const (
	// CodeActionUnsupported (a warning): an action type this library does
	// not run.
	CodeActionUnsupported = "connect.action_unsupported"
	// CodeModuleNotAllowed: InvokeFlowModule in a flow that is not an
	// inbound flow (CONTACT_FLOW), or in a module.
	CodeModuleNotAllowed = "connect.module_not_allowed"
	// CodeNotAModule: EndFlowModuleExecution in a flow that is not a
	// module.
	CodeNotAModule = "connect.not_a_module"
	// CodeTransferNotAllowed: TransferToFlow in a module, or in a flow
	// that is not an inbound or transfer flow (queue, hold, whisper).
	CodeTransferNotAllowed = "connect.transfer_not_allowed"
	// CodeNoMatchEndsFlow (a warning): an action with conditions and no
	// NoMatchingCondition or NoMatchingError branch, where a contact no
	// condition matches ends the flow ("NoMatchingCondition - if no other
	// Condition matches", AWS, Compare).
	CodeNoMatchEndsFlow = "connect.no_match_ends_flow"
	// CodeIdentifierRefused (a warning): an action Identifier Amazon
	// Connect does not allow (a character it refuses, a reserved name,
	// more than 50 characters).
	CodeIdentifierRefused = "connect.identifier_refused"
)

// specs are the action types this package runs.
var specs = map[string]*spec{
	"MessageParticipant":            {errors: []string{ErrorNoMatchingError}, run: runMessage},
	"MessageParticipantIteratively": {errors: []string{ErrorNoMatchingError}, conditions: true, compile: compileIterative, run: runIterative, resume: resumeIterative},
	"GetParticipantInput": {errors: []string{ErrorNoMatchingError, ErrorNoMatchingCondition, ErrorInputTimeLimit, ErrorInvalidPhoneNumber},
		conditions: true, compile: compileInput, run: runInput, resume: resumeInput},
	"ConnectParticipantWithLexBot": {errors: []string{ErrorNoMatchingError, ErrorNoMatchingCondition, ErrorInputTimeLimit},
		conditions: true, compile: compileLex, run: runLex, resume: resumeLex},
	"Compare":                        {errors: []string{ErrorNoMatchingCondition}, conditions: true, run: runCompare},
	"DistributeByPercentage":         {errors: []string{ErrorNoMatchingCondition}, conditions: true, run: runDistribute},
	"Loop":                           {conditions: true, errors: []string{ErrorNoMatchingError}, run: runLoop},
	"Wait":                           {errors: []string{ErrorNoMatchingError}, conditions: true, compile: compileWait, run: runWait, resume: resumeWait},
	"UpdateContactAttributes":        {errors: []string{ErrorNoMatchingError}, run: runUpdateAttributes},
	"UpdateFlowAttributes":           {errors: []string{ErrorNoMatchingError}, run: runUpdateFlowAttributes},
	"UpdateContactTextToSpeechVoice": {errors: []string{ErrorNoMatchingError}, run: runTTSVoice},
	"UpdateContactRecordingBehavior": {errors: []string{ErrorNoMatchingError}, run: record("RecordingBehavior")},
	"UpdateContactRecordingAndAnalyticsBehavior": {errors: []string{ErrorNoMatchingError}, run: record("RecordingBehavior")},
	"UpdateContactEventHooks":                    {errors: []string{ErrorNoMatchingError}, run: record("EventHooks")},
	"UpdateContactTargetQueue":                   {errors: []string{ErrorNoMatchingError}, run: runTargetQueue},
	"UpdateContactRoutingBehavior":               {errors: []string{ErrorNoMatchingError}, run: record("RoutingBehavior")},
	"UpdateContactCallbackNumber":                {errors: []string{ErrorNoMatchingError, ErrorInvalidCallbackNumber, "CallbackNumberNotDialable"}, run: runCallbackNumber},
	"UpdateContactData":                          {errors: []string{ErrorNoMatchingError}, run: runContactData},
	"UpdateContactMediaProcessing":               {errors: []string{ErrorNoMatchingError}, run: record("MediaProcessing")},
	"UpdateContactMediaStreamingBehavior":        {errors: []string{ErrorNoMatchingError}, run: record("MediaStreams")},
	"UpdateFlowLoggingBehavior":                  {compile: compileLogging, run: runLogging},
	"InvokeLambdaFunction":                       {errors: []string{ErrorNoMatchingError}, compile: compileLambda, run: runLambda},
	"InvokeFlowModule":                           {errors: []string{ErrorNoMatchingError}, conditions: true, run: runInvokeModule, ret: returnModule},
	"EndFlowModuleExecution":                     {run: runEndModule},
	"TransferToFlow":                             {errors: []string{ErrorNoMatchingError}, run: runTransferToFlow, ret: returnTransfer},
	"TransferContactToQueue":                     {errors: []string{ErrorNoMatchingError, ErrorQueueAtCapacity}, run: runTransferToQueue},
	"TransferParticipantToThirdParty": {errors: []string{ErrorNoMatchingError, ErrorCallFailed, ErrorConnectionTimeLimit},
		compile: compileThirdParty, run: runThirdParty, resume: resumeThirdParty},
	"CheckHoursOfOperation":                     {errors: []string{ErrorNoMatchingError}, conditions: true, run: runHours},
	"CheckMetricData":                           {errors: []string{ErrorNoMatchingError, ErrorNoMatchingCondition}, conditions: true, run: runCheckMetric},
	"GetMetricData":                             {errors: []string{ErrorNoMatchingError}, run: runGetMetric},
	"CreateCallbackContact":                     {errors: []string{ErrorNoMatchingError}, run: ask("")},
	"CreateTask":                                {errors: []string{ErrorNoMatchingError}, run: ask(keyTask)},
	"ShowView":                                  {errors: []string{ErrorNoMatchingError, ErrorNoMatchingCondition, ErrorTimeLimitExceeded}, conditions: true, run: ask(keyViews)},
	"StartVoiceIdStream":                        {errors: []string{ErrorNoMatchingError}, run: ask(keyVoiceID)},
	"CheckVoiceId":                              {errors: []string{ErrorNoMatchingError, ErrorNoMatchingCondition}, conditions: true, run: ask(keyVoiceID)},
	"DisconnectParticipant":                     {run: runDisconnect},
	"EndFlowExecution":                          {run: runEndFlow},
	"CreateCustomerProfile":                     {errors: []string{ErrorNoMatchingError}, run: ask(keyCustomer)},
	"GetCustomerProfile":                        {errors: []string{ErrorNoMatchingError, "MultipleFoundError", "NoneFoundError"}, run: ask(keyCustomer)},
	"UpdateCustomerProfile":                     {errors: []string{ErrorNoMatchingError}, run: ask(keyCustomer)},
	"AssociateContactToCustomerProfile":         {errors: []string{ErrorNoMatchingError}, run: ask(keyCustomer)},
	"GetCustomerProfileObject":                  {errors: []string{ErrorNoMatchingError, "NoneFoundError"}, run: ask(keyCustomer)},
	"GetCalculatedAttributesForCustomerProfile": {errors: []string{ErrorNoMatchingError}, run: ask(keyCustomer)},
	"CreateCase":                                {errors: []string{ErrorNoMatchingError}, run: ask(keyCase)},
	"GetCase":                                   {errors: []string{ErrorNoMatchingError, "ContactNotLinked", "MultipleFound", "NoneFound"}, run: ask(keyCase)},
	"UpdateCase":                                {errors: []string{ErrorNoMatchingError}, run: ask(keyCase)},
}

func compileIterative(n *node, p *widgets.Props) {
	if p.Has("InterruptFrequencySeconds") {
		n.limit(p, "InterruptFrequencySeconds", 60, 1, 604800)
	}
}

func compileLex(n *node, p *widgets.Props) {
	n.timeout = widgets.Seconds(8)
	var t struct{ Text any }
	if p.Has("LexTimeoutSeconds") && p.Decode("LexTimeoutSeconds", &t) {
		if s := stringOf(t.Text); s != "" {
			var secs int
			if _, err := fmt.Sscan(s, &secs); err == nil && secs > 0 {
				n.timeout = widgets.Seconds(secs)
			}
		}
	}
}

// Types returns a widget type for every action type this package runs,
// each of flow.VendorConnect.
func Types() []widgets.Type {
	out := make([]widgets.Type, 0, len(specs))
	for name, sp := range specs {
		out = append(out, widgets.Type{Name: name, Compile: compileNode(name, sp), Vendor: flow.VendorConnect})
	}
	return out
}

// Register adds Connect's action types to r, and Connect's rules for its
// definitions: action types it does not know load with a warning, and the
// flow-type and module rules are checked.
func Register(r *widgets.Registry) error {
	if err := r.RegisterAll(Types()...); err != nil {
		return err
	}
	r.SetVendorRules(flow.VendorConnect, widgets.VendorRules{Fallback: unsupported, Check: Check})
	return nil
}

// transfersAllowed reports whether flows of type typ may use TransferToFlow:
// inbound flows and the transfer flows.
func transfersAllowed(typ string) bool {
	return typ == fconnect.TypeContactFlow || typ == fconnect.TypeAgentTransfer || typ == fconnect.TypeQueueTransfer
}

// Check reports what Connect forbids by flow type: InvokeFlowModule
// outside an inbound flow (CONTACT_FLOW) or inside a module,
// TransferToFlow outside inbound and transfer flows, and
// EndFlowModuleExecution outside a module.
func Check(d *flow.Definition) flow.Problems {
	var ps flow.Problems
	module := fconnect.IsModule(d)
	typ := fconnect.FlowType(d)
	for i := range d.States {
		s := &d.States[i]
		switch {
		case s.Type == "InvokeFlowModule" && module:
			ps = append(ps, flow.Problem{Path: flow.StatePath(i), State: s.Name, Code: CodeModuleNotAllowed, Severity: flow.SeverityError,
				Message: "a module may not invoke a module"})
		case s.Type == "InvokeFlowModule" && typ != fconnect.TypeContactFlow:
			ps = append(ps, flow.Problem{Path: flow.StatePath(i), State: s.Name, Code: CodeModuleNotAllowed, Severity: flow.SeverityError,
				Message: fmt.Sprintf("only an inbound flow (CONTACT_FLOW) may invoke a module; this flow is %s", typ)})
		case s.Type == "TransferToFlow" && (module || !transfersAllowed(typ)):
			where := "a module"
			if !module {
				where = "a " + typ + " flow"
			}
			ps = append(ps, flow.Problem{Path: flow.StatePath(i), State: s.Name, Code: CodeTransferNotAllowed, Severity: flow.SeverityError,
				Message: "TransferToFlow runs only in inbound and transfer flows, not in " + where})
		case s.Type == "EndFlowModuleExecution" && !module:
			ps = append(ps, flow.Problem{Path: flow.StatePath(i), State: s.Name, Code: CodeNotAModule, Severity: flow.SeverityError,
				Message: "only a module can end with EndFlowModuleExecution"})
		}
	}
	return ps
}
