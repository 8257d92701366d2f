package flow_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/gatehouse-auth/gatehouse/internal/login"
	"github.com/gatehouse-auth/gatehouse/internal/login/flow"
	"github.com/gatehouse-auth/gatehouse/internal/mail"
	"github.com/gatehouse-auth/gatehouse/internal/password"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/tenancy"
)

// TestPasswordThrottledAlike: wrong passwords for an account and for an
// email without one are throttled after the same number of tries, with the
// same answer.
func TestPasswordThrottledAlike(t *testing.T) {
	engines(t, func(t *testing.T, w *world) {
		w.user(w.org("Acme", nil), "known@example.com", "correct horse battery")
		tries := func(email string) (int, *login.View) {
			b := w.start(login.AuthRequest{})
			b.submit(login.Input{Action: login.ActionUsePassword, Email: email})
			for i := 1; i <= 100; i++ {
				v := b.submit(login.Input{Action: login.ActionPassword, Password: "wrong horse battery"})
				if v.ThrottledFor > 0 {
					return i, v
				}
				if v.FieldErrors["password"] != "Incorrect email or password." {
					t.Fatalf("try %d answer: %+v", i, v)
				}
			}
			t.Fatalf("%s: wrong passwords never throttled", email)
			return 0, nil
		}
		nKnown, vKnown := tries("known@example.com")
		nUnknown, vUnknown := tries("nobody@example.com")
		if nKnown != nUnknown || vKnown.FieldErrors["password"] != vUnknown.FieldErrors["password"] ||
			!strings.Contains(vKnown.FieldErrors["password"], "Wait") {
			t.Fatalf("known throttled after %d (%v), unknown after %d (%v)", nKnown, vKnown.FieldErrors, nUnknown, vUnknown.FieldErrors)
		}
		// While throttled even the right password is not checked.
		b := w.start(login.AuthRequest{})
		b.submit(login.Input{Action: login.ActionUsePassword, Email: "known@example.com"})
		v := b.submit(login.Input{Action: login.ActionPassword, Password: "correct horse battery"})
		if v.ThrottledFor <= 0 || v.Step != login.StepPassword {
			t.Fatalf("throttled right password: %+v", v)
		}
	})
}

