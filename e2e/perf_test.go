package e2e

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/argon2"

	"github.com/gatehouse-auth/gatehouse/internal/audit"
	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/password"
	"github.com/gatehouse-auth/gatehouse/internal/server"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/tenancy"
	"github.com/gatehouse-auth/gatehouse/internal/testdb"
)

// Benchmarks only: figures go to docs/performance.md, each next to a
// baseline measured in the same run. Nothing here asserts a duration.
// scripts/loadtest measures the same paths under sustained load, with CPU
// time per request.
//
//	go test -run '^$' -bench 'Password|Healthz' -benchtime 5s ./e2e

const perfPassword = "plover-quartz-lantern-97"

var perfSink []byte

// perfAccount is a user with a password hash in a real store.
type perfAccount struct {
	st      store.Store
	project id.Project
	user    id.User
}

func newPerfAccount(b *testing.B, st store.Store, h *password.Hasher) perfAccount {
	b.Helper()
	ctx := context.Background()
	tn := tenancy.New(st)
	actor := audit.System("bench")
	p, _, _, err := tn.CreateProject(ctx, actor, tenancy.ProjectInput{Name: "Bench"})
	if err != nil {
		b.Fatal(err)
	}
	name := "Acme"
	o, err := tn.CreateOrganization(ctx, actor, p.ID, tenancy.OrganizationUpdate{Name: &name})
	if err != nil {
		b.Fatal(err)
	}
	u, _, err := tn.CreateUser(ctx, actor, p.ID, tenancy.UserInput{OrganizationID: string(o.ID), Email: "ada@example.com"})
	if err != nil {
		b.Fatal(err)
	}
	enc, err := h.Hash(ctx, perfPassword)
	if err != nil {
		b.Fatal(err)
	}
	err = st.Write(ctx, func(w store.Writer) error { return w.SetPasswordHash(ctx, p.ID, u.ID, enc, time.Now()) })
	if err != nil {
		b.Fatal(err)
	}
	return perfAccount{st: st, project: p.ID, user: u.ID}
}

// check is the password check of a login: read the account's hash, verify.
func (a perfAccount) check(ctx context.Context, h *password.Hasher) error {
	enc, err := a.st.GetPasswordHash(ctx, a.project, a.user)
	if err != nil {
		return err
	}
	ok, _, err := h.Verify(ctx, perfPassword, enc)
	if err == nil && !ok {
		err = errors.New("password did not verify")
	}
	return err
}

func rawIDKey() {
	p := password.OWASP()
	salt := make([]byte, p.SaltLen)
	perfSink = argon2.IDKey([]byte(perfPassword), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
}

// BenchmarkPassword compares, on all cores (b.RunParallel, GOMAXPROCS
// goroutines), the password check a login makes — the hash read from the
// store plus password.Hasher.Verify at OWASP parameters with the default
// KDF cap — with raw argon2.IDKey at the same parameters:
//
//   - raw-argon2id and check: each alone, as rates (checks/s);
//   - paired: every goroutine alternates one raw derivation and one
//     check, so both see the same machine; check/raw is the check's rate
//     as a fraction of the raw rate;
//   - overload-xN: N goroutines per core against the cap; excess calls end
//     in password.ErrBusy after the queue timeout instead of queueing.
func BenchmarkPassword(b *testing.B) {
	for _, e := range testdb.Engines() {
		b.Run(e.Name, func(b *testing.B) {
			h := password.NewHasher()
			acc := newPerfAccount(b, e.Open(b), h)
			ctx := context.Background()

			b.Run("raw-argon2id", func(b *testing.B) {
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						rawIDKey()
					}
				})
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "hashes/s")
			})
			b.Run("check", func(b *testing.B) {
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						if err := acc.check(ctx, h); err != nil {
							b.Error(err)
							return
						}
					}
				})
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "checks/s")
			})
			b.Run("paired", func(b *testing.B) {
				var raw, chk atomic.Int64
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						t := time.Now()
						rawIDKey()
						raw.Add(int64(time.Since(t)))
						t = time.Now()
						if err := acc.check(ctx, h); err != nil {
							b.Error(err)
							return
						}
						chk.Add(int64(time.Since(t)))
					}
				})
				n := float64(b.N)
				b.ReportMetric(float64(raw.Load())/n/1e6, "raw-ms/op")
				b.ReportMetric(float64(chk.Load())/n/1e6, "check-ms/op")
				b.ReportMetric(float64(raw.Load())/float64(chk.Load()), "check/raw")
			})
			for _, per := range []int{8} {
				b.Run(fmt.Sprintf("overload-x%d", per), func(b *testing.B) {
					var ok, busy atomic.Int64
					b.SetParallelism(per)
					b.RunParallel(func(pb *testing.PB) {
						for pb.Next() {
							err := acc.check(ctx, h)
							switch {
							case err == nil:
								ok.Add(1)
							case errors.Is(err, password.ErrBusy):
								busy.Add(1)
							default:
								b.Error(err)
								return
							}
						}
					})
					s := b.Elapsed().Seconds()
					b.ReportMetric(float64(ok.Load())/s, "checks/s")
					b.ReportMetric(float64(busy.Load())/s, "busy/s")
				})
			}
		})
	}
}

// BenchmarkHealthz compares GET /healthz through the real server's whole
// middleware with a bare net/http handler writing the same answer, both over
// loopback HTTP with keep-alive, 8 client goroutines on 2 cores.
//
//	go test -run '^$' -bench Healthz -benchtime 5s ./e2e
func BenchmarkHealthz(b *testing.B) {
	ctx, cancel := context.WithCancel(context.Background())
	m := server.New(server.Config{
		Addr: "127.0.0.1:0", DataDir: b.TempDir(),
		Logger: slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelWarn})),
	})
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	b.Cleanup(func() { cancel(); <-done })
	select {
	case <-m.Ready():
	case err := <-done:
		b.Fatalf("server did not start: %v", err)
	}
	const body = "{\"status\":\"ok\"}\n"
	bare := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(w, body)
	}))
	b.Cleanup(bare.Close)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64, DisableCompression: true}}
	for _, t := range []struct{ name, url string }{
		{"gatehouse", "http://" + m.Addr() + "/healthz"},
		{"bare-net-http", bare.URL + "/healthz"},
	} {
		b.Run(t.name, func(b *testing.B) {
			b.SetParallelism(4)
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					resp, err := client.Get(t.url)
					if err != nil {
						b.Error(err)
						return
					}
					got, err := io.ReadAll(resp.Body)
					resp.Body.Close()
					if err != nil || resp.StatusCode != http.StatusOK || string(got) != body {
						b.Errorf("status %d, body %q, err %v", resp.StatusCode, got, err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
		})
	}
}
