package selfserve

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/audit"
	"github.com/gatehouse-auth/gatehouse/internal/fault"
	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/password"
	"github.com/gatehouse-auth/gatehouse/internal/project"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/tenancy"
	"github.com/gatehouse-auth/gatehouse/internal/throttle"
	"github.com/gatehouse-auth/gatehouse/internal/user"
)

// CodePasswordsOff refuses a password change where logins do not use
// passwords: the project does not enable them or the organization's policy
// does not allow them.
const CodePasswordsOff = "passwords_disabled"

// Account is what the member's own pages show.
type Account struct {
	User *user.User
	// Roles are the member's role keys.
	Roles []string
	// HasPassword says whether a password is set (changing it then needs
	// the current one); PasswordsEnabled whether the member's logins may
	// use one (the project enables it and the organization allows it).
	HasPassword      bool
	PasswordsEnabled bool
}

// Account returns the member's own account.
func (s *Service) Account(ctx context.Context, m Member) (*Account, error) {
	if err := requireMember(m); err != nil {
		return nil, err
	}
	u, roles, err := s.orgUser(ctx, m, string(m.UserID))
	if err != nil {
		return nil, err
	}
	on, err := s.passwordsOn(ctx, m)
	if err != nil {
		return nil, err
	}
	has, err := s.hasPassword(ctx, m)
	if err != nil {
		return nil, err
	}
	return &Account{User: u, Roles: roles, HasPassword: has, PasswordsEnabled: on}, nil
}

// passwordsOn reports whether the member's logins may use a password: the
// project enables passwords and the organization's policy allows them.
func (s *Service) passwordsOn(ctx context.Context, m Member) (bool, error) {
	p, err := s.d.Tenancy.GetProject(ctx, m.ProjectID)
	if err != nil {
		return false, s.internal("get project", err)
	}
	o, err := s.d.Tenancy.GetOrganization(ctx, m.ProjectID, string(m.OrgID))
	if err != nil {
		return false, s.internal("get organization", err)
	}
	return slices.Contains(o.EffectiveLoginMethods(p), project.MethodPassword), nil
}

func (s *Service) hasPassword(ctx context.Context, m Member) (bool, error) {
	_, err := s.d.Store.GetPasswordHash(ctx, m.ProjectID, m.UserID)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, s.internal("read password", err)
	}
	return true, nil
}

// UpdateProfile changes the member's own display name.
func (s *Service) UpdateProfile(ctx context.Context, m Member, displayName string) (*user.User, error) {
	if err := requireMember(m); err != nil {
		return nil, err
	}
	u, _, err := s.orgUser(ctx, m, string(m.UserID))
	if err != nil {
		return nil, err
	}
	out, err := s.d.Tenancy.UpdateUser(ctx, m.actor(), m.ProjectID, string(u.ID), tenancy.UserUpdate{DisplayName: &displayName})
	if err != nil {
		return nil, s.internal("update profile", err)
	}
	return out, nil
}

// ChangePassword sets the member's own password. When one is set, the
// current password is required and checked (wrong ones count against the
// same per-account budget as the login's password step). The new one must
// pass the password policy. Every other session of the member ends, in
// the same transaction: whoever knew the old password may hold one.
// A staff member signed in as the user (impersonation) may not do this.
// It returns how many other sessions ended.
func (s *Service) ChangePassword(ctx context.Context, m Member, current, newPassword string) (int64, error) {
	if err := requireMember(m); err != nil {
		return 0, err
	}
	if m.Impersonated {
		return 0, fault.NewForbidden("a password cannot be changed while signed in as someone else")
	}
	u, _, err := s.orgUser(ctx, m, string(m.UserID))
	if err != nil {
		return 0, err
	}
	p, err := s.d.Tenancy.GetProject(ctx, m.ProjectID)
	if err != nil {
		return 0, s.internal("get project", err)
	}
	on, err := s.passwordsOn(ctx, m)
	if err != nil {
		return 0, err
	}
	if !on {
		return 0, fault.NewFailedPrecondition(CodePasswordsOff, "passwords are not used to sign in to this organization")
	}
	old, err := s.d.Store.GetPasswordHash(ctx, m.ProjectID, u.ID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		old = ""
	case err != nil:
		return 0, s.internal("read password", err)
	}
	if old != "" {
		if err := s.checkCurrent(ctx, m, u, current, old); err != nil {
			return 0, err
		}
	}
	if err := password.Check(newPassword, u.Email, p.Name); err != nil {
		var weak *password.Weak
		if errors.As(err, &weak) {
			return 0, fault.InvalidField("new_password", weak.Message)
		}
		return 0, s.internal("judge new password", err)
	}
	h, err := s.d.Hasher.Hash(ctx, newPassword)
	if errors.Is(err, password.ErrBusy) {
		return 0, fault.InvalidField("new_password", "The server is busy. Try again in a moment.")
	}
	if err != nil {
		return 0, s.internal("hash new password", err)
	}
	now := s.now()
	var ended int64
	err = s.d.Store.Write(ctx, func(w store.Writer) error {
		if err := w.SetPasswordHash(ctx, m.ProjectID, u.ID, h, now); err != nil {
			return fmt.Errorf("store password: %w", err)
		}
		typ := "user.password_set"
		if old != "" {
			typ = "user.password_changed"
		}
		if err := w.InsertAuditEvent(ctx, s.event(now, m, typ, "user", string(u.ID), nil)); err != nil {
			return fmt.Errorf("audit password change: %w", err)
		}
		if ended, err = s.endOtherSessions(ctx, w, m, now); err != nil {
			return err
		}
		if s.d.Throttle != nil {
			return s.d.Throttle.ResetIn(ctx, w, m.ProjectID, throttle.PasswordPerAccount, u.Email)
		}
		return nil
	})
	if err != nil {
		return 0, s.internal("change password", err)
	}
	return ended, nil
}

