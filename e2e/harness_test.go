package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/cmd/gatehouse/cli"
	"github.com/gatehouse-auth/gatehouse/internal/logbuf"
	"github.com/gatehouse-auth/gatehouse/internal/server"
	"github.com/gatehouse-auth/gatehouse/internal/testdb"
)

// deployment is where a server keeps its state: a data directory and, for
// Postgres, a database URL. Restarting on the same deployment must find the
// same data.
type deployment struct {
	engine      string
	dataDir     string
	databaseURL string
}

// forEachEngine runs fn on a fresh SQLite deployment, and on a fresh Postgres
// one when GATEHOUSE_TEST_POSTGRES_URL is set.
func forEachEngine(t *testing.T, fn func(t *testing.T, d deployment)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		fn(t, deployment{engine: "sqlite", dataDir: t.TempDir()})
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		fn(t, deployment{engine: "postgres", dataDir: t.TempDir(), databaseURL: testdb.PostgresURL(t)})
	})
}

// cleanEnv is the test process's environment without GATEHOUSE_* settings
// (other than the test database), so child processes see only what a test
// gives them.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "GATEHOUSE_") && !strings.HasPrefix(kv, testdb.PostgresEnv+"=") {
			continue
		}
		env = append(env, kv)
	}
	return env
}

// running is a server started in-process.
type running struct {
	main   *server.Main
	url    string // base URL clients use (the bound address)
	logs   *logbuf.Buffer
	cancel context.CancelFunc
	done   chan error
}

// start runs server.Main on a random port until stop or the end of the test.
func start(t *testing.T, d deployment, tweak ...func(*server.Config)) *running {
	t.Helper()
	logs := &logbuf.Buffer{}
	cfg := server.Config{
		Addr:            "127.0.0.1:0",
		DataDir:         d.dataDir,
		DatabaseURL:     d.databaseURL,
		Logger:          slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		ShutdownTimeout: 10 * time.Second,
	}
	for _, f := range tweak {
		f(&cfg)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{main: server.New(cfg), logs: logs, cancel: cancel, done: make(chan error, 1)}
	go func() { r.done <- r.main.Run(ctx) }()
	select {
	case <-r.main.Ready():
	case err := <-r.done:
		cancel()
		t.Fatalf("server did not start: %v\n%s", err, logs.String())
	case <-time.After(30 * time.Second):
		cancel()
		t.Fatalf("server did not become ready:\n%s", logs.String())
	}
	r.url = "http://" + r.main.Addr()
	t.Cleanup(func() {
		r.cancel()
		<-r.done
		if t.Failed() {
			t.Logf("server log:\n%s", logs.String())
		}
	})
	return r
}

// stop shuts the server down and returns Run's result.
func (r *running) stop(t *testing.T) error {
	t.Helper()
	r.cancel()
	select {
	case err := <-r.done:
		r.done <- err // keep it for the cleanup
		return err
	case <-time.After(30 * time.Second):
		t.Fatal("server did not stop within 30s")
		return nil
	}
}

// createdProject is what `gatehouse project create --json` prints.
type createdProject struct {
	ProjectID  string `json:"project_id"`
	Name       string `json:"name"`
	Issuer     string `json:"issuer"`
	APIBaseURL string `json:"api_base_url"`
	SecretKey  string `json:"secret_key"`
}

// createProject runs the real CLI in-process against the deployment, as the
// README tells a newcomer to.
func createProject(t *testing.T, d deployment, publicURL, name string) createdProject {
	t.Helper()
	p, err := runProjectCreate(d, publicURL, name)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// runProjectCreate is createProject for goroutines other than the test's.
func runProjectCreate(d deployment, publicURL, name string) (createdProject, error) {
	args := []string{"project", "create", "--name", name, "--json", "--data-dir", d.dataDir}
	if d.databaseURL != "" {
		args = append(args, "--database-url", d.databaseURL)
	}
	if publicURL != "" {
		args = append(args, "--public-url", publicURL)
	}
	var out, errOut bytes.Buffer
	if code := cli.Run(context.Background(), args, &out, &errOut, "e2e"); code != 0 {
		return createdProject{}, fmt.Errorf("gatehouse project create: exit %d: %s", code, errOut.String())
	}
	var p createdProject
	if err := json.Unmarshal(out.Bytes(), &p); err != nil {
		return createdProject{}, fmt.Errorf("project create printed invalid JSON: %w\n%s", err, out.String())
	}
	return p, nil
}

// client talks to the backend API with one secret key.
type client struct {
	t    *testing.T
	base string // …/api/v1
	key  string
	http *http.Client
}

func newClient(t *testing.T, baseURL, key string) *client {
	return &client{t: t, base: strings.TrimRight(baseURL, "/") + "/api/v1", key: key, http: &http.Client{Timeout: 30 * time.Second}}
}

// response is a decoded API answer.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("response is not a JSON object: %v\n%s", err, r.body)
	}
	return m
}

func (r response) str(t *testing.T, field string) string {
	t.Helper()
	s, _ := r.json(t)[field].(string)
	return s
}

// do sends a request; body is marshalled to JSON unless it is a string.
func (c *client) do(method, path string, body any) (response, error) {
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		buf, err := json.Marshal(b)
		if err != nil {
			return response{}, err
		}
		rd = bytes.NewReader(buf)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		return response{}, err
	}
	if c.key != "" {
		req.Header.Set("Authorization", "Bearer "+c.key)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return response{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return response{}, err
	}
	return response{status: resp.StatusCode, header: resp.Header, body: b}, nil
}

// must sends a request and fails the test unless the status is want.
func (c *client) must(want int, method, path string, body any) response {
	c.t.Helper()
	r, err := c.do(method, path, body)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	if r.status != want {
		c.t.Fatalf("%s %s: status %d, want %d: %s", method, path, r.status, want, r.body)
	}
	return r
}

// list returns the data array of a list response.
func (r response) list(t *testing.T) []map[string]any {
	t.Helper()
	var l struct {
		Data          []map[string]any `json:"data"`
		NextPageToken *string          `json:"next_page_token"`
	}
	if err := json.Unmarshal(r.body, &l); err != nil || l.Data == nil || l.NextPageToken == nil {
		t.Fatalf("not a list response {data, next_page_token}: %v\n%s", err, r.body)
	}
	return l.Data
}
