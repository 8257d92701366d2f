package throttle_test

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/project"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/store/sqlstore"
	"github.com/gatehouse-auth/gatehouse/internal/testclock"
	"github.com/gatehouse-auth/gatehouse/internal/testdb"
	"github.com/gatehouse-auth/gatehouse/internal/throttle"
)

// clock is the shared settable test clock.
type clock = testclock.Clock

func newProject(t *testing.T, st store.Store, name string) id.Project {
	t.Helper()
	p, err := project.New(name, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Write(t.Context(), func(w store.Writer) error { return w.CreateProject(t.Context(), p) }); err != nil {
		t.Fatal(err)
	}
	return p.ID
}

// forEngine runs fn on SQLite and, when configured, Postgres.
func forEngine(t *testing.T, fn func(t *testing.T, db *sqlstore.DB)) {
	for _, eng := range testdb.Engines() {
		t.Run(eng.Name, func(t *testing.T) {
			t.Parallel()
			fn(t, eng.Open(t))
		})
	}
}

func allow(t *testing.T, l *throttle.Limiter, p id.Project, r throttle.Rule, key string) throttle.Decision {
	t.Helper()
	d, err := l.Allow(t.Context(), p, r, key)
	if err != nil {
		t.Fatalf("Allow(%s, %q): %v", r.Name, key, err)
	}
	return d
}

func TestLimitWindowAndReset(t *testing.T) {
	t.Parallel()
	forEngine(t, func(t *testing.T, db *sqlstore.DB) {
		clk := testclock.New(time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC))
		l := throttle.New(db, throttle.WithClock(clk.Now))
		p := newProject(t, db, "Throttled")
		rule := throttle.PasswordPerAccountIP
		start := clk.Now()

		for i := 1; i <= rule.Limit; i++ {
			d := allow(t, l, p, rule, "alice@example.com")
			if !d.Allowed || d.Remaining != rule.Limit-i || d.RetryAfter != 0 {
				t.Fatalf("hit %d of %d: %+v, want allowed with %d remaining", i, rule.Limit, d, rule.Limit-i)
			}
			clk.Advance(time.Minute)
		}
		// The 11th guess, 10 minutes into the 15-minute window.
		d := allow(t, l, p, rule, "alice@example.com")
		if d.Allowed || d.RetryAfter != start.Add(rule.Window).Sub(clk.Now()) {
			t.Fatalf("over the limit: %+v, want refused until %v", d, start.Add(rule.Window))
		}
		// Refused hits do not push the window out.
		clk.Advance(4 * time.Minute)
		if d := allow(t, l, p, rule, "alice@example.com"); d.Allowed || d.RetryAfter != time.Minute {
			t.Fatalf("still refused: %+v, want RetryAfter 1m", d)
		}
		// Other keys and other rules of the same key are unaffected.
		if d := allow(t, l, p, rule, "bob@example.com"); !d.Allowed {
			t.Fatalf("another account was throttled: %+v", d)
		}
		if d := allow(t, l, p, throttle.ResetPerAccount, "alice@example.com"); !d.Allowed {
			t.Fatalf("another rule for the same key was throttled: %+v", d)
		}
		// The key is compared trimmed and case-insensitively.
		if d := allow(t, l, p, rule, "  ALICE@example.com "); d.Allowed {
			t.Fatalf("a different spelling of the same email escaped the limit: %+v", d)
		}

		clk.Advance(time.Minute) // the window has passed
		if d := allow(t, l, p, rule, "alice@example.com"); !d.Allowed || d.Remaining != rule.Limit-1 {
			t.Fatalf("after the window: %+v, want allowed with a fresh count", d)
		}

		for range rule.Limit {
			allow(t, l, p, rule, "carol@example.com")
		}
		if d := allow(t, l, p, rule, "carol@example.com"); d.Allowed {
			t.Fatalf("carol over the limit was allowed")
		}
		if err := l.Reset(t.Context(), p, rule, "carol@example.com"); err != nil {
			t.Fatalf("Reset: %v", err)
		}
		if d := allow(t, l, p, rule, "carol@example.com"); !d.Allowed || d.Remaining != rule.Limit-1 {
			t.Fatalf("after Reset: %+v", d)
		}
	})
}

func TestProjectsCountSeparately(t *testing.T) {
	t.Parallel()
	forEngine(t, func(t *testing.T, db *sqlstore.DB) {
		clk := testclock.New(time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC))
		l := throttle.New(db, throttle.WithClock(clk.Now))
		a, b := newProject(t, db, "A"), newProject(t, db, "B")
		rule := throttle.SendPerEmail
		for range rule.Limit + 1 {
			allow(t, l, a, rule, "shared@example.com")
		}
		if d := allow(t, l, a, rule, "shared@example.com"); d.Allowed {
			t.Fatalf("baseline: project A over its limit was allowed")
		}
		if d := allow(t, l, b, rule, "shared@example.com"); !d.Allowed || d.Remaining != rule.Limit-1 {
			t.Fatalf("project B's bucket shares A's count: %+v", d)
		}
		// B resetting the same key leaves A throttled.
		if err := l.Reset(t.Context(), b, rule, "shared@example.com"); err != nil {
			t.Fatal(err)
		}
		if d := allow(t, l, a, rule, "shared@example.com"); d.Allowed {
			t.Fatalf("B's reset freed A's bucket")
		}
	})
}

