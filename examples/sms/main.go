// Command sms runs seed 002's SMS module: one module checks a phone
// number's format and the customer's SMS opt-in and sends the message; two
// flows invoke it with their own arguments and read its outputs: a
// password reset started by an API request, and a bank-balance line
// answering calls.
//
//	go run ./examples/sms
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
	// The real clock, in UTC like the engine's default.
	if err := run(os.Stdout, func() time.Time { return time.Now().UTC() }); err != nil {
		fmt.Fprintln(os.Stderr, "sms:", err)
		os.Exit(1)
	}
}

// run publishes and runs the flows with a catalog and an engine whose clock
// is now: the test passes a fixed clock so it replays the example
// deterministically.
func run(w io.Writer, now func() time.Time) error {
	ctx := context.Background()
	// Seed 002 separates module designers from flow designers.
	moduleDesigner := version.Actor{ID: "mo", Roles: []version.Role{version.RoleModuleDesigner}}
	flowDesigner := version.Actor{ID: "flo", Roles: []version.Role{version.RoleFlowDesigner}}
	reg := standard.New()
	cat := version.NewCatalog(version.WithStandardChecks(reg), version.WithAuthorizer(version.DefaultRolePolicy()),
		version.WithClock(now))
	services, transcript := fake.Services()
	src := runtime.CatalogSource{Catalog: cat}
	engine := runtime.New(runtime.WithWidgets(reg), runtime.WithSource(src), runtime.WithModules(src),
		runtime.WithServices(services), runtime.WithIDs(runtime.SequentialIDs()), runtime.WithClock(now))

	publish := func(actor version.Actor, kind version.Kind, name, file string) (*version.Item, error) {
		data, err := files.ReadFile(file)
		if err != nil {
			return nil, err
		}
		def, err := flow.Parse(data)
		if err != nil {
			return nil, err
		}
		item, v, err := cat.Create(ctx, actor, kind, name, "", def, "from "+file)
		if err != nil {
			return nil, err
		}
		if _, err := cat.Publish(ctx, actor, item.ID, v.Revision); err != nil {
			return nil, err
		}
		fmt.Fprintf(w, "%s published %s %q\n", actor.ID, kind, name)
		return item, nil
	}
	if _, err := publish(flowDesigner, version.KindModule, "Send SMS", "send_sms_module.json"); err != nil {
		fmt.Fprintf(w, "flo may not publish modules: %v\n", err)
	}
	if _, err := publish(moduleDesigner, version.KindModule, "Send SMS", "send_sms_module.json"); err != nil {
		return err
	}
	reset, err := publish(flowDesigner, version.KindFlow, "Password reset", "password_reset.json")
	if err != nil {
		return err
	}
	balance, err := publish(flowDesigner, version.KindFlow, "Bank balance", "bank_balance.json")
	if err != nil {
		return err
	}

	start := func(label string, req runtime.StartRequest) error {
		transcript.Reset()
		x, err := engine.Start(ctx, req)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "\n%s\n", label)
		for _, line := range transcript.Lines() {
			fmt.Fprintln(w, "  "+line)
		}
		out := x.Widgets()["sms"].(map[string]any)
		if exit, ok := out["exit"]; ok {
			fmt.Fprintf(w, "  the module returned through exit %q\n", exit)
		} else {
			fmt.Fprintf(w, "  the run-module step failed: %s\n", out["error"])
		}
		fmt.Fprintf(w, "  flow variables: %v\n", x.Variables())
		return nil
	}
	resetFor := func(phone, optIn string) runtime.StartRequest {
		return runtime.StartRequest{FlowSid: reset.ID, Trigger: runtime.TriggerRequest, Contact: phone, FlowAddress: "+18005550100",
			Parameters: map[string]any{"phone": phone, "sms_opt_in": optIn, "code": "482913"}}
	}
	for _, c := range []struct{ label, phone, optIn string }{
		{"password reset for an opted-in customer:", "+351912345678", "true"},
		{"password reset for a customer without SMS opt-in:", "+351912345679", "false"},
		{"password reset with a malformed number:", "912345678", "true"},
		{"password reset with an opt-in flag that is not a Boolean:", "+351912345670", "perhaps"},
	} {
		if err := start(c.label, resetFor(c.phone, c.optIn)); err != nil {
			return err
		}
	}
	return start("a call to the bank-balance line:", runtime.StartRequest{FlowSid: balance.ID, Trigger: runtime.TriggerCall,
		Contact: "+447700900123", FlowAddress: "+18005550200", CallSid: "CA1"})
}
