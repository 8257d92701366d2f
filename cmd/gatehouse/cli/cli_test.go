package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/logbuf"
	"github.com/gatehouse-auth/gatehouse/internal/secretkey"
	"github.com/gatehouse-auth/gatehouse/internal/testdb"
)

func run(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = Run(context.Background(), args, &out, &errOut, "v1.2.3-test")
	return code, out.String(), errOut.String()
}

func TestVersion(t *testing.T) {
	t.Parallel()
	code, out, _ := run(t, "version")
	if code != ExitOK || strings.TrimSpace(out) != "gatehouse v1.2.3-test" {
		t.Fatalf("version: code %d, output %q", code, out)
	}
}

func TestHelp(t *testing.T) {
	t.Parallel()
	code, out, _ := run(t, "--help")
	if code != ExitOK {
		t.Fatalf("--help exited %d", code)
	}
	for _, want := range []string{"serve", "migrate", "project", "version"} {
		if !strings.Contains(out, want) {
			t.Errorf("--help does not mention %q:\n%s", want, out)
		}
	}
	// Help for a command with a required flag works without the flag.
	code, out, _ = run(t, "project", "create", "--help")
	if code != ExitOK || !strings.Contains(out, "--name") || !strings.Contains(out, "--redirect-uri") {
		t.Fatalf("project create --help: code %d\n%s", code, out)
	}
	code, out, _ = run(t, "serve", "--help")
	for _, want := range []string{"--addr", "GATEHOUSE_ADDR", "--data-dir", "--database-url", "--public-url", "--log-level", "--log-format"} {
		if code != ExitOK || !strings.Contains(out, want) {
			t.Errorf("serve --help (code %d) does not mention %q", code, want)
		}
	}
	if strings.Contains(out, "--master-key") {
		t.Error("serve --help advertises a flag for the master key; it belongs in the environment only")
	}
}

func TestBadUsageIsAClearErrorWithUsageExitCode(t *testing.T) {
	t.Parallel()
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"serve", "--no-such-flag"}, "unknown flag --no-such-flag"},
		{[]string{"project", "create"}, "--name"},
		{[]string{"serve", "--log-format", "xml"}, "--log-format"},
		{[]string{"serve", "--shutdown-timeout", "soon"}, "shutdown-timeout"},
		{[]string{"frobnicate"}, "unexpected argument frobnicate"},
	}
	for _, c := range cases {
		code, _, errOut := run(t, c.args...)
		if code != ExitUsage {
			t.Errorf("%v: exit %d, want %d", c.args, code, ExitUsage)
		}
		if !strings.Contains(errOut, "gatehouse: error:") || !strings.Contains(errOut, c.want) {
			t.Errorf("%v: stderr %q should say what is wrong (%q)", c.args, errOut, c.want)
		}
	}
}

// engines runs fn with the database flags of a fresh SQLite data directory,
// and of a fresh Postgres database when one is configured.
func engines(t *testing.T, fn func(t *testing.T, dbFlags []string)) {
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		fn(t, []string{"--data-dir", t.TempDir()})
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		fn(t, []string{"--data-dir", t.TempDir(), "--database-url", testdb.PostgresURL(t)})
	})
}

func TestProjectCreateJSON(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, dbFlags []string) {
		args := append([]string{"project", "create", "--name", "My app", "--json",
			"--redirect-uri", "https://app.example.com/callback",
			"--redirect-uri", "http://localhost:3000/callback",
			"--public-url", "https://auth.example.com/"}, dbFlags...)
		code, out, errOut := run(t, args...)
		if code != ExitOK {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		dec := json.NewDecoder(strings.NewReader(out))
		var got map[string]any
		if err := dec.Decode(&got); err != nil {
			t.Fatalf("output is not JSON: %v\n%s", err, out)
		}
		if _, err := dec.Token(); !errors.Is(err, io.EOF) {
			t.Fatalf("output holds more than one JSON value:\n%s", out)
		}
		pid, _ := got["project_id"].(string)
		if !regexp.MustCompile(`^proj_[0-9a-z]{26}$`).MatchString(pid) {
			t.Fatalf("project_id = %q", pid)
		}
		want := map[string]any{
			"name":                      "My app",
			"issuer":                    "https://auth.example.com/p/" + pid,
			"api_base_url":              "https://auth.example.com/api/v1",
			"auto_create_organizations": false,
		}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("%s = %v, want %v", k, got[k], v)
			}
		}
		if sk, _ := got["secret_key"].(string); !secretkey.LooksLikeKey(sk) {
			t.Errorf("secret_key = %q is not a secret key", sk)
		}
		if r, _ := got["redirect_uris"].([]any); len(r) != 2 {
			t.Errorf("redirect_uris = %v", got["redirect_uris"])
		}

		// The project is listed, without its secret.
		code, out, errOut = run(t, append([]string{"project", "list", "--json", "--public-url", "https://auth.example.com"}, dbFlags...)...)
		if code != ExitOK {
			t.Fatalf("list: exit %d: %s", code, errOut)
		}
		var list []map[string]any
		if err := json.Unmarshal([]byte(out), &list); err != nil || len(list) != 1 {
			t.Fatalf("list output: %v\n%s", err, out)
		}
		if list[0]["project_id"] != pid || list[0]["issuer"] != want["issuer"] {
			t.Errorf("listed %v", list[0])
		}
		if strings.Contains(out, "gh_sk_") {
			t.Error("project list prints a secret key")
		}
	})
}

