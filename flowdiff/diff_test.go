package flowdiff

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/studioflow/studioflow/flow"
	"github.com/studioflow/studioflow/flow/connect"
)

// parseFile reads a Twilio or Connect flow.
func parseFile(t *testing.T, path string) *flow.Definition {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var d *flow.Definition
	if connect.Detect(data) {
		d, err = connect.Parse(data)
	} else {
		d, err = flow.Parse(data)
	}
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return d
}

// wantText fails unless c reads exactly want.
func wantText(t *testing.T, c *Changes, want string) {
	t.Helper()
	if got := c.Text(); got != want {
		t.Errorf("Text:\n%s\nwant:\n%s", got, want)
	}
	if c.Empty() != (want == "") {
		t.Errorf("Empty() = %v with text %q", c.Empty(), want)
	}
}

// corpus lists the flows of a glob, skipping when there is none.
func corpus(t *testing.T, glob string) []string {
	t.Helper()
	files, err := filepath.Glob(glob)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, f := range files {
		if !strings.HasSuffix(f, ".test.json") {
			out = append(out, f)
		}
	}
	if len(out) == 0 {
		t.Skipf("no flows under %s", glob)
	}
	return out
}

// moveCanvas moves every state on the canvas: Twilio's offset property,
// Connect's action metadata, and Connect's top-level Metadata.
func moveCanvas(d *flow.Definition) {
	for i := range d.States {
		s := &d.States[i]
		if d.Vendor == flow.VendorConnect {
			s.Extra["$studioflow.metadata"] = json.RawMessage(`{"position":{"x":123.5,"y":-7}}`)
			continue
		}
		_ = s.SetProperty("offset", map[string]int{"x": 1000 + 10*i, "y": -30 * i})
	}
	if d.Vendor == flow.VendorConnect {
		d.Extra["Metadata"] = json.RawMessage(`{"entryPointPosition":{"x":1,"y":2}}`)
	}
}

// roundTrip writes d out and reads it back, as another editor's
// formatting would.
func roundTrip(t *testing.T, d *flow.Definition, write func(*flow.Definition) ([]byte, error), read func([]byte) (*flow.Definition, error)) *flow.Definition {
	t.Helper()
	out, err := write(d)
	if err != nil {
		t.Fatal(err)
	}
	back, err := read(out)
	if err != nil {
		t.Fatal(err)
	}
	return back
}

func checkSelf(t *testing.T, files []string) {
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			a := parseFile(t, f)
			wantText(t, Diff(a, a), "")
			wantText(t, Diff(a, parseFile(t, f)), "")
			wantText(t, Diff(a, roundTrip(t, a, flow.MarshalIndent, flow.Parse)), "")
			if a.Vendor == flow.VendorConnect {
				wantText(t, Diff(a, roundTrip(t, a, connect.Marshal, connect.Parse)), "")
			}
			moved := a.Clone()
			moveCanvas(moved)
			wantText(t, Diff(a, moved), "")
			if len(a.States) > 0 {
				// Reordered states and properties are the same flow.
				rev := a.Clone()
				for i, j := 0, len(rev.States)-1; i < j; i, j = i+1, j-1 {
					rev.States[i], rev.States[j] = rev.States[j], rev.States[i]
				}
				wantText(t, Diff(a, rev), "")
			}
		})
	}
}

func TestSelfExamples(t *testing.T) {
	checkSelf(t, corpus(t, "../examples/*/*.json"))
}

func TestSelfConnect(t *testing.T) {
	checkSelf(t, corpus(t, "../../shared/testdata/connect/*.json"))
}

func TestSelfTwilio(t *testing.T) {
	checkSelf(t, corpus(t, "../../shared/testdata/twilio/*.json"))
}

