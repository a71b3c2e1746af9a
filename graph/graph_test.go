package graph_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studioflow/studioflow/flow"
	"github.com/studioflow/studioflow/flow/connect"
	"github.com/studioflow/studioflow/graph"
	"github.com/studioflow/studioflow/runtime/sim"
)

// tb is what the checks need of a *testing.T; TestChecksCatchBrokenOutput
// passes a recorder.
type tb interface {
	Helper()
	Errorf(format string, args ...any)
	FailNow()
}

// recorder is a tb that records a failure.
type recorder struct{ failed bool }

func (r *recorder) Helper()               {}
func (r *recorder) Errorf(string, ...any) { r.failed = true }
func (r *recorder) FailNow()              { r.failed = true; runtime.Goexit() }

// fails reports whether check fails on r.
func fails(check func(t tb)) bool {
	r := &recorder{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		check(r)
	}()
	<-done
	return r.failed
}

// ---- Mermaid structure ----

var (
	mmdComment   = regexp.MustCompile(`^    %% [^\r\n]*$`)
	mmdNode      = regexp.MustCompile(`^    (n\d+)\["([^"]*)"\]$`)
	mmdStart     = regexp.MustCompile(`^    start\(\("start"\)\)$`)
	mmdEdge      = regexp.MustCompile(`^    (\w+) -->(?:\|"([^"]*)"\|)? (\w+)$`)
	mmdClassDef  = regexp.MustCompile(`^    classDef (\w+) ([^\s;]+(?: [^\s;]+)*)$`)
	mmdClass     = regexp.MustCompile(`^    class ([\w,]+) (\w+)$`)
	mmdLinkStyle = regexp.MustCompile(`^    linkStyle ([\d,]+) ([^\s;]+(?: [^\s;]+)*)$`)
	// mmdEntity is an entity code; a label's every # starts one.
	mmdEntity = regexp.MustCompile(`#(quot|\d+);`)
)

// mermaidGraph is what checkMermaid read: labels unescaped, by node id,
// and the edges.
type mermaidGraph struct {
	labels map[string]string
	edges  []mermaidEdge
	lines  []string
}

type mermaidEdge struct{ from, label, to string }

// checkMermaid checks that out is a flowchart Mermaid reads as written:
// every line one known statement, every id declared before use, labels
// quoted without raw quotes or syntax characters, brackets balanced, class
// and linkStyle naming what exists.
func checkMermaid(t tb, out string) mermaidGraph {
	t.Helper()
	g := mermaidGraph{labels: map[string]string{}}
	checkText(t, out)
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	g.lines = lines
	require.Equal(t, "flowchart TD", lines[0], "header")
	classes := map[string]bool{}
	styled := map[int]bool{}
	for n, line := range lines[1:] {
		where := fmt.Sprintf("line %d: %q", n+2, line)
		if !mmdComment.MatchString(line) {
			checkBalanced(t, line, where)
		}
		switch {
		case mmdComment.MatchString(line):
			assert.NotContains(t, line[4:], "%%{", where)
			assert.NotContains(t, line[6:], "%%", where)
		case mmdStart.MatchString(line):
			g.labels["start"] = "start"
		case mmdNode.MatchString(line):
			m := mmdNode.FindStringSubmatch(line)
			assert.NotContains(t, g.labels, m[1], "declared twice: "+where)
			g.labels[m[1]] = checkMermaidLabel(t, m[2], where)
		case mmdEdge.MatchString(line):
			m := mmdEdge.FindStringSubmatch(line)
			assert.Contains(t, g.labels, m[1], "edge from an undeclared node: "+where)
			assert.Contains(t, g.labels, m[3], "edge to an undeclared node: "+where)
			e := mermaidEdge{from: m[1], to: m[3]}
			if strings.Contains(line, `|"`) {
				e.label = checkMermaidLabel(t, m[2], where)
			}
			g.edges = append(g.edges, e)
		case mmdClassDef.MatchString(line):
			classes[mmdClassDef.FindStringSubmatch(line)[1]] = true
		case mmdClass.MatchString(line):
			m := mmdClass.FindStringSubmatch(line)
			assert.True(t, classes[m[2]], "class not defined before: "+where)
			for _, id := range strings.Split(m[1], ",") {
				assert.Contains(t, g.labels, id, "class of an undeclared node: "+where)
			}
		case mmdLinkStyle.MatchString(line):
			for _, s := range strings.Split(mmdLinkStyle.FindStringSubmatch(line)[1], ",") {
				i, err := strconv.Atoi(s)
				require.NoError(t, err, where)
				assert.Less(t, i, len(g.edges), "linkStyle of no link: "+where)
				assert.False(t, styled[i], "link styled twice: "+where)
				styled[i] = true
			}
		default:
			t.Errorf("not a statement: %s", where)
		}
	}
	return g
}

