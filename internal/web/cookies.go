package web

import (
	"net/http"
	"strings"
	"time"
)

// Cookie names carry the project ID: two projects on one Gatehouse host
// never read each other's cookies, and each cookie's Path limits it to its
// project's pages anyway.
func attemptCookieName(projectID string) string { return "gh_attempt_" + projectID }
func sessionCookieName(projectID string) string { return "gh_session_" + projectID }

func projectPath(projectID string) string { return "/p/" + projectID + "/" }

// cookies builds the hosted pages' cookies. All are HttpOnly (no script ever
// needs them) and SameSite=Lax: the flow returns from a top-level cross-site
// navigation (the app's redirect to authorize, a magic link in a mail
// client), which Lax allows, while cross-site POSTs never carry them.
type cookies struct {
	secure bool
	now    func() time.Time
}

func newCookies(publicURL string, now func() time.Time) cookies {
	return cookies{secure: strings.HasPrefix(strings.ToLower(publicURL), "https://"), now: now}
}

func (c cookies) set(w http.ResponseWriter, name, projectID, value string, expires time.Time) {
	maxAge := int(expires.Sub(c.now()).Seconds())
	if maxAge <= 0 {
		maxAge = -1
	}
	http.SetCookie(w, &http.Cookie{
		Name:     name,
		Value:    value,
		Path:     projectPath(projectID),
		Expires:  expires.UTC(),
		MaxAge:   maxAge,
		HttpOnly: true,
		Secure:   c.secure,
		SameSite: http.SameSiteLaxMode,
	})
}

func (c cookies) clear(w http.ResponseWriter, name, projectID string) {
	http.SetCookie(w, &http.Cookie{
		Name:     name,
		Value:    "",
		Path:     projectPath(projectID),
		Expires:  time.Unix(1, 0),
		MaxAge:   -1,
		HttpOnly: true,
		Secure:   c.secure,
		SameSite: http.SameSiteLaxMode,
	})
}

// read returns the cookie's value, or "" when absent.
func read(r *http.Request, name string) string {
	ck, err := r.Cookie(name)
	if err != nil {
		return ""
	}
	return ck.Value
}
