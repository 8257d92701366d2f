package web

import (
	"errors"
	"net/http"

	"github.com/gatehouse-auth/gatehouse/internal/login/flow"
)

// magicLink lands the link from the sign-in email. The link proves the email
// only in the browser that started the attempt: otherwise anyone could type a
// victim's address, wait for the victim to click the link they were sent,
// and be signed in as them. Opened anywhere else (another browser, the
// phone's mail app) the link stays unused and the page says to open it where
// the sign-in started, or to type the code there.
func (h *Handler) magicLink(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	projectID, ok := projectFrom(r)
	if !ok {
		h.notFound(w)
		return
	}
	token := r.URL.Query().Get("token")
	cookie := read(r, attemptCookieName(string(projectID)))
	_, err := h.o.Login.VerifyLinkFrom(ctx, projectID, token, cookie, h.client(r))
	if errors.Is(err, flow.ErrOtherBrowser) {
		h.pages.message(w, http.StatusOK, h.projectBrand(ctx, projectID), "Open this link where you started",
			"Open this link in the browser where you started signing in",
			"For your safety, a sign-in link works only in the browser that asked for it. Open it there, or type the 6-digit code from the same email into that window.")
		return
	}
	if err != nil {
		if errors.Is(err, flow.ErrGone) || errors.Is(err, flow.ErrInvalidLink) {
			h.pages.message(w, http.StatusGone, h.projectBrand(ctx, projectID), "Link expired",
				"This sign-in link has expired or was already used",
				"Each link works once and only for a short time. Return to the app and start again, or use the code from the email.")
			return
		}
		h.internalError(w, r, h.projectBrand(ctx, projectID), "verify magic link", err)
		return
	}
	redirect(w, r, loginPath(projectID))
}