// checkMermaidLabel checks the inside of a quoted label and returns its
// text, entity codes decoded and <br/> as a newline.
func checkMermaidLabel(t tb, label, where string) string {
	t.Helper()
	rest := mmdEntity.ReplaceAllString(strings.ReplaceAll(label, "<br/>", ""), "")
	for _, c := range []string{`"`, "#", "%", "<", ">", "&", "[", "]", "(", ")", "{", "}", "|", "`", "\n", "\r"} {
		assert.NotContains(t, rest, c, "label holds a raw %q: %s", c, where)
	}
	text := mmdEntity.ReplaceAllStringFunc(label, func(e string) string {
		if e == "#quot;" {
			return `"`
		}
		n, _ := strconv.Atoi(e[1 : len(e)-1])
		return string(rune(n))
	})
	return strings.ReplaceAll(text, "<br/>", "\n")
}

// checkText checks what both formats share: one final newline, no
// trailing spaces, no control characters, valid UTF-8.
func checkText(t tb, out string) {
	t.Helper()
	require.True(t, strings.HasSuffix(out, "\n"), "no final newline")
	for i, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		assert.Equal(t, strings.TrimRight(line, " \t"), line, "trailing space on line %d", i+1)
		assert.True(t, strings.ToValidUTF8(line, "") == line, "invalid UTF-8 on line %d", i+1)
		for _, r := range line {
			assert.False(t, r < ' ' || r == 0x7f, "control character %U on line %d", r, i+1)
		}
	}
}

// checkBalanced checks that the brackets of line nest, outside quotes.
func checkBalanced(t tb, line, where string) {
	t.Helper()
	var stack []rune
	quoted := false
	pairs := map[rune]rune{')': '(', ']': '[', '}': '{'}
	for _, r := range line {
		switch {
		case r == '"':
			quoted = !quoted
		case quoted:
		case r == '(' || r == '[' || r == '{':
			stack = append(stack, r)
		case pairs[r] != 0:
			if len(stack) == 0 || stack[len(stack)-1] != pairs[r] {
				t.Errorf("unbalanced %q: %s", r, where)
				return
			}
			stack = stack[:len(stack)-1]
		}
	}
	assert.False(t, quoted, "unclosed quote: "+where)
	assert.Empty(t, stack, "unclosed bracket: "+where)
}

// ---- DOT structure ----

type dotToken struct {
	kind string // "id", "string", or the punctuation itself
	text string // an id's text, a string's value unescaped
}

