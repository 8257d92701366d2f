package web

import (
	"net/http"
	"net/url"
	"testing"
)

// authorizeForm is authorizeURL's request as a form body.
func (e *env) authorizeForm(extra map[string]string) url.Values {
	e.t.Helper()
	u, err := url.Parse(e.authorizeURL(extra))
	if err != nil {
		e.t.Fatal(err)
	}
	return u.Query()
}

func TestAuthorizeByPOST(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *envConfig) { c.autoCreate = true })
	post := func(b *browser, form url.Values) *response {
		t.Helper()
		// The app's auto-submitting form: a cross-site navigation.
		return b.navigate(b.request("POST", e.path("/oauth/authorize"), form, "cross-site"))
	}

	t.Run("a new browser starts a login", func(t *testing.T) {
		b := e.browser()
		r := post(b, e.authorizeForm(map[string]string{"login_hint": "grace@example.com"}))
		if r.Status != http.StatusOK || pageName(r) != "identify" {
			t.Fatalf("%d %q\n%s", r.Status, pageName(r), r.Body)
		}
		f := &driver{e: e, b: b, email: "grace@example.com", password: testPassword, orgName: "Grace's"}
		if q := callback(t, f.run(r)); q.Get("code") == "" || q.Get("state") != "st-123" {
			t.Fatalf("login started by POST did not finish: %v", q)
		}
	})
	t.Run("a signed-in browser gets a code, prompt=none too", func(t *testing.T) {
		b, _ := signedIn(t, e, "ada@example.com")
		q := callback(t, post(b, e.authorizeForm(map[string]string{"prompt": "none"})))
		if q.Get("code") == "" || q.Get("state") != "st-123" {
			t.Fatalf("%v", q)
		}
		if status, body := e.exchange(q.Get("code")); status != http.StatusOK {
			t.Fatalf("exchange: %d %s", status, body)
		}
	})
	t.Run("prompt=none without a session: login_required", func(t *testing.T) {
		q := callback(t, post(e.browser(), e.authorizeForm(map[string]string{"prompt": "none"})))
		if q.Get("error") != "login_required" {
			t.Fatalf("%v", q)
		}
	})
	t.Run("an unregistered redirect URI is never redirected to", func(t *testing.T) {
		b := e.browser()
		r := post(b, e.authorizeForm(map[string]string{"redirect_uri": evilCallback}))
		if r.Status != http.StatusBadRequest || r.Header.Get("Location") != "" || len(b.chain) != 1 {
			t.Fatalf("%d Location %q", r.Status, r.Header.Get("Location"))
		}
		if b.cookie(e.path("/login"), attemptCookieName(string(e.project.ID))) != "" {
			t.Fatal("a refused request started a login attempt")
		}
	})
	t.Run("other errors go back to the app", func(t *testing.T) {
		q := callback(t, post(e.browser(), e.authorizeForm(map[string]string{"response_type": "token"})))
		if q.Get("error") != "unsupported_response_type" || q.Get("state") != "st-123" {
			t.Fatalf("%v", q)
		}
		form := e.authorizeForm(nil)
		form.Add("scope", "openid")
		if q := callback(t, post(e.browser(), form)); q.Get("error") != "invalid_request" {
			t.Fatalf("repeated parameter: %v", q)
		}
	})
	t.Run("parameters in the URL do not count", func(t *testing.T) {
		b := e.browser()
		r := b.navigate(b.request("POST", e.authorizeURL(nil), url.Values{}, "cross-site"))
		if r.Status != http.StatusBadRequest || len(b.chain) != 1 {
			t.Fatalf("%d", r.Status)
		}
	})
}
