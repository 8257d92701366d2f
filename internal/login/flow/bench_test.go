package flow_test

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/login"
	"github.com/gatehouse-auth/gatehouse/internal/login/flow"
	"github.com/gatehouse-auth/gatehouse/internal/password"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/testdb"
	"github.com/gatehouse-auth/gatehouse/internal/throttle"
)

// TestPasswordBusyAsksToRetry: when every hashing slot is taken, a password
// step answers at once with a short wait instead of queueing.
func TestPasswordBusyAsksToRetry(t *testing.T) {
	engines(t, func(t *testing.T, w *world) {
		w.user(w.org("Acme", nil), "pat@example.com", "correct horse battery")
		w.svc = flow.NewService(flow.Deps{Store: w.st, Tenancy: w.ten, Sessions: w.sess, Outbox: w.outbox,
			Hasher:    password.NewHasher(password.WithConcurrency(1), password.WithQueueTimeout(time.Millisecond)),
			PublicURL: "https://auth.example.com", Clock: w.clk.Now})
		const n = 8
		bs := make([]*browser, n)
		for i := range bs {
			bs[i] = w.start(login.AuthRequest{})
			bs[i].submit(login.Input{Action: login.ActionUsePassword, Email: "pat@example.com"})
		}
		views := make([]*login.View, n)
		var wg sync.WaitGroup
		for i, b := range bs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				v, err := w.svc.Submit(w.ctx, b.a, login.Input{Action: login.ActionPassword, Password: "correct horse battery"}, b.c)
				if err != nil {
					t.Errorf("Submit: %v", err)
				}
				views[i] = v
			}()
		}
		wg.Wait()
		busy, done := 0, 0
		for _, v := range views {
			switch {
			case v == nil:
			case v.Step == login.StepDone:
				done++
			case v.ThrottledFor == time.Second && v.FieldErrors["password"] != "":
				busy++
			default:
				t.Errorf("unexpected answer %+v", v)
			}
		}
		if busy == 0 || done == 0 {
			t.Fatalf("%d done, %d asked to retry; want some of each", done, busy)
		}
	})
}

// BenchmarkPasswordLogin measures a whole password login (start, the email
// and password in one step, judged and saved, throttle counters kept)
// next to the argon2id verification alone, in the same run.
func BenchmarkPasswordLogin(b *testing.B) {
	h := password.NewHasher()
	hash, err := h.Hash(b.Context(), "correct horse battery")
	if err != nil {
		b.Fatal(err)
	}
	b.Run("argon2id-verify", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if ok, _, err := h.Verify(b.Context(), "correct horse battery", hash); !ok || err != nil {
					b.Error(ok, err)
					return
				}
			}
		})
	})
	for _, e := range testdb.Engines() {
		b.Run(e.Name, func(b *testing.B) {
			st := e.Open(b)
			w := newBenchWorld(b, st, h)
			o := w.org("Acme", nil)
			const users = 256
			for i := range users {
				u := w.user(o, fmt.Sprintf("user%d@example.com", i), "")
				if err := st.Write(w.ctx, func(tx store.Writer) error { return tx.SetPasswordHash(w.ctx, w.p.ID, u.ID, hash, w.clk.Now()) }); err != nil {
					b.Fatal(err)
				}
			}
			var n atomic.Int64
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					i := int(n.Add(1))
					// Spread over accounts and addresses so the throttle limits,
					// which are not what is measured, never bite.
					email := fmt.Sprintf("user%d@example.com", i%users)
					c := login.Client{IP: fmt.Sprintf("10.%d.%d.%d", i/62500, i/250%250, i%250), UserAgent: "bench"}
					a, _, err := w.svc.Start(w.ctx, w.p.ID, login.AuthRequest{ClientID: "cli_bench", RedirectURI: "https://app.example.com/cb"}, c)
					if err != nil {
						b.Error(err)
						return
					}
					v, err := w.svc.Submit(w.ctx, a, login.Input{Action: login.ActionPassword, Email: email, Password: "correct horse battery"}, c)
					if err != nil || v.Step != login.StepDone {
						b.Errorf("submit: %v %+v", err, v)
						return
					}
				}
			})
		})
	}
}

func newBenchWorld(b *testing.B, st store.Store, h *password.Hasher) *world {
	w := newWorld(b, st)
	w.hasher = h
	w.svc = flow.NewService(flow.Deps{Store: st, Tenancy: w.ten, Sessions: w.sess, Outbox: w.outbox, Hasher: h,
		Throttle: throttle.New(st, throttle.WithClock(w.clk.Now)), PublicURL: "https://auth.example.com", Clock: w.clk.Now})
	return w
}
