package connect_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	fdflow "github.com/studioflow/studioflow/flow"
	fconnect "github.com/studioflow/studioflow/flow/connect"
	"github.com/studioflow/studioflow/runtime"
	"github.com/studioflow/studioflow/runtime/sim"
	"github.com/studioflow/studioflow/widgets"
	"github.com/studioflow/studioflow/widgets/connect"
	"github.com/studioflow/studioflow/widgets/fake"
)

// meddler is a contact center that writes into what it is handed and
// notes its deadline.
type meddler struct {
	answer      map[string]any
	hasDeadline bool
}

func (m *meddler) Request(ctx context.Context, r widgets.ContactCenterRequest) (map[string]any, error) {
	if attrs, ok := r.Contact["Attributes"].(map[string]any); ok {
		attrs["injected"] = "by the host"
	}
	if all, ok := r.Parameters["all"].(map[string]any); ok {
		all["injected"] = make(chan int)
	}
	_, m.hasDeadline = ctx.Deadline()
	return m.answer, nil
}

// What a host does to a request never reaches the execution; every
// request has a deadline.
func TestTheHostGetsCopies(t *testing.T) {
	d := doc(t, "",
		`Set|UpdateContactAttributes|{"Attributes":{"tier":"gold"}}|{"NextAction":"Fn"}`,
		`Fn|InvokeLambdaFunction|{"LambdaFunctionARN":"fn","LambdaInvocationAttributes":{"all":"$.Attributes"}}|{"NextAction":"Hours","Errors":[{"NextAction":"Hours","ErrorType":"NoMatchingError"}]}`,
		`Hours|CheckHoursOfOperation|{"HoursOfOperationId":"office"}|{"NextAction":"Bye","Conditions":[{"NextAction":"Bye","Condition":{"Operator":"Equals","Operands":["True"]}}],"Errors":[{"NextAction":"Bye","ErrorType":"NoMatchingError"}]}`,
		bye)
	m := &meddler{answer: map[string]any{"InHours": true}}
	s := sim.New(sim.WithFlow("main", d), sim.WithRuntime(runtime.WithServices(&widgets.Services{ContactCenter: m, Voice: fake.New().Voice})))
	run := runFlow(t, s, sim.Start{})
	require.Equal(t, runtime.StatusEnded, run.Status(), run.Execution.Reason)
	assert.Equal(t, map[string]any{"tier": "gold"}, run.Execution.Shared["Attributes"])
	assert.True(t, m.hasDeadline, "a request with no time limit of its own gets connect.RequestTimeout")
}

// An answer the contact cannot keep takes the error branch: over 32 KB
// from a Lambda function, too deep for the engine from any request.
func TestAnAnswerTooLargeTakesTheErrorBranch(t *testing.T) {
	d := doc(t, "",
		`Fn|InvokeLambdaFunction|{"LambdaFunctionARN":"fn","ResponseValidation":{"ResponseType":"JSON"}}|{"NextAction":"Profile","Errors":[{"NextAction":"FnFailed","ErrorType":"NoMatchingError"}]}`,
		`FnFailed|MessageParticipant|{"Text":"no function"}|{"NextAction":"Profile"}`,
		`Profile|GetCustomerProfile|{"ProfileRequestData":{"PhoneNumber":"$.CustomerEndpoint.Address"}}|{"NextAction":"Bye","Errors":[{"NextAction":"ProfileFailed","ErrorType":"NoMatchingError"}]}`,
		`ProfileFailed|MessageParticipant|{"Text":"no profile"}|{"NextAction":"Bye"}`,
		bye)
	deep := map[string]any{}
	for i, m := 0, deep; i < 200; i++ {
		next := map[string]any{}
		m["x"] = next
		m = next
	}
	s := sim.New(sim.WithFlow("main", d), sim.WithFakes(func(f *fake.Fakes) {
		f.ContactCenter.Answer("InvokeLambdaFunction", "fn", map[string]any{"v": strings.Repeat("x", 33*1024)})
		f.ContactCenter.Answer("GetCustomerProfile", "", deep)
	}))
	run := runFlow(t, s, sim.Start{})
	require.Equal(t, runtime.StatusEnded, run.Status(), run.Execution.Reason)
	assert.Equal(t, []string{"no function", "no profile"}, said(run))
	assert.NotContains(t, run.Execution.Shared, "External")
}

