package web

import (
	"net/http"
	"strings"
	"testing"
)

func TestMagicLink(t *testing.T) {
	t.Parallel()
	t.Run("opened elsewhere: go back, the original tab continues", func(t *testing.T) {
		e := newEnv(t)
		tab := e.browser()
		r := tab.get(e.authorizeURL(nil))
		r = tab.submit(r, "submit", map[string]string{"email": "ada@example.com"})
		if pageName(r) != "verify_email" {
			t.Fatalf("at %q", pageName(r))
		}
		link := e.latestLink("ada@example.com")

		phone := e.browser()
		lr := phone.get(link)
		if lr.Status != http.StatusOK || lr.Doc.byID("heading").Text() != "Email verified" ||
			!strings.Contains(lr.Body, "go back to the window where you started") && !strings.Contains(lr.Body, "Go back to the window where you started") {
			t.Fatalf("link elsewhere: %d\n%s", lr.Status, lr.Body)
		}
		if phone.setCookie(sessionCookieName(string(e.project.ID))) != nil {
			t.Fatal("the other browser got a session")
		}
		// The original tab's "Continue here" picks up the verified email.
		next := tab.get(r.Doc.byID("continue").Attr["href"])
		if pageName(next) == "verify_email" || pageName(next) == "identify" {
			t.Fatalf("original tab did not continue: %q", pageName(next))
		}
		f := &driver{e: e, b: tab, email: "ada@example.com", password: testPassword, orgName: "Ada Co"}
		q := callback(t, f.run(next))
		if q.Get("code") == "" {
			t.Fatalf("callback %v", q)
		}

		again := e.browser().get(link)
		if again.Status != http.StatusGone {
			t.Errorf("replayed link: %d\n%s", again.Status, again.Body)
		}
	})
	t.Run("opened in the same browser: the flow continues", func(t *testing.T) {
		e := newEnv(t)
		b := e.browser()
		r := b.get(e.authorizeURL(nil))
		r = b.submit(r, "submit", map[string]string{"email": "bo@example.com"})
		if pageName(r) != "verify_email" {
			t.Fatalf("at %q", pageName(r))
		}
		r = b.get(e.latestLink("bo@example.com"))
		if len(b.chain) < 2 || b.chain[0].Status != http.StatusSeeOther || b.chain[0].Header.Get("Location") != e.path("/login") {
			t.Fatalf("link in the same browser did not continue: %d", b.chain[0].Status)
		}
		if pageName(r) == "verify_email" {
			t.Fatal("still asked to verify after the link")
		}
		f := &driver{e: e, b: b, email: "bo@example.com", password: testPassword, orgName: "Bo Co"}
		if q := callback(t, f.run(r)); q.Get("code") == "" {
			t.Fatalf("callback %v", q)
		}
	})
	t.Run("a made-up token", func(t *testing.T) {
		e := newEnv(t)
		r := e.browser().get(e.path("/login/link?token=gh_ml_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"))
		if r.Status != http.StatusGone {
			t.Fatalf("status %d", r.Status)
		}
	})
}
