package sqlstore_test

import (
	"testing"

	"github.com/studioflow/studioflow/runtime"
	runtimestoretest "github.com/studioflow/studioflow/runtime/storetest"
	"github.com/studioflow/studioflow/version"
	versionstoretest "github.com/studioflow/studioflow/version/storetest"
)

// The execution store keeps runtime.Store's contract.
func TestExecutionsConformance(t *testing.T) {
	eachBackend(t, func(t *testing.T, newPlace func(*testing.T) place) {
		runtimestoretest.Run(t, func(t *testing.T) runtime.Store { return newPlace(t).Open().Executions() })
	})
}

// The catalog store keeps version.Store's contract.
func TestCatalogConformance(t *testing.T) {
	eachBackend(t, func(t *testing.T, newPlace func(*testing.T) place) {
		versionstoretest.Run(t, func(t *testing.T) version.Store { return newPlace(t).Open().Catalog() })
	})
}
