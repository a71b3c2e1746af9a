package connect_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studioflow/studioflow/flow"
	fconnect "github.com/studioflow/studioflow/flow/connect"
	"github.com/studioflow/studioflow/runtime"
	"github.com/studioflow/studioflow/runtime/sim"
	"github.com/studioflow/studioflow/widgets"
	"github.com/studioflow/studioflow/widgets/connect"
	"github.com/studioflow/studioflow/widgets/fake"
	"github.com/studioflow/studioflow/widgets/standard"
)

// doc builds a Connect document from actions written as
// "Identifier|Type|Parameters JSON|Transitions JSON"; the first is the
// start. typ, when set, wraps it in a resource description of that Type.
func doc(t testing.TB, typ string, actions ...string) *flow.Definition {
	t.Helper()
	var acts []string
	for _, a := range actions {
		parts := strings.SplitN(a, "|", 4)
		require.Len(t, parts, 4, a)
		acts = append(acts, fmt.Sprintf(`{"Identifier":%q,"Type":%q,"Parameters":%s,"Transitions":%s}`, parts[0], parts[1], parts[2], parts[3]))
	}
	start := strings.SplitN(actions[0], "|", 2)[0]
	content := fmt.Sprintf(`{"Version":"2019-10-30","StartAction":%q,"Actions":[%s]}`, start, strings.Join(acts, ","))
	data := []byte(content)
	if typ != "" {
		b, err := json.Marshal(map[string]any{"Name": "test", "Type": typ, "Content": content})
		require.NoError(t, err)
		data = b
	}
	d, err := fconnect.Parse(data)
	require.NoError(t, err, content)
	return d
}

// bye is a DisconnectParticipant action called Bye.
const bye = `Bye|DisconnectParticipant|{}|{}`

func runFlow(t *testing.T, s *sim.Sim, st sim.Start, script ...sim.Action) *sim.Run {
	t.Helper()
	run, err := s.Run(context.Background(), st, script)
	require.NoError(t, err)
	return run
}

// said is what the customer heard or read, in order.
func said(run *sim.Run) []string {
	var out []string
	for _, e := range run.Transcript {
		switch {
		case e.Service == "voice" && e.Text != "" && (e.Op == "say" || e.Op == "play" || strings.HasPrefix(e.Op, "gather.")):
			out = append(out, e.Text)
		case e.Service == "messaging":
			out = append(out, e.Text)
		}
	}
	return out
}

func path(run *sim.Run) []string { return run.Path() }

// A DTMF menu retried through Loop: a wrong key takes NoMatchingCondition
// back to the menu while the loop has turns left, and the caller who
// keeps pressing wrong keys ends at the loop's DoneLooping branch.
func TestAMenuRetriesThroughLoopUntilItIsExhausted(t *testing.T) {
	d := doc(t, "",
		`Menu|GetParticipantInput|{"Text":"Press 1 for sales.","StoreInput":"False","InputTimeLimitSeconds":"5"}|{"NextAction":"Oops","Conditions":[{"NextAction":"Sales","Condition":{"Operator":"Equals","Operands":["1"]}}],"Errors":[{"NextAction":"Oops","ErrorType":"NoMatchingCondition"},{"NextAction":"Oops","ErrorType":"InputTimeLimitExceeded"},{"NextAction":"Oops","ErrorType":"NoMatchingError"}]}`,
		`Oops|MessageParticipant|{"Text":"Sorry."}|{"NextAction":"Retry"}`,
		`Retry|Loop|{"LoopCount":"2"}|{"Conditions":[{"NextAction":"Menu","Condition":{"Operator":"Equals","Operands":["ContinueLooping"]}},{"NextAction":"GiveUp","Condition":{"Operator":"Equals","Operands":["DoneLooping"]}}]}`,
		`Sales|MessageParticipant|{"Text":"Connecting you to sales."}|{"NextAction":"Bye"}`,
		`GiveUp|MessageParticipant|{"Text":"Goodbye."}|{"NextAction":"Bye"}`,
		bye)
	s := sim.New(sim.WithFlow("main", d))

	run := runFlow(t, s, sim.Start{}, sim.Press("7"), sim.Press("1"))
	assert.Equal(t, []string{"Menu", "Oops", "Retry", "Menu", "Sales", "Bye"}, path(run))
	assert.Equal(t, []string{"Press 1 for sales.", "Sorry.", "Press 1 for sales.", "Connecting you to sales."}, said(run))

	run = runFlow(t, s, sim.Start{}, sim.Press("7"), sim.Press("8"), sim.Timeout())
	assert.Equal(t, []string{"Menu", "Oops", "Retry", "Menu", "Oops", "Retry", "Menu", "Oops", "Retry", "GiveUp", "Bye"}, path(run))
	assert.Equal(t, runtime.StatusEnded, run.Status())
	steps := run.Steps()
	assert.Equal(t, "InputTimeLimitExceeded", steps[len(steps)-5].Name, "a silent caller times out of the menu")
}

