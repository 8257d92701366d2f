// Package org holds the Organization type: one of the vendor's customers, the
// tenant that is billed and that sets login policy for its users.
package org

import (
	"strings"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/project"
	"github.com/gatehouse-auth/gatehouse/internal/rbac"
)

// Organization is a tenant of a project.
type Organization struct {
	ID        id.Org
	ProjectID id.Project
	Name      string
	Policy    Policy
	// MemberCount is the number of users in the organization (any status).
	MemberCount int64
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Policy is what an organization requires of every login of its users.
type Policy struct {
	// AllowedLoginMethods is a subset of the methods the project enables; by
	// default every method, so the project's settings alone decide.
	AllowedLoginMethods []project.LoginMethod
	RequireMFA          bool
	RequireSSO          bool
	// SessionMaxLifetime and SessionIdleTimeout override the project's
	// defaults when non-nil.
	SessionMaxLifetime *time.Duration
	SessionIdleTimeout *time.Duration
	// LoginsDisabled is the organization-wide kill switch.
	LoginsDisabled bool
	// JoinByDomain lets people with a verified email at one of the
	// organization's verified domains join it at login (just in time),
	// with the role JoinRoleKey ("" means member).
	JoinByDomain bool
	JoinRoleKey  string
}

// DefaultJoinRoleKey is the role people who join by domain get unless the
// organization names another.
const DefaultJoinRoleKey = rbac.RoleMember

// JoinRole is the key of the role given to people who join by domain.
func (p Policy) JoinRole() string {
	if p.JoinRoleKey == "" {
		return DefaultJoinRoleKey
	}
	return p.JoinRoleKey
}

// DefaultPolicy allows every method, inherits the project's session rules
// and lets nobody join by domain (members when turned on).
func DefaultPolicy() Policy {
	return Policy{
		AllowedLoginMethods: append([]project.LoginMethod(nil), project.AllMethods...),
		JoinRoleKey:         DefaultJoinRoleKey,
	}
}

// New returns a new organization with the default policy.
func New(projectID id.Project, name string, now time.Time) (*Organization, error) {
	o := &Organization{
		ID:        id.New[id.Org](now),
		ProjectID: projectID,
		Name:      strings.TrimSpace(name),
		Policy:    DefaultPolicy(),
		CreatedAt: now,
		UpdatedAt: now,
	}
	return o, o.Validate()
}

// Validate checks the organization's fields.
func (o *Organization) Validate() error {
	if err := project.ValidateName("name", o.Name); err != nil {
		return err
	}
	for _, m := range o.Policy.AllowedLoginMethods {
		if !m.Valid() {
			return &project.FieldError{Field: "allowed_login_methods", Message: "unknown login method " + string(m)}
		}
	}
	if d := o.Policy.SessionMaxLifetime; d != nil && (*d < time.Minute || *d > 366*24*time.Hour) {
		return &project.FieldError{Field: "session_max_lifetime_seconds", Message: "must be between 60 seconds and 366 days"}
	}
	if d := o.Policy.SessionIdleTimeout; d != nil && (*d < time.Minute || *d > 366*24*time.Hour) {
		return &project.FieldError{Field: "session_idle_timeout_seconds", Message: "must be between 60 seconds and 366 days"}
	}
	// Joining by domain must never hand out ownership: anyone with a
	// mailbox at the domain would own the organization. Whether the role
	// exists is checked where roles can be read (package tenancy).
	if o.Policy.JoinRole() == rbac.RoleOwner {
		return &project.FieldError{Field: "join_role", Message: "people who join by domain cannot be made owners; choose another role"}
	}
	return nil
}

// EffectiveLoginMethods is what a user of this organization may use: the
// organization's allowed methods that the project also enables.
func (o *Organization) EffectiveLoginMethods(p *project.Project) []project.LoginMethod {
	enabled := map[project.LoginMethod]bool{}
	for _, m := range p.EnabledLoginMethods {
		enabled[m] = true
	}
	out := []project.LoginMethod{}
	for _, m := range o.Policy.AllowedLoginMethods {
		if enabled[m] {
			out = append(out, m)
		}
	}
	return out
}
