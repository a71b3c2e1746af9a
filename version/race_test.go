package version_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studioflow/studioflow/version"
)

// Many writers edit, save, publish, discard and restore one flow while
// readers resolve it. Run with -race. Every refused write must be a
// conflict, and the history must be consistent: one draft and one
// published version at most, revisions strictly increasing, every revision
// holding the content its writer wrote, no two saves based on the same
// revision both accepted.
func TestConcurrentLifecycle(t *testing.T) {
	const writers, rounds, readers = 12, 60, 4
	c := version.NewCatalog(version.WithClock(ticker()))
	base := sayFlow(t, "start")
	id := published(t, c, "Busy")

	type write struct {
		op       version.Op
		from     int // the revision the writer named (save, publish, discard, restore)
		revision int // the revision written
		hash     string
	}
	var (
		mu        sync.Mutex
		writes    []write
		conflicts atomic.Int64
		seen      sync.Map // revision -> hash observed by readers
		stop      atomic.Bool
		failures  = make(chan error, writers*rounds+readers)
	)
	record := func(w write) {
		mu.Lock()
		writes = append(writes, w)
		mu.Unlock()
	}
	refused := func(err error) {
		var te *version.TransitionError
		if !errors.As(err, &te) || !errors.Is(err, version.ErrConflict) {
			failures <- fmt.Errorf("refusal is not a conflict: %w", err)
			return
		}
		conflicts.Add(1)
	}

	var wg sync.WaitGroup
	for r := range readers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; !stop.Load(); i++ {
				res, err := c.Resolve(ctx, id, version.LatestPublished)
				if err != nil || res.Status != version.StatusPublished {
					failures <- fmt.Errorf("reader %d: %v %v", r, res, err)
					return
				}
				seen.Store(res.Revision, res.Hash)
				if old, err := c.Resolve(ctx, id, version.Revision(1)); err != nil || old.Revision != 1 {
					failures <- fmt.Errorf("reader %d: revision 1: %v", r, err)
					return
				}
			}
		}()
	}
	var writersDone sync.WaitGroup
	for g := range writers {
		wg.Add(1)
		writersDone.Add(1)
		go func() {
			defer wg.Done()
			defer writersDone.Done()
			rng := rand.New(rand.NewPCG(uint64(g), 7))
			for i := range rounds {
				it, err := c.Get(ctx, alice, id)
				if err != nil {
					failures <- err
					return
				}
				draft := it.Draft()
				switch roll := rng.IntN(10); {
				case draft == nil && roll < 8:
					v, err := c.Edit(ctx, alice, id)
					if err != nil {
						refused(err)
						continue
					}
					record(write{op: version.OpEdit, revision: v.Revision, hash: v.Hash})
				case draft == nil:
					from := it.Versions[rng.IntN(len(it.Versions))].Revision
					v, err := c.Restore(ctx, alice, id, from)
					if err != nil {
						refused(err) // also when from is not archived
						continue
					}
					record(write{op: version.OpRestore, from: from, revision: v.Revision, hash: v.Hash})
				case roll < 6:
					def := base.Clone()
					_ = def.States[1].SetProperty("say", fmt.Sprintf("writer %d round %d", g, i))
					v, err := c.SaveDraft(ctx, alice, id, draft.Revision, def, "save")
					if err != nil {
						refused(err)
						continue
					}
					record(write{op: version.OpSave, from: draft.Revision, revision: v.Revision, hash: v.Hash})
				case roll < 9:
					v, err := c.Publish(ctx, alice, id, draft.Revision)
					if err != nil {
						refused(err)
						continue
					}
					record(write{op: version.OpPublish, from: draft.Revision, revision: v.Revision, hash: v.Hash})
				default:
					if err := c.Discard(ctx, alice, id, draft.Revision); err != nil {
						refused(err)
						continue
					}
					record(write{op: version.OpDiscard, from: draft.Revision})
				}
			}
		}()
	}
	go func() { writersDone.Wait(); stop.Store(true) }()
	wg.Wait()
	close(failures)
	for err := range failures {
		t.Error(err)
	}

	it, err := c.Get(ctx, alice, id)
	require.NoError(t, err)
	counts := map[version.Op]int{}
	savedFrom := map[int]bool{}
	hashes := map[int]string{1: it.Version(1).Hash}
	maxPublished := 1
	for _, w := range writes {
		counts[w.op]++
		switch w.op {
		case version.OpSave:
			assert.False(t, savedFrom[w.from], "two saves based on revision %d were both accepted", w.from)
			savedFrom[w.from] = true
			fallthrough
		case version.OpEdit, version.OpRestore:
			_, dup := hashes[w.revision]
			assert.False(t, dup, "revision %d written twice", w.revision)
			hashes[w.revision] = w.hash
		case version.OpPublish:
			maxPublished = max(maxPublished, w.revision)
		}
	}
	t.Logf("writes %v, conflicts %d, versions %d", counts, conflicts.Load(), len(it.Versions))
	for _, op := range []version.Op{version.OpEdit, version.OpSave, version.OpPublish, version.OpDiscard} {
		assert.Positive(t, counts[op], "no %s succeeded: the test exercises nothing", op)
	}
	assert.Positive(t, conflicts.Load(), "no write conflicted: the test raced nothing")

	// Every revision was assigned by exactly one accepted write.
	assert.Equal(t, 1+counts[version.OpSave]+counts[version.OpEdit]+counts[version.OpRestore], it.LastRevision)
	drafts, publisheds := 0, 0
	for i, v := range it.Versions {
		if i > 0 {
			assert.Greater(t, v.Revision, it.Versions[i-1].Revision, "revisions strictly increasing")
		}
		assert.Equal(t, hashes[v.Revision], v.Hash, "revision %d holds what its writer wrote", v.Revision)
		switch v.Status {
		case version.StatusDraft:
			drafts++
			assert.Equal(t, it.LastRevision, v.Revision, "the draft holds the highest revision")
		case version.StatusPublished:
			publisheds++
			assert.Equal(t, maxPublished, v.Revision, "the last publish wins, by revision")
		}
	}
	assert.LessOrEqual(t, drafts, 1)
	assert.Equal(t, 1, publisheds)
	// Every revision ever published is still there, archived or published.
	for _, w := range writes {
		if w.op == version.OpPublish {
			v := it.Version(w.revision)
			if assert.NotNil(t, v, "published revision %d lost", w.revision) {
				assert.Contains(t, []version.Status{version.StatusPublished, version.StatusArchived}, v.Status)
			}
		}
	}
	seen.Range(func(k, v any) bool {
		assert.Equal(t, hashes[k.(int)], v, "a reader saw revision %d with other content", k)
		return true
	})
}
