package module_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studioflow/studioflow/flow"
	"github.com/studioflow/studioflow/module"
)

func parse(t testing.TB, src string) *flow.Definition {
	t.Helper()
	d, err := flow.Parse([]byte(src))
	require.NoError(t, err)
	return d
}

// moduleDef builds a module with the given begin-module arguments and
// return-to-flow states (JSON fragments).
func moduleDef(t testing.TB, args string, returns ...string) *flow.Definition {
	states := []string{`{"name": "Begin", "type": "begin-module", "transitions": [{"event": "next", "next": "r0"}], "properties": {"arguments": ` + args + `}}`}
	for _, r := range returns {
		states = append(states, r)
	}
	return parse(t, `{"description": "m", "initial_state": "Begin", "states": [`+strings.Join(states, ",")+`]}`)
}

func ret(name, exit string, outputs ...string) string {
	var outs []string
	for _, o := range outputs {
		outs = append(outs, `{"name": "`+o+`", "value": "x"}`)
	}
	return `{"name": "` + name + `", "type": "return-to-flow", "transitions": [], "properties": {"exit": "` + exit + `", "outputs": [` + strings.Join(outs, ",") + `]}}`
}

// holidayV1 is the contract most tests start from: dnis (String,
// required), vip (Boolean, optional); exits open and closed; output
// holiday_name.
func holidayV1(t testing.TB) *flow.Definition {
	return moduleDef(t, `[{"name": "dnis", "type": "String", "variable": "dnis"}, {"name": "vip", "type": "Boolean", "variable": "vip", "required": false}]`,
		ret("r0", "open", "holiday_name"), ret("r1", "closed", "holiday_name"))
}

// caller runs module "holiday" with the given arguments, outputs and wired
// exits (JSON fragments).
func caller(t testing.TB, args, outputs string, exits ...string) *flow.Definition {
	var trs []string
	for _, e := range exits {
		trs = append(trs, `{"event": "`+e+`"}`)
	}
	return parse(t, `{"description": "c", "initial_state": "Trigger", "states": [
	  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingCall", "next": "check"}], "properties": {}},
	  {"name": "check", "type": "run-module", "transitions": [`+strings.Join(trs, ",")+`],
	   "properties": {"module": "holiday", "arguments": `+args+`, "outputs": `+outputs+`}}]}`)
}

func TestContractOf(t *testing.T) {
	c, ps := module.ContractOf(holidayV1(t))
	assert.Empty(t, ps)
	assert.Equal(t, []string{"open", "closed"}, c.Exits)
	assert.Equal(t, []string{"holiday_name"}, c.Outputs)
	require.Len(t, c.Arguments, 2)
	assert.Equal(t, "dnis", c.Arguments[0].Name)
	assert.True(t, c.Arguments[0].IsRequired())
	assert.False(t, c.Arguments[1].IsRequired())

	// Not a module; bad argument declarations; no way out.
	_, ps = module.ContractOf(caller(t, `[]`, `[]`))
	assert.Equal(t, module.CodeNotModule, ps[0].Code)
	bad := parse(t, `{"description": "m", "initial_state": "Begin", "states": [
	  {"name": "Begin", "type": "begin-module", "transitions": [{"event": "next"}],
	   "properties": {"arguments": [{"name": "a", "type": "Date"}, {"name": "a", "type": "String"}, {"name": "n", "type": "Number", "default": "abc"}]}}]}`)
	_, ps = module.ContractOf(bad)
	var msgs []string
	for _, p := range ps {
		msgs = append(msgs, p.Code+": "+p.Message)
	}
	assert.Equal(t, []string{
		`property.invalid: argument "a" has type "Date"; use String, Boolean or Number`,
		`property.invalid: argument "a" is declared twice`,
		`property.invalid: argument "n": default "abc" is not a Number`,
		`module.no_exit: the module has neither a return-to-flow nor an end-flow: it can never hand back to its caller`,
	}, msgs)
	assert.Equal(t, "#/states/0/properties/arguments", ps[0].Path)
}