// Store customer input: what the caller keys in is $.StoredCustomerInput;
// when they key nothing in, it is "Timeout", on the success branch.
func TestStoredInputTimesOutToTimeout(t *testing.T) {
	d := doc(t, "",
		`Ask|GetParticipantInput|{"Text":"Your account number?","StoreInput":"True","InputTimeLimitSeconds":"7","InputValidation":{"CustomValidation":{"MaximumLength":"6"}}}|{"NextAction":"Check","Errors":[{"NextAction":"Bye","ErrorType":"NoMatchingError"}]}`,
		`Check|Compare|{"ComparisonValue":"$.StoredCustomerInput"}|{"NextAction":"Got","Conditions":[{"NextAction":"None","Condition":{"Operator":"Equals","Operands":["Timeout"]}}],"Errors":[{"NextAction":"Got","ErrorType":"NoMatchingCondition"}]}`,
		`Got|MessageParticipant|{"Text":"You entered $.StoredCustomerInput."}|{"NextAction":"Bye"}`,
		`None|MessageParticipant|{"Text":"We did not get that."}|{"NextAction":"Bye"}`,
		bye)
	s := sim.New(sim.WithFlow("main", d))
	run := runFlow(t, s, sim.Start{}, sim.Timeout())
	assert.Equal(t, []string{"Ask", "Check", "None", "Bye"}, path(run))
	assert.Equal(t, "Timeout", run.Execution.Shared["StoredCustomerInput"])
	assert.Equal(t, "NextAction", run.Steps()[0].Name, "a timeout takes the success branch")

	run = runFlow(t, s, sim.Start{}, sim.Press("12345678"))
	assert.Equal(t, []string{"Ask", "Check", "Got", "Bye"}, path(run))
	assert.Equal(t, "You entered 123456.", said(run)[1], "MaximumLength keeps six digits")
	gather := run.Transcript[0]
	require.Equal(t, "gather.say", gather.Op)
	assert.EqualValues(t, 6, gather.Detail["number_of_digits"])
}

// The key sequence that ends stored input ("#", or the
// DTMFConfiguration's InputTerminationSequence) is no part of it, even
// when the host reports the digits with it.
func TestStoredInputLeavesItsTerminatorOut(t *testing.T) {
	for _, c := range []struct{ dtmf, press, finish, stored string }{
		{"", "1234#", "#", "1234"},
		{"", "1234", "#", "1234"},
		{`,"DTMFConfiguration":{"InputTerminationSequence":"**"}`, "1234**", "**", "1234"},
		{`,"DTMFConfiguration":{"InputTerminationSequence":"**"}`, "12#4", "**", "12#4"},
	} {
		d := doc(t, "",
			`Ask|GetParticipantInput|{"Text":"Your account number?","StoreInput":"True","InputTimeLimitSeconds":"7"`+c.dtmf+`}|{"NextAction":"Got","Errors":[{"NextAction":"Bye","ErrorType":"NoMatchingError"}]}`,
			`Got|MessageParticipant|{"Text":"You entered $.StoredCustomerInput."}|{"NextAction":"Bye"}`,
			bye)
		run := runFlow(t, sim.New(sim.WithFlow("main", d)), sim.Start{}, sim.Press(c.press))
		assert.Equal(t, c.stored, run.Execution.Shared["StoredCustomerInput"], "%s pressed", c.press)
		gather := run.Transcript[0]
		require.Equal(t, "gather.say", gather.Op)
		assert.Equal(t, c.finish, gather.Detail["finish_on_key"], "%s pressed", c.press)
	}
}

