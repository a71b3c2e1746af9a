package graph_test

import (
	"fmt"

	"github.com/studioflow/studioflow/flow"
	"github.com/studioflow/studioflow/graph"
)

// hotline is a small flow: the caller presses a key or hears goodbye.
func hotline() *flow.Definition {
	d, err := flow.Parse([]byte(`{
	  "description": "Hotline",
	  "initial_state": "Trigger",
	  "states": [
	    {"name": "Trigger", "type": "trigger", "properties": {},
	     "transitions": [{"event": "incomingCall", "next": "ask"}, {"event": "incomingMessage"}]},
	    {"name": "ask", "type": "gather-input-on-call", "properties": {"say": "Press a key"},
	     "transitions": [{"event": "keypress", "next": "thanks"}, {"event": "timeout", "next": "bye"}]},
	    {"name": "thanks", "type": "say-play", "properties": {"say": "Thanks"},
	     "transitions": [{"event": "audioComplete"}]},
	    {"name": "bye", "type": "say-play", "properties": {"say": "Goodbye"},
	     "transitions": [{"event": "audioComplete"}]}
	  ]}`))
	if err != nil {
		panic(err)
	}
	return d
}

// A flow as a Mermaid flowchart, with the path of a finished run
// highlighted: the caller pressed a key. The trigger's incomingMessage
// leads nowhere, so it is not drawn.
func ExampleMermaid() {
	fmt.Print(graph.Mermaid(hotline(), graph.Options{Path: []string{"Trigger", "ask", "thanks"}}))
	// Output:
	// flowchart TD
	//     %% Hotline
	//     start(("start"))
	//     n0["Trigger<br/>trigger"]
	//     n1["ask<br/>gather-input-on-call"]
	//     n2["thanks<br/>say-play"]
	//     n3["bye<br/>say-play"]
	//     start --> n0
	//     n0 -->|"incomingCall"| n1
	//     n1 -->|"keypress"| n2
	//     n1 -->|"timeout"| n3
	//     classDef path fill:#fff3b0,stroke:#d97706,stroke-width:3px
	//     class n0,n1,n2 path
	//     linkStyle 0,1,2 stroke:#d97706,stroke-width:3px,fill:none
}

// The same flow as Graphviz DOT, styled by what a test run reached: the
// goodbye branch was missed.
func ExampleDOT() {
	cov := &graph.Coverage{
		States:      map[string]bool{"Trigger": true, "ask": true, "thanks": true},
		Transitions: map[string][]bool{"Trigger": {true, false}, "ask": {true, false}},
	}
	fmt.Print(graph.DOT(hotline(), graph.Options{Coverage: cov}))
	// Output:
	// digraph "Hotline" {
	//     node [shape=box, style="rounded", fontname="Helvetica"];
	//     edge [fontname="Helvetica", fontsize=10];
	//     start [label="start", shape=circle];
	//     n0 [label="Trigger\ntrigger", color="#16a34a", fillcolor="#dcfce7", style="rounded,filled"];
	//     n1 [label="ask\ngather-input-on-call", color="#16a34a", fillcolor="#dcfce7", style="rounded,filled"];
	//     n2 [label="thanks\nsay-play", color="#16a34a", fillcolor="#dcfce7", style="rounded,filled"];
	//     n3 [label="bye\nsay-play", color="#9ca3af", style="rounded,dashed", fontcolor="#6b7280"];
	//     start -> n0 [color="#16a34a"];
	//     n0 -> n1 [label="incomingCall", color="#16a34a"];
	//     n1 -> n2 [label="keypress", color="#16a34a"];
	//     n1 -> n3 [label="timeout", color="#9ca3af", style="dashed", fontcolor="#6b7280"];
	// }
}
