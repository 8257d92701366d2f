package flow_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/audit"
	"github.com/gatehouse-auth/gatehouse/internal/login"
	"github.com/gatehouse-auth/gatehouse/internal/login/flow"
	"github.com/gatehouse-auth/gatehouse/internal/session"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/throttle"
)

// from makes the browser's next requests come from another client IP.
func (b *browser) from(ip string) *browser {
	b.c.IP = ip
	return b
}

// passwordTry starts an attempt from ip and submits one password for email.
func (w *world) passwordTry(ip, email, pw string) *login.View {
	w.t.Helper()
	b := w.start(login.AuthRequest{}).from(ip)
	want(w.t, b.submit(login.Input{Action: login.ActionUsePassword, Email: email}), login.StepPassword)
	return b.submit(login.Input{Action: login.ActionPassword, Password: pw})
}

// TestCodeGuessesThrottledPerAccount: an attacker who opens a fresh attempt
// from a fresh IP for every few guesses is still held to CodePerAccount for
// the email, with the same answer whether or not it has an account. The
// mailbox's owner is not locked out: the link still works.
func TestCodeGuessesThrottledPerAccount(t *testing.T) {
	engines(t, func(t *testing.T, w *world) {
		w.user(w.org("Acme", nil), "known@example.com", "")
		guess := func(email string) (int, *login.View, *browser, string) {
			for n, i := 0, 0; i < 20; i++ {
				b := w.start(login.AuthRequest{}).from(fmt.Sprintf("198.51.100.%d", len(email)*10+i))
				want(t, b.submit(login.Input{Action: login.ActionEmail, Email: email}), login.StepVerifyEmail)
				_, code, _ := w.mailTo(email)
				// Fewer than MaxCodeGuesses per code, so no code dies.
				for range flow.MaxCodeGuesses - 1 {
					n++
					v := b.submit(login.Input{Action: login.ActionCode, Code: wrongCode(code)})
					if v.ThrottledFor > 0 {
						return n, v, b, code
					}
					if !strings.HasPrefix(v.FieldErrors["code"], "That code is not right") {
						t.Fatalf("%s guess %d: %+v", email, n, v)
					}
				}
			}
			t.Fatalf("%s: code guesses from fresh attempts and IPs were never throttled", email)
			return 0, nil, nil, ""
		}
		nKnown, vKnown, b, code := guess("known@example.com")
		nUnknown, vUnknown, _, _ := guess("nobody@example.com")
		if nKnown != throttle.CodePerAccount.Limit+1 || nUnknown != nKnown ||
			vKnown.FieldErrors["code"] != vUnknown.FieldErrors["code"] || !strings.Contains(vKnown.FieldErrors["code"], "Wait") {
			t.Fatalf("known throttled at guess %d (%v), unknown at %d (%v); want both at %d",
				nKnown, vKnown.FieldErrors, nUnknown, vUnknown.FieldErrors, throttle.CodePerAccount.Limit+1)
		}
		// The right code is not judged while the email's budget is spent,
		// even from yet another IP.
		v := b.from("192.0.2.200").submit(login.Input{Action: login.ActionCode, Code: code})
		if v.ThrottledFor <= 0 || v.Step != login.StepVerifyEmail {
			t.Fatalf("right code with the budget spent: %+v", v)
		}
		// Baseline: another email is not affected from the same IP.
		_, ov := w.loginByCode("other@example.com", login.AuthRequest{})
		want(t, ov, login.StepCreateOrg)
		// The owner of the mailbox still gets in by the link.
		_, _, token := w.mailTo("known@example.com")
		if _, err := w.svc.VerifyLinkFrom(w.ctx, w.p.ID, token, b.cookie, b.c); err != nil {
			t.Fatalf("link while codes are throttled: %v", err)
		}
		want(t, b.view(), login.StepDone)
		// After the window the code works again.
		w.clk.Advance(throttle.CodePerAccount.Window)
		_, v = w.loginByCode("known@example.com", login.AuthRequest{})
		want(t, v, login.StepDone)
	})
}

// TestRightCodesDoNotSpendTheBudget: a person who signs in by code more
// often than CodePerAccount allows wrong codes is never throttled.
func TestRightCodesDoNotSpendTheBudget(t *testing.T) {
	engines(t, func(t *testing.T, w *world) {
		w.user(w.org("Acme", nil), "pat@example.com", "")
		for i := range throttle.CodePerAccount.Limit + 2 {
			b := w.start(login.AuthRequest{})
			b.submit(login.Input{Action: login.ActionEmail, Email: "pat@example.com"})
			_, code, _ := w.mailTo("pat@example.com")
			// One typo each time, and the right code.
			b.submit(login.Input{Action: login.ActionCode, Code: wrongCode(code)})
			if v := b.submit(login.Input{Action: login.ActionCode, Code: code}); v.Step != login.StepDone {
				t.Fatalf("sign-in %d: %+v", i+1, v)
			}
			// Stay within the send limits; all of this is within the hour.
			w.clk.Advance(4 * time.Minute)
		}
	})
}

