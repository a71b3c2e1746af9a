package version_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/studioflow/studioflow/flow"
	"github.com/studioflow/studioflow/version"
)

// The lifecycle of a flow: create, save, publish, edit, publish again, and
// restore the first published version as a new draft.
func ExampleCatalog_lifecycle() {
	ctx := context.Background()
	cat := version.NewCatalog(
		version.WithIDs(func(version.Kind) string { return "FW0001" }),
		version.WithClock(func() time.Time { return time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC) }),
	)
	ana := version.Actor{ID: "ana"}
	def, _ := flow.Parse([]byte(`{"initial_state": "Trigger", "states": [
		{"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingCall", "next": "greet"}]},
		{"name": "greet", "type": "say-play", "properties": {"say": "Hello"}}]}`))

	item, v, _ := cat.Create(ctx, ana, version.KindFlow, "Main IVR", "front door", def, "first cut")
	_ = def.States[1].SetProperty("say", "Welcome to Acme")
	v, _ = cat.SaveDraft(ctx, ana, item.ID, v.Revision, def, "warmer greeting")
	first, _ := cat.Publish(ctx, ana, item.ID, v.Revision)

	v, _ = cat.Edit(ctx, ana, item.ID)
	_ = def.States[1].SetProperty("say", "Welcome to Acme, we moved!")
	v, _ = cat.SaveDraft(ctx, ana, item.ID, v.Revision, def, "announce the move")
	_, _ = cat.Publish(ctx, ana, item.ID, v.Revision)

	_, _ = cat.Restore(ctx, ana, item.ID, first.Revision)

	versions, _ := cat.Versions(ctx, ana, item.ID)
	for _, v := range versions {
		var say string
		_, _ = v.Definition.States[1].Property("say", &say)
		fmt.Printf("revision %d %-9s %-26q says %q\n", v.Revision, v.Status, v.Message, say)
	}
	live, _ := cat.Resolve(ctx, item.ID, version.LatestPublished)
	fmt.Println("new calls run revision", live.Revision)
	// Output:
	// revision 2 archived  "warmer greeting"          says "Welcome to Acme"
	// revision 4 published "announce the move"        says "Welcome to Acme, we moved!"
	// revision 5 draft     "Restored from revision 2" says "Welcome to Acme"
	// new calls run revision 4
}

// Test users reach the draft; everyone else reaches the published version.
func ExampleCatalog_ResolveAddress() {
	ctx := context.Background()
	cat := version.NewCatalog(version.WithClock(func() time.Time { return time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC) }))
	admin := version.Actor{ID: "admin"}
	def, _ := flow.Parse([]byte(`{"initial_state": "Trigger", "states": [
		{"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingMessage"}]}]}`))

	item, v, _ := cat.Create(ctx, admin, version.KindFlow, "Support", "", def, "")
	_, _ = cat.Publish(ctx, admin, item.ID, v.Revision)
	_ = cat.Assign(ctx, admin, "+15550100", item.ID)
	_, _ = cat.Edit(ctx, admin, item.ID)
	_ = cat.SetTestUsers(ctx, admin, item.ID, []string{"+15559999"})

	for _, contact := range []string{"+15551234", "+15559999"} {
		r, _ := cat.ResolveAddress(ctx, "+15550100", contact)
		fmt.Println(contact, "runs revision", r.Revision, r.Status)
	}
	// Output:
	// +15551234 runs revision 1 published
	// +15559999 runs revision 2 draft
}

// Importing a flow whose module the catalog does not have keeps it as a
// draft and reports the reference as a problem, so it cannot be published
// until the module is there.
func ExampleCatalog_Import() {
	ctx := context.Background()
	cat := version.NewCatalog(version.WithClock(func() time.Time { return time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC) }))
	admin := version.Actor{ID: "admin"}
	data := []byte(`{"initial_state": "Trigger", "states": [
		{"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingCall", "next": "hours"}]},
		{"name": "hours", "type": "run-module", "transitions": [{"event": "open"}],
		 "properties": {"module": "Business hours"}}]}`)

	item, v, problems, _ := cat.Import(ctx, admin, version.KindFlow, "Main", data)
	fmt.Println(problems)
	_, err := cat.Publish(ctx, admin, item.ID, v.Revision)
	fmt.Println(errors.Is(err, version.ErrConflict), errors.Is(err, flow.ErrInvalid))
	// Output:
	// error #/states/1/properties/module (state "hours"): module "Business hours" is not in the catalog [version.module_unresolved]
	// true true
}
