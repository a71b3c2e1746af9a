package template

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"unicode"
)

// Template is a parsed template, safe for concurrent renders.
type Template struct {
	src     string
	err     error   // the parse error, returned by every render
	text    *string // the whole template when it is plain text
	root    []node
	filters []string // the filters it names, sorted, each once
	broken  []error  // outputs that do not parse (Liquid's lax mode)
	// simple holds the template when it is only text and variable paths
	// ("Hello {{flow.data.first_name}}"), which render without a state.
	simple []segment
	// simpleSize is what a simple template's output is expected to take.
	simpleSize int
}

// segment is a text, or a variable path ({{ a.b.c }}) when path is set.
type segment struct {
	text string
	path []string
}

// node renders one piece of a template.
type node func(s *state) error

// Parse parses src. A template that does not parse still gives a Template,
// whose every render fails with the parse error (a *Error of CodeSyntax,
// or CodeBudget for a source over MaxTemplateBytes). An output whose expression does not parse does not
// fail the parse; see Broken.
func Parse(src string) (*Template, error) {
	t := &Template{src: src}
	if len(src) > MaxTemplateBytes {
		t.err = errorf(CodeBudget, "the template is %d bytes; at most %d are allowed", len(src), MaxTemplateBytes)
		return t, t.err
	}
	if !strings.Contains(src, "{{") && !strings.Contains(src, "{%") {
		t.text = &src
		if src != "" {
			t.root = []node{textNode(src)}
		}
		return t, nil
	}
	p := &parser{toks: scan(src), filters: map[string]bool{}}
	root, end, err := p.body()
	if err == nil && end != nil {
		err = p.fail(end, "%s not inside a block that takes it", end.name)
	}
	if err != nil {
		t.err = err
		return t, err
	}
	t.root, t.broken = root, p.broken
	t.simple = simpleSegments(p.toks)
	for _, seg := range t.simple {
		t.simpleSize += len(seg.text)
		if seg.path != nil {
			t.simpleSize += 16
		}
	}
	for f := range p.filters {
		t.filters = append(t.filters, f)
	}
	sort.Strings(t.filters)
	return t, nil
}

// simpleSegments returns the segments of a template made of text and
// plain variable paths only, nil for any other.
func simpleSegments(toks []piece) []segment {
	var segs []segment
	for _, tok := range toks {
		switch tok.kind {
		case pText:
			segs = append(segs, segment{text: tok.src})
		case pOutput:
			path, ok := plainPath(tok.args)
			if !ok {
				return nil
			}
			segs = append(segs, segment{path: path})
		default:
			return nil
		}
	}
	return segs
}

// plainPath reads a.b.c (no index, no filter, no keyword) as its names.
func plainPath(src string) ([]string, bool) {
	toks, err := lexExpr(src)
	if err != nil || len(toks) < 2 || toks[0].kind != tIdent {
		return nil, false
	}
	path := []string{toks[0].text}
	for _, t := range toks[1 : len(toks)-1] {
		if t.kind != tProp {
			return nil, false
		}
		path = append(path, t.text)
	}
	if path[0] == "empty" || path[0] == "blank" || path[0] == "forloop" {
		return nil, false
	}
	return path, true
}

// Err returns the parse error of a template that does not parse, nil for
// one that does.
func (t *Template) Err() error { return t.err }

// Broken lists the outputs ({{ }}) of t whose expression does not parse.
// Like Liquid's lax mode, Parse accepts them: a render that reaches one
// fails with its error (CodeSyntax), one that does not is unaffected.
func (t *Template) Broken() []error { return t.broken }

// Source returns the template's text.
func (t *Template) Source() string { return t.src }

// UnknownFilters lists the filters t names that no renderer has: rendering
// an expression that uses one fails.
func (t *Template) UnknownFilters() []string {
	var unknown []string
	for _, f := range t.filters {
		if _, ok := filters[f]; !ok {
			unknown = append(unknown, f)
		}
	}
	return unknown
}

func (t *Template) run(s *state) error {
	if err := runNodes(s, t.root); err != nil {
		return err
	}
	if s.jump != jumpNone {
		// as osteele/liquid: a break or continue that no loop took
		return errorf(CodeRender, "break or continue outside a loop")
	}
	return nil
}

// runNodes runs nodes until one fails or a break or continue stops them.
func runNodes(s *state, nodes []node) error {
	for _, n := range nodes {
		if err := n(s); err != nil {
			return err
		}
		if s.jump != jumpNone {
			return nil
		}
	}
	return nil
}

