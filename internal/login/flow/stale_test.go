package flow_test

import (
	"testing"

	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/login"
	"github.com/gatehouse-auth/gatehouse/internal/login/flow"
	"github.com/gatehouse-auth/gatehouse/internal/session"
	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// Complete and Submit act on the copy of the attempt the caller holds when
// it is fresh; these prove that a copy gone stale (another tab changed the
// attempt in between) is decided on the stored attempt instead.

func (w *world) sessionsOf(uid id.User) int {
	w.t.Helper()
	ss, err := w.sess.List(w.ctx, w.p.ID, session.Filter{UserID: uid}, store.Page{Limit: 10})
	if err != nil {
		w.t.Fatalf("List sessions: %v", err)
	}
	return len(ss)
}

func TestCompleteWithStaleCopyDecidesOnStoredAttempt(t *testing.T) {
	engines(t, func(t *testing.T, w *world) {
		u := w.user(w.org("Acme", nil), "pat@example.com", "correct horse battery")
		b := w.start(login.AuthRequest{})
		want(t, b.submit(login.Input{Action: login.ActionPassword, Email: "pat@example.com", Password: "correct horse battery"}), login.StepDone)
		stale := b.a
		// Another tab starts the same attempt over.
		want(t, b.submit(login.Input{Action: login.ActionRestart}), login.StepIdentify)

		_, _, err := w.svc.Complete(w.ctx, stale, b.c)
		isErr(t, err, flow.ErrNotDone, "Complete with a copy from before the restart")
		if n := w.sessionsOf(u.ID); n != 0 {
			t.Fatalf("%d sessions after a refused Complete, want 0", n)
		}
		if got, _ := w.st.GetUser(w.ctx, w.p.ID, u.ID); got.LastLoginAt != nil {
			t.Fatalf("a refused Complete recorded a login at %v", got.LastLoginAt)
		}

		// Baseline: the same attempt proven again completes.
		want(t, b.submit(login.Input{Action: login.ActionPassword, Email: "pat@example.com", Password: "correct horse battery"}), login.StepDone)
		s, _ := b.complete()
		if s.UserID != u.ID || w.sessionsOf(u.ID) != 1 {
			t.Fatalf("session %+v, %d sessions", s, w.sessionsOf(u.ID))
		}
	})
}

func TestSecondCompleteWithOlderCopyIsGone(t *testing.T) {
	engines(t, func(t *testing.T, w *world) {
		u := w.user(w.org("Acme", nil), "pat@example.com", "correct horse battery")
		b := w.start(login.AuthRequest{})
		want(t, b.submit(login.Input{Action: login.ActionPassword, Email: "pat@example.com", Password: "correct horse battery"}), login.StepDone)
		// A second request loaded the same finished step.
		other, err := w.svc.Load(w.ctx, w.p.ID, b.cookie)
		if err != nil {
			t.Fatalf("Load: %v", err)
		}
		b.complete()
		_, _, err = w.svc.Complete(w.ctx, other, b.c)
		isErr(t, err, flow.ErrGone, "second Complete of one attempt")
		if n := w.sessionsOf(u.ID); n != 1 {
			t.Fatalf("%d sessions, want exactly 1", n)
		}
	})
}

func TestSubmitWithStaleLoadActsOnStoredAttempt(t *testing.T) {
	engines(t, func(t *testing.T, w *world) {
		u := w.user(w.org("Acme", nil), "pat@example.com", "correct horse battery")
		b := w.start(login.AuthRequest{})
		want(t, b.submit(login.Input{Action: login.ActionUsePassword, Email: "pat@example.com"}), login.StepPassword)
		stale, err := w.svc.Load(w.ctx, w.p.ID, b.cookie)
		if err != nil {
			t.Fatalf("Load: %v", err)
		}
		// Another tab starts over between this request's Load and Submit.
		want(t, b.submit(login.Input{Action: login.ActionRestart}), login.StepIdentify)

		v, err := w.svc.Submit(w.ctx, stale, login.Input{Action: login.ActionPassword, Password: "correct horse battery"}, b.c)
		if err != nil {
			t.Fatalf("Submit: %v", err)
		}
		want(t, v, login.StepIdentify)
		if v.FieldErrors["email"] == "" {
			t.Fatalf("a password without an email was not refused: %+v", v.FieldErrors)
		}
		_, _, err = w.svc.Complete(w.ctx, stale, b.c)
		isErr(t, err, flow.ErrNotDone, "Complete after the stale Submit")
		if n := w.sessionsOf(u.ID); n != 0 {
			t.Fatalf("%d sessions, want 0", n)
		}

		// Baseline: a password sent with the page loaded fresh ends the login.
		want(t, b.submit(login.Input{Action: login.ActionPassword, Email: "pat@example.com", Password: "correct horse battery"}), login.StepDone)
	})
}
