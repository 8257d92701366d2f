package tenancy

import (
	"bytes"
	"encoding/json"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/org"
	"github.com/gatehouse-auth/gatehouse/internal/project"
	"github.com/gatehouse-auth/gatehouse/internal/rbac"
	"github.com/gatehouse-auth/gatehouse/internal/secretkey"
	"github.com/gatehouse-auth/gatehouse/internal/user"
)

// Audit snapshots: the state of a resource recorded in an event's details,
// with the same field names as the API. They never contain secrets or hashes.

func projectSnapshot(p *project.Project) map[string]any {
	methods := make([]string, len(p.EnabledLoginMethods))
	for i, m := range p.EnabledLoginMethods {
		methods[i] = string(m)
	}
	return map[string]any{
		"id":                              p.ID,
		"name":                            p.Name,
		"enabled_login_methods":           methods,
		"redirect_uris":                   p.RedirectURIs,
		"trusted_origins":                 p.TrustedOrigins,
		"auto_create_organizations":       p.AutoCreateOrganizations,
		"self_serve_create_organizations": p.SelfServeCreateOrganizations,
		"allow_custom_roles":              p.AllowCustomRoles,
		"session_max_lifetime_seconds":    int64(p.SessionMaxLifetime / time.Second),
		"session_idle_timeout_seconds":    int64(p.SessionIdleTimeout / time.Second),
		"brand_color":                     p.BrandColor,
		"logo_url":                        p.LogoURL,
		"app_url":                         p.AppURL,
	}
}

func orgSnapshot(o *org.Organization) map[string]any {
	methods := make([]string, len(o.Policy.AllowedLoginMethods))
	for i, m := range o.Policy.AllowedLoginMethods {
		methods[i] = string(m)
	}
	return map[string]any{
		"id":                           o.ID,
		"name":                         o.Name,
		"allowed_login_methods":        methods,
		"require_mfa":                  o.Policy.RequireMFA,
		"require_sso":                  o.Policy.RequireSSO,
		"session_max_lifetime_seconds": secondsOrNil(o.Policy.SessionMaxLifetime),
		"session_idle_timeout_seconds": secondsOrNil(o.Policy.SessionIdleTimeout),
		"logins_disabled":              o.Policy.LoginsDisabled,
		"join_by_domain":               o.Policy.JoinByDomain,
		"join_role":                    o.Policy.JoinRole(),
	}
}

func secondsOrNil(d *time.Duration) any {
	if d == nil {
		return nil
	}
	return int64(*d / time.Second)
}

func userSnapshot(u *user.User) map[string]any {
	return map[string]any{
		"id":              u.ID,
		"organization_id": u.OrganizationID,
		"email":           u.Email,
		"email_verified":  u.EmailVerified,
		"display_name":    u.DisplayName,
		"status":          u.Status,
	}
}

func permissionSnapshot(p *rbac.Permission) map[string]any {
	return map[string]any{"id": p.ID, "key": p.Key, "description": p.Description}
}

func roleSnapshot(r *rbac.Role) map[string]any {
	m := map[string]any{
		"id":          r.ID,
		"key":         r.Key,
		"name":        r.Name,
		"description": r.Description,
		"builtin":     r.Builtin,
		"permissions": r.Permissions,
	}
	if r.OrganizationID != "" {
		m["organization_id"] = r.OrganizationID
	}
	return m
}

func assignmentSnapshot(u *user.User, r *rbac.Role) map[string]any {
	return map[string]any{"user_id": u.ID, "role_id": r.ID, "role_key": r.Key}
}

func secretKeySnapshot(k *secretkey.Key) map[string]any {
	m := map[string]any{"id": k.ID, "name": k.Name, "hint": k.Hint}
	if k.RevokedAt != nil {
		m["revoked_at"] = k.RevokedAt.UTC()
	}
	return m
}

// unchanged reports whether two snapshots describe the same state.
func unchanged(before, after map[string]any) bool {
	a, errA := json.Marshal(before)
	b, errB := json.Marshal(after)
	return errA == nil && errB == nil && bytes.Equal(a, b)
}
