package rbac

import (
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/id"
)

func TestValidateKey(t *testing.T) {
	for _, ok := range []string{"invoices.read", "a", "billing:admin", "team_lead-2"} {
		if err := ValidateKey("key", ok); err != nil {
			t.Errorf("ValidateKey(%q) = %v", ok, err)
		}
	}
	for _, bad := range []string{"", "Invoices.read", ".read", "has space", "emoji😀", strings.Repeat("a", 101)} {
		if err := ValidateKey("key", bad); err == nil {
			t.Errorf("ValidateKey(%q) accepted", bad)
		}
	}
}

func TestBuiltinRoles(t *testing.T) {
	rs := BuiltinRoles(id.New[id.Project](time.Now()), time.Now())
	keys := map[string]bool{}
	for _, r := range rs {
		if !r.Builtin || r.OrganizationID != "" || r.Permissions == nil {
			t.Errorf("built-in role %+v is not a project-wide built-in role with a non-nil permission set", r)
		}
		keys[r.Key] = true
	}
	if len(keys) != 3 || !keys[RoleOwner] || !keys[RoleAdmin] || !keys[RoleMember] {
		t.Fatalf("built-in role keys = %v", keys)
	}
	if got := strings.Join(Keys(rs), ","); got != "owner,admin,member" {
		t.Fatalf("Keys = %q, want the roles' keys in their order", got)
	}
}