// piece is a scanned piece of a template: text, an output {{ }} or a tag
// {% %}.
type piece struct {
	kind         pieceKind
	src          string // as written
	name, args   string // a tag's name and arguments; an output's expression
	line         int
	trimL, trimR bool // {{- or {%-, -}} or -%}
}

type pieceKind int

const (
	pText pieceKind = iota
	pOutput
	pTag
)

// pieces matches outputs and tags as osteele/liquid's scanner does: an
// output holds at least one character and no newline, a tag is a name and
// its arguments; a {{ or {% that does not match is text.
var pieces = regexp.MustCompile(`\{\{-?\s*(.+?)\s*-?\}\}|\{%-?\s*(\w+)(?:\s+((?:[^%]|%[^}])+?))?\s*-?%\}`)

// scan splits src into pieces, the text next to a trim marker trimmed.
func scan(src string) []piece {
	var out []piece
	line, p := 1, 0
	for _, m := range pieces.FindAllStringSubmatchIndex(src, -1) {
		if p < m[0] {
			out = append(out, piece{kind: pText, src: src[p:m[0]], line: line})
			line += strings.Count(src[p:m[0]], "\n")
		}
		tok := piece{src: src[m[0]:m[1]], line: line}
		tok.trimL = len(tok.src) > 2 && tok.src[2] == '-'
		tok.trimR = len(tok.src) > 4 && tok.src[len(tok.src)-3] == '-'
		if m[2] >= 0 {
			tok.kind, tok.args = pOutput, src[m[2]:m[3]]
		} else {
			tok.kind, tok.name = pTag, src[m[4]:m[5]]
			if m[6] >= 0 {
				tok.args = src[m[6]:m[7]]
				if tok.trimR {
					tok.args = strings.TrimSpace(strings.TrimSuffix(tok.args, "-"))
				}
			}
		}
		out = append(out, tok)
		line += strings.Count(tok.src, "\n")
		p = m[1]
	}
	if p < len(src) {
		out = append(out, piece{kind: pText, src: src[p:], line: line})
	}
	inRaw := false
	for i := range out {
		if out[i].kind == pTag {
			switch out[i].name {
			case "raw":
				inRaw = true
			case "endraw":
				inRaw = false
			}
		}
		if out[i].kind != pText || inRaw {
			continue // a raw block's text is kept as written
		}
		if i > 0 && out[i-1].trimR {
			out[i].src = strings.TrimLeftFunc(out[i].src, unicode.IsSpace)
		}
		if i+1 < len(out) && out[i+1].trimL {
			out[i].src = strings.TrimRightFunc(out[i].src, unicode.IsSpace)
		}
	}
	return out
}

// parser builds the nodes of a template from its pieces.
type parser struct {
	toks    []piece
	pos     int
	depth   int
	filters map[string]bool
	broken  []error
}

func (p *parser) fail(at *piece, format string, args ...any) *Error {
	return &Error{Code: CodeSyntax, Line: at.line, Message: fmt.Sprintf(format, args...)}
}

// failIn is the syntax error err in the piece at, quoted short.
func (p *parser) failIn(at *piece, err error) *Error {
	return p.fail(at, "%s: %v", describe(at.src), err)
}

// describe shortens a piece's source for a message.
func describe(src string) string {
	if len(src) > 60 {
		return strings.ToValidUTF8(src[:60], "") + "…"
	}
	return src
}

// expression parses the expression of a piece.
func (p *parser) expression(at *piece, src string) (expr, error) {
	e, err := parseExpression(src, func(f string) { p.filters[f] = true })
	if err != nil {
		return nil, p.failIn(at, err)
	}
	return e, nil
}

// body parses pieces up to the end or to a tag it does not own (the end
// or a clause of the enclosing block), which it returns.
func (p *parser) body() ([]node, *piece, error) {
	var nodes []node
	for p.pos < len(p.toks) {
		tok := &p.toks[p.pos]
		p.pos++
		switch tok.kind {
		case pText:
			if tok.src != "" {
				nodes = append(nodes, textNode(tok.src))
			}
		case pOutput:
			e, err := p.expression(tok, tok.args)
			if err != nil {
				// Liquid's lax mode: the template parses, and rendering
				// this output fails.
				p.broken = append(p.broken, err)
				nodes = append(nodes, func(*state) error { return err })
				continue
			}
			nodes = append(nodes, outputNode(e, tok.line))
		case pTag:
			if clauseOrEnd(tok.name) {
				return nodes, tok, nil
			}
			n, err := p.tag(tok)
			if err != nil {
				return nil, nil, err
			}
			if n != nil {
				nodes = append(nodes, n)
			}
		}
	}
	return nodes, nil, nil
}