func TestPasswordResetFlow(t *testing.T) {
	engines(t, func(t *testing.T, w *world) {
		o := w.org("Acme", nil)
		u := w.user(o, "pat@example.com", "old horse battery")
		b := w.start(login.AuthRequest{})
		want(t, b.submit(login.Input{Action: login.ActionUsePassword, Email: "pat@example.com"}), login.StepPassword)
		v := b.submit(login.Input{Action: login.ActionForgot})
		want(t, v, login.StepVerifyEmail)
		if !v.Reset || !v.CodeSent {
			t.Fatalf("reset view = %+v", v)
		}
		m, code, _ := w.mailTo("pat@example.com")
		if m.Template != mail.TemplatePasswordReset {
			t.Fatalf("template = %s", m.Template)
		}
		want(t, b.submit(login.Input{Action: login.ActionCode, Code: code}), login.StepSetPassword)
		v = b.submit(login.Input{Action: login.ActionSetPassword, NewPassword: "password"})
		want(t, v, login.StepSetPassword)
		if v.FieldErrors["new_password"] == "" {
			t.Fatalf("a common password was accepted: %+v", v)
		}
		want(t, b.submit(login.Input{Action: login.ActionSetPassword, NewPassword: "violet stapler orbit 42"}), login.StepDone)
		// Until the login completes the old password still works.
		hash, err := w.st.GetPasswordHash(w.ctx, w.p.ID, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if ok, _, _ := w.hasher.Verify(w.ctx, "old horse battery", hash); !ok {
			t.Fatalf("the password changed before the login completed")
		}
		s, _ := b.complete()
		if s.UserID != u.ID || !s.Facts.Has(login.FactorPassword) || !s.Facts.EmailVerified {
			t.Fatalf("session %+v", s)
		}
		// The new password logs in; the old one no longer does.
		b2 := w.start(login.AuthRequest{})
		b2.submit(login.Input{Action: login.ActionUsePassword, Email: "pat@example.com"})
		v = b2.submit(login.Input{Action: login.ActionPassword, Password: "old horse battery"})
		if v.FieldErrors["password"] == "" {
			t.Fatalf("the old password still works")
		}
		want(t, b2.submit(login.Input{Action: login.ActionPassword, Password: "violet stapler orbit 42"}), login.StepDone)
	})
}

// TestPasswordOnlyProjectSignUp: without email codes as a login method, a
// new person signs up through the reset path and must choose a password.
func TestPasswordOnlyProjectSignUp(t *testing.T) {
	engines(t, func(t *testing.T, w *world) {
		w.p = w.project("Passwords", func(up *tenancy.ProjectUpdate) {
			up.EnabledLoginMethods = &[]string{"password"}
			up.AutoCreateOrganizations = ptr(true)
		})
		b := w.start(login.AuthRequest{})
		v := b.submit(login.Input{Action: login.ActionEmail, Email: "new@example.com"})
		want(t, v, login.StepPassword)
		if v.CodeAvailable || w.mailCount("new@example.com") != 0 {
			t.Fatalf("a password-only project offered or sent a code: %+v", v)
		}
		want(t, b.submit(login.Input{Action: login.ActionForgot}), login.StepVerifyEmail)
		_, code, _ := w.mailTo("new@example.com")
		want(t, b.submit(login.Input{Action: login.ActionCode, Code: code}), login.StepSetPassword)
		want(t, b.submit(login.Input{Action: login.ActionSetPassword, NewPassword: "violet stapler orbit 42"}), login.StepDone)
		s, _ := b.complete()
		if _, err := w.st.GetPasswordHash(w.ctx, w.p.ID, s.UserID); err != nil {
			t.Fatalf("the new user has no password: %v", err)
		}
		if !s.Facts.Has(login.FactorPassword) {
			t.Fatalf("facts %+v", s.Facts)
		}
	})
}

// TestPasswordProvesOnlyItsAccount: a password shared by two accounts of
// one email proves both; a password of one proves only that one.
func TestPasswordProvesOnlyItsAccount(t *testing.T) {
	engines(t, func(t *testing.T, w *world) {
		a, bo := w.org("Acme", nil), w.org("Bravo", nil)
		ua := w.user(a, "pat@example.com", "acme horse battery")
		w.user(bo, "pat@example.com", "bravo horse battery")
		b := w.start(login.AuthRequest{})
		b.submit(login.Input{Action: login.ActionUsePassword, Email: "pat@example.com"})
		want(t, b.submit(login.Input{Action: login.ActionPassword, Password: "acme horse battery"}), login.StepDone)
		s, _ := b.complete()
		if s.UserID != ua.ID {
			t.Fatalf("session of %s, want %s", s.UserID, ua.ID)
		}
		// Choosing the other organization is not possible: it is not offered.
		b2 := w.start(login.AuthRequest{OrganizationHint: bo.ID})
		b2.submit(login.Input{Action: login.ActionUsePassword, Email: "pat@example.com"})
		v := b2.submit(login.Input{Action: login.ActionPassword, Password: "acme horse battery"})
		want(t, v, login.StepPassword)
		if v.FieldErrors["password"] != "Incorrect email or password." {
			t.Fatalf("another account's password at the hinted org: %+v", v)
		}
	})
}

// TestRehashOnLogin: a hash made with weaker parameters is upgraded when
// its password is next used.
func TestRehashOnLogin(t *testing.T) {
	engines(t, func(t *testing.T, w *world) {
		u := w.user(w.org("Acme", nil), "pat@example.com", "correct horse battery") // cheap parameters
		strong := password.NewHasher()
		w.svc = flow.NewService(flow.Deps{Store: w.st, Tenancy: w.ten, Sessions: w.sess, Outbox: w.outbox,
			Hasher: strong, PublicURL: "https://auth.example.com", Clock: w.clk.Now})
		b := w.start(login.AuthRequest{})
		b.submit(login.Input{Action: login.ActionUsePassword, Email: "pat@example.com"})
		want(t, b.submit(login.Input{Action: login.ActionPassword, Password: "correct horse battery"}), login.StepDone)
		hash, err := w.st.GetPasswordHash(w.ctx, w.p.ID, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		ok, again, err := strong.Verify(w.ctx, "correct horse battery", hash)
		if !ok || again || err != nil {
			t.Fatalf("hash after login: ok=%v rehash=%v err=%v", ok, again, err)
		}
	})
}

// TestConcurrentWrongCodesAllCount: guesses racing on one attempt are each
// counted; none is lost to a concurrent save.
func TestConcurrentWrongCodesAllCount(t *testing.T) {
	engines(t, func(t *testing.T, w *world) {
		b := w.start(login.AuthRequest{})
		b.submit(login.Input{Action: login.ActionEmail, Email: "pat@example.com"})
		_, code, _ := w.mailTo("pat@example.com")
		var (
			wg       sync.WaitGroup
			mu       sync.Mutex
			accepted int
		)
		for i := range flow.MaxCodeGuesses - 1 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				a, err := w.svc.Load(w.ctx, w.p.ID, b.cookie)
				if err != nil {
					t.Errorf("Load: %v", err)
					return
				}
				c := b.c
				c.IP = fmt.Sprintf("192.0.2.%d", i+1)
				_, err = w.svc.Submit(w.ctx, a, login.Input{Action: login.ActionCode, Code: wrongCode(code)}, c)
				if err != nil && !isConflict(err) {
					t.Errorf("Submit: %v", err)
				}
				if err == nil {
					mu.Lock()
					accepted++
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		// Exactly MaxCodeGuesses wrong guesses in all kill the code.
		more := 0
		for {
			v := b.submit(login.Input{Action: login.ActionCode, Code: wrongCode(code)})
			msg := v.FieldErrors["code"]
			if strings.HasPrefix(msg, "This code can no longer") {
				break
			}
			more++
			if strings.Contains(msg, "no longer be used") || more > flow.MaxCodeGuesses {
				break
			}
		}
		if accepted+more != flow.MaxCodeGuesses {
			t.Fatalf("%d concurrent and %d later wrong guesses killed the code, want %d in all", accepted, more, flow.MaxCodeGuesses)
		}
	})
}

func isConflict(err error) bool {
	return err != nil && strings.Contains(err.Error(), store.ErrConflict.Error())
}

// TestConcurrentCompleteCreatesOneAccount: a double submit of the last step
// creates one organization and one user, and one session.
func TestConcurrentCompleteCreatesOneAccount(t *testing.T) {
	engines(t, func(t *testing.T, w *world) {
		w.p = w.project("B2C", func(up *tenancy.ProjectUpdate) { up.AutoCreateOrganizations = ptr(true) })
		b, v := w.loginByCode("solo@example.com", login.AuthRequest{})
		want(t, v, login.StepDone)
		var wg sync.WaitGroup
		var mu sync.Mutex
		ok := 0
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				a, err := w.svc.Load(w.ctx, w.p.ID, b.cookie)
				if err != nil {
					return
				}
				if _, _, err := w.svc.Complete(w.ctx, a, b.c); err == nil {
					mu.Lock()
					ok++
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		orgs, err := w.st.ListOrganizations(w.ctx, w.p.ID, store.Page{Limit: 10})
		if err != nil || len(orgs) != 1 {
			t.Fatalf("organizations after concurrent completes: %d, %v", len(orgs), err)
		}
		if ok != 1 {
			t.Fatalf("%d completes succeeded, want exactly 1", ok)
		}
	})
}
