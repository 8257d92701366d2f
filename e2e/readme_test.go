package e2e

import (
	"bytes"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// walkthroughScript returns the README's walkthrough: every ```sh block
// between the walkthrough markers, in order.
func walkthroughScript(t *testing.T) string {
	t.Helper()
	readme, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	text := string(readme)
	begin := strings.Index(text, "<!-- walkthrough:begin")
	end := strings.Index(text, "<!-- walkthrough:end -->")
	if begin < 0 || end < begin {
		t.Fatal("README.md lacks the walkthrough markers")
	}
	var script strings.Builder
	rest := text[begin:end]
	for {
		i := strings.Index(rest, "```sh\n")
		if i < 0 {
			break
		}
		rest = rest[i+len("```sh\n"):]
		j := strings.Index(rest, "```")
		if j < 0 {
			t.Fatal("unterminated sh block in the README walkthrough")
		}
		script.WriteString(rest[:j])
		script.WriteString("\n")
		rest = rest[j+3:]
	}
	if script.Len() == 0 {
		t.Fatal("no sh blocks in the README walkthrough")
	}
	return script.String()
}

// TestReadmeWalkthroughAsWritten runs the README's walkthrough with bash,
// curl and jq against a running server, exactly as a newcomer would type it.
// Only `go run ./cmd/gatehouse` is redirected to this test binary acting as
// the gatehouse command, so no build is needed.
func TestReadmeWalkthroughAsWritten(t *testing.T) {
	t.Parallel()
	for _, tool := range []string{"bash", "curl", "jq"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("%s is required to test the README walkthrough in CI", tool)
			}
			t.Skipf("%s is not installed; the README walkthrough needs it", tool)
		}
	}
	script := walkthroughScript(t)
	forEachEngine(t, func(t *testing.T, d deployment) {
		// The README runs both commands in one directory with the default
		// ./gatehouse-data.
		work := t.TempDir()
		d.dataDir = filepath.Join(work, "gatehouse-data")
		srv := start(t, d)

		self, err := os.Executable()
		if err != nil {
			t.Fatal(err)
		}
		shim := `go() {
  if [ "${1:-}" = run ] && [ "${2:-}" = ./cmd/gatehouse ]; then
    shift 2
    ` + childEnv + `=1 "$GATEHOUSE_E2E_BINARY" "$@"
  else
    echo "the walkthrough ran an unexpected go command: go $*" >&2
    return 1
  fi
}
`
		// The trailer hands the walkthrough's key to the checks below.
		trailer := "\necho \"walkthrough-secret-key=$GATEHOUSE_SECRET_KEY\"\n"
		cmd := exec.Command("bash", "-euo", "pipefail", "-c", shim+script+trailer)
		cmd.Dir = work
		cmd.Env = append(cleanEnv(),
			"GATEHOUSE_E2E_BINARY="+self,
			"GATEHOUSE_PUBLIC_URL="+srv.main.PublicURL(),
		)
		if d.databaseURL != "" {
			cmd.Env = append(cmd.Env, "GATEHOUSE_DATABASE_URL="+d.databaseURL)
		}
		var out, errOut bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errOut
		done := make(chan error, 1)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		go func() { done <- cmd.Wait() }()
		select {
		case err = <-done:
		case <-time.After(2 * time.Minute):
			_ = cmd.Process.Kill()
			t.Fatalf("the walkthrough did not finish:\n%s\n%s", out.String(), errOut.String())
		}
		if err != nil {
			t.Fatalf("the README walkthrough failed (%v)\nstdout:\n%s\nstderr:\n%s", err, out.String(), errOut.String())
		}
		output := out.String() + errOut.String()
		for _, want := range []string{`"code":"email_taken"`, `"code":"unauthenticated"`, `"role.assigned"`, `"admin"`, `"ada@southwest.example"`, `"Southwest Airlines"`} {
			if !strings.Contains(output, want) {
				t.Errorf("the walkthrough's output lacks %s:\n%s", want, output)
			}
		}

		// What the walkthrough did is really there.
		_, key, ok := strings.Cut(out.String(), "walkthrough-secret-key=")
		key = strings.TrimSpace(key)
		if !ok || !strings.HasPrefix(key, "gh_sk_") {
			t.Fatalf("the walkthrough did not export GATEHOUSE_SECRET_KEY:\n%s", out.String())
		}
		if entries, _ := os.ReadDir(work); len(entries) != 1 {
			t.Errorf("the walkthrough left files behind in the working directory: %v", entries)
		}
		c := newClient(t, srv.url, key)
		orgs := c.must(http.StatusOK, "GET", "/organizations", nil).list(t)
		if len(orgs) != 1 || orgs[0]["name"] != "Southwest Airlines" || orgs[0]["member_count"] != float64(1) {
			t.Fatalf("organizations after the walkthrough: %v", orgs)
		}
	})
}
