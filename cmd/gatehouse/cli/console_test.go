package cli

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/store/sqlstore"
	"github.com/gatehouse-auth/gatehouse/internal/user"
)

// add-staff makes an active owner of the console's Staff organization
// (creating the console project on first use), prints the console's
// address, and refuses the same person twice.
func TestConsoleAddStaff(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, dbFlags []string) {
		ctx := context.Background()
		code, out, errOut := run(t, append([]string{"console", "add-staff", "--email", "Ops@Vendor.example", "--public-url", "https://auth.vendor.example"}, dbFlags...)...)
		if code != ExitOK {
			t.Fatalf("add-staff: exit %d: %s", code, errOut)
		}
		if !strings.Contains(out, "ops@vendor.example") || !strings.Contains(out, "https://auth.vendor.example/p/proj_") || !strings.Contains(out, "/console/") {
			t.Fatalf("add-staff output should name the person and the console's address:\n%s", out)
		}

		code, out, errOut = run(t, append([]string{"console", "add-staff", "--email", "second@vendor.example", "--json"}, dbFlags...)...)
		if code != ExitOK {
			t.Fatalf("second add-staff: exit %d: %s", code, errOut)
		}
		var got staffOutput
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatalf("--json output: %v\n%s", err, out)
		}
		if got.Email != "second@vendor.example" || !strings.HasSuffix(got.ConsoleURL, "/p/"+got.ProjectID+"/console/") {
			t.Fatalf("--json output: %+v", got)
		}

		cfg := sqlstore.Config{DataDir: dbFlags[1]}
		if len(dbFlags) > 2 {
			cfg.URL = dbFlags[3]
		}
		db, err := sqlstore.Open(ctx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		cs, err := db.GetConsoleSettings(ctx)
		if err != nil || string(cs.ProjectID) != got.ProjectID {
			t.Fatalf("console settings: %+v, %v (both runs must use one console project)", cs, err)
		}
		staff, err := db.ListUsers(ctx, cs.ProjectID, store.UserFilter{OrganizationID: cs.StaffOrgID}, store.Page{Limit: 10})
		if err != nil || len(staff) != 2 {
			t.Fatalf("staff: %d, %v", len(staff), err)
		}
		for _, u := range staff {
			roles, err := db.ListUserRoles(ctx, cs.ProjectID, u.ID)
			if err != nil || len(roles) != 1 || roles[0].Key != "owner" || u.Status != user.StatusActive {
				t.Errorf("%s: status %s roles %v, %v; want an active owner", u.Email, u.Status, roles, err)
			}
		}
		if _, err := id.Parse[id.User](got.UserID); err != nil {
			t.Errorf("user_id %q: %v", got.UserID, err)
		}

		code, _, errOut = run(t, append([]string{"console", "add-staff", "--email", "OPS@vendor.example"}, dbFlags...)...)
		if code != ExitError || !strings.Contains(errOut, "already exists") {
			t.Fatalf("the same person twice: exit %d, %q", code, errOut)
		}
	})
}
