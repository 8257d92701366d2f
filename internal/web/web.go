// Package web serves the hosted login pages of every project: the OAuth
// authorization and end-session browser endpoints, the login steps over
// the login flow service, the magic-link landing page and, when no SMTP server is
// configured, a development inbox.
//
// The pages only render the step the login service decides; they hold no
// login logic of their own. They work without JavaScript, load nothing but
// their own stylesheet, and protect every form with the standard library's
// cross-origin check plus a per-attempt token.
package web

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/console"
	"github.com/gatehouse-auth/gatehouse/internal/domain"
	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/invite"
	"github.com/gatehouse-auth/gatehouse/internal/login/flow"
	"github.com/gatehouse-auth/gatehouse/internal/mail"
	"github.com/gatehouse-auth/gatehouse/internal/oidc"
	"github.com/gatehouse-auth/gatehouse/internal/selfserve"
	"github.com/gatehouse-auth/gatehouse/internal/session"
	"github.com/gatehouse-auth/gatehouse/internal/tenancy"
)

// Options are the hosted pages' dependencies.
type Options struct {
	Tenancy  *tenancy.Service
	Login    *flow.Service
	OIDC     *oidc.Provider
	Sessions *session.Service
	Outbox   *mail.Outbox
	// Invites finds, lists and accepts organization invitations.
	Invites *invite.Service
	// Domains claims and verifies organizations' domains.
	Domains *domain.Service
	// SelfServe backs the account and organization settings pages
	// (/p/{project}/account, /p/{project}/org); nil leaves them out.
	SelfServe *selfserve.Service
	// Console backs the staff console (/p/{console project}/console); nil
	// leaves it out.
	Console *console.Service
	// DevInbox serves /p/{project}/dev/inbox: set only when no SMTP server
	// is configured, so development works without one.
	DevInbox bool
	// PublicURL is the server's external base URL; https makes every
	// cookie Secure.
	PublicURL string
	// TrustedProxies are the reverse proxies whose X-Forwarded-For is
	// believed when finding the client's address; empty trusts nobody.
	TrustedProxies []netip.Prefix
	Logger         *slog.Logger
	Clock          func() time.Time
}

// Handler serves the hosted pages.
type Handler struct {
	o       Options
	log     *slog.Logger
	now     func() time.Time
	pages   *renderer
	assets  *assets
	cookies cookies
	cop     *http.CrossOriginProtection
}

// New returns the hosted pages' handler. It fails only if the embedded
// templates do not parse, which the package's tests rule out; a broken build
// panics at start rather than serving broken pages.
func New(o Options) *Handler {
	h := &Handler{o: o, log: o.Logger, now: o.Clock}
	if h.log == nil {
		h.log = slog.Default()
	}
	if h.now == nil {
		h.now = time.Now
	}
	tpl, err := parseTemplates()
	if err != nil {
		panic("web: embedded templates: " + err.Error())
	}
	h.assets = newAssets()
	h.pages = &renderer{tpl: tpl, log: h.log, styleURL: h.assets.styleURL()}
	h.cookies = newCookies(o.PublicURL, h.now)
	h.cop = http.NewCrossOriginProtection()
	h.cop.SetDenyHandler(http.HandlerFunc(h.crossOriginDenied))
	return h
}

// Register adds the pages' routes to mux.
func (h *Handler) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /p/{project}/oauth/authorize", h.authorize)
	// The form-encoded POST OpenID Connect also allows arrives cross-site by
	// design, so it is not behind the cross-origin check; it changes nothing
	// and continues as the equivalent GET.
	mux.HandleFunc("POST /p/{project}/oauth/authorize", h.authorizePost)
	// End-session is reached by the app's own GET or form POST, which is
	// cross-site by design and does nothing a GET could not; it is not
	// behind the cross-origin check.
	mux.HandleFunc("GET /p/{project}/oauth/logout", h.logout)
	mux.HandleFunc("POST /p/{project}/oauth/logout", h.logout)
	mux.HandleFunc("GET /p/{project}/login", h.loginPage)
	mux.Handle("POST /p/{project}/login", h.cop.Handler(http.HandlerFunc(h.loginPost)))
	mux.HandleFunc("GET /p/{project}/login/link", h.magicLink)
	mux.HandleFunc("GET /p/{project}/signin", h.signin)
	mux.HandleFunc("GET /p/{project}/invite/{token}", h.invitePage)
	mux.Handle("POST /p/{project}/invite/{token}", h.cop.Handler(http.HandlerFunc(h.acceptInvite)))
	if h.o.DevInbox {
		mux.HandleFunc("GET /p/{project}/dev/inbox", h.inbox)
	}
	mux.HandleFunc("GET /assets/{file}", h.assets.serve)
	mux.HandleFunc("GET /p/{project}/brand.css", h.brandCSS)
	h.registerSelfServe(mux)
	h.registerConsole(mux)
}

// projectFrom parses the {project} path segment. A malformed ID is treated
// like an unknown project.
func projectFrom(r *http.Request) (id.Project, bool) {
	p, err := id.Parse[id.Project](r.PathValue("project"))
	return p, err == nil
}

// projectName is the name shown on pages that have no login attempt yet;
// "" when the project does not exist. Pages that also show the project's
// colour and logo use projectBrand (brand.go), which reads the same row.
func (h *Handler) projectName(ctx context.Context, projectID id.Project) string {
	return h.projectBrand(ctx, projectID).Name
}

func loginPath(projectID id.Project) string { return "/p/" + string(projectID) + "/login" }

// crossOriginDenied answers a POST that a browser says came from another
// site: a form on a foreign page must not drive someone's login.
func (h *Handler) crossOriginDenied(w http.ResponseWriter, r *http.Request) {
	h.pages.message(w, http.StatusForbidden, h.requestBrand(r), "Request refused",
		"This request came from another site",
		"For your safety, sign-in forms only accept submissions from this page. Return to the app and start again.")
}

// internalError logs err and shows a page that reveals nothing about it, in
// the brand b of the project it happened in.
func (h *Handler) internalError(w http.ResponseWriter, r *http.Request, b brand, op string, err error) {
	if errors.Is(err, context.Canceled) {
		return
	}
	h.log.ErrorContext(r.Context(), "hosted page failed", "op", op, "path", r.URL.Path, "err", err)
	h.pages.message(w, http.StatusInternalServerError, b, "Something went wrong",
		"Something went wrong on our side",
		"Please try again in a moment. If it keeps happening, return to the app and start again.")
}

// notFound is the answer for an unknown or malformed project.
func (h *Handler) notFound(w http.ResponseWriter) {
	h.pages.message(w, http.StatusNotFound, brand{}, "Not found", "Page not found",
		"This sign-in page does not exist. Check the link, or return to the app and start again.")
}

// redirect sends the browser on with 303 See Other, which turns a POST into
// a GET at the target. No body: a browser never shows it, and a code in the
// Location must not be echoed into a page.
func redirect(w http.ResponseWriter, _ *http.Request, to string) {
	pageHeaders(w)
	w.Header().Set("Location", to)
	w.WriteHeader(http.StatusSeeOther)
}

// trimmed reads a form field without surrounding whitespace, which mobile
// keyboards like to add.
func trimmed(r *http.Request, key string) string { return strings.TrimSpace(r.PostFormValue(key)) }
