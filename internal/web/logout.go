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

// logout is OpenID Connect RP-Initiated Logout: end the session the app
// names (id_token_hint) and the browser's own session, clear the cookie,
// then go back to the app only at a post-logout URI registered for it.
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
			h.pages.message(w, http.StatusBadRequest, h.projectName(ctx, projectID), "Sign-out error",
				"This sign-out request could not be read", "Return to the app and try again.")
			return
		}
		q = r.PostForm
	}
	es, err := h.o.OIDC.ParseEndSession(ctx, projectID, q)
	if err != nil {
		var ae *oidc.AuthorizeError
		if !errors.As(err, &ae) {
			h.internalError(w, r, h.projectName(ctx, projectID), "parse end-session request", err)
			return
		}
		desc := ae.Description
		if desc == "" {
			desc = ae.Code
		}
		h.pages.message(w, http.StatusBadRequest, h.projectName(ctx, projectID), "Sign-out error",
			"This sign-out request is not valid",
			"The app that sent you here made a request we cannot accept: "+desc+".",
			"Nothing was changed. Return to the app and try again.")
		return
	}

	if es.SessionID != "" {
		h.revoke(r, projectID, es.SessionID)
	}
	if sess := h.browserSession(r, projectID); sess != nil && sess.ID != es.SessionID {
		h.revoke(r, projectID, sess.ID)
	}
	h.cookies.clear(w, sessionCookieName(string(projectID)), string(projectID))
	h.cookies.clear(w, attemptCookieName(string(projectID)), string(projectID))

	if es.RedirectURI != "" {
		to, err := url.Parse(es.RedirectURI)
		if err == nil {
			if es.State != "" {
				v := to.Query()
				v.Set("state", es.State)
				to.RawQuery = v.Encode()
			}
			redirect(w, r, to.String())
			return
		}
	}
	h.pages.message(w, http.StatusOK, h.projectName(ctx, projectID), "Signed out",
		"You are signed out", "You can close this window.")
}

// revoke ends one session; the person signing out is the audit actor.
// A session that no longer exists is already as ended as it gets.
func (h *Handler) revoke(r *http.Request, projectID id.Project, sid id.Session) {
	ctx := r.Context()
	sess, err := h.o.Sessions.Get(ctx, projectID, sid)
	if err != nil {
		if fault.KindOf(err) != fault.NotFound {
			h.log.WarnContext(ctx, "read session at logout", "session", sid, "err", err)
		}
		return
	}
	ctx = session.WithActor(ctx, audit.Actor{Type: audit.ActorUser, ID: string(sess.UserID)})
	if err := h.o.Sessions.Revoke(ctx, projectID, sid, "logout"); err != nil && fault.KindOf(err) != fault.NotFound {
		h.log.WarnContext(ctx, "revoke session at logout", "session", sid, "err", err)
	}
}
