package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/cmd/gatehouse/cli"
)

// TestImpersonationEndsWithTheStaffMembersAccess: through the running
// server, an impersonation stops working at its next use once the staff
// member behind it is deactivated in the console's project, while the
// user's own sign-ins are untouched.
func TestImpersonationEndsWithTheStaffMembersAccess(t *testing.T) {
	t.Parallel()
	d := deployment{engine: "sqlite", dataDir: t.TempDir()}
	s := newLoginStack(t, d)
	api := s.api(t)
	org := apiOrg(t, api, "Customer Co")
	uid := apiUser(t, api, org, "cust@customer.example")
	staff := addStaff(t, d, s.public, "support@vendor.example")

	sp := newPerson(t, s.public)
	sp.open(staff.ConsoleURL)
	s.proveEmail(t, sp, "support@vendor.example")
	sp.open(s.public + "/p/" + staff.ProjectID + "/console/projects/" + s.project.ProjectID + "/users/" + uid)
	sp.submit("form-impersonate", "impersonate", "reason", "Ticket 5150: exports fail")
	a := newApp(t, s.project)
	sp.open(a.authURL())
	imp := a.finish(t, sp.landed)
	if c := s.accessClaims(t, imp.oauth); !c.Impersonated() {
		t.Fatalf("the app's token is no impersonation: %+v", c)
	}

	// The user's own login, for the baseline.
	p := newPerson(t, s.public)
	p.open(a.authURL())
	s.proveEmail(t, p, "cust@customer.example")
	own := a.finish(t, p.landed)

	// The staff member is deactivated through the console project's own
	// API (another owner of Staff exists, so the last-owner rule allows it).
	addStaff(t, d, s.public, "lead@vendor.example")
	var out, errOut bytes.Buffer
	if code := cli.Run(context.Background(), []string{"project", "create-key", "--project", staff.ProjectID, "--json",
		"--data-dir", d.dataDir, "--public-url", s.public}, &out, &errOut, "e2e"); code != 0 {
		t.Fatalf("create-key: %s", errOut.String())
	}
	var key struct {
		SecretKey string `json:"secret_key"`
	}
	if err := json.Unmarshal(out.Bytes(), &key); err != nil {
		t.Fatal(err)
	}
	newClient(t, s.srv.url, key.SecretKey).must(http.StatusOK, "PATCH", "/users/"+staff.UserID, map[string]any{"status": "deactivated"})

	refresh := func(tk *tokens) error {
		stale := *tk.oauth
		stale.Expiry = time.Now().Add(-time.Minute)
		_, err := a.config.TokenSource(context.Background(), &stale).Token()
		return err
	}
	if err := refresh(imp); !isInvalidGrant(err) {
		t.Fatalf("refreshing the impersonation after the staff member was deactivated: %v, want invalid_grant", err)
	}
	if err := refresh(own); err != nil {
		t.Fatalf("the user's own session: %v", err)
	}
	if page := sp.get(s.path("/account")); strings.Contains(page.body, `id="banner"`) {
		t.Fatal("the hosted pages still show the impersonation")
	}
	sessions := api.must(http.StatusOK, "GET", "/sessions?user_id="+uid, nil).list(t)
	ended := 0
	for _, se := range sessions {
		if se["impersonator"] != nil && se["revoke_reason"] == "impersonator_removed" {
			ended++
		}
	}
	if ended == 0 {
		t.Fatalf("no impersonated session ended with impersonator_removed: %v", sessions)
	}
}
