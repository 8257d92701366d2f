package selfserve_test

import (
	"slices"
	"testing"

	"github.com/gatehouse-auth/gatehouse/internal/fault"
	"github.com/gatehouse-auth/gatehouse/internal/rbac"
	"github.com/gatehouse-auth/gatehouse/internal/selfserve"
	"github.com/gatehouse-auth/gatehouse/internal/tenancy"
	"github.com/gatehouse-auth/gatehouse/internal/user"
)

// TestSetRolesKeepsTheChosenSet: a member holding several roles ends with
// exactly the set the admin chose, none dropped or added on the way; an
// empty set or a role the organization does not see changes nothing.
func TestSetRolesKeepsTheChosenSet(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, e *env) {
		w := newWorld(t, e)
		ctx, s := e.ctx, e.svc
		member := string(w.userB.ID)
		row, err := s.SetRoles(ctx, w.adminB, member, []string{rbac.RoleAdmin, w.roleB.Key})
		fatalIf(t, err)
		want := []string{rbac.RoleAdmin, w.roleB.Key}
		slices.Sort(want)
		if !slices.Equal(row.Roles, want) || row.User.ID != w.userB.ID {
			t.Fatalf("returned %v for %v, want %v", row.Roles, row.User, want)
		}
		got, err := s.GetMember(ctx, w.adminB, member)
		fatalIf(t, err)
		if !slices.Equal(got.Roles, want) {
			t.Fatalf("member holds %v, want %v", got.Roles, want)
		}
		// Dropping one keeps the other.
		_, err = s.SetRoles(ctx, w.adminB, member, []string{w.roleB.Key})
		fatalIf(t, err)
		if got, _ := s.GetMember(ctx, w.adminB, member); !slices.Equal(got.Roles, []string{w.roleB.Key}) {
			t.Fatalf("after dropping admin the member holds %v", got.Roles)
		}

		_, err = s.CreateRole(ctx, w.ownerA, selfserve.RoleInput{Key: "alpha-only", Name: "Alpha only"})
		fatalIf(t, err)
		for what, keys := range map[string][]string{
			"no role":               {" "},
			"unknown role":          {rbac.RoleMember, "nonexistent"},
			"another org's role":    {rbac.RoleMember, "alpha-only"},
			"nothing chosen at all": nil,
		} {
			before := e.state(w.p1.ID)
			_, err := s.SetRoles(ctx, w.adminB, member, keys)
			refused(t, what, err, fault.Invalid, "")
			if e.state(w.p1.ID) != before {
				t.Fatalf("%s: refused, but state changed", what)
			}
		}
	})
}

// TestAdminCannotTouchAnOwner: an owner who also holds admin and a custom
// role is out of an admin's reach, even to change only the other roles;
// an owner sets the same set and it is kept whole.
func TestAdminCannotTouchAnOwner(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, e *env) {
		w := newWorld(t, e)
		ctx, s := e.ctx, e.svc
		boss := e.user(w.orgB, "boss@bravo.test", rbac.RoleOwner, rbac.RoleAdmin)
		bossID := string(boss.ID)
		before := e.state(w.p1.ID)
		_, err := s.SetRoles(ctx, w.adminB, bossID, []string{rbac.RoleOwner, rbac.RoleAdmin, w.roleB.Key})
		refused(t, "admin changes an owner's other roles", err, fault.PermissionDenied, fault.CodeForbidden)
		if e.state(w.p1.ID) != before {
			t.Fatal("refused, but state changed")
		}

		row, err := s.SetRoles(ctx, w.ownerB, bossID, []string{rbac.RoleOwner, rbac.RoleAdmin, w.roleB.Key})
		fatalIf(t, err)
		want := []string{rbac.RoleAdmin, rbac.RoleOwner, w.roleB.Key}
		slices.Sort(want)
		if !slices.Equal(row.Roles, want) {
			t.Fatalf("owner set %v, want %v", row.Roles, want)
		}
		if got, _ := s.GetMember(ctx, w.ownerB, bossID); !slices.Equal(got.Roles, want) {
			t.Fatalf("boss holds %v, want %v", got.Roles, want)
		}
	})
}

// TestOwnerRuleOnCurrentRoles: an admin looks at a plain member; before
// the admin acts, an owner promotes that member to owner. The admin's
// demotion, deactivation and removal are then refused: the owner-only rule
// is judged on the roles held when the change is made, not when the admin
// looked.
func TestOwnerRuleOnCurrentRoles(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, e *env) {
		w := newWorld(t, e)
		ctx, s := e.ctx, e.svc
		member := string(w.userB.ID)
		seen, err := s.GetMember(ctx, w.adminB, member)
		fatalIf(t, err)
		if slices.Contains(seen.Roles, rbac.RoleOwner) {
			t.Fatalf("fixture: member already holds %v", seen.Roles)
		}
		_, err = e.ten.AssignRole(ctx, system, w.p1.ID, member, tenancy.RoleRef{Key: rbac.RoleOwner})
		fatalIf(t, err)

		before := e.state(w.p1.ID)
		attempts := map[string]func() error{
			"demote":     func() error { _, err := s.SetRoles(ctx, w.adminB, member, []string{rbac.RoleMember}); return err },
			"deactivate": func() error { _, err := s.SetMemberStatus(ctx, w.adminB, member, false); return err },
			"remove":     func() error { return s.RemoveMember(ctx, w.adminB, member) },
		}
		for what, do := range attempts {
			refused(t, what, do(), fault.PermissionDenied, fault.CodeForbidden)
			if e.state(w.p1.ID) != before {
				t.Fatalf("%s: refused, but state changed", what)
			}
		}
		// The owner can.
		if _, err := s.SetMemberStatus(ctx, w.ownerB, member, false); err != nil {
			t.Fatalf("owner deactivating the new owner: %v", err)
		}
		u, err := e.ten.GetUser(ctx, w.p1.ID, member)
		fatalIf(t, err)
		if u.Status != user.StatusDeactivated {
			t.Fatalf("status %s after the owner's deactivation", u.Status)
		}
		fatalIf(t, s.RemoveMember(ctx, w.ownerB, member))
		// Nobody removes themselves, owner or not.
		err = s.RemoveMember(ctx, w.ownerB, string(w.ownerB.UserID))
		refused(t, "owner removes self", err, fault.FailedPrecondition, selfserve.CodeSelf)
	})
}
