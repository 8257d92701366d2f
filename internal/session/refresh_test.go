package session_test

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/login"
	"github.com/gatehouse-auth/gatehouse/internal/session"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/tenancy"
	"github.com/gatehouse-auth/gatehouse/internal/user"
)

func TestRefreshRotates(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, e *env) {
		a := e.tenant("Acme")
		g0, t0 := e.connect(a.U, "cli_app")
		if !strings.HasPrefix(t0, "gh_rt_") || g0.Session.ClientID != "cli_app" || g0.User.ID != a.U.ID || g0.Org.ID != a.O.ID {
			t.Fatalf("first grant: token %q, session %+v", t0, g0.Session)
		}
		e.clk.Advance(time.Minute)
		g1 := e.refresh(a.P.ID, "cli_app", t0)
		t1 := g1.RefreshToken
		if t1 == t0 || !strings.HasPrefix(t1, "gh_rt_") || g1.Session.ID != g0.Session.ID {
			t.Fatalf("rotation gave %q for %q (session %s)", t1, t0, g1.Session.ID)
		}
		if !g1.Session.LastActiveAt.Equal(e.clk.Now()) || !g1.Session.IdleExpiresAt.Equal(e.clk.Now().Add(project7d)) {
			t.Fatalf("rotation did not move the idle expiry: %+v", g1.Session)
		}

		// Within the grace, the previous token yields the same successor.
		e.clk.Advance(session.Grace)
		if g := e.refresh(a.P.ID, "cli_app", t0); g.RefreshToken != t1 {
			t.Fatalf("previous token within the grace gave %q, want %q", g.RefreshToken, t1)
		}
		// The current token still rotates.
		t2 := e.refresh(a.P.ID, "cli_app", t1).RefreshToken

		// A rotated token outside the grace is reuse: the session ends.
		e.clk.Advance(session.Grace + time.Second)
		e.refreshFails(a.P.ID, "cli_app", t1, session.ErrReused, "rotated token after the grace")
		e.refreshFails(a.P.ID, "cli_app", t2, session.ErrInvalid, "successor after reuse")
		s := e.get(a.P.ID, g0.Session.ID)
		if s.RevokedAt == nil || s.RevokeReason != session.ReasonReused {
			t.Fatalf("session after reuse: revoked_at %v reason %q", s.RevokedAt, s.RevokeReason)
		}
		evs := e.events(a.P.ID, "session.revoked")
		if len(evs) != 1 || evs[0].ResourceID != string(s.ID) || !strings.Contains(string(evs[0].Details), session.ReasonReused) {
			t.Fatalf("reuse audit events: %+v", evs)
		}
		// The session is over: even its oldest token is merely invalid now,
		// and revoking again records nothing.
		e.refreshFails(a.P.ID, "cli_app", t0, session.ErrInvalid, "first token of a revoked session")
		if n := len(e.events(a.P.ID, "session.revoked")); n != 1 {
			t.Fatalf("%d revocation events after a token of a revoked session, want 1", n)
		}
	})
}

const project7d = 7 * 24 * time.Hour

func TestConcurrentRefreshesGetOneSuccessor(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, e *env) {
		a := e.tenant("Acme")
		_, t0 := e.connect(a.U, "cli_app")
		const n = 8
		got := make([]string, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range n {
			wg.Go(func() {
				<-start
				g, err := e.sess.Refresh(e.ctx, a.P.ID, "cli_app", t0)
				errs[i] = err
				if err == nil {
					got[i] = g.RefreshToken
				}
			})
		}
		close(start)
		wg.Wait()
		for i := range n {
			if errs[i] != nil {
				t.Fatalf("refresher %d: %v", i, errs[i])
			}
			if got[i] != got[0] {
				t.Fatalf("refresher %d got %q, refresher 0 %q", i, got[i], got[0])
			}
		}
		// The one successor works and the session is intact.
		e.refresh(a.P.ID, "cli_app", got[0])
	})
}

