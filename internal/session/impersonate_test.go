package session_test

import (
	"crypto/sha256"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/audit"
	"github.com/gatehouse-auth/gatehouse/internal/fault"
	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/login"
	"github.com/gatehouse-auth/gatehouse/internal/session"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/tenancy"
	"github.com/gatehouse-auth/gatehouse/internal/user"
)

// staff is a console staff member.
var staff = audit.Actor{Type: audit.ActorStaff, ID: "user_01jd8x3k5m7q9s1v3x5z7b9d1f"}

const staffEmail = "support@vendor.example"

func impersonation(u *user.User) session.Impersonation {
	return session.Impersonation{
		ProjectID: u.ProjectID, UserID: u.ID, Staff: staff, StaffEmail: staffEmail,
		Reason: "Ticket 4711: invoices page is empty", UserAgent: "Console/1.0", IP: "203.0.113.9",
	}
}

func (e *env) impersonate(u *user.User) (*session.Session, string) {
	e.t.Helper()
	s, tok, err := e.sess.Impersonate(e.ctx, impersonation(u))
	if err != nil {
		e.t.Fatalf("impersonate: %v", err)
	}
	return s, tok
}

func TestImpersonationLastsAtMostAnHour(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, e *env) {
		a := e.tenant("Acme")
		start := e.clk.Now()
		s, tok := e.impersonate(a.U)
		if !strings.HasPrefix(tok, session.BrowserTokenPrefix) || s.ClientID != "" || s.UserID != a.U.ID || s.OrgID != a.O.ID {
			t.Fatalf("impersonated session: %+v (token %q)", s, tok)
		}
		if !s.ExpiresAt.Equal(start.Add(session.MaxImpersonation)) {
			t.Fatalf("expires at %v, want one hour after %v", s.ExpiresAt, start)
		}
		want := &session.Impersonator{StaffUserID: staff.ID, Email: staffEmail, Reason: "Ticket 4711: invoices page is empty"}
		if s.Impersonator == nil || *s.Impersonator != *want {
			t.Fatalf("impersonator %+v, want %+v", s.Impersonator, want)
		}
		// The facts claim no proof of the user's.
		if got := s.Facts.AMR(); !slices.Equal(got, []string{"imp"}) || s.Facts.EmailVerified {
			t.Fatalf("facts: amr %v, email verified %v", got, s.Facts.EmailVerified)
		}

		// The hosted pages see who is acting.
		g, err := e.sess.Authenticate(e.ctx, a.P.ID, tok)
		fatalIf(t, err)
		if g.Session.Impersonator == nil || g.Session.Impersonator.Email != staffEmail {
			t.Fatalf("browser grant lost the impersonator: %+v", g.Session)
		}

		// An app signs in with it: the client session is the same
		// impersonation, bounded by the same hour, and so is a second app's
		// copy.
		g1, err := e.sess.GrantForCode(e.ctx, a.P.ID, s.ID, "cli_app")
		fatalIf(t, err)
		e.clk.Advance(10 * time.Minute)
		g2, err := e.sess.GrantForCode(e.ctx, a.P.ID, s.ID, "cli_other")
		fatalIf(t, err)
		for _, g := range []*session.Grant{g1, g2} {
			if g.Session.Impersonator == nil || *g.Session.Impersonator != *want || !g.Session.ExpiresAt.Equal(s.ExpiresAt) {
				t.Fatalf("client session %s: impersonator %+v, expires %v", g.Session.ID, g.Session.Impersonator, g.Session.ExpiresAt)
			}
		}
		if g2.Session.ID == s.ID {
			t.Fatalf("the second app did not get a session of its own")
		}

		// Refreshes work within the hour and never past it.
		e.clk.Advance(49 * time.Minute)
		tok1 := e.refresh(a.P.ID, "cli_app", g1.RefreshToken).RefreshToken
		tok2 := e.refresh(a.P.ID, "cli_other", g2.RefreshToken).RefreshToken
		e.clk.Advance(time.Minute + time.Second)
		e.refreshFails(a.P.ID, "cli_app", tok1, session.ErrInvalid, "refresh past the hour")
		e.refreshFails(a.P.ID, "cli_other", tok2, session.ErrInvalid, "copy's refresh past the hour")
		if _, err := e.sess.Authenticate(e.ctx, a.P.ID, tok); !errors.Is(err, session.ErrInvalid) {
			t.Fatalf("browser cookie past the hour: %v", err)
		}

		// The start is in the user's project's audit log, by the staff member.
		evs := e.events(a.P.ID, "impersonation.started")
		if len(evs) != 1 || evs[0].Actor != staff || evs[0].ResourceID != string(s.ID) || evs[0].OrganizationID != a.O.ID {
			t.Fatalf("impersonation.started events: %+v", evs)
		}
		var d struct {
			After map[string]any `json:"after"`
		}
		fatalIf(t, json.Unmarshal(evs[0].Details, &d))
		if d.After["reason"] != want.Reason || d.After["staff_email"] != staffEmail || d.After["user_id"] != string(a.U.ID) {
			t.Fatalf("impersonation.started details: %s", evs[0].Details)
		}
	})
}

