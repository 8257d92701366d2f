package selfserve

import (
	"context"
	"slices"
	"strings"

	"github.com/gatehouse-auth/gatehouse/internal/fault"
	"github.com/gatehouse-auth/gatehouse/internal/rbac"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/tenancy"
	"github.com/gatehouse-auth/gatehouse/internal/user"
)

// MemberRow is one member of the organization as the members page lists it.
type MemberRow struct {
	User *user.User
	// Roles are the member's role keys, sorted.
	Roles []string
}

// searchScan bounds how many users one search request reads: the filter
// runs over the organization's users page by page, and a search that
// matches little in a very large organization continues on the next page
// rather than reading everything at once.
const searchScan = 5000

// ListMembers lists the organization's members in creation order; search,
// when set, keeps those whose email or any word of whose name starts with
// it (case-insensitive). next is the cursor of the following page.
func (s *Service) ListMembers(ctx context.Context, m Member, search string, page Page) (rows []MemberRow, next string, err error) {
	if err := requireAdmin(m); err != nil {
		return nil, "", err
	}
	sp := page.store()
	want := sp.Limit
	search = strings.ToLower(strings.TrimSpace(search))
	var found []*user.User
	scanned := 0
	cursor := sp.After
	for len(found) < want {
		batch := store.Page{After: cursor, Limit: want}
		if search != "" {
			batch.Limit = tenancy.MaxPageSize
		}
		us, err := s.d.Tenancy.ListUsers(ctx, m.ProjectID, tenancy.UserListFilter{OrganizationID: string(m.OrgID)}, batch)
		if err != nil {
			return nil, "", s.internal("list members", err)
		}
		for _, u := range us {
			cursor = string(u.ID)
			scanned++
			if u.OrganizationID != m.OrgID || !matches(u, search) {
				continue
			}
			found = append(found, u)
			if len(found) == want {
				break
			}
		}
		switch {
		case len(found) == want:
			next = string(found[len(found)-1].ID)
		case len(us) < batch.Limit:
			next = ""
		case scanned >= searchScan:
			// Stop here; the page says more may follow.
			next = cursor
		default:
			continue
		}
		break
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

// matches reports whether the user's email, or a word of its name, starts
// with q (already lower-cased); "" matches everyone.
func matches(u *user.User, q string) bool {
	if q == "" || strings.HasPrefix(strings.ToLower(u.Email), q) {
		return true
	}
	name := strings.ToLower(u.DisplayName)
	if strings.HasPrefix(name, q) {
		return true
	}
	for _, w := range strings.Fields(name) {
		if strings.HasPrefix(w, q) {
			return true
		}
	}
	return false
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

// ChangeRole gives a member exactly the role roleKey (one of the roles the
// organization sees), taking the others. Giving or taking the owner role is
// for owners only; taking it from the last active owner is refused
// (last_owner) before anything changes.
func (s *Service) ChangeRole(ctx context.Context, m Member, userID, roleKey string) (*MemberRow, error) {
	if err := requireAdmin(m); err != nil {
		return nil, err
	}
	u, held, err := s.orgUser(ctx, m, userID)
	if err != nil {
		return nil, err
	}
	roles, err := s.visibleRoles(ctx, m)
	if err != nil {
		return nil, err
	}
	i := slices.IndexFunc(roles, func(r *rbac.Role) bool { return r.Key == roleKey })
	if i < 0 {
		return nil, fault.InvalidField("role", "choose one of the organization's roles")
	}
	target := roles[i]
	if target.Key == rbac.RoleOwner || slices.Contains(held, rbac.RoleOwner) {
		if err := requireOwner(m); err != nil {
			return nil, err
		}
	}
	actor := m.actor()
	heldRoles, err := s.d.Tenancy.ListUserRoles(ctx, m.ProjectID, string(u.ID))
	if err != nil {
		return nil, s.internal("change role", err)
	}
	// The owner role goes first: if that is refused (the last owner),
	// nothing else has changed.
	for _, r := range heldRoles {
		if r.ID == target.ID || r.Key != rbac.RoleOwner {
			continue
		}
		if err := s.d.Tenancy.UnassignRole(ctx, actor, m.ProjectID, string(u.ID), string(r.ID)); err != nil {
			return nil, s.internal("change role", err)
		}
	}
	if _, err := s.d.Tenancy.AssignRole(ctx, actor, m.ProjectID, string(u.ID), tenancy.RoleRef{ID: string(target.ID)}); err != nil {
		return nil, s.internal("change role", err)
	}
	for _, r := range heldRoles {
		if r.ID == target.ID || r.Key == rbac.RoleOwner {
			continue
		}
		if err := s.d.Tenancy.UnassignRole(ctx, actor, m.ProjectID, string(u.ID), string(r.ID)); err != nil {
			return nil, s.internal("change role", err)
		}
	}
	return &MemberRow{User: u, Roles: []string{target.Key}}, nil
}

// SetMemberStatus deactivates (active=false) or reactivates a member. A
// deactivated member's sessions end at their next use. Owners are changed
// only by owners; nobody deactivates themselves here (another admin can),
// and the last active owner stays (last_owner).
func (s *Service) SetMemberStatus(ctx context.Context, m Member, userID string, active bool) (*user.User, error) {
	u, err := s.guardMemberChange(ctx, m, userID, "deactivate")
	if err != nil {
		return nil, err
	}
	st := string(user.StatusDeactivated)
	if active {
		st = string(user.StatusActive)
	}
	out, err := s.d.Tenancy.UpdateUser(ctx, m.actor(), m.ProjectID, string(u.ID), tenancy.UserUpdate{Status: &st})
	if err != nil {
		return nil, s.internal("set member status", err)
	}
	return out, nil
}

// RemoveMember deletes a member's account at the organization, under the
// same rules as deactivation.
func (s *Service) RemoveMember(ctx context.Context, m Member, userID string) error {
	u, err := s.guardMemberChange(ctx, m, userID, "remove")
	if err != nil {
		return err
	}
	if err := s.d.Tenancy.DeleteUser(ctx, m.actor(), m.ProjectID, string(u.ID)); err != nil {
		return s.internal("remove member", err)
	}
	return nil
}

// CodeSelf refuses an admin action on the admin's own account that would
// lock them out; another admin can do it.
const CodeSelf = "self_change"

func (s *Service) guardMemberChange(ctx context.Context, m Member, userID, verb string) (*user.User, error) {
	if err := requireAdmin(m); err != nil {
		return nil, err
	}
	u, held, err := s.orgUser(ctx, m, userID)
	if err != nil {
		return nil, err
	}
	if slices.Contains(held, rbac.RoleOwner) {
		if err := requireOwner(m); err != nil {
			return nil, err
		}
	}
	if u.ID == m.UserID {
		return nil, fault.NewFailedPrecondition(CodeSelf, "you cannot "+verb+" your own account; ask another admin")
	}
	return u, nil
}
