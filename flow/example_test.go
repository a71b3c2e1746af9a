package flow_test

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/studioflow/studioflow/flow"
)

// Load a flow, check it, and write it back. The unknown key "x_owner" and
// the canvas offset survive; "<" and "&" are written as they are.
func Example() {
	const src = `{
  "description": "Greeting",
  "initial_state": "Trigger",
  "flags": {"allow_concurrent_calls": true},
  "x_owner": "ops",
  "states": [
    {"name": "Trigger", "type": "trigger",
     "transitions": [{"event": "incomingCall", "next": "greet"}, {"event": "incomingMessage"}],
     "properties": {"offset": {"x": 0, "y": 0}}},
    {"name": "greet", "type": "say-play",
     "transitions": [{"event": "audioComplete"}],
     "properties": {"say": "Hello <caller> & welcome", "loop": "1"}},
    {"name": "old_menu", "type": "say-play", "transitions": [], "properties": {}}
  ]
}`
	def, err := flow.Parse([]byte(src))
	if err != nil {
		fmt.Println(err)
		return
	}

	problems := flow.Check(def)
	for _, p := range problems {
		fmt.Println(p)
	}
	fmt.Println("usable:", problems.Err() == nil)

	out, err := flow.MarshalIndent(def)
	if err != nil {
		fmt.Println(err)
		return
	}
	os.Stdout.Write(out)
	// Output:
	// warning #/states/2 (state "old_menu"): no path from "Trigger" reaches this state [state.unreachable]
	// usable: true
	// {
	//   "description": "Greeting",
	//   "states": [
	//     {
	//       "name": "Trigger",
	//       "type": "trigger",
	//       "transitions": [
	//         {
	//           "next": "greet",
	//           "event": "incomingCall"
	//         },
	//         {
	//           "event": "incomingMessage"
	//         }
	//       ],
	//       "properties": {
	//         "offset": {
	//           "x": 0,
	//           "y": 0
	//         }
	//       }
	//     },
	//     {
	//       "name": "greet",
	//       "type": "say-play",
	//       "transitions": [
	//         {
	//           "event": "audioComplete"
	//         }
	//       ],
	//       "properties": {
	//         "loop": "1",
	//         "say": "Hello <caller> & welcome"
	//       }
	//     },
	//     {
	//       "name": "old_menu",
	//       "type": "say-play",
	//       "transitions": [],
	//       "properties": {}
	//     }
	//   ],
	//   "initial_state": "Trigger",
	//   "flags": {
	//     "allow_concurrent_calls": true
	//   },
	//   "x_owner": "ops"
	// }
}

// Malformed JSON gives a *SyntaxError with the line and column of the fault;
// a wrong shape gives a *DecodeError with its JSON path.
func ExampleParse_errors() {
	_, err := flow.Parse([]byte("{\n  \"description\": \"x\",\n  \"initial_state\": Trigger\n}"))
	var se *flow.SyntaxError
	if errors.As(err, &se) {
		fmt.Printf("line %d, column %d\n", se.Line, se.Column)
	}

	_, err = flow.Parse([]byte(`{"states": [{"name": 42}]}`))
	var de *flow.DecodeError
	if errors.As(err, &de) {
		fmt.Println(de.Path)
	}
	fmt.Println(errors.Is(err, flow.ErrInvalid))
	// Output:
	// line 3, column 20
	// #/states/0/name
	// true
}

// Checkers from other packages run after the structural checks; every
// problem comes back in one list, and Err turns the errors into one error.
func ExampleCheck() {
	def := &flow.Definition{
		InitialState: "Trigger",
		States: []flow.State{
			{Name: "Trigger", Type: "trigger", Transitions: []flow.Transition{{Event: "incomingCall", Next: "menu"}}},
			{Name: "say", Type: "say-play"},
		},
	}
	noSay := flow.CheckerFunc(func(d *flow.Definition) flow.Problems {
		var ps flow.Problems
		for i, s := range d.States {
			if _, ok := s.Properties["say"]; s.Type == "say-play" && !ok {
				ps = append(ps, flow.Problem{Path: flow.PropertyPath(i, "say"), State: s.Name,
					Code: "say_play.say_missing", Message: "nothing to say", Severity: flow.SeverityError})
			}
		}
		return ps
	})

	problems := flow.Check(def, flow.WithCheckers(noSay))
	for _, p := range problems {
		fmt.Println(p.Severity, p.Path, p.Code)
	}
	err := problems.Err()
	fmt.Println(errors.Is(err, flow.ErrInvalid), len(problems.Errors()), len(problems.Warnings()))
	// Output:
	// error #/states/0/transitions/0/next transition.next_unknown
	// warning #/states/1 state.unreachable
	// error #/states/1/properties/say say_play.say_missing
	// true 2 1
}

// Read takes a definition from any io.Reader, such as an open file or an
// HTTP request body, and refuses documents over DefaultMaxReadBytes.
func ExampleRead() {
	r := strings.NewReader(`{"description": "From a reader", "initial_state": "Trigger",
  "states": [{"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingRequest"}]}]}`)
	def, err := flow.Read(r)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(def.Description, len(def.States), def.States[0].Transitions[0].Event)
	// Output:
	// From a reader 1 incomingRequest
}
