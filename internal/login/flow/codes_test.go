package flow_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/login"
	"github.com/gatehouse-auth/gatehouse/internal/login/flow"
)

func TestWrongCodeFiveTimesKillsIt(t *testing.T) {
	engines(t, func(t *testing.T, w *world) {
		b := w.start(login.AuthRequest{})
		b.submit(login.Input{Action: login.ActionEmail, Email: "pat@example.com"})
		_, code, _ := w.mailTo("pat@example.com")
		for i := 1; i <= flow.MaxCodeGuesses; i++ {
			v := b.submit(login.Input{Action: login.ActionCode, Code: wrongCode(code)})
			want(t, v, login.StepVerifyEmail)
			if v.FieldErrors["code"] == "" {
				t.Fatalf("wrong guess %d accepted", i)
			}
		}
		// The right code is refused now, for the right reason.
		v := b.submit(login.Input{Action: login.ActionCode, Code: code})
		want(t, v, login.StepVerifyEmail)
		if !strings.Contains(v.FieldErrors["code"], "no longer be used") || v.CodeSent {
			t.Fatalf("dead code answer = %+v", v)
		}
		// A new code works.
		b.submit(login.Input{Action: login.ActionResend})
		_, code2, _ := w.mailTo("pat@example.com")
		want(t, b.submit(login.Input{Action: login.ActionCode, Code: code2}), login.StepCreateOrg)
	})
}

func TestFourWrongGuessesThenRight(t *testing.T) {
	engines(t, func(t *testing.T, w *world) {
		b := w.start(login.AuthRequest{})
		b.submit(login.Input{Action: login.ActionEmail, Email: "pat@example.com"})
		_, code, _ := w.mailTo("pat@example.com")
		for range flow.MaxCodeGuesses - 1 {
			b.submit(login.Input{Action: login.ActionCode, Code: wrongCode(code)})
		}
		want(t, b.submit(login.Input{Action: login.ActionCode, Code: " " + code[:3] + "-" + code[3:] + " "}), login.StepCreateOrg)
	})
}

func TestExpiredCode(t *testing.T) {
	engines(t, func(t *testing.T, w *world) {
		b := w.start(login.AuthRequest{})
		b.submit(login.Input{Action: login.ActionEmail, Email: "pat@example.com"})
		_, code, token := w.mailTo("pat@example.com")
		// Each submit takes a second: this one lands exactly at the expiry.
		w.clk.Advance(flow.CodeLifetime - time.Second)
		v := b.submit(login.Input{Action: login.ActionCode, Code: code})
		want(t, v, login.StepVerifyEmail)
		if !strings.Contains(v.FieldErrors["code"], "expired") {
			t.Fatalf("expired code answer = %v", v.FieldErrors)
		}
		_, err := w.svc.VerifyLink(w.ctx, w.p.ID, token, b.c)
		isErr(t, err, flow.ErrInvalidLink, "expired magic link")
		// Baseline: a second earlier the same code works.
		b2 := w.start(login.AuthRequest{})
		b2.submit(login.Input{Action: login.ActionEmail, Email: "pat2@example.com"})
		_, code2, _ := w.mailTo("pat2@example.com")
		w.clk.Advance(flow.CodeLifetime - 2*time.Second)
		want(t, b2.submit(login.Input{Action: login.ActionCode, Code: code2}), login.StepCreateOrg)
	})
}

func TestReusedCode(t *testing.T) {
	engines(t, func(t *testing.T, w *world) {
		w.user(w.org("Acme", nil), "pat@example.com", "")
		b := w.start(login.AuthRequest{})
		b.submit(login.Input{Action: login.ActionEmail, Email: "pat@example.com"})
		_, code, token := w.mailTo("pat@example.com")
		want(t, b.submit(login.Input{Action: login.ActionCode, Code: code}), login.StepDone)
		// The code proved the email: the link died with it.
		_, err := w.svc.VerifyLink(w.ctx, w.p.ID, token, b.c)
		isErr(t, err, flow.ErrInvalidLink, "link after its code was used")
		b.complete()
		// The used code does not open another attempt of the same email.
		b2 := w.start(login.AuthRequest{})
		b2.submit(login.Input{Action: login.ActionEmail, Email: "pat@example.com"})
		v := b2.submit(login.Input{Action: login.ActionCode, Code: code})
		if v.Step != login.StepVerifyEmail {
			_, fresh, _ := w.mailTo("pat@example.com")
			if fresh != code {
				t.Fatalf("an old code proved a new attempt: %+v", v)
			}
			t.Skip("the new code happens to equal the old one")
		}
		// Nor does restarting the finished attempt.
		_, err = w.svc.Load(w.ctx, w.p.ID, b.cookie)
		isErr(t, err, flow.ErrGone, "Load of the finished attempt")
	})
}

