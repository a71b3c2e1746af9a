package graph

import (
	"strconv"
	"strings"

	"github.com/studioflow/studioflow/flow"
)

// Mermaid renders d as a Mermaid flowchart ("flowchart TD"), as GitHub and
// GitLab render it in a ```mermaid block of markdown. Labels are quoted
// (n0["greet<br/>say-play"]) with every character Mermaid could read as
// syntax written as an entity code (#quot;, #35; ...); the description and
// the full identifiers of Connect actions are %% comment lines. See the
// package documentation for what is drawn and highlighted.
func Mermaid(d *flow.Definition, o Options) string {
	m := build(d, o)
	var w writer
	w.line("flowchart TD")
	if m.title != "" {
		w.line("%% ", mermaidComment(m.title))
	}
	if m.start >= 0 {
		w.line(`start(("start"))`)
	}
	nodes := map[style][]string{}
	for _, n := range m.nodes {
		if n.full != "" {
			w.line("%% ", n.id, ": ", mermaidComment(n.full))
		}
		w.line(n.id, `["`, mermaidLabel(n.lines...), `"]`)
		nodes[n.style] = append(nodes[n.style], n.id)
	}
	links := map[style][]string{} // linkStyle numbers links as they are written
	link := func(s style) {
		links[s] = append(links[s], strconv.Itoa(len(links[plain])+len(links[onPath])+len(links[reached])+len(links[missed])))
	}
	if m.start >= 0 {
		link(m.startStyle)
		w.line("start --> ", m.nodes[m.start].id)
	}
	for _, e := range m.edges {
		link(e.style)
		arrow := " --> "
		if e.label != "" {
			arrow = ` -->|"` + mermaidLabel(e.label) + `"| `
		}
		w.line(m.nodes[e.from].id, arrow, m.nodes[e.to].id)
	}
	for _, s := range styled {
		l := looks[s]
		if ids := nodes[s]; len(ids) > 0 {
			w.line("classDef ", l.name, " ", mermaidStyle(l, true))
			w.line("class ", strings.Join(ids, ","), " ", l.name)
		}
	}
	for _, s := range styled {
		if ids := links[s]; len(ids) > 0 {
			w.line("linkStyle ", strings.Join(ids, ","), " ", mermaidStyle(looks[s], false))
		}
	}
	return w.close("")
}

// mermaidStyle is a classDef (node) or linkStyle (edge) style.
func mermaidStyle(l look, node bool) string {
	var parts []string
	if node && l.fill != "" {
		parts = append(parts, "fill:"+l.fill)
	}
	parts = append(parts, "stroke:"+l.stroke, "stroke-width:"+strconv.Itoa(l.width)+"px")
	if !node {
		parts = append(parts, "fill:none")
	}
	if l.dashed {
		parts = append(parts, "stroke-dasharray:5 5")
	}
	if l.text != "" {
		parts = append(parts, "color:"+l.text)
	}
	return strings.Join(parts, ",")
}

// mermaidEscapes writes as entity codes every character of a label that
// Mermaid could read as syntax (quotes, brackets, pipes, entity codes,
// %% directives, markdown backticks), as HTML, or as its own entity
// markers (ﬂ° and ¶ß).
var mermaidEscapes = strings.NewReplacer(
	`"`, "#quot;", "#", "#35;", "%", "#37;", "&", "#38;", "<", "#60;", ">", "#62;",
	"[", "#91;", "]", "#93;", "(", "#40;", ")", "#41;", "{", "#123;", "}", "#125;",
	"|", "#124;", "`", "#96;", `\`, "#92;", "ﬂ", "#64258;", "¶", "#182;",
)

// mermaidLabel is the text of a quoted label: lines escaped and joined with
// <br/>.
func mermaidLabel(lines ...string) string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = mermaidEscapes.Replace(clean(l))
	}
	return strings.Join(out, "<br/>")
}

// mermaidComment is text for a %% comment line, which no %%{ directive
// can start inside.
func mermaidComment(s string) string { return strings.ReplaceAll(clean(s), "%", "%25") }