func TestRefreshAcrossProjectsAndClients(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, e *env) {
		a, b := e.tenant("Acme"), e.tenant("Other")
		_, tok := e.connect(a.U, "cli_app")
		e.refreshFails(b.P.ID, "cli_app", tok, session.ErrInvalid, "A's token at B's endpoint")
		e.refreshFails(a.P.ID, "cli_other", tok, session.ErrInvalid, "A's token presented by another client")
		e.refreshFails(a.P.ID, "", tok, session.ErrInvalid, "no client")
		for _, junk := range []string{"", "gh_rt_", "gh_bs_" + tok[6:], tok + "x", strings.Repeat("gh_rt_", 40)} {
			e.refreshFails(a.P.ID, "cli_app", junk, session.ErrInvalid, "malformed token "+junk)
		}
		// None of that hurt the owner: the token still rotates.
		next := e.refresh(a.P.ID, "cli_app", tok).RefreshToken
		// A rotated token from the wrong client is not reuse either.
		e.clk.Advance(time.Hour)
		e.refreshFails(a.P.ID, "cli_other", tok, session.ErrInvalid, "rotated token from another client")
		e.refresh(a.P.ID, "cli_app", next)
	})
}

func TestIdleTimeoutAndAbsoluteLifetime(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, e *env) {
		a := e.tenant("Acme")
		idle, maxLife := 10*time.Minute, 2*time.Hour
		// The organization's overrides beat the project's 7-day/30-day defaults.
		e.updateOrg(a.O, tenancy.OrganizationUpdate{
			SessionIdleTimeout: &tenancy.DurationChange{Value: &idle}, SessionMaxLifetime: &tenancy.DurationChange{Value: &maxLife},
		})
		g, tok := e.connect(a.U, "cli_app")
		if want := e.clk.Now().Add(maxLife); !g.Session.ExpiresAt.Equal(want) {
			t.Fatalf("expires_at %v, want %v", g.Session.ExpiresAt, want)
		}
		// Refreshing every 9 minutes keeps the session alive...
		for e.clk.Now().Before(g.Session.ExpiresAt.Add(-9 * time.Minute)) {
			e.clk.Advance(9 * time.Minute)
			tok = e.refresh(a.P.ID, "cli_app", tok).RefreshToken
		}
		// ...until the absolute lifetime, whatever the activity.
		e.clk.Advance(9 * time.Minute)
		e.refreshFails(a.P.ID, "cli_app", tok, session.ErrInvalid, "after the absolute lifetime")

		// Idle: 11 quiet minutes end a fresh session; 9 did not above.
		_, tok = e.connect(a.U, "cli_app")
		e.clk.Advance(11 * time.Minute)
		e.refreshFails(a.P.ID, "cli_app", tok, session.ErrInvalid, "after the idle timeout")

		// Shortening the policy reaches existing sessions at their next use.
		_, tok = e.connect(a.U, "cli_app")
		e.clk.Advance(5 * time.Minute)
		tok = e.refresh(a.P.ID, "cli_app", tok).RefreshToken
		short := 3 * time.Minute
		e.updateOrg(a.O, tenancy.OrganizationUpdate{SessionIdleTimeout: &tenancy.DurationChange{Value: &short}})
		e.clk.Advance(4 * time.Minute)
		e.refreshFails(a.P.ID, "cli_app", tok, session.ErrInvalid, "idle beyond a shortened timeout")
	})
}

