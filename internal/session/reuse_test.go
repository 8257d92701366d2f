package session_test

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/session"
	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// The refresh token layout: prefix, the session ID's 26-character body, then
// 64 base64url characters (32-byte secret and 16-byte tag).
const (
	tokenLen  = 96
	secretEnd = len("gh_rt_") + 26
)

// mustLive fails unless the session is unrevoked.
func (e *env) mustLive(p id.Project, s id.Session, what string) {
	e.t.Helper()
	if got := e.get(p, s); got.RevokedAt != nil {
		e.t.Fatalf("%s: session revoked (%s)", what, got.RevokeReason)
	}
}

// mustReused fails unless the session is revoked for reuse, with its one event.
func (e *env) mustReused(p id.Project, s id.Session) {
	e.t.Helper()
	got := e.get(p, s)
	if got.RevokedAt == nil || got.RevokeReason != session.ReasonReused {
		e.t.Fatalf("session after reuse: revoked_at %v reason %q", got.RevokedAt, got.RevokeReason)
	}
	evs := e.events(p, "session.revoked")
	if len(evs) != 1 || evs[0].ResourceID != string(s) || !strings.Contains(string(evs[0].Details), session.ReasonReused) {
		e.t.Fatalf("reuse audit events: %+v", evs)
	}
}

func TestRefreshTokenNamesItsSession(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, e *env) {
		a := e.tenant("Acme")
		g, t0 := e.connect(a.U, "cli_app")
		t1 := e.refresh(a.P.ID, "cli_app", t0).RefreshToken
		body := strings.TrimPrefix(string(g.Session.ID), "sess_")
		for _, tok := range []string{t0, t1} {
			if len(tok) != tokenLen || tok[:secretEnd] != "gh_rt_"+body {
				t.Fatalf("token %q: want gh_rt_%s and 64 more characters", tok, body)
			}
			if _, err := base64.RawURLEncoding.Strict().DecodeString(tok[secretEnd:]); err != nil {
				t.Fatalf("token %q: the secret part is not base64url: %v", tok, err)
			}
		}
	})
}

// Any token of the chain older than the previous one is reuse, however
// quickly it comes back: the grace covers only the token just rotated.
func TestRefreshOlderTokenIsReuse(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, e *env) {
		a := e.tenant("Acme")
		g, t0 := e.connect(a.U, "cli_app")
		t1 := e.refresh(a.P.ID, "cli_app", t0).RefreshToken
		t2 := e.refresh(a.P.ID, "cli_app", t1).RefreshToken
		// Baseline: the previous token within the grace is fine.
		if got := e.refresh(a.P.ID, "cli_app", t1).RefreshToken; got != t2 {
			t.Fatalf("previous token within the grace gave %q, want %q", got, t2)
		}
		e.mustLive(a.P.ID, g.Session.ID, "after the previous token within the grace")

		e.refreshFails(a.P.ID, "cli_app", t0, session.ErrReused, "token two rotations old")
		e.mustReused(a.P.ID, g.Session.ID)
		e.refreshFails(a.P.ID, "cli_app", t2, session.ErrInvalid, "newest token after reuse")
		e.refreshFails(a.P.ID, "cli_app", t1, session.ErrInvalid, "previous token after reuse")

		// Deep in the chain too: the tenth token back ends the session.
		g, tok := e.connect(a.U, "cli_app")
		chain := []string{tok}
		for range 10 {
			e.clk.Advance(time.Minute)
			tok = e.refresh(a.P.ID, "cli_app", tok).RefreshToken
			chain = append(chain, tok)
		}
		e.refreshFails(a.P.ID, "cli_app", chain[0], session.ErrReused, "first of eleven tokens")
		e.refreshFails(a.P.ID, "cli_app", tok, session.ErrInvalid, "newest token after reuse")
		if s := e.get(a.P.ID, g.Session.ID); s.RevokeReason != session.ReasonReused {
			t.Fatalf("long chain after reuse: %+v", s)
		}
	})
}

func TestRefreshGrace(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, e *env) {
		a := e.tenant("Acme")
		g, t0 := e.connect(a.U, "cli_app")
		e.clk.Advance(time.Minute)
		t1 := e.refresh(a.P.ID, "cli_app", t0).RefreshToken
		before := e.get(a.P.ID, g.Session.ID)

		// At the edge of the grace: the same successor, and nothing written.
		e.clk.Advance(session.Grace)
		if got := e.refresh(a.P.ID, "cli_app", t0).RefreshToken; got != t1 {
			t.Fatalf("previous token within the grace gave %q, want %q", got, t1)
		}
		if after := e.get(a.P.ID, g.Session.ID); after.RevokedAt != nil || !after.LastActiveAt.Equal(before.LastActiveAt) {
			t.Fatalf("a replay within the grace changed the session: %+v", after)
		}

		// One second later it is reuse.
		e.clk.Advance(time.Second)
		e.refreshFails(a.P.ID, "cli_app", t0, session.ErrReused, "previous token after the grace")
		e.mustReused(a.P.ID, g.Session.ID)
		e.refreshFails(a.P.ID, "cli_app", t1, session.ErrInvalid, "successor after reuse")
	})
}

