package deploy

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/studioflow/studioflow/flow"
	"github.com/studioflow/studioflow/flow/connect"
)

const connectDir = "../../shared/testdata/connect"
const twilioDir = "../../shared/testdata/twilio"

// readShared reads the named export of dir, skipping the test when that
// file is absent (as beside a checkout that holds another set of exports).
func readShared(t *testing.T, dir, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name))
	if os.IsNotExist(err) {
		t.Skipf("%s is absent", filepath.Join(dir, name))
	}
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// mainVars fills every placeholder of gitlab-acme_main_AUTO.json.
var mainVars = &Vars{Values: map[string]string{
	"REGION":                            "eu-west-2",
	"ACCT_ID":                           "222222222222",
	"INSTANCE_ID":                       "inst-0002",
	"F:acme_queue_transfer_AUTO:F":      "flow-qt",
	"F:acme_customer_queue_AUTO:F":      "flow-cq",
	"M:acme_contact_flow_module_AUTO:M": "mod-1",
	"Q:sales:Q":                         "queue-sales",
	"Q:finance:Q":                       "queue-finance",
}}

func TestFillConnectExport(t *testing.T) {
	data := readShared(t, connectDir, "gitlab-acme_main_AUTO.json")
	d, err := connect.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	before, err := connect.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	ps := Placeholders(d)
	if len(ps) != 22 {
		t.Errorf("found %d placeholders, want 22: %v", len(ps), ps)
	}
	names := map[string]bool{}
	for _, p := range ps {
		names[p.Name] = true
		if !strings.HasPrefix(p.Path, "#/states/") || !strings.Contains(p.Path, "/properties/") {
			t.Errorf("placeholder %s at %s: want a property path", p.Name, p.Path)
		}
	}
	for n := range mainVars.Values {
		if !names[n] {
			t.Errorf("placeholder %s not found", n)
		}
	}
	// A key with "/" is escaped in the path.
	found := false
	for _, p := range ps {
		if strings.HasSuffix(p.Path, "/FlowAttributes/ACME-lexbot2-tfdemo~1current/Value") {
			found = true
		}
	}
	if !found {
		t.Errorf("no placeholder under the escaped key ACME-lexbot2-tfdemo/current: %v", ps)
	}

	filled, err := Fill(d, mainVars)
	if err != nil {
		t.Fatal(err)
	}
	after, err := connect.Marshal(filled)
	if err != nil {
		t.Fatalf("the filled definition does not marshal as Connect: %v", err)
	}
	// The original is untouched.
	if again, _ := connect.Marshal(d); !bytes.Equal(again, before) {
		t.Error("Fill modified the definition it was given")
	}
	// Every other byte is as it was: the filled document is the original
	// with each placeholder's text replaced.
	want := string(before)
	for n, v := range mainVars.Values {
		want = strings.ReplaceAll(want, "${"+n+"}", v)
	}
	if string(after) != want {
		t.Errorf("filled document differs from the original beyond the placeholders")
	}
	if strings.Contains(string(after), "${") {
		t.Error("a placeholder is left")
	}
	if _, err := connect.Parse(after); err != nil {
		t.Errorf("the filled document does not parse: %v", err)
	}
}

func TestFillConnectMetadata(t *testing.T) {
	// The prompt ARN also stands in the canvas metadata, kept in a
	// state's Extra: it is filled too.
	d, err := connect.Parse(readShared(t, connectDir, "gitlab-acme_customer_queue_AUTO.json"))
	if err != nil {
		t.Fatal(err)
	}
	ps := Placeholders(d)
	inExtra := 0
	for _, p := range ps {
		if !strings.Contains(p.Path, "/properties/") {
			inExtra++
		}
	}
	if inExtra != 4 || len(ps) != 8 {
		t.Errorf("got %d placeholders, %d outside properties; want 8 and 4: %v", len(ps), inExtra, ps)
	}
	v := &Vars{Values: map[string]string{"REGION": "r", "ACCT_ID": "a", "INSTANCE_ID": "i", "P:CustomerQueue.wav:P": "p"}}
	filled, err := Fill(d, v)
	if err != nil {
		t.Fatal(err)
	}
	out, err := connect.Marshal(filled)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(out), "arn:aws:connect:r:a:instance/i/prompt/p"); n != 2 {
		t.Errorf("the prompt ARN is filled %d times, want 2 (action and metadata)", n)
	}
}

