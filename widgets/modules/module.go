package modules

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/studioflow/studioflow/widgets"

	"github.com/studioflow/studioflow/flow"
)

// Module state types: the JSON format this library adds to Twilio's for
// Talkdesk-style modules.
const (
	// TypeBeginModule is a module's entry state; see BeginModule.
	TypeBeginModule = flow.TypeBeginModule
	// TypeReturnToFlow ends a module through one of its exits; see
	// ReturnToFlow.
	TypeReturnToFlow = "return-to-flow"
	// TypeRunModule runs a module from a flow or module; see RunModule.
	TypeRunModule = "run-module"
)

// Argument types of a module contract.
const (
	// ArgString is any text, taken as is.
	ArgString = "String"
	// ArgBoolean is true or false (also 1/0 and t/f, in any case).
	ArgBoolean = "Boolean"
	// ArgNumber is a decimal number, neither NaN nor infinite.
	ArgNumber = "Number"
)

// ArgumentTypes returns the argument types a module may declare; the slice
// is the caller's.
func ArgumentTypes() []string { return []string{ArgString, ArgBoolean, ArgNumber} }

// ConvertArgument converts a rendered argument value to its declared type:
// String as is; Boolean from true/false (also 1/0, t/f, in any case, after
// trimming); Number from a decimal number (not NaN or infinity). A value
// that does not convert is an error, never a silent zero.
func ConvertArgument(typ, value string) (any, error) {
	switch typ {
	case ArgString:
		return value, nil
	case ArgBoolean:
		b, err := strconv.ParseBool(strings.ToLower(strings.TrimSpace(value)))
		if err != nil {
			return nil, fmt.Errorf("%q is not a Boolean (true or false)", value)
		}
		return b, nil
	case ArgNumber:
		f, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, fmt.Errorf("%q is not a Number", value)
		}
		return f, nil
	}
	return nil, fmt.Errorf("unknown argument type %q; use String, Boolean or Number", typ)
}

// Argument is one typed input of a module, declared on its begin-module.
type Argument struct {
	// Name is the argument's name, as run-module steps give it.
	Name string `json:"name"`
	// Type is ArgString, ArgBoolean or ArgNumber.
	Type string `json:"type"`
	// Variable is the module's flow.variables key the converted value is
	// written to; ModuleArguments defaults it to Name.
	Variable string `json:"variable"`
	// Required defaults to true.
	Required *bool `json:"required,omitempty"`
	// Default is used when an optional argument is not given.
	Default *string `json:"default,omitempty"`
}

// IsRequired reports whether the argument must be given.
func (a Argument) IsRequired() bool { return a.Required == nil || *a.Required }

// UnmarshalJSON accepts required written as a string and a default of any
// scalar type.
func (a *Argument) UnmarshalJSON(data []byte) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return err
	}
	a.Name, _ = widgets.Scalar(raw["name"])
	a.Type, _ = widgets.Scalar(raw["type"])
	a.Variable, _ = widgets.Scalar(raw["variable"])
	if s, ok := widgets.Scalar(raw["required"]); ok {
		b, err := strconv.ParseBool(s)
		if err != nil {
			return fmt.Errorf("required must be true or false, got %q", s)
		}
		a.Required = &b
	}
	if s, ok := widgets.Scalar(raw["default"]); ok {
		a.Default = &s
	}
	return nil
}

// ModuleArguments reads the arguments of a begin-module state, reporting
// problems through p: a missing name, an unknown type, a duplicate name, a
// default that does not convert.
func ModuleArguments(p *widgets.Props) []Argument {
	var args []Argument
	if !p.Decode("arguments", &args) {
		return nil
	}
	seen := map[string]bool{}
	for i, a := range args {
		switch {
		case a.Name == "":
			p.Errorf("arguments", widgets.CodePropertyMissing, "arguments[%d] has no name", i)
		case seen[a.Name]:
			p.Errorf("arguments", widgets.CodePropertyInvalid, "argument %q is declared twice", a.Name)
		}
		seen[a.Name] = true
		if !isArgType(a.Type) {
			p.Errorf("arguments", widgets.CodePropertyInvalid, "argument %q has type %q; use String, Boolean or Number", a.Name, a.Type)
		}
		if a.Variable == "" {
			args[i].Variable = a.Name
		}
		if a.Default != nil && isArgType(a.Type) {
			if _, err := ConvertArgument(a.Type, *a.Default); err != nil {
				p.Errorf("arguments", widgets.CodePropertyInvalid, "argument %q: default %v", a.Name, err)
			}
		}
	}
	return args
}

