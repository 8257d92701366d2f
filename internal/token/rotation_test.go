package token_test

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/audit"
	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/token"
)

// states returns the project's stored keys as kid → state.
func (e *env) states(p id.Project) map[string]store.SigningKeyState {
	e.t.Helper()
	keys, err := e.st.ListSigningKeys(e.ctx, p)
	noErr(e.t, err, "ListSigningKeys")
	out := map[string]store.SigningKeyState{}
	for _, k := range keys {
		out[string(k.ID)] = k.State
	}
	return out
}

func kidOf(t testing.TB, jwt string) string {
	h, _ := parts(t, jwt)
	return h["kid"].(string)
}

func TestJWKSPublishesCurrentAndNext(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		p := e.project("Acme")
		keys := e.jwks(e.iss, p)
		if len(keys.Keys) != 2 {
			t.Fatalf("JWKS of a new project has %d keys, want current and next: %v", len(keys.Keys), keys)
		}
		states := e.states(p)
		cur, next := keys.Keys[0]["kid"], keys.Keys[1]["kid"]
		if states[cur] != store.SigningKeyCurrent || states[next] != store.SigningKeyNext || len(states) != 2 {
			t.Fatalf("JWKS order %v, stored states %v: want current first, then next", keys.kids(), states)
		}
		for _, k := range keys.Keys {
			if _, err := id.Parse[id.SigningKey](k["kid"]); err != nil {
				t.Errorf("kid %q: %v", k["kid"], err)
			}
			if k["kty"] != "EC" || k["crv"] != "P-256" || k["alg"] != "ES256" || k["use"] != "sig" || len(k["x"]) != 43 || len(k["y"]) != 43 {
				t.Errorf("JWK %v is not a P-256 ES256 signing key", k)
			}
			if _, ok := k["d"]; ok {
				t.Fatalf("JWKS publishes a private key: %v", k)
			}
		}
		if got := kidOf(t, e.accessToken(e.iss, p)); got != cur {
			t.Fatalf("token signed by %s, want the current key %s", got, cur)
		}
		if got := kidOf(t, e.idToken(e.iss, p)); got != cur {
			t.Fatalf("ID token signed by %s, want the current key %s", got, cur)
		}
		// Each project has its own keys.
		q := e.project("Other")
		for _, k := range e.jwks(e.iss, q).kids() {
			if slices.Contains(keys.kids(), k) {
				t.Fatalf("projects share key %s", k)
			}
		}
	})
}

func TestRotation(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		p := e.project("Acme")
		first := e.jwks(e.iss, p).kids()
		k0, k1 := first[0], first[1]

		// Two minutes before the period ends, a token signed by k0...
		e.clk.Advance(token.DefaultRotationPeriod - 2*time.Minute)
		before := e.accessToken(e.iss, p)
		beforeID := e.idToken(e.iss, p)
		if kidOf(t, before) != k0 {
			t.Fatalf("before rotation, signed by %s, want %s", kidOf(t, before), k0)
		}
		// ...and three minutes later the former next key signs.
		e.clk.Advance(3 * time.Minute)
		after := e.accessToken(e.iss, p)
		if kidOf(t, after) != k1 {
			t.Fatalf("after rotation, signed by %s, want the former next key %s", kidOf(t, after), k1)
		}
		keys := e.jwks(e.iss, p).kids()
		if len(keys) != 3 || keys[0] != k1 || keys[2] != k0 || keys[1] == k0 || keys[1] == k1 {
			t.Fatalf("JWKS after rotation %v, want [%s, <new next>, %s]", keys, k1, k0)
		}
		k2 := keys[1]
		want := map[string]store.SigningKeyState{k0: store.SigningKeyRetired, k1: store.SigningKeyCurrent, k2: store.SigningKeyNext}
		if got := e.states(p); !mapsEqual(got, want) {
			t.Fatalf("stored states %v, want %v", got, want)
		}
		retired, err := e.st.GetSigningKey(e.ctx, p, id.SigningKey(k0))
		noErr(t, err, "GetSigningKey")
		if len(retired.PrivateKey) != 0 {
			t.Fatal("a retired key keeps its private half")
		}

		// The token signed just before rotation still verifies, on this
		// Issuer and on a fresh one (another instance).
		for _, iss := range []*token.Issuer{e.iss, e.issuer()} {
			_, err := iss.VerifyAccessToken(e.ctx, p, issuerURL(p), before)
			noErr(t, err, "verify a token signed before rotation")
			_, err = iss.VerifyIDToken(e.ctx, p, issuerURL(p), beforeID, false)
			noErr(t, err, "verify an ID token signed before rotation")
			_, err = iss.VerifyAccessToken(e.ctx, p, issuerURL(p), after)
			noErr(t, err, "verify a token signed after rotation")
		}

		// Retired keys stay published for the retention, then drop out of
		// the JWKS and the database; a token they signed no longer verifies.
		e.clk.Advance(token.DefaultRetention - time.Minute)
		_, err = e.iss.VerifyIDToken(e.ctx, p, issuerURL(p), beforeID, true)
		noErr(t, err, "an old ID token as id_token_hint while its key is published")
		if keys := e.jwks(e.iss, p).kids(); !slices.Contains(keys, k0) {
			t.Fatalf("retired key dropped before its retention ended: %v", keys)
		}
		e.clk.Advance(2 * time.Minute)
		if keys := e.jwks(e.iss, p).kids(); slices.Contains(keys, k0) || len(keys) != 2 {
			t.Fatalf("JWKS after the retention %v, want only %s and %s", keys, k1, k2)
		}
		if got := e.states(p); len(got) != 2 || got[k0] != "" {
			t.Fatalf("stored keys after the retention: %v", got)
		}
		_, err = e.iss.VerifyIDToken(e.ctx, p, issuerURL(p), beforeID, true)
		wantErr(t, err, token.ErrUnknownKey, "ID token of a deleted key")

		// Each step is in the audit log.
		evs, err := e.st.ListAuditEvents(e.ctx, p, audit.Filter{}, store.Page{Limit: 100})
		noErr(t, err, "ListAuditEvents")
		var got []string
		for _, ev := range evs {
			got = append(got, ev.Type+" "+ev.ResourceID)
		}
		for _, w := range []string{"signing_key.created " + k0, "signing_key.created " + k1, "signing_key.retired " + k0,
			"signing_key.activated " + k1, "signing_key.created " + k2, "signing_key.deleted " + k0} {
			if !slices.Contains(got, w) {
				t.Errorf("audit log lacks %q: %v", w, got)
			}
		}
	})
}