func TestPolicyChangesReachTheNextRefresh(t *testing.T) {
	t.Parallel()
	deactivated, enabled, passwordOnly := "deactivated", true, []string{"password"}
	// The kill switch and deactivation through tenancy revoke the sessions
	// when they happen, so the next refresh finds the session already
	// ended; the other changes (and a status written by anything else) are
	// judged at the refresh itself.
	cases := []struct {
		name, reason string
		change       func(e *env, a *tenant)
		revoked      bool
	}{
		{"user_deactivated", "user_deactivated", func(e *env, a *tenant) {
			_, err := e.ten.UpdateUser(e.ctx, system, a.P.ID, string(a.U.ID), tenancy.UserUpdate{Status: &deactivated})
			fatalIf(e.t, err)
		}, true},
		{"user_deactivated_in_store", "user_deactivated", func(e *env, a *tenant) {
			fatalIf(e.t, e.st.Write(e.ctx, func(w store.Writer) error {
				u, err := w.GetUser(e.ctx, a.P.ID, a.U.ID)
				if err != nil {
					return err
				}
				u.Status = user.StatusDeactivated
				return w.UpdateUser(e.ctx, u)
			}))
		}, false},
		{"logins_disabled", "logins_disabled", func(e *env, a *tenant) { e.updateOrg(a.O, tenancy.OrganizationUpdate{LoginsDisabled: &enabled}) }, true},
		{"method_not_allowed", "method_not_allowed", func(e *env, a *tenant) {
			e.updateOrg(a.O, tenancy.OrganizationUpdate{AllowedLoginMethods: &passwordOnly})
		}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			engines(t, func(t *testing.T, e *env) {
				a := e.tenant("Acme")
				g, tok := e.connect(a.U, "cli_app")
				tok = e.refresh(a.P.ID, "cli_app", tok).RefreshToken // baseline: allowed
				c.change(e, a)
				if c.revoked {
					e.refreshFails(a.P.ID, "cli_app", tok, session.ErrInvalid, "after the policy change")
				} else {
					err := e.refreshFails(a.P.ID, "cli_app", tok, session.ErrRefused, "after the policy change")
					var r *login.Refusal
					if !errors.As(err, &r) || r.Reason != c.reason {
						t.Fatalf("refusal %v, want reason %s", err, c.reason)
					}
				}
				s := e.get(a.P.ID, g.Session.ID)
				if s.RevokedAt == nil || s.RevokeReason != c.reason {
					t.Fatalf("refused session: revoked_at %v reason %q", s.RevokedAt, s.RevokeReason)
				}
				// Revoked for good: undoing nothing brings it back.
				e.refreshFails(a.P.ID, "cli_app", tok, session.ErrInvalid, "refused session again")
			})
		})
	}
}

func TestRolesAndPermissionsFollowTheNextRefresh(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, e *env) {
		a := e.tenant("Acme")
		for _, k := range []string{"invoices.read", "invoices.write"} {
			_, err := e.ten.CreatePermission(e.ctx, system, a.P.ID, tenancy.PermissionInput{Key: k})
			fatalIf(e.t, err)
		}
		_, err := e.ten.CreateRole(e.ctx, system, a.P.ID, tenancy.RoleInput{Key: "billing", Name: "Billing", Permissions: []string{"invoices.read", "invoices.write"}})
		fatalIf(e.t, err)
		g, tok := e.connect(a.U, "cli_app")
		if strings.Join(g.Roles, ",") != "member" || len(g.Permissions) != 0 {
			t.Fatalf("first grant: roles %v permissions %v", g.Roles, g.Permissions)
		}
		r, err := e.ten.AssignRole(e.ctx, system, a.P.ID, string(a.U.ID), tenancy.RoleRef{Key: "billing"})
		fatalIf(e.t, err)
		g = e.refresh(a.P.ID, "cli_app", tok)
		if strings.Join(g.Roles, ",") != "billing,member" || strings.Join(g.Permissions, ",") != "invoices.read,invoices.write" {
			t.Fatalf("after assigning billing: roles %v permissions %v", g.Roles, g.Permissions)
		}
		if err := e.ten.UnassignRole(e.ctx, system, a.P.ID, string(a.U.ID), string(r.ID)); err != nil {
			t.Fatal(err)
		}
		g = e.refresh(a.P.ID, "cli_app", g.RefreshToken)
		if strings.Join(g.Roles, ",") != "member" || len(g.Permissions) != 0 {
			t.Fatalf("after removing billing: roles %v permissions %v", g.Roles, g.Permissions)
		}
	})
}