// A previous token whose successor is not the current one (the row was
// rotated by something other than this token's derivation) is reuse even
// inside the grace: the grace only hands out the successor already issued.
func TestRefreshPreviousTokenWithAnotherSuccessor(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, e *env) {
		a := e.tenant("Acme")
		g, t0 := e.connect(a.U, "cli_app")
		h := sha256.Sum256([]byte(t0))
		now := e.clk.Now()
		err := e.st.Write(e.ctx, func(w store.Writer) error {
			ok, err := w.RotateRefreshToken(e.ctx, store.RefreshRotation{
				ProjectID: a.P.ID, SessionID: g.Session.ID, OldHash: h[:], NewHash: randomHash(), At: now, IdleExpiresAt: now.Add(time.Hour),
			})
			if err == nil && !ok {
				t.Fatal("rotation of the current token did nothing")
			}
			return err
		})
		fatalIf(t, err)
		e.refreshFails(a.P.ID, "cli_app", t0, session.ErrReused, "previous token whose successor is not current")
		e.mustReused(a.P.ID, g.Session.ID)
	})
}

func randomHash() []byte {
	h := sha256.Sum256([]byte(rand.Text()))
	return h[:]
}

// Only tokens Gatehouse minted can end a session: knowing a session ID (the
// sid claim of every access token) is not enough.
func TestForgedRefreshTokensRevokeNothing(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, e *env) {
		a := e.tenant("Acme")
		g, t0 := e.connect(a.U, "cli_app")
		t1 := e.refresh(a.P.ID, "cli_app", t0).RefreshToken
		e.clk.Advance(time.Hour) // past the grace: an authentic t0 would now be reuse

		random := make([]byte, 48)
		_, _ = rand.Read(random)
		secret, err := base64.RawURLEncoding.DecodeString(t0[secretEnd:])
		fatalIf(t, err)
		secret[0] ^= 1 // the old tag over another secret
		s, _ := e.login(a.U)
		otherKey := session.New(e.st, []byte("another refresh key, 32 bytes..."), session.WithClock(e.clk.Now), session.WithLogger(quiet))
		minted, err := otherKey.GrantForCode(e.ctx, a.P.ID, s.ID, "cli_app")
		fatalIf(t, err)
		forged := map[string]string{
			"random secret and tag for a real session":  t0[:secretEnd] + base64.RawURLEncoding.EncodeToString(random),
			"a rotated token with one tag bit changed":  flipLast(t0),
			"a rotated token's tag over another secret": t0[:secretEnd] + base64.RawURLEncoding.EncodeToString(secret),
			"the current token with its tag changed":    flipLast(t1),
			"a session ID spelled in capitals":          "gh_rt_" + strings.ToUpper(t0[6:secretEnd]) + t0[secretEnd:],
			"padded":                                    t0 + "=",
			"truncated":                                 t0[:tokenLen-1],
			"a rotated token's tag under another key":   minted.RefreshToken,
		}
		for what, tok := range forged {
			e.refreshFails(a.P.ID, "cli_app", tok, session.ErrInvalid, what)
			fatalIf(t, e.sess.RevokeRefreshToken(e.ctx, a.P.ID, "cli_app", tok))
		}
		e.mustLive(a.P.ID, g.Session.ID, "after forged tokens")
		e.mustLive(a.P.ID, minted.Session.ID, "after a token minted under another key")
		if n := len(e.events(a.P.ID, "session.revoked")); n != 0 {
			t.Fatalf("forged tokens recorded %d revocations", n)
		}
		// The owner's chain goes on.
		e.refresh(a.P.ID, "cli_app", t1)
	})
}

// Authentic tokens presented where they do not belong are not evidence of
// theft: another project's endpoint or another client gets ErrInvalid and
// the session is left alone, for current and rotated tokens alike.
func TestMisdirectedRefreshTokensRevokeNothing(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, e *env) {
		a, b := e.tenant("Acme"), e.tenant("Other")
		g, t0 := e.connect(a.U, "cli_app")
		t1 := e.refresh(a.P.ID, "cli_app", t0).RefreshToken
		t2 := e.refresh(a.P.ID, "cli_app", t1).RefreshToken
		e.clk.Advance(time.Hour)
		// B's own session, to show B's endpoint works for B.
		_, tb := e.connect(b.U, "cli_app")
		for _, tok := range []string{t0, t1, t2} {
			e.refreshFails(b.P.ID, "cli_app", tok, session.ErrInvalid, "A's token at B's endpoint")
			e.refreshFails(a.P.ID, "cli_other", tok, session.ErrInvalid, "A's token from another client")
			fatalIf(t, e.sess.RevokeRefreshToken(e.ctx, b.P.ID, "cli_app", tok))
			fatalIf(t, e.sess.RevokeRefreshToken(e.ctx, a.P.ID, "cli_other", tok))
		}
		e.mustLive(a.P.ID, g.Session.ID, "after misdirected tokens")
		if n := len(e.events(a.P.ID, "session.revoked")); n != 0 {
			t.Fatalf("misdirected tokens recorded %d revocations", n)
		}
		e.refresh(b.P.ID, "cli_app", tb)
		// Baseline: the same stale token at the right place is reuse.
		e.refreshFails(a.P.ID, "cli_app", t0, session.ErrReused, "A's stale token at A's endpoint by A's client")
	})
}

// The revocation endpoint accepts any authentic token of the chain: the
// session is the grant.
func TestRevokeRefreshTokenWithARotatedToken(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, e *env) {
		a := e.tenant("Acme")
		g, t0 := e.connect(a.U, "cli_app")
		t1 := e.refresh(a.P.ID, "cli_app", t0).RefreshToken
		t2 := e.refresh(a.P.ID, "cli_app", t1).RefreshToken
		fatalIf(t, e.sess.RevokeRefreshToken(e.ctx, a.P.ID, "cli_app", t0))
		if s := e.get(a.P.ID, g.Session.ID); s.RevokeReason != session.ReasonTokenRevoked {
			t.Fatalf("session after revoking with its first token: %+v", s)
		}
		e.refreshFails(a.P.ID, "cli_app", t2, session.ErrInvalid, "newest token after revocation")
	})
}