// Sixteen goroutines (standing in for as many server instances) hit one
// bucket at once: exactly Limit are allowed and no hit is lost.
func TestConcurrentHitsCountExactly(t *testing.T) {
	t.Parallel()
	forEngine(t, func(t *testing.T, db *sqlstore.DB) {
		clk := testclock.New(time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC))
		l := throttle.New(db, throttle.WithClock(clk.Now))
		p := newProject(t, db, "Race")
		rule := throttle.Rule{Name: "race", Limit: 40, Window: time.Hour}
		const workers, each = 16, 5
		var allowed, refused atomic.Int32
		var wg sync.WaitGroup
		for range workers {
			wg.Go(func() {
				for range each {
					d, err := l.Allow(t.Context(), p, rule, "10.1.2.3")
					if err != nil {
						t.Errorf("Allow: %v", err)
						return
					}
					if d.Allowed {
						allowed.Add(1)
					} else {
						refused.Add(1)
					}
				}
			})
		}
		wg.Wait()
		if allowed.Load() != 40 || refused.Load() != workers*each-40 {
			t.Fatalf("%d allowed, %d refused of %d hits; want exactly 40 allowed", allowed.Load(), refused.Load(), workers*each)
		}
		// The count went on past the limit: one more hit is number 81.
		if d := allow(t, l, p, rule, "10.1.2.3"); d.Allowed || d.RetryAfter != time.Hour {
			t.Fatalf("after the race: %+v", d)
		}
	})
}

// The table holds hashes of keys, never the email addresses or IPs.
func TestKeysAreStoredHashed(t *testing.T) {
	t.Parallel()
	forEngine(t, func(t *testing.T, db *sqlstore.DB) {
		l := throttle.New(db)
		p := newProject(t, db, "Private")
		allow(t, l, p, throttle.SendPerEmail, "private.person@example.com")
		allow(t, l, p, throttle.SendPerIP, "203.0.113.77")
		for _, pool := range db.Pools() {
			rows, err := pool.QueryContext(t.Context(), "SELECT bucket FROM throttle_buckets WHERE project_id = $1", string(p))
			if err != nil {
				t.Fatal(err)
			}
			var buckets []string
			for rows.Next() {
				var b string
				if err := rows.Scan(&b); err != nil {
					t.Fatal(err)
				}
				buckets = append(buckets, b)
			}
			rows.Close()
			if len(buckets) != 2 {
				t.Fatalf("buckets: %q, want 2", buckets)
			}
			for _, b := range buckets {
				for _, secret := range []string{"private", "example", "203.0", "113.77"} {
					if strings.Contains(b, secret) {
						t.Fatalf("bucket %q contains %q", b, secret)
					}
				}
			}
		}
	})
}

func TestPrune(t *testing.T) {
	t.Parallel()
	forEngine(t, func(t *testing.T, db *sqlstore.DB) {
		clk := testclock.New(time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC))
		l := throttle.New(db, throttle.WithClock(clk.Now))
		p := newProject(t, db, "Prune")
		for range 3 {
			allow(t, l, p, throttle.ResetPerAccount, "old@example.com")
		}
		clk.Advance(2 * time.Hour)
		allow(t, l, p, throttle.ResetPerAccount, "new@example.com")
		n, err := l.Prune(t.Context(), time.Hour)
		if err != nil || n != 1 {
			t.Fatalf("Prune: %d, %v; want the 1 old bucket", n, err)
		}
		if d := allow(t, l, p, throttle.ResetPerAccount, "new@example.com"); d.Remaining != throttle.ResetPerAccount.Limit-2 {
			t.Fatalf("the recent bucket lost its count: %+v", d)
		}
	})
}

func TestRefusedInputs(t *testing.T) {
	t.Parallel()
	db := testdb.SQLite(t)
	l := throttle.New(db)
	p := newProject(t, db, "Inputs")
	if _, err := l.Allow(t.Context(), p, throttle.PasswordPerIP, "  "); !errors.Is(err, throttle.ErrEmptyKey) {
		t.Fatalf("empty key: %v, want ErrEmptyKey", err)
	}
	for _, r := range []throttle.Rule{
		{Name: "", Limit: 1, Window: time.Minute},
		{Name: "a:b", Limit: 1, Window: time.Minute},
		{Name: "zero", Limit: 0, Window: time.Minute},
		{Name: "nowindow", Limit: 1},
	} {
		if _, err := l.Allow(t.Context(), p, r, "k"); err == nil {
			t.Errorf("rule %+v was accepted", r)
		}
	}
	if _, err := l.Allow(t.Context(), id.New[id.Project](time.Now()), throttle.PasswordPerIP, "k"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unknown project: %v, want ErrNotFound", err)
	}
	// Baseline: a valid call on the same limiter works.
	if d := allow(t, l, p, throttle.PasswordPerIP, "k"); !d.Allowed {
		t.Fatalf("baseline refused: %+v", d)
	}
}

