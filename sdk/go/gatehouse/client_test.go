package gatehouse_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/sdk/go/api"
	"github.com/gatehouse-auth/gatehouse/sdk/go/gatehouse"
)

const secretKey = "gh_sk_01jd8x3k5m7q9s1v3x5z7b9d1f_c2VjcmV0"

// backend stands in for Gatehouse's API: it answers only requests with the
// right key on the right paths, and records what it saw.
func backend(t *testing.T) (*httptest.Server, *[]string) {
	var seen []string
	mux := http.NewServeMux()
	org := map[string]any{"id": "org_01jd8x3k5m7q9s1v3x5z7b9d1f", "name": "Southwest Airlines",
		"created_at": time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC), "member_count": 3}
	mux.HandleFunc("GET /api/v1/organizations", func(w http.ResponseWriter, r *http.Request) {
		seen = append(seen, r.Method+" "+r.URL.RequestURI())
		json.NewEncoder(w).Encode(map[string]any{"data": []any{org}, "next_page_token": "next"})
	})
	mux.HandleFunc("POST /api/v1/organizations", func(w http.ResponseWriter, r *http.Request) {
		var in struct{ Name string }
		_ = json.NewDecoder(r.Body).Decode(&in)
		seen = append(seen, r.Method+" "+r.URL.RequestURI()+" "+in.Name)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		out := map[string]any{}
		for k, v := range org {
			out[k] = v
		}
		out["name"] = in.Name
		json.NewEncoder(w).Encode(out)
	})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+secretKey {
			w.Header().Set("Content-Type", "application/problem+json")
			w.WriteHeader(http.StatusUnauthorized)
			json.NewEncoder(w).Encode(map[string]any{"status": 401, "code": "unauthenticated", "title": "Unauthorized", "detail": "bad key"})
			return
		}
		w.Header().Set("Content-Type", "application/json")
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, &seen
}

func TestClientRoundTrip(t *testing.T) {
	srv, seen := backend(t)
	ctx := context.Background()
	for _, base := range []string{srv.URL, srv.URL + "/", srv.URL + "/api/v1"} {
		c, err := gatehouse.NewClient(base, secretKey)
		if err != nil {
			t.Fatal(err)
		}
		limit := int64(10)
		list, err := c.ListOrganizationsWithResponse(ctx, &api.ListOrganizationsParams{Limit: &limit})
		if err != nil {
			t.Fatal(err)
		}
		if list.StatusCode() != 200 || list.JSON200 == nil || len(*list.JSON200.Data) != 1 ||
			(*list.JSON200.Data)[0].Name != "Southwest Airlines" || list.JSON200.NextPageToken != "next" {
			t.Fatalf("base %q: list = %d %s", base, list.StatusCode(), list.Body)
		}
	}
	c, _ := gatehouse.NewClient(srv.URL, secretKey)
	created, err := c.CreateOrganizationWithResponse(ctx, api.OrganizationCreate{Name: "Initech"})
	if err != nil {
		t.Fatal(err)
	}
	if created.StatusCode() != 201 || created.JSON201 == nil || created.JSON201.Name != "Initech" {
		t.Fatalf("create = %d %s", created.StatusCode(), created.Body)
	}
	want := []string{"GET /api/v1/organizations?limit=10", "GET /api/v1/organizations?limit=10",
		"GET /api/v1/organizations?limit=10", "POST /api/v1/organizations Initech"}
	if len(*seen) != len(want) {
		t.Fatalf("requests = %q", *seen)
	}
	for i := range want {
		if (*seen)[i] != want[i] {
			t.Fatalf("request %d = %q, want %q", i, (*seen)[i], want[i])
		}
	}

	// A wrong key gets the server's problem document, decoded.
	bad, _ := gatehouse.NewClient(srv.URL, "gh_sk_wrong")
	resp, err := bad.ListOrganizationsWithResponse(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode() != 401 || resp.ApplicationproblemJSON401 == nil || resp.ApplicationproblemJSON401.Code != "unauthenticated" {
		t.Fatalf("wrong key: %d %s", resp.StatusCode(), resp.Body)
	}
}

func TestNewClientRefusesNonSecretKeys(t *testing.T) {
	for _, key := range []string{"", "pk_live_123", "gh_rt_refresh"} {
		if _, err := gatehouse.NewClient("https://auth.example.com", key); err == nil {
			t.Errorf("key %q accepted", key)
		}
	}
}
