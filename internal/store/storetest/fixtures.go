package storetest

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/audit"
	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/org"
	"github.com/gatehouse-auth/gatehouse/internal/project"
	"github.com/gatehouse-auth/gatehouse/internal/rbac"
	"github.com/gatehouse-auth/gatehouse/internal/secretkey"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/user"
)

// tenant is a project with two organizations and the built-in roles. Cases
// make two: A, whose rows they test, and B, the other tenant that attacks them.
type tenant struct {
	P      *project.Project
	Org    *org.Organization
	Org2   *org.Organization
	Owner  *rbac.Role
	Admin  *rbac.Role
	Member *rbac.Role
	// Builtins are the three built-in roles in ID (= listing) order; they
	// share a creation instant, so that order is random.
	Builtins []*rbac.Role
}

func (e *env) newTenant(name string) *tenant {
	e.t.Helper()
	p, err := project.New(name, e.clk.now())
	noErr(e.t, err, "project.New")
	p.AllowCustomRoles = true
	o1, err := org.New(p.ID, name+" first org", e.clk.now())
	noErr(e.t, err, "org.New")
	o2, err := org.New(p.ID, name+" second org", e.clk.now())
	noErr(e.t, err, "org.New")
	roles := rbac.BuiltinRoles(p.ID, e.clk.now())
	e.write(func(w store.Writer) error {
		if err := w.CreateProject(e.ctx, p); err != nil {
			return err
		}
		for _, r := range roles {
			if err := w.CreateRole(e.ctx, r); err != nil {
				return err
			}
		}
		if err := w.CreateOrganization(e.ctx, o1); err != nil {
			return err
		}
		return w.CreateOrganization(e.ctx, o2)
	})
	builtins := slices.Clone(roles)
	slices.SortFunc(builtins, func(x, y *rbac.Role) int { return strings.Compare(string(x.ID), string(y.ID)) })
	return &tenant{P: p, Org: o1, Org2: o2, Owner: roles[0], Admin: roles[1], Member: roles[2], Builtins: builtins}
}

// tenants returns the tenant under test and the other one.
func (e *env) tenants() (a, b *tenant) {
	return e.newTenant("Tenant A"), e.newTenant("Tenant B")
}

// newUser builds (without storing) a user of o.
func (e *env) newUser(o *org.Organization, email string) *user.User {
	e.t.Helper()
	u, err := user.New(o.ProjectID, o.ID, email, "Person "+email, e.clk.now())
	noErr(e.t, err, "user.New")
	return u
}

// createUser stores a new user of o.
func (e *env) createUser(o *org.Organization, email string) *user.User {
	e.t.Helper()
	u := e.newUser(o, email)
	e.write(func(w store.Writer) error { return w.CreateUser(e.ctx, u) })
	return u
}

// createUsers stores n users of o in one transaction.
func (e *env) createUsers(o *org.Organization, n int) []*user.User {
	e.t.Helper()
	us := make([]*user.User, n)
	for i := range us {
		us[i] = e.newUser(o, fmt.Sprintf("user%d.%s@example.com", i, o.ID))
	}
	e.write(func(w store.Writer) error {
		for _, u := range us {
			if err := w.CreateUser(e.ctx, u); err != nil {
				return err
			}
		}
		return nil
	})
	return us
}

func (e *env) newPermission(p id.Project, key string) *rbac.Permission {
	return &rbac.Permission{
		ID: id.New[id.Permission](e.clk.now()), ProjectID: p, Key: key,
		Description: "Lets a member " + key, CreatedAt: e.clk.now(),
	}
}

func (e *env) createPermissions(p id.Project, keys ...string) []*rbac.Permission {
	e.t.Helper()
	out := make([]*rbac.Permission, len(keys))
	for i, k := range keys {
		out[i] = e.newPermission(p, k)
	}
	e.write(func(w store.Writer) error {
		for _, pm := range out {
			if err := w.CreatePermission(e.ctx, pm); err != nil {
				return err
			}
		}
		return nil
	})
	return out
}

// newRole builds a role; orgID empty makes it project-wide.
func (e *env) newRole(p id.Project, orgID id.Org, key string, perms ...string) *rbac.Role {
	now := e.clk.now()
	if perms == nil {
		perms = []string{}
	}
	return &rbac.Role{
		ID: id.New[id.Role](now), ProjectID: p, OrganizationID: orgID, Key: key,
		Name: "Role " + key, Description: "Does " + key, Permissions: perms,
		CreatedAt: now, UpdatedAt: now,
	}
}

func (e *env) createRole(r *rbac.Role) {
	e.t.Helper()
	e.write(func(w store.Writer) error { return w.CreateRole(e.ctx, r) })
}

func (e *env) assign(u *user.User, r *rbac.Role) {
	e.t.Helper()
	a := &rbac.Assignment{ProjectID: u.ProjectID, OrganizationID: u.OrganizationID, UserID: u.ID, RoleID: r.ID, CreatedAt: e.clk.now()}
	e.write(func(w store.Writer) error { return w.AssignRole(e.ctx, a) })
}

func (e *env) newEvent(p id.Project, o id.Org, typ, resource string, at time.Time) *audit.Event {
	return &audit.Event{
		ID: id.New[id.AuditEvent](at), ProjectID: p, OrganizationID: o,
		Actor: audit.System("storetest"), Type: typ, ResourceType: "organization", ResourceID: resource,
		Details: audit.Details(nil, map[string]any{"name": resource}), OccurredAt: at,
	}
}

func (e *env) newKey(p id.Project, name string) *secretkey.Key {
	k, _ := secretkey.Generate(p, name, e.clk.now())
	return k
}

// Accessors for list helpers.
func projectID(p *project.Project) string { return string(p.ID) }
func orgID(o *org.Organization) string    { return string(o.ID) }
func userID(u *user.User) string          { return string(u.ID) }
func permID(p *rbac.Permission) string    { return string(p.ID) }
func roleID(r *rbac.Role) string          { return string(r.ID) }
func eventID(ev *audit.Event) string      { return string(ev.ID) }
func keyID(k *secretkey.Key) string       { return string(k.ID) }
func dur(d time.Duration) *time.Duration  { return &d }
func tm(t time.Time) *time.Time           { return &t }
