package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/gatehouse-auth/gatehouse/internal/console"
	"github.com/gatehouse-auth/gatehouse/internal/fault"
	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/project"
	"github.com/gatehouse-auth/gatehouse/internal/session"
)

// The console: the vendor's staff pages. They live under the console
// project's own path, /p/{console project}/console/..., so the console
// project's browser session cookie (Path=/p/{console project}/) reaches them
// and staff sign in through that project's ordinary hosted sign-in. Every
// action is authorised by package console; these pages only render and
// route.
//
// Like the self-serve pages, each page is a GET that renders it and a POST
// whose "action" field names what to do; a POST answers with a redirect back
// carrying a notice (post/redirect/get), re-renders the page with the errors
// beside the fields that caused them, or, for a secret shown once, renders
// the secret.

// cPage describes one console page.
type cPage struct {
	// path is below /p/{project}/console, with {pid}, {oid}, {uid} segments.
	path  string
	name  string // template
	title string
	// section is the navigation entry the page belongs to.
	section string
	// fields are the form fields whose errors the page shows beside them;
	// errors about any other field go at the top.
	fields []string
	load   func(c *cCtx) (any, error)
	// actions are the page's POST actions.
	actions map[string]func(c *cCtx) (cResult, error)
	// toApp: a form of the page may end at the project's app (its POST
	// redirects there), which the page's form-action policy must allow.
	toApp bool
}

// cResult is what a POST action leads to: a redirect (to, or the page
// itself) with a notice, or a secret shown once.
type cResult struct {
	notice string
	to     string
	secret *secretView
}

// secretView is a secret shown once, with where to go afterwards.
type secretView struct {
	Heading string
	// What says what the secret is ("Secret key", "Client secret").
	What   string
	ID     string
	Secret string
	Next   string
}

// cCtx is one console request.
type cCtx struct {
	h      *Handler
	w      http.ResponseWriter
	r      *http.Request
	ctx    context.Context
	con    *console.Service
	cp     id.Project // the console project
	grant  *session.Grant
	st     *console.Staff
	cookie string
	// proj is the project a /projects/{pid}/... page is about.
	proj *project.Project
}

// cData is what every console template gets as .Data.
type cData struct {
	V      any
	Form   url.Values
	Errors map[string]string
	// Base is /p/{console project}/console; P is Base/projects/{pid} on a
	// project's pages.
	Base           string
	P              string
	Project        *project.Project
	IsConsole      bool
	CanManageStaff bool
	DevInbox       bool
}

// consolePages lists every console page.
func consolePages() []*cPage {
	return []*cPage{
		consoleProjectsPage(), consoleSettingsPage(), consoleClientsPage(), consoleKeysPage(),
		consoleOrgsPage(), consoleOrgPage(), consoleUsersPage(), consoleUserPage(),
		consoleRolesPage(), consoleAuditPage(), consoleStaffPage(),
	}
}

// consoleSections are a project's navigation entries, in order.
var consoleSections = []struct{ key, label, path string }{
	{"settings", "Settings", ""},
	{"clients", "OAuth clients", "/clients"},
	{"keys", "Secret keys", "/keys"},
	{"orgs", "Organizations", "/orgs"},
	{"users", "Users", "/users"},
	{"roles", "Roles & permissions", "/roles"},
	{"audit", "Audit log", "/audit"},
}

func (h *Handler) registerConsole(mux *http.ServeMux) {
	if h.o.Console == nil {
		return
	}
	mux.HandleFunc("GET /console", h.consoleHome)
	mux.HandleFunc("GET /console/{$}", h.consoleHome)
	mux.HandleFunc("GET /console/setup/{token}", h.consoleSetup)
	mux.Handle("POST /console/setup/{token}", h.cop.Handler(http.HandlerFunc(h.consoleSetup)))
	for _, p := range consolePages() {
		mux.HandleFunc("GET /p/{project}/console"+p.path, h.consoleServe(p))
		if len(p.actions) > 0 {
			mux.Handle("POST /p/{project}/console"+p.path, h.cop.Handler(h.consoleServe(p)))
		}
	}
}

// consoleBase is the console's root path.
func consoleBase(cp id.Project) string { return "/p/" + string(cp) + "/console" }

// consoleHome sends /console to the console project's console.
func (h *Handler) consoleHome(w http.ResponseWriter, r *http.Request) {
	cp := h.o.Console.ProjectID(r.Context())
	if cp == "" {
		h.notFound(w)
		return
	}
	redirect(w, r, consoleBase(cp)+"/")
}

// consoleSignIn sends the browser to the console project's sign-in, coming
// back to returnTo.
func (h *Handler) consoleSignIn(w http.ResponseWriter, r *http.Request, cp id.Project, returnTo string) {
	redirect(w, r, console.SignInPath(cp, returnTo, ""))
}

