package template

import (
	"fmt"
	"strings"
)

// includeTag parses {% include name %} and {% render 'name', key: value %}.
// include renders the named template with this render's variables;
// render renders it apart, seeing the host's variables and its own
// parameters but nothing this template assigned. Both read the Renderer's
// Source only.
func (p *parser) includeTag(tok *piece) (node, error) {
	ep, err := newExprParser(tok.args, func(f string) { p.filters[f] = true })
	if err != nil {
		return nil, p.failIn(tok, err)
	}
	if ep.peek().kind == tEOF {
		return nil, p.failIn(tok, fmt.Errorf("%s needs a template name", tok.name))
	}
	name, err := ep.value()
	if err != nil {
		return nil, p.failIn(tok, err)
	}
	var keys []string
	var vals []expr
	if tok.name == "render" {
		for ep.isChar(",") {
			ep.next()
			k := ep.next()
			if k.kind != tKeyword {
				return nil, p.failIn(tok, fmt.Errorf("expected a parameter (name: value), found %s", k))
			}
			v, err := ep.value()
			if err != nil {
				return nil, p.failIn(tok, err)
			}
			keys, vals = append(keys, k.text), append(vals, v)
		}
	}
	if err := ep.end(); err != nil {
		return nil, p.failIn(tok, err)
	}
	isolated := tok.name == "render"
	return func(s *state) error {
		v, err := name(s)
		if err != nil {
			return atLine(err, tok.line)
		}
		file, ok := v.(string)
		if !ok {
			return &Error{Code: CodeRender, Line: tok.line, Message: fmt.Sprintf("%s needs a template name (a string), not %s", tok.name, describeValue(v))}
		}
		if s.depth >= MaxIncludeDepth {
			return &Error{Code: CodeBudget, Line: tok.line, Message: fmt.Sprintf("include and render nest deeper than %d levels (a template including itself?)", MaxIncludeDepth)}
		}
		if err := s.work(1); err != nil {
			return atLine(err, tok.line)
		}
		t, err := s.r.include(file)
		if err == nil {
			// Reading and parsing it is the render's work too.
			err = s.grow("include", len(t.src))
		}
		if err != nil {
			return atLine(err, tok.line)
		}
		s.depth++
		defer func() { s.depth-- }()
		if !isolated {
			return runNodes(s, t.root)
		}
		params := make(map[string]any, len(keys))
		for i, k := range keys {
			if params[k], err = vals[i](s); err != nil {
				return atLine(err, tok.line)
			}
		}
		outer, loops, jump := s.locals, s.loops, s.jump
		s.locals, s.loops = params, nil
		err = runNodes(s, t.root)
		s.locals, s.loops, s.jump = outer, loops, jump
		return err
	}, nil
}

// include returns the template called name from the Renderer's Source,
// parsed (each text is parsed once).
func (r *Renderer) include(name string) (*Template, error) {
	if r.source == nil {
		return nil, errorf(CodeSandbox, "include and render read no files: %q cannot be read (the host gives templates with a template source)", name)
	}
	src, err := r.source.ReadTemplate(name)
	if err != nil {
		return nil, &Error{Code: CodeSandbox, Message: fmt.Sprintf("template %q cannot be read: %v", name, err), Err: err}
	}
	if len(src) > MaxTemplateBytes {
		return nil, errorf(CodeBudget, "template %q is %d bytes; at most %d are allowed", name, len(src), MaxTemplateBytes)
	}
	// Kept by name and text: a host's source may change what a name holds.
	key := name + "\x00" + string(src)
	if t, ok := r.includes.Get(key); ok {
		return t, t.err
	}
	t, err := Parse(string(src))
	if err != nil {
		err = &Error{Code: CodeOf(err), Message: fmt.Sprintf("template %q: %s", name, strings.TrimSpace(err.Error())), Err: err}
		t.err = err
	}
	r.includes.Put(key, t)
	return t, err
}
