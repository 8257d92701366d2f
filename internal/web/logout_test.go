package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// signedIn returns a browser with a finished login and its session cookie.
func signedIn(t *testing.T, e *env, email string) *browser {
	t.Helper()
	b := e.browser()
	f := &driver{e: e, b: b, email: email, password: testPassword, orgName: "Org of " + email}
	if q := callback(t, f.run(b.get(e.authorizeURL(nil)))); q.Get("code") == "" {
		t.Fatalf("sign-in failed: %v", q)
	}
	if b.cookie(e.path("/login"), sessionCookieName(string(e.project.ID))) == "" {
		t.Fatal("no session cookie after sign-in")
	}
	return b
}

func (e *env) logoutURL(q url.Values) string { return e.path("/oauth/logout?" + q.Encode()) }

// stillSignedIn reports whether authorize issues a code without any page.
func stillSignedIn(t *testing.T, e *env, b *browser) bool {
	t.Helper()
	r := b.get(e.authorizeURL(map[string]string{"prompt": "none"}))
	return callback(t, r).Get("code") != ""
}

func TestLogout(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	t.Run("unregistered post-logout URI: error page, nothing changes", func(t *testing.T) {
		b := signedIn(t, e, "a@example.com")
		for _, uri := range []string{evilCallback, appCallback, appLoggedOut + "/x"} {
			r := b.get(e.logoutURL(url.Values{"client_id": {string(e.client.ID)}, "post_logout_redirect_uri": {uri}, "state": {"s"}}))
			if r.Status != http.StatusBadRequest || r.Header.Get("Location") != "" || len(b.chain) != 1 {
				t.Fatalf("%s: status %d Location %q", uri, r.Status, r.Header.Get("Location"))
			}
		}
		if !stillSignedIn(t, e, b) {
			t.Error("a refused logout signed the browser out")
		}
	})
	t.Run("registered URI: signed out and back to the app with state", func(t *testing.T) {
		b := signedIn(t, e, "b@example.com")
		r := b.get(e.logoutURL(url.Values{"client_id": {string(e.client.ID)}, "post_logout_redirect_uri": {appLoggedOut}, "state": {"bye"}}))
		loc, _ := url.Parse(r.Header.Get("Location"))
		if r.Status != http.StatusSeeOther || loc == nil || loc.Scheme+"://"+loc.Host+loc.Path != appLoggedOut || loc.Query().Get("state") != "bye" {
			t.Fatalf("status %d Location %q", r.Status, r.Header.Get("Location"))
		}
		c := b.setCookie(sessionCookieName(string(e.project.ID)))
		if c == nil || c.MaxAge >= 0 || c.Path != e.path("/") {
			t.Errorf("session cookie not cleared: %+v", c)
		}
		if stillSignedIn(t, e, b) {
			t.Error("still signed in after logout")
		}
	})
	t.Run("the session is revoked, not only the cookie forgotten", func(t *testing.T) {
		b := signedIn(t, e, "c@example.com")
		stolen := b.cookie(e.path("/login"), sessionCookieName(string(e.project.ID)))
		b.get(e.logoutURL(url.Values{}))
		thief := e.browser()
		u := thief.abs(e.path("/"))
		thief.c.Jar.SetCookies(u, []*http.Cookie{{Name: sessionCookieName(string(e.project.ID)), Value: stolen, Path: e.path("/")}})
		if stillSignedIn(t, e, thief) {
			t.Error("the old cookie value still works after logout")
		}
	})
	t.Run("without a redirect URI: signed-out page", func(t *testing.T) {
		b := signedIn(t, e, "d@example.com")
		r := b.get(e.logoutURL(url.Values{}))
		if r.Status != http.StatusOK || !strings.Contains(r.Doc.byID("heading").Text(), "You are signed out") {
			t.Fatalf("status %d\n%s", r.Status, r.Body)
		}
		if stillSignedIn(t, e, b) {
			t.Error("still signed in")
		}
	})
	t.Run("POST form from the app", func(t *testing.T) {
		b := signedIn(t, e, "e@example.com")
		req := b.request("POST", e.path("/oauth/logout"), url.Values{"client_id": {string(e.client.ID)}, "post_logout_redirect_uri": {appLoggedOut}}, "cross-site")
		req.Header.Set("Origin", "https://app.example")
		r := b.navigate(req)
		if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), appLoggedOut) {
			t.Fatalf("status %d Location %q", r.Status, r.Header.Get("Location"))
		}
		if stillSignedIn(t, e, b) {
			t.Error("still signed in")
		}
	})
}