// Stored input with InputEncryption is never kept in clear: the host's
// contact center encrypts it, and its ciphertext is
// $.StoredCustomerInput; without one that encrypts, the state takes
// NoMatchingError and nothing is stored.
func TestEncryptedInputIsNeverKeptInClear(t *testing.T) {
	const card = "4111111111111111"
	d := doc(t, "",
		`Ask|GetParticipantInput|{"Text":"Your card number?","StoreInput":"True","InputTimeLimitSeconds":"7","InputEncryption":{"EncryptionKeyId":"key-1","Key":"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----"}}|{"NextAction":"Got","Errors":[{"NextAction":"Sorry","ErrorType":"NoMatchingError"}]}`,
		`Got|MessageParticipant|{"Text":"Thank you."}|{"NextAction":"Bye"}`,
		`Sorry|MessageParticipant|{"Text":"We could not take it."}|{"NextAction":"Bye"}`,
		bye)
	inClear := func(t *testing.T, run *sim.Run) {
		t.Helper()
		data, err := runtime.MarshalExecution(run.Execution)
		require.NoError(t, err)
		assert.NotContains(t, string(data), card, "the stored execution holds the card number in clear")
	}

	s := sim.New(sim.WithFlow("main", d), sim.WithFakes(func(f *fake.Fakes) {
		f.ContactCenter.Answer("GetParticipantInput", "key-1", map[string]any{"EncryptedInput": "AYADeCiphertext=="})
	}))
	run := runFlow(t, s, sim.Start{}, sim.Press(card+"#"))
	assert.Equal(t, []string{"Ask", "Got", "Bye"}, path(run))
	assert.Equal(t, "AYADeCiphertext==", run.Execution.Shared["StoredCustomerInput"])
	var asked map[string]any
	for _, e := range run.Transcript {
		if e.Service == "contactcenter" {
			asked, _ = e.Detail["parameters"].(map[string]any)
		}
	}
	require.NotNil(t, asked, "the contact center was not asked")
	assert.Equal(t, card, asked["Input"], "the host gets the input to encrypt, without its terminator")
	assert.Equal(t, "key-1", asked["InputEncryption"].(map[string]any)["EncryptionKeyId"])
	inClear(t, run)

	noCenter := fake.New().Services()
	noCenter.ContactCenter = nil
	for name, s := range map[string]*sim.Sim{
		"no contact center": sim.New(sim.WithFlow("main", d), sim.WithRuntime(runtime.WithServices(noCenter))),
		"no ciphertext": sim.New(sim.WithFlow("main", d), sim.WithFakes(func(f *fake.Fakes) {
			f.ContactCenter.Answer("GetParticipantInput", "key-1", map[string]any{"Input": card})
		})),
		"a ciphertext that is no text": sim.New(sim.WithFlow("main", d), sim.WithFakes(func(f *fake.Fakes) {
			f.ContactCenter.Answer("GetParticipantInput", "key-1", map[string]any{"EncryptedInput": 12.5})
		})),
		"a failure": sim.New(sim.WithFlow("main", d), sim.WithFakes(func(f *fake.Fakes) {
			f.ContactCenter.Fail("GetParticipantInput", "key-1", errors.New("no such key"))
		})),
	} {
		run := runFlow(t, s, sim.Start{}, sim.Press(card))
		assert.Equal(t, []string{"Ask", "Sorry", "Bye"}, path(run), name)
		assert.NotContains(t, run.Execution.Shared, "StoredCustomerInput", name)
		inClear(t, run)
	}

	// An InputEncryption the input could never be encrypted with (a
	// reference among them: it resolves to text, never an object) is
	// refused by the check.
	for _, enc := range []string{`"key-1"`, `{}`, `{"Key":"cert"}`, `{"EncryptionKeyId":"key-1"}`, `[{"EncryptionKeyId":"key-1","Key":"cert"}]`, `"$.Attributes.enc"`} {
		bad := doc(t, "",
			`Ask|GetParticipantInput|{"Text":"Your card number?","StoreInput":"True","InputEncryption":`+enc+`}|{"NextAction":"Got","Errors":[{"NextAction":"Sorry","ErrorType":"NoMatchingError"}]}`,
			`Got|MessageParticipant|{"Text":"Thank you."}|{"NextAction":"Bye"}`,
			`Sorry|MessageParticipant|{"Text":"We could not take it."}|{"NextAction":"Bye"}`,
			bye)
		s := sim.New(sim.WithFlow("main", bad), sim.WithFakes(func(f *fake.Fakes) {
			f.ContactCenter.Answer("GetParticipantInput", "", map[string]any{"EncryptedInput": "AYADeCiphertext=="})
		}))
		ps := s.Engine.Check(bad).WithCode(widgets.CodePropertyInvalid)
		require.Len(t, ps, 1, enc)
		assert.Equal(t, "#/states/0/properties/InputEncryption", ps[0].Path)
		assert.Equal(t, flow.SeverityError, ps[0].Severity)

		_, err := s.Run(context.Background(), sim.Start{}, nil)
		require.Error(t, err, "a flow with errors takes no contact")
	}
}

