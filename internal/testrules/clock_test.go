package testrules

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// modulePath is the repository's root module; the tests find the
// repository by its go.mod.
const modulePath = "github.com/studioflow/studioflow"

// clockConstructor is a constructor whose clock defaults to the wall clock
// unless option injects one.
type clockConstructor struct {
	pkg    string // the constructor's import path
	name   string // the constructor
	option string // the option, in the same package, that injects a clock
}

// clockConstructors are the constructors a test must give a clock.
// sim.New is not one: its clock is fixed at sim.DefaultNow unless
// sim.WithNow moves it.
var clockConstructors = []clockConstructor{
	{pkg: modulePath + "/runtime", name: "New", option: "WithClock"},
	{pkg: modulePath + "/version", name: "NewCatalog", option: "WithClock"},
}

// wallClock are the functions of package time that read the wall clock.
var wallClock = map[string]bool{"Now": true, "Since": true, "Until": true}

// finding is one place that breaks a rule.
type finding struct {
	pos token.Position
	msg string
}

func (f finding) String() string { return fmt.Sprintf("%s:%d: %s", f.pos.Filename, f.pos.Line, f.msg) }

// TestNoWallClock enforces the no-wall-clock rule (see the package
// documentation) on every test file of the repository.
func TestNoWallClock(t *testing.T) {
	root := repoRoot(t)
	files := testFiles(t, root)
	require.Contains(t, files, "internal/testrules/clock_test.go",
		"the walk from %s must reach this file, or it checks the wrong tree", root)

	fset := token.NewFileSet()
	pkgPaths := map[string]string{}
	for _, rel := range files {
		file, err := parser.ParseFile(fset, rel, readFile(t, filepath.Join(root, filepath.FromSlash(rel))), 0)
		if err != nil {
			t.Errorf("%v", err)
			continue
		}
		dir := path.Dir(rel)
		pkgPath, ok := pkgPaths[dir]
		if !ok {
			pkgPath = importPath(t, root, dir)
			pkgPaths[dir] = pkgPath
		}
		for _, f := range checkClock(fset, file, pkgPath) {
			t.Error(f)
		}
	}
}

