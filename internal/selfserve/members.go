package selfserve

import (
	"context"
	"slices"
	"strings"

	"github.com/gatehouse-auth/gatehouse/internal/fault"
	"github.com/gatehouse-auth/gatehouse/internal/rbac"
	"github.com/gatehouse-auth/gatehouse/internal/tenancy"
	"github.com/gatehouse-auth/gatehouse/internal/user"
)

// MemberRow is one member of the organization as the members page lists it.
type MemberRow struct {
	User *user.User
	// Roles are the member's role keys, sorted.
	Roles []string
}

// ListMembers lists the organization's members in creation order; search,
// when set, keeps those whose email, name or a word of whose name starts
// with it (case-insensitive, every character literal). The store filters,
// so a page reads only as many rows as it shows. next is the cursor of the
// following page.
func (s *Service) ListMembers(ctx context.Context, m Member, search string, page Page) (rows []MemberRow, next string, err error) {
	if err := requireAdmin(m); err != nil {
		return nil, "", err
	}
	sp := page.store()
	found, err := s.d.Tenancy.ListUsers(ctx, m.ProjectID,
		tenancy.UserListFilter{OrganizationID: string(m.OrgID), Search: strings.TrimSpace(search)}, sp)
	if err != nil {
		return nil, "", s.internal("list members", err)
	}
	if len(found) == sp.Limit {
		next = string(found[len(found)-1].ID)
	}
	keys, err := s.d.Tenancy.RoleKeysOfUsers(ctx, m.ProjectID, found)
	if err != nil {
		return nil, "", s.internal("list members", err)
	}
	for _, u := range found {
		rows = append(rows, MemberRow{User: u, Roles: keys[u.ID]})
	}
	return rows, next, nil
}

// orgUser loads a user of the member's organization; any other user,
// whether of another organization, another project or nobody, is not found.
func (s *Service) orgUser(ctx context.Context, m Member, userID string) (*user.User, []string, error) {
	u, err := s.d.Tenancy.GetUser(ctx, m.ProjectID, userID)
	if err != nil {
		return nil, nil, s.internal("get member", err)
	}
	if u.ProjectID != m.ProjectID || u.OrganizationID != m.OrgID {
		return nil, nil, fault.NewNotFound("user")
	}
	roles, err := s.d.Tenancy.ListUserRoles(ctx, m.ProjectID, string(u.ID))
	if err != nil {
		return nil, nil, s.internal("get member", err)
	}
	return u, rbac.Keys(roles), nil
}

// GetMember returns one member of the organization with its role keys.
func (s *Service) GetMember(ctx context.Context, m Member, userID string) (*MemberRow, error) {
	if err := requireAdmin(m); err != nil {
		return nil, err
	}
	u, keys, err := s.orgUser(ctx, m, userID)
	if err != nil {
		return nil, err
	}
	return &MemberRow{User: u, Roles: keys}, nil
}

// SetRoles gives a member exactly the roles named by roleKeys (at least one,
// each a role the organization sees), taking the others, in one change:
// either the whole set is in place or nothing changed. Giving or taking the
// owner role is for owners only, judged on the roles the member holds when
// the change is made; taking it from the last active owner is refused
// (last_owner).
func (s *Service) SetRoles(ctx context.Context, m Member, userID string, roleKeys []string) (*MemberRow, error) {
	if err := requireAdmin(m); err != nil {
		return nil, err
	}
	var keys []string
	for _, k := range roleKeys {
		if k = strings.TrimSpace(k); k != "" && !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return nil, fault.InvalidField("role", "choose at least one role")
	}
	visible, err := s.visibleRoles(ctx, m)
	if err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(keys))
	givesOwner := false
	for _, k := range keys {
		i := slices.IndexFunc(visible, func(r *rbac.Role) bool { return r.Key == k })
		if i < 0 {
			return nil, fault.InvalidField("role", "choose among the organization's roles")
		}
		ids = append(ids, string(visible[i].ID))
		givesOwner = givesOwner || visible[i].Key == rbac.RoleOwner
	}
	var target *user.User
	guard := func(u *user.User, held []*rbac.Role) error {
		if err := inOrg(m, u); err != nil {
			return err
		}
		if givesOwner || holdsOwner(held) {
			if err := requireOwner(m); err != nil {
				return err
			}
		}
		target = u
		return nil
	}
	rs, err := s.d.Tenancy.SetUserRoles(ctx, m.actor(), m.ProjectID, userID, ids, guard)
	if err != nil {
		return nil, s.internal("set roles", err)
	}
	return &MemberRow{User: target, Roles: rbac.Keys(rs)}, nil
}

// SetMemberStatus deactivates (active=false) or reactivates a member. A
// deactivated member's sessions end at their next use. Owners are changed
// only by owners; nobody deactivates themselves here (another admin can),
// and the last active owner stays (last_owner).
func (s *Service) SetMemberStatus(ctx context.Context, m Member, userID string, active bool) (*user.User, error) {
	if err := requireAdmin(m); err != nil {
		return nil, err
	}
	st := string(user.StatusDeactivated)
	if active {
		st = string(user.StatusActive)
	}
	up := tenancy.UserUpdate{Status: &st, Guard: memberChangeGuard(m, "deactivate")}
	out, err := s.d.Tenancy.UpdateUser(ctx, m.actor(), m.ProjectID, userID, up)
	if err != nil {
		return nil, s.internal("set member status", err)
	}
	return out, nil
}

// RemoveMember deletes a member's account at the organization, under the
// same rules as deactivation.
func (s *Service) RemoveMember(ctx context.Context, m Member, userID string) error {
	if err := requireAdmin(m); err != nil {
		return err
	}
	if err := s.d.Tenancy.DeleteUserGuarded(ctx, m.actor(), m.ProjectID, userID, memberChangeGuard(m, "remove")); err != nil {
		return s.internal("remove member", err)
	}
	return nil
}

// CodeSelf refuses an admin action on the admin's own account that would
// lock them out; another admin can do it.
const CodeSelf = "self_change"

// memberChangeGuard is the rule of deactivating or removing a member,
// judged inside the change's transaction on the member's current roles:
// only owners touch an owner, and nobody does it to themselves.
func memberChangeGuard(m Member, verb string) tenancy.UserGuard {
	return func(u *user.User, held []*rbac.Role) error {
		if err := inOrg(m, u); err != nil {
			return err
		}
		if holdsOwner(held) {
			if err := requireOwner(m); err != nil {
				return err
			}
		}
		if u.ID == m.UserID {
			return fault.NewFailedPrecondition(CodeSelf, "you cannot "+verb+" your own account; ask another admin")
		}
		return nil
	}
}

// inOrg refuses a user of another organization or project exactly as one
// that does not exist.
func inOrg(m Member, u *user.User) error {
	if u.ProjectID != m.ProjectID || u.OrganizationID != m.OrgID {
		return fault.NewNotFound("user")
	}
	return nil
}

// holdsOwner reports whether held includes the organization's owner role.
func holdsOwner(held []*rbac.Role) bool {
	return slices.ContainsFunc(held, func(r *rbac.Role) bool {
		return r.Builtin && r.OrganizationID == "" && r.Key == rbac.RoleOwner
	})
}