func TestHolidayVersions(t *testing.T) {
	v1 := parseFile(t, "../examples/holiday/holiday_check_v1.json")
	v2 := parseFile(t, "../examples/holiday/holiday_check_v2.json")
	wantText(t, Diff(v1, v2), `~ state "calendar": property rules: [{"annual":true,"dates":["2026-12-25"],"name":"christmas"}] -> [{"annual":true,"dates":["2026-12-25"],"name":"christmas"},{"annual":true,"dates":["2027-01-01"],"name":"new_year"}]
+ state "calendar": transition new_year -> "remember"
`)
	wantText(t, Diff(v2, v1), `~ state "calendar": property rules: [{"annual":true,"dates":["2026-12-25"],"name":"christmas"},{"annual":true,"dates":["2027-01-01"],"name":"new_year"}] -> [{"annual":true,"dates":["2026-12-25"],"name":"christmas"}]
- state "calendar": transition new_year -> "remember"
`)
	out, err := json.Marshal(Diff(v1, v2))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"changes":[` +
		`{"kind":"property-changed","state":"calendar","key":"rules",` +
		`"before":[{"annual":true,"dates":["2026-12-25"],"name":"christmas"}],` +
		`"after":[{"annual":true,"dates":["2026-12-25"],"name":"christmas"},{"annual":true,"dates":["2027-01-01"],"name":"new_year"}]},` +
		`{"kind":"transition-added","state":"calendar","event":"new_year","after":"remember"}]}`
	if string(out) != want {
		t.Errorf("JSON:\n%s\nwant:\n%s", out, want)
	}
	empty, _ := json.Marshal(Diff(v1, v1))
	if string(empty) != `{"changes":[]}` {
		t.Errorf("JSON of no change: %s", empty)
	}
}

func TestSupportVersions(t *testing.T) {
	v1 := parseFile(t, "../examples/versions/support_v1.json")
	v2 := parseFile(t, "../examples/versions/support_v2.json")
	wantText(t, Diff(v1, v2), `~ state "welcome": property say: "Welcome to support. All our agents are busy; please call back later." -> "Welcome to support. We are texting you a link to our help centre."
~ state "welcome": transition audioComplete -> "text_link" (was end)
+ state "text_link" (send-message)
`)
	wantText(t, Diff(v2, v1), `~ state "welcome": property say: "Welcome to support. We are texting you a link to our help centre." -> "Welcome to support. All our agents are busy; please call back later."
~ state "welcome": transition audioComplete -> end (was "text_link")
- state "text_link"
`)
}

func TestEdits(t *testing.T) {
	menu := parseFile(t, "../examples/ivr/menu.json")
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	remove := func(d *flow.Definition, name string) {
		i := d.StateIndex(name)
		d.States = append(d.States[:i], d.States[i+1:]...)
	}
	for _, tc := range []struct {
		name string
		edit func(d *flow.Definition)
		want string
	}{
		{"rename", func(d *flow.Definition) { must(d.RenameState("greet", "welcome")) },
			`> state "greet" renamed to "welcome"` + "\n"},
		{"rename the initial state", func(d *flow.Definition) { must(d.RenameState("Trigger", "Start")) },
			`> state "Trigger" renamed to "Start"` + "\n"},
		{"rename two linked states", func(d *flow.Definition) {
			must(d.RenameState("support_sms", "text_help"))
			must(d.RenameState("support_bye", "help_bye"))
		}, `> state "support_sms" renamed to "text_help"
> state "support_bye" renamed to "help_bye"
`},
		{"rename and change", func(d *flow.Definition) {
			must(d.RenameState("sales", "sales_closed"))
			must(d.State("sales_closed").SetProperty("say", "Sales is closed."))
		}, `> state "sales" renamed to "sales_closed"
~ state "sales_closed": property say: "Our sales team opens at nine. Goodbye." -> "Sales is closed."
`},
		{"property", func(d *flow.Definition) { must(d.State("greet").SetProperty("say", "Hi.")) },
			`~ state "greet": property say: "Thanks for calling Acme{% if flow.data.first_name %}, {{flow.data.first_name}}{% endif %}." -> "Hi."` + "\n"},
		{"property added and removed", func(d *flow.Definition) {
			s := d.State("menu")
			delete(s.Properties, "stop_gather")
			must(s.SetProperty("hints", "sales, support"))
		}, `~ state "menu": property hints: (absent) -> "sales, support"
