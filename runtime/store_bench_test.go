package runtime

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/studioflow/studioflow/flow"
	"github.com/studioflow/studioflow/widgets"
)

// ivrEngine returns an engine running the README's IVR menu on store, and
// one waiting execution of it.
func ivrEngine(b *testing.B, store Store) (*Engine, *Execution) {
	src, err := os.ReadFile("../examples/ivr/menu.json")
	if err != nil {
		b.Fatal(err)
	}
	def, err := flow.Parse(src)
	if err != nil {
		b.Fatal(err)
	}
	e := New(WithSource(Definitions{"FWacme": def}), WithServices(&widgets.Services{Voice: nopVoice{}}),
		WithClock(NewFixedClock(benchNow).Now), WithStore(store), WithIDs(SequentialIDs()))
	x, err := e.Start(context.Background(), StartRequest{FlowSid: "FWacme", Trigger: TriggerCall, Contact: "+15551230000", FlowAddress: "+15559870000", CallSid: "CA-template"})
	if err != nil || x.Wait == nil {
		b.Fatalf("start: %v", err)
	}
	return e, x
}

// BenchmarkStoreStartResume measures starts and resumes of the IVR menu on
// the in-memory store from 1 and 2 goroutines: each operation is a start
// (to the menu's wait) and a resume (9: the menu again). Compare the two
// ns/op: on 2 cores the second should be near half the first.
func BenchmarkStoreStartResume(b *testing.B) {
	for _, workers := range []int{1, 2} {
		b.Run(fmt.Sprintf("goroutines=%d", workers), func(b *testing.B) {
			e, _ := ivrEngine(b, NewMemoryStore())
			ctx := context.Background()
			ev := widgets.Event{Name: "keypress", Data: map[string]any{"Digits": "9"}}
			b.ReportAllocs()
			b.ResetTimer()
			var wg sync.WaitGroup
			per := b.N / workers
			for w := range workers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := range per {
						x, err := e.Start(ctx, StartRequest{FlowSid: "FWacme", Trigger: TriggerCall, Contact: "+15551230000", FlowAddress: "+15559870000",
							CallSid: fmt.Sprintf("CA%d-%d", w, i)})
						if err != nil {
							b.Error(err)
							return
						}
						if _, err := e.Resume(ctx, x.ID, ev); err != nil {
							b.Error(err)
							return
						}
					}
				}()
			}
			wg.Wait()
		})
	}
}

// BenchmarkStoreDueAtAMillion fills a store with 1,000,000 waiting
// executions of the IVR menu, none due, and measures a due query; it
// reports the heap each waiting execution takes (bytes-per-execution).
func BenchmarkStoreDueAtAMillion(b *testing.B) {
	if testing.Short() {
		b.Skip("fills a store with a million executions")
	}
	const n = 1_000_000
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	store := NewMemoryStore()
	_, x := ivrEngine(b, store)
	tpl, err := MarshalExecution(x)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	for i := range n - 1 {
		y, err := UnmarshalExecution(tpl)
		if err != nil {
			b.Fatal(err)
		}
		y.ID, y.Key = fmt.Sprintf("FN%08d-copy", i), fmt.Sprintf("FWacme|call|CA%d", i)
		y.DueAt = x.DueAt.Add(time.Duration(i) * time.Millisecond)
		if err := store.Create(ctx, y); err != nil {
			b.Fatal(err)
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	perExecution := float64(after.HeapAlloc-before.HeapAlloc) / n
	now := benchNow // before every deadline
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		ids, err := store.Due(ctx, now, 0)
		if err != nil || len(ids) != 0 {
			b.Fatalf("due: %v %d", err, len(ids))
		}
	}
	b.StopTimer()
	b.ReportMetric(perExecution, "bytes-per-execution")
	runtime.KeepAlive(store)
}