// dotTokens splits DOT text into tokens: ids and numerals, quoted strings
// (which must close, and hold only the escapes \" \\ \n), punctuation.
func dotTokens(src string) ([]dotToken, error) {
	var out []dotToken
	for i := 0; i < len(src); {
		c := src[i]
		switch {
		case c == ' ' || c == '\n' || c == '\t':
			i++
		case c == '-' && strings.HasPrefix(src[i:], "->"):
			out = append(out, dotToken{kind: "->"})
			i += 2
		case strings.IndexByte("{}[];,=", c) >= 0:
			out = append(out, dotToken{kind: string(c)})
			i++
		case c == '"':
			var b strings.Builder
			j := i + 1
			for ; j < len(src) && src[j] != '"'; j++ {
				switch {
				case src[j] == '\n':
					return nil, fmt.Errorf("offset %d: newline in a string", j)
				case src[j] != '\\':
					b.WriteByte(src[j])
				case j+1 < len(src) && src[j+1] == 'n':
					b.WriteByte('\n')
					j++
				case j+1 < len(src) && (src[j+1] == '"' || src[j+1] == '\\'):
					b.WriteByte(src[j+1])
					j++
				default:
					return nil, fmt.Errorf("offset %d: unknown escape", j)
				}
			}
			if j == len(src) {
				return nil, fmt.Errorf("offset %d: unclosed string", i)
			}
			out = append(out, dotToken{kind: "string", text: b.String()})
			i = j + 1
		case c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9':
			j := i
			for j < len(src) && (src[j] == '_' || src[j] >= 'a' && src[j] <= 'z' || src[j] >= 'A' && src[j] <= 'Z' || src[j] >= '0' && src[j] <= '9') {
				j++
			}
			out = append(out, dotToken{kind: "id", text: src[i:j]})
			i = j
		default:
			return nil, fmt.Errorf("offset %d: unexpected %q", i, c)
		}
	}
	return out, nil
}

// dotGraph is what checkDOT read: node labels (unescaped) and tooltips by
// id, and the edges with their attributes.
type dotGraph struct {
	labels, tooltips map[string]string
	edges            []map[string]string // "from", "to" and the attributes
}

// dotParser reads the statements of one digraph.
type dotParser struct {
	toks []dotToken
	pos  int
}

func (p *dotParser) next() dotToken {
	if p.pos == len(p.toks) {
		return dotToken{kind: "EOF"}
	}
	p.pos++
	return p.toks[p.pos-1]
}

func (p *dotParser) expect(kind string) (dotToken, error) {
	tok := p.next()
	if tok.kind != kind && !(kind == "ID" && (tok.kind == "id" || tok.kind == "string")) {
		return tok, fmt.Errorf("token %d: want %s, got %s %q", p.pos, kind, tok.kind, tok.text)
	}
	return tok, nil
}

// attrs reads an optional [k=v, ...] list.
func (p *dotParser) attrs() (map[string]string, error) {
	out := map[string]string{}
	if p.pos < len(p.toks) && p.toks[p.pos].kind == "[" {
		p.pos++
		for {
			k := p.next()
			if k.kind == "]" {
				break
			}
			if k.kind != "id" {
				return nil, fmt.Errorf("token %d: want an attribute, got %s", p.pos, k.kind)
			}
			if _, err := p.expect("="); err != nil {
				return nil, err
			}
			v, err := p.expect("ID")
			if err != nil {
				return nil, err
			}
			out[k.text] = v.text
			if p.pos < len(p.toks) && p.toks[p.pos].kind == "," {
				p.pos++
			}
		}
	}
	return out, nil
}