func TestFillRefusesWhatIsLeft(t *testing.T) {
	d, err := flow.Parse(readShared(t, twilioDir, "09_flex-schedule-manager.json"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = Fill(d, &Vars{Values: map[string]string{"SCHEDULE_MANAGER_SID": "ZS1", "SCHEDULE_MANAGER_DOMAIN": "x.example"}})
	var ue *UnfilledError
	if !errors.As(err, &ue) {
		t.Fatalf("got %v, want an *UnfilledError", err)
	}
	var left []string
	for _, p := range ue.Left {
		left = append(left, p.Name)
		if !strings.Contains(err.Error(), p.Path) || !strings.Contains(err.Error(), p.Text) {
			t.Errorf("the error does not name %s at %s:\n%v", p.Text, p.Path, err)
		}
	}
	if got := strings.Join(left, ","); got != "SCHEDULE_MANAGER_ENV_SID,FUNCTION_CHECK_SCHEDULE_SID" {
		t.Errorf("left %s", got)
	}
}

const twilioFlow = `{"description": "Callback ${ENV}", "initial_state": "Trigger", "states": [
  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingCall", "next": "fn"}], "properties": {"offset": {"x": 0, "y": 0}}},
  {"name": "fn", "type": "run-function", "transitions": [{"event": "success", "next": "split"}, {"event": "fail"}],
   "properties": {"service_sid": "ZS00000000000000000000000000000001", "environment_sid": "ZE00000000000000000000000000000001",
     "function_sid": "ZH00000000000000000000000000000001",
     "url": "https://${DOMAIN}/fn?sid=ZH00000000000000000000000000000001&x=ZH000000000000000000000000000000012",
     "parameters": [{"key": "arn", "value": "arn:aws:lambda:us-east-1:111111111111:function:lookup"}, {"key": "n", "value": 5}],
     "offset": {"x": 1.50, "y": -0}}},
  {"name": "split", "type": "split-based-on", "transitions": [{"event": "noMatch"},
     {"event": "match", "next": "q", "conditions": [{"friendly_name": "f", "arguments": ["{{widgets.fn.body}}"], "type": "equal_to", "value": "${EXPECTED}"}]}],
   "properties": {"input": "{{widgets.fn.body}}"}},
  {"name": "q", "type": "send-to-flex", "transitions": [], "properties": {"workflow": "WW00000000000000000000000000000001", "price": "${{flow.variables.price}}"}}]}`

func TestFillMapsIDsInsideStrings(t *testing.T) {
	d, err := flow.Parse([]byte(twilioFlow))
	if err != nil {
		t.Fatal(err)
	}
	orig, _ := flow.Marshal(d)
	v, err := ReadVars(strings.NewReader(`{"values": {"ENV": "prod", "DOMAIN": "fn.example", "EXPECTED": "<ok & fine>"},
	 "ids": {"ZS00000000000000000000000000000001": "ZS99999999999999999999999999999999",
	         "ZE00000000000000000000000000000001": "ZE99999999999999999999999999999999",
	         "ZH00000000000000000000000000000001": "ZH99999999999999999999999999999999",
	         "WW00000000000000000000000000000001": "WW99999999999999999999999999999999",
	         "arn:aws:lambda:us-east-1:111111111111:function:lookup": "arn:aws:lambda:eu-west-2:222222222222:function:lookup"}}`))
	if err != nil {
		t.Fatal(err)
	}
	out, err := Fill(d, v)
	if err != nil {
		t.Fatal(err)
	}
	fn := out.States[1].Properties
	checks := map[string]string{
		"service_sid":  `"ZS99999999999999999999999999999999"`,
		"function_sid": `"ZH99999999999999999999999999999999"`,
		// The id inside the URL is mapped; the longer id beside it is not.
		"url":        `"https://fn.example/fn?sid=ZH99999999999999999999999999999999&x=ZH000000000000000000000000000000012"`,
		"parameters": `[{"key":"arn","value":"arn:aws:lambda:eu-west-2:222222222222:function:lookup"},{"key":"n","value":5}]`,
		// Untouched values keep their bytes.
		"offset": `{"x":1.50,"y":-0}`,
	}
	for k, want := range checks {
		if got := string(fn[k]); got != want {
			t.Errorf("%s = %s, want %s", k, got, want)
		}
	}
	if out.Description != "Callback prod" {
		t.Errorf("description %q", out.Description)
	}
	if got := out.States[2].Transitions[1].Conditions[0].Value; got != "<ok & fine>" {
		t.Errorf("condition value %q", got)
	}
	if got := string(out.States[3].Properties["workflow"]); got != `"WW99999999999999999999999999999999"` {
		t.Errorf("workflow %s", got)
	}
	// "${{" is Liquid after a dollar sign, not a placeholder.
	if got := string(out.States[3].Properties["price"]); got != `"${{flow.variables.price}}"` {
		t.Errorf("price %s", got)
	}
	if again, _ := flow.Marshal(d); !bytes.Equal(again, orig) {
		t.Error("Fill modified the definition it was given")
	}
	if _, err := flow.Marshal(out); err != nil {
		t.Error(err)
	}
}

func TestPlaceholderForms(t *testing.T) {
	cases := map[string][]string{
		"arn:aws:connect:${REGION}:${ACCT_ID}:instance/${INSTANCE_ID}/queue/${Q:sales:Q}": {"REGION", "ACCT_ID", "INSTANCE_ID", "Q:sales:Q"},
		"https://${armorvox-twilio-connector-host}/x":                                     {"armorvox-twilio-connector-host"},
		"${P:CustomerQueue.wav:P}":                                                        {"P:CustomerQueue.wav:P"},
		"${} ${{x}} $.Attributes.x ${a b} $5 ${unclosed":                                  nil,
	}
	for in, want := range cases {
		var got []string
		for _, m := range findPlaceholders(in) {
			got = append(got, m.name)
		}
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("%q: got %v, want %v", in, got, want)
		}
	}
	p := Placeholder{Name: "F:acme:F"}
	if p.Kind() != "F" || p.Ref() != "acme" {
		t.Errorf("Kind %q Ref %q", p.Kind(), p.Ref())
	}
	p = Placeholder{Name: "REGION"}
	if p.Kind() != "" || p.Ref() != "REGION" {
		t.Errorf("Kind %q Ref %q", p.Kind(), p.Ref())
	}
}

func TestReadVarsRefuses(t *testing.T) {
	for _, in := range []string{
		`{"values": {"A": "1"}, "extra": {}}`,
		`{"values": {"A": 1}}`,
		`{"ids": {"": "x"}}`,
		`{"values": {}} {}`,
		`[]`,
		`null`,
	} {
		if _, err := ReadVars(strings.NewReader(in)); err == nil {
			t.Errorf("%s: accepted", in)
		}
	}
	v, err := ReadVars(strings.NewReader(`{}`))
	if err != nil || v == nil {
		t.Errorf("{}: %v", err)
	}
}

func TestTwilioExportsPlaceholders(t *testing.T) {
	d, err := flow.Parse(readShared(t, twilioDir, "35_armorvox-enrolment.json"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range Placeholders(d) {
		got = append(got, p.Path+" "+p.Name)
	}
	for _, g := range got {
		if !strings.Contains(g, "#/states/2/properties/variables/") || !strings.HasSuffix(strings.Fields(g)[0], "/value") {
			t.Errorf("unexpected path %s", g)
		}
	}
	if len(got) != 4 {
		t.Errorf("got %v", got)
	}
}

func TestUnusedAndRewrites(t *testing.T) {
	d, err := flow.Parse([]byte(`{"description": "x", "initial_state": "Trigger", "states": [
  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingRequest", "next": "fetch"}], "properties": {}},
  {"name": "fetch", "type": "make-http-request", "transitions": [{"event": "success"}, {"event": "failed"}],
   "properties": {"method": "GET", "url": "https://${HOST}/ZS0123456789abcdef0123456789abcdef/x?q=ZS0123"}}]}`))
	if err != nil {
		t.Fatal(err)
	}
	v := &Vars{
		Values: map[string]string{"HOST": "api.example", "HSOT": "typo"},
		IDs:    map[string]string{"ZS0123456789abcdef0123456789abcdef": "ZSffff", "ZS0123456789": "ZSeeee", "WW1": "WW2"},
	}
	// An id that stands only in a value filled in is used, and of two
	// ids at one place only the longest is.
	v.Values["HOST"] = "api.example/AC11111111111111111111111111111111"
	v.IDs["AC11111111111111111111111111111111"] = "AC22222222222222222222222222222222"
	v.IDs["ZS0123456789abcdef0123456789abcde"] = "ZSshorter"
	values, ids := v.Unused(d)
	if !slices.Equal(ids, []string{"WW1", "ZS0123456789", "ZS0123456789abcdef0123456789abcde"}) {
		t.Errorf("Unused ids = %q", ids)
	}
	delete(v.IDs, "AC11111111111111111111111111111111")
	delete(v.IDs, "ZS0123456789abcdef0123456789abcde")
	v.Values["HOST"] = "api.example"
	values, ids = v.Unused(d)
	if !slices.Equal(values, []string{"HSOT"}) || !slices.Equal(ids, []string{"WW1", "ZS0123456789"}) {
		t.Errorf("Unused = %q, %q", values, ids)
	}
	filled, err := Fill(d, v)
	if err != nil {
		t.Fatal(err)
	}
	rw := Rewrites(d, filled)
	want := Rewrite{Path: "#/states/1/properties/url", Index: 1, State: "fetch",
		Before: "https://${HOST}/ZS0123456789abcdef0123456789abcdef/x?q=ZS0123", After: "https://api.example/ZSffff/x?q=ZS0123"}
	if len(rw) != 1 || rw[0] != want {
		t.Errorf("Rewrites = %+v", rw)
	}
	if len(Rewrites(d, d)) != 0 {
		t.Error("Rewrites of a definition and itself")
	}
}