// Store customer input with PhoneNumberValidation: E164 wants a fully
// defined number (7 to 15 digits), Local a national number of the country
// (without + and country code), stored as E.164; anything else takes
// InvalidPhoneNumber.
func TestStoredPhoneNumbersAreValidated(t *testing.T) {
	ask := func(format, country string) *flow.Definition {
		return doc(t, "",
			`Ask|GetParticipantInput|{"Text":"Your number?","StoreInput":"True","InputTimeLimitSeconds":"7","InputValidation":{"PhoneNumberValidation":{"NumberFormat":"`+format+`","CountryCode":"`+country+`"}}}|{"NextAction":"Got","Errors":[{"NextAction":"Invalid","ErrorType":"InvalidPhoneNumber"},{"NextAction":"Bye","ErrorType":"NoMatchingError"}]}`,
			`Got|MessageParticipant|{"Text":"$.StoredCustomerInput"}|{"NextAction":"Bye"}`,
			`Invalid|MessageParticipant|{"Text":"invalid"}|{"NextAction":"Bye"}`,
			bye)
	}
	for _, tc := range []struct{ format, country, keys, want string }{
		{"E164", "", "*14155550100", "+14155550100"},
		{"E164", "", "442071234567", "+442071234567"},
		{"E164", "", "12", "invalid"},
		{"E164", "", "*0441234567", "invalid"},
		{"Local", "US", "4155550100", "+14155550100"},
		{"Local", "US", "12", "invalid"},
		{"Local", "US", "14155550100", "invalid"}, // the country code is not keyed
		{"Local", "US", "0044207123", "invalid"},
		{"Local", "US", "4151550100", "invalid"}, // an exchange starts 2 to 9
		{"Local", "GB", "02071234567", "+442071234567"},
		{"Local", "GB", "2071234567", "+442071234567"},
		{"Local", "GB", "00", "invalid"},
		{"Local", "XX", "2071234567", "invalid"},
	} {
		run := runFlow(t, sim.New(sim.WithFlow("main", ask(tc.format, tc.country))), sim.Start{}, sim.Press(tc.keys))
		assert.Equal(t, []string{tc.want}, said(run)[1:], "%s %s %q", tc.format, tc.country, tc.keys)
	}
}

// A Lambda function's answer is $.External (the latest one only); a
// function that fails takes the error branch, and a STRING_MAP answer
// that is not flat is a failure too.
func TestALambdaResultIsReadThroughExternal(t *testing.T) {
	const arn = "arn:aws:lambda:eu-west-1:123456789012:function:lookup"
	d := doc(t, "",
		`Lookup|InvokeLambdaFunction|{"LambdaFunctionARN":"`+arn+`","InvocationTimeLimitSeconds":"3","LambdaInvocationAttributes":{"phone":"$.CustomerEndpoint.Address"}}|{"NextAction":"Greet","Errors":[{"NextAction":"Sorry","ErrorType":"NoMatchingError"}]}`,
		`Greet|MessageParticipant|{"Text":"Hello $.External.name, your balance is $.External.balance."}|{"NextAction":"Bye"}`,
		`Sorry|MessageParticipant|{"Text":"Our systems are down."}|{"NextAction":"Bye"}`,
		bye)

	s := sim.New(sim.WithFlow("main", d), sim.WithFakes(func(f *fake.Fakes) {
		f.ContactCenter.Answer("InvokeLambdaFunction", arn, map[string]any{"name": "Ada", "balance": 12.5})
	}))
	run := runFlow(t, s, sim.Start{Contact: "+15550001111"})
	assert.Equal(t, []string{"Hello Ada, your balance is 12.5."}, said(run))
	req := run.Transcript[0]
	assert.Equal(t, "contactcenter", req.Service)
	assert.Equal(t, arn, req.Text)
	assert.Equal(t, map[string]any{"phone": "+15550001111"}, req.Detail["parameters"])
	assert.Equal(t, map[string]any{"name": "Ada", "balance": "12.5"}, run.Execution.Shared["External"], "STRING_MAP answers are text")

	failing := sim.New(sim.WithFlow("main", d)) // no answer: the function fails
	run = runFlow(t, failing, sim.Start{})
	assert.Equal(t, []string{"Lookup", "Sorry", "Bye"}, path(run))

	nested := sim.New(sim.WithFlow("main", d), sim.WithFakes(func(f *fake.Fakes) {
		f.ContactCenter.Answer("InvokeLambdaFunction", "lookup", map[string]any{"account": map[string]any{"id": 1.0}})
	}))
	run = runFlow(t, nested, sim.Start{})
	assert.Equal(t, []string{"Lookup", "Sorry", "Bye"}, path(run), "a nested answer is not a STRING_MAP (and the function is found by its name)")
}

