package widgets_test

import (
	"fmt"
	"strings"

	"github.com/studioflow/studioflow/flow"
	"github.com/studioflow/studioflow/widgets"
	"github.com/studioflow/studioflow/widgets/standard"
)

// shout is a custom widget: it upper-cases a templated text into
// widgets.NAME.text and takes "next".
type shout struct{ text widgets.Text }

func (shout) Events() []string { return []string{"next"} }

func (n shout) Run(sc widgets.StepContext) (widgets.Result, error) {
	s, err := sc.Render(n.text)
	if err != nil {
		return widgets.Result{}, err
	}
	return widgets.Result{Event: "next", Outputs: map[string]any{"text": strings.ToUpper(s)}}, nil
}

// A host adds its own widget type to a registry; the registry's checker
// reports property problems and events the widget does not emit.
func ExampleRegistry_Register() {
	reg := standard.New()
	err := reg.Register(widgets.Type{
		Name: "shout",
		Compile: func(p *widgets.Props) widgets.Node {
			return shout{text: p.RequiredText("text")}
		},
	})
	if err != nil {
		panic(err)
	}
	def, _ := flow.Parse([]byte(`{"description": "d", "initial_state": "Trigger", "states": [
	  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingRequest", "next": "loud"}], "properties": {}},
	  {"name": "loud", "type": "shout", "transitions": [{"event": "next"}, {"event": "done"}], "properties": {}}]}`))
	for _, p := range flow.Check(def, flow.WithCheckers(reg.Checker())) {
		fmt.Println(p.Path, p.Code)
	}
	// Output:
	// #/states/1/properties/text property.missing
	// #/states/1/transitions/1/event transition.event_not_emitted
}
