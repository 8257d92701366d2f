package tenancy

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/audit"
	"github.com/gatehouse-auth/gatehouse/internal/fault"
	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/rbac"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/user"
)

// ListUserRoles returns the roles a user holds, ordered by key.
func (s *Service) ListUserRoles(ctx context.Context, projectID id.Project, userID string) ([]*rbac.Role, error) {
	uid, err := fault.ParseID[id.User](userID, "user")
	if err != nil {
		return nil, err
	}
	if _, err := s.st.GetUser(ctx, projectID, uid); err != nil {
		return nil, s.classify("user roles", store.NotFoundAs(err, "user"))
	}
	rs, err := s.st.ListUserRoles(ctx, projectID, uid)
	if err != nil {
		return nil, s.classify("user roles", err)
	}
	return rs, nil
}

// RoleKeysOfUsers returns the role keys of each of users (rows already read
// from this project, e.g. a page of ListUsers), keyed by user ID, in one
// store round trip. Users without roles map to an empty list.
func (s *Service) RoleKeysOfUsers(ctx context.Context, projectID id.Project, users []*user.User) (map[id.User][]string, error) {
	ids := make([]id.User, len(users))
	for i, u := range users {
		if u.ProjectID != projectID {
			return nil, fault.NewNotFound("user")
		}
		ids[i] = u.ID
	}
	keys, err := s.st.RoleKeysOfUsers(ctx, projectID, ids)
	if err != nil {
		return nil, s.classify("roles of users", err)
	}
	for _, uid := range ids {
		if keys[uid] == nil {
			keys[uid] = []string{}
		}
	}
	return keys, nil
}

// RoleRef names a role by ID or, when ID is empty, by key as seen from the
// user's organization (its custom roles first, then project-wide roles).
type RoleRef struct {
	ID  string
	Key string
}

// AssignRole gives a user a role. Assigning a role the user already holds
// changes nothing and records nothing.
func (s *Service) AssignRole(ctx context.Context, actor audit.Actor, projectID id.Project, userID string, ref RoleRef) (*rbac.Role, error) {
	uid, err := fault.ParseID[id.User](userID, "user")
	if err != nil {
		return nil, err
	}
	if (ref.ID == "") == (ref.Key == "") {
		return nil, fault.InvalidInput("give exactly one of role_id or role_key",
			fault.FieldViolation{Field: "role_id", Message: "give exactly one of role_id or role_key"})
	}
	var rid id.Role
	if ref.ID != "" {
		if rid, err = fault.ParseID[id.Role](ref.ID, "role"); err != nil {
			return nil, err
		}
	}
	now := s.now()
	var out *rbac.Role
	err = s.write(ctx, "assign role", func(w store.Writer) error {
		// Under the organization lock, so concurrent identical assignments
		// see each other and exactly one records an event.
		u, err := s.lockedUser(ctx, w, projectID, uid)
		if err != nil {
			return err
		}
		var r *rbac.Role
		if rid != "" {
			r, err = w.GetRole(ctx, projectID, rid)
		} else {
			r, err = w.GetRoleByKey(ctx, projectID, u.OrganizationID, ref.Key)
		}
		if err != nil {
			return store.NotFoundAs(err, "role")
		}
		// Another organization's custom role is invisible from this user.
		if r.OrganizationID != "" && r.OrganizationID != u.OrganizationID {
			return fault.NewNotFound("role")
		}
		out = r
		held, err := w.ListUserRoles(ctx, projectID, uid)
		if err != nil {
			return fmt.Errorf("user roles: %w", err)
		}
		for _, h := range held {
			if h.ID == r.ID {
				return nil
			}
		}
		return s.assign(ctx, w, actor, u, r, now)
	})
	return out, err
}

// assign writes one assignment and its audit event.
func (s *Service) assign(ctx context.Context, w store.Writer, actor audit.Actor, u *user.User, r *rbac.Role, now time.Time) error {
	a := &rbac.Assignment{ProjectID: u.ProjectID, OrganizationID: u.OrganizationID, UserID: u.ID, RoleID: r.ID, CreatedAt: now}
	if err := w.AssignRole(ctx, a); err != nil {
		return store.NotFoundAs(err, "role")
	}
	return w.InsertAuditEvent(ctx, event(now, u.ProjectID, u.OrganizationID, actor, "role.assigned", "user", string(u.ID), nil, assignmentSnapshot(u, r)))
}