const moduleDoc = `{"Version":"2019-10-30","StartAction":"Set","Settings":{"InputParameters":[],"OutputParameters":[],"Transitions":[{"DisplayName":"Success","ReferenceName":"Success"}]},"Actions":[
 {"Identifier":"Set","Type":"UpdateContactAttributes","Parameters":{"Attributes":{"Journey":"$.Attributes.Journey > module","Tier":"gold"}},"Transitions":{"NextAction":"Local","Errors":[{"NextAction":"Done","ErrorType":"NoMatchingError"}]}},
 {"Identifier":"Local","Type":"UpdateFlowAttributes","Parameters":{"FlowAttributes":{"seen":{"Value":"module: $.FlowAttributes.caller"}}},"Transitions":{"NextAction":"Ext","Errors":[{"NextAction":"Done","ErrorType":"NoMatchingError"}]}},
 {"Identifier":"Ext","Type":"InvokeLambdaFunction","Parameters":{"LambdaFunctionARN":"inner"},"Transitions":{"NextAction":"Done","Errors":[{"NextAction":"Done","ErrorType":"NoMatchingError"}]}},
 {"Identifier":"Done","Type":"EndFlowModuleExecution","Parameters":{},"Transitions":{}}]}`

// A module invoked from an inbound flow sets contact attributes the
// caller then reads; its flow attributes and its $.External stay its own;
// it returns through EndFlowModuleExecution to NextAction.
func TestAModuleSetsAttributesAndReturns(t *testing.T) {
	module, err := fconnect.Parse([]byte(moduleDoc))
	require.NoError(t, err)
	const moduleARN = "arn:aws:connect:eu-west-1:123456789012:instance/abc/flow-module/greet-module"
	d := doc(t, fconnect.TypeContactFlow,
		`Start|UpdateContactAttributes|{"Attributes":{"Journey":"main"}}|{"NextAction":"Mine"}`,
		`Mine|UpdateFlowAttributes|{"FlowAttributes":{"caller":{"Value":"main's"}}}|{"NextAction":"Ext"}`,
		`Ext|InvokeLambdaFunction|{"LambdaFunctionARN":"outer"}|{"NextAction":"Invoke","Errors":[{"NextAction":"Bye","ErrorType":"NoMatchingError"}]}`,
		`Invoke|InvokeFlowModule|{"FlowModuleId":"`+moduleARN+`"}|{"NextAction":"Say","Errors":[{"NextAction":"Bye","ErrorType":"NoMatchingError"}]}`,
		`Say|MessageParticipant|{"Text":"$.Attributes.Journey, $.Attributes.Tier, $.FlowAttributes.caller, $.External.from"}|{"NextAction":"Bye"}`,
		bye)
	s := sim.New(sim.WithFlow("main", d), sim.WithModule("greet-module", module), sim.WithFakes(func(f *fake.Fakes) {
		f.ContactCenter.Answer("InvokeLambdaFunction", "outer", map[string]any{"from": "outer"})
		f.ContactCenter.Answer("InvokeLambdaFunction", "inner", map[string]any{"from": "inner"})
	}))
	assert.Empty(t, s.Engine.Check(d).Errors())
	run := runFlow(t, s, sim.Start{})
	require.Equal(t, runtime.StatusEnded, run.Status(), run.Execution.Reason)
	assert.Equal(t, []string{"main > module, gold, main's, outer"}, said(run))
	m := "module:" + moduleARN + "/"
	assert.Equal(t, []string{"Start", "Mine", "Ext", m + "Set", m + "Local", m + "Ext", m + "Done", "Invoke", "Say", "Bye"}, path(run))
	assert.Equal(t, map[string]any{"Result": "Success", "ResultData": map[string]any{}}, run.Execution.Shared["Modules"])
}

// Only an inbound flow may invoke a module: a customer queue flow that
// does is refused before it runs, and so is a module invoking a module.
func TestAModuleIsRefusedOutsideAnInboundFlow(t *testing.T) {
	invoke := `Invoke|InvokeFlowModule|{"FlowModuleId":"m"}|{"NextAction":"Bye","Errors":[{"NextAction":"Bye","ErrorType":"NoMatchingError"}]}`
	queue := doc(t, fconnect.TypeCustomerQueue, invoke, bye)
	reg := standard.New()
	e := runtime.New(runtime.WithWidgets(reg), runtime.WithSource(runtime.Definitions{"q": queue}),
		runtime.WithClock(runtime.NewFixedClock(sim.DefaultNow).Now), runtime.WithServices(fake.New().Services()))
	ps := e.Check(queue)
	require.Len(t, ps.Errors(), 1, ps)
	assert.Equal(t, connect.CodeModuleNotAllowed, ps.Errors()[0].Code)
	assert.Contains(t, ps.Errors()[0].Message, "CUSTOMER_QUEUE")
	_, err := e.Start(context.Background(), runtime.StartRequest{FlowSid: "q", Trigger: runtime.TriggerCall, Contact: "+1", FlowAddress: "+2", CallSid: "CA1"})
	require.Error(t, err, "a flow with check errors takes no traffic")

	inModule, err := fconnect.Parse([]byte(`{"Version":"2019-10-30","StartAction":"Invoke","Settings":{},"Actions":[
		{"Identifier":"Invoke","Type":"InvokeFlowModule","Parameters":{"FlowModuleId":"m"},"Transitions":{"NextAction":"Done"}},
		{"Identifier":"Done","Type":"EndFlowModuleExecution","Parameters":{},"Transitions":{}}]}`))
	require.NoError(t, err)
	ps = e.Check(inModule)
	require.Len(t, ps.Errors(), 1, ps)
	assert.Contains(t, ps.Errors()[0].Message, "a module may not invoke a module")

	inbound := doc(t, fconnect.TypeContactFlow, invoke, bye)
	assert.Empty(t, e.Check(inbound).Errors())
}

