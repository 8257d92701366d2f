package web

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func TestCookieAttributes(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	clock := func() time.Time { return now }

	rec := httptest.NewRecorder()
	newCookies("https://login.example", clock).set(rec, attemptCookieName("proj_a"), "proj_a", "gh_la_x", now.Add(10*time.Minute))
	ck := rec.Result().Cookies()
	if len(ck) != 1 {
		t.Fatalf("%d cookies", len(ck))
	}
	c := ck[0]
	if c.Name != "gh_attempt_proj_a" || !c.Secure || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode ||
		c.Path != "/p/proj_a/" || c.MaxAge != 600 || !c.Expires.Equal(now.Add(10*time.Minute)) {
		t.Errorf("cookie %+v", c)
	}

	rec = httptest.NewRecorder()
	newCookies("http://localhost:8080", clock).set(rec, sessionCookieName("proj_a"), "proj_a", "gh_bs_x", now.Add(time.Hour))
	if c := rec.Result().Cookies()[0]; c.Secure || !c.HttpOnly || c.Name != "gh_session_proj_a" {
		t.Errorf("a plain-http development server needs a non-Secure cookie (or the browser never returns it): %+v", c)
	}

	rec = httptest.NewRecorder()
	newCookies("https://login.example", clock).clear(rec, sessionCookieName("proj_a"), "proj_a")
	if c := rec.Result().Cookies()[0]; c.MaxAge >= 0 || c.Value != "" || c.Path != "/p/proj_a/" {
		t.Errorf("clearing cookie %+v", c)
	}
}
