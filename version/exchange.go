package version

import (
	"context"
	"fmt"
	"strings"

	"github.com/studioflow/studioflow/flow"
)

// Export writes a version as JSON: a flow as Twilio Studio Flow JSON,
// indented as Twilio exports it; a module in the same format, which carries
// its contract (the begin-module arguments and the return-to-flow exits
// and outputs).
func (c *Catalog) Export(ctx context.Context, actor Actor, itemID string, revision int) ([]byte, error) {
	cur, err := c.load(ctx, actor, OpExport, itemID)
	if err != nil {
		return nil, err
	}
	v, err := target(cur, OpExport, revision)
	if err != nil {
		return nil, err
	}
	return flow.MarshalIndent(v.Definition)
}

// Import reads JSON written by Export (or by Twilio Studio) as a new item
// of the given kind, whose draft is revision 1. An empty name takes the
// document's description. The returned problems are the draft's: the
// check's, and the references the catalog cannot resolve (see the package
// documentation). JSON that does not parse is refused with an error
// wrapping ErrInvalid (a *flow.SyntaxError or *flow.DecodeError).
func (c *Catalog) Import(ctx context.Context, actor Actor, kind Kind, name string, data []byte) (*Item, *Version, flow.Problems, error) {
	if !kind.valid() {
		return nil, nil, nil, invalid("unknown kind %q", kind)
	}
	if err := c.authorize(ctx, actor, OpImport, kind); err != nil {
		return nil, nil, nil, err
	}
	def, err := flow.Parse(data)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("version: import: %w", err)
	}
	if strings.TrimSpace(name) == "" {
		name = def.Description
	}
	it, v, err := c.create(ctx, actor, OpImport, kind, name, def.Description, def, "Imported", Origin{Op: OpImport})
	if err != nil {
		return nil, nil, nil, err
	}
	return it, v, v.Problems, nil
}
