package gatehouse_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/gatehouse-auth/gatehouse/sdk/go/gatehouse"
)

// Verify an access token from the Authorization header of a request.
func ExampleNewVerifier() {
	project := startDemoIssuer() // your project's issuer, e.g. https://auth.example.com/p/proj_…
	defer project.Close()
	ctx := context.Background()

	// Once at start-up: discovery and the key set are fetched here, then
	// verifications need no network.
	v, err := gatehouse.NewVerifier(ctx, project.Issuer, gatehouse.WithAudience(demoClientID))
	if err != nil {
		log.Fatal(err)
	}

	claims, err := v.Verify(ctx, project.AccessToken(5*time.Minute, "invoices.read"))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(claims.Subject)
	fmt.Println(claims.OrgID, claims.Org.Name)
	fmt.Println(claims.HasPermission("invoices.read"), claims.HasPermission("invoices.write"))
	// Output:
	// user_01jd8x3k5m7q9s1v3x5z7b9d1f
	// org_01jd8x3k5m7q9s1v3x5z7b9d1f Southwest Airlines
	// true false
}

// Tell why a token was refused with errors.Is.
func ExampleVerifier_Verify_errors() {
	project := startDemoIssuer()
	defer project.Close()
	ctx := context.Background()
	v, err := gatehouse.NewVerifier(ctx, project.Issuer, gatehouse.WithAudience(demoClientID))
	if err != nil {
		log.Fatal(err)
	}

	_, err = v.Verify(ctx, project.AccessToken(-time.Hour))
	fmt.Println(errors.Is(err, gatehouse.ErrExpired))

	other, err := gatehouse.NewVerifier(ctx, project.Issuer, gatehouse.WithAudience("cli_another_app"))
	if err != nil {
		log.Fatal(err)
	}
	_, err = other.Verify(ctx, project.AccessToken(5*time.Minute))
	fmt.Println(errors.Is(err, gatehouse.ErrAudience))
	// Output:
	// true
	// true
}

// Protect routes: RequireAuth verifies the bearer token, RequirePermission
// checks the permissions claim, and handlers read the claims from the
// request context.
func ExampleRequireAuth() {
	project := startDemoIssuer()
	defer project.Close()
	v, err := gatehouse.NewVerifier(context.Background(), project.Issuer, gatehouse.WithAudience(demoClientID))
	if err != nil {
		log.Fatal(err)
	}

	invoices := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Scope every query by the caller's organization.
		fmt.Fprintf(w, "invoices of %s for %s", gatehouse.OrganizationID(r.Context()), gatehouse.UserID(r.Context()))
	})
	mux := http.NewServeMux()
	mux.Handle("GET /invoices", gatehouse.RequireAuth(v)(gatehouse.RequirePermission("invoices.read")(invoices)))

	for _, token := range []string{
		project.AccessToken(5*time.Minute, "invoices.read"),
		project.AccessToken(5 * time.Minute), // no invoices.read
		"",                                   // no token at all
	} {
		req := httptest.NewRequest("GET", "/invoices", nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, req)
		if w.Code == http.StatusOK {
			fmt.Println(w.Code, w.Body.String())
		} else {
			fmt.Println(w.Code, w.Header().Get("WWW-Authenticate"))
		}
	}
	// Output:
	// 200 invoices of org_01jd8x3k5m7q9s1v3x5z7b9d1f for user_01jd8x3k5m7q9s1v3x5z7b9d1f
	// 403 Bearer error="insufficient_scope", error_description="requires permission invoices.read"
	// 401 Bearer
}

// Call the backend API with a project secret key.
func ExampleNewClient() {
	server := startDemoAPI() // your Gatehouse server, e.g. https://auth.example.com
	defer server.Close()

	client, err := gatehouse.NewClient(server.URL, "gh_sk_demo")
	if err != nil {
		log.Fatal(err)
	}
	resp, err := client.ListOrganizationsWithResponse(context.Background(), nil)
	if err != nil {
		log.Fatal(err)
	}
	if resp.JSON200 == nil {
		log.Fatalf("status %d: %s", resp.StatusCode(), resp.Body)
	}
	for _, org := range *resp.JSON200.Data {
		fmt.Println(org.Id, org.Name, org.MemberCount)
	}
	// Output:
	// org_01jd8x3k5m7q9s1v3x5z7b9d1f Southwest Airlines 3
}
