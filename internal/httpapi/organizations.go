package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/org"
	"github.com/gatehouse-auth/gatehouse/internal/tenancy"
)

// Organization is a tenant of the project with its login policy.
type Organization struct {
	ID                        string    `json:"id" example:"org_01jd8x3k5m7q9s1v3x5z7b9d1f"`
	Name                      string    `json:"name" example:"Southwest Airlines"`
	MemberCount               int64     `json:"member_count" doc:"Number of users in the organization (any status)."`
	AllowedLoginMethods       []string  `json:"allowed_login_methods" enum:"email,password,google,microsoft,github,saml,oidc,passkey" doc:"Login methods the organization allows (a user may use those the project also enables)."`
	RequireMFA                bool      `json:"require_mfa"`
	RequireSSO                bool      `json:"require_sso"`
	SessionMaxLifetimeSeconds *int64    `json:"session_max_lifetime_seconds" nullable:"true" doc:"Absolute session lifetime; null uses the project default."`
	SessionIdleTimeoutSeconds *int64    `json:"session_idle_timeout_seconds" nullable:"true" doc:"Session idle timeout; null uses the project default."`
	LoginsDisabled            bool      `json:"logins_disabled" doc:"Organization-wide kill switch: no user of it can log in. Turning it on revokes every session of the organization."`
	JoinByDomain              bool      `json:"join_by_domain" doc:"People with a verified email at one of the organization's verified domains may join it at login."`
	JoinRole                  string    `json:"join_role" example:"member" doc:"Key of the role people who join by domain get."`
	CreatedAt                 time.Time `json:"created_at"`
	UpdatedAt                 time.Time `json:"updated_at"`
}

func orgOut(o *org.Organization) Organization {
	methods := make([]string, len(o.Policy.AllowedLoginMethods))
	for i, m := range o.Policy.AllowedLoginMethods {
		methods[i] = string(m)
	}
	return Organization{
		ID: string(o.ID), Name: o.Name, MemberCount: o.MemberCount, AllowedLoginMethods: methods,
		RequireMFA: o.Policy.RequireMFA, RequireSSO: o.Policy.RequireSSO,
		SessionMaxLifetimeSeconds: secondsPtr(o.Policy.SessionMaxLifetime),
		SessionIdleTimeoutSeconds: secondsPtr(o.Policy.SessionIdleTimeout),
		LoginsDisabled:            o.Policy.LoginsDisabled,
		JoinByDomain:              o.Policy.JoinByDomain,
		JoinRole:                  o.Policy.JoinRole(),
		CreatedAt:                 o.CreatedAt.UTC(), UpdatedAt: o.UpdatedAt.UTC(),
	}
}

// OrganizationCreate creates an organization; policy fields default to
// allowing every method and inheriting the project's session rules.
type OrganizationCreate struct {
	Name                      string    `json:"name" minLength:"1" maxLength:"200" example:"Southwest Airlines"`
	AllowedLoginMethods       *[]string `json:"allowed_login_methods,omitempty" enum:"email,password,google,microsoft,github,saml,oidc,passkey" minItems:"1"`
	RequireMFA                *bool     `json:"require_mfa,omitempty"`
	RequireSSO                *bool     `json:"require_sso,omitempty"`
	SessionMaxLifetimeSeconds *int64    `json:"session_max_lifetime_seconds,omitempty" nullable:"true" minimum:"60" maximum:"31622400"`
	SessionIdleTimeoutSeconds *int64    `json:"session_idle_timeout_seconds,omitempty" nullable:"true" minimum:"60" maximum:"31622400"`
	LoginsDisabled            *bool     `json:"logins_disabled,omitempty"`
	JoinByDomain              *bool     `json:"join_by_domain,omitempty"`
	JoinRole                  *string   `json:"join_role,omitempty" maxLength:"64" doc:"A project role or one of the organization's custom roles; never owner. Default member."`
}

// OrganizationPatch changes an organization; absent fields stay unchanged,
// and null resets a session override to the project default.
type OrganizationPatch struct {
	Name                      *string         `json:"name,omitempty" minLength:"1" maxLength:"200"`
	AllowedLoginMethods       *[]string       `json:"allowed_login_methods,omitempty" enum:"email,password,google,microsoft,github,saml,oidc,passkey" minItems:"1"`
	RequireMFA                *bool           `json:"require_mfa,omitempty"`
	RequireSSO                *bool           `json:"require_sso,omitempty"`
	SessionMaxLifetimeSeconds NullableSeconds `json:"session_max_lifetime_seconds,omitzero"`
	SessionIdleTimeoutSeconds NullableSeconds `json:"session_idle_timeout_seconds,omitzero"`
	LoginsDisabled            *bool           `json:"logins_disabled,omitempty"`
	JoinByDomain              *bool           `json:"join_by_domain,omitempty"`
	JoinRole                  *string         `json:"join_role,omitempty" maxLength:"64" doc:"A project role or one of the organization's custom roles; never owner. Empty resets to member."`
}

