package template

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// ifTag parses {% if %} (elsif, else) and {% unless %} (else).
func (p *parser) ifTag(open *piece) (node, error) {
	allowed := []string{"elsif", "else"}
	if open.name == "unless" {
		allowed = []string{"else"}
	}
	clauses, err := p.block(open, allowed...)
	if err != nil {
		return nil, err
	}
	conds := make([]expr, len(clauses))
	bodies := make([][]node, len(clauses))
	for i, c := range clauses {
		bodies[i] = c.body
		if c.tag.name == "else" {
			continue // no condition: always taken
		}
		if conds[i], err = p.expression(c.tag, c.tag.args); err != nil {
			return nil, err
		}
	}
	if open.name == "unless" {
		cond := conds[0]
		conds[0] = func(s *state) (any, error) {
			v, err := cond(s)
			return !truthy(v), err
		}
	}
	lines := make([]int, len(clauses))
	for i, c := range clauses {
		lines[i] = c.tag.line
	}
	return func(s *state) error {
		if err := s.work(1); err != nil {
			return err
		}
		for i, cond := range conds {
			if cond != nil {
				v, err := cond(s)
				if err != nil {
					return atLine(err, lines[i])
				}
				if !truthy(v) {
					continue
				}
			}
			return runNodes(s, bodies[i])
		}
		return nil
	}, nil
}

// caseTag parses {% case %} with its when and else clauses: the first that
// matches is rendered.
func (p *parser) caseTag(open *piece) (node, error) {
	subject, err := p.expression(open, open.args)
	if err != nil {
		return nil, err
	}
	clauses, err := p.block(open, "when", "else")
	if err != nil {
		return nil, err
	}
	type when struct {
		values []expr // nil for else
		body   []node
		line   int
	}
	var whens []when
	for _, c := range clauses[1:] { // what comes before the first when is not rendered
		w := when{body: c.body, line: c.tag.line}
		if c.tag.name == "when" {
			ep, err := newExprParser(c.tag.args, nil)
			if err == nil {
				w.values, err = ep.values()
			}
			if err != nil {
				return nil, p.failIn(c.tag, err)
			}
		}
		whens = append(whens, w)
	}
	line := open.line
	return func(s *state) error {
		v, err := subject(s)
		if err == nil {
			err = s.work(1)
		}
		if err != nil {
			return atLine(err, line)
		}
		for _, w := range whens {
			if w.values == nil {
				return runNodes(s, w.body)
			}
			for _, e := range w.values {
				x, err := e(s)
				if err == nil {
					err = s.work(1 + compareCost(x))
				}
				if err != nil {
					return atLine(err, w.line)
				}
				if equal(v, x) {
					return runNodes(s, w.body)
				}
			}
		}
		return nil
	}, nil
}

// loop is a parsed {% for %} or {% tablerow %}.
type loop struct {
	variable            string
	collection          expr
	reversed            bool
	limit, offset, cols expr
	body, empty         []node
	table               bool
	line                int
}

// forTag parses {% for x in collection reversed limit: n offset: n %} and
// {% tablerow ... cols: n %}.
func (p *parser) forTag(open *piece) (node, error) {
	l := &loop{table: open.name == "tablerow", line: open.line}
	if err := p.loopHead(open, l); err != nil {
		return nil, p.failIn(open, err)
	}
	clauses, err := p.block(open, "else")
	if err != nil {
		return nil, err
	}
	l.body = clauses[0].body
	switch {
	case len(clauses) > 2:
		return nil, p.fail(clauses[2].tag, "a loop takes at most one else")
	case len(clauses) == 2 && l.table:
		return nil, p.fail(clauses[1].tag, "tablerow takes no else")
	case len(clauses) == 2:
		l.empty = clauses[1].body
	}
	return l.run, nil
}

// loopHead parses a loop tag's arguments.
func (p *parser) loopHead(open *piece, l *loop) error {
	ep, err := newExprParser(open.args, func(f string) { p.filters[f] = true })
	if err != nil {
		return err
	}
	if t := ep.next(); t.kind == tIdent {
		l.variable = t.text
	} else {
		return fmt.Errorf("expected a variable name, found %s", t)
	}
	if t := ep.next(); t.kind != tIn {
		return fmt.Errorf("expected in, found %s", t)
	}
	c, err := ep.value()
	if err == nil {
		c, err = ep.filters(c)
	}
	if err != nil {
		return err
	}
	l.collection = c
	for {
		t := ep.next()
		switch {
		case t.kind == tEOF:
			return nil
		case t.kind == tIdent && t.text == "reversed":
			l.reversed = true
		case t.kind == tKeyword && (t.text == "limit" || t.text == "offset" || t.text == "cols" && l.table):
			v, err := ep.value()
			if err != nil {
				return err
			}
			switch t.text {
			case "limit":
				l.limit = v
			case "offset":
				l.offset = v
			default:
				l.cols = v
			}
		default:
			return fmt.Errorf("unexpected %s (a loop takes reversed, limit:, offset:%s)", t, map[bool]string{true: " and cols:"}[l.table])
		}
	}
}

