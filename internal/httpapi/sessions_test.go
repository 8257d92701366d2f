package httpapi_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/httpapi"
	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/login"
	"github.com/gatehouse-auth/gatehouse/internal/session"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/tenancy"
	"github.com/gatehouse-auth/gatehouse/internal/testdb"
)

// sessionEnv is an API that serves the session operations, with the
// session service to log users in directly.
type sessionEnv struct {
	*env
	sess *session.Service
}

func sessionEngines(t *testing.T, fn func(t *testing.T, e *sessionEnv)) {
	t.Helper()
	for _, eng := range testdb.Engines() {
		t.Run(eng.Name, func(t *testing.T) {
			t.Parallel()
			st := eng.Open(t)
			log := slog.New(slog.NewTextHandler(io.Discard, nil))
			svc := tenancy.New(st, tenancy.WithLogger(log))
			sess := session.New(st, []byte("0123456789abcdef0123456789abcdef"), session.WithLogger(log))
			srv := httptest.NewServer(httpapi.New(httpapi.Options{Service: svc, Sessions: sess, PublicURL: "http://gatehouse.test", Logger: log}))
			t.Cleanup(srv.Close)
			fn(t, &sessionEnv{env: &env{t: t, st: st, svc: svc, srv: srv}, sess: sess})
		})
	}
}

// login creates a browser session for a user, as a finished login does.
func (e *sessionEnv) login(c *client, userID string) string {
	e.t.Helper()
	ctx := context.Background()
	u, err := e.svc.GetUser(ctx, id.Project(c.projectID), userID)
	if err != nil {
		e.t.Fatal(err)
	}
	var s *session.Session
	err = e.st.Write(ctx, func(w store.Writer) error {
		var err error
		s, _, err = e.sess.Create(ctx, w, session.NewSession{
			ProjectID: u.ProjectID, OrgID: u.OrganizationID, UserID: u.ID, UserAgent: "Browser/2.0", IP: "198.51.100.4",
			Facts: login.Facts{Email: u.Email, EmailVerified: true, Proofs: []login.Proof{{Factor: login.FactorEmailCode, At: time.Now()}}},
		})
		return err
	})
	if err != nil {
		e.t.Fatalf("create session: %v", err)
	}
	return string(s.ID)
}

func TestSessionsAPI(t *testing.T) {
	t.Parallel()
	sessionEngines(t, func(t *testing.T, e *sessionEnv) {
		a := e.project("Sessions")
		orgID, otherOrg := a.newOrg("Customer"), a.newOrg("Other customer")
		u1 := a.newUser(orgID, "one@example.com", nil)["id"].(string)
		u2 := a.newUser(orgID, "two@example.com", nil)["id"].(string)
		u3 := a.newUser(otherOrg, "three@example.com", nil)["id"].(string)
		s1, s1b, s2, s3 := e.login(a, u1), e.login(a, u1), e.login(a, u2), e.login(a, u3)
		g, err := e.sess.GrantForCode(context.Background(), id.Project(a.projectID), id.Session(s1b), "cli_app")
		if err != nil {
			t.Fatal(err)
		}

		one := a.do(http.MethodGet, "/api/v1/sessions/"+s1, nil).want(http.StatusOK).obj()
		if one["user_id"] != u1 || one["organization_id"] != orgID || one["client_id"] != nil || one["revoked_at"] != nil ||
			one["ip"] != "198.51.100.4" || one["user_agent"] != "Browser/2.0" || mustJSON(t, one["amr"]) != `["otp"]` {
			t.Fatalf("session: %v", one)
		}
		if got := a.do(http.MethodGet, "/api/v1/sessions/"+s1b, nil).want(http.StatusOK).str("client_id"); got != "cli_app" {
			t.Fatalf("bound session's client_id %q", got)
		}
		if strings.Contains(string(a.do(http.MethodGet, "/api/v1/sessions?limit=200", nil).body), g.RefreshToken[32:]) {
			t.Fatalf("the list shows token material")
		}

		lists := map[string][]string{
			"":                             {s1, s1b, s2, s3},
			"?user_id=" + u1:               {s1, s1b},
			"?organization_id=" + orgID:    {s1, s1b, s2},
			"?organization_id=" + otherOrg: {s3},
			"?organization_id=" + orgID + "&user_id=" + u3: {},
			"?user_id=user_nonsense":                       {},
			"?organization_id=" + a.projectID:              {},
		}
		for q, want := range lists {
			if got := ids(a.listAll("/api/v1/sessions"+q, 1)); !slices.Equal(got, want) {
				t.Fatalf("GET /sessions%s: %v, want %v", q, got, want)
			}
		}

		a.do(http.MethodDelete, "/api/v1/sessions/"+s1, nil).want(http.StatusNoContent)
		a.do(http.MethodDelete, "/api/v1/sessions/"+s1, nil).want(http.StatusNoContent)
		revoked := a.do(http.MethodGet, "/api/v1/sessions/"+s1, nil).want(http.StatusOK).obj()
		if revoked["revoked_at"] == nil || revoked["revoke_reason"] != "revoked_by_api" {
			t.Fatalf("revoked session: %v", revoked)
		}
		if got := ids(a.listAll("/api/v1/sessions?active=true", 10)); !slices.Equal(got, []string{s1b, s2, s3}) {
			t.Fatalf("active sessions %v", got)
		}

		count := func(path string) float64 {
			t.Helper()
			return a.do(http.MethodPost, path, nil).want(http.StatusOK).obj()["revoked_sessions"].(float64)
		}
		if n := count("/api/v1/users/" + u1 + "/sessions/revoke"); n != 1 {
			t.Fatalf("revoked %v sessions of u1, want 1 (the other was revoked already)", n)
		}
		if n := count("/api/v1/users/" + u1 + "/sessions/revoke"); n != 0 {
			t.Fatalf("second revocation of u1's sessions counted %v", n)
		}
		if n := count("/api/v1/organizations/" + orgID + "/sessions/revoke"); n != 1 {
			t.Fatalf("revoked %v sessions of the organization, want 1 (u2's)", n)
		}
		if got := ids(a.listAll("/api/v1/sessions?active=true", 10)); !slices.Equal(got, []string{s3}) {
			t.Fatalf("active sessions after the bulk revocations %v, want only the other organization's", got)
		}
		// The refresh chain of a revoked session is dead too.
		if _, err := e.sess.Refresh(context.Background(), id.Project(a.projectID), "cli_app", g.RefreshToken); err == nil {
			t.Fatalf("refresh of a session revoked through the API succeeded")
		}

		// Each revocation that changed something is in the audit log, made by the key.
		evs := a.listAll("/api/v1/audit-events?event_type=session.revoked", 50)
		if len(evs) != 3 {
			t.Fatalf("%d session.revoked events, want 3 (one, per user, per organization): %v", len(evs), evs)
		}
		for _, ev := range evs {
			if actor, _ := ev["actor"].(map[string]any); actor == nil || actor["id"] != a.keyID {
				t.Fatalf("revocation event not attributed to the secret key: %v", ev)
			}
		}

		for _, p := range []string{"/api/v1/sessions/sess_01jd8x3k5m7q9s1v3x5z7b9d1f", "/api/v1/sessions/not-an-id", "/api/v1/sessions/" + u1} {
			a.do(http.MethodGet, p, nil).problem(http.StatusNotFound, "not_found")
			a.do(http.MethodDelete, p, nil).problem(http.StatusNotFound, "not_found")
		}
		a.do(http.MethodPost, "/api/v1/users/user_01jd8x3k5m7q9s1v3x5z7b9d1f/sessions/revoke", nil).problem(http.StatusNotFound, "not_found")
		a.do(http.MethodPost, "/api/v1/organizations/"+u1+"/sessions/revoke", nil).problem(http.StatusNotFound, "not_found")
	})
}

