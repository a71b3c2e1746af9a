package lint

import "github.com/studioflow/studioflow/flow"

// graph is a definition's states and transitions as indices: what can run
// before what.
type graph struct {
	d     *flow.Definition
	index map[string]int // name -> first state of that name
	next  [][]int        // next[i]: the states i's transitions lead to
	// reached[i]: a path from the initial state reaches state i.
	reached []bool
	// after[i][j]: a non-empty path of transitions leads from i to j.
	after []bitset
}

type bitset []uint64

func newBitset(n int) bitset              { return make(bitset, (n+63)/64) }
func (b bitset) set(i int)                { b[i/64] |= 1 << (i % 64) }
func (b bitset) has(i int) bool           { return b[i/64]&(1<<(i%64)) != 0 }
func (g *graph) runsBefore(i, j int) bool { return g.reached[i] && g.after[i].has(j) }

// newGraph indexes d. A next naming no state leads nowhere (the
// structural checks report it).
func newGraph(d *flow.Definition) *graph {
	n := len(d.States)
	g := &graph{d: d, index: map[string]int{}, next: make([][]int, n), after: make([]bitset, n)}
	for i, s := range d.States {
		if _, dup := g.index[s.Name]; !dup && s.Name != "" {
			g.index[s.Name] = i
		}
	}
	for i, s := range d.States {
		for _, t := range s.Transitions {
			if j, ok := g.index[t.Next]; ok && t.Next != "" {
				g.next[i] = append(g.next[i], j)
			}
		}
	}
	for i := range n {
		g.after[i] = g.walk(i)
	}
	g.reached = make([]bool, n)
	if entry, ok := g.index[d.InitialState]; ok {
		g.reached[entry] = true
		for j := range n {
			if g.after[entry].has(j) {
				g.reached[j] = true
			}
		}
	}
	return g
}

// walk returns the states a non-empty path from i reaches.
func (g *graph) walk(i int) bitset {
	seen := newBitset(len(g.next))
	queue := append([]int(nil), g.next[i]...)
	for _, j := range queue {
		seen.set(j)
	}
	for len(queue) > 0 {
		k := queue[0]
		queue = queue[1:]
		for _, j := range g.next[k] {
			if !seen.has(j) {
				seen.set(j)
				queue = append(queue, j)
			}
		}
	}
	return seen
}

// before returns the reachable states that can run before state i on a
// path from the initial state (i itself when it is on a cycle).
func (g *graph) before(i int) []int {
	var out []int
	for j := range g.next {
		if g.runsBefore(j, i) {
			out = append(out, j)
		}
	}
	return out
}

// cycles returns the strongly connected components of the graph that
// hold a cycle (more than one state, or one state leading to itself), each
// in ascending order of index, ordered by their first state.
func (g *graph) cycles() [][]int {
	n := len(g.next)
	var out [][]int
	done := make([]bool, n)
	for i := range n {
		if done[i] || !g.after[i].has(i) {
			continue
		}
		var comp []int
		for j := i; j < n; j++ {
			if g.after[i].has(j) && g.after[j].has(i) {
				comp = append(comp, j)
				done[j] = true
			}
		}
		out = append(out, comp)
	}
	return out
}
