package web

import (
	"errors"
	"net/http"
	"net/url"

	"github.com/gatehouse-auth/gatehouse/internal/audit"
	"github.com/gatehouse-auth/gatehouse/internal/fault"
	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/oidc"
	"github.com/gatehouse-auth/gatehouse/internal/session"
)

// endSessionParams are the request parameters the confirmation form
// carries over to its POST.
var endSessionParams = []string{"client_id", "post_logout_redirect_uri", "state", "id_token_hint", "ui_locales"}

// logout is OpenID Connect RP-Initiated Logout: end the session the app
// names (id_token_hint) and the browser's own session, clear the cookie,
// then go back to the app only at a post-logout URI registered for it.
//
// The app's own GET or form POST arrives cross-site by design, so this
// endpoint is not behind the cross-origin check. Instead, when the request
// does not prove it comes from the app signed in as this browser's user (no
// id_token_hint, or one for another user), the person is asked first, as
// the specification requires: a link on any site must not sign people out.
func (h *Handler) logout(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	projectID, ok := projectFrom(r)
	if !ok {
		h.notFound(w)
		return
	}
	q := r.URL.Query()
	if r.Method == http.MethodPost {
		r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
		if err := r.ParseForm(); err != nil {
			h.pages.message(w, http.StatusBadRequest, h.projectBrand(ctx, projectID), "Sign-out error",
				"This sign-out request could not be read", "Return to the app and try again.")
			return
		}
		q = r.PostForm
	}
	es, err := h.o.OIDC.ParseEndSession(ctx, projectID, q)
	if err != nil {
		h.logoutRefused(w, r, projectID, err)
		return
	}

	var hinted *session.Session
	if es.SessionID != "" {
		if hinted, err = h.o.Sessions.Get(ctx, projectID, es.SessionID); err != nil && fault.KindOf(err) != fault.NotFound {
			h.internalError(w, r, h.projectBrand(ctx, projectID), "read session at logout", err)
			return
		}
	}
	cookie := read(r, sessionCookieName(string(projectID)))
	browser := h.browserGrant(r, projectID)
	if browser != nil && (hinted == nil || hinted.UserID != browser.Session.UserID) &&
		!(r.Method == http.MethodPost && validFormToken(cookie, logoutPurpose(projectID), r.PostFormValue("csrf_token"))) {
		h.confirmLogout(w, r, projectID, browser, cookie, q, es)
		return
	}

	if hinted != nil {
		h.revoke(r, projectID, hinted)
	}
	if browser != nil && (hinted == nil || browser.Session.ID != hinted.ID) {
		h.revoke(r, projectID, browser.Session)
	}
	h.cookies.clear(w, sessionCookieName(string(projectID)), string(projectID))
	h.cookies.clear(w, attemptCookieName(string(projectID)), string(projectID))

	if es.RedirectURI != "" {
		if to, err := url.Parse(es.RedirectURI); err == nil {
			if es.State != "" {
				v := to.Query()
				v.Set("state", es.State)
				to.RawQuery = v.Encode()
			}
			redirect(w, r, to.String())
			return
		}
	}
	h.pages.message(w, http.StatusOK, h.projectBrand(ctx, projectID), "Signed out",
		"You are signed out", "You can close this window.")
}

// confirmLogout asks the person whether to sign out. The form carries the
// request's parameters and a token keyed by the session cookie, which a
// foreign page cannot produce.
func (h *Handler) confirmLogout(w http.ResponseWriter, r *http.Request, projectID id.Project, g *session.Grant, cookie string, q url.Values, es *oidc.EndSession) {
	p := &page{
		Page: "logout", Title: "Sign out",
		FormAction: "/p/" + string(projectID) + "/oauth/logout",
		CSRF:       formToken(cookie, logoutPurpose(projectID)),
		Email:      g.Session.Facts.Email,
		StayURL:    es.RedirectURI,
	}
	if g.Project != nil {
		brandOf(g.Project).apply(p)
	} else {
		h.projectBrand(r.Context(), projectID).apply(p)
	}
	if g.Org != nil {
		p.OrgName = g.Org.Name
	}
	for _, k := range endSessionParams {
		if v := q.Get(k); v != "" {
			p.Hidden = append(p.Hidden, hiddenField{Name: k, Value: v})
		}
	}
	// The confirmed POST ends at the post-logout URI.
	h.pages.render(w, http.StatusOK, p, sourceOrigin(es.RedirectURI))
}

// logoutRefused shows why an end-session request is invalid. Nothing is
// changed and nothing redirects: the URI was not proven to be the app's.
func (h *Handler) logoutRefused(w http.ResponseWriter, r *http.Request, projectID id.Project, err error) {
	ctx := r.Context()
	var ae *oidc.AuthorizeError
	if !errors.As(err, &ae) {
		h.internalError(w, r, h.projectBrand(ctx, projectID), "parse end-session request", err)
		return
	}
	desc := ae.Description
	if desc == "" {
		desc = ae.Code
	}
	h.pages.message(w, http.StatusBadRequest, h.projectBrand(ctx, projectID), "Sign-out error",
		"This sign-out request is not valid",
		"The app that sent you here made a request we cannot accept: "+desc+".",
		"Nothing was changed. Return to the app and try again.")
}

// revoke ends one session; the person signing out is the audit actor.
// A session that is already gone is as ended as it gets. Signing out of an
// impersonation ends the whole impersonation, as the console does: the
// app sessions made from it must stop refreshing too, and the staff member
// who started it is the one who ended it.
func (h *Handler) revoke(r *http.Request, projectID id.Project, sess *session.Session) {
	// Signing out an impersonation ends all of it (Revoke does), and it is
	// the staff member who signs out.
	actor := audit.Actor{Type: audit.ActorUser, ID: string(sess.UserID)}
	if imp := sess.Impersonator; imp != nil {
		actor = audit.Actor{Type: audit.ActorStaff, ID: imp.StaffUserID}
	}
	ctx := session.WithActor(r.Context(), actor)
	if err := h.o.Sessions.Revoke(ctx, projectID, sess.ID, "logout"); err != nil && fault.KindOf(err) != fault.NotFound {
		h.log.WarnContext(ctx, "revoke session at logout", "session", sess.ID, "err", err)
	}
}