// consoleServe runs one console page: only under the console project's
// path, only for staff (anyone else signs in, or is refused), a form token
// bound to the staff member's session on every POST, then render or act.
func (h *Handler) consoleServe(p *cPage) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		cp := h.o.Console.ProjectID(ctx)
		if cp == "" || r.PathValue("project") != string(cp) {
			h.notFound(w)
			return
		}
		g := h.browserGrant(r, cp)
		if g == nil {
			back := r.URL.Path
			if r.Method != http.MethodGet {
				back = consoleBase(cp) + "/"
			} else if r.URL.RawQuery != "" {
				back += "?" + r.URL.RawQuery
			}
			h.consoleSignIn(w, r, cp, back)
			return
		}
		c := &cCtx{h: h, w: w, r: r, ctx: ctx, con: h.o.Console, cp: cp, grant: g,
			cookie: read(r, sessionCookieName(string(cp)))}
		st, err := h.o.Console.Authorize(ctx, g)
		if err != nil {
			c.refused(err)
			return
		}
		c.st = st
		if pid := r.PathValue("pid"); pid != "" {
			projectID, err := id.Parse[id.Project](pid)
			if err != nil {
				c.message(http.StatusNotFound, "Not found", "Project not found", "There is no project with this ID.")
				return
			}
			if c.proj, err = c.con.GetProject(ctx, st, projectID); err != nil {
				c.loadFailed(p, err)
				return
			}
		}
		if r.Method != http.MethodPost {
			c.render(p, http.StatusOK, nil, r.URL.Query().Get("notice"))
			return
		}
		if no := readSignedForm(w, r, 256<<10, c.cookie, consolePurpose(cp, g.Session.ID)); no != nil {
			c.refuse(no)
			return
		}
		act, ok := p.actions[r.PostFormValue("action")]
		if !ok {
			c.refuse(refusedUnknownAction)
			return
		}
		res, err := act(c)
		if err != nil {
			c.render(p, 0, err, "")
			return
		}
		if res.secret != nil {
			pg := c.frame(p.section)
			pg.Page, pg.Title, pg.Data = "console_secret", res.secret.Heading, c.data(res.secret)
			h.pages.render(w, http.StatusOK, pg)
			return
		}
		to := res.to
		if to == "" {
			to = r.URL.Path
		}
		if res.notice != "" && strings.HasPrefix(to, "/") {
			sep := "?"
			if strings.Contains(to, "?") {
				sep = "&"
			}
			to += sep + "notice=" + url.QueryEscape(res.notice)
		}
		redirect(w, r, to)
	}
}

// refused answers someone signed in to the console project who is not
// staff, or whose staff account cannot be read.
func (c *cCtx) refused(err error) {
	switch fault.KindOf(err) {
	case fault.PermissionDenied:
		c.h.pages.render(c.w, http.StatusForbidden, &page{
			Page: "message", Title: "Not allowed", ProjectName: console.ProjectName,
			Heading: "The console is for staff only",
			Paragraphs: []string{
				"You are signed in, but your account is not an active member of the staff.",
				"Ask an owner or admin of the staff to invite you.",
			},
		})
	case fault.Unauthenticated:
		c.h.consoleSignIn(c.w, c.r, c.cp, consoleBase(c.cp)+"/")
	default:
		c.h.internalError(c.w, c.r, brand{Name: console.ProjectName}, "authorize staff", err)
	}
}

func (c *cCtx) data(v any) *cData {
	d := &cData{V: v, Form: url.Values{}, Errors: map[string]string{}, Base: consoleBase(c.cp),
		CanManageStaff: c.st.CanManageStaff(), DevInbox: c.h.o.DevInbox}
	if c.proj != nil {
		d.Project, d.P, d.IsConsole = c.proj, d.Base+"/projects/"+string(c.proj.ID), c.proj.ID == c.cp
	}
	return d
}

