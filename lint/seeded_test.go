package lint

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/studioflow/studioflow/flow"
)

// found formats problems as "severity code path", sorted.
func found(ps flow.Problems) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = fmt.Sprintf("%s %s %s", p.Severity, p.Code, p.Path)
	}
	slices.Sort(out)
	return out
}

func expect(t *testing.T, ps flow.Problems, want []string) {
	t.Helper()
	slices.Sort(want)
	got := found(ps)
	if !slices.Equal(got, want) {
		t.Errorf("problems:\n  %s\nwant:\n  %s\nall:\n%s", strings.Join(got, "\n  "), strings.Join(want, "\n  "), ps)
	}
}

func TestSeededTwilio(t *testing.T) {
	d := loadFile(t, "testdata/broken_twilio.json")
	mod := loadFile(t, "testdata/check_module.json")
	lookup := func(name string) (*flow.Definition, bool) { return mod, name == "Check" }
	want := []string{
		"warning lint.trigger_unwired #/states/1/properties/say",
		"warning lint.widget_not_before #/states/1/properties/say",
		"warning lint.widget_unknown #/states/1/properties/say",
		"warning lint.variable_unset #/states/2/properties/say",
		"warning lint.transition_loses_contact #/states/2/transitions/2/next",
		"warning lint.widget_field_unknown #/states/3/transitions/1/conditions/0/arguments/0",
		"error lint.loop_no_exit #/states/5",
		"warning lint.placeholder #/states/7/properties/url",
		"warning lint.module_output_unread #/states/8/properties/outputs/0",
	}
	expect(t, Check(d), want)

	// With the module's contract: widgets.check.reason is no output of
	// it, and its output "detail" is neither bound nor read.
	withModules := append(slices.Clone(want),
		"warning lint.widget_field_unknown #/states/9/properties/say",
		"warning lint.module_output_unread #/states/8",
	)
	expect(t, Check(d, WithModules(lookup)), withModules)

	// Strict makes the references that never resolve errors.
	strict := Check(d, Strict(), WithModules(lookup))
	for _, p := range strict {
		ref := slices.Contains([]string{CodeWidgetUnknown, CodeWidgetNotBefore, CodeWidgetFieldUnknown, CodeTriggerUnwired}, p.Code)
		if ref != (p.Severity == flow.SeverityError) && p.Code != CodeLoopNoExit {
			t.Errorf("strict: %s", p)
		}
	}
	// A trigger that wires the message makes trigger.message readable.
	d.States[0].Transitions[1].Next = "greet"
	for _, p := range Check(d) {
		if p.Code == CodeTriggerUnwired {
			t.Errorf("trigger.message with incomingMessage wired: %s", p)
		}
	}
}

const brokenConnect = `{
  "Version": "2019-10-30",
  "StartAction": "set",
  "Actions": [
    {"Identifier": "set", "Type": "UpdateContactAttributes",
     "Parameters": {"Attributes": {"tier": "gold"}},
     "Transitions": {"NextAction": "say", "Errors": [{"NextAction": "say", "ErrorType": "NoMatchingError"}]}},
    {"Identifier": "say", "Type": "MessageParticipant",
     "Parameters": {"Text": "Tier $.Attributes.tier, $.Attributes.['vip level'], score $.External.score, $.FlowAttributes.lang"},
     "Transitions": {"NextAction": "lambda", "Errors": [{"NextAction": "lambda", "ErrorType": "NoMatchingError"}]}},
    {"Identifier": "lambda", "Type": "InvokeLambdaFunction",
     "Parameters": {"LambdaFunctionARN": "arn:aws:lambda:${REGION}:111111111111:function:score", "InvocationTimeLimitSeconds": "3"},
     "Transitions": {"NextAction": "flowattrs", "Errors": [{"NextAction": "flowattrs", "ErrorType": "NoMatchingError"}]}},
    {"Identifier": "flowattrs", "Type": "UpdateFlowAttributes",
     "Parameters": {"FlowAttributes": {"lang": {"Value": "en"}}},
     "Transitions": {"NextAction": "after", "Errors": [{"NextAction": "after", "ErrorType": "NoMatchingError"}]}},
    {"Identifier": "after", "Type": "MessageParticipant",
     "Parameters": {"Text": "Score $.External.score in $.FlowAttributes.lang"},
     "Transitions": {"NextAction": "spin1", "Errors": [{"NextAction": "spin1", "ErrorType": "NoMatchingError"}]}},
    {"Identifier": "spin1", "Type": "UpdateContactAttributes",
     "Parameters": {"Attributes": {"n": "1"}},
     "Transitions": {"NextAction": "spin2", "Errors": [{"NextAction": "spin2", "ErrorType": "NoMatchingError"}]}},
    {"Identifier": "spin2", "Type": "UpdateContactAttributes",
     "Parameters": {"Attributes": {"n": "2"}},
     "Transitions": {"NextAction": "spin1", "Errors": [{"NextAction": "spin1", "ErrorType": "NoMatchingError"}]}}
  ]
}`

func TestSeededConnect(t *testing.T) {
	d := parseConnect(t, brokenConnect)
	expect(t, Check(d), []string{
		"warning lint.attribute_unset #/states/1/properties/Text",
		"warning lint.external_unset #/states/1/properties/Text",
		"warning lint.flow_attribute_unset #/states/1/properties/Text",
		"error lint.loop_no_exit #/states/5",
		"warning lint.placeholder #/states/2/properties/LambdaFunctionARN",
	})
	// One problem per reference: the attribute unset is 'vip level'.
	for _, p := range Check(d).WithCode(CodeAttributeUnset) {
		if !strings.Contains(p.Message, "vip level") {
			t.Errorf("attribute: %s", p)
		}
	}
}

func TestChecker(t *testing.T) {
	d := parseConnect(t, brokenConnect)
	all := flow.Check(d, flow.WithCheckers(Checker()))
	if len(all.WithCode(CodeLoopNoExit)) != 1 || len(all.WithCode(CodePlaceholder)) != 1 {
		t.Errorf("flow.Check with the lint checker:\n%s", all)
	}
}
