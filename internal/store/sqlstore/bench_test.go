package sqlstore_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/audit"
	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/org"
	"github.com/gatehouse-auth/gatehouse/internal/project"
	"github.com/gatehouse-auth/gatehouse/internal/secretkey"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/store/sqlstore"
	"github.com/gatehouse-auth/gatehouse/internal/testdb"
	"github.com/gatehouse-auth/gatehouse/internal/user"
)

// Benchmarks for the lookups on request paths. Run them with
//
//	GATEHOUSE_TEST_POSTGRES_URL=postgres://... go test ./internal/store/sqlstore -run '^$' -bench Store
//
// and the 1k→1M flatness measurement (seeds a million users per engine) with
//
//	GATEHOUSE_SCALE=1 go test ./internal/store/sqlstore -run '^$' -bench Scale -timeout 60m
//
// docs/performance.md records the figures.

// benchEngine is a migrated store plus a raw database/sql pool on the same
// database, for the engine's own cost of a point query as a baseline.
type benchEngine struct {
	name string
	db   *sqlstore.DB
	raw  *sql.DB
	// rawMapped (SQLite only) reads the same file through a memory map and
	// a 64 MiB page cache instead of the default 2 MiB cache, to show what
	// those settings would change for databases larger than the cache.
	rawMapped *sql.DB
	// userByPK and mappedUserByPK are prepared once, so the baselines
	// measure the engine's read rather than parsing the SQL every time.
	userByPK, mappedUserByPK *sql.Stmt
}

// prepare readies the baseline statements; the tables exist by now.
func (e *benchEngine) prepare(b *testing.B) {
	var err error
	if e.userByPK, err = e.raw.PrepareContext(b.Context(), userByPK); err != nil {
		b.Fatalf("prepare baseline: %v", err)
	}
	b.Cleanup(func() { e.userByPK.Close() })
	if e.rawMapped != nil {
		if e.mappedUserByPK, err = e.rawMapped.PrepareContext(b.Context(), userByPK); err != nil {
			b.Fatalf("prepare mapped baseline: %v", err)
		}
		b.Cleanup(func() { e.mappedUserByPK.Close() })
	}
}

func benchEngines(b *testing.B) []benchEngine {
	out := []benchEngine{openSQLiteBench(b)}
	if os.Getenv(testdb.PostgresEnv) != "" {
		out = append(out, openPostgresBench(b))
	}
	return out
}

func openMigrated(b *testing.B, url string) *sqlstore.DB {
	db, err := sqlstore.Open(b.Context(), sqlstore.Config{URL: url})
	if err != nil {
		b.Fatalf("open %s: %v", url, err)
	}
	b.Cleanup(func() { db.Close() })
	if err := db.Migrate(b.Context()); err != nil {
		b.Fatalf("migrate: %v", err)
	}
	return db
}

func openSQLiteBench(b *testing.B) benchEngine {
	path := filepath.Join(b.TempDir(), "bench.db")
	db := openMigrated(b, "sqlite:"+path)
	// Same pragmas as the store's read pool.
	raw, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)&_pragma=query_only(1)&_pragma=synchronous(NORMAL)")
	if err != nil {
		b.Fatalf("open raw sqlite: %v", err)
	}
	b.Cleanup(func() { raw.Close() })
	mapped, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)&_pragma=query_only(1)&_pragma=mmap_size(2147483648)&_pragma=cache_size(-65536)")
	if err != nil {
		b.Fatalf("open mapped sqlite: %v", err)
	}
	b.Cleanup(func() { mapped.Close() })
	e := benchEngine{name: db.Engine(), db: db, raw: raw, rawMapped: mapped}
	e.prepare(b)
	return e
}

func openPostgresBench(b *testing.B) benchEngine {
	url := testdb.PostgresURL(b)
	db := openMigrated(b, url)
	raw, err := sql.Open("pgx", url)
	if err != nil {
		b.Fatalf("open raw postgres: %v", err)
	}
	b.Cleanup(func() { raw.Close() })
	e := benchEngine{name: db.Engine(), db: db, raw: raw}
	e.prepare(b)
	return e
}