// TestSessionsCrossProject calls every session operation of the document
// with project B's key and project A's IDs: all answer not found or show
// nothing, and A's sessions are unchanged.
func TestSessionsCrossProject(t *testing.T) {
	t.Parallel()
	sessionEngines(t, func(t *testing.T, e *sessionEnv) {
		a, b := e.project("Project A"), e.project("Project B")
		aOrg := a.newOrg("A's customer")
		aUser := a.newUser(aOrg, "victim@a.example", nil)["id"].(string)
		aSess := e.login(a, aUser)
		bOrg := b.newOrg("B's customer")
		e.login(b, b.newUser(bOrg, "someone@b.example", nil)["id"].(string))
		before := string(a.do(http.MethodGet, "/api/v1/sessions/"+aSess, nil).want(http.StatusOK).body)
		sub := map[string]string{"sessions": aSess, "users": aUser, "organizations": aOrg}

		covered := 0
		for tmpl, item := range e.spec()["paths"].(map[string]any) {
			if !strings.Contains(tmpl, "sessions") {
				continue
			}
			for method := range item.(map[string]any) {
				method = strings.ToUpper(method)
				path, hasParams, ok := fillPath(tmpl, sub)
				if !ok {
					t.Fatalf("%s %s: no ID of A to use", method, tmpl)
				}
				query := ""
				if !hasParams {
					query = "?organization_id=" + aOrg + "&user_id=" + aUser
				}
				r := b.do(method, "/api/v1"+path+query, nil)
				covered++
				if hasParams {
					r.problem(http.StatusNotFound, "not_found")
				} else if r.want(http.StatusOK); len(r.obj()["data"].([]any)) != 0 {
					t.Fatalf("%s %s%s shows A's sessions: %s", method, path, query, r.body)
				}
				for _, s := range []string{aSess, aUser, aOrg, "victim@a.example"} {
					if strings.Contains(string(r.body), s) {
						t.Fatalf("%s %s: response shows A's %q: %s", method, path, s, r.body)
					}
				}
			}
		}
		if covered != 5 {
			t.Fatalf("covered %d session operations, want 5", covered)
		}
		if got := ids(b.listAll("/api/v1/sessions", 10)); len(got) != 1 || got[0] == aSess {
			t.Fatalf("B's own list: %v", got)
		}
		if after := string(a.do(http.MethodGet, "/api/v1/sessions/"+aSess, nil).want(http.StatusOK).body); after != before {
			t.Fatalf("B changed A's session:\nbefore %s\nafter  %s", before, after)
		}
	})
}
