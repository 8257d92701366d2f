package e2e

import (
	"bytes"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/gatehouse-auth/gatehouse/internal/server"
)

// TestSDKClientMatchesServedOpenAPI: the Go SDK's API client is generated
// from a committed copy of the OpenAPI document; it must be what the server
// serves today (regenerate with sdk/go/api/update-openapi.sh).
func TestSDKClientMatchesServedOpenAPI(t *testing.T) {
	t.Parallel()
	srv := start(t, deployment{engine: "sqlite", dataDir: t.TempDir()}, func(c *server.Config) {
		c.PublicURL = "http://localhost:8080" // the URL the committed copy was fetched with
	})
	resp, err := http.Get(srv.url + "/api/v1/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	served, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	committed, err := os.ReadFile(filepath.Join("..", "sdk", "go", "api", "openapi.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(bytes.TrimSpace(served), bytes.TrimSpace(committed)) {
		t.Fatal("sdk/go/api/openapi.json differs from the served document: run sdk/go/api/update-openapi.sh and commit the regenerated client")
	}
}