// TestCheckClock shows what the checker flags, on snippets.
func TestCheckClock(t *testing.T) {
	const (
		runtimePkg = modulePath + "/runtime"
		versionPkg = modulePath + "/version"
		otherPkg   = modulePath + "/widgets"
	)
	cases := []struct {
		name    string
		pkgPath string // the import path of the snippet's package
		src     string
		want    []string // the lines flagged, "line: message fragment"
	}{{
		name:    "time.Now call",
		pkgPath: otherPkg,
		src:     "package p\nimport \"time\"\nfunc f() { _ = time.Now() }", // nolint:wallclock: a snippet the checker reads, not a clock read
		want:    []string{"3: reads the wall clock: time.Now"},
	}, {
		name:    "a benchmark measures time",
		pkgPath: otherPkg,
		src:     "package p\nimport (\n\t\"testing\"\n\t\"time\"\n)\nfunc BenchmarkX(b *testing.B) { began := time.Now(); _ = time.Since(began) }", // nolint:wallclock: a snippet the checker reads, not a clock read
	}, {
		name:    "a benchmark's helper does not",
		pkgPath: otherPkg,
		src:     "package p\nimport \"time\"\nfunc benchHelper() { _ = time.Now() }\nfunc BenchmarkY() { _ = time.Now() }", // nolint:wallclock: a snippet the checker reads, not a clock read
		want:    []string{"3: reads the wall clock: time.Now", "4: reads the wall clock: time.Now"},
	}, {
		name:    "a benchmark still gives its engines a clock",
		pkgPath: otherPkg,
		src:     "package p\nimport (\n\t\"testing\"\n\t\"github.com/studioflow/studioflow/runtime\"\n)\nfunc BenchmarkZ(b *testing.B) { _ = runtime.New() }",
		want:    []string{"6: runtime.New without runtime.WithClock"},
	}, {
		name:    "time.Since",
		pkgPath: otherPkg,
		src:     "package p\nimport \"time\"\nfunc f(x time.Time) {\n\t_ = time.Since(x)\n}", // nolint:wallclock: a snippet the checker reads, not a clock read
		want:    []string{"4: reads the wall clock: time.Since"},
	}, {
		name:    "time.Until",
		pkgPath: otherPkg,
		src:     "package p\nimport \"time\"\nfunc f(x time.Time) { _ = time.Until(x) }",
		want:    []string{"3: reads the wall clock: time.Until"},
	}, {
		name:    "time.Now as a function value",
		pkgPath: otherPkg,
		src: "package p\nimport (\n\t\"time\"\n\t\"github.com/studioflow/studioflow/runtime\"\n)\n" +
			"func f() { _ = runtime.New(runtime.WithClock(time.Now)) }",
		want: []string{"6: reads the wall clock: time.Now"},
	}, {
		name:    "renamed time import",
		pkgPath: otherPkg,
		src:     "package p\nimport stdtime \"time\"\nfunc f() { _ = stdtime.Now() }", // nolint:wallclock: a snippet the checker reads, not a clock read
		want:    []string{"3: reads the wall clock: stdtime.Now"},
	}, {
		name:    "dot import of time",
		pkgPath: otherPkg,
		src:     "package p\nimport . \"time\"\nfunc f() Time { return Now() }",
		want:    []string{"3: reads the wall clock: Now"},
	}, {
		name:    "runtime.New without a clock",
		pkgPath: otherPkg,
		src:     "package p\nimport \"github.com/studioflow/studioflow/runtime\"\nfunc f() { _ = runtime.New() }",
		want:    []string{"3: runtime.New without runtime.WithClock"},
	}, {
		name:    "runtime.New with other options only",
		pkgPath: otherPkg,
		src: "package p\nimport \"github.com/studioflow/studioflow/runtime\"\n" +
			"func f() { _ = runtime.New(runtime.WithIDs(runtime.SequentialIDs())) }",
		want: []string{"3: runtime.New without runtime.WithClock"},
	}, {
		name:    "renamed runtime import",
		pkgPath: otherPkg,
		src:     "package p\nimport rt \"github.com/studioflow/studioflow/runtime\"\nfunc f() { _ = rt.New() }",
		want:    []string{"3: rt.New without rt.WithClock"},
	}, {
		name:    "spread options, no clock in the function",
		pkgPath: otherPkg,
		src: "package p\nimport \"github.com/studioflow/studioflow/runtime\"\n" +
			"func f(opts ...runtime.Option) { _ = runtime.New(opts...) }",
		want: []string{"3: runtime.New spreads options but the declaration around it never calls runtime.WithClock"},
	}, {
		name:    "constructor as a function value",
		pkgPath: otherPkg,
		src:     "package p\nimport \"github.com/studioflow/studioflow/runtime\"\nvar build = runtime.New",
		want:    []string{"3: runtime.New used as a value"},
	}, {
		name:    "bare New in package runtime's own tests",
		pkgPath: runtimePkg,
		src:     "package runtime\nfunc f() { _ = New(WithIDs(SequentialIDs())) }",
		want:    []string{"2: New without WithClock"},
	}, {
		name:    "version.NewCatalog without a clock",
		pkgPath: otherPkg,
		src:     "package p\nimport \"github.com/studioflow/studioflow/version\"\nfunc f() { _ = version.NewCatalog() }",
		want:    []string{"3: version.NewCatalog without version.WithClock"},
	}, {
		name:    "a clock option of another package does not count",
		pkgPath: otherPkg,
		src: "package p\nimport (\n\t\"github.com/studioflow/studioflow/runtime\"\n\t\"github.com/studioflow/studioflow/version\"\n)\n" +
			"func f(c *runtime.FixedClock) { _ = runtime.New(version.WithClock(c.Now)) }",
		want: []string{"6: runtime.New without runtime.WithClock"},
	}, {
		name:    "runtime.New with a clock",
		pkgPath: otherPkg,
		src: "package p\nimport \"github.com/studioflow/studioflow/runtime\"\n" +
			"func f(c *runtime.FixedClock) { _ = runtime.New(runtime.WithClock(c.Now)) }",
	}, {
		name:    "spread options built with a clock",
		pkgPath: otherPkg,
		src: "package p\nimport \"github.com/studioflow/studioflow/runtime\"\n" +
			"func f(c *runtime.FixedClock, opts ...runtime.Option) {\n" +
			"\tbase := []runtime.Option{runtime.WithClock(c.Now)}\n" +
			"\t_ = runtime.New(append(base, opts...)...)\n}",
	}, {
		name:    "bare New with WithClock in package runtime",
		pkgPath: runtimePkg,
		src:     "package runtime\nfunc f(c *FixedClock) { _ = New(WithClock(c.Now)) }",
	}, {
		name:    "bare New in another package is not runtime.New",
		pkgPath: otherPkg,
		src:     "package p\nfunc New() int { return 0 }\nfunc f() { _ = New() }",
	}, {
		name:    "package runtime's external tests import it",
		pkgPath: runtimePkg,
		src:     "package runtime_test\nfunc New() int { return 0 }\nfunc f() { _ = New() }",
	}, {
		name:    "the standard library's runtime is another package",
		pkgPath: otherPkg,
		src:     "package p\nimport \"runtime\"\nfunc f() { runtime.GC(); _ = runtime.NumGoroutine() }",
	}, {
		name:    "time values and durations",
		pkgPath: otherPkg,
		src: "package p\nimport \"time\"\n" +
			"func f() (time.Duration, time.Time) { return 2 * time.Second, time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC) }",
	}, {
		name:    "a local variable named time",
		pkgPath: otherPkg,
		src: "package p\nimport \"time\"\ntype clock struct{}\nfunc (clock) Now() time.Time { return time.Time{} }\n" +
			"func f() { time := clock{}; _ = time.Now() }", // nolint:wallclock: a snippet the checker reads, not a clock read
	}, {
		name:    "a parameter named time, time not imported",
		pkgPath: otherPkg,
		src:     "package p\ntype clock interface{ Since(int) int }\nfunc f(time clock) int { return time.Since(1) }", // nolint:wallclock: a snippet the checker reads, not a clock read
	}, {
		name:    "a method named Now",
		pkgPath: otherPkg,
		src:     "package p\nimport \"time\"\ntype c struct{ t time.Time }\nfunc (x c) Now() time.Time { return x.t }\nfunc f(x c) { _ = x.Now() }",
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fset := token.NewFileSet()
			file, err := parser.ParseFile(fset, "snippet_test.go", tc.src, 0)
			require.NoError(t, err)
			var got []string
			for _, f := range checkClock(fset, file, tc.pkgPath) {
				got = append(got, fmt.Sprintf("%d: %s", f.pos.Line, f.msg))
			}
			require.Len(t, got, len(tc.want), "findings: %q", got)
			for i := range tc.want {
				assert.True(t, strings.HasPrefix(got[i], tc.want[i]), "finding %q, want %q...", got[i], tc.want[i])
			}
		})
	}
}

