package e2e

import (
	"bytes"
	"context"
	"database/sql"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	// Registers the "pgx" driver for the admin connection that takes the
	// test database away.
	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/gatehouse-auth/gatehouse/internal/server"
	"github.com/gatehouse-auth/gatehouse/internal/testdb"
)

func getStatus(t *testing.T, u string) (int, string) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestHealthAndReadiness(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, d deployment) {
		srv := start(t, d)
		if code, body := getStatus(t, srv.url+"/healthz"); code != http.StatusOK || strings.TrimSpace(body) != `{"status":"ok"}` {
			t.Fatalf("healthz: %d %s", code, body)
		}
		if code, body := getStatus(t, srv.url+"/readyz"); code != http.StatusOK || !strings.Contains(body, `"database":"`+d.engine+`"`) {
			t.Fatalf("readyz: %d %s", code, body)
		}
		code, body := getStatus(t, srv.url+"/")
		if code != http.StatusOK || !strings.Contains(body, srv.main.PublicURL()+"/api/v1/openapi.json") {
			t.Fatalf("root page: %d %s", code, body)
		}
		if !strings.Contains(srv.logs.String(), `"openapi":"`+srv.main.PublicURL()+`/api/v1/openapi.json"`) {
			t.Errorf("the start-up log does not say where the OpenAPI document is:\n%s", srv.logs.String())
		}
	})
}

