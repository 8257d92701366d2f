package oidc_test

import (
	"math"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/login"
	"github.com/gatehouse-auth/gatehouse/internal/oidc"
	"github.com/gatehouse-auth/gatehouse/internal/oidc/oauth"
	"github.com/gatehouse-auth/gatehouse/internal/tenancy"
)

func TestDiscoveryAndJWKS(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, e *env) {
		tn := e.tenant("Acme")
		iss := e.issuer(tn)
		r := e.get(iss+"/.well-known/openid-configuration", "")
		doc := r.ok(t)
		want := map[string]string{
			"issuer": iss, "authorization_endpoint": iss + "/oauth/authorize", "token_endpoint": iss + "/oauth/token",
			"userinfo_endpoint": iss + "/oauth/userinfo", "jwks_uri": iss + "/.well-known/jwks.json",
			"revocation_endpoint": iss + "/oauth/revoke", "end_session_endpoint": iss + "/oauth/logout",
		}
		for k, v := range want {
			if doc[k] != v {
				t.Errorf("%s = %v, want %s", k, doc[k], v)
			}
		}
		lists := map[string][]string{
			"response_types_supported":              {"code"},
			"grant_types_supported":                 {"authorization_code", "refresh_token"},
			"code_challenge_methods_supported":      {"S256"},
			"id_token_signing_alg_values_supported": {"ES256"},
			"token_endpoint_auth_methods_supported": {"client_secret_basic", "client_secret_post", "none"},
			"scopes_supported":                      {"openid", "email", "profile", "offline_access"},
			"subject_types_supported":               {"public"},
		}
		for k, v := range lists {
			if got := strs(doc[k]); !slices.Equal(got, v) {
				t.Errorf("%s = %v, want %v", k, got, v)
			}
		}
		for _, c := range []string{"sub", "email", "email_verified", "name", "org_id", "org", "nonce", "at_hash"} {
			if !slices.Contains(strs(doc["claims_supported"]), c) {
				t.Errorf("claims_supported lacks %s", c)
			}
		}

		j := e.get(iss+"/.well-known/jwks.json", "")
		keys, _ := j.json(t)["keys"].([]any)
		if j.status != http.StatusOK || len(keys) == 0 || j.header.Get("Cache-Control") != "public, max-age=300" {
			t.Fatalf("jwks: %d %v %s", j.status, j.header, j.body)
		}
		if k := keys[0].(map[string]any); k["kty"] != "EC" || k["crv"] != "P-256" || k["d"] != nil {
			t.Fatalf("jwks key %v", k)
		}

		// Unknown and malformed projects are not found, and get no keys.
		ghost := e.srv.URL + "/p/" + string(id.New[id.Project](time.Now()))
		for _, u := range []string{ghost + "/.well-known/openid-configuration", ghost + "/.well-known/jwks.json", e.srv.URL + "/p/nonsense/.well-known/jwks.json"} {
			if r := e.get(u, ""); r.status != http.StatusNotFound {
				t.Fatalf("%s: %d", u, r.status)
			}
		}
	})
}

func strs(v any) []string {
	var out []string
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	return out
}

