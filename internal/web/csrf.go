package web

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
)

// formToken is the hidden field every login form carries: an HMAC keyed by
// the attempt cookie's secret value. A page that cannot read the HttpOnly
// cookie cannot compute it, and it needs no server-side key, so every
// instance behind a load balancer agrees. It backs up the Sec-Fetch-Site /
// Origin check for browsers that send neither header.
func formToken(attemptCookie string, projectID string) string {
	mac := hmac.New(sha256.New, []byte(attemptCookie))
	mac.Write([]byte("gatehouse login form v1\x00" + projectID))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// validFormToken compares in constant time.
func validFormToken(attemptCookie, projectID, got string) bool {
	if attemptCookie == "" || got == "" {
		return false
	}
	return hmac.Equal([]byte(formToken(attemptCookie, projectID)), []byte(got))
}