// checkClock returns the places in file, a file of the package with import
// path pkgPath, that read the wall clock or build something with a wall
// clock (see the package documentation).
func checkClock(fset *token.FileSet, file *ast.File, pkgPath string) []finding {
	c := newResolver(file, pkgPath)
	var out []finding
	add := func(n ast.Node, format string, args ...any) {
		out = append(out, finding{pos: fset.Position(n.Pos()), msg: fmt.Sprintf(format, args...)})
	}
	for _, decl := range file.Decls {
		bench := isBenchmark(decl)
		// Calls by their function expression, to tell a call from a
		// function value.
		calls := map[ast.Expr]*ast.CallExpr{}
		ast.Inspect(decl, func(n ast.Node) bool {
			if call, ok := n.(*ast.CallExpr); ok {
				calls[ast.Unparen(call.Fun)] = call
			}
			return true
		})
		ast.Inspect(decl, func(n ast.Node) bool {
			expr, ok := n.(ast.Expr)
			if !ok {
				return true
			}
			refs := c.refs(expr)
			if refs == nil {
				return true
			}
			name := c.text(expr)
			for _, ref := range refs {
				if ref.pkg == "time" && wallClock[ref.name] {
					if bench {
						break // a benchmark measures time
					}
					add(expr, "reads the wall clock: %s; inject a clock (runtime.NewFixedClock) instead", name)
					break
				}
				ctor, ok := constructorFor(ref)
				if !ok {
					continue
				}
				option := c.qualify(expr, ctor.option)
				call, called := calls[expr]
				switch {
				case !called:
					add(expr, "%s used as a value: its calls cannot be checked for %s", name, option)
				case call.Ellipsis.IsValid():
					if !c.callsOption(decl, ctor) {
						add(expr, "%s spreads options but the declaration around it never calls %s: "+
							"it would read the wall clock", name, option)
					}
				case !c.callsOptionIn(call.Args, ctor):
					add(expr, "%s without %s: it would read the wall clock", name, option)
				}
				break
			}
			// A selector's parts are not references of their own.
			if _, ok := expr.(*ast.SelectorExpr); ok {
				return false
			}
			return true
		})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].pos.Offset < out[j].pos.Offset })
	return out
}