func TestImpersonationFollowsAShorterSessionPolicy(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, e *env) {
		a := e.tenant("Acme")
		short := 20 * time.Minute
		e.updateOrg(a.O, tenancy.OrganizationUpdate{SessionMaxLifetime: &tenancy.DurationChange{Value: &short}})
		s, _ := e.impersonate(a.U)
		if !s.ExpiresAt.Equal(e.clk.Now().Add(short)) {
			t.Fatalf("expires at %v, want the organization's 20 minutes", s.ExpiresAt)
		}
	})
}

func TestImpersonationRefusals(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, e *env) {
		a, b := e.tenant("Acme"), e.tenant("Other")
		// Baseline: a login method restriction does not concern an
		// impersonation, which is no way of signing in.
		passwordOnly := []string{"password"}
		e.updateOrg(a.O, tenancy.OrganizationUpdate{AllowedLoginMethods: &passwordOnly})
		e.impersonate(a.U)

		refused := func(in session.Impersonation, kind fault.Kind, code, what string) {
			t.Helper()
			s, tok, err := e.sess.Impersonate(e.ctx, in)
			if s != nil || tok != "" || !fault.Is(err, kind) || fault.CodeOf(err) != code {
				t.Fatalf("%s: got %v (session %v), want %s %s", what, err, s, kind, code)
			}
		}
		in := impersonation(a.U)
		for _, reason := range []string{"", "  ", "ab", strings.Repeat("x", 501)} {
			in.Reason = reason
			refused(in, fault.Invalid, fault.CodeInvalidRequest, "reason "+reason)
		}
		in = impersonation(a.U)
		in.Staff = audit.Actor{Type: audit.ActorUser, ID: string(a.U.ID)}
		refused(in, fault.Invalid, fault.CodeInvalidRequest, "a user, not staff")
		in = impersonation(a.U)
		in.StaffEmail = ""
		refused(in, fault.Invalid, fault.CodeInvalidRequest, "no staff email")

		// Another project's user is unknown here.
		in = impersonation(b.U)
		in.ProjectID = a.P.ID
		refused(in, fault.NotFound, fault.CodeNotFound, "another project's user")
		in = impersonation(a.U)
		in.UserID = id.New[id.User](e.clk.Now())
		refused(in, fault.NotFound, fault.CodeNotFound, "unknown user")

		// Deactivation and the kill switch are not bypassed.
		deactivated, on := "deactivated", true
		_, err := e.ten.UpdateUser(e.ctx, system, a.P.ID, string(a.U.ID), tenancy.UserUpdate{Status: &deactivated})
		fatalIf(t, err)
		refused(impersonation(a.U), fault.FailedPrecondition, "user_deactivated", "deactivated user")
		e.updateOrg(b.O, tenancy.OrganizationUpdate{LoginsDisabled: &on})
		refused(impersonation(b.U), fault.FailedPrecondition, "logins_disabled", "organization with logins disabled")

		if n := len(e.events(a.P.ID, "impersonation.started")); n != 1 {
			t.Fatalf("%d impersonation.started events, want the baseline's 1", n)
		}
		if n := len(e.events(b.P.ID, "impersonation.started")); n != 0 {
			t.Fatalf("%d impersonation.started events in the other project", n)
		}
	})
}

// TestImpersonationEndsWhenTheUserIsDeactivated: current policy judges an
// impersonated session at every use, like any other.
func TestImpersonationEndsWhenTheUserIsDeactivated(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, e *env) {
		a := e.tenant("Acme")
		s, _ := e.impersonate(a.U)
		g, err := e.sess.GrantForCode(e.ctx, a.P.ID, s.ID, "cli_app")
		fatalIf(t, err)
		tok := e.refresh(a.P.ID, "cli_app", g.RefreshToken).RefreshToken
		deactivated := "deactivated"
		_, err = e.ten.UpdateUser(e.ctx, system, a.P.ID, string(a.U.ID), tenancy.UserUpdate{Status: &deactivated})
		fatalIf(t, err)
		// Deactivation signs the user out everywhere at once, the
		// impersonation and its app session included.
		e.refreshFails(a.P.ID, "cli_app", tok, session.ErrInvalid, "after deactivation")
		for _, sid := range []id.Session{s.ID, g.Session.ID} {
			if got := e.get(a.P.ID, sid); got.RevokedAt == nil || got.RevokeReason != "user_deactivated" {
				t.Fatalf("session %s after deactivation: revoked_at %v reason %q", sid, got.RevokedAt, got.RevokeReason)
			}
		}
	})
}