func TestParseAuthorize(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sqliteStore(t))
	tn := e.tenant("Acme")
	c, _ := e.client(tn, oauth.Confidential)
	other := e.tenant("Other")
	foreignClient, _ := e.client(other, oauth.Confidential)

	req, err := e.prov.ParseAuthorize(e.ctx, tn.P.ID, authQuery(c, map[string]string{
		"scope": "openid email unknown offline_access", "prompt": "login consent", "login_hint": " ada@acme.example ",
		"organization_id": string(tn.Org.ID),
	}))
	fatal(t, err)
	want := login.AuthRequest{
		ClientID: c.ID, RedirectURI: appCallback, State: "st-1", Nonce: "n-1", Scope: []string{"openid", "email", "offline_access"},
		CodeChallenge: challenge(pkceVerifier), CodeChallengeMethod: "S256", Prompt: "login",
		LoginHint: "ada@acme.example", OrganizationHint: tn.Org.ID,
	}
	if !equalReq(*req, want) {
		t.Fatalf("request %+v\nwant    %+v", *req, want)
	}
	req, err = e.prov.ParseAuthorize(e.ctx, tn.P.ID, authQuery(c, map[string]string{"prompt": "none"}))
	fatal(t, err)
	if req.Prompt != "none" {
		t.Fatalf("prompt %q", req.Prompt)
	}
	req, err = e.prov.ParseAuthorize(e.ctx, tn.P.ID, authQuery(c, map[string]string{"max_age": "0"}))
	fatal(t, err)
	if req.Prompt != "login" || req.MaxAge == nil || *req.MaxAge != 0 {
		t.Fatalf("max_age=0 gave prompt %q, max age %v", req.Prompt, req.MaxAge)
	}
	for raw, want := range map[string]int64{"3600": 3600, "007": 7, "99999999999999999999999": math.MaxInt64} {
		req, err = e.prov.ParseAuthorize(e.ctx, tn.P.ID, authQuery(c, map[string]string{"max_age": raw}))
		fatal(t, err)
		if req.MaxAge == nil || *req.MaxAge != want || req.Prompt != "" {
			t.Fatalf("max_age=%s: %v, prompt %q", raw, req.MaxAge, req.Prompt)
		}
	}
	if req, err = e.prov.ParseAuthorize(e.ctx, tn.P.ID, authQuery(c, nil)); err != nil || req.MaxAge != nil {
		t.Fatalf("no max_age: %v %v", req.MaxAge, err)
	}
	for _, raw := range []string{"-1", "+5", "1.5", "1e3", " 60", "sixty", ""} {
		q := authQuery(c, nil)
		q.Set("max_age", raw)
		_, err := e.prov.ParseAuthorize(e.ctx, tn.P.ID, q)
		t.Run("max_age "+raw, func(t *testing.T) {
			if ae := authErr(t, err, "invalid_request", true); ae.RedirectURI != appCallback || ae.State != "st-1" {
				t.Fatalf("error %+v", ae)
			}
		})
	}

	// Errors that cannot be tied to a registered redirect URI stay local.
	for name, q := range map[string]url.Values{
		"unknown client":           authQuery(c, map[string]string{"client_id": string(id.New[id.Client](time.Now()))}),
		"another project's client": authQuery(foreignClient, nil),
		"malformed client":         authQuery(c, map[string]string{"client_id": "nonsense"}),
		"no client":                authQuery(c, map[string]string{"client_id": ""}),
	} {
		_, err := e.prov.ParseAuthorize(e.ctx, tn.P.ID, q)
		t.Run(name, func(t *testing.T) { authErr(t, err, "invalid_request", false) })
	}
	dup := authQuery(c, nil)
	dup.Add("redirect_uri", "https://evil.example/cb")
	_, err = e.prov.ParseAuthorize(e.ctx, tn.P.ID, dup)
	authErr(t, err, "invalid_request", false)

	// Errors after that go back to the app.
	for name, tc := range map[string]struct {
		extra map[string]string
		code  string
	}{
		"token response type":   {map[string]string{"response_type": "token"}, "unsupported_response_type"},
		"hybrid response type":  {map[string]string{"response_type": "code id_token"}, "unsupported_response_type"},
		"no openid":             {map[string]string{"scope": "email"}, "invalid_scope"},
		"fragment mode":         {map[string]string{"response_mode": "fragment"}, "invalid_request"},
		"prompt none and login": {map[string]string{"prompt": "none login"}, "invalid_request"},
		"unknown prompt":        {map[string]string{"prompt": "create"}, "invalid_request"},
		"long nonce":            {map[string]string{"nonce": strings.Repeat("n", 513)}, "invalid_request"},
		"long login hint":       {map[string]string{"login_hint": strings.Repeat("a", 255)}, "invalid_request"},
		"foreign organization":  {map[string]string{"organization_id": string(other.Org.ID)}, "invalid_request"},
		"malformed org":         {map[string]string{"organization_id": "org_nope"}, "invalid_request"},
		"request object":        {map[string]string{"request": "eyJ..."}, "request_not_supported"},
		"short challenge":       {map[string]string{"code_challenge": "abc"}, "invalid_request"},
	} {
		_, err := e.prov.ParseAuthorize(e.ctx, tn.P.ID, authQuery(c, tc.extra))
		t.Run(name, func(t *testing.T) {
			ae := authErr(t, err, tc.code, true)
			if ae.RedirectURI != appCallback || ae.State != "st-1" {
				t.Fatalf("error %+v", ae)
			}
		})
	}
	_, err = e.prov.ParseAuthorize(e.ctx, tn.P.ID, authQuery(c, map[string]string{"state": strings.Repeat("s", 1025)}))
	if ae := authErr(t, err, "invalid_request", true); ae.State != "" {
		t.Fatal("an oversized state was echoed")
	}
	rep := authQuery(c, nil)
	rep.Add("scope", "openid")
	_, err = e.prov.ParseAuthorize(e.ctx, tn.P.ID, rep)
	authErr(t, err, "invalid_request", true)
}

