package server

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse/internal/logbuf"
	"github.com/gatehouse-auth/gatehouse/internal/store/sqlstore"
)

func openSQLite(t *testing.T) *sqlstore.DB {
	t.Helper()
	db, err := sqlstore.Open(context.Background(), sqlstore.Config{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// testAPI stands in for the backend API mount point with routes whose
// behaviour the middleware must handle: normal answers and handler panics.
func testAPI() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/ok", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"ok": "yes"})
	})
	mux.HandleFunc("GET /api/v1/boom", func(http.ResponseWriter, *http.Request) {
		panic("secret internal state: pg password hunter2")
	})
	mux.HandleFunc("GET /api/v1/half", func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte(`{"partial":`))
		panic("failed halfway")
	})
	return mux
}

func newTestServer(t *testing.T, db pinger) (*httptest.Server, *logbuf.Buffer) {
	t.Helper()
	logs := &logbuf.Buffer{}
	log := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	srv := httptest.NewServer(newHandler(handlerDeps{api: testAPI(), db: db, log: log, publicURL: "http://localhost:8080"}))
	t.Cleanup(srv.Close)
	return srv, logs
}

func get(t *testing.T, url string, header map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, body
}

func TestSecurityHeadersOnEveryResponse(t *testing.T) {
	t.Parallel()
	srv, _ := newTestServer(t, openSQLite(t))
	for _, path := range []string{"/healthz", "/readyz", "/", "/nope", "/api/v1/ok", "/api/v1/boom"} {
		resp, _ := get(t, srv.URL+path, nil)
		for h, want := range map[string]string{
			"X-Content-Type-Options": "nosniff",
			"Referrer-Policy":        "no-referrer",
			"X-Frame-Options":        "DENY",
		} {
			if got := resp.Header.Get(h); got != want {
				t.Errorf("%s: %s = %q, want %q", path, h, got, want)
			}
		}
		csp := resp.Header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Errorf("%s: CSP %q is not strict", path, csp)
		}
		if resp.Header.Get("X-Request-Id") == "" {
			t.Errorf("%s: no X-Request-Id", path)
		}
	}
}

func TestHealthzAndUnknownPaths(t *testing.T) {
	t.Parallel()
	srv, _ := newTestServer(t, openSQLite(t))
	resp, body := get(t, srv.URL+"/healthz", nil)
	if resp.StatusCode != http.StatusOK || strings.TrimSpace(string(body)) != `{"status":"ok"}` {
		t.Fatalf("healthz: %d %s", resp.StatusCode, body)
	}
	resp, body = get(t, srv.URL+"/does-not-exist", nil)
	var p problem
	if resp.StatusCode != http.StatusNotFound || resp.Header.Get("Content-Type") != "application/problem+json" ||
		json.Unmarshal(body, &p) != nil || p.Code != codeNotFound {
		t.Fatalf("unknown path: %d %s %s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
}

func TestRootPageSaysWhereTheAPIIs(t *testing.T) {
	t.Parallel()
	srv, _ := newTestServer(t, openSQLite(t))
	resp, body := get(t, srv.URL+"/", nil)
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("root: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	for _, want := range []string{"http://localhost:8080/api/v1/", "http://localhost:8080/api/v1/openapi.json", "project create"} {
		if !strings.Contains(string(body), want) {
			t.Errorf("root page lacks %q", want)
		}
	}
	// The page's only inline style must be allowed by hash, nothing else.
	sum := sha256.Sum256([]byte(rootStyle))
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "style-src 'sha256-"+base64.StdEncoding.EncodeToString(sum[:])+"'") ||
		strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "script-src") {
		t.Errorf("root CSP = %q", csp)
	}
}

func TestReadyzFollowsTheDatabase(t *testing.T) {
	t.Parallel()
	db := openSQLite(t)
	srv, logs := newTestServer(t, db)

	resp, body := get(t, srv.URL+"/readyz", nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"database":"sqlite"`) {
		t.Fatalf("readyz with a working database: %d %s", resp.StatusCode, body)
	}

	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	resp, body = get(t, srv.URL+"/readyz", nil)
	var p problem
	if resp.StatusCode != http.StatusServiceUnavailable || json.Unmarshal(body, &p) != nil || p.Code != codeDatabaseUnavailable {
		t.Fatalf("readyz with a closed database: %d %s", resp.StatusCode, body)
	}
	if strings.Contains(string(body), "closed") {
		t.Errorf("readyz leaks the driver error: %s", body)
	}
	if !strings.Contains(logs.String(), "readiness check failed") {
		t.Error("the cause of a failed readiness check is not logged")
	}
	// Liveness does not depend on the database.
	if resp, _ := get(t, srv.URL+"/healthz", nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("healthz with a closed database: %d", resp.StatusCode)
	}
}

func TestPanicBecomesProblemWithoutLeaking(t *testing.T) {
	t.Parallel()
	srv, logs := newTestServer(t, openSQLite(t))
	resp, body := get(t, srv.URL+"/api/v1/boom", map[string]string{"Authorization": "Bearer gh_sk_TOPSECRETVALUE"})
	var p problem
	if resp.StatusCode != http.StatusInternalServerError || json.Unmarshal(body, &p) != nil || p.Code != codeInternal {
		t.Fatalf("panic: %d %s", resp.StatusCode, body)
	}
	if strings.Contains(string(body), "hunter2") {
		t.Fatalf("the panic value reached the client: %s", body)
	}
	if !strings.Contains(p.Detail, resp.Header.Get("X-Request-Id")) {
		t.Errorf("detail %q should name the request ID for support", p.Detail)
	}
	l := logs.String()
	if !strings.Contains(l, "hunter2") || !strings.Contains(l, "panic while serving") {
		t.Error("the panic is not logged for the operator")
	}
	if strings.Contains(l, "TOPSECRETVALUE") {
		t.Error("the Authorization header reached the logs")
	}

	// A panic after the response started cuts the connection instead of
	// passing off a truncated body as complete.
	if resp, err := http.Get(srv.URL + "/api/v1/half"); err == nil {
		// The client may read the headers before the cut; the body must fail.
		_, rerr := io.ReadAll(resp.Body)
		resp.Body.Close()
		if rerr == nil {
			t.Fatal("a response cut by a panic read as complete")
		}
	}

	// The server keeps serving after a panic.
	if resp, _ := get(t, srv.URL+"/api/v1/ok", nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("after panic: %d", resp.StatusCode)
	}
}

func TestRequestLogLine(t *testing.T) {
	t.Parallel()
	srv, logs := newTestServer(t, openSQLite(t))
	get(t, srv.URL+"/api/v1/ok?email=someone@example.com", map[string]string{"Authorization": "Bearer gh_sk_SHOULDNOTAPPEAR"})
	var found bool
	for _, line := range strings.Split(logs.String(), "\n") {
		var rec map[string]any
		if json.Unmarshal([]byte(line), &rec) != nil || rec["msg"] != "request" {
			continue
		}
		if rec["method"] == "GET" && rec["path"] == "/api/v1/ok" && rec["status"] == float64(200) && rec["duration_ms"] != nil {
			found = true
		}
	}
	if !found {
		t.Fatalf("no request log line with method, path, status and duration:\n%s", logs.String())
	}
	if l := logs.String(); strings.Contains(l, "SHOULDNOTAPPEAR") || strings.Contains(l, "someone@example.com") {
		t.Fatalf("logs carry the Authorization header or the query string:\n%s", l)
	}
}
