// Command holiday runs seed 000's holiday module: a module checks the date
// against a holiday calendar; on a holiday it plays a greeting and ends the
// call, otherwise it returns to the flow through its "open" exit. Two flows
// (sales and support lines) use it. Publishing a second module version
// (adding New Year's Day) changes both flows for new calls without touching
// them.
//
//	go run ./examples/holiday
package main

import (
	"context"
	"embed"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/studioflow/studioflow/flow"
	"github.com/studioflow/studioflow/runtime"
	"github.com/studioflow/studioflow/version"
	"github.com/studioflow/studioflow/widgets/fake"
	"github.com/studioflow/studioflow/widgets/standard"
)

//go:embed *.json
var files embed.FS

func main() {
	if err := run(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "holiday:", err)
		os.Exit(1)
	}
}

func load(name string) (*flow.Definition, error) {
	data, err := files.ReadFile(name)
	if err != nil {
		return nil, err
	}
	return flow.Parse(data)
}

func run(w io.Writer) error {
	ctx := context.Background()
	designer := version.Actor{ID: "lena", Roles: []version.Role{version.RoleAdmin}}
	reg := standard.New()
	// One simulated clock for the catalog and the engine: the calls happen
	// on the days the story needs, and the test replays it deterministically.
	clock := runtime.NewFixedClock(time.Date(2026, 12, 25, 10, 0, 0, 0, time.UTC))
	cat := version.NewCatalog(version.WithStandardChecks(reg), version.WithClock(clock.Now))
	services, transcript := fake.Services()
	src := runtime.CatalogSource{Catalog: cat}
	engine := runtime.New(runtime.WithWidgets(reg), runtime.WithSource(src), runtime.WithModules(src),
		runtime.WithServices(services), runtime.WithClock(clock.Now), runtime.WithIDs(runtime.SequentialIDs()))

	publish := func(kind version.Kind, name, file string) (*version.Item, error) {
		def, err := load(file)
		if err != nil {
			return nil, err
		}
		item, v, err := cat.Create(ctx, designer, kind, name, "", def, "from "+file)
		if err != nil {
			return nil, err
		}
		if _, err := cat.Publish(ctx, designer, item.ID, v.Revision); err != nil {
			return nil, err
		}
		fmt.Fprintf(w, "published %s %q r%d\n", kind, name, v.Revision)
		return item, nil
	}
	module, err := publish(version.KindModule, "Holiday check", "holiday_check_v1.json")
	if err != nil {
		return err
	}
	lines := map[string]*version.Item{}
	for _, name := range []string{"sales", "support"} {
		if lines[name], err = publish(version.KindFlow, name+" line", name+"_line.json"); err != nil {
			return err
		}
	}

	calls := func() error {
		fmt.Fprintf(w, "\n%s:\n", clock.Now().Format("Monday 2 January 2006"))
		for _, name := range []string{"sales", "support"} {
			transcript.Reset()
			x, err := engine.Start(ctx, runtime.StartRequest{FlowSid: lines[name].ID, Trigger: runtime.TriggerCall,
				Contact: "+351912000000", FlowAddress: "+351210000000", CallSid: "CA-" + name + clock.Now().Format("0102")})
			if err != nil {
				return err
			}
			fmt.Fprintf(w, "  call to the %s line:\n", name)
			for _, line := range transcript.Lines() {
				fmt.Fprintln(w, "    "+line)
			}
			for _, s := range x.Steps {
				frame := ""
				if s.Frame != "" {
					frame = " [" + s.Frame + "]"
				}
				fmt.Fprintf(w, "    step %-13s %-9s -> %s%s\n", s.Name, s.From, s.To, frame)
			}
		}
		return nil
	}
	if err := calls(); err != nil {
		return err
	}
	clock.Advance(7 * 24 * time.Hour)
	if err := calls(); err != nil {
		return err
	}

	// Version 2 adds New Year's Day. Both flows pick it up for new calls.
	v2, err := load("holiday_check_v2.json")
	if err != nil {
		return err
	}
	draft, err := cat.Edit(ctx, designer, module.ID)
	if err != nil {
		return err
	}
	if draft, err = cat.SaveDraft(ctx, designer, module.ID, draft.Revision, v2, "New Year's Day too"); err != nil {
		return err
	}
	if _, err := cat.Publish(ctx, designer, module.ID, draft.Revision); err != nil {
		return err
	}
	fmt.Fprintf(w, "\npublished module %q r%d: New Year's Day is a holiday too\n", "Holiday check", draft.Revision)
	return calls()
}
