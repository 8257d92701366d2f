package web

import (
	"context"
	"net/http"
	"net/url"

	"github.com/gatehouse-auth/gatehouse/internal/fault"
	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/selfserve"
	"github.com/gatehouse-auth/gatehouse/internal/session"
)

// The self-serve pages: every signed-in user's own account pages and the
// organization settings pages of its owners and admins. They run on the
// hosted pages' browser session; every action is authorised by package
// selfserve, so a page that shows a button is never the only check.
//
// Each page is a GET that renders it and a POST whose "action" field names
// what to do. A POST answers with a redirect back to the page carrying a
// notice (post/redirect/get), or re-renders the page with the errors beside
// the fields that caused them.

// ssPage describes one self-serve page.
type ssPage struct {
	// path is below /p/{project}: "/account", "/org/members".
	path  string
	name  string // template
	title string
	// admin pages are listed in the navigation only for owners and admins;
	// the domain layer refuses everyone else anyway.
	admin bool
	// fields are the form fields whose errors the page shows beside them;
	// errors about any other field go at the top.
	fields []string
	load   func(c *ssCtx) (any, error)
	// actions are the page's POST actions; each returns the key of the
	// notice to show after the redirect.
	actions map[string]func(c *ssCtx) (notice string, err error)
}

// ssCtx is one self-serve request.
type ssCtx struct {
	h         *Handler
	w         http.ResponseWriter
	r         *http.Request
	ctx       context.Context
	projectID id.Project
	grant     *session.Grant
	m         selfserve.Member
	svc       *selfserve.Service
	cookie    string
}

// ssData is what every self-serve template gets as .Data: the page's own
// view model in V, the form as submitted (to keep what was typed after an
// error), field errors, and the links every page needs.
type ssData struct {
	V      any
	Form   url.Values
	Errors map[string]string
	// Base is /p/{project}.
	Base    string
	IsAdmin bool
	IsOwner bool
}

// ssPages lists every self-serve page; the navigation follows its order.
func ssPages() []*ssPage {
	return []*ssPage{
		accountProfilePage(), accountPasswordPage(), accountSessionsPage(),
		orgOverviewPage(), orgMembersPage(), orgInvitesPage(), orgRolesPage(),
		orgDomainsPage(), orgPolicyPage(), orgSessionsPage(), orgAuditPage(),
	}
}

// navLabels are the navigation's labels, by path.
var navLabels = map[string]string{
	"/account":          "Profile",
	"/account/password": "Password",
	"/account/sessions": "Your sessions",
	"/org":              "Organization",
	"/org/members":      "Members",
	"/org/invites":      "Invites",
	"/org/roles":        "Roles",
	"/org/domains":      "Domains",
	"/org/policy":       "Login policy",
	"/org/sessions":     "Active sessions",
	"/org/audit":        "Audit log",
}

func (h *Handler) registerSelfServe(mux *http.ServeMux) {
	if h.o.SelfServe == nil {
		return
	}
	for _, p := range ssPages() {
		mux.HandleFunc("GET /p/{project}"+p.path, h.ssServe(p))
		if len(p.actions) > 0 {
			mux.Handle("POST /p/{project}"+p.path, h.cop.Handler(h.ssServe(p)))
		}
	}
}