// After a long outage the keys catch up in one step, not one per missed period.
func TestRotationAfterLongDowntime(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		p := e.project("Acme")
		first := e.jwks(e.iss, p).kids()
		e.clk.Advance(10 * token.DefaultRotationPeriod)
		iss := e.issuer()
		if got := kidOf(t, e.accessToken(iss, p)); got != first[1] {
			t.Fatalf("signed by %s, want the former next key %s", got, first[1])
		}
		if got := e.jwks(iss, p).kids(); len(got) != 3 {
			t.Fatalf("JWKS %v, want current, next and the just-retired key", got)
		}
		// The new current key got a full period from its activation.
		e.clk.Advance(token.DefaultRotationPeriod - time.Minute)
		if got := kidOf(t, e.accessToken(iss, p)); got != first[1] {
			t.Fatalf("rotated again before a full period: signed by %s", got)
		}
	})
}

func TestWithRotationPeriod(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sqliteStore(t))
	// Zero options keep the defaults; the last option of a kind wins.
	iss := e.issuer(token.WithRotation(0), token.WithRetention(0), token.WithRotation(24*time.Hour), token.WithRetention(2*time.Hour))
	p := e.project("Acme")
	k := e.jwks(iss, p).kids()
	e.clk.Advance(24*time.Hour + time.Second)
	if got := kidOf(t, e.accessToken(iss, p)); got != k[1] {
		t.Fatalf("after a day, signed by %s, want %s", got, k[1])
	}
	e.clk.Advance(2*time.Hour + time.Second)
	if got := e.jwks(iss, p).kids(); len(got) != 2 || slices.Contains(got, k[0]) {
		t.Fatalf("JWKS after a 2h retention %v", got)
	}

	// Too short a period or retention is raised to what keeps tokens verifiable.
	short := e.issuer(token.WithRotation(time.Minute), token.WithRetention(time.Second))
	q := e.project("Short")
	k = e.jwks(short, q).kids()
	e.clk.Advance(59 * time.Minute)
	if got := kidOf(t, e.accessToken(short, q)); got != k[0] {
		t.Fatalf("rotated within the first hour: signed by %s", got)
	}
	e.clk.Advance(time.Minute)
	idt := e.idToken(short, q)
	if kidOf(t, idt) != k[1] {
		t.Fatal("no rotation after an hour")
	}
	e.clk.Advance(token.IDTokenLifetime)
	_, err := short.VerifyIDToken(e.ctx, q, issuerURL(q), idt, false)
	noErr(t, err, "an ID token at the end of its life, its key retired since")
}

func mapsEqual[K comparable, V comparable](a, b map[K]V) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// Two Issuers on one database (two instances) never make two current keys,
// whether they meet a new project or a due rotation at the same moment.
func TestTwoIssuersAgree(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		issuers := []*token.Issuer{e.issuer(), e.issuer()}
		p := e.project("Acme")
		sign := func() []string {
			var mu sync.Mutex
			var kids []string
			var wg sync.WaitGroup
			for n := range 16 {
				wg.Go(func() {
					jwt, _, err := issuers[n%2].AccessToken(e.ctx, p, accessClaims(p))
					if err != nil {
						t.Errorf("AccessToken on issuer %d: %v", n%2, err)
						return
					}
					mu.Lock()
					kids = append(kids, kidOf(t, jwt))
					mu.Unlock()
				})
			}
			wg.Wait()
			slices.Sort(kids)
			return slices.Compact(kids)
		}
		first := sign()
		if len(first) != 1 {
			t.Fatalf("first use on two issuers signed with %v, want one key", first)
		}
		if got := e.states(p); len(got) != 2 || got[first[0]] != store.SigningKeyCurrent {
			t.Fatalf("stored keys after concurrent first use: %v", got)
		}
		next := e.jwks(issuers[0], p).kids()[1]
		if j := e.jwks(issuers[1], p).kids(); j[0] != first[0] || j[1] != next {
			t.Fatalf("issuers publish different keys: %v", j)
		}

		e.clk.Advance(token.DefaultRotationPeriod)
		rotated := sign()
		if len(rotated) != 1 || rotated[0] != next {
			t.Fatalf("concurrent rotation signed with %v, want only the former next key %s", rotated, next)
		}
		states := e.states(p)
		counts := map[store.SigningKeyState]int{}
		for _, s := range states {
			counts[s]++
		}
		if counts[store.SigningKeyCurrent] != 1 || counts[store.SigningKeyNext] != 1 || counts[store.SigningKeyRetired] != 1 {
			t.Fatalf("stored keys after concurrent rotation: %v", states)
		}
		// Each verifies what the other signed.
		for n, iss := range issuers {
			jwt := e.accessToken(issuers[1-n], p)
			_, err := iss.VerifyAccessToken(e.ctx, p, issuerURL(p), jwt)
			noErr(t, err, fmt.Sprintf("issuer %d verifying issuer %d's token", n, 1-n))
		}
	})
}