func TestLinkOfOneAttemptDoesNotVerifyAnother(t *testing.T) {
	engines(t, func(t *testing.T, w *world) {
		victim := w.start(login.AuthRequest{})
		victim.submit(login.Input{Action: login.ActionEmail, Email: "pat@example.com"})
		_, _, token := w.mailTo("pat@example.com")
		attacker := w.start(login.AuthRequest{})
		attacker.submit(login.Input{Action: login.ActionEmail, Email: "pat@example.com"})
		_, _, token2 := w.mailTo("pat@example.com")
		if token == token2 {
			t.Fatal("two attempts got the same link")
		}
		got, err := w.svc.VerifyLink(w.ctx, w.p.ID, token, victim.c)
		if err != nil || got != victim.a.ID {
			t.Fatalf("VerifyLink = %s, %v; want the victim's attempt %s", got, err, victim.a.ID)
		}
		want(t, attacker.view(), login.StepVerifyEmail)
		want(t, victim.view(), login.StepCreateOrg)
		_, _, err = w.svc.Complete(w.ctx, attacker.a, attacker.c)
		isErr(t, err, flow.ErrNotDone, "Complete of the attempt whose link was not used")
	})
}

func TestCodeIsBoundToItsAttempt(t *testing.T) {
	engines(t, func(t *testing.T, w *world) {
		a := w.start(login.AuthRequest{})
		a.submit(login.Input{Action: login.ActionEmail, Email: "pat@example.com"})
		_, codeA, _ := w.mailTo("pat@example.com")
		b := w.start(login.AuthRequest{})
		b.submit(login.Input{Action: login.ActionEmail, Email: "pat@example.com"})
		_, codeB, _ := w.mailTo("pat@example.com")
		if codeA == codeB {
			t.Skip("the two codes happen to be equal")
		}
		v := b.submit(login.Input{Action: login.ActionCode, Code: codeA})
		want(t, v, login.StepVerifyEmail)
		if v.FieldErrors["code"] == "" {
			t.Fatalf("another attempt's code: %+v", v)
		}
		want(t, a.submit(login.Input{Action: login.ActionCode, Code: codeA}), login.StepCreateOrg)
	})
}

func TestResendReplacesCodeAndLink(t *testing.T) {
	engines(t, func(t *testing.T, w *world) {
		b := w.start(login.AuthRequest{})
		b.submit(login.Input{Action: login.ActionEmail, Email: "pat@example.com"})
		_, code1, link1 := w.mailTo("pat@example.com")
		v := b.submit(login.Input{Action: login.ActionResend})
		if v.Notice == "" || !v.CodeSent {
			t.Fatalf("resend view = %+v", v)
		}
		_, code2, link2 := w.mailTo("pat@example.com")
		_, err := w.svc.VerifyLink(w.ctx, w.p.ID, link1, b.c)
		isErr(t, err, flow.ErrInvalidLink, "the replaced link")
		if code1 != code2 {
			v = b.submit(login.Input{Action: login.ActionCode, Code: code1})
			if v.FieldErrors["code"] == "" {
				t.Fatalf("the replaced code still works")
			}
		}
		if _, err := w.svc.VerifyLink(w.ctx, w.p.ID, link2, b.c); err != nil {
			t.Fatalf("the new link: %v", err)
		}
	})
}