// isBenchmark reports whether decl is a benchmark: a function named
// Benchmark... taking one parameter (the *testing.B).
func isBenchmark(decl ast.Decl) bool {
	fn, ok := decl.(*ast.FuncDecl)
	return ok && fn.Recv == nil && strings.HasPrefix(fn.Name.Name, "Benchmark") && fn.Type.Params.NumFields() == 1
}

// constructorFor returns the clock constructor ref names, if any.
func constructorFor(ref ref) (clockConstructor, bool) {
	for _, ctor := range clockConstructors {
		if ref.pkg == ctor.pkg && ref.name == ctor.name {
			return ctor, true
		}
	}
	return clockConstructor{}, false
}

// ref is a package-level name: a function of a package.
type ref struct{ pkg, name string }

// resolver tells which package-level names the expressions of one file
// refer to, from the file's imports and go/parser's resolution of local
// names (an identifier declared in the file has its Obj set).
type resolver struct {
	imports map[string]string // local import name to import path
	dots    []string          // dot-imported paths
	own     string            // the package's own path in its internal tests, else ""
	skip    map[*ast.Ident]bool
}

func newResolver(file *ast.File, pkgPath string) *resolver {
	r := &resolver{imports: map[string]string{}, skip: map[*ast.Ident]bool{}}
	for _, imp := range file.Imports {
		p, err := strconv.Unquote(imp.Path.Value)
		if err != nil {
			continue
		}
		// The default name is the last path element, which is the package
		// name for every package the rules look at.
		name := path.Base(p)
		if imp.Name != nil {
			name = imp.Name.Name
		}
		switch name {
		case "_":
		case ".":
			r.dots = append(r.dots, p)
		default:
			r.imports[name] = p
		}
	}
	// Internal tests see their package's names unqualified; the external
	// test package (name_test) imports it like any other.
	if !strings.HasSuffix(file.Name.Name, "_test") {
		r.own = pkgPath
	}
	// Identifiers that are names being declared or field and label names,
	// not references to package-level names.
	ast.Inspect(file, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.File:
			r.skip[n.Name] = true
		case *ast.ImportSpec:
			if n.Name != nil {
				r.skip[n.Name] = true
			}
		case *ast.FuncDecl:
			r.skip[n.Name] = true
		case *ast.Field:
			for _, id := range n.Names {
				r.skip[id] = true
			}
		case *ast.TypeSpec:
			r.skip[n.Name] = true
		case *ast.ValueSpec:
			for _, id := range n.Names {
				r.skip[id] = true
			}
		case *ast.LabeledStmt:
			r.skip[n.Label] = true
		case *ast.BranchStmt:
			if n.Label != nil {
				r.skip[n.Label] = true
			}
		case *ast.SelectorExpr:
			r.skip[n.Sel] = true
		case *ast.CompositeLit:
			// Struct literal keys are field names. (A map literal's
			// identifier keys are skipped too: no rule cares about them.)
			for _, elt := range n.Elts {
				if kv, ok := elt.(*ast.KeyValueExpr); ok {
					if id, ok := kv.Key.(*ast.Ident); ok {
						r.skip[id] = true
					}
				}
			}
		}
		return true
	})
	return r
}

