package web

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/login"
	"github.com/gatehouse-auth/gatehouse/internal/login/flow"
	"github.com/gatehouse-auth/gatehouse/internal/session"
)

// signin starts a sign-in that no app asked for: the project's own pages
// (account settings, the console) send people here, and when it is done
// the browser goes to return_to instead of back to an app with a code.
//
//	GET /p/{project}/signin?return_to=&organization_id=&login_hint=&prompt=login
//
// A live browser session that fits (same organization when one is named,
// no prompt=login) goes straight to return_to; a session at another
// organization switches to the one named.
func (h *Handler) signin(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	projectID, ok := projectFrom(r)
	if !ok {
		h.notFound(w)
		return
	}
	p, err := h.o.Tenancy.GetProject(ctx, projectID)
	if err != nil {
		h.notFound(w)
		return
	}
	q := r.URL.Query()
	req := login.AuthRequest{
		Scope:     []string{},
		LoginHint: q.Get("login_hint"),
		ReturnTo:  safeReturnTo(projectID, q.Get("return_to")),
	}
	if q.Get("prompt") == "login" {
		req.Prompt = "login"
	}
	if v := q.Get("organization_id"); v != "" {
		oid, err := id.Parse[id.Org](v)
		if err != nil {
			h.pages.message(w, http.StatusBadRequest, brandOf(p), "Sign-in error", "This sign-in link is not valid",
				"The organization it names does not exist. Return to the app and try again.")
			return
		}
		req.OrganizationHint = oid
	}
	g := h.browserGrant(r, projectID)
	if g != nil && req.Prompt != "login" && (req.OrganizationHint == "" || req.OrganizationHint == g.Session.OrgID) {
		redirect(w, r, req.ReturnTo)
		return
	}
	h.begin(w, r, projectID, req, g)
}

// begin starts the login attempt of an authorization or sign-in request
// that no live session answered, and sends the browser to its first step.
// A browser signed in to another organization of the project that asks for
// a named one switches: the attempt starts from what that session proved
// (unless prompt=login asks for fresh proof), and a new session for the
// target replaces the cookie when it is done; the old one is not revoked.
func (h *Handler) begin(w http.ResponseWriter, r *http.Request, projectID id.Project, req login.AuthRequest, g *session.Grant) {
	ctx := r.Context()
	var (
		a      *flow.Attempt
		cookie string
		err    error
	)
	if h.switching(g, &req) {
		a, cookie, err = h.o.Login.Switch(ctx, projectID, req, g.Session, h.client(r))
	} else {
		a, cookie, err = h.o.Login.Start(ctx, projectID, req, h.client(r))
	}
	var throttled *flow.ThrottledError
	if errors.As(err, &throttled) {
		h.startThrottled(w, r, projectID, throttled.RetryAfter)
		return
	}
	if errors.Is(err, flow.ErrGone) {
		h.notFound(w)
		return
	}
	if err != nil {
		h.internalError(w, r, h.projectBrand(ctx, projectID), "start login attempt", err)
		return
	}
	h.cookies.set(w, attemptCookieName(string(projectID)), string(projectID), cookie, a.ExpiresAt)
	redirect(w, r, loginPath(projectID))
}

// switching reports whether a request for req should start from the
// browser session g's facts: the request names another organization than
// the session's, or asks to choose again (prompt=select_account, the app's
// "switch organization"); never with prompt=login, never from a session
// whose facts prove nothing the person did, never past max_age.
func (h *Handler) switching(g *session.Grant, req *login.AuthRequest) bool {
	if g == nil || req.Prompt == "login" {
		return false
	}
	other := req.OrganizationHint != "" && req.OrganizationHint != g.Session.OrgID
	return (other || req.Prompt == "select_account") && flow.CanSwitchFrom(g.Session) && h.recentEnough(g.Session, req)
}

// silentSwitch answers an authorization request with prompt=none that names
// another organization than the browser session's: when the session's
// facts satisfy the target without any page, the login completes here and
// the returned redirect carries the code; otherwise ok is false and the
// app hears login_required.
func (h *Handler) silentSwitch(w http.ResponseWriter, r *http.Request, projectID id.Project, req *login.AuthRequest, g *session.Grant) (string, bool) {
	if !h.switching(g, req) {
		return "", false
	}
	ctx := r.Context()
	a, _, err := h.o.Login.Switch(ctx, projectID, *req, g.Session, h.client(r))
	if err != nil {
		return "", false
	}
	v, err := h.o.Login.View(ctx, a)
	if err != nil || v.Step != login.StepDone {
		return "", false
	}
	sess, browserToken, err := h.o.Login.Complete(ctx, a, h.client(r))
	if err != nil {
		return "", false
	}
	h.cookies.set(w, sessionCookieName(string(projectID)), string(projectID), browserToken, sess.ExpiresAt)
	to, err := h.o.OIDC.IssueCode(ctx, req, projectID, sess)
	if err != nil {
		h.log.ErrorContext(ctx, "issue code after a silent organization switch", "err", err)
		return "", false
	}
	return to, true
}

// accountPath is the project's self-serve account page, where a sign-in
// without a (valid) destination ends.
func accountPath(projectID id.Project) string { return "/p/" + string(projectID) + "/account" }

// safeReturnTo accepts a return_to only if it is a path on this project's
// pages, so the sign-in page can never send someone to another site or
// another project: it must start with /p/{project}/, carry no scheme or
// host, no "//" or backslash (which browsers read as a host), no control
// characters and no dot segments (plain or percent-encoded, which browsers
// resolve). Anything else is the account page.
func safeReturnTo(projectID id.Project, raw string) string {
	fallback := accountPath(projectID)
	prefix := "/p/" + string(projectID) + "/"
	if !strings.HasPrefix(raw, prefix) || strings.Contains(raw, "//") || strings.ContainsRune(raw, '\\') {
		return fallback
	}
	for _, c := range raw {
		if c < 0x20 || c == 0x7f {
			return fallback
		}
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return fallback
	}
	p, err := url.PathUnescape(u.EscapedPath())
	if err != nil || !strings.HasPrefix(p, prefix) || strings.Contains(p, "//") || strings.ContainsRune(p, '\\') {
		return fallback
	}
	for _, seg := range strings.Split(p, "/") {
		if seg == "." || seg == ".." {
			return fallback
		}
	}
	return raw
}
