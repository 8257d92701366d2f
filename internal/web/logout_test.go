package web

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// signedIn returns a browser with a finished login, and the ID token the
// app received for it.
func signedIn(t *testing.T, e *env, email string) (*browser, string) {
	t.Helper()
	b := e.browser()
	f := &driver{e: e, b: b, email: email, password: testPassword, orgName: "Org of " + email}
	q := callback(t, f.run(b.get(e.authorizeURL(nil))))
	if q.Get("code") == "" {
		t.Fatalf("sign-in failed: %v", q)
	}
	if b.cookie(e.path("/login"), sessionCookieName(string(e.project.ID))) == "" {
		t.Fatal("no session cookie after sign-in")
	}
	status, body := e.exchange(q.Get("code"))
	var tok struct {
		IDToken string `json:"id_token"`
	}
	if err := json.Unmarshal([]byte(body), &tok); status != 200 || err != nil || tok.IDToken == "" {
		t.Fatalf("code exchange: %d %s", status, body)
	}
	return b, tok.IDToken
}

func (e *env) logoutURL(q url.Values) string { return e.path("/oauth/logout?" + q.Encode()) }

// stillSignedIn reports whether authorize issues a code without any page.
func stillSignedIn(t *testing.T, e *env, b *browser) bool {
	t.Helper()
	r := b.get(e.authorizeURL(map[string]string{"prompt": "none"}))
	return callback(t, r).Get("code") != ""
}

// wentBackToApp checks a redirect to the registered post-logout URI.
func wentBackToApp(t *testing.T, r *response, state string) {
	t.Helper()
	loc, _ := url.Parse(r.Header.Get("Location"))
	if r.Status != http.StatusSeeOther || loc == nil || loc.Scheme+"://"+loc.Host+loc.Path != appLoggedOut || loc.Query().Get("state") != state {
		t.Fatalf("status %d Location %q", r.Status, r.Header.Get("Location"))
	}
}

func TestLogout(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	cid := string(e.client.ID)
	t.Run("unregistered post-logout URI: error page, nothing changes", func(t *testing.T) {
		b, idt := signedIn(t, e, "a@example.com")
		for _, uri := range []string{evilCallback, appCallback, appLoggedOut + "/x"} {
			r := b.get(e.logoutURL(url.Values{"id_token_hint": {idt}, "post_logout_redirect_uri": {uri}, "state": {"s"}}))
			if r.Status != http.StatusBadRequest || r.Header.Get("Location") != "" || len(b.chain) != 1 {
				t.Fatalf("%s: status %d Location %q", uri, r.Status, r.Header.Get("Location"))
			}
		}
		if !stillSignedIn(t, e, b) {
			t.Error("a refused logout signed the browser out")
		}
	})
	t.Run("the app's id_token_hint: signed out and back to the app with state", func(t *testing.T) {
		b, idt := signedIn(t, e, "b@example.com")
		r := b.get(e.logoutURL(url.Values{"id_token_hint": {idt}, "post_logout_redirect_uri": {appLoggedOut}, "state": {"bye"}}))
		wentBackToApp(t, r, "bye")
		c := b.setCookie(sessionCookieName(string(e.project.ID)))
		if c == nil || c.MaxAge >= 0 || c.Path != e.path("/") {
			t.Errorf("session cookie not cleared: %+v", c)
		}
		if stillSignedIn(t, e, b) {
			t.Error("still signed in after logout")
		}
	})
	t.Run("the session is revoked, not only the cookie forgotten", func(t *testing.T) {
		b, idt := signedIn(t, e, "c@example.com")
		stolen := b.cookie(e.path("/login"), sessionCookieName(string(e.project.ID)))
		b.get(e.logoutURL(url.Values{"id_token_hint": {idt}}))
		thief := e.browser()
		thief.c.Jar.SetCookies(thief.abs(e.path("/")), []*http.Cookie{{Name: sessionCookieName(string(e.project.ID)), Value: stolen, Path: e.path("/")}})
		if stillSignedIn(t, e, thief) {
			t.Error("the old cookie value still works after logout")
		}
	})
	t.Run("without a redirect URI: signed-out page", func(t *testing.T) {
		b, idt := signedIn(t, e, "d@example.com")
		r := b.get(e.logoutURL(url.Values{"id_token_hint": {idt}}))
		if r.Status != http.StatusOK || !strings.Contains(r.Doc.byID("heading").Text(), "You are signed out") {
			t.Fatalf("status %d\n%s", r.Status, r.Body)
		}
		if stillSignedIn(t, e, b) {
			t.Error("still signed in")
		}
	})
	t.Run("the app's form POST, cross-site by design", func(t *testing.T) {
		b, idt := signedIn(t, e, "e@example.com")
		req := b.request("POST", e.path("/oauth/logout"), url.Values{"id_token_hint": {idt}, "post_logout_redirect_uri": {appLoggedOut}}, "cross-site")
		req.Header.Set("Origin", "https://app.example")
		wentBackToApp(t, b.navigate(req), "")
		if stillSignedIn(t, e, b) {
			t.Error("still signed in")
		}
	})
	t.Run("without id_token_hint the person is asked first", func(t *testing.T) {
		b, _ := signedIn(t, e, "f@example.com")
		params := url.Values{"client_id": {cid}, "post_logout_redirect_uri": {appLoggedOut}, "state": {"q"}}
		r := b.get(e.logoutURL(params))
		if r.Status != http.StatusOK || pageName(r) != "logout" || r.Doc.byID("signed-in-as").Text() != "f@example.com" {
			t.Fatalf("no confirmation: %d %q", r.Status, pageName(r))
		}
		if stay := r.Doc.byID("stay"); stay == nil || stay.Attr["href"] != appLoggedOut {
			t.Error("no way back to the app without signing out")
		}
		if !strings.Contains(r.Header.Get("Content-Security-Policy"), "form-action 'self' https://app.example;") {
			t.Errorf("confirmation CSP blocks the redirect after the POST: %q", r.Header.Get("Content-Security-Policy"))
		}
		if !stillSignedIn(t, e, b) {
			t.Fatal("a link on any site signed the person out")
		}
		// A foreign page posting the same parameters gets the question again.
		forged := b.request("POST", e.path("/oauth/logout"), params, "cross-site")
		if r2 := b.navigate(forged); r2.Status != http.StatusOK || pageName(r2) != "logout" || !stillSignedIn(t, e, b) {
			t.Fatalf("forged confirmation accepted: %d %q", r2.Status, pageName(r2))
		}
		// Baseline: the person's own click signs out and returns to the app.
		r = b.get(e.logoutURL(params))
		wentBackToApp(t, b.submit(r, "confirm-logout", nil), "q")
		if stillSignedIn(t, e, b) {
			t.Error("still signed in after confirming")
		}
	})
	t.Run("an id_token_hint of another user is asked about too", func(t *testing.T) {
		_, otherIDT := signedIn(t, e, "g@example.com")
		b, _ := signedIn(t, e, "h@example.com")
		r := b.get(e.logoutURL(url.Values{"id_token_hint": {otherIDT}}))
		if pageName(r) != "logout" || !stillSignedIn(t, e, b) {
			t.Fatalf("another user's ID token signed this browser out: %d %q", r.Status, pageName(r))
		}
	})
	t.Run("no session in this browser: nothing to ask", func(t *testing.T) {
		r := e.browser().get(e.logoutURL(url.Values{"client_id": {cid}, "post_logout_redirect_uri": {appLoggedOut}, "state": {"z"}}))
		wentBackToApp(t, r, "z")
	})
}
