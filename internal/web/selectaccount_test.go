package web

import (
	"context"
	"testing"
)

// mailCount is how many emails addr has been sent.
func (e *env) mailCount(addr string) int {
	e.t.Helper()
	msgs, err := e.outbox.Inbox(context.Background(), e.project.ID, 1000)
	if err != nil {
		e.t.Fatal(err)
	}
	n := 0
	for _, m := range msgs {
		if m.To == addr {
			n++
		}
	}
	return n
}

// TestSelectAccountChoosesTheOrganizationAgain: an app's "switch
// organization" (prompt=select_account) shows the person's organizations
// straight away, seeded from what the browser session proved — no email,
// no code — and the pick ends in a code for that organization's user; a
// person with one account goes straight back; prompt=login still asks for
// everything.
func TestSelectAccountChoosesTheOrganizationAgain(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := e.account("Alpha", "pat@example.com")
	bo := e.account("Bravo", "pat@example.com")
	b := e.browser()
	r := b.get(e.authorizeURL(map[string]string{"organization_id": string(a.ID)}))
	if got := e.codeFor(e.proveCode(b, r, "pat@example.com")); got != string(a.ID) {
		t.Fatalf("first login at %s, want %s", got, a.ID)
	}
	sent := e.mailCount("pat@example.com")

	// Baseline: without the prompt the session is simply reused.
	if got := e.codeFor(b.get(e.authorizeURL(nil))); got != string(a.ID) {
		t.Fatalf("reused session at %s, want %s", got, a.ID)
	}
	r = b.get(e.authorizeURL(map[string]string{"prompt": "select_account"}))
	if pageName(r) != "choose_org" || r.Doc.byID("org-"+string(a.ID)) == nil || r.Doc.byID("org-"+string(bo.ID)) == nil {
		t.Fatalf("select_account showed %q:\n%s", pageName(r), r.Body)
	}
	r = b.submit(r, "org-"+string(bo.ID), nil)
	if got := e.codeFor(r); got != string(bo.ID) {
		t.Fatalf("picked Bravo, signed in at %s", got)
	}
	if n := e.mailCount("pat@example.com"); n != sent {
		t.Fatalf("switching sent %d more emails", n-sent)
	}

	// One account: nothing to choose, straight back to the app.
	c := e.browser()
	e.account("Charlie", "sam@example.com")
	r = c.get(e.authorizeURL(nil))
	e.codeFor(e.proveCode(c, r, "sam@example.com"))
	if q := callback(t, c.get(e.authorizeURL(map[string]string{"prompt": "select_account"}))); q.Get("code") == "" {
		t.Fatalf("select_account with one account: %v", q)
	}
	// prompt=login wins over select_account.
	if r := b.get(e.authorizeURL(map[string]string{"prompt": "select_account login"})); pageName(r) != "identify" {
		t.Fatalf("prompt=login select_account showed %q", pageName(r))
	}
}