// UnassignRole takes a role from a user. Taking the owner role from the
// organization's last active owner is refused (last_owner).
func (s *Service) UnassignRole(ctx context.Context, actor audit.Actor, projectID id.Project, userID, roleID string) error {
	uid, err := fault.ParseID[id.User](userID, "user")
	if err != nil {
		return err
	}
	rid, err := fault.ParseID[id.Role](roleID, "role")
	if err != nil {
		return err
	}
	now := s.now()
	return s.write(ctx, "unassign role", func(w store.Writer) error {
		u, err := s.lockedUser(ctx, w, projectID, uid)
		if err != nil {
			return err
		}
		held, err := w.ListUserRoles(ctx, projectID, uid)
		if err != nil {
			return fmt.Errorf("user roles: %w", err)
		}
		var r *rbac.Role
		for _, h := range held {
			if h.ID == rid {
				r = h
			}
		}
		if r == nil {
			return fault.NewNotFound("role assignment")
		}
		if isOwnerRole(r) && u.Status == user.StatusActive {
			if err := s.guardOwnerCount(ctx, w, u, r, "remove the owner role from"); err != nil {
				return err
			}
		}
		return s.unassign(ctx, w, actor, u, r, now)
	})
}

// unassign removes one assignment and writes its audit event.
func (s *Service) unassign(ctx context.Context, w store.Writer, actor audit.Actor, u *user.User, r *rbac.Role, now time.Time) error {
	if err := w.UnassignRole(ctx, u.ProjectID, u.ID, r.ID); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return fault.NewNotFound("role assignment")
		}
		return fmt.Errorf("unassign: %w", err)
	}
	return w.InsertAuditEvent(ctx, event(now, u.ProjectID, u.OrganizationID, actor, "role.unassigned", "user", string(u.ID), assignmentSnapshot(u, r), nil))
}

// UserGuard decides, inside the transaction that changes a user and under
// its organization's lock, whether the change may go ahead, seeing the user
// and the roles it holds now. Its error aborts the change with nothing
// written. Callers with rules of their own (self-serve: only owners touch
// owners) check them here rather than on an earlier read, which a
// concurrent change could have made stale.
type UserGuard func(u *user.User, held []*rbac.Role) error

// SetUserRoles gives a user exactly roleIDs (each a project-wide role or a
// custom role of the user's organization), assigning what is missing and
// taking what is extra, all in one transaction: either the whole set is
// in place or nothing changed. guard (nil: none) runs first, on the roles
// held now. Taking the owner role from the organization's last active owner
// is refused (last_owner). Each assignment change is audited as by
// AssignRole and UnassignRole. It returns the roles held afterwards,
// ordered by key.
func (s *Service) SetUserRoles(ctx context.Context, actor audit.Actor, projectID id.Project, userID string, roleIDs []string, guard UserGuard) ([]*rbac.Role, error) {
	uid, err := fault.ParseID[id.User](userID, "user")
	if err != nil {
		return nil, err
	}
	rids := make([]id.Role, 0, len(roleIDs))
	for _, v := range dedupe(roleIDs) {
		rid, err := fault.ParseID[id.Role](v, "role")
		if err != nil {
			return nil, err
		}
		rids = append(rids, rid)
	}
	now := s.now()
	var out []*rbac.Role
	err = s.write(ctx, "set user roles", func(w store.Writer) error {
		u, err := s.lockedUser(ctx, w, projectID, uid)
		if err != nil {
			return err
		}
		held, err := w.ListUserRoles(ctx, projectID, uid)
		if err != nil {
			return fmt.Errorf("user roles: %w", err)
		}
		if guard != nil {
			if err := guard(u, held); err != nil {
				return err
			}
		}
		want := make([]*rbac.Role, 0, len(rids))
		for _, rid := range rids {
			r, err := w.GetRole(ctx, projectID, rid)
			if err != nil {
				return store.NotFoundAs(err, "role")
			}
			// Another organization's custom role is invisible from this user.
			if r.OrganizationID != "" && r.OrganizationID != u.OrganizationID {
				return fault.NewNotFound("role")
			}
			want = append(want, r)
		}
		has := func(rs []*rbac.Role, r *rbac.Role) bool {
			return slices.ContainsFunc(rs, func(x *rbac.Role) bool { return x.ID == r.ID })
		}
		// The last-owner rule on the result, before anything is written.
		for _, h := range held {
			if isOwnerRole(h) && !has(want, h) && u.Status == user.StatusActive {
				if err := s.guardOwnerCount(ctx, w, u, h, "remove the owner role from"); err != nil {
					return err
				}
			}
		}
		for _, r := range want {
			if !has(held, r) {
				if err := s.assign(ctx, w, actor, u, r, now); err != nil {
					return err
				}
			}
		}
		for _, h := range held {
			if !has(want, h) {
				if err := s.unassign(ctx, w, actor, u, h, now); err != nil {
					return err
				}
			}
		}
		slices.SortFunc(want, func(a, b *rbac.Role) int { return strings.Compare(a.Key, b.Key) })
		out = want
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
