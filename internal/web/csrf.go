package web

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"

	"github.com/gatehouse-auth/gatehouse/internal/id"
)

// formToken is the hidden field every login form carries: an HMAC keyed by
// the attempt cookie's secret value. A page that cannot read the HttpOnly
// cookie cannot compute it, and it needs no server-side key, so every
// instance behind a load balancer agrees. It backs up the Sec-Fetch-Site /
// Origin check for browsers that send neither header.
// purpose separates uses (the login forms of a project, its logout
// confirmation) so one token never passes for another.
func formToken(cookie string, purpose string) string {
	mac := hmac.New(sha256.New, []byte(cookie))
	mac.Write([]byte("gatehouse form v1\x00" + purpose))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// validFormToken compares in constant time.
func validFormToken(cookie, purpose, got string) bool {
	if cookie == "" || got == "" {
		return false
	}
	return hmac.Equal([]byte(formToken(cookie, purpose)), []byte(got))
}

// loginPurpose and logoutPurpose bind tokens to a project's login forms or
// its logout confirmation.
func loginPurpose(projectID id.Project) string  { return "login\x00" + string(projectID) }
func logoutPurpose(projectID id.Project) string { return "logout\x00" + string(projectID) }

// selfServePurpose binds a token to one browser session's self-serve forms
// (the account and organization pages). The token is keyed by the session
// cookie like every form token and names the session ID too, so it dies with
// the session: a token shown before a sign-out or to another session never
// passes for this one.
func selfServePurpose(projectID id.Project, sessionID id.Session) string {
	return "selfserve\x00" + string(projectID) + "\x00" + string(sessionID)
}

// consolePurpose binds a token to one staff member's console session, the
// way selfServePurpose does for the self-serve pages; the two never pass for
// each other.
func consolePurpose(projectID id.Project, sessionID id.Session) string {
	return "console\x00" + string(projectID) + "\x00" + string(sessionID)
}