// TestCodeThrottled: one client guessing codes across many attempts hits
// the per-IP limit; the answer says to wait, and even the right code is not
// judged until then. Another client is not affected.
func TestCodeThrottled(t *testing.T) {
	engines(t, func(t *testing.T, w *world) {
		var (
			b    *browser
			v    *login.View
			code string
		)
	guessing:
		for i := 0; i < 30; i++ {
			b = w.start(login.AuthRequest{})
			email := fmt.Sprintf("p%d@example.com", i)
			b.submit(login.Input{Action: login.ActionEmail, Email: email})
			_, code, _ = w.mailTo(email)
			for range flow.MaxCodeGuesses - 1 {
				v = b.submit(login.Input{Action: login.ActionCode, Code: wrongCode(code)})
				if v.ThrottledFor > 0 {
					break guessing
				}
			}
		}
		if v.ThrottledFor <= 0 || !strings.Contains(v.FieldErrors["code"], "Wait") {
			t.Fatalf("code guesses never throttled: %+v", v)
		}
		v = b.submit(login.Input{Action: login.ActionCode, Code: code})
		if v.ThrottledFor <= 0 || v.Step != login.StepVerifyEmail {
			t.Fatalf("a throttled right code: %+v", v)
		}
		// Baseline: the same attempt from another network goes through.
		b.c.IP = "198.51.100.9"
		want(t, b.submit(login.Input{Action: login.ActionCode, Code: code}), login.StepCreateOrg)
	})
}

// TestLinkOnlyInItsBrowser: with VerifyLinkFrom, a link opened by someone
// else (the victim of an attempt an attacker started with their address)
// proves nothing and stays usable where the attempt started.
func TestLinkOnlyInItsBrowser(t *testing.T) {
	engines(t, func(t *testing.T, w *world) {
		attacker := w.start(login.AuthRequest{})
		attacker.submit(login.Input{Action: login.ActionEmail, Email: "victim@example.com"})
		_, _, token := w.mailTo("victim@example.com")
		victim := w.start(login.AuthRequest{})
		for _, cookie := range []string{"", victim.cookie, "gh_la_FORGED"} {
			_, err := w.svc.VerifyLinkFrom(w.ctx, w.p.ID, token, cookie, victim.c)
			isErr(t, err, flow.ErrOtherBrowser, "link opened in another browser")
		}
		want(t, attacker.view(), login.StepVerifyEmail)
		// Baseline: in the browser that started it the link works, once.
		got, err := w.svc.VerifyLinkFrom(w.ctx, w.p.ID, token, attacker.cookie, attacker.c)
		if err != nil || got != attacker.a.ID {
			t.Fatalf("VerifyLinkFrom in its browser = %s, %v", got, err)
		}
		want(t, attacker.view(), login.StepCreateOrg)
		_, err = w.svc.VerifyLinkFrom(w.ctx, w.p.ID, token, attacker.cookie, attacker.c)
		isErr(t, err, flow.ErrInvalidLink, "replayed link in its browser")
	})
}

// TestSendsThrottled: asking for code after code stops at the per-address
// limit, the same way for an address with an account and one without, and
// no email goes out while throttled.
func TestSendsThrottled(t *testing.T) {
	engines(t, func(t *testing.T, w *world) {
		w.user(w.org("Acme", nil), "known@example.com", "")
		sends := func(email string) (int, *login.View) {
			b := w.start(login.AuthRequest{})
			v := b.submit(login.Input{Action: login.ActionEmail, Email: email})
			for i := 1; i < 100; i++ {
				if v.ThrottledFor > 0 {
					return i, v
				}
				v = b.submit(login.Input{Action: login.ActionResend})
			}
			t.Fatalf("%s: sends never throttled", email)
			return 0, nil
		}
		nKnown, vKnown := sends("known@example.com")
		nUnknown, vUnknown := sends("nobody@example.com")
		if nKnown != nUnknown || vKnown.FieldErrors["code"] != vUnknown.FieldErrors["code"] || !strings.Contains(vKnown.FieldErrors["code"], "Wait") {
			t.Fatalf("known throttled at send %d (%v), unknown at %d (%v)", nKnown, vKnown.FieldErrors, nUnknown, vUnknown.FieldErrors)
		}
		if got := w.mailCount("known@example.com"); got != nKnown-1 {
			t.Fatalf("%d emails sent for %d allowed requests", got, nKnown-1)
		}
		// Baseline: after the window another code goes out.
		w.clk.Advance(time.Hour)
		b := w.start(login.AuthRequest{})
		if v := b.submit(login.Input{Action: login.ActionEmail, Email: "known@example.com"}); v.ThrottledFor != 0 || !v.CodeSent {
			t.Fatalf("send after the window: %+v", v)
		}
	})
}