type orgOutput struct{ Body Organization }

type OrganizationPath struct {
	ID string `path:"id" doc:"Organization ID (org_…)." example:"org_01jd8x3k5m7q9s1v3x5z7b9d1f"`
}

func registerOrganizations(api huma.API, h *handler) {
	const tag = "Organizations"
	huma.Register(api, operation("createOrganization", http.MethodPost, "/organizations", "Create an organization", tag, http.StatusCreated, http.StatusConflict),
		func(ctx context.Context, in *struct{ Body OrganizationCreate }) (*orgOutput, error) {
			pid, actor := caller(ctx)
			b := in.Body
			up := tenancy.OrganizationUpdate{
				Name: &b.Name, AllowedLoginMethods: b.AllowedLoginMethods, RequireMFA: b.RequireMFA,
				RequireSSO: b.RequireSSO, LoginsDisabled: b.LoginsDisabled,
				JoinByDomain: b.JoinByDomain, JoinRoleKey: b.JoinRole,
			}
			if b.SessionMaxLifetimeSeconds != nil {
				up.SessionMaxLifetime = &tenancy.DurationChange{Value: secondsDur(b.SessionMaxLifetimeSeconds)}
			}
			if b.SessionIdleTimeoutSeconds != nil {
				up.SessionIdleTimeout = &tenancy.DurationChange{Value: secondsDur(b.SessionIdleTimeoutSeconds)}
			}
			o, err := h.svc.CreateOrganization(ctx, actor, pid, up)
			if err != nil {
				return nil, h.fail(err)
			}
			return &orgOutput{Body: orgOut(o)}, nil
		})

	huma.Register(api, operation("listOrganizations", http.MethodGet, "/organizations", "List organizations", tag, http.StatusOK),
		func(ctx context.Context, in *struct{ ListParams }) (*struct{ Body *List[Organization] }, error) {
			pid, _ := caller(ctx)
			sp, err := page[id.Org](in.ListParams)
			if err != nil {
				return nil, h.fail(err)
			}
			os, err := h.svc.ListOrganizations(ctx, pid, sp)
			if err != nil {
				return nil, h.fail(err)
			}
			return &struct{ Body *List[Organization] }{pageOf(os, sp, func(o *org.Organization) string { return string(o.ID) }, orgOut)}, nil
		})

	huma.Register(api, operation("getOrganization", http.MethodGet, "/organizations/{id}", "Get an organization", tag, http.StatusOK, http.StatusNotFound),
		func(ctx context.Context, in *OrganizationPath) (*orgOutput, error) {
			pid, _ := caller(ctx)
			o, err := h.svc.GetOrganization(ctx, pid, in.ID)
			if err != nil {
				return nil, h.fail(err)
			}
			return &orgOutput{Body: orgOut(o)}, nil
		})

	huma.Register(api, operation("updateOrganization", http.MethodPatch, "/organizations/{id}", "Update an organization's name or policy", tag, http.StatusOK, http.StatusNotFound, http.StatusConflict),
		func(ctx context.Context, in *struct {
			OrganizationPath
			Body OrganizationPatch
		}) (*orgOutput, error) {
			pid, actor := caller(ctx)
			b := in.Body
			up := tenancy.OrganizationUpdate{
				Name: b.Name, AllowedLoginMethods: b.AllowedLoginMethods, RequireMFA: b.RequireMFA, RequireSSO: b.RequireSSO,
				SessionMaxLifetime: b.SessionMaxLifetimeSeconds.change(), SessionIdleTimeout: b.SessionIdleTimeoutSeconds.change(),
				LoginsDisabled: b.LoginsDisabled, JoinByDomain: b.JoinByDomain, JoinRoleKey: b.JoinRole,
			}
			o, err := h.svc.UpdateOrganization(ctx, actor, pid, in.ID, up)
			if err != nil {
				return nil, h.fail(err)
			}
			return &orgOutput{Body: orgOut(o)}, nil
		})

	huma.Register(api, operation("deleteOrganization", http.MethodDelete, "/organizations/{id}", "Delete an organization with its users and custom roles", tag, http.StatusNoContent, http.StatusNotFound),
		func(ctx context.Context, in *OrganizationPath) (*struct{}, error) {
			pid, actor := caller(ctx)
			if err := h.svc.DeleteOrganization(ctx, actor, pid, in.ID); err != nil {
				return nil, h.fail(err)
			}
			return nil, nil
		})
}
