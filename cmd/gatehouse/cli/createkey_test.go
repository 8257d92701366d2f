package cli

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse/internal/audit"
	"github.com/gatehouse-auth/gatehouse/internal/store/sqlstore"
	"github.com/gatehouse-auth/gatehouse/internal/tenancy"
)

// A project whose every key was revoked gets back in with create-key; the
// command refuses projects that do not exist.
func TestProjectCreateKeyRecoversARevokedProject(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, dbFlags []string) {
		ctx := context.Background()
		code, out, errOut := run(t, append([]string{"project", "create", "--name", "Locked out", "--json"}, dbFlags...)...)
		if code != ExitOK {
			t.Fatalf("create: exit %d: %s", code, errOut)
		}
		var created struct {
			ProjectID   string `json:"project_id"`
			SecretKey   string `json:"secret_key"`
			SecretKeyID string `json:"secret_key_id"`
		}
		if err := json.Unmarshal([]byte(out), &created); err != nil {
			t.Fatal(err)
		}

		// Revoke the only key, as a vendor might by mistake through the API.
		cfg := sqlstore.Config{DataDir: dbFlags[1]}
		if len(dbFlags) > 2 {
			cfg.URL = dbFlags[3]
		}
		db, err := sqlstore.Open(ctx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		svc := tenancy.New(db)
		key, err := svc.AuthenticateSecretKey(ctx, created.SecretKey)
		if err != nil {
			t.Fatalf("fresh key refused: %v", err)
		}
		if _, err := svc.RevokeSecretKey(ctx, audit.System("test"), key.ProjectID, created.SecretKeyID); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.AuthenticateSecretKey(ctx, created.SecretKey); err == nil {
			t.Fatal("revoked key still authenticates")
		}

		code, out, errOut = run(t, append([]string{"project", "create-key", "--project", created.ProjectID, "--name", "recovery", "--json"}, dbFlags...)...)
		if code != ExitOK {
			t.Fatalf("create-key: exit %d: %s", code, errOut)
		}
		var got map[string]any
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatalf("create-key output is not JSON: %v\n%s", err, out)
		}
		secret, _ := got["secret_key"].(string)
		k, err := svc.AuthenticateSecretKey(ctx, secret)
		if err != nil || string(k.ProjectID) != created.ProjectID || got["name"] != "recovery" {
			t.Fatalf("new key %v: authenticate = %v, %v", got, k, err)
		}

		// An unknown project and a malformed ID are clear errors.
		for _, bad := range []string{"proj_01m8e27q093cgyzv2dt1b75xkt", "org_01m8e27q093cgyzv2dt1b75xkt"} {
			code, out, errOut = run(t, append([]string{"project", "create-key", "--project", bad}, dbFlags...)...)
			if code == ExitOK || strings.Contains(out, "gh_sk_") {
				t.Fatalf("create-key for %s: exit %d, printed %q", bad, code, out)
			}
			if !strings.Contains(errOut, "not found") && !strings.Contains(errOut, "malformed") {
				t.Fatalf("create-key for %s: unclear error %q", bad, errOut)
			}
		}
	})
}
