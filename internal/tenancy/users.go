package tenancy

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"golang.org/x/text/unicode/norm"

	"github.com/gatehouse-auth/gatehouse/internal/audit"
	"github.com/gatehouse-auth/gatehouse/internal/fault"
	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/rbac"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/user"
)

// UserInput is what creating a user takes.
type UserInput struct {
	OrganizationID string
	Email          string
	DisplayName    string
	EmailVerified  bool
	// Roles are role keys to give the user (default: member). The first
	// member of an organization without an active owner also becomes owner.
	Roles []string
	// InTransaction, when set, runs in the transaction that creates the
	// user, after its roles: what it writes commits or rolls back with the
	// user, and its error undoes the creation (the login flow accepts the
	// invitation that let the person in).
	InTransaction func(ctx context.Context, w store.Writer, u *user.User) error
}

// CreateUser creates a user in an organization with its first roles.
func (s *Service) CreateUser(ctx context.Context, actor audit.Actor, projectID id.Project, in UserInput) (*user.User, []*rbac.Role, error) {
	if strings.TrimSpace(in.OrganizationID) == "" {
		return nil, nil, fault.InvalidField("organization_id", "is required: every user belongs to an organization")
	}
	oid, err := fault.ParseID[id.Org](in.OrganizationID, "organization")
	if err != nil {
		return nil, nil, err
	}
	now := s.now()
	u, err := user.New(projectID, oid, in.Email, in.DisplayName, now)
	if err != nil {
		return nil, nil, fault.From(err)
	}
	u.EmailVerified = in.EmailVerified
	var roles []*rbac.Role
	err = s.write(ctx, "create user", func(w store.Writer) error {
		if _, err := w.GetOrganization(ctx, projectID, oid); err != nil {
			return store.NotFoundAs(err, "organization")
		}
		// Serialise with other membership changes so two concurrent first
		// members cannot both become the owner.
		if err := w.LockOrganization(ctx, projectID, oid); err != nil {
			return fmt.Errorf("lock organization: %w", err)
		}
		roles, err = s.initialRoles(ctx, w, projectID, oid, in.Roles)
		if err != nil {
			return err
		}
		if err := w.CreateUser(ctx, u); err != nil {
			if errors.Is(err, store.ErrConflict) {
				return emailTaken()
			}
			return store.NotFoundAs(err, "organization")
		}
		after := userSnapshot(u)
		after["roles"] = rbac.Keys(roles)
		if err := w.InsertAuditEvent(ctx, event(now, projectID, oid, actor, "user.created", "user", string(u.ID), nil, after)); err != nil {
			return fmt.Errorf("audit user: %w", err)
		}
		for _, r := range roles {
			if err := s.assign(ctx, w, actor, u, r, now); err != nil {
				return err
			}
		}
		if in.InTransaction != nil {
			return in.InTransaction(ctx, w, u)
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return u, roles, nil
}

func emailTaken() error {
	return fault.NewConflict(fault.CodeEmailTaken, "a user with this email already exists in the organization")
}

// initialRoles resolves the roles a new user starts with: the given keys, or
// member by default. An organization always has an owner, so its first member
// (no active owner yet) is made owner in any case.
func (s *Service) initialRoles(ctx context.Context, w store.Writer, projectID id.Project, orgID id.Org, keys []string) ([]*rbac.Role, error) {
	owner, err := w.GetRoleByKey(ctx, projectID, orgID, rbac.RoleOwner)
	if err != nil {
		return nil, fmt.Errorf("owner role: %w", err)
	}
	n, err := w.CountRoleMembers(ctx, projectID, orgID, owner.ID)
	if err != nil {
		return nil, fmt.Errorf("count owners: %w", err)
	}
	if len(keys) == 0 {
		if n == 0 {
			return []*rbac.Role{owner}, nil
		}
		keys = []string{rbac.RoleMember}
	}
	var out []*rbac.Role
	hasOwner := false
	for _, k := range dedupe(keys) {
		r, err := w.GetRoleByKey(ctx, projectID, orgID, k)
		if errors.Is(err, store.ErrNotFound) {
			return nil, fault.InvalidInput("roles: unknown role "+quote(k), fault.FieldViolation{Field: "roles", Message: "unknown role " + quote(k), Value: k})
		}
		if err != nil {
			return nil, fmt.Errorf("role %s: %w", k, err)
		}
		hasOwner = hasOwner || r.ID == owner.ID
		out = append(out, r)
	}
	if n == 0 && !hasOwner {
		out = append(out, owner)
	}
	// In key order, as every read of a user's roles returns them.
	slices.SortFunc(out, func(a, b *rbac.Role) int { return strings.Compare(a.Key, b.Key) })
	return out, nil
}

// GetUser returns one user of the project.
func (s *Service) GetUser(ctx context.Context, projectID id.Project, userID string) (*user.User, error) {
	uid, err := fault.ParseID[id.User](userID, "user")
	if err != nil {
		return nil, err
	}
	u, err := s.st.GetUser(ctx, projectID, uid)
	if err != nil {
		return nil, s.classify("get user", store.NotFoundAs(err, "user"))
	}
	return u, nil
}

// UserListFilter narrows ListUsers; empty fields do not filter.
type UserListFilter struct {
	OrganizationID string
	Email          string
	// Search: the email, the display name or a word of it starts with this
	// (case-insensitive; surrounding spaces ignored).
	Search string
}

// ListUsers lists the project's users in creation order.
func (s *Service) ListUsers(ctx context.Context, projectID id.Project, f UserListFilter, page store.Page) ([]*user.User, error) {
	var sf store.UserFilter
	if f.OrganizationID != "" {
		oid, err := id.Parse[id.Org](f.OrganizationID)
		if err != nil {
			// No organization has a malformed ID: nothing matches.
			return []*user.User{}, nil
		}
		sf.OrganizationID = oid
	}
	if f.Email != "" {
		e, err := user.NormalizeEmail(f.Email)
		if err != nil {
			return []*user.User{}, nil
		}
		sf.Email = e
	}
	sf.Search = strings.TrimSpace(f.Search)
	us, err := s.st.ListUsers(ctx, projectID, sf, clampPage(page))
	if err != nil {
		return nil, s.classify("list users", err)
	}
	return us, nil
}

// UserUpdate is a partial update of a user; nil fields stay unchanged.
type UserUpdate struct {
	Email         *string
	DisplayName   *string
	EmailVerified *bool
	Status        *string
	// Guard, when set, decides on the user and the roles it holds now,
	// inside the update's transaction, before anything is written.
	Guard UserGuard
}

// UpdateUser changes a user. Deactivating the organization's last active
// owner is refused (last_owner).
func (s *Service) UpdateUser(ctx context.Context, actor audit.Actor, projectID id.Project, userID string, up UserUpdate) (*user.User, error) {
	uid, err := fault.ParseID[id.User](userID, "user")
	if err != nil {
		return nil, err
	}
	var email string
	if up.Email != nil {
		if email, err = user.NormalizeEmail(*up.Email); err != nil {
			return nil, fault.From(err)
		}
	}
	now := s.now()
	var out *user.User
	err = s.write(ctx, "update user", func(w store.Writer) error {
		u, err := s.lockedUser(ctx, w, projectID, uid)
		if err != nil {
			return err
		}
		if err := s.runGuard(ctx, w, u, up.Guard); err != nil {
			return err
		}
		before := userSnapshot(u)
		deactivating := false
		if up.Email != nil && email != u.Email {
			u.Email = email
			// A changed address is not proven yet unless the caller says so.
			u.EmailVerified = false
		}
		setBool(&u.EmailVerified, up.EmailVerified)
		if up.DisplayName != nil {
			u.DisplayName = strings.TrimSpace(norm.NFC.String(*up.DisplayName))
		}
		if up.Status != nil {
			st := user.Status(*up.Status)
			if !st.Valid() {
				return fault.InvalidField("status", "must be active or deactivated")
			}
			if st == user.StatusDeactivated && u.Status == user.StatusActive {
				if err := s.guardLastOwner(ctx, w, u, "deactivate"); err != nil {
					return err
				}
				deactivating = true
			}
			u.Status = st
		}
		if err := u.Validate(); err != nil {
			return err
		}
		// A request that changes nothing writes nothing and records nothing.
		if unchanged(before, userSnapshot(u)) {
			out = u
			return nil
		}
		u.UpdatedAt = now
		if err := w.UpdateUser(ctx, u); err != nil {
			if errors.Is(err, store.ErrConflict) {
				return emailTaken()
			}
			return store.NotFoundAs(err, "user")
		}
		out = u
		if err := w.InsertAuditEvent(ctx, event(now, projectID, u.OrganizationID, actor, "user.updated", "user", string(u.ID), before, userSnapshot(u))); err != nil {
			return err
		}
		if !deactivating {
			return nil
		}
		// A deactivated user is signed out everywhere at once, whichever
		// surface deactivated them, not only at each session's next use.
		n, err := w.RevokeUserSessions(ctx, projectID, u.ID, now, RevokeReasonUserDeactivated)
		if err != nil {
			return fmt.Errorf("revoke the user's sessions: %w", err)
		}
		return recordRevoked(ctx, w, now, projectID, u.OrganizationID, actor, "user", string(u.ID), n, RevokeReasonUserDeactivated)
	})
	return out, err
}

// DeleteUser deletes a user and its role assignments. Deleting the
// organization's last active owner is refused (last_owner).
func (s *Service) DeleteUser(ctx context.Context, actor audit.Actor, projectID id.Project, userID string) error {
	return s.DeleteUserGuarded(ctx, actor, projectID, userID, nil)
}

// DeleteUserGuarded is DeleteUser with guard (nil: none) deciding, inside
// the transaction and under the organization lock, on the user and the
// roles it holds now.
func (s *Service) DeleteUserGuarded(ctx context.Context, actor audit.Actor, projectID id.Project, userID string, guard UserGuard) error {
	uid, err := fault.ParseID[id.User](userID, "user")
	if err != nil {
		return err
	}
	now := s.now()
	return s.write(ctx, "delete user", func(w store.Writer) error {
		u, err := s.lockedUser(ctx, w, projectID, uid)
		if err != nil {
			return err
		}
		if err := s.runGuard(ctx, w, u, guard); err != nil {
			return err
		}
		if err := s.guardLastOwner(ctx, w, u, "delete"); err != nil {
			return err
		}
		roles, err := w.ListUserRoles(ctx, projectID, uid)
		if err != nil {
			return fmt.Errorf("user roles: %w", err)
		}
		if err := w.DeleteUser(ctx, projectID, uid); err != nil {
			return store.NotFoundAs(err, "user")
		}
		before := userSnapshot(u)
		before["roles"] = rbac.Keys(roles)
		return w.InsertAuditEvent(ctx, event(now, projectID, u.OrganizationID, actor, "user.deleted", "user", string(u.ID), before, nil))
	})
}

// lockedUser reads a user, locks its organization's membership, and reads the
// user again so the state checked is the state under the lock.
func (s *Service) lockedUser(ctx context.Context, w store.Writer, projectID id.Project, uid id.User) (*user.User, error) {
	u, err := w.GetUser(ctx, projectID, uid)
	if err != nil {
		return nil, store.NotFoundAs(err, "user")
	}
	if err := w.LockOrganization(ctx, projectID, u.OrganizationID); err != nil {
		return nil, fmt.Errorf("lock organization: %w", err)
	}
	u, err = w.GetUser(ctx, projectID, uid)
	if err != nil {
		return nil, store.NotFoundAs(err, "user")
	}
	return u, nil
}

// runGuard calls guard, if any, with u and the roles u holds now; the
// caller holds the organization lock.
func (s *Service) runGuard(ctx context.Context, w store.Writer, u *user.User, guard UserGuard) error {
	if guard == nil {
		return nil
	}
	held, err := w.ListUserRoles(ctx, u.ProjectID, u.ID)
	if err != nil {
		return fmt.Errorf("user roles: %w", err)
	}
	return guard(u, held)
}

// guardLastOwner refuses a change that would leave u's organization without
// an active owner, when u is an active owner. The caller holds the
// organization lock, so concurrent demotions see each other's effect.
func (s *Service) guardLastOwner(ctx context.Context, w store.Writer, u *user.User, verb string) error {
	if u.Status != user.StatusActive {
		return nil
	}
	roles, err := w.ListUserRoles(ctx, u.ProjectID, u.ID)
	if err != nil {
		return fmt.Errorf("user roles: %w", err)
	}
	for _, r := range roles {
		if isOwnerRole(r) {
			return s.guardOwnerCount(ctx, w, u, r, verb)
		}
	}
	return nil
}

func (s *Service) guardOwnerCount(ctx context.Context, w store.Writer, u *user.User, owner *rbac.Role, verb string) error {
	n, err := w.CountRoleMembers(ctx, u.ProjectID, u.OrganizationID, owner.ID)
	if err != nil {
		return fmt.Errorf("count owners: %w", err)
	}
	if n <= 1 {
		return fault.NewFailedPrecondition(fault.CodeLastOwner,
			"cannot "+verb+" the last active owner of the organization; make another member an owner first")
	}
	return nil
}

func isOwnerRole(r *rbac.Role) bool {
	return r.Builtin && r.OrganizationID == "" && r.Key == rbac.RoleOwner
}

func quote(s string) string { return fmt.Sprintf("%q", s) }