// TransferToFlow runs the other flow with the contact's attributes; the
// first flow's own attributes stay behind, and the execution ends when
// the second flow does.
func TestTransferToFlowKeepsContactAttributesAndDropsFlowAttributes(t *testing.T) {
	first := doc(t, fconnect.TypeContactFlow,
		`Set|UpdateContactAttributes|{"Attributes":{"lang":"fr"}}|{"NextAction":"Mine"}`,
		`Mine|UpdateFlowAttributes|{"FlowAttributes":{"secret":{"Value":"first's"}}}|{"NextAction":"Go"}`,
		`Go|TransferToFlow|{"ContactFlowId":"arn:aws:connect:eu-west-1:1:instance/i/contact-flow/second-flow"}|{"Errors":[{"NextAction":"Bye","ErrorType":"NoMatchingError"}]}`,
		bye)
	second := doc(t, fconnect.TypeContactFlow,
		`Hi|MessageParticipant|{"Text":"lang=$.Attributes.lang secret=$.FlowAttributes.secret"}|{"NextAction":"Bye"}`,
		bye)
	s := sim.New(sim.WithFlow("main", first), sim.WithFlow("second-flow", second))
	run := runFlow(t, s, sim.Start{})
	require.Equal(t, runtime.StatusEnded, run.Status(), run.Execution.Reason)
	assert.Equal(t, []string{"lang=fr secret="}, said(run))
	assert.Equal(t, []string{"Set", "Mine", "Go", "Hi", "Bye"}, path(run))
	assert.Equal(t, runtime.StepTransferName, run.Steps()[2].Name)
	assert.Equal(t, "Hi", run.Steps()[2].To)

	alone := sim.New(sim.WithFlow("main", first)) // the flow is nowhere
	run = runFlow(t, alone, sim.Start{})
	assert.Equal(t, []string{"Set", "Mine", "Go", "Bye"}, path(run))
}

// CheckHoursOfOperation asks the contact center: open takes True, closed
// False.
func TestHoursOpenAndClosed(t *testing.T) {
	d := doc(t, "",
		`Hours|CheckHoursOfOperation|{"HoursOfOperationId":"arn:aws:connect:eu-west-1:1:instance/i/operating-hours/office"}|{"NextAction":"Bye","Conditions":[{"NextAction":"Open","Condition":{"Operator":"Equals","Operands":["True"]}},{"NextAction":"Closed","Condition":{"Operator":"Equals","Operands":["False"]}}],"Errors":[{"NextAction":"Bye","ErrorType":"NoMatchingError"}]}`,
		`Open|MessageParticipant|{"Text":"We are open."}|{"NextAction":"Bye"}`,
		`Closed|MessageParticipant|{"Text":"We are closed."}|{"NextAction":"Bye"}`,
		bye)
	open := sim.New(sim.WithFlow("main", d))
	assert.Equal(t, []string{"We are open."}, said(runFlow(t, open, sim.Start{})))
	closed := sim.New(sim.WithFlow("main", d), sim.WithFakes(func(f *fake.Fakes) {
		f.ContactCenter.Answer("CheckHoursOfOperation", "office", map[string]any{"InHours": false})
	}))
	run := runFlow(t, closed, sim.Start{})
	assert.Equal(t, []string{"We are closed."}, said(run))
	assert.Equal(t, "2026-01-05T10:00:00Z", run.Transcript[0].Detail["parameters"].(map[string]any)["Time"], "the engine's clock")
}