~ state "menu": property stop_gather: "true" -> (absent)
`},
		{"rewire", func(d *flow.Definition) { d.State("menu").Transition("timeout").Next = "invalid" },
			`~ state "menu": transition timeout -> "invalid" (was "goodbye")` + "\n"},
		{"rewire a match", func(d *flow.Definition) { d.State("route").Transitions[1].Next = "goodbye" },
			`~ state "route": transition match "sales" -> "goodbye" (was "sales")` + "\n"},
		{"change a condition", func(d *flow.Definition) { d.State("route").Transitions[2].Conditions[0].Value = "3" },
			`~ state "route": transition match "support": guard {"conditions":[{"arguments":["{{widgets.menu.Digits}}"],"friendly_name":"support","type":"equal_to","value":"2"}]} -> {"conditions":[{"arguments":["{{widgets.menu.Digits}}"],"friendly_name":"support","type":"equal_to","value":"3"}]}` + "\n"},
		{"transition added and removed", func(d *flow.Definition) {
			s := d.State("support_sms")
			s.Transitions = append(s.Transitions[:1], flow.Transition{Event: "delivered"})
		}, `+ state "support_sms": transition delivered -> end
- state "support_sms": transition failed -> "support_bye"
`},
		{"add a state", func(d *flow.Definition) {
			d.States = append(d.States, flow.State{Name: "hold", Type: "play", Transitions: []flow.Transition{{Event: "audioComplete", Next: "menu"}},
				Properties: map[string]json.RawMessage{"url": json.RawMessage(`"https://acme.example/hold.mp3"`)}})
			d.State("invalid").Transition("audioComplete").Next = "hold"
		}, `~ state "invalid": transition audioComplete -> "hold" (was "menu")
+ state "hold" (play)
`},
		{"remove a state", func(d *flow.Definition) {
			remove(d, "goodbye")
			d.State("menu").Transition("timeout").Next = ""
		}, `~ state "menu": transition timeout -> end (was "goodbye")
- state "goodbye"
`},
		{"type", func(d *flow.Definition) { d.State("goodbye").Type = "send-message" },
			`~ state "goodbye": type say-play -> send-message` + "\n"},
		{"initial state", func(d *flow.Definition) { d.InitialState = "greet" },
			`~ initial state: "Trigger" -> "greet"` + "\n"},
		{"flags and description", func(d *flow.Definition) {
			d.Flags.AllowConcurrentCalls = false
			d.Description = "Acme IVR"
		}, `~ description: "Acme main IVR" -> "Acme IVR"
~ flag allow_concurrent_calls: true -> false
`},
		{"canvas only", func(d *flow.Definition) { moveCanvas(d) }, ""},
		{"reorder a split's conditions", func(d *flow.Definition) {
			r := d.State("route")
			r.Transitions[1], r.Transitions[2] = r.Transitions[2], r.Transitions[1]
		}, `~ state "route": order of match: ["sales","support","repeat"] -> ["support","sales","repeat"]` + "\n"},
		{"reorder events wired once", func(d *flow.Definition) {
			m := d.State("menu")
			m.Transitions[0], m.Transitions[2] = m.Transitions[2], m.Transitions[0]
		}, ""},
		{"rename a state templates read", func(d *flow.Definition) {
			must(d.RenameState("menu", "main_menu"))
			for i := range d.States {
				for k, v := range d.States[i].Properties {
					d.States[i].Properties[k] = json.RawMessage(strings.ReplaceAll(string(v), "widgets.menu.", "widgets.main_menu."))
				}
				for _, tr := range d.States[i].Transitions {
					for c := range tr.Conditions {
						for a := range tr.Conditions[c].Arguments {
							tr.Conditions[c].Arguments[a] = strings.ReplaceAll(tr.Conditions[c].Arguments[a], "widgets.menu.", "widgets.main_menu.")
						}
					}
				}
			}
		}, `> state "menu" renamed to "main_menu"` + "\n"},
		{"templates that read a renamed state, and more", func(d *flow.Definition) {
			must(d.RenameState("menu", "main_menu"))
			must(d.State("invalid").SetProperty("say", "Sorry, {{widgets['main_menu'].Digits}} is not an option, {{widgets.menu_x.Digits}}."))
		}, `> state "menu" renamed to "main_menu"