func isArgType(t string) bool { return t == ArgString || t == ArgBoolean || t == ArgNumber }

// BeginModule is a module's entry state. It takes the arguments the
// run-module step passed, converts each to its declared type and writes it
// to the module's flow.variables.VARIABLE. A missing required argument or a
// value that does not convert returns to the caller as failed, so the
// run-module step takes its failed path with the reason. Event: next.
//
//	{"name": "Begin", "type": "begin-module",
//	 "transitions": [{"event": "next", "next": "check"}],
//	 "properties": {"arguments": [
//	   {"name": "dnis", "type": "String", "variable": "dnis", "required": true},
//	   {"name": "vip", "type": "Boolean", "variable": "vip", "required": false, "default": "false"}]}}
func BeginModule() widgets.Type {
	return widgets.Type{
		Name: TypeBeginModule,
		Compile: func(p *widgets.Props) widgets.Node {
			return &beginModuleNode{args: ModuleArguments(p)}
		},
	}
}

type beginModuleNode struct{ args []Argument }

var beginModuleEvents = []string{"next"}

func (n *beginModuleNode) Events() []string { return slices.Clone(beginModuleEvents) }

func (n *beginModuleNode) Run(sc widgets.StepContext) (widgets.Result, error) {
	for _, a := range n.args {
		text, given := argumentText(sc, a.Name)
		// A caller's template that renders blank gives nothing: an
		// optional argument takes its default or stays unset.
		if given && strings.TrimSpace(text) == "" && (a.Type != ArgString || a.Default != nil || !a.IsRequired()) {
			given = false
		}
		if !given {
			switch {
			case a.Default != nil:
				text = *a.Default
			case a.IsRequired():
				return failedReturn(fmt.Sprintf("module argument %q (%s) is required and was not given", a.Name, a.Type)), nil
			default:
				continue
			}
		}
		conv, err := ConvertArgument(a.Type, text)
		if err != nil {
			return failedReturn(fmt.Sprintf("module argument %q: %v", a.Name, err)), nil
		}
		sc.SetVariable(a.Variable, conv)
	}
	return widgets.Result{Event: "next"}, nil
}

// argumentText returns the value the run-module step gave for an argument,
// as text.
func argumentText(sc widgets.StepContext, name string) (string, bool) {
	v, given := sc.Lookup("trigger.parent.parameters." + name)
	if !given || v == nil {
		return "", false
	}
	if s, ok := v.(string); ok {
		return s, true
	}
	return widgets.ValueString(v), true
}

func failedReturn(reason string) widgets.Result {
	return widgets.Result{Return: &widgets.Return{Failed: true, Reason: reason}}
}

// Output is one value a return-to-flow hands back.
type Output struct {
	// Name is the output's name, as the caller reads it.
	Name string
	// Value is rendered in the module's context when the return-to-flow
	// runs.
	Value widgets.Text
}

// ReturnToFlow ends a module through one of its exits, rendering its
// outputs in the module's context. The caller's run-module step continues
// on the transition whose event is the exit's name. No events.
//
//	{"name": "open", "type": "return-to-flow", "transitions": [],
//	 "properties": {"exit": "open", "outputs": [{"name": "holiday_name", "value": "{{flow.variables.holiday}}"}]}}
func ReturnToFlow() widgets.Type {
	return widgets.Type{
		Name: TypeReturnToFlow,
		Compile: func(p *widgets.Props) widgets.Node {
			n := &returnNode{exit: p.RequiredString("exit")}
			for _, kv := range p.KeyValuesNamed("outputs", "name", "value") {
				n.outputs = append(n.outputs, Output{Name: kv.Key, Value: kv.Value})
			}
			return n
		},
	}
}

type returnNode struct {
	exit    string
	outputs []Output
}

func (n *returnNode) Events() []string { return nil }

