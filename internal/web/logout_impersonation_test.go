package web

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse/internal/audit"
	"github.com/gatehouse-auth/gatehouse/internal/session"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/tenancy"
	"github.com/gatehouse-auth/gatehouse/internal/testdb"
)

// refresh redeems a refresh token at the real token endpoint.
func (e *env) refresh(rt string) (status int, body string) {
	e.t.Helper()
	form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}
	req, _ := http.NewRequest("POST", e.srv.URL+e.path("/oauth/token"), strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(string(e.client.ID)), url.QueryEscape(e.secret))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// Signing out of an impersonation at the hosted logout ends the whole
// impersonation: the app's sessions made from it stop refreshing, and the
// log records impersonation.ended by the staff member who started it.
func TestLogoutEndsImpersonation(t *testing.T) {
	t.Parallel()
	for _, eng := range testdb.Engines() {
		t.Run(eng.Name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, func(c *envConfig) { c.open = eng.Open })
			ctx := context.Background()
			o := e.account("Acme", "ada@acme.example")
			us, err := e.st.ListUsers(ctx, e.project.ID, store.UserFilter{OrganizationID: o.ID}, store.Page{Limit: 10})
			if err != nil || len(us) != 1 {
				t.Fatalf("users: %v %v", us, err)
			}
			staff := staffActor(t, e.con, "support@vendor.example")

			// appTokens signs the browser into the app through authorize and
			// returns the app's ID and refresh tokens.
			appTokens := func(b *browser) (idt, rt string) {
				t.Helper()
				q := callback(t, b.get(e.authorizeURL(map[string]string{"scope": "openid email offline_access", "prompt": "none"})))
				status, body := e.exchange(q.Get("code"))
				var tok struct {
					IDToken      string `json:"id_token"`
					RefreshToken string `json:"refresh_token"`
				}
				if err := json.Unmarshal([]byte(body), &tok); status != http.StatusOK || err != nil || tok.RefreshToken == "" {
					t.Fatalf("code exchange: %d %s", status, body)
				}
				return tok.IDToken, tok.RefreshToken
			}
			impersonated := func(reason string) *browser {
				t.Helper()
				_, token, err := e.sess.Impersonate(ctx, session.Impersonation{ProjectID: e.project.ID, UserID: us[0].ID,
					Staff: staff, StaffEmail: "ops@vendor.example", Reason: reason})
				if err != nil {
					t.Fatal(err)
				}
				b := e.browser()
				b.c.Jar.SetCookies(b.abs(e.path("/")), []*http.Cookie{{Name: sessionCookieName(string(e.project.ID)), Value: token, Path: e.path("/")}})
				return b
			}
			ended := func() []*audit.Event {
				t.Helper()
				evs, err := e.ten.ListAuditEvents(ctx, e.project.ID, tenancy.AuditFilter{Type: "impersonation.ended"}, store.Page{})
				if err != nil {
					t.Fatal(err)
				}
				return evs
			}

			// Baseline: the app's refresh works while the impersonation runs.
			b := impersonated("Ticket 1")
			idt, rt := appTokens(b)
			status, body := e.refresh(rt)
			if status != http.StatusOK {
				t.Fatalf("refresh during the impersonation: %d %s", status, body)
			}
			var next struct {
				RefreshToken string `json:"refresh_token"`
			}
			_ = json.Unmarshal([]byte(body), &next)

			// The app sends the browser to the hosted logout.
			if r := b.get(e.logoutURL(url.Values{"id_token_hint": {idt}, "post_logout_redirect_uri": {appLoggedOut}})); r.Status != http.StatusSeeOther {
				t.Fatalf("logout: %d\n%s", r.Status, r.Body)
			}
			if status, body := e.refresh(next.RefreshToken); status == http.StatusOK {
				t.Fatalf("the app's session still refreshes after signing out of the impersonation: %s", body)
			}
			evs := ended()
			if len(evs) != 1 || evs[0].Actor != staff {
				t.Fatalf("impersonation.ended events: %+v", evs)
			}

			// Signing out from the confirmation page (no hint) ends it too.
			b = impersonated("Ticket 2")
			_, rt = appTokens(b)
			r := b.get(e.logoutURL(url.Values{"client_id": {string(e.client.ID)}}))
			if pageName(r) != "logout" {
				t.Fatalf("no confirmation: %d %q", r.Status, pageName(r))
			}
			b.submit(r, "confirm-logout", nil)
			if status, _ := e.refresh(rt); status == http.StatusOK {
				t.Fatal("the app's session still refreshes after confirming the sign-out")
			}
			if evs := ended(); len(evs) != 2 {
				t.Fatalf("impersonation.ended events: %+v", evs)
			}
		})
	}
}
