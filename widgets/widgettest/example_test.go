package widgettest_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/studioflow/studioflow/widgets"
	"github.com/studioflow/studioflow/widgets/widgettest"
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
	return widgets.Take("next", map[string]any{"text": strings.ToUpper(s)}), nil
}

func shoutType() widgets.Type {
	return widgets.Type{Name: "shout", Compile: func(p *widgets.Props) widgets.Node { return shout{text: p.RequiredText("text")} }}
}

// A host tests its own widget without an engine: compile a state of it,
// run its node against a step whose context the test sets.
func ExampleRun() {
	t := &testing.T{} // in a real test, the test's own t
	reg := widgets.NewRegistry(shoutType())
	n := widgettest.MustCompile(t, reg, "shout", map[string]any{"text": "hello {{flow.variables.name}}"})
	res := widgettest.Run(t, n, widgettest.NewStep(&widgets.Services{}).Set("flow.variables.name", "ada"))
	fmt.Println(res.Event, res.Outputs["text"])
	// Output: next HELLO ADA
}

func TestTheKit(t *testing.T) {
	reg := widgets.NewRegistry(shoutType())
	widgettest.RunChecks(t, reg, "shout", []widgettest.Check{
		{Name: "text missing", Props: map[string]any{}, Key: "text", Code: widgets.CodePropertyMissing},
		{Name: "fine", Props: map[string]any{"text": "x"}},
	})
	n := widgettest.MustCompile(t, reg, "shout", map[string]any{"text": "{{contact.channel.address}}"})
	step := widgettest.NewStep(nil)
	if got := widgettest.Run(t, n, step).Outputs["text"]; got != "+15550001111" {
		t.Fatalf("rendered %v", got)
	}
	// A node that is no Resumer takes the event with its data, as the
	// engine does.
	res := widgettest.Resume(t, n, step, widgets.Event{Name: "next", Data: map[string]any{"a": "b"}})
	if res.Event != "next" || res.Outputs["a"] != "b" {
		t.Fatalf("resume gave %+v", res)
	}
	if step.WithIntn(7).Intn(3) != 2 || step.Intn(100) != 7 {
		t.Fatal("Intn is not what WithIntn set, clamped")
	}
	if step.Messaging().Call().Live {
		t.Fatal("a messaging step has no call")
	}
}