func TestProjectCreateTextAndDefaults(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	code, out, errOut := run(t, "project", "create", "--name", "Shop", "--auto-create-organizations", "--data-dir", dir)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	secret := regexp.MustCompile(`gh_sk_[0-9A-Z]{52}`).FindString(out)
	if secret == "" || !strings.Contains(out, "shown only this once") {
		t.Fatalf("text output lacks the secret or the warning:\n%s", out)
	}
	// With no --public-url the URLs follow the default listen address.
	if !strings.Contains(out, "http://localhost:8080/p/proj_") || !strings.Contains(out, "http://localhost:8080/api/v1") {
		t.Errorf("default URLs missing:\n%s", out)
	}
	code, out, _ = run(t, "project", "list", "--data-dir", dir, "--addr", "0.0.0.0:9000")
	if code != ExitOK || !strings.Contains(out, "Shop") || !strings.Contains(out, "http://localhost:9000/p/proj_") {
		t.Fatalf("project list: code %d\n%s", code, out)
	}
}

func TestProjectCreateRejectsBadInput(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"--name", "Bad", "--redirect-uri", "http://evil.example.com/cb"}, "redirect_uris"},
		{[]string{"--name", "   "}, "name"},
		{[]string{"--name", "Bad", "--public-url", "not a url"}, "--public-url"},
	}
	for _, c := range cases {
		code, out, errOut := run(t, append([]string{"project", "create", "--json", "--data-dir", dir}, c.args...)...)
		if code != ExitError || !strings.Contains(errOut, c.want) || out != "" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 1 naming %q", c.args, code, out, errOut, c.want)
		}
	}
	// Nothing was created by the refused attempts.
	_, out, _ := run(t, "project", "list", "--json", "--data-dir", dir)
	if strings.TrimSpace(out) != "[]" {
		t.Fatalf("refused creates left projects behind: %s", out)
	}
}

func TestMigrate(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for range 2 {
		code, out, errOut := run(t, "migrate", "--data-dir", dir)
		if code != ExitOK || !strings.Contains(out, "up to date") {
			t.Fatalf("migrate: exit %d: %s %s", code, out, errOut)
		}
	}
}

func TestServeStartsPrintsWhereToGoAndStopsOnCancel(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errOut logbuf.Buffer
	done := make(chan int, 1)
	go func() {
		done <- Run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--data-dir", dir, "--log-format", "json"}, &out, &errOut, "v-test")
	}()

	listening := regexp.MustCompile(`Listening on:\s+(127\.0\.0\.1:\d+)`)
	var addr string
	deadline := time.Now().Add(20 * time.Second)
	for addr == "" {
		if m := listening.FindStringSubmatch(out.String()); m != nil {
			addr = m[1]
			break
		}
		select {
		case code := <-done:
			t.Fatalf("serve exited %d before listening: %s", code, errOut.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve did not start:\n%s\n%s", out.String(), errOut.String())
		}
	}
	banner := out.String()
	port := addr[strings.LastIndex(addr, ":"):]
	for _, want := range []string{
		"http://localhost" + port + "/api/v1",
		"http://localhost" + port + "/api/v1/openapi.json",
		`gatehouse project create --name "My app" --json`,
	} {
		if !strings.Contains(banner, want) {
			t.Errorf("banner lacks %q:\n%s", want, banner)
		}
	}
	resp, err := http.Get("http://" + addr + "/healthz")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("healthz: %v %v", resp, err)
	}
	resp.Body.Close()

	cancel()
	select {
	case code := <-done:
		if code != ExitOK {
			t.Fatalf("serve exited %d after cancel: %s", code, errOut.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not stop after cancel")
	}
	if !strings.Contains(out.String(), "Gatehouse stopped.") || !strings.Contains(errOut.String(), `"msg":"database closed"`) {
		t.Errorf("shutdown not reported:\n%s\n%s", out.String(), errOut.String())
	}
}

func TestServeFailsClearlyWhenThePortIsTaken(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out1, err1 logbuf.Buffer
	done := make(chan int, 1)
	dir := t.TempDir()
	go func() {
		done <- Run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--data-dir", dir}, &out1, &err1, "v")
	}()
	listening := regexp.MustCompile(`Listening on:\s+(127\.0\.0\.1:\d+)`)
	var addr string
	for i := 0; i < 1000 && addr == ""; i++ {
		if m := listening.FindStringSubmatch(out1.String()); m != nil {
			addr = m[1]
		}
		time.Sleep(10 * time.Millisecond)
	}
	if addr == "" {
		t.Fatalf("first server did not start: %s", err1.String())
	}
	code, _, errOut := run(t, "serve", "--addr", addr, "--data-dir", t.TempDir())
	if code != ExitError || !strings.Contains(errOut, "listen on "+addr) {
		t.Fatalf("second serve on %s: exit %d, stderr %q", addr, code, errOut)
	}
	cancel()
	<-done
}

func TestServeFailsClearlyWhenPostgresIsUnreachable(t *testing.T) {
	t.Parallel()
	code, _, errOut := run(t, "serve", "--addr", "127.0.0.1:0", "--data-dir", t.TempDir(),
		"--database-url", "postgres://gatehouse:hunter2@127.0.0.1:1/gatehouse?sslmode=disable&connect_timeout=5")
	if code != ExitError || !strings.Contains(errOut, "open database") {
		t.Fatalf("exit %d, stderr %q; want exit 1 saying the database could not be opened", code, errOut)
	}
	if strings.Contains(errOut, "hunter2") {
		t.Fatalf("the database password was printed: %s", errOut)
	}
}
