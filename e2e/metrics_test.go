package e2e

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse/internal/server"
)

func scrape(t *testing.T, url string) (int, string) {
	t.Helper()
	res, err := http.Get(url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// /metrics counts requests per API operation (the route pattern, never the
// IDs in the path), reports the database pools, and can be turned off.
func TestMetricsCountRequestsByRoute(t *testing.T) {
	t.Parallel()
	d := deployment{engine: "sqlite", dataDir: t.TempDir()}
	srv := start(t, d)
	p := createProject(t, d, srv.main.PublicURL(), "Metrics")
	c := newClient(t, srv.url, p.SecretKey)
	orgID := c.must(http.StatusCreated, "POST", "/organizations", map[string]any{"name": "Metered"}).str(t, "id")
	c.must(http.StatusOK, "GET", "/organizations/"+orgID, nil)
	c.must(http.StatusOK, "GET", "/organizations/"+orgID, nil)
	c.must(http.StatusNotFound, "GET", "/organizations/org_01m8e27q093cgyzv2dt1b75xkt", nil)
	anon := newClient(t, srv.url, "")
	anon.must(http.StatusUnauthorized, "GET", "/organizations", nil)

	status, body := scrape(t, srv.url)
	if status != http.StatusOK {
		t.Fatalf("GET /metrics: %d", status)
	}
	for _, want := range []string{
		`gatehouse_http_requests_total{code="201",method="POST",route="POST /api/v1/organizations"} 1`,
		`gatehouse_http_requests_total{code="200",method="GET",route="GET /api/v1/organizations/{id}"} 2`,
		`gatehouse_http_requests_total{code="404",method="GET",route="GET /api/v1/organizations/{id}"} 1`,
		`gatehouse_http_requests_total{code="401",method="GET",route="/api/v1/"} 1`,
		`go_sql_max_open_connections{db_name="sqlite_write"} 1`,
		`gatehouse_build_info{version=`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if strings.Contains(body, "org_") {
		t.Error("an ID appears in the metrics: labels must be route patterns")
	}

	off := start(t, deployment{engine: "sqlite", dataDir: t.TempDir()}, func(c *server.Config) { c.DisableMetrics = true })
	if status, _ := scrape(t, off.url); status != http.StatusNotFound {
		t.Fatalf("GET /metrics with metrics disabled: %d, want 404", status)
	}
}
