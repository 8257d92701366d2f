package session_test

import (
	"context"
	"errors"
	"testing"

	"github.com/gatehouse-auth/gatehouse/internal/audit"
	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/login"
	"github.com/gatehouse-auth/gatehouse/internal/session"
	"github.com/gatehouse-auth/gatehouse/internal/tenancy"
	"github.com/gatehouse-auth/gatehouse/internal/user"
)

// TestImpersonationEndsWhenTheStaffMemberLosesAccess: every use of an
// impersonation asks whether its staff member may still act (the console
// answers from its Staff organization; here a real staff project does); a
// staff member deactivated meanwhile stops acting as the user at once, in
// the app and on the hosted pages, while another staff member's
// impersonation goes on.
func TestImpersonationEndsWhenTheStaffMemberLosesAccess(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, e *env) {
		console := e.tenant("Console")
		active := func(ctx context.Context, staffUserID string) (bool, error) {
			u, err := e.st.GetUser(ctx, console.P.ID, id.User(staffUserID))
			if err != nil {
				return false, err
			}
			return u.Status == user.StatusActive, nil
		}
		svc := session.New(e.st, testKey, session.WithClock(e.clk.Now), session.WithLogger(quiet), session.WithStaffCheck(active))
		a := e.tenant("Acme")
		alice := e.user(console.O, "alice@vendor.example")
		bob := e.user(console.O, "bob@vendor.example")
		start := func(staffer *user.User) (*session.Session, string, string) {
			in := impersonation(a.U)
			in.Staff, in.StaffEmail = audit.Actor{Type: audit.ActorStaff, ID: string(staffer.ID)}, staffer.Email
			s, browser, err := svc.Impersonate(e.ctx, in)
			fatalIf(t, err)
			g, err := svc.GrantForCode(e.ctx, a.P.ID, s.ID, "cli_app")
			fatalIf(t, err)
			return s, browser, g.RefreshToken
		}
		aliceSession, aliceBrowser, aliceRefresh := start(alice)
		_, _, bobRefresh := start(bob)
		aliceCopy, err := svc.GrantForCode(e.ctx, a.P.ID, aliceSession.ID, "cli_other")
		fatalIf(t, err)

		g, err := svc.Refresh(e.ctx, a.P.ID, "cli_app", aliceRefresh)
		fatalIf(t, err)
		aliceRefresh = g.RefreshToken

		deactivated := string(user.StatusDeactivated)
		_, err = e.ten.UpdateUser(e.ctx, system, console.P.ID, string(alice.ID), tenancy.UserUpdate{Status: &deactivated})
		fatalIf(t, err)

		_, err = svc.Refresh(e.ctx, a.P.ID, "cli_app", aliceRefresh)
		var r *login.Refusal
		if !errors.Is(err, session.ErrRefused) || !errors.As(err, &r) || r.Reason != session.ReasonStaffRemoved {
			t.Fatalf("refresh of a deactivated staff member's impersonation: %v, want %s", err, session.ReasonStaffRemoved)
		}
		if _, err := svc.Authenticate(e.ctx, a.P.ID, aliceBrowser); err == nil {
			t.Fatal("the hosted pages still accept the deactivated staff member's impersonation")
		}
		// The whole impersonation ended at that first use, its other app
		// session too, recorded once.
		if got := e.get(a.P.ID, aliceCopy.Session.ID); got.RevokedAt == nil || got.RevokeReason != session.ReasonStaffRemoved {
			t.Fatalf("the impersonation's other app session: revoked_at %v reason %q", got.RevokedAt, got.RevokeReason)
		}
		if n := len(e.events(a.P.ID, "impersonation.ended")); n != 1 {
			t.Fatalf("%d impersonation.ended events, want 1", n)
		}
		if _, err := svc.Refresh(e.ctx, a.P.ID, "cli_app", bobRefresh); err != nil {
			t.Fatalf("another staff member's impersonation ended too: %v", err)
		}
		// The user's own sessions never ask.
		_, own := e.login(a.U)
		if _, err := svc.Authenticate(e.ctx, a.P.ID, own); err != nil {
			t.Fatalf("the user's own session: %v", err)
		}
	})
}
