package httpapi_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse/internal/audit"
	"github.com/gatehouse-auth/gatehouse/internal/httpapi"
	"github.com/gatehouse-auth/gatehouse/internal/tenancy"
	"github.com/gatehouse-auth/gatehouse/internal/testdb"
)

// BenchmarkAPI measures whole requests over loopback HTTP: authentication,
// routing, the service and the store, on each engine.
func BenchmarkAPI(b *testing.B) {
	for _, eng := range testdb.Engines() {
		b.Run(eng.Name, func(b *testing.B) {
			log := slog.New(slog.NewTextHandler(io.Discard, nil))
			svc := tenancy.New(eng.Open(b), tenancy.WithLogger(log))
			srv := httptest.NewServer(httpapi.New(httpapi.Options{Service: svc, Logger: log}))
			b.Cleanup(srv.Close)
			_, _, secret, err := svc.CreateProject(context.Background(), audit.System("bench"), tenancy.ProjectInput{Name: "Bench"})
			if err != nil {
				b.Fatal(err)
			}
			call := func(method, path, body string, want int) string {
				req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+secret)
				req.Header.Set("Content-Type", "application/json")
				res, err := srv.Client().Do(req)
				if err != nil {
					b.Fatal(err)
				}
				defer res.Body.Close()
				raw, _ := io.ReadAll(res.Body)
				if res.StatusCode != want {
					b.Fatalf("%s %s: %d %s", method, path, res.StatusCode, raw)
				}
				return string(raw)
			}
			org := call(http.MethodPost, "/api/v1/organizations", `{"name":"Bench"}`, http.StatusCreated)
			orgID := org[strings.Index(org, `"id":"`)+6:][:30]
			b.Run("get_organization", func(b *testing.B) {
				for b.Loop() {
					call(http.MethodGet, "/api/v1/organizations/"+orgID, "", http.StatusOK)
				}
			})
			b.Run("create_user", func(b *testing.B) {
				// -count and b.Loop's calibration rerun this: keep emails unique.
				run := randSuffix()
				i := 0
				for b.Loop() {
					i++
					call(http.MethodPost, "/api/v1/users", fmt.Sprintf(`{"organization_id":%q,"email":"u%d-%s@example.com"}`, orgID, i, run), http.StatusCreated)
				}
			})
			b.Run("list_users_50", func(b *testing.B) {
				for b.Loop() {
					call(http.MethodGet, "/api/v1/users?limit=50", "", http.StatusOK)
				}
			})
		})
	}
}

// BenchmarkBareHTTP is the floor under BenchmarkAPI: the same client over
// loopback to a net/http handler that only writes a fixed organization-sized
// JSON body, with no authentication, routing or storage.
func BenchmarkBareHTTP(b *testing.B) {
	body := []byte(`{"id":"org_01m8e280axp6dztd5h5sy9pznr","name":"Southwest Airlines","member_count":0,` +
		`"allowed_login_methods":["email","password","google","microsoft","github","saml","oidc","passkey"],` +
		`"require_mfa":false,"require_sso":false,"session_max_lifetime_seconds":null,` +
		`"session_idle_timeout_seconds":null,"logins_disabled":false,` +
		`"created_at":"2026-11-27T08:34:11.421657Z","updated_at":"2026-11-27T08:34:11.421657Z"}`)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	}))
	b.Cleanup(srv.Close)
	for b.Loop() {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/api/v1/organizations/x", nil)
		req.Header.Set("Authorization", "Bearer x")
		res, err := srv.Client().Do(req)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
	}
}