// TestReadinessFollowsPostgres takes the server's database away (no new
// connections, existing ones terminated): /readyz turns 503 while /healthz
// stays 200, and readiness comes back with the database.
func TestReadinessFollowsPostgres(t *testing.T) {
	t.Parallel()
	dbURL := testdb.PostgresURL(t)
	srv := start(t, deployment{engine: "postgres", dataDir: t.TempDir(), databaseURL: dbURL})
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	name := strings.TrimPrefix(u.Path, "/")
	admin, err := sql.Open("pgx", os.Getenv(testdb.PostgresEnv))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	ctx := context.Background()
	exec := func(q string) {
		t.Helper()
		if _, err := admin.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	exec("ALTER DATABASE " + name + " ALLOW_CONNECTIONS false")
	t.Cleanup(func() { _, _ = admin.ExecContext(ctx, "ALTER DATABASE "+name+" ALLOW_CONNECTIONS true") })
	exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" + name + "' AND pid <> pg_backend_pid()")

	code, body := getStatus(t, srv.url+"/readyz")
	if code != http.StatusServiceUnavailable || !strings.Contains(body, `"code":"database_unavailable"`) {
		t.Fatalf("readyz without a database: %d %s", code, body)
	}
	if code, _ := getStatus(t, srv.url+"/healthz"); code != http.StatusOK {
		t.Fatalf("healthz without a database: %d", code)
	}

	exec("ALTER DATABASE " + name + " ALLOW_CONNECTIONS true")
	deadline := time.Now().Add(10 * time.Second)
	for {
		code, body = getStatus(t, srv.url+"/readyz")
		if code == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("readyz did not recover with the database: %d %s", code, body)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// slowCreate starts POST /organizations whose body arrives in two parts; the
// request is in flight until the returned function sends the rest.
func slowCreate(t *testing.T, baseURL, key, name string) (finish func(), result chan response) {
	t.Helper()
	body := []byte(`{"name": "` + name + `"}`)
	half := len(body) / 2
	pr, pw := io.Pipe()
	req, err := http.NewRequest("POST", baseURL+"/api/v1/organizations", pr)
	if err != nil {
		t.Fatal(err)
	}
	req.ContentLength = int64(len(body))
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	result = make(chan response, 1)
	go func() {
		resp, err := (&http.Client{Timeout: 60 * time.Second}).Do(req)
		if err != nil {
			result <- response{status: -1, body: []byte(err.Error())}
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		result <- response{status: resp.StatusCode, header: resp.Header, body: b}
	}()
	if _, err := pw.Write(body[:half]); err != nil {
		t.Fatal(err)
	}
	// Give the server time to read the request line and headers, so the
	// connection is active (not new) when shutdown begins.
	time.Sleep(300 * time.Millisecond)
	return func() {
		// In the background: once the server has gone, nobody reads the rest.
		go func() {
			_, _ = pw.Write(body[half:])
			_ = pw.Close()
		}()
	}, result
}

func TestGracefulShutdownFinishesInFlightRequests(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, d deployment) {
		srv := start(t, d)
		p := createProject(t, d, srv.main.PublicURL(), "Shutdown")
		finish, result := slowCreate(t, srv.url, p.SecretKey, "Started before shutdown")

		srv.cancel()
		// New connections are refused while the old request is still open.
		deadline := time.Now().Add(5 * time.Second)
		for {
			conn, err := net.DialTimeout("tcp", srv.main.Addr(), time.Second)
			if err != nil {
				break
			}
			conn.Close()
			if time.Now().After(deadline) {
				t.Fatal("the server still accepts connections 5s after shutdown began")
			}
			time.Sleep(20 * time.Millisecond)
		}
		select {
		case r := <-result:
			t.Fatalf("the in-flight request ended before its body was sent: %d %s", r.status, r.body)
		case err := <-srv.done:
			t.Fatalf("Run returned (%v) while a request was in flight", err)
		default:
		}

		finish()
		var r response
		select {
		case r = <-result:
		case <-time.After(10 * time.Second):
			t.Fatal("the in-flight request never ended")
		}
		if r.status != http.StatusCreated || !strings.Contains(string(r.body), "Started before shutdown") {
			t.Fatalf("in-flight request: %d %s", r.status, r.body)
		}
		select {
		case err := <-srv.done:
			srv.done <- err
			if err != nil {
				t.Fatalf("Run returned %v after a graceful shutdown, want nil", err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("Run did not return after the last request finished")
		}
		if !strings.Contains(srv.logs.String(), `"msg":"database closed"`) {
			t.Error("the database was not closed")
		}

		// What the in-flight request wrote is there after a restart.
		again := start(t, d)
		orgID := r.json(t)["id"].(string)
		newClient(t, again.url, p.SecretKey).must(http.StatusOK, "GET", "/organizations/"+orgID, nil)
	})
}

func TestShutdownTimeoutBoundsStuckRequests(t *testing.T) {
	t.Parallel()
	d := deployment{engine: "sqlite", dataDir: t.TempDir()}
	srv := start(t, d, func(c *server.Config) { c.ShutdownTimeout = 500 * time.Millisecond })
	p := createProject(t, d, srv.main.PublicURL(), "Stuck")
	finish, result := slowCreate(t, srv.url, p.SecretKey, "Never finishes")

	began := time.Now()
	if err := srv.stop(t); err != nil {
		t.Fatalf("Run: %v", err)
	}
	if took := time.Since(began); took < 400*time.Millisecond || took > 5*time.Second {
		t.Fatalf("shutdown took %v with a 500ms timeout", took)
	}
	// The client only notices the closed connection once it stops sending.
	finish()
	select {
	case r := <-result:
		if r.status == http.StatusCreated {
			t.Fatalf("a request cut off by the shutdown timeout succeeded: %s", r.body)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the cut-off request never ended")
	}
}

func TestRestartKeepsDataAndMasterKey(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, d deployment) {
		first := start(t, d)
		p := createProject(t, d, first.main.PublicURL(), "Durable")
		c := newClient(t, first.url, p.SecretKey)
		orgID := c.must(http.StatusCreated, "POST", "/organizations", map[string]any{"name": "Best Buy"}).str(t, "id")
		userID := c.must(http.StatusCreated, "POST", "/users", map[string]any{
			"organization_id": orgID, "email": "grace@bestbuy.example", "display_name": "Grace",
		}).str(t, "id")
		keyPath := filepath.Join(d.dataDir, "master.key")
		keyBefore, err := os.ReadFile(keyPath)
		if err != nil {
			t.Fatalf("no master key file after first start: %v", err)
		}
		fingerprint := first.main.MasterKeyFingerprint()
		if err := first.stop(t); err != nil {
			t.Fatalf("stop: %v", err)
		}

		second := start(t, d)
		c = newClient(t, second.url, p.SecretKey)
		if got := c.must(http.StatusOK, "GET", "/users/"+userID, nil).str(t, "email"); got != "grace@bestbuy.example" {
			t.Fatalf("user after restart: email %q", got)
		}
		if n := c.must(http.StatusOK, "GET", "/organizations/"+orgID, nil).json(t)["member_count"]; n != float64(1) {
			t.Fatalf("member_count after restart = %v", n)
		}
		keyAfter, err := os.ReadFile(keyPath)
		if err != nil || !bytes.Equal(keyBefore, keyAfter) {
			t.Fatalf("the master key file changed across a restart (err %v)", err)
		}
		info, err := os.Stat(keyPath)
		if err != nil || info.Mode().Perm() != 0o600 {
			t.Fatalf("master key file mode: %v %v", info.Mode().Perm(), err)
		}
		if second.main.MasterKeyFingerprint() != fingerprint {
			t.Fatal("the server loaded a different master key after a restart")
		}
	})
}

func TestMasterKeyFromEnvironmentAndRefusedKeyFile(t *testing.T) {
	t.Parallel()
	// A key given in the configuration wins and no file is written.
	d := deployment{engine: "sqlite", dataDir: t.TempDir()}
	srv := start(t, d, func(c *server.Config) { c.MasterKey = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=" })
	if _, err := os.Stat(filepath.Join(d.dataDir, "master.key")); !os.IsNotExist(err) {
		t.Fatalf("a master key file was written although one was configured (%v)", err)
	}
	if err := srv.stop(t); err != nil {
		t.Fatal(err)
	}

	// A key file others can read stops the server before it listens.
	d2 := deployment{engine: "sqlite", dataDir: t.TempDir()}
	keyPath := filepath.Join(d2.dataDir, "master.key")
	if err := os.WriteFile(keyPath, []byte("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(keyPath, 0o644); err != nil {
		t.Fatal(err)
	}
	m := server.New(server.Config{Addr: "127.0.0.1:0", DataDir: d2.dataDir, LogOutput: io.Discard})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := m.Run(ctx)
	if err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("Run with a world-readable key file: %v", err)
	}
}
