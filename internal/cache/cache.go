// Package cache holds a bounded, concurrent cache for values that are
// expensive to build and cheap to build again: compiled programs,
// templates, regular expressions.
//
// The cache keeps two generations. Reads look in the current generation,
// then in the previous one, promoting what they find there. When the
// current generation reaches its size, it becomes the previous one and the
// old previous one is dropped whole. So the cache never holds more than
// twice its size, what is used often stays, and reads take no lock.
package cache

import (
	"sync"
	"sync/atomic"
)

// Bounded is a cache of at most about 2×Size entries. The zero value is
// not usable; build one with New. It is safe for concurrent use.
type Bounded[K comparable, V any] struct {
	size int64
	gen  atomic.Pointer[generation]
}

type generation struct {
	cur, old *sync.Map
	n        atomic.Int64 // entries stored in cur
}

// New returns a cache whose generations hold size entries each (at least
// 1).
func New[K comparable, V any](size int) *Bounded[K, V] {
	if size < 1 {
		size = 1
	}
	c := &Bounded[K, V]{size: int64(size)}
	c.gen.Store(&generation{cur: &sync.Map{}, old: &sync.Map{}})
	return c
}

// Get returns the value cached for k.
func (c *Bounded[K, V]) Get(k K) (V, bool) {
	g := c.gen.Load()
	if v, ok := g.cur.Load(k); ok {
		return v.(V), true
	}
	if v, ok := g.old.Load(k); ok {
		c.Put(k, v.(V))
		return v.(V), true
	}
	var zero V
	return zero, false
}

// Put caches v for k, starting a new generation when the current one is
// full.
func (c *Bounded[K, V]) Put(k K, v V) {
	g := c.gen.Load()
	if _, loaded := g.cur.Swap(k, v); loaded {
		return
	}
	if g.n.Add(1) >= c.size {
		// Only one writer rotates a given generation; the others' entries
		// land in the generation that is now the old one, and are found
		// there.
		c.gen.CompareAndSwap(g, &generation{cur: &sync.Map{}, old: g.cur})
	}
}

// Len reports about how many entries the cache holds (both generations).
func (c *Bounded[K, V]) Len() int {
	g := c.gen.Load()
	n := 0
	g.cur.Range(func(any, any) bool { n++; return true })
	g.old.Range(func(any, any) bool { n++; return true })
	return n
}