// TestOnlyImpersonateMintsImpersonations: facts claiming an impersonation
// cannot be turned into a session by the login's path, which would leave it
// without the hour's bound and without the staff member's name.
func TestOnlyImpersonateMintsImpersonations(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, e *env) {
		a := e.tenant("Acme")
		e.login(a.U) // baseline
		err := e.st.Write(e.ctx, func(w store.Writer) error {
			_, _, err := e.sess.Create(e.ctx, w, session.NewSession{
				ProjectID: a.P.ID, OrgID: a.O.ID, UserID: a.U.ID,
				Facts: login.Facts{Email: a.U.Email, Proofs: []login.Proof{{Factor: login.FactorImpersonation, At: e.clk.Now()}}},
			})
			return err
		})
		if err == nil || !strings.Contains(err.Error(), "Impersonate") {
			t.Fatalf("Create with impersonation facts: %v", err)
		}
	})
}

func TestEndImpersonation(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, e *env) {
		a, b := e.tenant("Acme"), e.tenant("Other")
		s, tok := e.impersonate(a.U)
		g1, err := e.sess.GrantForCode(e.ctx, a.P.ID, s.ID, "cli_app")
		fatalIf(t, err)
		g2, err := e.sess.GrantForCode(e.ctx, a.P.ID, s.ID, "cli_other")
		fatalIf(t, err)
		own, _ := e.login(a.U)
		other, _ := e.impersonate(a.U)

		// Refused: another project, and a session that is no impersonation.
		if err := e.sess.EndImpersonation(session.WithActor(e.ctx, staff), b.P.ID, s.ID); !fault.Is(err, fault.NotFound) {
			t.Fatalf("ending from another project: %v", err)
		}
		if err := e.sess.EndImpersonation(e.ctx, a.P.ID, own.ID); !fault.Is(err, fault.FailedPrecondition) || fault.CodeOf(err) != "not_impersonation" {
			t.Fatalf("ending the user's own session: %v", err)
		}
		if e.get(a.P.ID, s.ID).RevokedAt != nil || e.get(a.P.ID, own.ID).RevokedAt != nil {
			t.Fatalf("a refused end revoked something")
		}

		// Ended through one of its client sessions: all of it ends (the
		// first app bound the browser session itself, the second got a copy).
		fatalIf(t, e.sess.EndImpersonation(session.WithActor(e.ctx, staff), a.P.ID, g2.Session.ID))
		for _, sid := range []id.Session{s.ID, g1.Session.ID, g2.Session.ID} {
			if got := e.get(a.P.ID, sid); got.RevokedAt == nil || got.RevokeReason != session.ReasonImpersonationEnded {
				t.Fatalf("session %s: revoked_at %v reason %q", sid, got.RevokedAt, got.RevokeReason)
			}
		}
		if _, err := e.sess.Authenticate(e.ctx, a.P.ID, tok); !errors.Is(err, session.ErrInvalid) {
			t.Fatalf("browser cookie after the end: %v", err)
		}
		e.refreshFails(a.P.ID, "cli_app", g1.RefreshToken, session.ErrInvalid, "client session after the end")
		if e.get(a.P.ID, own.ID).RevokedAt != nil || e.get(a.P.ID, other.ID).RevokedAt != nil {
			t.Fatalf("ending one impersonation revoked the user's own session or another impersonation")
		}

		evs := e.events(a.P.ID, "impersonation.ended")
		if len(evs) != 1 || evs[0].Actor != staff || evs[0].ResourceID != string(s.ID) || !strings.Contains(string(evs[0].Details), `"revoked_sessions":2`) {
			t.Fatalf("impersonation.ended events: %d, first %s", len(evs), evs[0].Details)
		}
		// Ending it again changes and records nothing.
		fatalIf(t, e.sess.EndImpersonation(e.ctx, a.P.ID, s.ID))
		if n := len(e.events(a.P.ID, "impersonation.ended")); n != 1 {
			t.Fatalf("%d impersonation.ended events after ending twice", n)
		}
	})
}