// ssServe runs one page: find the browser session (or send the browser to
// sign in and come back), check the form token on a POST, then render or
// act.
func (h *Handler) ssServe(p *ssPage) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		projectID, ok := projectFrom(r)
		if !ok {
			h.notFound(w)
			return
		}
		base := "/p/" + string(projectID)
		g := h.browserGrant(r, projectID)
		if g == nil {
			redirect(w, r, base+"/signin?return_to="+url.QueryEscape(base+p.path))
			return
		}
		c := &ssCtx{h: h, w: w, r: r, ctx: r.Context(), projectID: projectID, grant: g,
			m: selfserve.FromGrant(g), svc: h.o.SelfServe, cookie: read(r, sessionCookieName(string(projectID)))}
		if r.Method != http.MethodPost {
			c.render(p, http.StatusOK, nil, r.URL.Query().Get("notice"))
			return
		}
		if no := readSignedForm(w, r, 64<<10, c.cookie, selfServePurpose(projectID, g.Session.ID)); no != nil {
			c.refuse(no)
			return
		}
		act, ok := p.actions[r.PostFormValue("action")]
		if !ok {
			c.refuse(refusedUnknownAction)
			return
		}
		notice, err := act(c)
		if err != nil {
			c.render(p, 0, err, "")
			return
		}
		to := base + p.path
		if notice != "" {
			to += "?notice=" + url.QueryEscape(notice)
		}
		redirect(w, r, to)
	}
}

// render shows the page. actErr, when set, is the error of the POST being
// answered: field errors go beside their fields, other refusals at the top,
// with the status the error's kind calls for. A page that cannot load at
// all (a member on an admin page) shows why instead.
func (c *ssCtx) render(p *ssPage, status int, actErr error, noticeKey string) {
	data := &ssData{Form: url.Values{}, Errors: map[string]string{}, Base: "/p/" + string(c.projectID),
		IsAdmin: c.m.IsAdmin(), IsOwner: c.m.IsOwner()}
	pg := c.frame(p.path)
	pg.Page, pg.Title, pg.Data = p.name, p.title, data
	if notice, ok := notices[noticeKey]; ok {
		pg.Notice = notice
	}
	if actErr != nil {
		fe := fault.From(actErr)
		if fe.Kind == fault.Internal {
			c.h.internalError(c.w, c.r, c.brand(), "self-serve "+p.name, actErr)
			return
		}
		if fe.Kind == fault.Unauthenticated {
			redirect(c.w, c.r, data.Base+"/signin?return_to="+url.QueryEscape(data.Base+p.path))
			return
		}
		data.Form = c.r.PostForm
		status = placeFailure(fe, p.fields, data.Errors, pg)
	}
	v, err := p.load(c)
	if err != nil {
		c.loadFailed(p, err)
		return
	}
	data.V = v
	c.h.pages.render(c.w, status, pg)
}

// loadFailed answers a page whose content the member may not see, or that
// failed to load.
func (c *ssCtx) loadFailed(p *ssPage, err error) {
	switch fault.KindOf(err) {
	case fault.PermissionDenied:
		c.message(http.StatusForbidden, "Not allowed", "Only the organization's admins can open this page",
			"The organization settings are for its owners and admins. Ask one of them if something needs changing.",
			"Your own profile, password and sessions are in the navigation above.")
	case fault.Unauthenticated:
		redirect(c.w, c.r, "/p/"+string(c.projectID)+"/signin?return_to="+url.QueryEscape("/p/"+string(c.projectID)+p.path))
	case fault.NotFound:
		c.message(http.StatusNotFound, "Not found", "Not found", "What this page refers to does not exist any more.")
	case fault.Internal:
		c.h.internalError(c.w, c.r, c.brand(), "load self-serve "+p.name, err)
	default:
		fe := fault.From(err)
		c.message(fe.Kind.HTTPStatus(), p.title, "This page is not available", sentence(fe.Message))
	}
}