// run renders the loop. Its collection is cut by offset and limit, then
// reversed, as Shopify's Liquid does; it runs at most MaxLoopIterations
// times, and the render's loops at most MaxRenderIterations in all.
func (l *loop) run(s *state) error {
	if err := s.work(1); err != nil {
		return err
	}
	v, err := l.collection(s)
	if err != nil {
		return atLine(err, l.line)
	}
	items, n, err := itemsOf(s, v)
	if err != nil || items == nil {
		return atLine(err, l.line)
	}
	from := int64(0)
	if l.offset != nil {
		if from, err = l.count(s, l.offset, "offset"); err != nil {
			return err
		}
	}
	from = min(max(from, 0), n)
	count := n - from
	if l.limit != nil {
		limit, err := l.count(s, l.limit, "limit")
		if err != nil {
			return err
		}
		if limit >= 0 {
			count = min(count, limit)
		}
	}
	count = min(count, MaxLoopIterations)
	if count == 0 {
		return runNodes(s, l.empty)
	}
	cols := int64(1 << 31)
	if l.cols != nil {
		c, err := l.count(s, l.cols, "cols")
		if err != nil {
			return err
		}
		if c > 0 {
			cols = c
		}
	}
	return l.iterate(s, items, from, int(count), cols)
}

// iterate runs the body count times over items from, restoring the loop
// variable afterwards.
func (l *loop) iterate(s *state, items func(int64) any, from int64, count int, cols int64) error {
	old, had := s.locals[l.variable]
	f := &forloop{length: count}
	s.loops = append(s.loops, f)
	defer func() {
		s.loops = s.loops[:len(s.loops)-1]
		if had {
			s.locals[l.variable] = old
		} else {
			delete(s.locals, l.variable)
		}
	}()
	for i := 0; i < count; i++ {
		s.iters++
		if s.iters > MaxRenderIterations {
			return &Error{Code: CodeBudget, Line: l.line, Message: fmt.Sprintf("the template's loops run more than %d times in all, the most one render may (loops nested in loops count each inner run)", MaxRenderIterations)}
		}
		if err := s.work(1); err != nil {
			return atLine(err, l.line)
		}
		k := from + int64(i)
		if l.reversed {
			k = from + int64(count-1-i)
		}
		s.set(l.variable, items(k))
		f.index = i
		if l.table {
			if err := l.cellStart(s, int64(i), cols); err != nil {
				return err
			}
		}
		if err := runNodes(s, l.body); err != nil {
			return err
		}
		if l.table {
			if err := l.cellEnd(s, int64(i), int64(count), cols); err != nil {
				return err
			}
		}
		j := s.jump
		s.jump = jumpNone
		if j == jumpBreak {
			break
		}
	}
	return nil
}

// cellStart and cellEnd write tablerow's HTML, as osteele/liquid does.
func (l *loop) cellStart(s *state, i, cols int64) error {
	row, col := i/cols, i%cols
	if col == 0 {
		if err := s.write(`<tr class="row` + strconv.FormatInt(row+1, 10) + `">`); err != nil {
			return err
		}
	}
	return s.write(`<td class="col` + strconv.FormatInt(col+1, 10) + `">`)
}

func (l *loop) cellEnd(s *state, i, n, cols int64) error {
	if err := s.write(`</td>`); err != nil {
		return err
	}
	if (i+1)%cols == 0 || i+1 == n {
		return s.write(`</tr>`)
	}
	return nil
}

// count evaluates a loop's limit, offset or cols: an integer (a number or
// a string holding one).
func (l *loop) count(s *state, e expr, what string) (int64, error) {
	v, err := e(s)
	if err != nil {
		return 0, atLine(err, l.line)
	}
	if n, ok := number(v); ok {
		if i, ok := intIndex(n); ok {
			return i, nil
		}
	}
	return 0, &Error{Code: CodeRender, Line: l.line, Message: fmt.Sprintf("loop %s must be an integer, not %s", what, describeValue(v))}
}

// itemsOf returns how to get the i-th item of what a loop goes over, and
// how many there are; items is nil for what is not a collection (nil, a
// string, a number), over which a loop renders nothing. A map is its
// [key, value] pairs, by key.
func itemsOf(s *state, v any) (items func(int64) any, n int64, err error) {
	switch v := v.(type) {
	case []any:
		return func(i int64) any { return v[i] }, int64(len(v)), nil
	case rangeValue:
		return func(i int64) any { return v.lo + i }, v.len(), nil
	case map[string]any:
		if err := s.items("a loop over a map", len(v)); err != nil {
			return nil, 0, err
		}
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		return func(i int64) any { return []any{keys[i], v[keys[i]]} }, int64(len(keys)), nil
	}
	return nil, 0, nil
}