func TestCheckBinding(t *testing.T) {
	lookup := func(name string) (*flow.Definition, bool) {
		if name == "holiday" {
			return holidayV1(t), true
		}
		return nil, false
	}
	cases := []struct {
		name          string
		args, outputs string
		exits         []string
		want          []string // code@path
	}{
		{"all good", `[{"name": "dnis", "value": "{{trigger.call.To}}"}]`, `[{"name": "holiday_name", "variable": "h"}]`, []string{"open", "closed", "failed"}, nil},
		{"missing required", `[]`, `[]`, []string{"open", "closed"}, []string{"module.argument_missing@#/states/1/properties/arguments@error"}},
		{"unknown argument", `[{"name": "dnis", "value": "1"}, {"name": "ani", "value": "1"}]`, `[]`, []string{"open", "closed"}, []string{"module.argument_unknown@#/states/1/properties/arguments@error"}},
		{"fixed value of the wrong type", `[{"name": "dnis", "value": "1"}, {"name": "vip", "value": "maybe"}]`, `[]`, []string{"open", "closed"}, []string{"module.argument_type@#/states/1/properties/arguments@error"}},
		{"templated value checked at run time", `[{"name": "dnis", "value": "1"}, {"name": "vip", "value": "{{flow.data.vip}}"}]`, `[]`, []string{"open", "closed"}, nil},
		{"unknown output", `[{"name": "dnis", "value": "1"}]`, `[{"name": "nope", "variable": "x"}]`, []string{"open", "closed"}, []string{"module.output_unknown@#/states/1/properties/outputs@error"}},
		{"unknown exit", `[{"name": "dnis", "value": "1"}]`, `[]`, []string{"open", "closed", "maybe"}, []string{"module.exit_unknown@#/states/1/transitions/2/event@error"}},
		{"unwired exit is a warning", `[{"name": "dnis", "value": "1"}]`, `[]`, []string{"open"}, []string{"module.exit_unwired@#/states/1/transitions@warning"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ps := module.Checker(lookup).Check(caller(t, c.args, c.outputs, c.exits...))
			var got []string
			for _, p := range ps {
				got = append(got, p.Code+"@"+p.Path+"@"+string(p.Severity))
				assert.Equal(t, "check", p.State)
			}
			assert.Equal(t, c.want, got)
		})
	}
	ps := module.Checker(func(string) (*flow.Definition, bool) { return nil, false }).Check(caller(t, `[]`, `[]`, "open"))
	require.Len(t, ps, 1)
	assert.Equal(t, module.CodeNotFound, ps[0].Code)
	assert.Empty(t, module.Checker(func(string) (*flow.Definition, bool) { return nil, false }, module.SkipMissing()).Check(caller(t, `[]`, `[]`, "open")))
}

// runner is a module that runs the named module.
func runner(t testing.TB, inner string) *flow.Definition {
	return parse(t, `{"description": "m", "initial_state": "Begin", "states": [
	  {"name": "Begin", "type": "begin-module", "transitions": [{"event": "next", "next": "run"}], "properties": {"arguments": []}},
	  {"name": "run", "type": "run-module", "transitions": [{"event": "done", "next": "out"}], "properties": {"module": "`+inner+`"}},
	  {"name": "out", "type": "return-to-flow", "transitions": [], "properties": {"exit": "done"}}]}`)
}

func TestCyclesDepthAndNesting(t *testing.T) {
	mods := map[string]*flow.Definition{"a": runner(t, "b"), "b": runner(t, "a"), "c": runner(t, "d"), "d": runner(t, "e"), "e": runner(t, "f"), "f": moduleDef(t, `[]`, ret("r0", "done"))}
	lookup := func(n string) (*flow.Definition, bool) { d, ok := mods[n]; return d, ok }
	call := func(name string) *flow.Definition {
		return parse(t, `{"description": "c", "initial_state": "Trigger", "states": [
		  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingCall", "next": "run"}], "properties": {}},
		  {"name": "run", "type": "run-module", "transitions": [{"event": "done"}], "properties": {"module": "`+name+`"}}]}`)
	}
	ps := module.Checker(lookup).Check(call("a")).WithCode(module.CodeCycle)
	require.Len(t, ps, 1)
	assert.Equal(t, "modules run each other in a cycle: a → b → a", ps[0].Message)
	assert.Equal(t, "#/states/1/properties/module", ps[0].Path)

	// Checking module a itself finds the cycle back to it.
	ps = module.Checker(lookup, module.WithSelf("a")).Check(mods["a"]).WithCode(module.CodeCycle)
	require.Len(t, ps, 1)
	assert.Equal(t, "modules run each other in a cycle: a → b → a", ps[0].Message)

	// c → d → e → f nests four deep.
	ps = module.Checker(lookup).Check(call("c")).WithCode(module.CodeTooDeep)
	require.Len(t, ps, 1)
	assert.Equal(t, "modules nest 4 deep (c → d → e → f); at most 3 are allowed", ps[0].Message)
	assert.Empty(t, module.Checker(lookup, module.WithMaxDepth(4)).Check(call("c")).WithCode(module.CodeTooDeep))
	assert.Empty(t, module.Checker(lookup).Check(call("e")).Errors())

	ps = module.Checker(lookup, module.ForbidNesting()).Check(mods["e"])
	require.Len(t, ps.WithCode(module.CodeNesting), 1)
}

