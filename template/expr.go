package template

import (
	"fmt"
)

// expr evaluates an expression in a render.
type expr func(s *state) (any, error)

// exprParser parses the tokens of one expression, as osteele/liquid's
// grammar does, into closures:
//
//	cond     = rel { ("and" | "or") rel }     (evaluated right to left)
//	rel      = value (cmp | "contains") value | filtered
//	filtered = value { "|" name [":" value { "," [name ":"] value }] }
//	value    = literal | name | "(" value ".." value ")" | "(" cond ")"
//	           followed by any of  .name  [value]
type exprParser struct {
	toks   []token
	pos    int
	depth  int
	filter func(name string) // called with each filter the expression names
}

func newExprParser(src string, onFilter func(string)) (*exprParser, error) {
	toks, err := lexExpr(src)
	if err != nil {
		return nil, err
	}
	if len(toks) > MaxExprTokens {
		return nil, fmt.Errorf("the expression has %d tokens; at most %d are allowed", len(toks), MaxExprTokens)
	}
	return &exprParser{toks: toks, filter: onFilter}, nil
}

func (p *exprParser) peek() token { return p.toks[p.pos] }

func (p *exprParser) next() token {
	t := p.toks[p.pos]
	if t.kind != tEOF {
		p.pos++
	}
	return t
}

// isChar reports whether the next token is the character c.
func (p *exprParser) isChar(c string) bool {
	t := p.peek()
	return t.kind == tChar && t.text == c
}

func (p *exprParser) expectChar(c string) error {
	if !p.isChar(c) {
		return fmt.Errorf("expected %q, found %s", c, p.peek())
	}
	p.next()
	return nil
}

// end fails unless every token was read.
func (p *exprParser) end() error {
	if t := p.peek(); t.kind != tEOF {
		return fmt.Errorf("unexpected %s", t)
	}
	return nil
}

// parseExpression parses src, a whole expression (a condition, filters
// allowed).
func parseExpression(src string, onFilter func(string)) (expr, error) {
	p, err := newExprParser(src, onFilter)
	if err != nil {
		return nil, err
	}
	if p.peek().kind == tEOF {
		return nil, fmt.Errorf("an expression is missing")
	}
	e, err := p.cond()
	if err != nil {
		return nil, err
	}
	return e, p.end()
}

// cond parses rels joined by and/or. Liquid evaluates them from right to
// left: a or b and c is a or (b and c).
func (p *exprParser) cond() (expr, error) {
	first, err := p.rel()
	if err != nil {
		return nil, err
	}
	return p.condFrom(first)
}

// condFrom parses the and/or that follow first, a parsed rel.
func (p *exprParser) condFrom(first expr) (expr, error) {
	rels := []expr{first}
	var ops []tokKind
	for k := p.peek().kind; k == tAnd || k == tOr; k = p.peek().kind {
		p.next()
		r, err := p.rel()
		if err != nil {
			return nil, err
		}
		rels, ops = append(rels, r), append(ops, k)
	}
	e := rels[len(rels)-1]
	for i := len(ops) - 1; i >= 0; i-- {
		a, b := rels[i], e
		if ops[i] == tAnd {
			e = func(s *state) (any, error) {
				x, err := a(s)
				if err == nil {
					err = s.work(1)
				}
				if err != nil || !truthy(x) {
					return false, err
				}
				y, err := b(s)
				return truthy(y), err
			}
		} else {
			e = func(s *state) (any, error) {
				x, err := a(s)
				if err == nil {
					err = s.work(1)
				}
				if err != nil || truthy(x) {
					return err == nil, err
				}
				y, err := b(s)
				return truthy(y), err
			}
		}
	}
	return e, nil
}

// rel parses a comparison, or a value with its filters.
func (p *exprParser) rel() (expr, error) {
	a, err := p.value()
	if err != nil {
		return nil, err
	}
	return p.relFrom(a)
}

// relFrom parses what follows a, a parsed value: a comparison, or filters.
func (p *exprParser) relFrom(a expr) (expr, error) {
	switch t := p.peek(); t.kind {
	case tCmp, tContains:
		p.next()
		b, err := p.value()
		if err != nil {
			return nil, err
		}
		return compare(t, a, b), nil
	}
	return p.filters(a)
}

