// Package rbac holds permissions, roles and role assignments.
//
// The vendor defines permissions (like "invoices.read") and roles (named sets
// of permissions) per project. Organizations may add custom roles when the
// project allows it. Every project has three built-in roles: owner, admin and
// member. An organization always keeps at least one owner.
package rbac

import (
	"regexp"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/project"
)

// Built-in role keys.
const (
	RoleOwner  = "owner"
	RoleAdmin  = "admin"
	RoleMember = "member"
)

// Permission is a capability the vendor's app checks, like "invoices.read".
type Permission struct {
	ID          id.Permission
	ProjectID   id.Project
	Key         string
	Description string
	CreatedAt   time.Time
}

// Role is a named set of permissions. OrganizationID is empty for project-wide
// roles and set for an organization's custom roles.
type Role struct {
	ID             id.Role
	ProjectID      id.Project
	OrganizationID id.Org
	Key            string
	Name           string
	Description    string
	Builtin        bool
	// Permissions are permission keys, sorted.
	Permissions []string
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Keys returns the roles' keys, in the roles' order.
func Keys(rs []*Role) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.Key
	}
	return out
}

// Assignment gives a user a role.
type Assignment struct {
	ProjectID      id.Project
	OrganizationID id.Org
	UserID         id.User
	RoleID         id.Role
	CreatedAt      time.Time
}

// BuiltinRoles returns the roles every new project starts with.
func BuiltinRoles(projectID id.Project, now time.Time) []*Role {
	mk := func(key, name, desc string) *Role {
		return &Role{
			ID: id.New[id.Role](now), ProjectID: projectID, Key: key, Name: name,
			Description: desc, Builtin: true, Permissions: []string{}, CreatedAt: now, UpdatedAt: now,
		}
	}
	return []*Role{
		mk(RoleOwner, "Owner", "Full control of the organization, including its owners."),
		mk(RoleAdmin, "Admin", "Manages the organization's members, invites and settings."),
		mk(RoleMember, "Member", "A regular member of the organization."),
	}
}

var keyPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_.:-]{0,99}$`)

// ValidateKey checks a permission or role key: lowercase letters, digits and
// . _ : - , starting with a letter or digit, at most 100 characters.
func ValidateKey(field, key string) error {
	if !keyPattern.MatchString(key) {
		return &project.FieldError{Field: field, Message: "must be 1-100 characters of a-z, 0-9, '.', '_', ':' or '-', starting with a letter or digit"}
	}
	return nil
}

// ValidateDescription bounds free-text descriptions.
func ValidateDescription(s string) error {
	if len([]rune(s)) > 1000 {
		return &project.FieldError{Field: "description", Message: "must be at most 1000 characters"}
	}
	return nil
}