func TestBreaks(t *testing.T) {
	old, _ := module.ContractOf(holidayV1(t))
	user := caller(t, `[{"name": "dnis", "value": "{{trigger.call.To}}"}, {"name": "vip", "value": "true"}]`,
		`[{"name": "holiday_name", "variable": "h"}]`, "open", "closed", "failed")
	cases := []struct {
		name      string
		candidate *flow.Definition
		want      []string
	}{
		{"unchanged", holidayV1(t), nil},
		{"new optional argument", moduleDef(t, `[{"name": "dnis", "type": "String"}, {"name": "vip", "type": "Boolean", "required": false}, {"name": "lang", "type": "String", "required": false}]`,
			ret("r0", "open", "holiday_name"), ret("r1", "closed", "holiday_name")), nil},
		{"new required argument with a default", moduleDef(t, `[{"name": "dnis", "type": "String"}, {"name": "vip", "type": "Boolean", "required": false}, {"name": "lang", "type": "String", "default": "en"}]`,
			ret("r0", "open", "holiday_name"), ret("r1", "closed", "holiday_name")), nil},
		{"new exit nobody wires", moduleDef(t, `[{"name": "dnis", "type": "String"}, {"name": "vip", "type": "Boolean", "required": false}]`,
			ret("r0", "open", "holiday_name"), ret("r1", "closed", "holiday_name"), ret("r2", "maintenance")), nil},
		{"exit removed", moduleDef(t, `[{"name": "dnis", "type": "String"}, {"name": "vip", "type": "Boolean", "required": false}]`,
			ret("r0", "open", "holiday_name")), []string{`exit "closed" is removed, and the step wires it`}},
		{"argument removed", moduleDef(t, `[{"name": "dnis", "type": "String"}]`,
			ret("r0", "open", "holiday_name"), ret("r1", "closed", "holiday_name")), []string{`argument "vip" is removed, and the step maps it`}},
		{"argument retyped", moduleDef(t, `[{"name": "dnis", "type": "String"}, {"name": "vip", "type": "Number", "required": false}]`,
			ret("r0", "open", "holiday_name"), ret("r1", "closed", "holiday_name")), []string{`argument "vip" is retyped from Boolean to Number, and the step maps it`}},
		{"new required argument", moduleDef(t, `[{"name": "dnis", "type": "String"}, {"name": "vip", "type": "Boolean", "required": false}, {"name": "tz", "type": "String"}]`,
			ret("r0", "open", "holiday_name"), ret("r1", "closed", "holiday_name")), []string{`argument "tz" (String) is new and required, and the step does not give it`}},
		{"output removed", moduleDef(t, `[{"name": "dnis", "type": "String"}, {"name": "vip", "type": "Boolean", "required": false}]`,
			ret("r0", "open"), ret("r1", "closed")), []string{`output "holiday_name" is removed, and the step maps it`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cand, ps := module.ContractOf(c.candidate)
			require.Empty(t, ps)
			var got []string
			for _, b := range module.Breaks("holiday", old, cand, user, "Main IVR r3 (published)") {
				got = append(got, b.Reason)
				assert.Equal(t, "check", b.State)
				assert.Equal(t, "Main IVR r3 (published)", b.User)
			}
			assert.Equal(t, c.want, got)
		})
	}
	err := &module.BreakingChangeError{Module: "holiday", Breaks: []module.Break{{User: "Main IVR", State: "check", Reason: "exit \"closed\" is removed"}}}
	assert.ErrorIs(t, err, module.ErrBreaking)
	assert.Equal(t, "module \"holiday\": the new version would break 1 use(s):\n  Main IVR, state \"check\": exit \"closed\" is removed", err.Error())
}
