package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/gatehouse-auth/gatehouse/cmd/gatehouse/cli"
	"github.com/gatehouse-auth/gatehouse/internal/server"
)

// newOrgStack is newLoginStack with server settings changed (the DNS
// server, say): a running server delivering to an in-process SMTP server,
// and a project with a default OAuth client redirecting to appCallback.
func newOrgStack(t *testing.T, d deployment, tweak func(*server.Config), projectFlags ...string) *loginStack {
	t.Helper()
	mb := startMailbox(t)
	srv := start(t, d, func(c *server.Config) {
		c.SMTPURL = mb.url
		if tweak != nil {
			tweak(c)
		}
	})
	public := srv.main.PublicURL()
	args := []string{"project", "create", "--name", "Acme", "--json", "--data-dir", d.dataDir,
		"--public-url", public, "--redirect-uri", appCallback}
	if d.databaseURL != "" {
		args = append(args, "--database-url", d.databaseURL)
	}
	args = append(args, projectFlags...)
	var out, errOut bytes.Buffer
	if code := cli.Run(context.Background(), args, &out, &errOut, "e2e"); code != 0 {
		t.Fatalf("project create: exit %d: %s", code, errOut.String())
	}
	var p oidcProject
	if err := json.Unmarshal(out.Bytes(), &p); err != nil {
		t.Fatalf("project create printed %s: %v", out.String(), err)
	}
	return &loginStack{srv: srv, mail: mb, project: p, public: public}
}

// Helpers shared by the organization tests (invitations, domains,
// switching, impersonation, the self-serve sweep).

var invitePattern = regexp.MustCompile(`https?://\S+/p/[A-Za-z0-9_]+/invite/gh_inv_[A-Za-z0-9_\-]+`)

// InviteLink is the invitation link in the message.
func (d delivered) InviteLink() string { return invitePattern.FindString(d.Text) }

// path is a path of the project's hosted pages, as a full URL.
func (s *loginStack) path(p string) string {
	return s.public + "/p/" + s.project.ProjectID + p
}

// signIn signs p in to the project's own pages (no app request) with the
// emailed code and returns at returnTo (a path below /p/{project}).
// orgID, when set, restricts the sign-in to that organization.
func (s *loginStack) signIn(t *testing.T, p *person, email, returnTo, orgID string) {
	t.Helper()
	q := url.Values{"return_to": {"/p/" + s.project.ProjectID + returnTo}}
	if orgID != "" {
		q.Set("organization_id", orgID)
	}
	p.open(s.path("/signin?" + q.Encode()))
	s.proveEmail(t, p, email)
	if p.has("form-choose-org") && orgID != "" {
		p.submit("form-choose-org", "choose_org", "org_id", orgID)
	}
	if !strings.HasSuffix(strings.SplitN(p.at, "?", 2)[0], returnTo) {
		t.Fatalf("signing in %s ended at %s, want %s:\n%s", email, p.at, returnTo, p.page)
	}
}

// csrf is the form token of the current page.
func (p *person) csrf() string {
	if m := csrfPattern.FindStringSubmatch(p.page); m != nil {
		return html.UnescapeString(m[1])
	}
	return ""
}

// pageAnswer is one answer of the pages: the status and the page it ends
// on after redirects within the server.
type pageAnswer struct {
	status int
	body   string
	at     string
}

// post sends a form to a path of the server as a same-origin browser would,
// with the current page's form token unless fields set csrf_token, and
// follows a redirect back to the pages. It does not change the current page.
func (p *person) post(path string, fields ...string) pageAnswer {
	p.t.Helper()
	form := url.Values{}
	if tok := p.csrf(); tok != "" {
		form.Set("csrf_token", tok)
	}
	for i := 0; i+1 < len(fields); i += 2 {
		form.Set(fields[i], fields[i+1])
	}
	u := path
	if strings.HasPrefix(path, "/") {
		u = p.server + path
	}
	req, _ := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", p.server)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, err := p.http.Do(req)
	if err != nil {
		p.t.Fatalf("POST %s: %v", u, err)
	}
	a := p.answer(resp)
	if a.status == http.StatusSeeOther || a.status == http.StatusFound {
		if loc := resp.Header.Get("Location"); strings.HasPrefix(loc, "/") {
			return p.get(loc)
		}
	}
	return a
}

// get fetches a path (following redirects within the server) without
// changing the current page.
func (p *person) get(path string) pageAnswer {
	p.t.Helper()
	u := path
	if strings.HasPrefix(path, "/") {
		u = p.server + path
	}
	resp, err := p.http.Get(u)
	if err != nil {
		p.t.Fatalf("GET %s: %v", u, err)
	}
	return p.answer(resp)
}

func (p *person) answer(resp *http.Response) pageAnswer {
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	a := pageAnswer{status: resp.StatusCode, body: string(b), at: resp.Request.URL.String()}
	if a.status >= 500 {
		p.t.Fatalf("%s answered %d:\n%s", a.at, a.status, a.body)
	}
	return a
}

// apiOrg creates an organization through the API and returns its ID.
func apiOrg(t *testing.T, api *client, name string) string {
	t.Helper()
	return api.must(http.StatusCreated, "POST", "/organizations", map[string]any{"name": name}).str(t, "id")
}

// apiUser creates an active user of org through the API, with extra role
// keys assigned, and returns its ID.
func apiUser(t *testing.T, api *client, orgID, email string, roles ...string) string {
	t.Helper()
	u := api.must(http.StatusCreated, "POST", "/users", map[string]any{"organization_id": orgID, "email": email}).str(t, "id")
	for _, r := range roles {
		api.must(http.StatusOK, "POST", "/users/"+u+"/roles", map[string]any{"role_key": r})
	}
	return u
}

// refreshed forces a refresh of tok through x/oauth2.
func refreshed(a *oauthApp, tok *oauth2.Token) (*oauth2.Token, error) {
	stale := *tok
	stale.Expiry = time.Now().Add(-time.Minute)
	return a.config.TokenSource(context.Background(), &stale).Token()
}

// auditTypes lists the event types of the project's audit log (newest
// first), optionally of one type.
func auditEvents(t *testing.T, api *client, query string) []map[string]any {
	t.Helper()
	return api.must(http.StatusOK, "GET", "/audit-events?limit=200&"+query, nil).list(t)
}
