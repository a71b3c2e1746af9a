package version_test

import (
	"testing"

	"github.com/studioflow/studioflow/version"
)

// The runtime's read paths, run at every call start.
func BenchmarkResolve(b *testing.B) {
	c := newCatalog()
	id := published(b, c, "IVR")
	if err := c.Assign(ctx, alice, "+15550100", id); err != nil {
		b.Fatal(err)
	}
	if err := c.SetTestUsers(ctx, alice, id, []string{"+15559999"}); err != nil {
		b.Fatal(err)
	}
	b.Run("Resolve", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := c.Resolve(ctx, id, version.LatestPublished); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("SharedResolve", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := c.Shared().Resolve(ctx, id, version.LatestPublished); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("ResolveAddress", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := c.ResolveAddress(ctx, "+15550100", "+15551234"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("ResolveAddressParallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := c.ResolveAddress(ctx, "+15550100", "+15559999"); err != nil {
					b.Error(err) // Fatal must not be called from RunParallel's goroutines
					return
				}
			}
		})
	})
}
