package version

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Assign routes address (a phone number or messaging address, matched
// exactly after trimming spaces) to the published version of a flow. A flow
// without a published version cannot be assigned (RuleAssignPublishedOnly),
// and an address maps to one flow (RuleAddressTaken: unassign it first).
// Assigning an address the flow already has does nothing.
func (c *Catalog) Assign(ctx context.Context, actor Actor, address, flowID string) error {
	address = strings.TrimSpace(address)
	if address == "" {
		return invalid("assign %s: empty address", flowID)
	}
	cur, err := c.load(ctx, actor, OpAssign, flowID)
	if err != nil {
		return err
	}
	if cur.Kind != KindFlow {
		return refuse(OpAssign, RuleFlowsOnly, cur, nil)
	}
	if cur.Published() == nil {
		return refuse(OpAssign, RuleAssignPublishedOnly, cur, nil)
	}
	if slices.Contains(cur.Addresses, address) {
		return nil
	}
	switch other, err := c.store.GetByAddress(ctx, address); {
	case err == nil:
		e := refuse(OpAssign, RuleAddressTaken, cur, nil)
		e.Detail = fmt.Sprintf("address %q is assigned to %s", address, other.ID)
		return e
	case !errors.Is(err, ErrNotFound):
		return err
	}
	next := cur.next()
	next.Addresses = append(next.Addresses, address)
	slices.Sort(next.Addresses)
	return c.commit(ctx, OpAssign, cur, next, c.now())
}

// Unassign removes address from the flow it is assigned to. It is
// authorized as OpAssign.
func (c *Catalog) Unassign(ctx context.Context, actor Actor, address string) error {
	address = strings.TrimSpace(address)
	cur, err := c.store.GetByAddress(ctx, address)
	if err != nil {
		return err
	}
	if err := c.authorize(ctx, actor, OpAssign, cur.Kind); err != nil {
		return err
	}
	next := cur.next()
	next.Addresses = slices.DeleteFunc(next.Addresses, func(a string) bool { return a == address })
	return c.commit(ctx, OpAssign, cur, next, c.now())
}

// SetTestUsers replaces the flow's test users: contact addresses (matched
// exactly after trimming spaces) that reach the flow's draft instead of its
// published version. Empty entries and repeats are dropped.
func (c *Catalog) SetTestUsers(ctx context.Context, actor Actor, flowID string, contacts []string) error {
	cur, err := c.load(ctx, actor, OpSetTestUsers, flowID)
	if err != nil {
		return err
	}
	if cur.Kind != KindFlow {
		return refuse(OpSetTestUsers, RuleFlowsOnly, cur, nil)
	}
	var users []string
	for _, u := range contacts {
		if u = strings.TrimSpace(u); u != "" && !slices.Contains(users, u) {
			users = append(users, u)
		}
	}
	next := cur.next()
	next.TestUsers = users
	return c.commit(ctx, OpSetTestUsers, cur, next, c.now())
}