func TestPredefinedRules(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for _, r := range throttle.Rules() {
		if seen[r.Name] {
			t.Errorf("two rules named %s share one count", r.Name)
		}
		seen[r.Name] = true
		if r.Limit < 1 || r.Window <= 0 {
			t.Errorf("rule %s: %s", r.Name, fmt.Sprint(r))
		}
	}
	if len(seen) != 11 {
		t.Errorf("%d predefined rules, want 11", len(seen))
	}
}

// A pair key counts the pair, not either part: the same email from another
// IP, or the same IP for another email, has its own count.
func TestPairKey(t *testing.T) {
	t.Parallel()
	db := testdb.SQLite(t)
	l := throttle.New(db)
	p := newProject(t, db, "Pairs")
	rule := throttle.Rule{Name: "pair", Limit: 1, Window: time.Hour}
	allow(t, l, p, rule, throttle.PairKey("pat@example.com", "203.0.113.7"))
	if d := allow(t, l, p, rule, throttle.PairKey("pat@example.com", "203.0.113.7")); d.Allowed {
		t.Fatalf("baseline: the same pair twice was allowed")
	}
	for _, k := range []string{
		throttle.PairKey("pat@example.com", "203.0.113.8"),
		throttle.PairKey("pam@example.com", "203.0.113.7"),
		throttle.PairKey("pat@example.com203.0.113.7", ""),
		"pat@example.com",
	} {
		if k == "" {
			continue
		}
		if d := allow(t, l, p, rule, k); !d.Allowed {
			t.Errorf("key %q shares the pair's count", k)
		}
	}
	for _, k := range []string{throttle.PairKey("", "203.0.113.7"), throttle.PairKey("pat@example.com", " ")} {
		if k != "" {
			t.Errorf("a pair with an empty part has the key %q", k)
		}
		if _, err := l.Allow(t.Context(), p, rule, k); !errors.Is(err, throttle.ErrEmptyKey) {
			t.Errorf("Allow with an empty pair: %v, want ErrEmptyKey", err)
		}
	}
}

// AllowAll counts in order and stops at the first refusal: the limits after
// it keep their counts, so a client refused by its own limit does not use
// up a shared one.
func TestAllowAllStopsAtRefusal(t *testing.T) {
	t.Parallel()
	forEngine(t, func(t *testing.T, db *sqlstore.DB) {
		clk := testclock.New(time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC))
		l := throttle.New(db, throttle.WithClock(clk.Now))
		p := newProject(t, db, "Ordered")
		narrow := throttle.Rule{Name: "narrow", Limit: 2, Window: time.Minute}
		wide := throttle.Rule{Name: "wide", Limit: 5, Window: time.Hour}
		both := []throttle.Limit{{Rule: narrow, Key: "10.0.0.1"}, {Rule: wide, Key: "pat@example.com"}}
		for i := 1; i <= narrow.Limit; i++ {
			d, err := l.AllowAll(t.Context(), p, both...)
			if err != nil || !d.Allowed || d.Remaining != narrow.Limit-i {
				t.Fatalf("hit %d: %+v, %v; want allowed with the narrow limit's %d remaining", i, d, err, narrow.Limit-i)
			}
		}
		clk.Advance(10 * time.Second)
		for range 10 {
			d, err := l.AllowAll(t.Context(), p, both...)
			if err != nil || d.Allowed || d.RetryAfter != 50*time.Second {
				t.Fatalf("past the narrow limit: %+v, %v; want refused for 50s", d, err)
			}
		}
		// The wide limit saw only the two allowed hits.
		if d := allow(t, l, p, wide, "pat@example.com"); !d.Allowed || d.Remaining != wide.Limit-3 {
			t.Fatalf("the wide limit after the narrow one refused: %+v, want %d remaining", d, wide.Limit-3)
		}
		// A bad limit anywhere in the list counts nothing.
		if _, err := l.AllowAll(t.Context(), p, throttle.Limit{Rule: wide, Key: "pat@example.com"}, throttle.Limit{Rule: narrow}); !errors.Is(err, throttle.ErrEmptyKey) {
			t.Fatalf("a limit without a key: %v", err)
		}
		if d := allow(t, l, p, wide, "pat@example.com"); d.Remaining != wide.Limit-4 {
			t.Fatalf("a refused call counted: %+v", d)
		}
	})
}