func equalReq(a, b login.AuthRequest) bool {
	if !slices.Equal(a.Scope, b.Scope) {
		return false
	}
	a.Scope, b.Scope = nil, nil
	return reflect.DeepEqual(a, b)
}

func TestIssueCodeAndErrorRedirect(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sqliteStore(t))
	tn := e.tenant("Acme")
	withQuery := "https://app.example.com/cb?tenant=a%20b"
	c, _ := e.client(tn, oauth.Confidential, withQuery)
	req, err := e.prov.ParseAuthorize(e.ctx, tn.P.ID, authQuery(c, map[string]string{"redirect_uri": withQuery}))
	fatal(t, err)
	to, err := e.prov.IssueCode(e.ctx, req, tn.P.ID, e.login(tn))
	fatal(t, err)
	u, _ := url.Parse(to)
	q := u.Query()
	if q.Get("tenant") != "a b" || !strings.HasPrefix(q.Get("code"), "gh_ac_") || q.Get("state") != "st-1" || q.Get("iss") != e.issuer(tn) {
		t.Fatalf("redirect %s", to)
	}
	// A session of another project cannot get a code here.
	if _, err := e.prov.IssueCode(e.ctx, req, tn.P.ID, e.login(e.tenant("Other"))); err == nil {
		t.Fatal("issued a code for another project's session")
	}
	// A redirect URI removed during the login is no longer served.
	_, err = e.clients.Update(e.ctx, system, tn.P.ID, string(c.ID), oidcUpdate("https://app.example.com/new"))
	fatal(t, err)
	if _, err := e.prov.IssueCode(e.ctx, req, tn.P.ID, e.login(tn)); err == nil {
		t.Fatal("issued a code to an unregistered redirect URI")
	}

	er := e.prov.ErrorRedirect(req, "login_required", "not signed in")
	u, _ = url.Parse(er)
	if q := u.Query(); q.Get("error") != "login_required" || q.Get("state") != "st-1" || q.Get("tenant") != "a b" || q.Get("code") != "" {
		t.Fatalf("error redirect %s", er)
	}
}