func (n *returnNode) Run(sc widgets.StepContext) (widgets.Result, error) {
	out := make(map[string]any, len(n.outputs))
	for _, o := range n.outputs {
		v, err := o.Value.Render(sc)
		if err != nil {
			return widgets.Result{}, fmt.Errorf("output %q: %w", o.Name, err)
		}
		out[o.Name] = v
	}
	return widgets.Result{Return: &widgets.Return{Exit: n.exit, Outputs: out}}, nil
}

// OutputBinding maps a module output to a caller variable.
type OutputBinding struct {
	// Name is the module output's name.
	Name string
	// Variable is the caller's flow.variables key that receives the
	// output; empty writes nothing.
	Variable string
}

// RunModule runs a module from a flow (or from another module). Its
// arguments are templates rendered in the caller and converted to the
// module's argument types on entry; on return each output binding writes
// the caller's flow.variables.VARIABLE, and every output is readable as
// widgets.NAME.OUTPUT. Events: one per module exit, plus failed (the module
// is missing or not published, an argument is missing or does not convert;
// outputs error). widgets.NAME.exit is the exit taken, unless the module
// has an output of that name.
//
//	{"name": "holiday", "type": "run-module",
//	 "transitions": [{"event": "open", "next": "menu"}, {"event": "failed", "next": "menu"}],
//	 "properties": {"module": "Holiday check",
//	   "arguments": [{"name": "dnis", "value": "{{trigger.call.To}}"}],
//	   "outputs": [{"name": "holiday_name", "variable": "holiday"}]}}
func RunModule() widgets.Type {
	return widgets.Type{
		Name: TypeRunModule,
		Compile: func(p *widgets.Props) widgets.Node {
			n := &runModuleNode{module: p.RequiredString("module"), args: p.KeyValuesNamed("arguments", "name", "value")}
			for _, kv := range p.KeyValuesNamed("outputs", "name", "variable") {
				n.outputs = append(n.outputs, OutputBinding{Name: kv.Key, Variable: kv.Value.Src})
			}
			events := []string{"failed"}
			for _, t := range p.State.Transitions {
				events = widgets.Events(events, t.Event)
			}
			n.events = events
			return n
		},
	}
}

type runModuleNode struct {
	module  string
	args    []widgets.KeyValue
	outputs []OutputBinding
	events  []string
}

func (n *runModuleNode) Events() []string { return slices.Clone(n.events) }

func (n *runModuleNode) Run(sc widgets.StepContext) (widgets.Result, error) {
	params := make(map[string]any, len(n.args))
	for _, a := range n.args {
		v, err := a.Value.Render(sc)
		if err != nil {
			return widgets.Result{}, fmt.Errorf("argument %q: %w", a.Key, err)
		}
		params[a.Key] = v
	}
	return widgets.Result{Enter: &widgets.Enter{Kind: widgets.FrameModule, Ref: n.module, Parameters: params}}, nil
}

func (n *runModuleNode) Return(sc widgets.StepContext, ret widgets.Returned) (widgets.Result, error) {
	if ret.Failed {
		return widgets.Result{Event: "failed", Outputs: map[string]any{"error": ret.Reason}}, nil
	}
	if ret.Exit == "" {
		return widgets.Result{Event: "failed", Outputs: map[string]any{"error": "module " + strconv.Quote(n.module) + " ended without a return-to-flow"}}, nil
	}
	for _, b := range n.outputs {
		if v, ok := ret.Outputs[b.Name]; ok && b.Variable != "" {
			sc.SetVariable(b.Variable, v)
		}
	}
	out := widgets.CopyData(ret.Outputs)
	if _, taken := out["exit"]; !taken {
		// The exit taken, unless the module has an output called exit.
		out["exit"] = ret.Exit
	}
	return widgets.Result{Event: ret.Exit, Outputs: out}, nil
}

// Types returns the module state types (begin-module, return-to-flow,
// run-module), each a new value: changing one changes nothing else.
func Types() []widgets.Type { return []widgets.Type{BeginModule(), ReturnToFlow(), RunModule()} }

// Register adds every type Types returns to r, or none: a name r holds
// already is an error that names it.
func Register(r *widgets.Registry) error { return r.RegisterAll(Types()...) }
