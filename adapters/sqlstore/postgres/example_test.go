package postgres_test

import (
	"context"
	"log"
	"os"

	"github.com/studioflow/studioflow/adapters/sqlstore"
	"github.com/studioflow/studioflow/adapters/sqlstore/postgres"
	"github.com/studioflow/studioflow/runtime"
	"github.com/studioflow/studioflow/version"
)

// A host keeps its executions and its catalog in its own PostgreSQL
// database, in a schema of their own, and hands the stores to the engine
// and the catalog it builds. (Not run: it needs a server.)
func Example() {
	ctx := context.Background()
	db, err := postgres.Open(ctx, os.Getenv("DATABASE_URL"), sqlstore.WithSchema("studioflow"))
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()

	engineOptions := []runtime.Option{runtime.WithStore(db.Executions())} // for runtime.New
	catalogOptions := []version.Option{version.WithStore(db.Catalog())}   // for version.NewCatalog
	_, _ = engineOptions, catalogOptions
}