// A full queue takes QueueAtCapacity; a queue with room takes the
// contact, and the flow ends.
func TestAFullQueue(t *testing.T) {
	const queue = "arn:aws:connect:eu-west-1:1:instance/i/queue/support"
	d := doc(t, "",
		`Target|UpdateContactTargetQueue|{"QueueId":"`+queue+`"}|{"NextAction":"Transfer","Errors":[{"NextAction":"Bye","ErrorType":"NoMatchingError"}]}`,
		`Transfer|TransferContactToQueue|{}|{"NextAction":"Bye","Errors":[{"NextAction":"Full","ErrorType":"QueueAtCapacity"},{"NextAction":"Bye","ErrorType":"NoMatchingError"}]}`,
		`Full|MessageParticipant|{"Text":"All lines to $.Queue.Name are busy."}|{"NextAction":"Bye"}`,
		bye)
	room := sim.New(sim.WithFlow("main", d))
	run := runFlow(t, room, sim.Start{})
	assert.Equal(t, []string{"Target", "Transfer"}, path(run))
	assert.Equal(t, "transferred to queue support", run.Execution.Reason)
	assert.Equal(t, runtime.StatusEnded, run.Status())

	full := sim.New(sim.WithFlow("main", d), sim.WithFakes(func(f *fake.Fakes) {
		f.ContactCenter.Fail("TransferContactToQueue", "support", &connect.Error{Type: connect.ErrorQueueAtCapacity})
	}))
	run = runFlow(t, full, sim.Start{})
	assert.Equal(t, []string{"Target", "Transfer", "Full", "Bye"}, path(run))
	assert.Equal(t, []string{"All lines to support are busy."}, said(run))
}

// DistributeByPercentage draws 1 to 100: 20% then 40% are < 21 and < 61,
// the rest NoMatchingCondition. Over many contacts each branch gets its
// share.
func TestDistributeByPercentageBranches(t *testing.T) {
	d := doc(t, "",
		`Split|DistributeByPercentage|{}|{"NextAction":"C","Conditions":[{"NextAction":"A","Condition":{"Operator":"NumberLessThan","Operands":["21"]}},{"NextAction":"B","Condition":{"Operator":"NumberLessThan","Operands":["61"]}}],"Errors":[{"NextAction":"C","ErrorType":"NoMatchingCondition"}]}`,
		`A|EndFlowExecution|{}|{}`, `B|EndFlowExecution|{}|{}`, `C|EndFlowExecution|{}|{}`)
	s := sim.New(sim.WithFlow("main", d), sim.WithSeed(7))
	counts := map[string]int{}
	for i := 0; i < 1000; i++ {
		run := runFlow(t, s, sim.Start{})
		counts[path(run)[1]]++
		v := run.Execution.Widgets()["Split"].(map[string]any)["Value"].(float64)
		want := map[bool]string{v < 21: "A"}[true]
		if want == "" {
			want = map[bool]string{v < 61: "B", v >= 61: "C"}[true]
		}
		require.Equal(t, want, path(run)[1], "drew %v", v)
	}
	assert.InDelta(t, 200, counts["A"], 60)
	assert.InDelta(t, 400, counts["B"], 70)
	assert.InDelta(t, 400, counts["C"], 70)
}

// A chat contact reads text and answers by message: the menu takes the
// reply as the entered string.
func TestAChatContact(t *testing.T) {
	d := doc(t, "",
		`Hello|MessageParticipant|{"Text":"Hi! Reply 1 for billing."}|{"NextAction":"Menu"}`,
		`Menu|GetParticipantInput|{"Text":"Your choice?","StoreInput":"False","InputTimeLimitSeconds":"60"}|{"NextAction":"Bye","Conditions":[{"NextAction":"Billing","Condition":{"Operator":"Equals","Operands":["1"]}}],"Errors":[{"NextAction":"Bye","ErrorType":"NoMatchingCondition"}]}`,
		`Billing|MessageParticipant|{"Text":"Billing it is, on $.Channel."}|{"NextAction":"Bye"}`,
		`Voice|MessageParticipant|{"SSML":"<speak>voice only</speak>"}|{"NextAction":"Bye","Errors":[{"NextAction":"Bye","ErrorType":"NoMatchingError"}]}`,
		bye)
	s := sim.New(sim.WithFlow("main", d))
	run := runFlow(t, s, sim.Start{Channel: "CHAT", Body: "hello"}, sim.Reply("1"))
	assert.Equal(t, runtime.TriggerMessage, run.Execution.Trigger)
	assert.Equal(t, []string{"Hi! Reply 1 for billing.", "Your choice?", "Billing it is, on CHAT."}, said(run))
	assert.Equal(t, "CHAT", run.Execution.Shared["Channel"])
	for _, e := range run.Transcript {
		assert.NotEqual(t, "voice", e.Service, "a chat has no call")
	}
}