~ state "invalid": property say: "Sorry, {{widgets.menu.Digits}} is not an option." -> "Sorry, {{widgets['main_menu'].Digits}} is not an option, {{widgets.menu_x.Digits}}."
`},
		{"a state put before a renamed one", func(d *flow.Definition) {
			must(d.RenameState("greet", "welcome"))
			d.States = append(d.States, flow.State{Name: "note", Type: "set-variables", Transitions: []flow.Transition{{Event: "next", Next: "welcome"}},
				Properties: map[string]json.RawMessage{"variables": json.RawMessage(`[{"key": "seen", "value": "yes"}]`)}})
			d.State("Trigger").Transition("incomingCall").Next = "note"
		}, `~ state "Trigger": transition incomingCall -> "note" (was "greet")
> state "greet" renamed to "welcome"
+ state "note" (set-variables)
`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			edited := menu.Clone()
			tc.edit(edited)
			wantText(t, Diff(menu, edited), tc.want)
		})
	}
}

func TestRenameSimilarity(t *testing.T) {
	menu := parseFile(t, "../examples/ivr/menu.json")
	edited := menu.Clone()
	if err := edited.RenameState("sales", "sales_closed"); err != nil {
		t.Fatal(err)
	}
	if err := edited.State("sales_closed").SetProperty("say", "Sales is closed."); err != nil {
		t.Fatal(err)
	}
	c := Diff(menu, edited)
	if got := c.List[0]; got.Kind != KindStateRenamed || got.Similarity != 0.67 {
		t.Errorf("rename: %+v", got)
	}
	// Above the threshold's reach, the same edit is a removal and an addition.
	wantText(t, Diff(menu, edited, WithRenameThreshold(0.9)), `~ state "route": transition match "sales" -> "sales_closed" (was "sales")
+ state "sales_closed" (say-play)
- state "sales"
`)
	// An exact rename is found whatever the threshold.
	exact := menu.Clone()
	if err := exact.RenameState("goodbye", "bye"); err != nil {
		t.Fatal(err)
	}
	c = Diff(menu, exact, WithRenameThreshold(2))
	wantText(t, c, `> state "goodbye" renamed to "bye"`+"\n")
	if c.List[0].Similarity != 1 {
		t.Errorf("exact rename similarity %v", c.List[0].Similarity)
	}
}

func TestConnectEdits(t *testing.T) {
	files := corpus(t, "../../shared/testdata/connect/gitlab-acme_main_AUTO.json")
	d := parseFile(t, files[0])
	var i int
	for i = range d.States {
		if len(d.States[i].Properties) > 0 && len(d.States[i].Transitions) > 0 {
			break
		}
	}
	old := d.States[i].Name
	edited := d.Clone()
	if err := edited.RenameState(old, "renamed_action"); err != nil {
		t.Fatal(err)
	}
	moveCanvas(edited)
	wantText(t, Diff(d, edited), `> state "`+old+`" renamed to "renamed_action"`+"\n")
}

// module returns the holiday check module.
func holiday(t *testing.T) *flow.Definition {
	return parseFile(t, "../examples/holiday/holiday_check_v1.json")
}

func TestContractBreaking(t *testing.T) {
	v1 := holiday(t)
	v2 := v1.Clone()
	if err := v2.State("open").SetProperty("exit", "closed"); err != nil {
		t.Fatal(err)
	}
	c := Diff(v1, v2)
	wantText(t, c, `~ state "open": property exit: "open" -> "closed"