func TestTokenEndpointRequests(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sqliteStore(t))
	tn := e.tenant("Acme")
	c, secret := e.client(tn, oauth.Confidential)
	code, _ := e.code(tn, c, nil)
	base := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {appCallback}, "code_verifier": {pkceVerifier}}

	e.post(tn, "/oauth/token", url.Values{"grant_type": {"password"}, "username": {"x"}}, string(c.ID), secret).oauthErr(t, http.StatusBadRequest, "unsupported_grant_type")
	e.post(tn, "/oauth/token", url.Values{}, string(c.ID), secret).oauthErr(t, http.StatusBadRequest, "invalid_request")
	rep := url.Values{"grant_type": {"authorization_code"}, "code": {code, code}, "redirect_uri": {appCallback}, "code_verifier": {pkceVerifier}}
	e.post(tn, "/oauth/token", rep, string(c.ID), secret).oauthErr(t, http.StatusBadRequest, "invalid_request")
	both := url.Values{"client_secret": {secret}}
	for k, v := range base {
		both[k] = v
	}
	e.post(tn, "/oauth/token", both, string(c.ID), secret).oauthErr(t, http.StatusBadRequest, "invalid_request")

	req, _ := http.NewRequest(http.MethodPost, e.issuer(tn)+"/oauth/token", strings.NewReader(`{"grant_type":"authorization_code"}`))
	req.Header.Set("Content-Type", "application/json")
	req.SetBasicAuth(string(c.ID), secret)
	e.send(req).oauthErr(t, http.StatusBadRequest, "invalid_request")

	got := e.post(tn, "/oauth/token", base, string(c.ID), secret).ok(t)
	if got["token_type"] != "Bearer" || got["expires_in"].(float64) < 290 || got["expires_in"].(float64) > 300 || got["scope"] != "openid email profile offline_access" {
		t.Fatalf("token response %v", got)
	}

	// A refresh token is bound to its client.
	c2, secret2 := e.client(tn, oauth.Confidential)
	e.refresh(tn, c2, secret2, got["refresh_token"].(string)).oauthErr(t, http.StatusBadRequest, "invalid_grant")
	e.refresh(tn, c, secret, got["refresh_token"].(string)).ok(t)
	e.refresh(tn, c, secret, "gh_rt_garbage").oauthErr(t, http.StatusBadRequest, "invalid_grant")
}

func TestRevocation(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, e *env) {
		tn := e.tenant("Acme")
		c, secret := e.client(tn, oauth.Confidential)
		code, sess := e.code(tn, c, nil)
		tok := e.exchange(tn, c, secret, code, pkceVerifier).ok(t)
		rt := tok["refresh_token"].(string)

		// Unknown tokens and access tokens: 200, nothing changes.
		for _, x := range []string{"gh_rt_unknown", tok["access_token"].(string), "anything"} {
			if r := e.post(tn, "/oauth/revoke", url.Values{"token": {x}}, string(c.ID), secret); r.status != http.StatusOK {
				t.Fatalf("revoke %q: %d %s", x, r.status, r.body)
			}
		}
		// Another client cannot revoke this client's token.
		c2, secret2 := e.client(tn, oauth.Confidential)
		if r := e.post(tn, "/oauth/revoke", url.Values{"token": {rt}}, string(c2.ID), secret2); r.status != http.StatusOK {
			t.Fatalf("foreign revoke: %d", r.status)
		}
		if e.revoked(tn, sess.ID) {
			t.Fatal("another client revoked the session")
		}
		// Unauthenticated: refused.
		e.post(tn, "/oauth/revoke", url.Values{"token": {rt}, "client_id": {string(c.ID)}}).oauthErr(t, http.StatusUnauthorized, "invalid_client")

		r := e.post(tn, "/oauth/revoke", url.Values{"token": {rt}, "token_type_hint": {"refresh_token"}}, string(c.ID), secret)
		if r.status != http.StatusOK {
			t.Fatalf("revoke: %d %s", r.status, r.body)
		}
		if !e.revoked(tn, sess.ID) {
			t.Fatal("revoking the refresh token left the session live")
		}
		e.refresh(tn, c, secret, rt).oauthErr(t, http.StatusBadRequest, "invalid_grant")
	})
}

