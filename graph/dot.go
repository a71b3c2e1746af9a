package graph

import (
	"strconv"
	"strings"

	"github.com/studioflow/studioflow/flow"
)

// DOT renders d as a Graphviz digraph, named by its description, for dot
// -Tsvg and the like. Node and edge labels are quoted strings with `"` and
// `\` escaped (\n separates a node label's lines); the full identifier of
// a Connect action is its node's tooltip. See the package documentation
// for what is drawn and highlighted.
func DOT(d *flow.Definition, o Options) string {
	m := build(d, o)
	title := m.title
	if title == "" {
		title = "flow"
	}
	var w writer
	w.line("digraph ", dotString(title), " {")
	w.line(`node [shape=box, style="rounded", fontname="Helvetica"];`)
	w.line(`edge [fontname="Helvetica", fontsize=10];`)
	if m.start >= 0 {
		w.line(`start [label="start", shape=circle];`)
	}
	for _, n := range m.nodes {
		attrs := []string{"label=" + dotString(n.lines...)}
		if n.full != "" {
			attrs = append(attrs, "tooltip="+dotString(n.full))
		}
		w.line(n.id, " [", strings.Join(append(attrs, dotStyle(n.style, true)...), ", "), "];")
	}
	if m.start >= 0 {
		w.line("start -> ", m.nodes[m.start].id, dotAttrs(dotStyle(m.startStyle, false)), ";")
	}
	for _, e := range m.edges {
		var attrs []string
		if e.label != "" {
			attrs = append(attrs, "label="+dotString(e.label))
		}
		w.line(m.nodes[e.from].id, " -> ", m.nodes[e.to].id, dotAttrs(append(attrs, dotStyle(e.style, false)...)), ";")
	}
	return w.close("}")
}

// dotAttrs is an attribute list, or nothing.
func dotAttrs(attrs []string) string {
	if len(attrs) == 0 {
		return ""
	}
	return " [" + strings.Join(attrs, ", ") + "]"
}

// dotStyle is the attributes of a style for a node or an edge.
func dotStyle(s style, node bool) []string {
	l, ok := looks[s]
	if !ok {
		return nil
	}
	attrs := []string{"color=" + dotString(l.stroke)}
	if l.width > 1 {
		attrs = append(attrs, "penwidth="+strconv.Itoa(l.width))
	}
	var styles []string
	if node {
		styles = append(styles, "rounded")
		if l.fill != "" {
			styles = append(styles, "filled")
			attrs = append(attrs, "fillcolor="+dotString(l.fill))
		}
	}
	if l.dashed {
		styles = append(styles, "dashed")
	}
	if len(styles) > 0 {
		attrs = append(attrs, "style="+dotString(strings.Join(styles, ",")))
	}
	if l.text != "" {
		attrs = append(attrs, "fontcolor="+dotString(l.text))
	}
	return attrs
}

var dotEscapes = strings.NewReplacer(`\`, `\\`, `"`, `\"`)

// dotString is a quoted DOT string of lines joined with \n.
func dotString(lines ...string) string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = dotEscapes.Replace(clean(l))
	}
	return `"` + strings.Join(out, `\n`) + `"`
}