// analyze refreshes Postgres' planner statistics after a bulk load, which
// autovacuum would do on its own within a minute or so; measuring before it
// runs would measure its timing, not the queries. SQLite's planner needs no
// statistics for these single-index queries.
func (e benchEngine) analyze(b *testing.B) {
	if e.name != sqlstore.EnginePostgres {
		return
	}
	if _, err := e.raw.ExecContext(b.Context(), "ANALYZE"); err != nil {
		b.Fatalf("analyze: %v", err)
	}
}

// population is a project of n users over ceil(n/1000) organizations.
// User i was created i milliseconds after the first, so IDs ascend with i,
// and belongs to organization i mod len(orgs): as in a live multi-tenant
// table, each organization's users are spread over the whole table, while
// rows are stored in creation (= ID) order. Emails and organizations follow
// from the index, so only the IDs are kept (a million is ~60 MB).
type population struct {
	p     *project.Project
	orgs  []*org.Organization
	users []id.User
}

const (
	usersPerOrg = 1000
	seedBatch   = 5000
)

func emailOf(i int) string { return "user" + strconv.Itoa(i) + "@example.com" }

func (pop *population) orgOf(i int) *org.Organization { return pop.orgs[i%len(pop.orgs)] }

// seed creates a project with n users through the store's own Write, in
// transactions of up to 5,000 users. With several writers, writer k takes the
// users of the organizations ≡ k (mod writers), so concurrent transactions
// never update the same organization's member count (Postgres runs them in
// parallel; SQLite would queue them, so it gets one).
func seed(ctx context.Context, st store.Store, n, writers int) (*population, error) {
	first := time.Now().Add(-time.Duration(n) * time.Millisecond)
	p, err := project.New("Bench", first)
	if err != nil {
		return nil, err
	}
	pop := &population{p: p, users: make([]id.User, n)}
	for i := range (n + usersPerOrg - 1) / usersPerOrg {
		o, err := org.New(p.ID, fmt.Sprintf("Customer %d", i), first)
		if err != nil {
			return nil, err
		}
		pop.orgs = append(pop.orgs, o)
	}
	err = st.Write(ctx, func(w store.Writer) error {
		if err := w.CreateProject(ctx, p); err != nil {
			return err
		}
		for _, o := range pop.orgs {
			if err := w.CreateOrganization(ctx, o); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("seed project: %w", err)
	}
	for len(pop.orgs)%writers != 0 {
		writers--
	}
	errs := make([]error, writers)
	var wg sync.WaitGroup
	for k := range writers {
		wg.Go(func() {
			var batch []int
			for i := k; i < n; i += writers {
				batch = append(batch, i)
				if len(batch) == seedBatch || i+writers >= n {
					if errs[k] = pop.seedBatch(ctx, st, first, batch); errs[k] != nil {
						return
					}
					batch = batch[:0]
				}
			}
		})
	}
	wg.Wait()
	return pop, errors.Join(errs...)
}

func (pop *population) seedBatch(ctx context.Context, st store.Store, first time.Time, batch []int) error {
	us := make([]*user.User, len(batch))
	for j, i := range batch {
		u, err := user.New(pop.p.ID, pop.orgOf(i).ID, emailOf(i), "User "+strconv.Itoa(i), first.Add(time.Duration(i)*time.Millisecond))
		if err != nil {
			return err
		}
		us[j] = u
	}
	err := st.Write(ctx, func(w store.Writer) error {
		for _, u := range us {
			if err := w.CreateUser(ctx, u); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("seed users %d..%d: %w", batch[0], batch[len(batch)-1], err)
	}
	for j, i := range batch {
		pop.users[i] = us[j].ID
	}
	return nil
}

// writers is how many concurrent seeding transactions an engine benefits from.
func writers(engine string) int {
	if engine == sqlstore.EnginePostgres {
		return 4
	}
	return 1
}

// lookups are the user reads measured at every size.
func (pop *population) lookups(st store.Store) []struct {
	name string
	fn   func(ctx context.Context, r *rand.Rand) error
} {
	pid := pop.p.ID
	n := len(pop.users)
	return []struct {
		name string
		fn   func(ctx context.Context, r *rand.Rand) error
	}{
		{"GetUser", func(ctx context.Context, r *rand.Rand) error {
			_, err := st.GetUser(ctx, pid, pop.users[r.IntN(n)])
			return err
		}},
		{"GetUserByEmail", func(ctx context.Context, r *rand.Rand) error {
			i := r.IntN(n)
			_, err := st.GetUserByEmail(ctx, pid, pop.orgOf(i).ID, emailOf(i))
			return err
		}},
		{"ListUsers/first-page", func(ctx context.Context, r *rand.Rand) error {
			return wantPage(st.ListUsers(ctx, pid, store.UserFilter{}, store.Page{Limit: 50}))
		}},
		{"ListUsers/deep-page", func(ctx context.Context, r *rand.Rand) error {
			// Any page: after a random user, short pages near the end allowed.
			_, err := st.ListUsers(ctx, pid, store.UserFilter{}, store.Page{After: string(pop.users[r.IntN(n)]), Limit: 50})
			return err
		}},
		{"ListUsers/org-first-page", func(ctx context.Context, r *rand.Rand) error {
			o := pop.orgs[r.IntN(len(pop.orgs))]
			return wantPage(st.ListUsers(ctx, pid, store.UserFilter{OrganizationID: o.ID}, store.Page{Limit: 50}))
		}},
		{"ListUsers/org-deep-page", func(ctx context.Context, r *rand.Rand) error {
			i := r.IntN(n)
			_, err := st.ListUsers(ctx, pid, store.UserFilter{OrganizationID: pop.orgOf(i).ID},
				store.Page{After: string(pop.users[i]), Limit: 50})
			return err
		}},
	}
}

// wantPage turns a short first page into an error, so a broken query cannot
// look fast.
func wantPage(us []*user.User, err error) error {
	if err == nil && len(us) == 0 {
		return fmt.Errorf("empty first page")
	}
	return err
}

// runLookup benchmarks fn with a random sequence fixed by seed.
func runLookup(b *testing.B, seed uint64, fn func(ctx context.Context, r *rand.Rand) error) {
	ctx := b.Context()
	r := rand.New(rand.NewPCG(seed, 2))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if err := fn(ctx, r); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkStore measures the hot lookups on a project with 10,000 users in
// ten organizations, 2,000 audit events and 20 secret keys, next to the
// engine's raw cost of a point query through database/sql.
func BenchmarkStore(b *testing.B) {
	for _, eng := range benchEngines(b) {
		st := eng.db
		ctx := b.Context()
		pop, err := seed(ctx, st, 10_000, writers(eng.name))
		if err != nil {
			b.Fatal(err)
		}
		pid := pop.p.ID

		var hashes [][]byte
		var evs []*audit.Event
		err = st.Write(ctx, func(w store.Writer) error {
			for i := range 20 {
				k, secret := secretkey.Generate(pid, fmt.Sprintf("key %d", i), time.Now())
				if err := w.CreateSecretKey(ctx, k); err != nil {
					return err
				}
				hashes = append(hashes, secretkey.Hash(secret))
			}
			base := time.Now().Add(-time.Hour)
			for i := range 2000 {
				at := base.Add(time.Duration(i) * time.Millisecond)
				o := pop.orgs[i%len(pop.orgs)]
				ev := &audit.Event{
					ID: id.New[id.AuditEvent](at), ProjectID: pid, OrganizationID: o.ID,
					Actor: audit.System("bench"), Type: "user.updated", ResourceType: "user",
					ResourceID: string(pop.users[i]), Details: audit.Details(map[string]any{"n": i}, map[string]any{"n": i + 1}),
					OccurredAt: at,
				}
				if err := w.InsertAuditEvent(ctx, ev); err != nil {
					return err
				}
				evs = append(evs, ev)
			}
			return nil
		})
		if err != nil {
			b.Fatalf("seed keys and events: %v", err)
		}
		eng.analyze(b)

		b.Run(eng.name+"/baseline/select-1", func(b *testing.B) {
			runLookup(b, 1, func(ctx context.Context, _ *rand.Rand) error {
				var one int
				return eng.raw.QueryRowContext(ctx, "SELECT 1").Scan(&one)
			})
		})
		b.Run(eng.name+"/baseline/raw-user-by-pk", func(b *testing.B) {
			// The same row GetUser reads, without the store's mapping.
			runLookup(b, 1, func(ctx context.Context, r *rand.Rand) error {
				return scanUser(eng.raw.QueryRowContext(ctx, userByPK, string(pid), string(pop.users[r.IntN(len(pop.users))])))
			})
		})
		b.Run(eng.name+"/baseline/raw-id-by-pk", func(b *testing.B) {
			// The engine's floor for an indexed point read: one short column.
			runLookup(b, 1, func(ctx context.Context, r *rand.Rand) error {
				var uid string
				return eng.raw.QueryRowContext(ctx, "SELECT id FROM users WHERE id = $1",
					string(pop.users[r.IntN(len(pop.users))])).Scan(&uid)
			})
		})
		b.Run(eng.name+"/baseline/raw-user-by-pk-prepared", func(b *testing.B) {
			// As raw-user-by-pk, with the statement prepared once: the part
			// of a point read that is parsing and planning the SQL.
			stmt, err := eng.raw.PrepareContext(ctx, userByPK)
			if err != nil {
				b.Fatal(err)
			}
			defer stmt.Close()
			runLookup(b, 1, func(ctx context.Context, r *rand.Rand) error {
				return scanUser(stmt.QueryRowContext(ctx, string(pid), string(pop.users[r.IntN(len(pop.users))])))
			})
		})
		b.Run(eng.name+"/GetSecretKeyByHash", func(b *testing.B) {
			runLookup(b, 1, func(ctx context.Context, r *rand.Rand) error {
				_, err := st.GetSecretKeyByHash(ctx, hashes[r.IntN(len(hashes))])
				return err
			})
		})
		b.Run(eng.name+"/GetOrganization", func(b *testing.B) {
			runLookup(b, 1, func(ctx context.Context, r *rand.Rand) error {
				_, err := st.GetOrganization(ctx, pid, pop.orgs[r.IntN(len(pop.orgs))].ID)
				return err
			})
		})
		for _, l := range pop.lookups(st) {
			b.Run(eng.name+"/"+l.name, func(b *testing.B) { runLookup(b, 1, l.fn) })
		}
		b.Run(eng.name+"/ListAuditEvents/first-page", func(b *testing.B) {
			runLookup(b, 1, func(ctx context.Context, _ *rand.Rand) error {
				got, err := st.ListAuditEvents(ctx, pid, audit.Filter{}, store.Page{Limit: 50})
				if err == nil && len(got) != 50 {
					return fmt.Errorf("audit page of %d events", len(got))
				}
				return err
			})
		})
		b.Run(eng.name+"/ListAuditEvents/org-deep-page", func(b *testing.B) {
			runLookup(b, 1, func(ctx context.Context, r *rand.Rand) error {
				ev := evs[r.IntN(len(evs))]
				_, err := st.ListAuditEvents(ctx, pid, audit.Filter{OrganizationID: ev.OrganizationID}, store.Page{After: string(ev.ID), Limit: 50})
				return err
			})
		})
	}
}

// userByPK reads the row GetUser reads, for the raw baselines.
const userByPK = "SELECT id, project_id, organization_id, email, email_verified, display_name, status, created_at, updated_at, last_login_at FROM users WHERE project_id = $1 AND id = $2"

func scanUser(row *sql.Row) error {
	var (
		uid, pj, oid, email, name, status string
		verified                          bool
		created, updated                  time.Time
		last                              sql.NullTime
	)
	return row.Scan(&uid, &pj, &oid, &email, &verified, &name, &status, &created, &updated, &last)
}

// lookup is one measured read.
type lookup = struct {
	name string
	fn   func(ctx context.Context, r *rand.Rand) error
}

// scaleLookups are the store's user reads plus a raw, prepared point read of
// the same row through database/sql: the engine's own cost at that size.
func scaleLookups(eng benchEngine, pop *population) []lookup {
	pid := string(pop.p.ID)
	raw := func(stmt *sql.Stmt) func(ctx context.Context, r *rand.Rand) error {
		return func(ctx context.Context, r *rand.Rand) error {
			return scanUser(stmt.QueryRowContext(ctx, pid, string(pop.users[r.IntN(len(pop.users))])))
		}
	}
	ls := append(pop.lookups(eng.db), lookup{"baseline/raw-user-by-pk-prepared", raw(eng.userByPK)})
	if eng.mappedUserByPK != nil {
		ls = append(ls, lookup{"baseline/raw-user-by-pk-prepared-mmap", raw(eng.mappedUserByPK)})
	}
	return ls
}

// scaleConfig reads GATEHOUSE_SCALE and GATEHOUSE_SCALE_ROUNDS. An unset
// GATEHOUSE_SCALE skips the scale run; "1" (or any value up to 1000) runs up
// to a million users; a larger number caps the largest size.
func scaleConfig(b *testing.B) (sizes []int, rounds int) {
	v := os.Getenv("GATEHOUSE_SCALE")
	if v == "" {
		b.Skip("set GATEHOUSE_SCALE=1 to seed up to 1M users per engine (takes minutes)")
	}
	limit := 1_000_000
	if n, err := strconv.Atoi(v); err == nil && n > 1000 {
		limit = n
	}
	for _, s := range []int{1_000, 10_000, 100_000, 1_000_000} {
		if s <= limit {
			sizes = append(sizes, s)
		}
	}
	rounds = 5
	if n, err := strconv.Atoi(os.Getenv("GATEHOUSE_SCALE_ROUNDS")); err == nil && n > 0 {
		rounds = n
	}
	return sizes, rounds
}

// BenchmarkScale measures the user lookups on one project of 1k, 10k, 100k
// and 1M users (1,000 per organization), each size in its own database. They
// should stay flat because each is one index lookup or one index range scan.
//
// The machine's load drifts, so rather than -count (which repeats one
// sub-benchmark back to back) the whole matrix runs GATEHOUSE_SCALE_ROUNDS
// times (default 5), all sizes of one lookup side by side in every round,
// each round with its own random keys. Repeated names get a #NN suffix;
// docs/performance.md shows how to take the median per name.
func BenchmarkScale(b *testing.B) {
	sizes, rounds := scaleConfig(b)
	type sized struct {
		eng  benchEngine
		size int
		pop  *population
	}
	var all []*sized
	for _, size := range sizes {
		for _, eng := range benchEngines(b) {
			all = append(all, &sized{eng: eng, size: size})
		}
	}
	// Seeding dominates the run time: seed every database at once.
	start := time.Now()
	errs := make([]error, len(all))
	var wg sync.WaitGroup
	for i, s := range all {
		wg.Go(func() {
			t0 := time.Now()
			s.pop, errs[i] = seed(b.Context(), s.eng.db, s.size, writers(s.eng.name))
			b.Logf("seeded %s with %d users in %v", s.eng.name, s.size, time.Since(t0).Round(time.Second))
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("seeding took %v", time.Since(start).Round(time.Second))
	for _, s := range all {
		s.eng.analyze(b)
	}

	engines := []string{}
	for _, s := range all {
		if !slices.Contains(engines, s.eng.name) {
			engines = append(engines, s.eng.name)
		}
	}
	nOps := 0
	for _, s := range all {
		nOps = max(nOps, len(scaleLookups(s.eng, s.pop)))
	}
	for round := range rounds {
		for _, engName := range engines {
			for op := range nOps {
				for _, s := range all {
					if s.eng.name != engName {
						continue
					}
					ls := scaleLookups(s.eng, s.pop)
					if op >= len(ls) {
						continue
					}
					l := ls[op]
					b.Run(fmt.Sprintf("%s/%s/users=%d", engName, l.name, s.size), func(b *testing.B) {
						runLookup(b, uint64(round+1), l.fn)
					})
				}
			}
		}
	}
}
