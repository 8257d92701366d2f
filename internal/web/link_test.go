package web

import (
	"net/http"
	"strings"
	"testing"
)

func TestMagicLink(t *testing.T) {
	t.Parallel()
	t.Run("opened elsewhere: refused and left unused, the starting browser continues", func(t *testing.T) {
		e := newEnv(t)
		tab := e.browser()
		r := tab.get(e.authorizeURL(nil))
		r = tab.submit(r, "submit", map[string]string{"email": "ada@example.com"})
		if pageName(r) != "verify_email" {
			t.Fatalf("at %q", pageName(r))
		}
		link := e.latestLink("ada@example.com")

		// Someone else's browser (or an attacker who typed ada's address and
		// hopes she clicks): the link proves nothing there.
		phone := e.browser()
		lr := phone.get(link)
		if lr.Status != http.StatusOK || !strings.Contains(lr.Doc.byID("heading").Text(), "where you started") {
			t.Fatalf("link elsewhere: %d\n%s", lr.Status, lr.Body)
		}
		if phone.setCookie(sessionCookieName(string(e.project.ID))) != nil {
			t.Fatal("the other browser got a session")
		}
		still := tab.get(e.path("/login"))
		if pageName(still) != "verify_email" {
			t.Fatalf("a link opened elsewhere proved the email: at %q", pageName(still))
		}

		// The same link, in the browser that started, still works once.
		next := tab.get(link)
		if pageName(next) == "verify_email" || pageName(next) == "identify" {
			t.Fatalf("original browser did not continue: %q", pageName(next))
		}
		f := &driver{e: e, b: tab, email: "ada@example.com", password: testPassword, orgName: "Ada Co"}
		q := callback(t, f.run(next))
		if q.Get("code") == "" {
			t.Fatalf("callback %v", q)
		}

		again := tab.get(link)
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
