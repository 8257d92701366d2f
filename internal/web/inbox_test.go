package web

import (
	"net/http"
	"strings"
	"testing"
)

func TestDevInbox(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser()
	empty := b.get(e.path("/dev/inbox"))
	if empty.Status != 200 || empty.Doc.byID("inbox-empty") == nil || empty.Doc.byID("dev-banner") == nil {
		t.Fatalf("empty inbox: %d\n%s", empty.Status, empty.Body)
	}
	r := b.get(e.authorizeURL(nil))
	b.submit(r, "submit", map[string]string{"email": "ada@example.com"})

	r = b.get(e.path("/dev/inbox"))
	if !strings.Contains(r.Doc.byID("dev-banner").Text(), "SMTP is not configured") {
		t.Error("no banner")
	}
	mails := r.Doc.all(func(n *node) bool { return n.Tag == "article" })
	if len(mails) != 1 {
		t.Fatalf("%d emails listed", len(mails))
	}
	if to := mails[0].all(func(n *node) bool { return n.Attr["class"] == "mail-to" }); len(to) != 1 || to[0].Text() != "ada@example.com" {
		t.Error("recipient not shown")
	}
	if !strings.Contains(mails[0].Text(), e.latestCode("ada@example.com")) {
		t.Error("code not shown")
	}
	links := mails[0].all(func(n *node) bool { return n.Attr["class"] == "mail-link" })
	if len(links) != 1 || links[0].Attr["href"] != e.latestLink("ada@example.com") {
		t.Fatalf("magic link not clickable: %d", len(links))
	}

	t.Run("another project's inbox does not show it", func(t *testing.T) {
		other := newEnv(t)
		r := other.browser().get("/p/" + string(other.project.ID) + "/dev/inbox")
		if strings.Contains(r.Body, "ada@example.com") {
			t.Error("leaked across projects")
		}
	})
	t.Run("unknown project", func(t *testing.T) {
		if r := b.get("/p/proj_00000000000000000000000000/dev/inbox"); r.Status != http.StatusNotFound {
			t.Errorf("status %d", r.Status)
		}
	})
	t.Run("not served when SMTP is configured", func(t *testing.T) {
		e := newEnv(t, func(c *envConfig) { c.devInbox = false })
		if r := e.browser().get(e.path("/dev/inbox")); r.Status != http.StatusNotFound {
			t.Errorf("status %d", r.Status)
		}
	})
}