// A time limit Connect allows as a reference (Wait's TimeoutSeconds) is
// read when the step runs, within its bounds.
func TestATimeLimitGivenAsAReference(t *testing.T) {
	d := doc(t, "",
		`Set|UpdateContactAttributes|{"Attributes":{"wait":"30"}}|{"NextAction":"Hold"}`,
		`Hold|Wait|{"TimeoutSeconds":"$.Attributes.wait","Events":["CustomerReturned"]}|{"NextAction":"Bye","Conditions":[{"NextAction":"Back","Condition":{"Operator":"Equals","Operands":["CustomerReturned"]}},{"NextAction":"Bye","Condition":{"Operator":"Equals","Operands":["WaitCompleted"]}}]}`,
		`Back|MessageParticipant|{"Text":"Welcome back."}|{"NextAction":"Bye"}`,
		bye)
	s := sim.New(sim.WithFlow("main", d))
	assert.Empty(t, s.Engine.Check(d).Errors())
	ss, err := s.Start(context.Background(), sim.Start{Channel: "CHAT"})
	require.NoError(t, err)
	w := ss.Waiting()
	require.NotNil(t, w)
	require.NotNil(t, w.Deadline)
	assert.Equal(t, sim.DefaultNow.Add(30e9), *w.Deadline)
	require.NoError(t, ss.Do(context.Background(), sim.Event("CustomerReturned", nil)))
	assert.Equal(t, []string{"Set", "Hold", "Back", "Bye"}, ss.Run().Path())
}

// A flow may hand the contact back to the flow it came from: the second
// flow takes the first one's place rather than running inside it.
func TestTransferToFlowAndBack(t *testing.T) {
	first := doc(t, fconnect.TypeContactFlow,
		`Check|Compare|{"ComparisonValue":"$.Attributes.back"}|{"NextAction":"Go","Conditions":[{"NextAction":"Home","Condition":{"Operator":"Equals","Operands":["yes"]}}],"Errors":[{"NextAction":"Go","ErrorType":"NoMatchingCondition"}]}`,
		`Go|TransferToFlow|{"ContactFlowId":"second"}|{"Errors":[{"NextAction":"Bye","ErrorType":"NoMatchingError"}]}`,
		`Home|MessageParticipant|{"Text":"Back in the first flow."}|{"NextAction":"Bye"}`,
		bye)
	second := doc(t, fconnect.TypeContactFlow,
		`Mark|UpdateContactAttributes|{"Attributes":{"back":"yes"}}|{"NextAction":"Return"}`,
		`Return|TransferToFlow|{"ContactFlowId":"main"}|{"Errors":[{"NextAction":"Bye","ErrorType":"NoMatchingError"}]}`,
		bye)
	s := sim.New(sim.WithFlow("main", first), sim.WithFlow("second", second))
	run := runFlow(t, s, sim.Start{})
	require.Equal(t, runtime.StatusEnded, run.Status(), run.Execution.Reason)
	assert.Equal(t, []string{"Check", "Go", "Mark", "Return", "Check", "Home", "Bye"}, path(run))
	assert.Equal(t, []string{"Back in the first flow."}, said(run))
	assert.Len(t, run.Execution.Frames, 1, "transfers replace the flow; they do not nest")
}

// A flow transferred to waits and resumes like the first: the execution
// is saved and loaded with the new flow in the first one's place.
func TestATransferredFlowWaitsAndResumes(t *testing.T) {
	first := doc(t, "", `Go|TransferToFlow|{"ContactFlowId":"menu"}|{"Errors":[{"NextAction":"Bye","ErrorType":"NoMatchingError"}]}`, bye)
	menu := doc(t, "",
		`Ask|GetParticipantInput|{"Text":"Press 1.","StoreInput":"True","InputTimeLimitSeconds":"5"}|{"NextAction":"Said"}`,
		`Said|MessageParticipant|{"Text":"You pressed $.StoredCustomerInput."}|{"NextAction":"Bye"}`,
		bye)
	s := sim.New(sim.WithFlow("main", first), sim.WithFlow("menu", menu))
	ss, err := s.Start(context.Background(), sim.Start{})
	require.NoError(t, err)
	require.NotNil(t, ss.Waiting())
	x, err := s.Engine.Get(context.Background(), ss.Execution().ID)
	require.NoError(t, err)
	assert.Equal(t, "menu", x.Frames[0].Sid, "the stored execution runs the flow transferred to")
	assert.Equal(t, "main", x.FlowSid, "and still says which flow it started on")
	require.NoError(t, ss.Do(context.Background(), sim.Press("1")))
	assert.Equal(t, []string{"Press 1.", "You pressed 1."}, said(ss.Run()))
	assert.Equal(t, runtime.StatusEnded, ss.Run().Status())
}
