package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/gatehouse-auth/gatehouse/internal/project"
	"github.com/gatehouse-auth/gatehouse/internal/server/publicurl"
	"github.com/gatehouse-auth/gatehouse/internal/tenancy"
)

// Project is the project the secret key belongs to.
type Project struct {
	ID                           string    `json:"id" example:"proj_01jd8x3k5m7q9s1v3x5z7b9d1f"`
	Name                         string    `json:"name" example:"Acme (production)"`
	Issuer                       string    `json:"issuer" doc:"The project's OpenID Provider issuer URL." example:"https://auth.example.com/p/proj_01jd8x3k5m7q9s1v3x5z7b9d1f"`
	EnabledLoginMethods          []string  `json:"enabled_login_methods" enum:"email,password,google,microsoft,github,saml,oidc,passkey" doc:"Login methods the project offers."`
	RedirectURIs                 []string  `json:"redirect_uris" doc:"Not used for sign-in: each OAuth client has its own redirect_uris, and only those are accepted. Kept for compatibility."`
	TrustedOrigins               []string  `json:"trusted_origins" doc:"Origins allowed to call Gatehouse from a browser."`
	AutoCreateOrganizations      bool      `json:"auto_create_organizations" doc:"Sign-up creates a one-user organization without showing organizations."`
	SelfServeCreateOrganizations bool      `json:"self_serve_create_organizations" doc:"People may create organizations themselves."`
	AllowCustomRoles             bool      `json:"allow_custom_roles" doc:"Organizations may define their own roles."`
	SessionMaxLifetimeSeconds    int64     `json:"session_max_lifetime_seconds" doc:"Default absolute session lifetime."`
	SessionIdleTimeoutSeconds    int64     `json:"session_idle_timeout_seconds" doc:"Default session idle timeout."`
	BrandColor                   string    `json:"brand_color" example:"#1a73e8" doc:"Brand colour of the hosted pages and emails (#rrggbb), or empty for the default."`
	LogoURL                      string    `json:"logo_url" example:"https://cdn.example.com/logo.svg" doc:"Logo shown on the hosted pages (https), or empty."`
	AppURL                       string    `json:"app_url" example:"https://app.example.com/" doc:"Your app's home page: where people land after accepting an invitation or signing in without an app's request. Empty means the account page."`
	CreatedAt                    time.Time `json:"created_at"`
	UpdatedAt                    time.Time `json:"updated_at"`
}

func (h *handler) projectOut(p *project.Project) Project {
	methods := make([]string, len(p.EnabledLoginMethods))
	for i, m := range p.EnabledLoginMethods {
		methods[i] = string(m)
	}
	return Project{
		ID: string(p.ID), Name: p.Name, Issuer: publicurl.Issuer(h.publicURL, p.ID), EnabledLoginMethods: methods,
		RedirectURIs: nonNil(p.RedirectURIs), TrustedOrigins: nonNil(p.TrustedOrigins),
		AutoCreateOrganizations: p.AutoCreateOrganizations, SelfServeCreateOrganizations: p.SelfServeCreateOrganizations,
		AllowCustomRoles:          p.AllowCustomRoles,
		SessionMaxLifetimeSeconds: int64(p.SessionMaxLifetime / time.Second),
		SessionIdleTimeoutSeconds: int64(p.SessionIdleTimeout / time.Second),
		BrandColor:                p.BrandColor, LogoURL: p.LogoURL, AppURL: p.AppURL,
		CreatedAt: p.CreatedAt.UTC(), UpdatedAt: p.UpdatedAt.UTC(),
	}
}

// ProjectPatch changes project settings; absent fields stay unchanged.
type ProjectPatch struct {
	Name                         *string   `json:"name,omitempty" minLength:"1" maxLength:"200"`
	EnabledLoginMethods          *[]string `json:"enabled_login_methods,omitempty" enum:"email,password,google,microsoft,github,saml,oidc,passkey" minItems:"1" doc:"At least one login method."`
	RedirectURIs                 *[]string `json:"redirect_uris,omitempty" maxItems:"100" doc:"Not used for sign-in: each OAuth client has its own redirect_uris (set them on /oauth-clients). Kept for compatibility; absolute https URIs (http only for localhost), no fragment."`
	TrustedOrigins               *[]string `json:"trusted_origins,omitempty" maxItems:"100" doc:"Origins like https://app.example.com."`
	AutoCreateOrganizations      *bool     `json:"auto_create_organizations,omitempty"`
	SelfServeCreateOrganizations *bool     `json:"self_serve_create_organizations,omitempty"`
	AllowCustomRoles             *bool     `json:"allow_custom_roles,omitempty"`
	SessionMaxLifetimeSeconds    *int64    `json:"session_max_lifetime_seconds,omitempty" minimum:"60" maximum:"31622400"`
	SessionIdleTimeoutSeconds    *int64    `json:"session_idle_timeout_seconds,omitempty" minimum:"60" maximum:"31622400"`
	BrandColor                   *string   `json:"brand_color,omitempty" maxLength:"7" doc:"#rrggbb (stored in lower case); empty clears."`
	LogoURL                      *string   `json:"logo_url,omitempty" maxLength:"2048" doc:"Absolute https URL (http only for localhost); empty clears."`
	AppURL                       *string   `json:"app_url,omitempty" maxLength:"2048" doc:"Absolute http(s) URL without fragment or credentials; empty clears."`
}

type projectOutput struct{ Body Project }

func registerProject(api huma.API, h *handler) {
	huma.Register(api, operation("getProject", http.MethodGet, "/project", "Get the project", "Project", http.StatusOK),
		func(ctx context.Context, _ *struct{}) (*projectOutput, error) {
			pid, _ := caller(ctx)
			p, err := h.svc.GetProject(ctx, pid)
			if err != nil {
				return nil, h.fail(err)
			}
			return &projectOutput{Body: h.projectOut(p)}, nil
		})

	huma.Register(api, operation("updateProject", http.MethodPatch, "/project", "Update project settings", "Project", http.StatusOK),
		func(ctx context.Context, in *struct{ Body ProjectPatch }) (*projectOutput, error) {
			pid, actor := caller(ctx)
			b := in.Body
			up := tenancy.ProjectUpdate{
				Name: b.Name, EnabledLoginMethods: b.EnabledLoginMethods, RedirectURIs: b.RedirectURIs,
				TrustedOrigins: b.TrustedOrigins, AutoCreateOrganizations: b.AutoCreateOrganizations,
				SelfServeCreateOrganizations: b.SelfServeCreateOrganizations, AllowCustomRoles: b.AllowCustomRoles,
				SessionMaxLifetime: secondsDur(b.SessionMaxLifetimeSeconds), SessionIdleTimeout: secondsDur(b.SessionIdleTimeoutSeconds),
				BrandColor: b.BrandColor, LogoURL: b.LogoURL, AppURL: b.AppURL,
			}
			p, err := h.svc.UpdateProject(ctx, actor, pid, up)
			if err != nil {
				return nil, h.fail(err)
			}
			return &projectOutput{Body: h.projectOut(p)}, nil
		})
}

func secondsDur(s *int64) *time.Duration {
	if s == nil {
		return nil
	}
	d := time.Duration(*s) * time.Second
	return &d
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