// parseDOT reads `digraph ID { stmt; ... }`: statements are attribute
// defaults (node, edge), node declarations and edges, each ending with ;.
// Edges must join declared nodes.
func parseDOT(src string) (*dotGraph, error) {
	toks, err := dotTokens(src)
	if err != nil {
		return nil, err
	}
	p := &dotParser{toks: toks}
	if tok := p.next(); tok.kind != "id" || tok.text != "digraph" {
		return nil, errors.New("not a digraph")
	}
	if _, err := p.expect("ID"); err != nil {
		return nil, err
	}
	if _, err := p.expect("{"); err != nil {
		return nil, err
	}
	g := &dotGraph{labels: map[string]string{}, tooltips: map[string]string{}}
	for {
		tok := p.next()
		if tok.kind == "}" {
			break
		}
		if tok.kind != "id" {
			return nil, fmt.Errorf("token %d: want a statement, got %s %q", p.pos, tok.kind, tok.text)
		}
		ids := []string{tok.text}
		for p.pos < len(p.toks) && p.toks[p.pos].kind == "->" {
			p.pos++
			to, err := p.expect("id")
			if err != nil {
				return nil, err
			}
			ids = append(ids, to.text)
		}
		a, err := p.attrs()
		if err != nil {
			return nil, err
		}
		if _, err := p.expect(";"); err != nil {
			return nil, err
		}
		switch {
		case len(ids) == 2:
			for _, id := range ids {
				if _, ok := g.labels[id]; !ok {
					return nil, fmt.Errorf("edge %v: %s is not declared", ids, id)
				}
			}
			a["from"], a["to"] = ids[0], ids[1]
			g.edges = append(g.edges, a)
		case len(ids) > 2:
			return nil, fmt.Errorf("edge chain %v", ids)
		case tok.text == "node" || tok.text == "edge" || tok.text == "graph":
		default:
			if _, dup := g.labels[tok.text]; dup {
				return nil, fmt.Errorf("node %s declared twice", tok.text)
			}
			g.labels[tok.text] = a["label"]
			if tip, ok := a["tooltip"]; ok {
				g.tooltips[tok.text] = tip
			}
		}
	}
	if tok := p.next(); tok.kind != "EOF" {
		return nil, fmt.Errorf("token %d: %s after the graph", p.pos, tok.kind)
	}
	return g, nil
}

// checkDOT parses out with parseDOT and, when Graphviz's dot is on PATH,
// renders it as SVG.
func checkDOT(t tb, out string) *dotGraph {
	t.Helper()
	checkText(t, out)
	g, err := parseDOT(out)
	require.NoError(t, err, out)
	if dot, err := exec.LookPath("dot"); err == nil {
		cmd := exec.Command(dot, "-Tsvg")
		cmd.Stdin = strings.NewReader(out)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		require.NoError(t, cmd.Run(), "dot -Tsvg: %s\n%s", stderr.String(), out)
	}
	return g
}

// ---- what the checks run on ----

// checkBoth renders d both ways, plain and with a path and coverage, and
// checks the structure and the node and edge counts.
func checkBoth(t *testing.T, d *flow.Definition) {
	t.Helper()
	edges := 0
	for _, s := range d.States {
		for _, tr := range s.Transitions {
			if tr.Next != "" && d.StateIndex(tr.Next) >= 0 {
				edges++
			}
		}
	}
	if d.StateIndex(d.InitialState) >= 0 {
		edges++
	}
	var path []string
	cov := &graph.Coverage{States: map[string]bool{}, Transitions: map[string][]bool{}}
	for i, s := range d.States {
		if i%2 == 0 {
			path = append(path, s.Name, "module:m/"+s.Name)
			cov.States[s.Name] = true
			cov.Transitions[s.Name] = []bool{true, false, true}
		}
	}
	for _, o := range []graph.Options{{}, {Path: path, Coverage: cov}} {
		m := graph.Mermaid(d, o)
		assert.Equal(t, m, graph.Mermaid(d, o), "not deterministic")
		mg := checkMermaid(t, m)
		assert.Len(t, mg.edges, edges)
		assert.Len(t, mg.labels, len(d.States)+boolInt(d.StateIndex(d.InitialState) >= 0))
		dg := checkDOT(t, graph.DOT(d, o))
		assert.Len(t, dg.edges, edges)
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// flowFiles lists the flow JSON files of the examples (not their test
// files).
func flowFiles(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("../examples/*/*.json")
	require.NoError(t, err)
	var out []string
	for _, f := range files {
		if !strings.HasSuffix(f, ".test.json") {
			out = append(out, f)
		}
	}
	require.NotEmpty(t, out)
	return out
}

// load reads the definition in file f with parse.
func load(t *testing.T, f string, parse func([]byte) (*flow.Definition, error)) *flow.Definition {
	t.Helper()
	data, err := os.ReadFile(f)
	require.NoError(t, err)
	d, err := parse(data)
	require.NoError(t, err)
	return d
}

func TestExampleFlows(t *testing.T) {
	for _, f := range flowFiles(t) {
		t.Run(filepath.Base(filepath.Dir(f))+"/"+filepath.Base(f), func(t *testing.T) {
			checkBoth(t, load(t, f, flow.Parse))
		})
	}
}

func TestConnectExports(t *testing.T) {
	const dir = "../../shared/testdata/connect"
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("no Connect exports: %v", err)
	}
	files, err := filepath.Glob(dir + "/*.json")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			d := load(t, f, connect.Parse)
			checkBoth(t, d)
			// Every action's label starts with its type; its full
			// identifier is beside it.
			m := graph.Mermaid(d, graph.Options{})
			g := checkDOT(t, graph.DOT(d, graph.Options{}))
			for i, s := range d.States {
				id := "n" + strconv.Itoa(i)
				assert.Equal(t, s.Name, g.tooltips[id])
				assert.Contains(t, m, "    %% "+id+": "+s.Name+"\n")
				assert.True(t, strings.HasPrefix(g.labels[id], s.Type+"\n"), g.labels[id])
			}
		})
	}
}

