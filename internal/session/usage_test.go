package session_test

import (
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/fault"
	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/session"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/tenancy"
)

// at moves the clock forward to t.
func (e *env) at(t time.Time) {
	e.t.Helper()
	d := t.Sub(e.clk.Now())
	if d < 0 {
		e.t.Fatalf("the clock cannot go back to %v", t)
	}
	e.clk.Advance(d)
}

func (e *env) usage(p id.Project, o id.Org, month string) *session.Usage {
	e.t.Helper()
	u, err := e.sess.Usage(e.ctx, p, string(o), month)
	fatalIf(e.t, err)
	return u
}

func (e *env) wantMAU(p id.Project, o id.Org, month string, want int64) {
	e.t.Helper()
	if got := e.usage(p, o, month).MonthlyActiveUsers; got != want {
		e.t.Fatalf("%s in %s: %d monthly active users, want %d", o, month, got, want)
	}
}

func TestMonthlyActiveUsers(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, e *env) {
		a, b := e.tenant("Acme"), e.tenant("Other")
		sibling := e.org(a.P.ID, "Acme sibling")
		grace := e.user(a.O, "grace@example.com")
		e.at(time.Date(2026, 11, 30, 22, 0, 0, 0, time.UTC))

		// November: a login and an app's sign-in and refresh count once.
		e.wantMAU(a.P.ID, a.O.ID, "2026-11", 0)
		_, tok := e.connect(a.U, "cli_app")
		e.clk.Advance(10 * time.Minute)
		tok = e.refresh(a.P.ID, "cli_app", tok).RefreshToken
		e.wantMAU(a.P.ID, a.O.ID, "2026-11", 1)
		// The same user again, through another session: still one.
		e.login(a.U)
		e.wantMAU(a.P.ID, a.O.ID, "2026-11", 1)

		// An impersonation is not the user's activity, however it is used.
		s, itok := e.impersonate(grace)
		ig, err := e.sess.GrantForCode(e.ctx, a.P.ID, s.ID, "cli_app")
		fatalIf(t, err)
		_, err = e.sess.GrantForCode(e.ctx, a.P.ID, s.ID, "cli_other")
		fatalIf(t, err)
		e.clk.Advance(time.Minute)
		_, err = e.sess.Authenticate(e.ctx, a.P.ID, itok)
		fatalIf(t, err)
		e.refresh(a.P.ID, "cli_app", ig.RefreshToken)
		e.wantMAU(a.P.ID, a.O.ID, "2026-11", 1)

		// Another organization's and another project's users count there.
		e.login(e.user(sibling, "sib@example.com"))
		e.login(b.U)
		e.wantMAU(a.P.ID, a.O.ID, "2026-11", 1)
		e.wantMAU(a.P.ID, sibling.ID, "2026-11", 1)
		e.wantMAU(b.P.ID, b.O.ID, "2026-11", 1)

		// A browser session used last at the end of November...
		_, btok := e.login(e.user(a.O, "late@example.com"))
		e.wantMAU(a.P.ID, a.O.ID, "2026-11", 2)
		e.at(time.Date(2026, 11, 30, 23, 59, 50, 0, time.UTC))
		_, err = e.sess.Authenticate(e.ctx, a.P.ID, btok)
		fatalIf(t, err)

		// December: nothing counts until a session is used in it.
		e.at(time.Date(2026, 12, 1, 0, 0, 10, 0, time.UTC))
		e.wantMAU(a.P.ID, a.O.ID, "2026-12", 0)
		// ...counts in December at its first use there, within the minute
		// that would otherwise skip writing activity.
		_, err = e.sess.Authenticate(e.ctx, a.P.ID, btok)
		fatalIf(t, err)
		e.wantMAU(a.P.ID, a.O.ID, "2026-12", 1)
		// A refresh in December counts its user in December.
		tok = e.refresh(a.P.ID, "cli_app", tok).RefreshToken
		e.wantMAU(a.P.ID, a.O.ID, "2026-12", 2)
		e.clk.Advance(time.Hour)
		e.refresh(a.P.ID, "cli_app", tok)
		e.wantMAU(a.P.ID, a.O.ID, "2026-12", 2)
		// November is unchanged.
		e.wantMAU(a.P.ID, a.O.ID, "2026-11", 2)
	})
}