// render shows the page. actErr, when set, is the error of the POST being
// answered: field errors go beside their fields, other refusals at the top,
// with the status the error's kind calls for.
func (c *cCtx) render(p *cPage, status int, actErr error, noticeKey string) {
	pg := c.frame(p.section)
	data := c.data(nil)
	pg.Page, pg.Title, pg.Data = p.name, p.title, data
	if c.proj != nil {
		pg.Title = p.title + " · " + c.proj.Name
	}
	if notice, ok := consoleNotices[noticeKey]; ok {
		pg.Notice = notice
	}
	if actErr != nil {
		fe := fault.From(consoleFault(actErr))
		switch fe.Kind {
		case fault.Internal:
			c.h.internalError(c.w, c.r, brand{Name: console.ProjectName}, "console "+p.name, actErr)
			return
		case fault.Unauthenticated:
			c.h.consoleSignIn(c.w, c.r, c.cp, consoleBase(c.cp)+"/")
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
	var origins []string
	if p.toApp && c.proj != nil && c.proj.AppURL != "" {
		origins = append(origins, sourceOrigin(c.proj.AppURL))
	}
	c.h.pages.render(c.w, status, pg, origins...)
}

// consoleFault classifies the console's own sentinel errors for the page.
func consoleFault(err error) error {
	switch {
	case errors.Is(err, console.ErrNoInvites):
		return fault.NewFailedPrecondition("unavailable", "invitations are not available on this server")
	case errors.Is(err, console.ErrNoDomains):
		return fault.NewFailedPrecondition("unavailable", "verified domains are not available on this server")
	}
	return err
}

// loadFailed answers a page that cannot be shown.
func (c *cCtx) loadFailed(p *cPage, err error) {
	err = consoleFault(err)
	switch fault.KindOf(err) {
	case fault.PermissionDenied:
		c.refused(err)
	case fault.Unauthenticated:
		c.h.consoleSignIn(c.w, c.r, c.cp, consoleBase(c.cp)+"/")
	case fault.NotFound:
		c.message(http.StatusNotFound, "Not found", "Not found", sentence(fault.From(err).Message))
	case fault.Internal:
		c.h.internalError(c.w, c.r, brand{Name: console.ProjectName}, "load console "+p.name, err)
	default:
		fe := fault.From(err)
		c.message(fe.Kind.HTTPStatus(), p.title, "This page is not available", sentence(fe.Message))
	}
}

// frame is the signed-in frame every console page shares: navigation (the
// project's sections on a project's pages), who is signed in, and the form
// token.
func (c *cCtx) frame(current string) *page {
	base := consoleBase(c.cp)
	pg := &page{
		ProjectName: console.ProjectName,
		MainClass:   "wide console",
		CSRF:        formToken(c.cookie, consolePurpose(c.cp, c.grant.Session.ID)),
		SignedInAs:  c.st.Email,
		Errors:      map[string]string{},
	}
	pg.Nav = append(pg.Nav, navItem{Label: "Projects", URL: base + "/", Current: current == "projects"})
	if c.proj != nil {
		pb := base + "/projects/" + string(c.proj.ID)
		for _, s := range consoleSections {
			pg.Nav = append(pg.Nav, navItem{Label: s.label, URL: pb + s.path, Current: current == s.key})
		}
		if c.h.o.DevInbox {
			pg.Nav = append(pg.Nav, navItem{Label: "Development inbox", URL: "/p/" + string(c.proj.ID) + "/dev/inbox"})
		}
		if c.proj.ID == c.cp {
			pg.Banner = "This is the console's own project: its Staff organization holds the people who can use this console."
		}
	} else {
		pg.Nav = append(pg.Nav, navItem{Label: "Staff", URL: base + "/staff", Current: current == "staff"})
	}
	pg.Nav = append(pg.Nav, navItem{Label: "Sign out", URL: "/p/" + string(c.cp) + "/oauth/logout"})
	return pg
}

// message renders a message page inside the signed-in frame.
func (c *cCtx) refuse(no *refusal) { c.message(no.status, no.title, no.heading, no.text) }

func (c *cCtx) message(status int, title, heading string, paragraphs ...string) {
	pg := c.frame("")
	pg.Page, pg.Title, pg.Heading, pg.Paragraphs = "message", title, heading, paragraphs
	c.h.pages.render(c.w, status, pg)
}

// form reads a trimmed form field.
func (c *cCtx) form(key string) string { return trimmed(c.r, key) }

// lines reads a textarea as one value per line, without blank lines.
func (c *cCtx) lines(key string) []string {
	out := []string{}
	for _, l := range strings.Split(c.r.PostFormValue(key), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// checked reads a checkbox.
func (c *cCtx) checked(key string) bool { return c.r.PostFormValue(key) != "" }

// pid is the project of a project's page.
func (c *cCtx) pid() id.Project { return c.proj.ID }

// projectPath is a path below the current project's console pages.
func (c *cCtx) projectPath(rest string) string {
	return consoleBase(c.cp) + "/projects/" + string(c.proj.ID) + rest
}

// consoleNotices are the texts shown after a successful POST, by the key
// the redirect carries; an unknown key shows nothing, so a link cannot put
// words on the page.
var consoleNotices = map[string]string{
	"settings_saved":     "The settings were saved.",
	"client_created":     "The OAuth client was created. Public clients have no secret.",
	"client_deleted":     "The OAuth client was deleted.",
	"key_revoked":        "The secret key was revoked. Requests with it are refused from now on.",
	"org_created":        "The organization was created.",
	"policy_saved":       "The organization's policy was saved.",
	"invite_sent":        "The invitation was sent.",
	"invite_revoked":     "The invitation was revoked.",
	"invite_resent":      "The invitation was sent again.",
	"domain_added":       "The domain was added. Publish the DNS record below, then verify it.",
	"domain_verified":    "The domain was checked.",
	"domain_deleted":     "The domain was removed.",
	"role_assigned":      "The role was given to the user.",
	"role_unassigned":    "The role was taken from the user.",
	"user_deactivated":   "The user was deactivated and signed out everywhere.",
	"user_reactivated":   "The user was reactivated.",
	"sessions_revoked":   "The user was signed out everywhere.",
	"session_revoked":    "The session was signed out.",
	"role_created":       "The role was created.",
	"role_saved":         "The role was saved.",
	"role_deleted":       "The role was deleted.",
	"permission_created": "The permission was created.",
	"permission_deleted": "The permission was deleted and taken out of every role.",
	"staff_invited":      "The invitation was sent. The person joins the staff when they accept it.",
}