// frame is the signed-in frame every self-serve page shares: navigation,
// who is signed in, the impersonation banner and the form token.
func (c *ssCtx) frame(current string) *page {
	base := "/p/" + string(c.projectID)
	pg := &page{
		ProjectName: c.projectName(),
		MainClass:   "wide settings",
		CSRF:        formToken(c.cookie, selfServePurpose(c.projectID, c.grant.Session.ID)),
		SignedInAs:  c.m.Email,
		Errors:      map[string]string{},
	}
	if c.grant.Project != nil {
		// The project's colour and logo, as on its login pages.
		brandOf(c.grant.Project).apply(pg)
	}
	if c.grant.Org != nil {
		pg.SignedInAs += " · " + c.grant.Org.Name
	}
	for _, p := range ssPages() {
		if p.admin && !c.m.IsAdmin() {
			continue
		}
		pg.Nav = append(pg.Nav, navItem{Label: navLabels[p.path], URL: base + p.path, Current: p.path == current})
	}
	if c.grant.Project != nil && c.grant.Project.AppURL != "" {
		pg.Nav = append(pg.Nav, navItem{Label: "Back to the app", URL: c.grant.Project.AppURL})
	}
	pg.Nav = append(pg.Nav, navItem{Label: "Sign out", URL: base + "/oauth/logout"})
	if imp := c.grant.Session.Impersonator; imp != nil {
		pg.Banner = "You are signed in as " + c.m.Email + " by " + imp.Email + " (impersonation) — reason: " + imp.Reason
		// Signing out ends the whole impersonation, the app's sessions
		// included; the sign-out page asks to confirm first.
		pg.BannerAction = &navItem{Label: "End impersonation", URL: base + "/oauth/logout"}
	}
	return pg
}

// message renders a message page inside the signed-in frame.
func (c *ssCtx) refuse(no *refusal) { c.message(no.status, no.title, no.heading, no.text) }

func (c *ssCtx) message(status int, title, heading string, paragraphs ...string) {
	pg := c.frame("")
	pg.Page, pg.Title, pg.Heading, pg.Paragraphs = "message", title, heading, paragraphs
	c.h.pages.render(c.w, status, pg)
}

func (c *ssCtx) projectName() string {
	if c.grant != nil && c.grant.Project != nil {
		return c.grant.Project.Name
	}
	return c.h.projectName(c.ctx, c.projectID)
}

// brand is the project's brand, from the session's project when it has one.
func (c *ssCtx) brand() brand {
	if c.grant != nil && c.grant.Project != nil {
		return brandOf(c.grant.Project)
	}
	return c.h.projectBrand(c.ctx, c.projectID)
}

// form reads a trimmed form field.
func (c *ssCtx) form(key string) string { return trimmed(c.r, key) }

// pageOf is the listing page a GET asks for (?after=).
func (c *ssCtx) pageOf() selfserve.Page {
	return selfserve.Page{After: c.r.URL.Query().Get("after")}
}

// sentence capitalises a domain message for the page.
func sentence(s string) string {
	if s == "" {
		return s
	}
	b := []byte(s)
	if b[0] >= 'a' && b[0] <= 'z' {
		b[0] -= 'a' - 'A'
	}
	if last := b[len(b)-1]; last != '.' && last != '!' && last != '?' {
		b = append(b, '.')
	}
	return string(b)
}

// notices are the texts shown after a successful POST, by the key the
// redirect carries; an unknown key shows nothing, so a link cannot put
// words on the page.
var notices = map[string]string{
	"profile_saved":     "Your profile was saved.",
	"password_changed":  "Your password was changed. Your other sessions were signed out.",
	"session_revoked":   "The session was signed out.",
	"others_signed_out": "You were signed out everywhere else.",
	"org_saved":         "The organization was saved.",
	"role_changed":      "The member's roles were changed.",
	"deactivated":       "The member was deactivated. Their sessions end at their next use.",
	"reactivated":       "The member was reactivated.",
	"removed":           "The member was removed from the organization.",
	"invited":           "The invitation was sent.",
	"invite_revoked":    "The invitation was revoked; its link no longer works.",
	"invite_resent":     "The invitation was sent again with a new link.",
	"role_created":      "The role was created.",
	"role_saved":        "The role was saved.",
	"role_deleted":      "The role was deleted.",
	"domain_added":      "The domain was added. Create the TXT record below, then verify it.",
	"domain_verified":   "The domain is verified.",
	"domain_pending":    "The TXT record was not found yet. DNS changes can take a while; try again later.",
	"domain_deleted":    "The domain was removed.",
	"policy_saved":      "The login policy was saved.",
}
