package session_test

import (
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
)

func notFound(t *testing.T, err error, what string) {
	t.Helper()
	if fe, ok := fault.As(err); !ok || fe.Kind != fault.NotFound {
		t.Fatalf("%s: %v, want a not-found fault", what, err)
	}
}

// flipLast changes a token's last character.
func flipLast(tok string) string {
	if strings.HasSuffix(tok, "A") {
		return tok[:len(tok)-1] + "B"
	}
	return tok[:len(tok)-1] + "A"
}

func TestRevokeOnePerUserPerOrg(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, e *env) {
		a, b := e.tenant("Acme"), e.tenant("Other")
		mate := e.user(a.O, "mate@example.com")
		sibling := e.user(e.org(a.P.ID, "Sibling"), "sib@example.com")
		g1, t1 := e.connect(a.U, "cli_app")
		_, t2 := e.connect(a.U, "cli_app")
		_, t3 := e.connect(mate, "cli_app")
		_, t4 := e.connect(sibling, "cli_app")
		_, tb := e.connect(b.U, "cli_app")
		// Browser-only sessions count too.
		e.login(a.U)
		e.login(mate)
		api := audit.Actor{Type: audit.ActorSecretKey, ID: "sk_test"}
		ctx := session.WithActor(e.ctx, api)

		// Another project's IDs are not found and change nothing.
		notFound(t, e.sess.Revoke(ctx, b.P.ID, g1.Session.ID, "x"), "Revoke from another project")
		_, err := e.sess.RevokeUser(ctx, b.P.ID, a.U.ID, "x")
		notFound(t, err, "RevokeUser from another project")
		_, err = e.sess.RevokeOrg(ctx, b.P.ID, a.O.ID, "x")
		notFound(t, err, "RevokeOrg from another project")
		_, err = e.sess.Get(e.ctx, b.P.ID, g1.Session.ID)
		notFound(t, err, "Get from another project")
		notFound(t, e.sess.Revoke(ctx, a.P.ID, id.New[id.Session](e.clk.Now()), "x"), "Revoke unknown")

		// One.
		if err := e.sess.Revoke(ctx, a.P.ID, g1.Session.ID, "logout"); err != nil {
			t.Fatal(err)
		}
		if err := e.sess.Revoke(ctx, a.P.ID, g1.Session.ID, "again"); err != nil {
			t.Fatalf("revoking twice: %v", err)
		}
		if s := e.get(a.P.ID, g1.Session.ID); s.RevokeReason != "logout" || s.Active(e.clk.Now()) {
			t.Fatalf("revoked session %+v", s)
		}
		e.refreshFails(a.P.ID, "cli_app", t1, session.ErrInvalid, "token of a revoked session")
		e.refresh(a.P.ID, "cli_app", t2)

		// Per user: a.U's client session and browser session still live.
		n, err := e.sess.RevokeUser(ctx, a.P.ID, a.U.ID, "offboarded")
		if err != nil || n != 2 {
			t.Fatalf("RevokeUser: %d, %v; want 2 (client and browser sessions)", n, err)
		}
		if n, _ := e.sess.RevokeUser(ctx, a.P.ID, a.U.ID, "offboarded"); n != 0 {
			t.Fatalf("RevokeUser again revoked %d", n)
		}
		e.refreshFails(a.P.ID, "cli_app", t2, session.ErrInvalid, "token of a revoked user session")
		e.refresh(a.P.ID, "cli_app", t3)

		// Per organization: mate's two sessions, not the sibling organization's.
		n, err = e.sess.RevokeOrg(ctx, a.P.ID, a.O.ID, "breach")
		if err != nil || n != 2 {
			t.Fatalf("RevokeOrg: %d, %v; want 2", n, err)
		}
		e.refreshFails(a.P.ID, "cli_app", t3, session.ErrInvalid, "token of a revoked organization session")
		e.refresh(a.P.ID, "cli_app", t4)
		e.refresh(b.P.ID, "cli_app", tb)

		// Every revocation that changed something is recorded, by the actor.
		evs := e.events(a.P.ID, "session.revoked")
		if len(evs) != 3 {
			t.Fatalf("%d revocation events, want 3", len(evs))
		}
		for _, ev := range evs {
			if ev.Actor != api {
				t.Fatalf("revocation recorded as made by %+v", ev.Actor)
			}
		}
		i := slices.IndexFunc(evs, func(ev *audit.Event) bool { return ev.ResourceType == "organization" })
		if i < 0 || evs[i].ResourceID != string(a.O.ID) || !strings.Contains(string(evs[i].Details), `"revoked_sessions":2`) {
			t.Fatalf("no organization revocation event with its count: %+v", evs)
		}
	})
}