+ contract: exit "closed"
- contract: exit "open"
! contract: breaking: any caller: exit "open" is removed, and the step wires it
`)
	if c.Contract == nil || !c.Contract.Breaking {
		t.Errorf("verdict %+v", c.Contract)
	}
	user := parseFile(t, "../examples/holiday/support_line.json")
	wantText(t, Diff(v1, v2, WithUsers("Holiday check", map[string]*flow.Definition{"support line": user})),
		`~ state "open": property exit: "open" -> "closed"
+ contract: exit "closed"
- contract: exit "open"
! contract: breaking: support line, state "holiday": exit "open" is removed, and the step wires it
`)
}

func TestContractArguments(t *testing.T) {
	v1 := holiday(t)
	optional := v1.Clone()
	begin := optional.State("Begin")
	if err := begin.SetProperty("arguments", []map[string]any{
		{"name": "dnis", "type": "String", "variable": "dnis"},
		{"name": "lang", "type": "String", "required": false},
	}); err != nil {
		t.Fatal(err)
	}
	c := Diff(v1, optional)
	wantText(t, c, `~ state "Begin": property arguments: [{"name":"dnis","type":"String","variable":"dnis"}] -> [{"name":"dnis","type":"String","variable":"dnis"},{"name":"lang","required":false,"type":"String"}]
+ contract: argument "lang"
! contract: compatible
`)
	if c.Contract == nil || c.Contract.Breaking {
		t.Errorf("verdict %+v", c.Contract)
	}
	retyped := v1.Clone()
	if err := retyped.State("Begin").SetProperty("arguments", []map[string]any{
		{"name": "dnis", "type": "Number", "variable": "dnis"},
		{"name": "lang", "type": "String"},
	}); err != nil {
		t.Fatal(err)
	}
	wantText(t, Diff(v1, retyped), `~ state "Begin": property arguments: [{"name":"dnis","type":"String","variable":"dnis"}] -> [{"name":"dnis","type":"Number","variable":"dnis"},{"name":"lang","type":"String"}]
~ contract: argument "dnis": {"name":"dnis","type":"String","variable":"dnis"} -> {"name":"dnis","type":"Number","variable":"dnis"}
+ contract: argument "lang"
! contract: breaking: any caller: argument "dnis" is retyped from String to Number, and the step maps it
! contract: breaking: any caller: argument "lang" (String) is new and required, and the step does not give it
`)
	out, err := json.Marshal(Diff(v1, retyped).Contract)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"breaking":true,"breaks":[{"user":"any caller","reason":"argument \"dnis\" is retyped from String to Number, and the step maps it"},{"user":"any caller","reason":"argument \"lang\" (String) is new and required, and the step does not give it"}]}`; string(out) != want {
		t.Errorf("verdict JSON %s", out)
	}
}

func TestNoLongerModule(t *testing.T) {
	v1 := holiday(t)
	flowNow := v1.Clone()
	flowNow.State("Begin").Type = "trigger"
	c := Diff(v1, flowNow)
	if c.Contract == nil || !c.Contract.Breaking {
		t.Fatalf("verdict %+v\n%s", c.Contract, c.Text())
	}
	if !strings.Contains(c.Text(), `- contract: exit "open"`) {
		t.Errorf("text:\n%s", c.Text())
	}
}

func TestNil(t *testing.T) {
	menu := parseFile(t, "../examples/ivr/menu.json")
	c := Diff(nil, menu)
	if c.Empty() || c.List[0].Kind != KindDescription {
		t.Errorf("from nothing:\n%s", c.Text())
	}
	wantText(t, Diff(nil, nil), "")
}

