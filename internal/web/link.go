package web

import (
	"errors"
	"net/http"

	"github.com/gatehouse-auth/gatehouse/internal/login/flow"
)

// magicLink lands the link from the sign-in email. The link proves the email
// for its attempt wherever it is opened; only the browser holding that
// attempt's cookie continues the login here. Anywhere else (another browser,
// the phone's mail app) it says so, and the original window goes on.
func (h *Handler) magicLink(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	projectID, ok := projectFrom(r)
	if !ok {
		h.notFound(w)
		return
	}
	token := r.URL.Query().Get("token")
	attemptID, err := h.o.Login.VerifyLink(ctx, projectID, token, client(r))
	if err != nil {
		if errors.Is(err, flow.ErrGone) || errors.Is(err, flow.ErrInvalidLink) {
			h.pages.message(w, http.StatusGone, h.projectName(ctx, projectID), "Link expired",
				"This sign-in link has expired or was already used",
				"Each link works once and only for a short time. Return to the app and start again, or use the code from the email.")
			return
		}
		h.internalError(w, r, h.projectName(ctx, projectID), "verify magic link", err)
		return
	}
	if cookie := read(r, attemptCookieName(string(projectID))); cookie != "" {
		if a, err := h.o.Login.Load(ctx, projectID, cookie); err == nil && a.ID == attemptID {
			redirect(w, r, loginPath(projectID))
			return
		}
	}
	h.pages.message(w, http.StatusOK, h.projectName(ctx, projectID), "Email verified",
		"Email verified",
		"Go back to the window where you started signing in and select Continue there. You can close this one.")
}