// refs returns the package-level names expr may refer to: one for a
// qualified name pkg.Name, the own package's and every dot import's for an
// unqualified name declared nowhere in the file, none otherwise.
func (r *resolver) refs(expr ast.Expr) []ref {
	switch e := expr.(type) {
	case *ast.SelectorExpr:
		x, ok := e.X.(*ast.Ident)
		if !ok || x.Obj != nil {
			return nil // a field or method of a value, or a local name
		}
		if p, ok := r.imports[x.Name]; ok {
			return []ref{{pkg: p, name: e.Sel.Name}}
		}
	case *ast.Ident:
		if e.Obj != nil || r.skip[e] {
			return nil
		}
		var out []ref
		if r.own != "" {
			out = append(out, ref{pkg: r.own, name: e.Name})
		}
		for _, p := range r.dots {
			out = append(out, ref{pkg: p, name: e.Name})
		}
		return out
	}
	return nil
}

// callsOption reports whether n calls ctor's clock option anywhere.
func (r *resolver) callsOption(n ast.Node, ctor clockConstructor) bool {
	found := false
	ast.Inspect(n, func(n ast.Node) bool {
		if call, ok := n.(*ast.CallExpr); ok && !found {
			for _, ref := range r.refs(ast.Unparen(call.Fun)) {
				if ref.pkg == ctor.pkg && ref.name == ctor.option {
					found = true
				}
			}
		}
		return !found
	})
	return found
}

// callsOptionIn reports whether any of args calls ctor's clock option.
func (r *resolver) callsOptionIn(args []ast.Expr, ctor clockConstructor) bool {
	for _, a := range args {
		if r.callsOption(a, ctor) {
			return true
		}
	}
	return false
}

// text is how a reference is written: pkg.Name or Name.
func (r *resolver) text(expr ast.Expr) string {
	switch e := expr.(type) {
	case *ast.SelectorExpr:
		return e.X.(*ast.Ident).Name + "." + e.Sel.Name
	case *ast.Ident:
		return e.Name
	}
	return "?"
}

// qualify writes name as the reference expr writes its package.
func (r *resolver) qualify(expr ast.Expr, name string) string {
	if e, ok := expr.(*ast.SelectorExpr); ok {
		return e.X.(*ast.Ident).Name + "." + name
	}
	return name
}

// repoRoot walks up from the working directory to the directory whose
// go.mod declares modulePath.
func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	require.NoError(t, err)
	for {
		if data, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && moduleLine(data) == modulePath {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatalf("no go.mod declaring %s above the working directory", modulePath)
		}
		dir = parent
	}
}

// moduleLine returns the module path a go.mod declares.
func moduleLine(gomod []byte) string {
	for _, line := range strings.Split(string(gomod), "\n") {
		if i := strings.Index(line, "//"); i >= 0 {
			line = line[:i]
		}
		fields := strings.Fields(line)
		if len(fields) == 2 && fields[0] == "module" {
			if p, err := strconv.Unquote(fields[1]); err == nil {
				return p
			}
			return fields[1]
		}
	}
	return ""
}

// testFiles lists the *_test.go files below root, slash-separated and
// relative to it, skipping what the go tool ignores: testdata and vendor
// directories and names starting with "." or "_".
func testFiles(t *testing.T, root string) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if p != root && (name == "testdata" || name == "vendor" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
				return filepath.SkipDir
			}
			return nil
		}
		if strings.HasSuffix(name, "_test.go") && !strings.HasPrefix(name, ".") && !strings.HasPrefix(name, "_") {
			rel, err := filepath.Rel(root, p)
			if err != nil {
				return err
			}
			files = append(files, filepath.ToSlash(rel))
		}
		return nil
	})
	require.NoError(t, err)
	return files
}

// importPath returns the import path of the package in dir (slash-separated,
// relative to root), from the nearest go.mod at or above it: nested modules
// have their own.
func importPath(t *testing.T, root, dir string) string {
	t.Helper()
	for d := dir; ; d = path.Dir(d) {
		data, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(d), "go.mod"))
		if err == nil {
			if mod := moduleLine(data); mod != "" {
				rel := strings.TrimPrefix(strings.TrimPrefix(dir, d), "/")
				if rel == "" || rel == "." {
					return mod
				}
				return mod + "/" + rel
			}
		}
		if d == "." {
			t.Fatalf("no go.mod at or above %s", dir)
		}
	}
}

func readFile(t *testing.T, p string) []byte {
	t.Helper()
	data, err := os.ReadFile(p)
	require.NoError(t, err)
	return data
}