// captureTag parses {% capture name %}...{% endcapture %}.
func (p *parser) captureTag(open *piece) (node, error) {
	name, ok := variableName(open.args)
	if !ok {
		return nil, p.fail(open, "%s: capture needs a variable name", describe(open.src))
	}
	clauses, err := p.block(open)
	if err != nil {
		return nil, err
	}
	body := clauses[0].body
	return func(s *state) error {
		outer := s.out
		s.out = make([]byte, 0, 64)
		err := runNodes(s, body)
		captured := string(s.out)
		s.out = outer
		if err != nil {
			return err
		}
		if err := s.grow("capture", len(captured)); err != nil {
			return atLine(err, open.line)
		}
		s.set(name, captured)
		return nil
	}, nil
}

// variableName reads a variable name, bare or quoted.
func variableName(args string) (string, bool) {
	toks, err := lexExpr(args)
	if err != nil || len(toks) != 2 {
		return "", false
	}
	switch t := toks[0]; t.kind {
	case tIdent:
		return t.text, true
	case tString:
		return t.str, t.str != ""
	}
	return "", false
}

// assignTag parses {% assign name = expression %}.
func (p *parser) assignTag(tok *piece) (node, error) {
	ep, err := newExprParser(tok.args, func(f string) { p.filters[f] = true })
	if err != nil {
		return nil, p.failIn(tok, err)
	}
	t := ep.next()
	if t.kind != tIdent {
		return nil, p.failIn(tok, fmt.Errorf("assign needs a variable name, found %s", t))
	}
	if err := ep.expectChar("="); err != nil {
		return nil, p.failIn(tok, err)
	}
	if ep.peek().kind == tEOF {
		return nil, p.failIn(tok, fmt.Errorf("assign needs a value"))
	}
	e, err := ep.cond()
	if err == nil {
		err = ep.end()
	}
	if err != nil {
		return nil, p.failIn(tok, err)
	}
	name := t.text
	return func(s *state) error {
		v, err := e(s)
		if err == nil {
			err = s.work(1)
		}
		if err != nil {
			return atLine(err, tok.line)
		}
		s.set(name, v)
		return nil
	}, nil
}

// counterTag parses {% increment name %} (writes the counter, then adds
// one; from 0) and {% decrement name %} (takes one, then writes it; from
// -1). Counters are apart from assigned variables, as in Shopify's Liquid.
func (p *parser) counterTag(tok *piece) (node, error) {
	name, ok := variableName(tok.args)
	if !ok {
		return nil, p.fail(tok, "%s: %s needs a variable name", describe(tok.src), tok.name)
	}
	inc := tok.name == "increment"
	return func(s *state) error {
		if err := s.work(1); err != nil {
			return err
		}
		if s.counters == nil {
			s.counters = map[string]int64{}
		}
		n := s.counters[name]
		if inc {
			s.counters[name] = n + 1
		} else {
			n--
			s.counters[name] = n
		}
		return s.write(strconv.FormatInt(n, 10))
	}, nil
}

// cycleTag parses {% cycle 'a', 'b' %} and {% cycle 'group': 'a', 'b' %}:
// each time it renders it writes the next of its values, from the first.
// Cycles of one group (by default, of the same values) share their
// position, which belongs to the render.
func (p *parser) cycleTag(tok *piece) (node, error) {
	ep, err := newExprParser(tok.args, func(f string) { p.filters[f] = true })
	if err != nil {
		return nil, p.failIn(tok, err)
	}
	group := ""
	if t := ep.peek(); t.kind == tString && len(ep.toks) > ep.pos+1 && ep.toks[ep.pos+1].kind == tChar && ep.toks[ep.pos+1].text == ":" {
		group = "\x00" + t.str
		ep.next()
		ep.next()
	}
	var vals []expr
	var srcs []string
	for {
		t := ep.peek()
		v, err := ep.value()
		if err != nil {
			return nil, p.failIn(tok, err)
		}
		vals, srcs = append(vals, v), append(srcs, t.text)
		if !ep.isChar(",") {
			break
		}
		ep.next()
	}
	if err := ep.end(); err != nil {
		return nil, p.failIn(tok, err)
	}
	if group == "" {
		group = strings.Join(srcs, "\x00")
	}
	return func(s *state) error {
		if err := s.work(1); err != nil {
			return err
		}
		if s.cycles == nil {
			s.cycles = map[string]int{}
		}
		n := s.cycles[group]
		s.cycles[group] = n + 1
		v, err := vals[n%len(vals)](s)
		if err != nil {
			return atLine(err, tok.line)
		}
		out, ok := cappedText(v)
		if !ok {
			return atLine(errorf(CodeBudget, "the rendered text is more than %d bytes, the most allowed", MaxTextBytes), tok.line)
		}
		return s.write(out)
	}, nil
}