// hostile names every character a format could read as syntax.
var hostile = []string{
	`say "hi"`,
	`a[b](c){d}|e`,
	"line\nbreak\r\tend",
	`x --> y`,
	"héllo ☎ 你好 🎉",
	`#quot; 50% & <b>bold</b>`,
	`back\slash\n`,
	`%%{init: {"theme":"dark"}}%%`,
	"semi;colon `tick` ﬂ°¶ß",
	"end",
}

func hostileFlow() *flow.Definition {
	d := &flow.Definition{Description: "Hostile \"names\"\n%%{init}%% \\", InitialState: hostile[0]}
	for i, name := range hostile {
		s := flow.State{Name: name, Type: "say-play"}
		next := hostile[(i+1)%len(hostile)]
		s.Transitions = []flow.Transition{
			{Event: `ev "` + name + `"`, Next: next},
			{Event: "match", Next: next, Conditions: []flow.Condition{{FriendlyName: name}}},
			{Event: "match", Next: next, Conditions: []flow.Condition{{Type: "equal_to", Value: `"|]`}}},
			{Event: "ends"},
			{Event: "nowhere", Next: "no such state"},
		}
		d.States = append(d.States, s)
	}
	return d
}

// oneLine is what a label shows of a name: control characters as spaces.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if r < ' ' {
			return ' '
		}
		return r
	}, s)
}

