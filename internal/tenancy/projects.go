package tenancy

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/audit"
	"github.com/gatehouse-auth/gatehouse/internal/fault"
	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/project"
	"github.com/gatehouse-auth/gatehouse/internal/rbac"
	"github.com/gatehouse-auth/gatehouse/internal/secretkey"
	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// ProjectInput is what creating a project takes.
type ProjectInput struct {
	Name                    string
	RedirectURIs            []string
	AutoCreateOrganizations bool
}

// CreateProject creates the project, its built-in roles (rbac.BuiltinRoles)
// and a first secret key, with audit events, in one transaction. It returns
// the secret once; only its hash is stored.
func (s *Service) CreateProject(ctx context.Context, actor audit.Actor, in ProjectInput) (*project.Project, *secretkey.Key, string, error) {
	now := s.now()
	p, err := project.New(in.Name, now)
	if err != nil {
		return nil, nil, "", fault.From(err)
	}
	if in.RedirectURIs != nil {
		p.RedirectURIs = slices.Clone(in.RedirectURIs)
	}
	p.AutoCreateOrganizations = in.AutoCreateOrganizations
	if err := p.Validate(); err != nil {
		return nil, nil, "", fault.From(err)
	}
	key, secret := secretkey.Generate(p.ID, "Default key", now)
	err = s.write(ctx, "create project", func(w store.Writer) error {
		if err := w.CreateProject(ctx, p); err != nil {
			return fmt.Errorf("insert project: %w", err)
		}
		if err := w.InsertAuditEvent(ctx, event(now, p.ID, "", actor, "project.created", "project", string(p.ID), nil, projectSnapshot(p))); err != nil {
			return fmt.Errorf("audit project: %w", err)
		}
		for _, r := range rbac.BuiltinRoles(p.ID, now) {
			if err := w.CreateRole(ctx, r); err != nil {
				return fmt.Errorf("insert built-in role %s: %w", r.Key, err)
			}
			if err := w.InsertAuditEvent(ctx, event(now, p.ID, "", actor, "role.created", "role", string(r.ID), nil, roleSnapshot(r))); err != nil {
				return fmt.Errorf("audit role: %w", err)
			}
		}
		if err := w.CreateSecretKey(ctx, key); err != nil {
			return fmt.Errorf("insert secret key: %w", err)
		}
		return w.InsertAuditEvent(ctx, event(now, p.ID, "", actor, "secret_key.created", "secret_key", string(key.ID), nil, secretKeySnapshot(key)))
	})
	if err != nil {
		return nil, nil, "", err
	}
	return p, key, secret, nil
}

// ListProjects lists projects in creation order (for the CLI and console).
func (s *Service) ListProjects(ctx context.Context, page store.Page) ([]*project.Project, error) {
	ps, err := s.st.ListProjects(ctx, clampPage(page))
	if err != nil {
		return nil, s.classify("list projects", err)
	}
	return ps, nil
}

// GetProject returns one project.
func (s *Service) GetProject(ctx context.Context, projectID id.Project) (*project.Project, error) {
	p, err := s.st.GetProject(ctx, projectID)
	if err != nil {
		return nil, s.classify("get project", store.NotFoundAs(err, "project"))
	}
	return p, nil
}

// ProjectUpdate is a partial update of a project's settings: nil fields stay
// unchanged.
type ProjectUpdate struct {
	Name                         *string
	EnabledLoginMethods          *[]string
	RedirectURIs                 *[]string
	TrustedOrigins               *[]string
	AutoCreateOrganizations      *bool
	SelfServeCreateOrganizations *bool
	AllowCustomRoles             *bool
	SessionMaxLifetime           *time.Duration
	SessionIdleTimeout           *time.Duration
	// BrandColor ("#rrggbb", stored in lower case), LogoURL (https) and
	// AppURL (http or https) brand the hosted pages and emails and say
	// where people land; "" clears each.
	BrandColor *string
	LogoURL    *string
	AppURL     *string
}

// UpdateProject changes a project's settings.
func (s *Service) UpdateProject(ctx context.Context, actor audit.Actor, projectID id.Project, up ProjectUpdate) (*project.Project, error) {
	now := s.now()
	var out *project.Project
	err := s.write(ctx, "update project", func(w store.Writer) error {
		// Read under the project lock: the update writes every field back, so
		// concurrent updates must not restore each other's old values.
		if err := w.LockProject(ctx, projectID); err != nil {
			return store.NotFoundAs(err, "project")
		}
		p, err := w.GetProject(ctx, projectID)
		if err != nil {
			return store.NotFoundAs(err, "project")
		}
		before := projectSnapshot(p)
		if up.Name != nil {
			p.Name = trimmed(*up.Name)
		}
		if up.EnabledLoginMethods != nil {
			ms, err := project.ParseMethods(*up.EnabledLoginMethods)
			if err != nil {
				return fault.InvalidField("enabled_login_methods", err.Error())
			}
			if len(ms) == 0 {
				return fault.InvalidField("enabled_login_methods", "enable at least one login method")
			}
			p.EnabledLoginMethods = ms
		}
		if up.RedirectURIs != nil {
			p.RedirectURIs = dedupe(*up.RedirectURIs)
		}
		if up.TrustedOrigins != nil {
			p.TrustedOrigins = dedupe(*up.TrustedOrigins)
		}
		setBool(&p.AutoCreateOrganizations, up.AutoCreateOrganizations)
		setBool(&p.SelfServeCreateOrganizations, up.SelfServeCreateOrganizations)
		setBool(&p.AllowCustomRoles, up.AllowCustomRoles)
		if up.SessionMaxLifetime != nil {
			p.SessionMaxLifetime = *up.SessionMaxLifetime
		}
		if up.SessionIdleTimeout != nil {
			p.SessionIdleTimeout = *up.SessionIdleTimeout
		}
		if up.BrandColor != nil {
			c, err := project.NormalizeBrandColor(*up.BrandColor)
			if err != nil {
				return fault.InvalidField("brand_color", err.Error())
			}
			p.BrandColor = c
		}
		if up.LogoURL != nil {
			p.LogoURL = trimmed(*up.LogoURL)
		}
		if up.AppURL != nil {
			p.AppURL = trimmed(*up.AppURL)
		}
		// Disabling methods here can leave an organization whose allowed
		// methods no longer meet the project's with no way to sign in: the
		// vendor's choice, which the admin-lockout rule of organization
		// policy deliberately does not second-guess.
		if err := p.Validate(); err != nil {
			return err
		}
		if p.SessionIdleTimeout > p.SessionMaxLifetime {
			return fault.InvalidField("session_idle_timeout_seconds", "must not exceed session_max_lifetime_seconds")
		}
		// A request that changes nothing writes nothing and records nothing.
		if unchanged(before, projectSnapshot(p)) {
			out = p
			return nil
		}
		p.UpdatedAt = now
		if err := w.UpdateProject(ctx, p); err != nil {
			return store.NotFoundAs(err, "project")
		}
		out = p
		return w.InsertAuditEvent(ctx, event(now, p.ID, "", actor, "project.updated", "project", string(p.ID), before, projectSnapshot(p)))
	})
	return out, err
}

func setBool(dst *bool, v *bool) {
	if v != nil {
		*dst = *v
	}
}

// dedupe keeps the first occurrence of each value, preserving order, and never
// returns nil (stored lists are empty, not absent).
func dedupe(in []string) []string {
	out := make([]string, 0, len(in))
	for _, v := range in {
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}