// TestImpersonationAcrossTheMonthIsNotActivity: an impersonation used for
// the first time in a new month writes no activity.
func TestImpersonationAcrossTheMonthIsNotActivity(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, e *env) {
		a := e.tenant("Acme")
		e.at(time.Date(2026, 11, 30, 23, 30, 0, 0, time.UTC))
		s, itok := e.impersonate(a.U)
		g, err := e.sess.GrantForCode(e.ctx, a.P.ID, s.ID, "cli_app")
		fatalIf(t, err)
		e.at(time.Date(2026, 12, 1, 0, 10, 0, 0, time.UTC))
		_, err = e.sess.Authenticate(e.ctx, a.P.ID, itok)
		fatalIf(t, err)
		e.refresh(a.P.ID, "cli_app", g.RefreshToken)
		e.wantMAU(a.P.ID, a.O.ID, "2026-11", 0)
		e.wantMAU(a.P.ID, a.O.ID, "2026-12", 0)
		// Baseline: the user's own session in the same December minute counts.
		e.login(a.U)
		e.wantMAU(a.P.ID, a.O.ID, "2026-12", 1)
	})
}

func TestUsage(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, e *env) {
		a, b := e.tenant("Acme"), e.tenant("Other")
		e.user(a.O, "grace@example.com")
		// The clock starts in May 2026: "" is the current month.
		e.login(a.U)
		u := e.usage(a.P.ID, a.O.ID, "")
		if u.Month != "2026-05" || u.OrgID != a.O.ID || u.OrgName != a.O.Name || u.Seats != 3 || u.MonthlyActiveUsers != 1 {
			t.Fatalf("usage: %+v", u)
		}
		// Seats are the active users now.
		deactivated := "deactivated"
		_, err := e.ten.UpdateUser(e.ctx, system, a.P.ID, string(a.U.ID), tenancy.UserUpdate{Status: &deactivated})
		fatalIf(t, err)
		if u := e.usage(a.P.ID, a.O.ID, "2026-05"); u.Seats != 2 || u.MonthlyActiveUsers != 1 {
			t.Fatalf("after deactivating the active user: %+v, want 2 seats, still 1 active user", u)
		}

		for _, m := range []string{"2026-5", "2026-13", "2026-00", "26-05", "2026-05-01", "May 2026", "2026/05", " 2026-05"} {
			if _, err := e.sess.Usage(e.ctx, a.P.ID, string(a.O.ID), m); !fault.Is(err, fault.Invalid) {
				t.Fatalf("month %q: %v, want invalid", m, err)
			}
			if _, err := e.sess.ListUsage(e.ctx, a.P.ID, m, store.Page{}); !fault.Is(err, fault.Invalid) {
				t.Fatalf("list in month %q: %v, want invalid", m, err)
			}
		}
		for _, o := range []string{string(b.O.ID), "org_nonsense", "", string(id.New[id.Org](e.clk.Now()))} {
			if _, err := e.sess.Usage(e.ctx, a.P.ID, o, "2026-05"); !fault.Is(err, fault.NotFound) {
				t.Fatalf("organization %q: %v, want not found", o, err)
			}
		}

		// The listing: every organization of the project, in ID order, one page at a time.
		second := e.org(a.P.ID, "Acme second")
		third := e.org(a.P.ID, "Acme third")
		e.login(e.user(third, "t@example.com"))
		var got []*session.Usage
		page := store.Page{Limit: 2}
		for range 5 {
			rows, err := e.sess.ListUsage(e.ctx, a.P.ID, "2026-05", page)
			fatalIf(t, err)
			got = append(got, rows...)
			if len(rows) < page.Limit {
				break
			}
			page.After = string(rows[len(rows)-1].OrgID)
		}
		want := map[id.Org][2]int64{a.O.ID: {2, 1}, second.ID: {0, 0}, third.ID: {1, 1}}
		if len(got) != len(want) {
			t.Fatalf("listed %d organizations, want %d: %+v", len(got), len(want), got)
		}
		for _, u := range got {
			if w := want[u.OrgID]; u.Seats != w[0] || u.MonthlyActiveUsers != w[1] || u.Month != "2026-05" {
				t.Fatalf("%s: %+v, want seats %d and %d active users", u.OrgID, u, w[0], w[1])
			}
		}
	})
}
