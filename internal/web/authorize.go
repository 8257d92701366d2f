package web

import (
	"errors"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/login"
	"github.com/gatehouse-auth/gatehouse/internal/oidc"
	"github.com/gatehouse-auth/gatehouse/internal/session"
)

// authorize is the OAuth 2.0 authorization endpoint as a browser sees it:
// validate the request, reuse a live browser session when allowed, or start
// a login attempt and show its first step.
func (h *Handler) authorize(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	projectID, ok := projectFrom(r)
	if !ok {
		h.notFound(w)
		return
	}
	req, err := h.o.OIDC.ParseAuthorize(ctx, projectID, r.URL.Query())
	if err != nil {
		h.authorizeFailed(w, r, projectID, err)
		return
	}

	g := h.browserGrant(r, projectID)
	if g != nil && req.Prompt != "login" && req.Prompt != "select_account" &&
		(req.OrganizationHint == "" || req.OrganizationHint == g.Session.OrgID) && h.recentEnough(g.Session, req) {
		to, err := h.o.OIDC.IssueCode(ctx, req, projectID, g.Session)
		if err != nil {
			h.internalError(w, r, h.projectBrand(ctx, projectID), "issue code for existing session", err)
			return
		}
		redirect(w, r, to)
		return
	}
	if req.Prompt == "none" {
		if to, ok := h.silentSwitch(w, r, projectID, req, g); ok {
			redirect(w, r, to)
			return
		}
		redirect(w, r, h.o.OIDC.ErrorRedirect(req, "login_required", "the user must sign in or choose on Gatehouse's pages"))
		return
	}

	h.begin(w, r, projectID, *req, g)
}

// startThrottled answers a login start refused because this client opened
// too many sign-ins recently: 429 with Retry-After, and a page saying how
// long to wait. Nothing was started, so there is nothing to go back to.
func (h *Handler) startThrottled(w http.ResponseWriter, r *http.Request, projectID id.Project, wait time.Duration) {
	w.Header().Set("Retry-After", strconv.Itoa(int((wait+time.Second-1)/time.Second)))
	h.pages.message(w, http.StatusTooManyRequests, h.projectBrand(r.Context(), projectID), "Too many sign-ins",
		"Too many sign-ins from your network",
		"Wait "+humanDuration(wait)+", then return to the app and try again.")
}

// authorizePost accepts an authorization request sent as a form POST
// (OpenID Connect Core §3.1.2.1). The request is validated here, so errors
// are answered exactly as for a GET, and then continues as that GET: a
// cross-site POST does not carry the SameSite=Lax session cookie, so only
// the GET can see that the person is already signed in (and answer
// prompt=none). Nothing is stored before that GET.
func (h *Handler) authorizePost(w http.ResponseWriter, r *http.Request) {
	projectID, ok := projectFrom(r)
	if !ok {
		h.notFound(w)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		h.pages.message(w, http.StatusBadRequest, h.projectBrand(r.Context(), projectID), "Sign-in error",
			"This sign-in request could not be read", "Return to the app and try again.")
		return
	}
	// Only the body counts: a POST request's parameters are its form.
	form := r.PostForm
	if _, err := h.o.OIDC.ParseAuthorize(r.Context(), projectID, form); err != nil {
		h.authorizeFailed(w, r, projectID, err)
		return
	}
	redirect(w, r, "/p/"+string(projectID)+"/oauth/authorize?"+form.Encode())
}

// authorizeFailed answers an invalid authorization request. Errors may go
// back to the app only when the provider vouched for the redirect URI (it
// is registered for the client); otherwise the person sees the error here,
// so Gatehouse can never be used to bounce someone to an arbitrary site.
func (h *Handler) authorizeFailed(w http.ResponseWriter, r *http.Request, projectID id.Project, err error) {
	var ae *oidc.AuthorizeError
	if !errors.As(err, &ae) {
		h.internalError(w, r, h.projectBrand(r.Context(), projectID), "parse authorization request", err)
		return
	}
	if ae.RedirectURI != "" {
		redirect(w, r, h.o.OIDC.ErrorRedirect(&login.AuthRequest{RedirectURI: ae.RedirectURI, State: ae.State}, ae.Code, ae.Description))
		return
	}
	desc := ae.Description
	if desc == "" {
		desc = ae.Code
	}
	h.pages.render(w, http.StatusBadRequest, h.projectBrand(r.Context(), projectID).apply(&page{
		Page: "message", Title: "Sign-in error", Heading: "This sign-in link is not valid",
		Paragraphs: []string{
			"The app that sent you here made a request we cannot accept: " + desc + ".",
			"Return to the app and try again. If it keeps happening, tell the app's developers (error: " + ae.Code + ").",
		},
	}))
}

// browserGrant is the live session behind the browser's session cookie for
// this project, with the user and organization it is for, or nil.
func (h *Handler) browserGrant(r *http.Request, projectID id.Project) *session.Grant {
	tok := read(r, sessionCookieName(string(projectID)))
	if tok == "" {
		return nil
	}
	g, err := h.o.Sessions.Authenticate(r.Context(), projectID, tok)
	if err != nil {
		if !errors.Is(err, session.ErrInvalid) && !errors.Is(err, session.ErrRefused) {
			h.log.WarnContext(r.Context(), "browser session check failed", "err", err)
		}
		return nil
	}
	return g
}

// recentEnough applies max_age (OpenID Connect Core §3.1.2.1): a session
// whose last authentication is older than the app allows is not reused; the
// person signs in again (or, with prompt=none, the app hears
// login_required).
func (h *Handler) recentEnough(sess *session.Session, req *login.AuthRequest) bool {
	if req.MaxAge == nil {
		return true
	}
	limit := *req.MaxAge
	if limit > int64(math.MaxInt64/time.Second) {
		return true
	}
	return h.now().Sub(sess.Facts.AuthTime()) <= time.Duration(limit)*time.Second
}
