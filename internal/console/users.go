package console

import (
	"context"
	"strings"
	"unicode/utf8"

	"github.com/gatehouse-auth/gatehouse/internal/audit"
	"github.com/gatehouse-auth/gatehouse/internal/fault"
	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/rbac"
	"github.com/gatehouse-auth/gatehouse/internal/session"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/tenancy"
	"github.com/gatehouse-auth/gatehouse/internal/user"
)

// ListUsers lists a project's users, optionally of one organization or with
// one email.
func (s *Service) ListUsers(ctx context.Context, st *Staff, projectID id.Project, f tenancy.UserListFilter, page store.Page) ([]*user.User, error) {
	if err := s.allow(st); err != nil {
		return nil, err
	}
	return s.d.Tenancy.ListUsers(ctx, projectID, f, page)
}

// GetUser returns one user with the roles they hold.
func (s *Service) GetUser(ctx context.Context, st *Staff, projectID id.Project, userID string) (*user.User, []*rbac.Role, error) {
	if err := s.allow(st); err != nil {
		return nil, nil, err
	}
	u, err := s.d.Tenancy.GetUser(ctx, projectID, userID)
	if err != nil {
		return nil, nil, err
	}
	roles, err := s.d.Tenancy.ListUserRoles(ctx, projectID, userID)
	if err != nil {
		return nil, nil, err
	}
	return u, roles, nil
}

// AssignRole gives a user a role by key.
func (s *Service) AssignRole(ctx context.Context, st *Staff, projectID id.Project, userID, roleKey string) (*rbac.Role, error) {
	if err := s.allow(st); err != nil {
		return nil, err
	}
	return s.d.Tenancy.AssignRole(ctx, st.Actor(), projectID, userID, tenancy.RoleRef{Key: roleKey})
}

// UnassignRole takes a role from a user.
func (s *Service) UnassignRole(ctx context.Context, st *Staff, projectID id.Project, userID, roleID string) error {
	if err := s.allow(st); err != nil {
		return err
	}
	return s.d.Tenancy.UnassignRole(ctx, st.Actor(), projectID, userID, roleID)
}

// SetUserStatus deactivates or reactivates a user. Deactivating also ends
// the user's sessions (the tenancy layer does it, whoever deactivates).
func (s *Service) SetUserStatus(ctx context.Context, st *Staff, projectID id.Project, userID string, status user.Status) (*user.User, error) {
	if err := s.allow(st); err != nil {
		return nil, err
	}
	v := string(status)
	return s.d.Tenancy.UpdateUser(ctx, st.Actor(), projectID, userID, tenancy.UserUpdate{Status: &v})
}

// ListUserSessions lists a user's live sessions.
func (s *Service) ListUserSessions(ctx context.Context, st *Staff, projectID id.Project, userID id.User) ([]*session.Session, error) {
	if err := s.allow(st); err != nil {
		return nil, err
	}
	return s.d.Sessions.List(ctx, projectID, session.Filter{UserID: userID, ActiveOnly: true}, store.Page{})
}

// RevokeSession ends one session. Signing out a session of an
// impersonation ends the whole impersonation (session.Service.Revoke does),
// recorded as impersonation.ended by the staff member.
func (s *Service) RevokeSession(ctx context.Context, st *Staff, projectID id.Project, sessionID id.Session) error {
	if err := s.allow(st); err != nil {
		return err
	}
	return s.d.Sessions.Revoke(session.WithActor(ctx, st.Actor()), projectID, sessionID, "revoked by staff")
}

// RevokeUserSessions ends every live session of a user.
func (s *Service) RevokeUserSessions(ctx context.Context, st *Staff, projectID id.Project, userID id.User) (int64, error) {
	if err := s.allow(st); err != nil {
		return 0, err
	}
	return s.d.Sessions.RevokeUser(session.WithActor(ctx, st.Actor()), projectID, userID, "revoked by staff")
}

// MaxReasonLength bounds an impersonation's stated reason.
const MaxReasonLength = 500

// ImpersonationInput is what starting an impersonation takes besides the
// user: the reason is required and lands in the audit log and the session.
type ImpersonationInput struct {
	Reason    string
	UserAgent string
	IP        string
}