func TestParseEndSession(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sqliteStore(t))
	tn := e.tenant("Acme")
	c, secret := e.client(tn, oauth.Confidential)
	code, _ := e.code(tn, c, nil)
	tok := e.exchange(tn, c, secret, code, pkceVerifier).ok(t)
	hint := tok["id_token"].(string)
	other := e.tenant("Other")
	oc, osecret := e.client(other, oauth.Confidential)
	ocode, _ := e.code(other, oc, nil)
	foreignHint := e.exchange(other, oc, osecret, ocode, pkceVerifier).ok(t)["id_token"].(string)

	// Hours later the hint has expired and still names the session.
	e.clk.Advance(3 * time.Hour)
	es, err := e.prov.ParseEndSession(e.ctx, tn.P.ID, url.Values{"id_token_hint": {hint}, "post_logout_redirect_uri": {appLogout}, "state": {"bye"}})
	fatal(t, err)
	if es.SessionID == "" || es.RedirectURI != appLogout || es.State != "bye" {
		t.Fatalf("end session %+v", es)
	}
	es, err = e.prov.ParseEndSession(e.ctx, tn.P.ID, url.Values{"client_id": {string(c.ID)}, "post_logout_redirect_uri": {appLogout}})
	fatal(t, err)
	if es.SessionID != "" || es.RedirectURI != appLogout {
		t.Fatalf("end session by client_id %+v", es)
	}
	es, err = e.prov.ParseEndSession(e.ctx, tn.P.ID, url.Values{})
	fatal(t, err)
	if es.RedirectURI != "" || es.SessionID != "" {
		t.Fatalf("bare end session %+v", es)
	}

	for name, q := range map[string]url.Values{
		"unregistered URI":         {"id_token_hint": {hint}, "post_logout_redirect_uri": {appLogout + "/"}},
		"another client's URI":     {"id_token_hint": {hint}, "client_id": {string(oc.ID)}, "post_logout_redirect_uri": {appLogout}},
		"another project's hint":   {"id_token_hint": {foreignHint}},
		"access token as hint":     {"id_token_hint": {tok["access_token"].(string)}},
		"forged hint":              {"id_token_hint": {hint[:len(hint)-4] + "AAAA"}},
		"URI without a client":     {"post_logout_redirect_uri": {appLogout}},
		"another project's client": {"client_id": {string(oc.ID)}, "post_logout_redirect_uri": {appLogout}},
	} {
		_, err := e.prov.ParseEndSession(e.ctx, tn.P.ID, q)
		t.Run(name, func(t *testing.T) { authErr(t, err, "invalid_request", false) })
	}
}

// Policy and registration changes reach the token endpoint at the next
// refresh: a session of an organization with logins disabled ends, a deleted client is gone.
func TestRefreshAfterChanges(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, e *env) {
		tn := e.tenant("Acme")
		c, secret := e.client(tn, oauth.Confidential)
		code, sess := e.code(tn, c, nil)
		rt := e.exchange(tn, c, secret, code, pkceVerifier).ok(t)["refresh_token"].(string)
		rt = e.refresh(tn, c, secret, rt).ok(t)["refresh_token"].(string)

		off := true
		_, err := e.ten.UpdateOrganization(e.ctx, system, tn.P.ID, string(tn.Org.ID), tenancy.OrganizationUpdate{LoginsDisabled: &off})
		fatal(t, err)
		e.refresh(tn, c, secret, rt).oauthErr(t, http.StatusBadRequest, "invalid_grant")
		if !e.revoked(tn, sess.ID) {
			t.Fatal("a refused refresh left the session live")
		}

		other := e.tenant("Other")
		oc, osecret := e.client(other, oauth.Confidential)
		ocode, _ := e.code(other, oc, nil)
		ort := e.exchange(other, oc, osecret, ocode, pkceVerifier).ok(t)["refresh_token"].(string)
		fatal(t, e.clients.Delete(e.ctx, system, other.P.ID, string(oc.ID)))
		e.clk.Advance(oidc.ClientCacheTTL)
		e.refresh(other, oc, osecret, ort).oauthErr(t, http.StatusUnauthorized, "invalid_client")
	})
}
