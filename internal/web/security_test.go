package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// postIdentify sends the identify form of page r with the given headers and
// token, returning the raw (unfollowed) response.
func postIdentify(t *testing.T, b *browser, r *response, email string, headers map[string]string, token *string) *response {
	t.Helper()
	_, vals := formValues(t, r, "submit")
	vals.Set("email", email)
	if token != nil {
		if *token == "" {
			vals.Del("csrf_token")
		} else {
			vals.Set("csrf_token", *token)
		}
	}
	req := b.request("POST", r.URL.ResolveReference(&url.URL{Path: r.Doc.byID("form-identify").Attr["action"]}).String(), vals, "")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	return b.raw(req)
}

func TestCSRF(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser()
	page := b.get(e.authorizeURL(nil))
	if pageName(page) != "identify" {
		t.Fatalf("baseline: %q", pageName(page))
	}
	own := e.srv.URL

	refused := func(t *testing.T, r *response) {
		t.Helper()
		if r.Status != http.StatusForbidden {
			t.Fatalf("status %d, want 403", r.Status)
		}
		// The attempt did not move: the page still asks for the email.
		if now := b.get(e.path("/login")); pageName(now) != "identify" {
			t.Fatalf("a refused POST advanced the attempt to %q", pageName(now))
		}
		if msgs, _ := e.outbox.Inbox(t.Context(), e.project.ID, 10); len(msgs) != 0 {
			t.Fatalf("a refused POST sent %d emails", len(msgs))
		}
	}
	t.Run("cross-site Sec-Fetch-Site", func(t *testing.T) {
		r := postIdentify(t, b, page, "victim@example.com", map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"}, nil)
		refused(t, r)
		if !strings.Contains(r.Body, "another site") {
			t.Errorf("refused for the wrong reason:\n%s", r.Body)
		}
	})
	t.Run("same-site Sec-Fetch-Site", func(t *testing.T) {
		refused(t, postIdentify(t, b, page, "victim@example.com", map[string]string{"Sec-Fetch-Site": "same-site"}, nil))
	})
	t.Run("foreign Origin without Sec-Fetch-Site", func(t *testing.T) {
		r := postIdentify(t, b, page, "victim@example.com", map[string]string{"Origin": "https://evil.example"}, nil)
		refused(t, r)
		if !strings.Contains(r.Body, "another site") {
			t.Errorf("refused for the wrong reason:\n%s", r.Body)
		}
	})
	t.Run("no form token", func(t *testing.T) {
		empty := ""
		r := postIdentify(t, b, page, "victim@example.com", map[string]string{"Sec-Fetch-Site": "same-origin", "Origin": own}, &empty)
		refused(t, r)
		if !strings.Contains(r.Body, "This form has expired") {
			t.Errorf("refused for the wrong reason:\n%s", r.Body)
		}
	})
	t.Run("another attempt's form token", func(t *testing.T) {
		other := e.browser()
		op := other.get(e.authorizeURL(nil))
		_, vals := formValues(t, op, "submit")
		tok := vals.Get("csrf_token")
		refused(t, postIdentify(t, b, page, "victim@example.com", map[string]string{"Sec-Fetch-Site": "same-origin", "Origin": own}, &tok))
	})
	t.Run("baseline: same-origin POST with the token", func(t *testing.T) {
		r := postIdentify(t, b, page, "ada@example.com", map[string]string{"Sec-Fetch-Site": "same-origin", "Origin": own}, nil)
		if r.Status != http.StatusSeeOther || r.Header.Get("Location") != e.path("/login") {
			t.Fatalf("status %d Location %q\n%s", r.Status, r.Header.Get("Location"), r.Body)
		}
		if next := b.get(e.path("/login")); pageName(next) != "verify_email" {
			t.Fatalf("accepted POST led to %q", pageName(next))
		}
	})
}