// TransferToFlow goes only to an inbound or transfer flow, and runs only
// in one.
func TestTransferToFlowRules(t *testing.T) {
	first := doc(t, "",
		`Go|TransferToFlow|{"ContactFlowId":"target"}|{"Errors":[{"NextAction":"Refused","ErrorType":"NoMatchingError"}]}`,
		`Refused|MessageParticipant|{"Text":"refused: $.Attributes.none"}|{"NextAction":"Bye"}`, bye)
	for want, target := range map[string]*fdflow.Definition{
		"cannot be transferred to a CUSTOMER_QUEUE flow": doc(t, fconnect.TypeCustomerQueue, `Q|MessageParticipant|{"Text":"in the queue flow"}|{"NextAction":"Bye"}`, bye),
		"names no Connect flow":                          mustModule(t),
	} {
		s := sim.New(sim.WithFlow("main", first), sim.WithFlow("target", target))
		run := runFlow(t, s, sim.Start{})
		assert.Equal(t, []string{"Go", "Refused", "Bye"}, path(run), want)
		assert.Contains(t, run.Execution.Widgets()["Go"].(map[string]any)["Error"], want)
	}

	queue := doc(t, fconnect.TypeCustomerQueue, `Go|TransferToFlow|{"ContactFlowId":"x"}|{}`, bye)
	ps := sim.New(sim.WithFlow("q", queue)).Engine.Check(queue)
	require.Len(t, ps.Errors(), 1, ps)
	assert.Equal(t, connect.CodeTransferNotAllowed, ps.Errors()[0].Code)
	module, err := fconnect.Parse([]byte(`{"Version":"2019-10-30","StartAction":"Go","Settings":{},"Actions":[
		{"Identifier":"Go","Type":"TransferToFlow","Parameters":{"ContactFlowId":"x"},"Transitions":{"NextAction":"Done"}},
		{"Identifier":"Done","Type":"EndFlowModuleExecution","Parameters":{},"Transitions":{}}]}`))
	require.NoError(t, err)
	ps = sim.New(sim.WithFlow("m", module)).Engine.Check(module)
	require.Len(t, ps.Errors(), 1, ps)
	assert.Contains(t, ps.Errors()[0].Message, "not in a module")
}

func mustModule(t *testing.T) *fdflow.Definition {
	d, err := fconnect.Parse([]byte(`{"Version":"2019-10-30","StartAction":"Done","Settings":{},"Actions":[
		{"Identifier":"Done","Type":"EndFlowModuleExecution","Parameters":{},"Transitions":{}}]}`))
	require.NoError(t, err)
	return d
}

// A reference that breaks off is text, never what it had reached; a
// channel given in any case is Connect's.
func TestBrokenReferencesAndChannels(t *testing.T) {
	d := doc(t, "",
		`Set|UpdateContactAttributes|{"Attributes":{"secret":"s3cr3t"}}|{"NextAction":"Say"}`,
		`Say|MessageParticipant|{"Text":"[$.Attributes['first name] [$.Attributes[0]] [$['$caller']] [$.Channel]"}|{"NextAction":"Bye"}`,
		bye)
	run := runFlow(t, sim.New(sim.WithFlow("main", d)), sim.Start{Payload: map[string]any{"Channel": "voice"}})
	assert.Equal(t, []string{"[$.Attributes['first name] [$.Attributes[0]] [] [VOICE]"}, said(run))
}
