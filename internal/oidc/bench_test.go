package oidc_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse/internal/oidc/oauth"
	"github.com/gatehouse-auth/gatehouse/internal/token"
)

// BenchmarkRefresh measures the refresh_token grant through the token
// endpoint over HTTP (client authentication, rotation, access and ID token)
// next to a minimal handler that only rotates and signs one access token:
// the floor any refresh endpoint pays.
func BenchmarkRefresh(b *testing.B) {
	e := newEnv(b, sqliteStore(b))
	tn := e.tenant("Bench")
	c, secret := e.client(tn, oauth.Confidential)

	b.Run("endpoint", func(b *testing.B) {
		code, _ := e.code(tn, c, nil)
		rt := e.exchange(tn, c, secret, code, pkceVerifier).ok(b)["refresh_token"].(string)
		b.ResetTimer()
		for b.Loop() {
			form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}
			r := e.post(tn, "/oauth/token", form, string(c.ID), secret)
			if r.status != http.StatusOK {
				b.Fatalf("refresh: %d %s", r.status, r.body)
			}
			rt = r.json(b)["refresh_token"].(string)
		}
	})

	b.Run("minimal-handler", func(b *testing.B) {
		code, _ := e.code(tn, c, nil)
		rt := e.exchange(tn, c, secret, code, pkceVerifier).ok(b)["refresh_token"].(string)
		iss := e.issuer(tn)
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_ = r.ParseForm()
			g, err := e.sessions.Refresh(r.Context(), tn.P.ID, c.ID, r.PostForm.Get("refresh_token"))
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			at, _, err := e.tokens.AccessToken(r.Context(), tn.P.ID, token.AccessClaims{
				Issuer: iss, Subject: g.User.ID, ClientID: c.ID, SessionID: g.Session.ID, OrgID: g.Org.ID, OrgName: g.Org.Name,
				Email: g.User.Email, Roles: g.Roles, Permissions: g.Permissions,
			})
			if err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			_ = json.NewEncoder(w).Encode(map[string]string{"access_token": at, "refresh_token": g.RefreshToken})
		}))
		defer srv.Close()
		b.ResetTimer()
		for b.Loop() {
			res, err := srv.Client().Post(srv.URL, "application/x-www-form-urlencoded",
				strings.NewReader(url.Values{"refresh_token": {rt}}.Encode()))
			if err != nil {
				b.Fatal(err)
			}
			var out map[string]string
			err = json.NewDecoder(res.Body).Decode(&out)
			res.Body.Close()
			if err != nil || out["refresh_token"] == "" {
				b.Fatalf("minimal refresh: %v %v", err, out)
			}
			rt = out["refresh_token"]
		}
	})
}