// compare returns the comparison t of a and b.
func compare(t token, a, b expr) expr {
	var test func(x, y any) bool
	switch t.text {
	case "==":
		test = equal
	case "!=":
		test = func(x, y any) bool { return !equal(x, y) }
	case "<":
		test = less
	case ">":
		test = func(x, y any) bool { return less(y, x) }
	case "<=":
		test = func(x, y any) bool { return less(x, y) || equal(x, y) }
	case ">=":
		test = func(x, y any) bool { return less(y, x) || equal(x, y) }
	default: // contains
		test = contains
	}
	return func(s *state) (any, error) {
		x, err := a(s)
		if err != nil {
			return nil, err
		}
		y, err := b(s)
		if err == nil {
			// Comparing walks what it compares: charge it.
			err = s.work(1 + compareCost(x) + compareCost(y))
		}
		if err != nil {
			return nil, err
		}
		return test(x, y), nil
	}
}

// compareCost is the work of comparing v: its length, for a list or a
// range (an element each), a map, or a text (64 bytes each).
func compareCost(v any) int {
	switch v := v.(type) {
	case string:
		return len(v) >> 6
	case []any:
		return len(v)
	case map[string]any:
		return len(v)
	case rangeValue:
		return int(min(v.len(), MaxRenderOps))
	}
	return 0
}

// filters parses the filters applied to in.
func (p *exprParser) filters(in expr) (expr, error) {
	for p.isChar("|") {
		p.next()
		t := p.next()
		if t.kind != tIdent && t.kind != tKeyword {
			return nil, fmt.Errorf("expected a filter name after |, found %s", t)
		}
		var args []expr
		var kws []string
		var kwArgs []expr
		fixed, allConst := []any(nil), true
		if t.kind == tKeyword {
			a, v, isConst, err := p.arg()
			if err != nil {
				return nil, err
			}
			args, fixed, allConst = append(args, a), append(fixed, v), isConst
			for p.isChar(",") {
				p.next()
				if k := p.peek(); k.kind == tKeyword {
					p.next()
					v, err := p.value()
					if err != nil {
						return nil, err
					}
					kws, kwArgs = append(kws, k.text), append(kwArgs, v)
					continue
				}
				a, v, isConst, err := p.arg()
				if err != nil {
					return nil, err
				}
				args, fixed, allConst = append(args, a), append(fixed, v), allConst && isConst
			}
		}
		if p.filter != nil {
			p.filter(t.text)
		}
		if !allConst || len(kws) > 0 {
			fixed = nil
		}
		in = applyFilter(t.text, in, args, fixed, kws, kwArgs)
	}
	return in, nil
}

// applyFilter returns in filtered by the filter name.
// fixed holds the arguments' values when all are literals.
func applyFilter(name string, in expr, args []expr, fixed []any, kws []string, kwArgs []expr) expr {
	f, known := filters[name]
	if !known {
		return func(s *state) (any, error) {
			return nil, errorf(CodeRender, "undefined filter %q", name)
		}
	}
	if len(args) < f.minArgs || len(args) > f.maxArgs {
		return func(s *state) (any, error) {
			return nil, errorf(CodeRender, "filter %s takes %s, not %d", name, argCount(f), len(args))
		}
	}
	return func(s *state) (any, error) {
		v, err := in(s)
		if err != nil {
			return nil, err
		}
		if err := s.work(1); err != nil {
			return nil, err
		}
		vals := fixed
		if vals == nil && len(args) > 0 {
			vals = make([]any, len(args))
			for i, a := range args {
				if vals[i], err = a(s); err != nil {
					return nil, err
				}
			}
		}
		var kw map[string]any
		if len(kws) > 0 {
			kw = make(map[string]any, len(kws))
			for i, k := range kws {
				if kw[k], err = kwArgs[i](s); err != nil {
					return nil, err
				}
			}
		}
		return f.fn(s, v, vals, kw)
	}
}

func argCount(f filter) string {
	switch {
	case f.minArgs == f.maxArgs && f.maxArgs == 1:
		return "1 argument"
	case f.minArgs == f.maxArgs:
		return fmt.Sprintf("%d arguments", f.maxArgs)
	}
	return fmt.Sprintf("%d to %d arguments", f.minArgs, f.maxArgs)
}

// literal returns the expression of the value v.
func literal(v any) expr {
	return func(*state) (any, error) { return v, nil }
}

// arg parses a filter's argument, returning its value too when it is a
// literal (then it is evaluated once, here, instead of at every render).
func (p *exprParser) arg() (e expr, v any, isConst bool, err error) {
	t := p.peek()
	if after := p.toks[min(p.pos+1, len(p.toks)-1)]; after.kind != tProp && !(after.kind == tChar && after.text == "[") {
		switch t.kind {
		case tInt:
			v, isConst = t.i, true
		case tFloat:
			v, isConst = t.f, true
		case tString:
			v, isConst = t.str, true
		case tTrue, tFalse:
			v, isConst = t.kind == tTrue, true
		case tNil:
			isConst = true
		}
	}
	e, err = p.value()
	return e, v, isConst, err
}