func TestAuthenticateBrowserSession(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, e *env) {
		a, b := e.tenant("Acme"), e.tenant("Other")
		s, tok := e.login(a.U)
		if !strings.HasPrefix(tok, "gh_bs_") || s.ClientID != "" {
			t.Fatalf("browser session %+v token %q", s, tok)
		}
		g, err := e.sess.Authenticate(e.ctx, a.P.ID, tok)
		if err != nil || g.Session.ID != s.ID || g.User.ID != a.U.ID || g.RefreshToken != "" {
			t.Fatalf("Authenticate: %+v, %v", g, err)
		}
		for what, try := range map[string]func() error{
			"another project": func() error { _, err := e.sess.Authenticate(e.ctx, b.P.ID, tok); return err },
			"a refresh-shaped token": func() error {
				_, err := e.sess.Authenticate(e.ctx, a.P.ID, "gh_rt_"+tok[6:])
				return err
			},
			"a browser token at the refresh endpoint": func() error { _, err := e.sess.Refresh(e.ctx, a.P.ID, "cli_app", tok); return err },
			"one character off":                       func() error { _, err := e.sess.Authenticate(e.ctx, a.P.ID, flipLast(tok)); return err },
		} {
			if err := try(); !errors.Is(err, session.ErrInvalid) {
				t.Fatalf("%s: %v, want ErrInvalid", what, err)
			}
		}

		// Use moves the idle expiry, written at most once a minute.
		e.clk.Advance(30 * time.Second)
		g, _ = e.sess.Authenticate(e.ctx, a.P.ID, tok)
		if !g.Session.LastActiveAt.Equal(s.LastActiveAt) {
			t.Fatalf("activity written within a minute")
		}
		e.clk.Advance(time.Minute)
		g, _ = e.sess.Authenticate(e.ctx, a.P.ID, tok)
		if !g.Session.LastActiveAt.Equal(e.clk.Now()) || !e.get(a.P.ID, s.ID).LastActiveAt.Equal(e.clk.Now()) {
			t.Fatalf("activity not recorded after a minute: %v", g.Session.LastActiveAt)
		}

		// Policy reaches the cookie too.
		_, tok2 := e.login(e.user(a.O, "grace@example.com"))
		pw := []string{"password"}
		e.updateOrg(a.O, tenancy.OrganizationUpdate{AllowedLoginMethods: &pw})
		_, err = e.sess.Authenticate(e.ctx, a.P.ID, tok)
		var r *login.Refusal
		if !errors.Is(err, session.ErrRefused) || !errors.As(err, &r) || r.Reason != "method_not_allowed" {
			t.Fatalf("Authenticate after the method was forbidden: %v", err)
		}
		if _, err := e.sess.Authenticate(e.ctx, a.P.ID, tok); !errors.Is(err, session.ErrInvalid) {
			t.Fatalf("refused session is not revoked: %v", err)
		}

		// The kill switch ends the organization's sessions when it is
		// turned on, before any use (judged, tok2 would be refused for its
		// method instead).
		on := true
		e.updateOrg(a.O, tenancy.OrganizationUpdate{LoginsDisabled: &on})
		if _, err := e.sess.Authenticate(e.ctx, a.P.ID, tok2); !errors.Is(err, session.ErrInvalid) {
			t.Fatalf("Authenticate after logins were disabled: %v", err)
		}
	})
}

func TestCreateRefusesWhatPolicyForbids(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, e *env) {
		a, b := e.tenant("Acme"), e.tenant("Other")
		pw := []string{"password"}
		e.updateOrg(a.O, tenancy.OrganizationUpdate{AllowedLoginMethods: &pw})
		in := session.NewSession{ProjectID: a.P.ID, OrgID: a.O.ID, UserID: a.U.ID, Facts: e.facts(a.U)}
		err := e.st.Write(e.ctx, func(w store.Writer) error { _, _, err := e.sess.Create(e.ctx, w, in); return err })
		if !errors.Is(err, session.ErrRefused) {
			t.Fatalf("email-code session in a password-only organization: %v", err)
		}
		in.Facts.Proofs = append(in.Facts.Proofs, login.Proof{Factor: login.FactorPassword, At: e.clk.Now()})
		if err := e.st.Write(e.ctx, func(w store.Writer) error { _, _, err := e.sess.Create(e.ctx, w, in); return err }); err != nil {
			t.Fatalf("baseline with a password proof: %v", err)
		}
		// A user of another project, or of another organization, is refused.
		for _, bad := range []session.NewSession{
			{ProjectID: b.P.ID, OrgID: a.O.ID, UserID: a.U.ID, Facts: e.facts(a.U)},
			{ProjectID: a.P.ID, OrgID: b.O.ID, UserID: a.U.ID, Facts: e.facts(a.U)},
			{ProjectID: a.P.ID, OrgID: e.org(a.P.ID, "Else").ID, UserID: a.U.ID, Facts: e.facts(a.U)},
		} {
			err := e.st.Write(e.ctx, func(w store.Writer) error { _, _, err := e.sess.Create(e.ctx, w, bad); return err })
			if !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("session for a user outside %s/%s: %v", bad.ProjectID, bad.OrgID, err)
			}
		}
	})
}