// TestResetEndsOtherSessions: completing a password reset revokes every
// other session of the user, with the reason and an audit event, in the
// transaction that stores the new password; the new session lives. A
// sign-in that is not a reset ends nothing, nor does a reset touch another
// user's sessions.
func TestResetEndsOtherSessions(t *testing.T) {
	engines(t, func(t *testing.T, w *world) {
		o := w.org("Acme", nil)
		u := w.user(o, "pat@example.com", "old horse battery")
		w.user(o, "sam@example.com", "")
		b1, _ := w.loginByCode("pat@example.com", login.AuthRequest{})
		s1, tok1 := b1.complete()
		b2 := w.start(login.AuthRequest{}).from("192.0.2.50")
		b2.submit(login.Input{Action: login.ActionUsePassword, Email: "pat@example.com"})
		want(t, b2.submit(login.Input{Action: login.ActionPassword, Password: "old horse battery"}), login.StepDone)
		s2, _ := b2.complete()
		bs, _ := w.loginByCode("sam@example.com", login.AuthRequest{})
		sSam, _ := bs.complete()
		// Baseline: the second, ordinary sign-in left the first session alone.
		if _, err := w.sess.Authenticate(w.ctx, w.p.ID, tok1); err != nil {
			t.Fatalf("first session after a second sign-in: %v", err)
		}

		b := w.start(login.AuthRequest{})
		want(t, b.submit(login.Input{Action: login.ActionUsePassword, Email: "pat@example.com"}), login.StepPassword)
		want(t, b.submit(login.Input{Action: login.ActionForgot}), login.StepVerifyEmail)
		_, code, _ := w.mailTo("pat@example.com")
		want(t, b.submit(login.Input{Action: login.ActionCode, Code: code}), login.StepSetPassword)
		want(t, b.submit(login.Input{Action: login.ActionSetPassword, NewPassword: "violet stapler orbit 42"}), login.StepDone)
		// Nothing ends before the reset completes.
		if _, err := w.sess.Authenticate(w.ctx, w.p.ID, tok1); err != nil {
			t.Fatalf("first session before the reset completed: %v", err)
		}
		s3, tok3 := b.complete()

		for _, s := range []*session.Session{s1, s2} {
			got, err := w.sess.Get(w.ctx, w.p.ID, s.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.RevokedAt == nil || got.RevokeReason != flow.ResetRevokeReason {
				t.Fatalf("session %s after the reset: revoked %v, reason %q", s.ID, got.RevokedAt, got.RevokeReason)
			}
		}
		if _, err := w.sess.Authenticate(w.ctx, w.p.ID, tok1); !errors.Is(err, session.ErrInvalid) {
			t.Fatalf("first session's cookie after the reset: %v, want ErrInvalid", err)
		}
		if _, err := w.sess.Authenticate(w.ctx, w.p.ID, tok3); err != nil || s3.UserID != u.ID {
			t.Fatalf("the reset's own session: %v (user %s)", err, s3.UserID)
		}
		if got, err := w.sess.Get(w.ctx, w.p.ID, sSam.ID); err != nil || got.RevokedAt != nil {
			t.Fatalf("another user's session after the reset: %+v, %v", got, err)
		}
		evs, err := w.st.ListAuditEvents(w.ctx, w.p.ID, audit.Filter{Type: "session.revoked"}, store.Page{Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) != 1 || evs[0].ResourceID != string(u.ID) || evs[0].OrganizationID != o.ID || evs[0].Actor.ID != string(u.ID) {
			t.Fatalf("revocation events: %+v", evs)
		}
		var d struct {
			After struct {
				N      int    `json:"revoked_sessions"`
				Reason string `json:"reason"`
			} `json:"after"`
		}
		if err := json.Unmarshal(evs[0].Details, &d); err != nil || d.After.N != 2 || d.After.Reason != flow.ResetRevokeReason {
			t.Fatalf("event details %s (%v)", evs[0].Details, err)
		}
	})
}

// TestRightPasswordsDoNotSpendTheBudget: right passwords are not failures,
// and a right one clears the failures before it.
func TestRightPasswordsDoNotSpendTheBudget(t *testing.T) {
	engines(t, func(t *testing.T, w *world) {
		w.user(w.org("Acme", nil), "pat@example.com", "correct horse battery")
		const ip = "203.0.113.7"
		lim := throttle.PasswordPerAccountIP.Limit
		for i := range lim + 5 {
			if v := w.passwordTry(ip, "pat@example.com", "correct horse battery"); v.Step != login.StepDone {
				t.Fatalf("right password %d: %+v", i+1, v)
			}
		}
		for range lim - 1 {
			w.passwordTry(ip, "pat@example.com", "wrong horse battery")
		}
		want(t, w.passwordTry(ip, "pat@example.com", "correct horse battery"), login.StepDone)
		// The failures before the success are forgiven: a full budget again.
		for i := range lim {
			if v := w.passwordTry(ip, "pat@example.com", "wrong horse battery"); v.ThrottledFor > 0 {
				t.Fatalf("wrong password %d after a success was throttled: %+v", i+1, v)
			}
		}
		if v := w.passwordTry(ip, "pat@example.com", "correct horse battery"); v.ThrottledFor <= 0 {
			t.Fatalf("right password with the budget spent was judged: %+v", v)
		}
	})
}

// TestPasswordLockoutFromOtherIPs: failures from other IPs do not block the
// person on their own IP until they reach the account's ceiling; at the
// ceiling everyone is refused alike, known email or not, and an email code
// still signs the person in.
func TestPasswordLockoutFromOtherIPs(t *testing.T) {
	engines(t, func(t *testing.T, w *world) {
		w.user(w.org("Acme", nil), "pat@example.com", "correct horse battery")
		const home = "203.0.113.7"
		perIP, ceiling := throttle.PasswordPerAccountIP.Limit, throttle.PasswordPerAccount.Limit
		// attack sends wrong passwords from attacker IPs, perIP from each,
		// until the email's ceiling refuses; it returns the try that was.
		attack := func(email string, tag int) (int, *login.View) {
			for n := 1; n <= ceiling+perIP; n++ {
				ip := fmt.Sprintf("10.%d.%d.1", tag, (n-1)/perIP)
				v := w.passwordTry(ip, email, "wrong horse battery")
				if v.ThrottledFor > 0 {
					return n, v
				}
				if v.FieldErrors["password"] != "Incorrect email or password." {
					t.Fatalf("%s try %d: %+v", email, n, v)
				}
			}
			t.Fatalf("%s: never reached the ceiling", email)
			return 0, nil
		}
		// One attacker IP is stopped at its own budget, for an email with an
		// account and one without; its refused tries are not counted against
		// the email's ceiling.
		for _, email := range []string{"pat@example.com", "nobody@example.com"} {
			for range 3 * perIP {
				w.passwordTry("10.99.0.1", email, "wrong horse battery")
			}
			if v := w.passwordTry("10.99.0.1", email, "wrong horse battery"); v.ThrottledFor <= 0 {
				t.Fatalf("one IP past its budget for %s: %+v", email, v)
			}
		}
		// The person on their own IP is not affected, and the right password
		// clears the account's count, so its ceiling counts from here.
		want(t, w.passwordTry(home, "pat@example.com", "correct horse battery"), login.StepDone)
		nKnown, vKnown := attack("pat@example.com", 1)
		nUnknown, vUnknown := attack("nobody@example.com", 2)
		// The waits differ (the windows opened at different times); the
		// words do not.
		alike := func(v *login.View) bool {
			return strings.HasPrefix(v.FieldErrors["password"], "Too many attempts. Wait ")
		}
		if nKnown != ceiling+1 || nUnknown != ceiling-perIP+1 || !alike(vKnown) || !alike(vUnknown) {
			t.Fatalf("ceiling refused try %d (%v) for the account, want %d; %d (%v) without one, want %d",
				nKnown, vKnown.FieldErrors, ceiling+1, nUnknown, vUnknown.FieldErrors, ceiling-perIP+1)
		}
		// At the ceiling the person's password is refused too, but an email
		// code still signs them in.
		if v := w.passwordTry(home, "pat@example.com", "correct horse battery"); v.ThrottledFor <= 0 {
			t.Fatalf("right password at the ceiling: %+v", v)
		}
		_, v := w.loginByCode("pat@example.com", login.AuthRequest{})
		want(t, v, login.StepDone)
		// After the window the password works again.
		w.clk.Advance(throttle.PasswordPerAccount.Window)
		want(t, w.passwordTry(home, "pat@example.com", "correct horse battery"), login.StepDone)
	})
}

// TestSendsFromOtherIPsDoNotSilenceTheVictim: codes requested for an
// address from other IPs stop at their own limits; the person still gets a
// code, until the address's hourly ceiling, which applies alike to an
// address with an account and one without.
func TestSendsFromOtherIPsDoNotSilenceTheVictim(t *testing.T) {
	engines(t, func(t *testing.T, w *world) {
		w.user(w.org("Acme", nil), "pat@example.com", "")
		perIP, ceiling := throttle.SendPerEmailIP.Limit, throttle.SendPerEmail.Limit
		send := func(ip, email string) *login.View {
			return w.start(login.AuthRequest{}).from(ip).submit(login.Input{Action: login.ActionEmail, Email: email})
		}
		for range perIP {
			if v := send("10.1.0.1", "pat@example.com"); !v.CodeSent {
				t.Fatalf("send within the per-IP limit: %+v", v)
			}
		}
		if v := send("10.1.0.1", "pat@example.com"); v.ThrottledFor <= 0 {
			t.Fatalf("baseline: sends from one IP past its limit: %+v", v)
		}
		if v := send("203.0.113.7", "pat@example.com"); v.ThrottledFor != 0 || !v.CodeSent {
			t.Fatalf("the person's own request after another IP's flood: %+v", v)
		}
		flood := func(email string, tag int) int {
			for n := 1; n <= ceiling+perIP; n++ {
				if v := send(fmt.Sprintf("10.%d.%d.2", tag, n/perIP), email); v.ThrottledFor > 0 {
					return n
				}
			}
			t.Fatalf("%s: sends never reached the ceiling", email)
			return 0
		}
		// perIP+1 sends to pat are already counted.
		nKnown, nUnknown := flood("pat@example.com", 2), flood("nobody@example.com", 3)
		if nKnown != ceiling-perIP || nUnknown != ceiling+1 {
			t.Fatalf("ceiling reached at send %d for the account (want %d), %d without one (want %d)",
				nKnown, ceiling-perIP, nUnknown, ceiling+1)
		}
		if got := w.mailCount("pat@example.com"); got != ceiling {
			t.Fatalf("%d emails to the address, want the ceiling %d", got, ceiling)
		}
	})
}

// TestStartThrottledPerIP: one client cannot open attempts without end;
// the refusal is ErrThrottled with a wait, and other clients are served.
func TestStartThrottledPerIP(t *testing.T) {
	engines(t, func(t *testing.T, w *world) {
		c := login.Client{IP: "203.0.113.9", UserAgent: "flood"}
		req := login.AuthRequest{ClientID: "cli_test", RedirectURI: "https://app.example.com/callback"}
		for i := range throttle.StartPerIP.Limit {
			if _, _, err := w.svc.Start(w.ctx, w.p.ID, req, c); err != nil {
				t.Fatalf("start %d: %v", i+1, err)
			}
		}
		w.clk.Advance(10 * time.Second)
		_, _, err := w.svc.Start(w.ctx, w.p.ID, req, c)
		var te *flow.ThrottledError
		if !errors.Is(err, flow.ErrThrottled) || !errors.As(err, &te) || te.RetryAfter != 50*time.Second {
			t.Fatalf("start past the limit: %v, want ErrThrottled retrying after 50s", err)
		}
		if _, _, err := w.svc.Start(w.ctx, w.p.ID, req, login.Client{IP: "203.0.113.10"}); err != nil {
			t.Fatalf("another client: %v", err)
		}
		w.clk.Advance(te.RetryAfter)
		if _, _, err := w.svc.Start(w.ctx, w.p.ID, req, c); err != nil {
			t.Fatalf("after the wait: %v", err)
		}
	})
}

// TestPruneKeepsUp: one Prune deletes every expired attempt, batch after
// batch, and nothing live.
func TestPruneKeepsUp(t *testing.T) {
	engines(t, func(t *testing.T, w *world) {
		const expired, batch = 23, 5
		for range expired {
			w.start(login.AuthRequest{})
		}
		w.clk.Advance(flow.AttemptLifetime)
		live := w.start(login.AuthRequest{})
		w.clk.Advance(time.Second)
		n, err := w.svc.Prune(w.ctx, batch)
		if err != nil || n != expired {
			t.Fatalf("Prune = %d, %v; want all %d expired attempts", n, err, expired)
		}
		if _, err := w.svc.Load(w.ctx, w.p.ID, live.cookie); err != nil {
			t.Fatalf("the live attempt after Prune: %v", err)
		}
		if n, err := w.svc.Prune(w.ctx, batch); err != nil || n != 0 {
			t.Fatalf("second Prune = %d, %v", n, err)
		}
		// Bounded by its context: a cancelled one stops before deleting.
		w.clk.Advance(flow.AttemptLifetime)
		ctx, cancel := context.WithCancel(w.ctx)
		cancel()
		if n, err := w.svc.Prune(ctx, batch); err == nil || n != 0 {
			t.Fatalf("Prune with a cancelled context = %d, %v", n, err)
		}
	})
}