// clauseOrEnd reports whether a tag belongs to an enclosing block.
func clauseOrEnd(name string) bool {
	switch name {
	case "else", "elsif", "when":
		return true
	}
	return strings.HasPrefix(name, "end")
}

// block parses the body of a block up to its end tag, with the clauses
// the block takes; each clause comes back with its tag.
func (p *parser) block(open *piece, clauses ...string) ([]clause, error) {
	p.depth++
	defer func() { p.depth-- }()
	if p.depth > MaxNesting {
		return nil, p.fail(open, "blocks nest deeper than %d", MaxNesting)
	}
	var out []clause
	head := open
	for {
		nodes, end, err := p.body()
		if err != nil {
			return nil, err
		}
		out = append(out, clause{tag: head, body: nodes})
		switch {
		case end == nil:
			return nil, p.fail(open, "{%% %s %%} is never closed (no {%% end%s %%})", open.name, open.name)
		case end.name == "end"+open.name:
			if end.args != "" {
				return nil, p.fail(end, "%s takes no arguments", describe(end.src))
			}
			return out, nil
		case slices.Contains(clauses, end.name):
			head = end
		default:
			return nil, p.fail(end, "%s is not inside a block that takes it", describe(end.src))
		}
	}
}

// clause is a block's body, or one of its clauses (elsif, else, when),
// with the tag that opens it.
type clause struct {
	tag  *piece
	body []node
}

// tag parses a tag, and the block it opens.
func (p *parser) tag(tok *piece) (node, error) {
	switch tok.name {
	case "comment":
		_, err := p.skip(tok, "endcomment")
		return nil, err
	case "raw":
		if tok.args != "" {
			return nil, p.fail(tok, "%s takes no arguments", describe(tok.src))
		}
		raw, err := p.skip(tok, "endraw")
		return textNode(raw), err
	case "if", "unless":
		return p.ifTag(tok)
	case "case":
		return p.caseTag(tok)
	case "for", "tablerow":
		return p.forTag(tok)
	case "capture":
		return p.captureTag(tok)
	case "assign":
		return p.assignTag(tok)
	case "increment", "decrement":
		return p.counterTag(tok)
	case "break", "continue":
		if tok.args != "" {
			return nil, p.fail(tok, "%s takes no arguments", describe(tok.src))
		}
		j := jumpBreak
		if tok.name == "continue" {
			j = jumpContinue
		}
		return func(s *state) error { s.jump = j; return nil }, nil
	case "include", "render":
		return p.includeTag(tok)
	case "cycle":
		return p.cycleTag(tok)
	}
	return nil, p.fail(tok, "unknown tag %q", tok.name)
}

// skip passes over the pieces up to the end tag of a comment or raw block,
// returning them as written.
func (p *parser) skip(open *piece, end string) (string, error) {
	var b strings.Builder
	for p.pos < len(p.toks) {
		tok := &p.toks[p.pos]
		p.pos++
		if tok.kind == pTag && tok.name == end {
			return b.String(), nil
		}
		b.WriteString(tok.src)
	}
	return "", p.fail(open, "{%% %s %%} is never closed (no {%% %s %%})", open.name, end)
}

// textNode writes text.
func textNode(t string) node {
	return func(s *state) error { return s.write(t) }
}

// outputNode writes the value of e.
func outputNode(e expr, line int) node {
	return func(s *state) error {
		v, err := e(s)
		if err == nil {
			err = s.work(1)
		}
		if err != nil {
			return atLine(err, line)
		}
		if str, ok := v.(string); ok {
			return atLine(s.write(str), line)
		}
		// A number is written in place, as text(v) writes it (a counter's
		// text is not worth a string of its own), where the budget has room
		// for the longest; near the budget, s.write decides to the byte.
		if len(s.out)+maxNumberText <= MaxTextBytes {
			if out, ok := appendNumber(s.out, v); ok {
				s.out = out
				return nil
			}
		}
		str, ok := cappedText(v)
		if !ok {
			return atLine(errorf(CodeBudget, "the rendered text is more than %d bytes, the most allowed", MaxTextBytes), line)
		}
		return atLine(s.write(str), line)
	}
}

// atLine gives a template error the line it happened on: a copy, since
// the error may be shared (a cached include's parse error).
func atLine(err error, line int) error {
	if e, ok := err.(*Error); ok && e.Line == 0 {
		c := *e
		c.Line = line
		return &c
	}
	return err
}
