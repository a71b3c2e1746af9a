package cache

import (
	"strconv"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestBoundedKeepsAtMostTwoGenerations(t *testing.T) {
	c := New[string, int](100)
	for i := range 10_000 {
		c.Put(strconv.Itoa(i), i)
	}
	assert.LessOrEqual(t, c.Len(), 200)
	v, ok := c.Get("9999")
	assert.True(t, ok)
	assert.Equal(t, 9999, v)
	_, ok = c.Get("0")
	assert.False(t, ok, "the oldest entries are gone")
}

func TestBoundedKeepsWhatIsUsed(t *testing.T) {
	c := New[int, int](10)
	c.Put(-1, 42)
	for i := range 1000 {
		c.Put(i, i)
		v, ok := c.Get(-1) // read between writes: promoted each generation
		assert.True(t, ok, "after %d writes", i)
		assert.Equal(t, 42, v)
	}
}

func TestBoundedConcurrent(t *testing.T) {
	c := New[int, int](64)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 5000 {
				k := g*10_000 + i
				c.Put(k, k)
				if v, ok := c.Get(k); ok {
					assert.Equal(t, k, v)
				}
			}
		}()
	}
	wg.Wait()
	// Writers racing a rotation may each add a few entries to the
	// generation being retired: the bound holds up to that slack.
	assert.LessOrEqual(t, c.Len(), 2*64+8)
}