// Impersonate starts a browser session of the project as the user, for at
// most session.MaxImpersonation, and returns it with its cookie value. Staff
// accounts cannot be impersonated: the console itself is never entered as
// someone else.
func (s *Service) Impersonate(ctx context.Context, st *Staff, projectID id.Project, userID string, in ImpersonationInput) (*session.Session, string, error) {
	if err := s.allow(st); err != nil {
		return nil, "", err
	}
	reason := strings.TrimSpace(in.Reason)
	if reason == "" {
		return nil, "", fault.InvalidField("reason", "say why you are signing in as this user; it is recorded in the audit log")
	}
	if utf8.RuneCountInString(reason) > MaxReasonLength {
		return nil, "", fault.InvalidField("reason", "must be at most 500 characters")
	}
	if projectID == s.ProjectID(ctx) {
		return nil, "", fault.NewForbidden("staff accounts cannot be impersonated")
	}
	u, err := s.d.Tenancy.GetUser(ctx, projectID, userID)
	if err != nil {
		return nil, "", err
	}
	if u.Status != user.StatusActive {
		return nil, "", fault.NewFailedPrecondition("user_deactivated", "a deactivated user cannot be impersonated")
	}
	return s.d.Sessions.Impersonate(ctx, session.Impersonation{
		ProjectID: projectID, UserID: u.ID, Staff: st.Actor(), StaffEmail: st.Email, Reason: reason,
		UserAgent: in.UserAgent, IP: in.IP,
	})
}

// ListRoles lists a project's roles (project-wide, plus orgID's custom ones
// when set).
func (s *Service) ListRoles(ctx context.Context, st *Staff, projectID id.Project, orgID string) ([]*rbac.Role, error) {
	if err := s.allow(st); err != nil {
		return nil, err
	}
	return s.d.Tenancy.ListRoles(ctx, projectID, orgID, store.Page{})
}

// CreateRole creates a role.
func (s *Service) CreateRole(ctx context.Context, st *Staff, projectID id.Project, in tenancy.RoleInput) (*rbac.Role, error) {
	if err := s.allow(st); err != nil {
		return nil, err
	}
	return s.d.Tenancy.CreateRole(ctx, st.Actor(), projectID, in)
}

// UpdateRole changes a role's name, description or permissions.
func (s *Service) UpdateRole(ctx context.Context, st *Staff, projectID id.Project, roleID string, up tenancy.RoleUpdate) (*rbac.Role, error) {
	if err := s.allow(st); err != nil {
		return nil, err
	}
	return s.d.Tenancy.UpdateRole(ctx, st.Actor(), projectID, roleID, up)
}

// DeleteRole deletes a role that is not built in.
func (s *Service) DeleteRole(ctx context.Context, st *Staff, projectID id.Project, roleID string) error {
	if err := s.allow(st); err != nil {
		return err
	}
	return s.d.Tenancy.DeleteRole(ctx, st.Actor(), projectID, roleID)
}

// ListPermissions lists a project's permissions.
func (s *Service) ListPermissions(ctx context.Context, st *Staff, projectID id.Project) ([]*rbac.Permission, error) {
	if err := s.allow(st); err != nil {
		return nil, err
	}
	return s.d.Tenancy.ListPermissions(ctx, projectID, store.Page{})
}

// CreatePermission defines a permission.
func (s *Service) CreatePermission(ctx context.Context, st *Staff, projectID id.Project, in tenancy.PermissionInput) (*rbac.Permission, error) {
	if err := s.allow(st); err != nil {
		return nil, err
	}
	return s.d.Tenancy.CreatePermission(ctx, st.Actor(), projectID, in)
}

// DeletePermission deletes a permission (and takes it out of every role).
func (s *Service) DeletePermission(ctx context.Context, st *Staff, projectID id.Project, permID string) error {
	if err := s.allow(st); err != nil {
		return err
	}
	return s.d.Tenancy.DeletePermission(ctx, st.Actor(), projectID, permID)
}

// ListAuditEvents lists a project's audit log, newest first.
func (s *Service) ListAuditEvents(ctx context.Context, st *Staff, projectID id.Project, f tenancy.AuditFilter, page store.Page) ([]*audit.Event, error) {
	if err := s.allow(st); err != nil {
		return nil, err
	}
	return s.d.Tenancy.ListAuditEvents(ctx, projectID, f, page)
}