// TestImpersonationFactsNeedTheirStaffMember: a session row whose facts claim
// an impersonation but that names no staff member (written by anything but
// Impersonate) is not honoured, although such facts escape the login-method
// rules; the same row naming its staff member is.
func TestImpersonationFactsNeedTheirStaffMember(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, e *env) {
		a := e.tenant("Acme")
		write := func(imp bool) string {
			now := e.clk.Now()
			tok := "gh_bs_" + string(id.New[id.Session](now))
			facts, err := json.Marshal(login.Facts{Email: a.U.Email, Proofs: []login.Proof{{Factor: login.FactorImpersonation, At: now}}})
			fatalIf(t, err)
			sum := sha256.Sum256([]byte(tok))
			rec := &store.SessionRecord{
				ID: id.New[id.Session](now), ProjectID: a.P.ID, OrgID: a.O.ID, UserID: a.U.ID, Facts: facts, BrowserTokenHash: sum[:],
				CreatedAt: now, LastActiveAt: now, ExpiresAt: now.Add(time.Hour), IdleExpiresAt: now.Add(time.Hour),
			}
			if imp {
				rec.Impersonation = &store.Impersonation{StaffUserID: staff.ID, StaffEmail: staffEmail, Reason: "Ticket 4711", OriginID: rec.ID}
			}
			fatalIf(t, e.st.Write(e.ctx, func(w store.Writer) error { return w.CreateSession(e.ctx, rec) }))
			return tok
		}
		if _, err := e.sess.Authenticate(e.ctx, a.P.ID, write(true)); err != nil {
			t.Fatalf("baseline: an impersonation naming its staff member: %v", err)
		}
		if g, err := e.sess.Authenticate(e.ctx, a.P.ID, write(false)); !errors.Is(err, session.ErrInvalid) {
			t.Fatalf("impersonation facts without a staff member: %v (grant %v)", err, g)
		}
	})
}

// TestRevokingAnImpersonatedSessionEndsItAll: signing out one session of an
// impersonation — through the API, the account or organization sessions
// page — ends the browser session and every app session made from it, with
// impersonation.ended recorded; revoking the user's own session ends only
// that one.
func TestRevokingAnImpersonatedSessionEndsItAll(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, e *env) {
		a := e.tenant("Acme")
		s, _ := e.impersonate(a.U)
		g1, err := e.sess.GrantForCode(e.ctx, a.P.ID, s.ID, "cli_app")
		fatalIf(t, err)
		g2, err := e.sess.GrantForCode(e.ctx, a.P.ID, s.ID, "cli_other")
		fatalIf(t, err)
		own, _ := e.login(a.U)
		ownApp, _ := e.connect(a.U, "cli_app")

		fatalIf(t, e.sess.Revoke(session.WithActor(e.ctx, staff), a.P.ID, s.ID, "revoked_by_api"))
		e.refreshFails(a.P.ID, "cli_other", g2.RefreshToken, session.ErrInvalid, "an app copy after its origin was revoked")
		for _, sid := range []id.Session{s.ID, g1.Session.ID, g2.Session.ID} {
			if got := e.get(a.P.ID, sid); got.RevokedAt == nil || got.RevokeReason != session.ReasonImpersonationEnded {
				t.Fatalf("session %s: revoked_at %v reason %q", sid, got.RevokedAt, got.RevokeReason)
			}
		}
		if n := len(e.events(a.P.ID, "impersonation.ended")); n != 1 {
			t.Fatalf("%d impersonation.ended events, want 1", n)
		}
		// Baseline: the user's own sessions are untouched, and revoking one
		// of them ends only that one.
		if e.get(a.P.ID, own.ID).RevokedAt != nil || e.get(a.P.ID, ownApp.Session.ID).RevokedAt != nil {
			t.Fatal("ending the impersonation revoked the user's own sessions")
		}
		fatalIf(t, e.sess.Revoke(e.ctx, a.P.ID, own.ID, "revoked_by_api"))
		if got := e.get(a.P.ID, own.ID); got.RevokeReason != "revoked_by_api" || e.get(a.P.ID, ownApp.Session.ID).RevokedAt != nil {
			t.Fatalf("revoking the user's own session: %+v", got)
		}

		// An app revoking its refresh token (RFC 7009) of a new
		// impersonation ends all of it too, as the staff member's act.
		s2, _ := e.impersonate(a.U)
		h1, err := e.sess.GrantForCode(e.ctx, a.P.ID, s2.ID, "cli_app")
		fatalIf(t, err)
		h2, err := e.sess.GrantForCode(e.ctx, a.P.ID, s2.ID, "cli_other")
		fatalIf(t, err)
		fatalIf(t, e.sess.RevokeRefreshToken(e.ctx, a.P.ID, "cli_other", h2.RefreshToken))
		for _, sid := range []id.Session{s2.ID, h1.Session.ID, h2.Session.ID} {
			if got := e.get(a.P.ID, sid); got.RevokedAt == nil || got.RevokeReason != session.ReasonImpersonationEnded {
				t.Fatalf("after the app revoked its token, session %s: revoked_at %v reason %q", sid, got.RevokedAt, got.RevokeReason)
			}
		}
		evs := e.events(a.P.ID, "impersonation.ended")
		if len(evs) != 2 || evs[0].Actor != staff {
			t.Fatalf("impersonation.ended events: %d, newest by %+v", len(evs), evs[0].Actor)
		}
	})
}