// checkCurrent checks the current password, counting the try first so a
// stolen session cannot guess it without limit.
func (s *Service) checkCurrent(ctx context.Context, m Member, u *user.User, current, hash string) error {
	if current == "" {
		return fault.InvalidField("current_password", "Enter your current password.")
	}
	if s.d.Throttle != nil {
		dec, err := s.d.Throttle.Allow(ctx, m.ProjectID, throttle.PasswordPerAccount, u.Email)
		if err != nil {
			return s.internal("throttle password", err)
		}
		if !dec.Allowed {
			wait := dec.RetryAfter.Round(time.Minute)
			if wait < time.Minute {
				wait = time.Minute
			}
			return fault.InvalidField("current_password", fmt.Sprintf("Too many wrong passwords. Try again in %d minutes.", int(wait.Minutes())))
		}
	}
	ok, _, err := s.d.Hasher.Verify(ctx, current, hash)
	if errors.Is(err, password.ErrBusy) {
		return fault.InvalidField("current_password", "The server is busy. Try again in a moment.")
	}
	if err != nil {
		return s.internal("check password", err)
	}
	if !ok {
		return fault.InvalidField("current_password", "Incorrect password.")
	}
	return nil
}

// endOtherSessions ends the member's live sessions but the current one,
// inside w, with one event counting them like the session service's bulk
// revocations.
func (s *Service) endOtherSessions(ctx context.Context, w store.Writer, m Member, now time.Time) (int64, error) {
	var n int64
	after := ""
	for {
		recs, err := w.ListSessions(ctx, m.ProjectID, store.SessionFilter{UserID: m.UserID, LiveAt: now}, store.Page{After: after, Limit: 500})
		if err != nil {
			return 0, fmt.Errorf("list sessions: %w", err)
		}
		for _, r := range recs {
			if r.ID == m.SessionID {
				continue
			}
			changed, err := w.RevokeSession(ctx, m.ProjectID, r.ID, now, ReasonPasswordChanged)
			if err != nil {
				return 0, fmt.Errorf("revoke session: %w", err)
			}
			if changed {
				n++
			}
		}
		if len(recs) < 500 {
			break
		}
		after = string(recs[len(recs)-1].ID)
	}
	if n == 0 {
		return 0, nil
	}
	ev := s.event(now, m, "session.revoked", "user", string(m.UserID), map[string]any{"revoked_sessions": n, "reason": ReasonPasswordChanged})
	if err := w.InsertAuditEvent(ctx, ev); err != nil {
		return 0, fmt.Errorf("audit ended sessions: %w", err)
	}
	return n, nil
}

// event is an audit event of the member's organization made by the member.
func (s *Service) event(now time.Time, m Member, typ, resourceType, resourceID string, after any) *audit.Event {
	return &audit.Event{
		ID: id.New[id.AuditEvent](now), ProjectID: m.ProjectID, OrganizationID: m.OrgID,
		Actor: m.actor(), Type: typ, ResourceType: resourceType, ResourceID: resourceID,
		Details: audit.Details(nil, after), OccurredAt: now,
	}
}
