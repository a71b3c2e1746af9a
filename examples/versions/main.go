// Command versions walks a flow through the lifecycle of Talkdesk Studio
// flow versions (seed 001) with the version catalog, and routes calls to
// it through the runtime: draft, save and validate, publish, assign to a
// number, edit while the published version keeps serving, test users on
// the draft, publish (the old version is archived), restore, discard and
// duplicate.
//
//	go run ./examples/versions
package main

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/studioflow/studioflow/flow"
	"github.com/studioflow/studioflow/runtime"
	"github.com/studioflow/studioflow/version"
	"github.com/studioflow/studioflow/widgets/fake"
)

var (
	//go:embed support_v1.json
	v1JSON []byte
	//go:embed support_v2.json
	v2JSON []byte
)

const number = "+18005550100"

func main() {
	// The real clock, in UTC like the engine's default.
	if err := run(os.Stdout, func() time.Time { return time.Now().UTC() }); err != nil {
		fmt.Fprintln(os.Stderr, "versions:", err)
		os.Exit(1)
	}
}

// run walks the lifecycle with a catalog and an engine whose clock is now:
// the test passes a fixed clock so it replays the example deterministically.
func run(w io.Writer, now func() time.Time) error {
	ctx := context.Background()
	admin := version.Actor{ID: "maria", Roles: []version.Role{version.RoleAdmin}}
	services, transcript := fake.Services()
	// The catalog runs the engine's full check call on every save.
	var engine *runtime.Engine
	cat := version.NewCatalog(version.WithCheck(func(_ context.Context, _ version.Kind, d *flow.Definition) flow.Problems {
		return engine.Check(d) // the full check call: structure and widgets
	}), version.WithIDs(sequentialFlowIDs()), version.WithClock(now))
	engine = runtime.New(runtime.WithServices(services), runtime.WithIDs(runtime.SequentialIDs()),
		runtime.WithSource(runtime.CatalogSource{Catalog: cat}), runtime.WithClock(now))

	v1, err := flow.Parse(v1JSON)
	if err != nil {
		return err
	}
	v2, err := flow.Parse(v2JSON)
	if err != nil {
		return err
	}
	show := func(what string) {
		item, err := cat.Get(ctx, admin, "FWsupport")
		if err != nil {
			fmt.Fprintf(w, "%s: %v\n", what, err)
			return
		}
		fmt.Fprintf(w, "%-44s", what)
		for _, v := range item.Versions {
			fmt.Fprintf(w, " r%d:%s", v.Revision, v.Status)
		}
		fmt.Fprintln(w)
	}
	callFrom := func(who, from string) error {
		transcript.Reset()
		x, err := engine.Start(ctx, runtime.StartRequest{Trigger: runtime.TriggerCall, Contact: from, FlowAddress: number, CallSid: "CA" + from})
		if err != nil {
			fmt.Fprintf(w, "  call from %s: refused: %v\n", who, err)
			return nil
		}
		fmt.Fprintf(w, "  call from %s runs revision %d:\n", who, x.Revision)
		for _, line := range transcript.Lines() {
			fmt.Fprintln(w, "    "+line)
		}
		return nil
	}

	// 1. Create: a flow starts as a draft. A draft takes no calls.
	broken := v1.Clone()
	broken.States[1].Transitions[0].Next = "queue" // no such state
	item, draft, err := cat.Create(ctx, admin, version.KindFlow, "Support line", "Main support number", broken, "first sketch")
	if err != nil {
		return err
	}
	show("created a draft")
	fmt.Fprintf(w, "  problems saved with r%d: %s\n", draft.Revision, draft.Problems.Errors())
	if _, err := cat.Publish(ctx, admin, item.ID, draft.Revision); err != nil {
		fmt.Fprintf(w, "  publish refused: %s\n", ruleOf(err))
	}
	if err := cat.Assign(ctx, admin, number, item.ID); err != nil {
		fmt.Fprintf(w, "  assign refused: %s\n", ruleOf(err))
	}

	// 2. Save and validate, then publish and assign to a number.
	draft, err = cat.SaveDraft(ctx, admin, item.ID, draft.Revision, v1, "fix the dangling exit")
	if err != nil {
		return err
	}
	show("saved the fixed draft (validated)")
	if _, err := cat.Publish(ctx, admin, item.ID, draft.Revision); err != nil {
		return err
	}
	if err := cat.Assign(ctx, admin, number, item.ID); err != nil {
		return err
	}
	show("published and assigned to " + number)
	if err := callFrom("a customer", "+15550001"); err != nil {
		return err
	}

	// 3. Edit: a draft copy; the published version keeps serving. Test
	// users reach the draft.
	draft, err = cat.Edit(ctx, admin, item.ID)
	if err != nil {
		return err
	}
	if _, err := cat.Edit(ctx, admin, item.ID); err != nil {
		fmt.Fprintf(w, "  a second edit is refused: %s\n", ruleOf(err))
	}
	draft, err = cat.SaveDraft(ctx, admin, item.ID, draft.Revision, v2, "text a help link")
	if err != nil {
		return err
	}
	if err := cat.SetTestUsers(ctx, admin, item.ID, []string{"+15550999"}); err != nil {
		return err
	}
	show("edited: a new draft beside the published")
	if err := callFrom("a customer", "+15550001"); err != nil {
		return err
	}
	if err := callFrom("the test user", "+15550999"); err != nil {
		return err
	}

	// 4. Publish the draft: the old published version is archived.
	if _, err := cat.Publish(ctx, admin, item.ID, draft.Revision); err != nil {
		return err
	}
	show("published the draft")
	if err := callFrom("a customer", "+15550001"); err != nil {
		return err
	}

	// 5. Restore the archived version: a draft copy, the archive stays.
	restored, err := cat.Restore(ctx, admin, item.ID, 2)
	if err != nil {
		return err
	}
	show(fmt.Sprintf("restored r2 as draft r%d", restored.Revision))

	// 6. Discard the draft; only a draft can be discarded.
	if err := cat.Discard(ctx, admin, item.ID, restored.Revision); err != nil {
		return err
	}
	show("discarded the restored draft")
	if err := cat.Discard(ctx, admin, item.ID, 4); err != nil {
		fmt.Fprintf(w, "  discarding the published version is refused: %s\n", ruleOf(err))
	}

	// 7. Duplicate an archived version into a new flow, as a draft.
	dup, dv, err := cat.Duplicate(ctx, admin, item.ID, 2, "Support line (copy)")
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "duplicated r2 into a new flow %q: r%d:%s\n", dup.Name, dv.Revision, dv.Status)
	return nil
}

// sequentialFlowIDs names flows FWsupport, FWsupport2, ... so the output
// is the same on every run.
func sequentialFlowIDs() func(version.Kind) string {
	n := 0
	return func(version.Kind) string {
		n++
		if n == 1 {
			return "FWsupport"
		}
		return fmt.Sprintf("FWsupport%d", n)
	}
}

func ruleOf(err error) string {
	var te *version.TransitionError
	if errors.As(err, &te) {
		return string(te.Rule)
	}
	return err.Error()
}