// value parses a literal, variable, range or parenthesised condition, with
// the properties and indexes after it.
func (p *exprParser) value() (expr, error) {
	var e expr
	t := p.next()
	switch t.kind {
	case tInt:
		e = literal(t.i)
	case tFloat:
		e = literal(t.f)
	case tString:
		e = literal(t.str)
	case tTrue:
		e = literal(true)
	case tFalse:
		e = literal(false)
	case tNil:
		e = literal(nil)
	case tIdent:
		return p.path(t.text)
	case tChar:
		if t.text != "(" {
			return nil, fmt.Errorf("unexpected %s", t)
		}
		p.depth++
		if p.depth > MaxNesting {
			return nil, fmt.Errorf("parentheses nest deeper than %d", MaxNesting)
		}
		var err error
		if e, err = p.group(); err != nil {
			return nil, err
		}
		p.depth--
	default:
		return nil, fmt.Errorf("unexpected %s", t)
	}
	return p.postfix(e)
}

// group parses what follows "(": a range (a..b) or a condition. The first
// value is parsed once, whichever it is (no backtracking: nested
// parentheses would cost twice per level).
func (p *exprParser) group() (expr, error) {
	lo, err := p.value()
	if err != nil {
		return nil, err
	}
	if p.peek().kind == tDotDot {
		p.next()
		hi, err := p.value()
		if err != nil {
			return nil, err
		}
		if err := p.expectChar(")"); err != nil {
			return nil, err
		}
		return rangeExpr(lo, hi), nil
	}
	r, err := p.relFrom(lo)
	if err != nil {
		return nil, err
	}
	c, err := p.condFrom(r)
	if err != nil {
		return nil, err
	}
	return c, p.expectChar(")")
}

// rangeExpr is (lo..hi): its ends read as integers.
func rangeExpr(lo, hi expr) expr {
	return func(s *state) (any, error) {
		a, err := lo(s)
		if err != nil {
			return nil, err
		}
		b, err := hi(s)
		if err != nil {
			return nil, err
		}
		x, okA := rangeEnd(a)
		y, okB := rangeEnd(b)
		if !okA || !okB {
			return nil, errorf(CodeRender, "range (%s..%s) needs two integers", describeValue(a), describeValue(b))
		}
		return rangeValue{lo: x, hi: y}, nil
	}
}

// rangeEnd reads an end of a range: an integer, a float truncated, a string
// holding a number.
func rangeEnd(v any) (int64, bool) {
	n, ok := number(v)
	if !ok {
		return 0, false
	}
	return intIndex(n)
}

// path parses a variable and what follows it; a plain a.b.c is one closure
// that walks the maps.
func (p *exprParser) path(name string) (expr, error) {
	var props []string
	for p.peek().kind == tProp {
		props = append(props, p.next().text)
	}
	var e expr
	switch {
	case name == "empty" && len(props) == 0:
		e = literal(kwEmpty)
	case name == "blank" && len(props) == 0:
		e = literal(kwBlank)
	default:
		e = func(s *state) (any, error) {
			v := s.get(name)
			for _, k := range props {
				v = property(v, k)
			}
			return v, nil
		}
	}
	if p.isChar("[") {
		return p.postfix(e)
	}
	return e, nil
}

// postfix parses the .name and [value] after a value.
func (p *exprParser) postfix(e expr) (expr, error) {
	for {
		switch t := p.peek(); {
		case t.kind == tProp:
			p.next()
			in, name := e, t.text
			e = func(s *state) (any, error) {
				v, err := in(s)
				return property(v, name), err
			}
		case t.kind == tChar && t.text == "[":
			p.next()
			p.depth++
			if p.depth > MaxNesting {
				return nil, fmt.Errorf("brackets nest deeper than %d", MaxNesting)
			}
			i, err := p.value()
			if err != nil {
				return nil, err
			}
			p.depth--
			if err := p.expectChar("]"); err != nil {
				return nil, err
			}
			in := e
			e = func(s *state) (any, error) {
				v, err := in(s)
				if err != nil {
					return nil, err
				}
				k, err := i(s)
				if err == nil {
					err = s.work(1)
				}
				return index(v, k), err
			}
		default:
			return e, nil
		}
	}
}

// values parses a comma- or or-separated list of values (when's
// arguments).
func (p *exprParser) values() ([]expr, error) {
	var es []expr
	for {
		e, err := p.value()
		if err != nil {
			return nil, err
		}
		es = append(es, e)
		if p.isChar(",") || p.peek().kind == tOr {
			p.next()
			continue
		}
		return es, p.end()
	}
}
