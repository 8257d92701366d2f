package cli

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/oidc"
	"github.com/gatehouse-auth/gatehouse/internal/oidc/oauth"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/store/sqlstore"
	"github.com/gatehouse-auth/gatehouse/internal/tenancy"
)

// project create --redirect-uri registers a default confidential client
// with exactly those URIs and prints its ID and secret once.
func TestProjectCreateDefaultClient(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, dbFlags []string) {
		ctx := context.Background()
		uris := []string{"https://app.example.com/callback", "http://localhost:3000/callback"}
		code, out, errOut := run(t, append([]string{"project", "create", "--name", "With client", "--json",
			"--redirect-uri", uris[0], "--redirect-uri", uris[1]}, dbFlags...)...)
		if code != ExitOK {
			t.Fatalf("create: exit %d: %s", code, errOut)
		}
		var got struct {
			ProjectID    string `json:"project_id"`
			ClientID     string `json:"client_id"`
			ClientSecret string `json:"client_secret"`
		}
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatalf("output is not JSON: %v\n%s", err, out)
		}
		if _, err := id.Parse[id.Client](got.ClientID); err != nil {
			t.Fatalf("client_id = %q: %v", got.ClientID, err)
		}
		if !strings.HasPrefix(got.ClientSecret, oauth.SecretPrefix) {
			t.Fatalf("client_secret = %q", got.ClientSecret)
		}

		db := openCLIDB(t, dbFlags)
		pid := id.Project(got.ProjectID)
		c, err := oidc.NewClients(db).Get(ctx, pid, got.ClientID)
		if err != nil {
			t.Fatalf("the default client is not in the project: %v", err)
		}
		if c.Type != oauth.Confidential || strings.Join(c.RedirectURIs, " ") != strings.Join(uris, " ") {
			t.Fatalf("default client = %+v", c)
		}
		if !c.VerifySecret(got.ClientSecret) || c.VerifySecret(got.ClientSecret+"x") {
			t.Fatalf("the printed secret is not the stored one")
		}
		events, err := tenancy.New(db).ListAuditEvents(ctx, pid, tenancy.AuditFilter{Type: "oauth_client.created"}, pageAll)
		if err != nil || len(events) != 1 || events[0].ResourceID != got.ClientID {
			t.Fatalf("audit events = %v, %v", events, err)
		}

		// Text output shows the client too; without --redirect-uri there is none.
		code, out, errOut = run(t, append([]string{"project", "create", "--name", "Text", "--redirect-uri", uris[0]}, dbFlags...)...)
		if code != ExitOK || !strings.Contains(out, "Client ID:     cli_") || !strings.Contains(out, "Client secret: gh_cs_") {
			t.Fatalf("text output: exit %d\n%s%s", code, out, errOut)
		}
		code, out, errOut = run(t, append([]string{"project", "create", "--name", "No client", "--json"}, dbFlags...)...)
		if code != ExitOK || strings.Contains(out, "client_id") || strings.Contains(out, "gh_cs_") {
			t.Fatalf("project without redirect URIs: exit %d\n%s%s", code, out, errOut)
		}
	})
}

// A redirect URI list the client would refuse creates nothing at all.
func TestProjectCreateDefaultClientRefused(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, dbFlags []string) {
		dup := "https://app.example.com/callback"
		if code, _, errOut := run(t, append([]string{"project", "create", "--name", "Baseline", "--redirect-uri", dup}, dbFlags...)...); code != ExitOK {
			t.Fatalf("baseline: exit %d: %s", code, errOut)
		}
		code, out, errOut := run(t, append([]string{"project", "create", "--name", "Dup", "--json",
			"--redirect-uri", dup, "--redirect-uri", dup}, dbFlags...)...)
		if code == ExitOK || strings.Contains(out, "gh_") || !strings.Contains(errOut, "listed twice") {
			t.Fatalf("exit %d, out %q, err %q", code, out, errOut)
		}
		ps, err := tenancy.New(openCLIDB(t, dbFlags)).ListProjects(context.Background(), pageAll)
		if err != nil || len(ps) != 1 || ps[0].Name != "Baseline" {
			t.Fatalf("projects after a refused create: %v, %v", ps, err)
		}
	})
}

var pageAll = store.Page{Limit: 100}

func openCLIDB(t *testing.T, dbFlags []string) *sqlstore.DB {
	t.Helper()
	cfg := sqlstore.Config{DataDir: dbFlags[1]}
	if len(dbFlags) > 2 {
		cfg.URL = dbFlags[3]
	}
	db, err := sqlstore.Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