func TestRenameNeedsAnchor(t *testing.T) {
	menu := parseFile(t, "../examples/ivr/menu.json")
	replace := func(wired bool) *flow.Definition {
		d := menu.Clone()
		i := d.StateIndex("goodbye")
		d.States = append(d.States[:i], d.States[i+1:]...)
		d.States = append(d.States, flow.State{Name: "promo", Type: "say-play", Transitions: []flow.Transition{{Event: "audioComplete"}},
			Properties: map[string]json.RawMessage{"say": json.RawMessage(`"We did not hear from you. Goodbye."`), "loop": json.RawMessage(`"2"`)}})
		d.State("menu").Transition("timeout").Next = ""
		if wired {
			d.State("menu").Transition("timeout").Next = "promo"
		}
		return d
	}
	// Alike enough, but linked to nothing that was paired: not a rename.
	wantText(t, Diff(menu, replace(false), WithRenameThreshold(0.4)), `~ state "menu": transition timeout -> end (was "goodbye")
+ state "promo" (say-play)
- state "goodbye"
`)
	wantText(t, Diff(menu, replace(true), WithRenameThreshold(0.4)), `> state "goodbye" renamed to "promo"
~ state "promo": property loop: (absent) -> "2"
`)
}

// A state whose own content is unchanged pairs when only where it is
// reached from changed, but not when nothing reaches it any more, and not
// when only exact renames are asked for.
func TestRenameOwnContent(t *testing.T) {
	menu := parseFile(t, "../examples/ivr/menu.json")
	unconnected := menu.Clone()
	bye := *unconnected.State("goodbye")
	i := unconnected.StateIndex("goodbye")
	unconnected.States = append(unconnected.States[:i], unconnected.States[i+1:]...)
	bye.Name = "promo"
	unconnected.States = append(unconnected.States, bye)
	unconnected.State("menu").Transition("timeout").Next = ""
	wantText(t, Diff(menu, unconnected), `~ state "menu": transition timeout -> end (was "goodbye")
+ state "promo" (say-play)
- state "goodbye"
`)

	inserted := menu.Clone()
	if err := inserted.RenameState("greet", "welcome"); err != nil {
		t.Fatal(err)
	}
	inserted.States = append(inserted.States, flow.State{Name: "note", Type: "set-variables", Transitions: []flow.Transition{{Event: "next", Next: "welcome"}},
		Properties: map[string]json.RawMessage{"variables": json.RawMessage(`[{"key": "seen", "value": "yes"}]`)}})
	inserted.State("Trigger").Transition("incomingCall").Next = "note"
	wantText(t, Diff(menu, inserted, WithRenameThreshold(2)), `~ state "Trigger": transition incomingCall -> "note" (was "greet")
+ state "welcome" (say-play)
+ state "note" (set-variables)
- state "greet"
`)
}

func TestUnrelatedFlows(t *testing.T) {
	files := corpus(t, "../../shared/testdata/twilio/*.json")
	for k := 1; k < len(files); k++ {
		a, b := parseFile(t, files[k-1]), parseFile(t, files[k])
		c := Diff(a, b)
		if c.Empty() {
			t.Errorf("%s and %s: no change", files[k-1], files[k])
		}
		if lines := strings.Count(c.Text(), "\n"); lines != len(c.List) {
			t.Errorf("%s and %s: %d lines for %d changes", files[k-1], files[k], lines, len(c.List))
		}
		if again := Diff(a, b).Text(); again != c.Text() {
			t.Errorf("%s and %s: unstable order", files[k-1], files[k])
		}
	}
}

func TestFollowRenames(t *testing.T) {
	renames := map[string]string{"menu": "main_menu", "a b": "c"}
	for in, want := range map[string]string{
		`"{{widgets.menu.Digits}}"`:             `"{{widgets.main_menu.Digits}}"`,
		`"{{widgets['menu'].Digits}}"`:          `"{{widgets['main_menu'].Digits}}"`,
		`"{{widgets[\"a b\"].x}}"`:              `"{{widgets[\"c\"].x}}"`,
		`"{{widgets.menu_x.Digits}}"`:           `"{{widgets.menu_x.Digits}}"`,
		`"{{widgets.menu-x}}"`:                  `"{{widgets.menu-x}}"`,
		`"{{mywidgets.menu}} {{widgets.menu}}"`: `"{{mywidgets.menu}} {{widgets.main_menu}}"`,
		`"widgets.menu"`:                        `"widgets.main_menu"`,
	} {
		if got := follow(in, renames); got != want {
			t.Errorf("follow(%s) = %s, want %s", in, got, want)
		}
	}
}
