package httpapi_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/audit"
	"github.com/gatehouse-auth/gatehouse/internal/dnstest"
	"github.com/gatehouse-auth/gatehouse/internal/domain"
	"github.com/gatehouse-auth/gatehouse/internal/httpapi"
	"github.com/gatehouse-auth/gatehouse/internal/invite"
	"github.com/gatehouse-auth/gatehouse/internal/mail"
	"github.com/gatehouse-auth/gatehouse/internal/oidc"
	"github.com/gatehouse-auth/gatehouse/internal/session"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/tenancy"
	"github.com/gatehouse-auth/gatehouse/internal/testdb"
	"github.com/gatehouse-auth/gatehouse/internal/throttle"
)

// engines runs fn once per storage engine, in parallel.
func engines(t *testing.T, fn func(t *testing.T, e *env)) {
	t.Helper()
	for _, eng := range testdb.Engines() {
		t.Run(eng.Name, func(t *testing.T) {
			t.Parallel()
			fn(t, newEnv(t, eng.Open(t)))
		})
	}
}

// env is one running API over one fresh database.
type env struct {
	t   *testing.T
	st  store.Store
	svc *tenancy.Service
	srv *httptest.Server
	// dns answers the domain verification lookups.
	dns *dnstest.Server
}

func newEnv(t *testing.T, st store.Store) *env {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc := tenancy.New(st, tenancy.WithLogger(log))
	dns := dnstest.Start(t)
	limiter := throttle.New(st)
	domains := domain.New(st, domain.NewResolver(dns.Addr()), domain.WithLogger(log), domain.WithThrottle(limiter))
	srv := httptest.NewServer(httpapi.New(httpapi.Options{Service: svc, Sessions: session.New(st, make([]byte, 32), session.WithLogger(log)), Clients: oidc.NewClients(st, oidc.WithClientsLogger(log)), Domains: domains, Invites: invite.New(st, mail.NewOutbox(st), "http://gatehouse.test", invite.WithLogger(log), invite.WithThrottle(limiter)), PublicURL: "http://gatehouse.test", Logger: log}))
	t.Cleanup(srv.Close)
	return &env{t: t, st: st, svc: svc, srv: srv, dns: dns}
}

// client speaks to the API as one project.
type client struct {
	t         *testing.T
	e         *env
	key       string
	projectID string
	keyID     string
}

// project creates a project through the service, as the CLI does, and
// returns a client holding its first secret key.
func (e *env) project(name string) *client {
	e.t.Helper()
	p, k, secret, err := e.svc.CreateProject(context.Background(), audit.System("test"), tenancy.ProjectInput{Name: name})
	if err != nil {
		e.t.Fatalf("create project: %v", err)
	}
	return &client{t: e.t, e: e, key: secret, projectID: string(p.ID), keyID: string(k.ID)}
}

// resp is a received response.
type resp struct {
	t      *testing.T
	method string
	path   string
	status int
	header http.Header
	body   []byte
}

func (c *client) do(method, path string, body any) *resp {
	c.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			c.t.Fatalf("marshal: %v", err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, c.e.srv.URL+path, rd)
	if err != nil {
		c.t.Fatalf("request: %v", err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.key != "" {
		req.Header.Set("Authorization", "Bearer "+c.key)
	}
	return c.e.send(req)
}

func (e *env) send(req *http.Request) *resp {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := e.srv.Client().Do(req.WithContext(ctx))
	if err != nil {
		e.t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		e.t.Fatalf("read body: %v", err)
	}
	return &resp{t: e.t, method: req.Method, path: req.URL.Path, status: res.StatusCode, header: res.Header, body: b}
}

// want fails the test unless the status is status.
func (r *resp) want(status int) *resp {
	r.t.Helper()
	if r.status != status {
		r.t.Fatalf("%s %s: status %d, want %d; body: %s", r.method, r.path, r.status, status, r.body)
	}
	return r
}

// problem checks a problem response's status and code.
func (r *resp) problem(status int, code string) map[string]any {
	r.t.Helper()
	r.want(status)
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
		r.t.Fatalf("%s %s: content type %q, want application/problem+json", r.method, r.path, ct)
	}
	m := r.obj()
	if m["code"] != code {
		r.t.Fatalf("%s %s: code %v, want %q; body: %s", r.method, r.path, m["code"], code, r.body)
	}
	for _, f := range []string{"type", "title", "status", "detail"} {
		if _, ok := m[f]; !ok {
			r.t.Fatalf("%s %s: problem lacks %q: %s", r.method, r.path, f, r.body)
		}
	}
	return m
}

func (r *resp) obj() map[string]any {
	r.t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		r.t.Fatalf("%s %s: body is not a JSON object: %v: %s", r.method, r.path, err, r.body)
	}
	return m
}

func (r *resp) into(v any) {
	r.t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		r.t.Fatalf("%s %s: decode: %v: %s", r.method, r.path, err, r.body)
	}
}

// str reads a string field of an object response.
func (r *resp) str(field string) string {
	r.t.Helper()
	s, ok := r.obj()[field].(string)
	if !ok {
		r.t.Fatalf("%s %s: field %q is not a string: %s", r.method, r.path, field, r.body)
	}
	return s
}

// listAll walks every page of a list and returns the rows.
func (c *client) listAll(path string, limit int) []map[string]any {
	c.t.Helper()
	var out []map[string]any
	token := ""
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	for range 10000 {
		url := path + sep + "limit=" + itoa(limit)
		if token != "" {
			url += "&page_token=" + token
		}
		var page struct {
			Data          []map[string]any `json:"data"`
			NextPageToken *string          `json:"next_page_token"`
		}
		c.do(http.MethodGet, url, nil).want(http.StatusOK).into(&page)
		if page.NextPageToken == nil {
			c.t.Fatalf("GET %s: next_page_token missing", url)
		}
		out = append(out, page.Data...)
		if *page.NextPageToken == "" {
			return out
		}
		token = *page.NextPageToken
	}
	c.t.Fatalf("GET %s: pagination does not end", path)
	return nil
}

func itoa(i int) string { return strconv.Itoa(i) }

// ids collects the "id" fields of rows.
func ids(rows []map[string]any) []string {
	out := make([]string, 0, len(rows))
	for _, r := range rows {
		s, _ := r["id"].(string)
		out = append(out, s)
	}
	return out
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func testdbSQLite(t *testing.T) store.Store { return testdb.SQLite(t) }

func randSuffix() string { return strings.ToLower(rand.Text()[:8]) }
