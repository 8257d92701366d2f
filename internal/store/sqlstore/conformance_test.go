package sqlstore_test

import (
	"testing"

	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/store/storetest"
	"github.com/gatehouse-auth/gatehouse/internal/testdb"
)

// TestConformance runs the storage conformance suite on every engine
// available: SQLite always, Postgres when GATEHOUSE_TEST_POSTGRES_URL is set.
// One database per engine serves all cases; each case makes its own projects.
func TestConformance(t *testing.T) {
	for _, eng := range testdb.Engines() {
		t.Run(eng.Name, func(t *testing.T) {
			t.Parallel()
			db := eng.Open(t)
			storetest.Run(t, func(testing.TB) store.Store { return db })
		})
	}
}