func TestGrantForCodeCopiesForLaterClients(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, e *env) {
		a, b := e.tenant("Acme"), e.tenant("Other")
		s, _ := e.login(a.U)
		_, err := e.sess.GrantForCode(e.ctx, b.P.ID, s.ID, "cli_one")
		if !errors.Is(err, session.ErrInvalid) {
			t.Fatalf("GrantForCode from another project: %v", err)
		}
		g1, err := e.sess.GrantForCode(e.ctx, a.P.ID, s.ID, "cli_one")
		if err != nil || g1.Session.ID != s.ID || g1.Session.ClientID != "cli_one" {
			t.Fatalf("first client binds the session: %+v, %v", g1, err)
		}
		e.clk.Advance(time.Hour)
		g2, err := e.sess.GrantForCode(e.ctx, a.P.ID, s.ID, "cli_two")
		if err != nil || g2.Session.ID == s.ID || g2.Session.ClientID != "cli_two" || g2.RefreshToken == g1.RefreshToken {
			t.Fatalf("second client: %+v, %v", g2.Session, err)
		}
		// The copy keeps the login's facts and never outlives the original.
		if !g2.Session.ExpiresAt.Equal(s.ExpiresAt) || !slices.Equal(g2.Session.Facts.AMR(), s.Facts.AMR()) || g2.Session.UserID != a.U.ID {
			t.Fatalf("copy %+v of %+v", g2.Session, s)
		}
		// Each chain is its own client's.
		e.refreshFails(a.P.ID, "cli_two", g1.RefreshToken, session.ErrInvalid, "client one's token by client two")
		e.refresh(a.P.ID, "cli_one", g1.RefreshToken)
		e.refresh(a.P.ID, "cli_two", g2.RefreshToken)
		// The browser cookie still works, and revoking it leaves the copy.
		if err := e.sess.Revoke(e.ctx, a.P.ID, s.ID, "logout"); err != nil {
			t.Fatal(err)
		}
		if _, err := e.sess.GrantForCode(e.ctx, a.P.ID, s.ID, "cli_three"); !errors.Is(err, session.ErrInvalid) {
			t.Fatalf("GrantForCode of a revoked session: %v", err)
		}
		list, err := e.sess.List(e.ctx, a.P.ID, session.Filter{UserID: a.U.ID, ActiveOnly: true}, store.Page{})
		if err != nil || len(list) != 1 || list[0].ID != g2.Session.ID {
			t.Fatalf("active sessions of the user: %v, %v", list, err)
		}
	})
}

func TestRevokeRefreshToken(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, e *env) {
		a, b := e.tenant("Acme"), e.tenant("Other")
		g, tok := e.connect(a.U, "cli_app")
		// Unknown, malformed, another project's or another client's: nil, no change.
		for _, try := range []struct {
			p   id.Project
			c   id.Client
			tok string
		}{{a.P.ID, "cli_app", "gh_rt_unknown"}, {a.P.ID, "cli_app", "junk"}, {b.P.ID, "cli_app", tok}, {a.P.ID, "cli_other", tok}} {
			if err := e.sess.RevokeRefreshToken(e.ctx, try.p, try.c, try.tok); err != nil {
				t.Fatalf("RevokeRefreshToken(%s, %s): %v", try.p, try.c, err)
			}
		}
		tok = e.refresh(a.P.ID, "cli_app", tok).RefreshToken
		if err := e.sess.RevokeRefreshToken(e.ctx, a.P.ID, "cli_app", tok); err != nil {
			t.Fatal(err)
		}
		if s := e.get(a.P.ID, g.Session.ID); s.RevokeReason != session.ReasonTokenRevoked {
			t.Fatalf("session after RFC 7009 revocation: %+v", s)
		}
		e.refreshFails(a.P.ID, "cli_app", tok, session.ErrInvalid, "revoked token")
		if err := e.sess.RevokeRefreshToken(e.ctx, a.P.ID, "cli_app", tok); err != nil {
			t.Fatalf("revoking twice: %v", err)
		}
	})
}
