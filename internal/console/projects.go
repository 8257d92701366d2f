package console

import (
	"context"
	"slices"

	"github.com/gatehouse-auth/gatehouse/internal/fault"

	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/oidc"
	"github.com/gatehouse-auth/gatehouse/internal/project"
	"github.com/gatehouse-auth/gatehouse/internal/secretkey"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/tenancy"
)

// Projects, their settings, OAuth clients and secret keys. Each action
// checks the principal, then calls the one domain service that owns the
// rule, with the staff member as the audit actor.

// ListProjects lists every project, the console's own included (callers
// label it with ProjectID).
func (s *Service) ListProjects(ctx context.Context, st *Staff, page store.Page) ([]*project.Project, error) {
	if err := s.allow(st); err != nil {
		return nil, err
	}
	return s.d.Tenancy.ListProjects(ctx, page)
}

// CreateProject creates a project; the secret of its first key is returned
// this once.
func (s *Service) CreateProject(ctx context.Context, st *Staff, in tenancy.ProjectInput) (*project.Project, *secretkey.Key, string, error) {
	if err := s.allow(st); err != nil {
		return nil, nil, "", err
	}
	return s.d.Tenancy.CreateProject(ctx, st.Actor(), in)
}

// GetProject returns one project.
func (s *Service) GetProject(ctx context.Context, st *Staff, projectID id.Project) (*project.Project, error) {
	if err := s.allow(st); err != nil {
		return nil, err
	}
	return s.d.Tenancy.GetProject(ctx, projectID)
}

// UpdateProject changes a project's settings and branding. The console's
// own project must keep a way for staff to sign in: email codes or
// passwords.
func (s *Service) UpdateProject(ctx context.Context, st *Staff, projectID id.Project, up tenancy.ProjectUpdate) (*project.Project, error) {
	if err := s.allow(st); err != nil {
		return nil, err
	}
	if projectID == s.ProjectID(ctx) && up.EnabledLoginMethods != nil &&
		!slices.Contains(*up.EnabledLoginMethods, string(project.MethodEmail)) && !slices.Contains(*up.EnabledLoginMethods, string(project.MethodPassword)) {
		return nil, fault.InvalidField("enabled_login_methods",
			"the console's project must keep email codes or passwords, or no staff member could sign in")
	}
	return s.d.Tenancy.UpdateProject(ctx, st.Actor(), projectID, up)
}

// ListClients lists a project's OAuth clients.
func (s *Service) ListClients(ctx context.Context, st *Staff, projectID id.Project) ([]*oidc.Client, error) {
	if err := s.allow(st); err != nil {
		return nil, err
	}
	return s.d.Clients.List(ctx, projectID, store.Page{})
}

// CreateClient registers an OAuth client; a confidential client's secret
// is returned this once.
func (s *Service) CreateClient(ctx context.Context, st *Staff, projectID id.Project, in oidc.ClientInput) (*oidc.Client, string, error) {
	if err := s.allow(st); err != nil {
		return nil, "", err
	}
	return s.d.Clients.Create(ctx, st.Actor(), projectID, in)
}

// RotateClientSecret replaces a confidential client's secret, returned this
// once.
func (s *Service) RotateClientSecret(ctx context.Context, st *Staff, projectID id.Project, clientID string) (*oidc.Client, string, error) {
	if err := s.allow(st); err != nil {
		return nil, "", err
	}
	return s.d.Clients.RotateSecret(ctx, st.Actor(), projectID, clientID)
}

// DeleteClient deletes an OAuth client.
func (s *Service) DeleteClient(ctx context.Context, st *Staff, projectID id.Project, clientID string) error {
	if err := s.allow(st); err != nil {
		return err
	}
	return s.d.Clients.Delete(ctx, st.Actor(), projectID, clientID)
}

// ListSecretKeys lists a project's secret keys, revoked ones included.
func (s *Service) ListSecretKeys(ctx context.Context, st *Staff, projectID id.Project) ([]*secretkey.Key, error) {
	if err := s.allow(st); err != nil {
		return nil, err
	}
	return s.d.Tenancy.ListSecretKeys(ctx, projectID, store.Page{})
}

// CreateSecretKey creates a secret key, returned this once.
func (s *Service) CreateSecretKey(ctx context.Context, st *Staff, projectID id.Project, name string) (*secretkey.Key, string, error) {
	if err := s.allow(st); err != nil {
		return nil, "", err
	}
	return s.d.Tenancy.CreateSecretKey(ctx, st.Actor(), projectID, name)
}

// RevokeSecretKey revokes a secret key.
func (s *Service) RevokeSecretKey(ctx context.Context, st *Staff, projectID id.Project, keyID string) (*secretkey.Key, error) {
	if err := s.allow(st); err != nil {
		return nil, err
	}
	return s.d.Tenancy.RevokeSecretKey(ctx, st.Actor(), projectID, keyID)
}