func TestHostileNames(t *testing.T) {
	d := hostileFlow()
	checkBoth(t, d)

	m := checkMermaid(t, graph.Mermaid(d, graph.Options{}))
	g := checkDOT(t, graph.DOT(d, graph.Options{}))
	for i, name := range hostile {
		id := "n" + strconv.Itoa(i)
		assert.Equal(t, oneLine(name)+"\nsay-play", m.labels[id])
		assert.Equal(t, oneLine(name)+"\nsay-play", g.labels[id])
	}
	require.Len(t, m.edges, 1+3*len(hostile))
	assert.Equal(t, mermaidEdge{from: "start", to: "n0"}, m.edges[0])
	for i, name := range hostile {
		to := "n" + strconv.Itoa((i+1)%len(hostile))
		from := "n" + strconv.Itoa(i)
		want := []mermaidEdge{
			{from, `ev "` + oneLine(name) + `"`, to},
			{from, "match: " + oneLine(name), to},
			{from, `match: equal_to "|]`, to},
		}
		assert.Equal(t, want, m.edges[1+3*i:4+3*i])
		for j, e := range g.edges[1+3*i : 4+3*i] {
			assert.Equal(t, want[j].label, e["label"])
		}
	}
	// The exact escapes.
	assert.Contains(t, m.lines, `    n0["say #quot;hi#quot;<br/>say-play"]`)
	assert.Contains(t, m.lines, `    n1["a#91;b#93;#40;c#41;#123;d#125;#124;e<br/>say-play"]`)
	assert.Contains(t, m.lines, `    n2["line break  end<br/>say-play"]`)
	assert.Contains(t, m.lines, `    %% Hostile "names" %25%25{init}%25%25 \`)
	dot := graph.DOT(d, graph.Options{})
	assert.Contains(t, dot, "digraph \"Hostile \\\"names\\\" %%{init}%% \\\\\" {\n")
	assert.Contains(t, dot, `    n6 [label="back\\slash\\n\nsay-play"];`)
}

func TestNothingToDraw(t *testing.T) {
	d := &flow.Definition{InitialState: "missing", States: []flow.State{{Name: "a", Type: "say-play",
		Transitions: []flow.Transition{{Event: "audioComplete"}}}}}
	assert.Equal(t, "flowchart TD\n    n0[\"a<br/>say-play\"]\n", graph.Mermaid(d, graph.Options{}))
	assert.Equal(t, `digraph "flow" {
    node [shape=box, style="rounded", fontname="Helvetica"];
    edge [fontname="Helvetica", fontsize=10];
    n0 [label="a\nsay-play"];
}
`, graph.DOT(d, graph.Options{}))
	assert.Equal(t, "flowchart TD\n", graph.Mermaid(&flow.Definition{}, graph.Options{}))
	checkDOT(t, graph.DOT(&flow.Definition{}, graph.Options{}))
}

// highlighted is the flow of TestPathAndCoverage: a menu whose split
// repeats the match event, a run-module, a state with two events to the
// same next.
const highlighted = `{
  "description": "Menu",
  "initial_state": "Trigger",
  "states": [
    {"name": "Trigger", "type": "trigger", "properties": {},
     "transitions": [{"event": "incomingCall", "next": "hours"}, {"event": "incomingMessage"}]},
    {"name": "hours", "type": "run-module", "properties": {},
     "transitions": [{"event": "open", "next": "menu"}, {"event": "closed", "next": "bye"}]},
    {"name": "menu", "type": "gather-input-on-call", "properties": {},
     "transitions": [{"event": "keypress", "next": "route"}, {"event": "speech", "next": "route"}, {"event": "timeout", "next": "bye"}]},
    {"name": "route", "type": "split-based-on", "properties": {},
     "transitions": [{"event": "noMatch", "next": "menu"},
       {"event": "match", "next": "bye", "conditions": [{"friendly_name": "one", "arguments": ["{{widgets.menu.Digits}}"], "type": "equal_to", "value": "1"}]},
       {"event": "match", "next": "menu", "conditions": [{"friendly_name": "", "arguments": ["{{widgets.menu.Digits}}"], "type": "equal_to", "value": "9"}]}]},
    {"name": "bye", "type": "say-play", "properties": {}, "transitions": [{"event": "audioComplete"}]}
  ]}`

func TestPathAndCoverage(t *testing.T) {
	d, err := flow.Parse([]byte(highlighted))
	require.NoError(t, err)
	path := []string{"Trigger", "module:hours/Begin", "module:hours/check", "hours", "menu",
		"subflow:FWx/Trigger", "route", "menu", "route", "bye"}
	cov := &graph.Coverage{
		States:      map[string]bool{"Trigger": true, "hours": true, "menu": true, "route": true},
		Transitions: map[string][]bool{"Trigger": {true}, "hours": {true, false}, "menu": {false, true}, "route": {true}},
	}

	t.Run("path", func(t *testing.T) {
		out := graph.Mermaid(d, graph.Options{Path: path})
		checkMermaid(t, out)
		assert.Equal(t, `flowchart TD
    %% Menu
    start(("start"))
    n0["Trigger<br/>trigger"]
    n1["hours<br/>run-module"]
    n2["menu<br/>gather-input-on-call"]
    n3["route<br/>split-based-on"]
    n4["bye<br/>say-play"]
    start --> n0
    n0 -->|"incomingCall"| n1
    n1 -->|"open"| n2
    n1 -->|"closed"| n4
    n2 -->|"keypress"| n3
    n2 -->|"speech"| n3
    n2 -->|"timeout"| n4
    n3 -->|"noMatch"| n2
    n3 -->|"match: one"| n4
    n3 -->|"match: equal_to 9"| n2
    classDef path fill:#fff3b0,stroke:#d97706,stroke-width:3px
    class n0,n1,n2,n3,n4 path
    linkStyle 0,1,2,4,5,7,8,9 stroke:#d97706,stroke-width:3px,fill:none
`, out)
		dot := graph.DOT(d, graph.Options{Path: path})
		checkDOT(t, dot)
		assert.Contains(t, dot, "\n    n1 [label=\"hours\\nrun-module\", color=\"#d97706\", penwidth=3, fillcolor=\"#fff3b0\", style=\"rounded,filled\"];\n")
		assert.Contains(t, dot, "\n    start -> n0 [color=\"#d97706\", penwidth=3];\n")
		assert.Contains(t, dot, "\n    n1 -> n4 [label=\"closed\"];\n")
		assert.Contains(t, dot, "\n    n3 -> n4 [label=\"match: one\", color=\"#d97706\", penwidth=3];\n")
	})

	t.Run("path not from the start", func(t *testing.T) {
		out := graph.Mermaid(d, graph.Options{Path: []string{"menu", "unknown", "bye"}})
		assert.Contains(t, out, "\n    class n2,n4 path\n")
		assert.NotContains(t, out, "linkStyle") // unknown breaks menu -> bye
	})

	t.Run("coverage", func(t *testing.T) {
		out := graph.Mermaid(d, graph.Options{Coverage: cov})
		checkMermaid(t, out)
		assert.True(t, strings.HasSuffix(out, `
    classDef reached fill:#dcfce7,stroke:#16a34a,stroke-width:1px
    class n0,n1,n2,n3 reached
    classDef missed stroke:#9ca3af,stroke-width:1px,stroke-dasharray:5 5,color:#6b7280
    class n4 missed
    linkStyle 0,1,2,5,7 stroke:#16a34a,stroke-width:1px,fill:none
    linkStyle 3,4,6,8,9 stroke:#9ca3af,stroke-width:1px,fill:none,stroke-dasharray:5 5,color:#6b7280
`), out)
		dot := graph.DOT(d, graph.Options{Coverage: cov})
		checkDOT(t, dot)
		assert.Contains(t, dot, "\n    n4 [label=\"bye\\nsay-play\", color=\"#9ca3af\", style=\"rounded,dashed\", fontcolor=\"#6b7280\"];\n")
		assert.Contains(t, dot, "\n    n2 -> n3 [label=\"speech\", color=\"#16a34a\"];\n")
		assert.Contains(t, dot, "\n    n2 -> n3 [label=\"keypress\", color=\"#9ca3af\", style=\"dashed\", fontcolor=\"#6b7280\"];\n")
	})

	t.Run("path over coverage", func(t *testing.T) {
		out := graph.Mermaid(d, graph.Options{Path: []string{"Trigger", "hours", "bye"}, Coverage: cov})
		checkMermaid(t, out)
		assert.True(t, strings.HasSuffix(out, `
    classDef path fill:#fff3b0,stroke:#d97706,stroke-width:3px
    class n0,n1,n4 path
    classDef reached fill:#dcfce7,stroke:#16a34a,stroke-width:1px
    class n2,n3 reached
    linkStyle 0,1,3 stroke:#d97706,stroke-width:3px,fill:none
    linkStyle 2,5,7 stroke:#16a34a,stroke-width:1px,fill:none
    linkStyle 4,6,8,9 stroke:#9ca3af,stroke-width:1px,fill:none,stroke-dasharray:5 5,color:#6b7280
`), out)
	})
}

func TestConnectLabels(t *testing.T) {
	d, err := connect.Parse([]byte(`{"Version": "2019-10-30",
	  "StartAction": "0b9c7e0a-1c2d-4e5f-8a9b-0c1d2e3f4a5b",
	  "Actions": [
	    {"Identifier": "0b9c7e0a-1c2d-4e5f-8a9b-0c1d2e3f4a5b", "Type": "GetParticipantInput",
	     "Parameters": {"Text": "Press 1"},
	     "Transitions": {"NextAction": "bye",
	       "Conditions": [{"NextAction": "bye", "Condition": {"Operator": "Equals", "Operands": ["1"]}}],
	       "Errors": [{"NextAction": "bye", "ErrorType": "NoMatchingCondition"}, {"ErrorType": "InputTimeLimitExceeded"}]}},
	    {"Identifier": "bye", "Type": "DisconnectParticipant", "Parameters": {}, "Transitions": {}}
	  ]}`))
	require.NoError(t, err)
	assert.Equal(t, `flowchart TD
    start(("start"))
    %% n0: 0b9c7e0a-1c2d-4e5f-8a9b-0c1d2e3f4a5b
    n0["GetParticipantInput<br/>0b9c7e0a"]
    %% n1: bye
    n1["DisconnectParticipant<br/>bye"]
    start --> n0
    n0 -->|"NextAction"| n1
    n0 -->|"Condition: Equals 1"| n1
    n0 -->|"NoMatchingCondition"| n1
`, graph.Mermaid(d, graph.Options{}))
	dot := graph.DOT(d, graph.Options{})
	checkDOT(t, dot)
	assert.Contains(t, dot, "\n    n0 [label=\"GetParticipantInput\\n0b9c7e0a\", tooltip=\"0b9c7e0a-1c2d-4e5f-8a9b-0c1d2e3f4a5b\"];\n")
	assert.Contains(t, dot, "\n    n0 -> n1 [label=\"Condition: Equals 1\"];\n")
}

func TestCoverageFrom(t *testing.T) {
	dc := sim.DefinitionCoverage{
		Key: "FWx",
		States: []sim.StateCoverage{
			{Name: "Trigger", Type: "trigger", Visits: 2},
			{Name: "menu", Type: "gather-input-on-call", Visits: 0},
			{Name: "dup", Type: "say-play", Visits: 0},
			{Name: "dup", Type: "say-play", Visits: 1},
		},
		Transitions: []sim.TransitionCoverage{
			{State: "Trigger", Index: 1, Event: "incomingMessage", Taken: 0},
			{State: "Trigger", Index: 2, Event: "incomingCall", Next: "menu", Taken: 2},
			{State: "menu", Index: 1, Event: "keypress", Next: "dup", Taken: 0},
			{State: "dup", Index: 1, Event: "audioComplete", Taken: 0},
			{State: "dup", Index: 1, Event: "audioComplete", Taken: 1},
			{State: "dup", Index: 2, Event: "failed", Taken: 1},
		},
	}
	assert.Equal(t, &graph.Coverage{
		States:      map[string]bool{"Trigger": true, "menu": false, "dup": true},
		Transitions: map[string][]bool{"Trigger": {false, true}, "menu": {false}, "dup": {false}},
	}, graph.CoverageFrom(dc))
}

// The structural checks fail on broken output.
func TestChecksCatchBrokenOutput(t *testing.T) {
	for _, bad := range []string{
		"digraph x { a -> ; }",
		"digraph x { n0 [label=\"a\"] }",
		"digraph x { n0 [label=\"a]; }",
		"digraph x { n0 [label=\"a\"]; n0 -> n1; }",
		"digraph x { n0 [label=\"a\\q\"]; }",
		"digraph x { n0; ",
	} {
		_, err := parseDOT(bad)
		assert.Error(t, err, bad)
	}
	for _, bad := range []string{
		"graph TD\n",
		"flowchart TD\n    n0[\"a\"b\"]\n",
		"flowchart TD\n    n0[\"a\"]\n    n0 --> n1\n",
		"flowchart TD\n    n0[\"a[b\"]\n",
		"flowchart TD\n    n0[\"a#b\"]\n",
		"flowchart TD\n    n0[\"a\"] \n",
		"flowchart TD\n    n0[\"a\"]\n    linkStyle 0 stroke:red\n",
		"flowchart TD\n    n0[\"a\"]\n    class n0 path\n",
	} {
		assert.True(t, fails(func(t tb) { checkMermaid(t, bad) }), "%q passes", bad)
	}
}
