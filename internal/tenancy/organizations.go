package tenancy

import (
	"context"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/audit"
	"github.com/gatehouse-auth/gatehouse/internal/fault"
	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/org"
	"github.com/gatehouse-auth/gatehouse/internal/project"
	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// DurationChange sets (Value non-nil) or resets to the project default
// (Value nil) one of an organization's session overrides.
type DurationChange struct{ Value *time.Duration }

// OrganizationUpdate is a partial update of an organization; nil fields stay
// unchanged. Creation uses it too, over the default policy.
type OrganizationUpdate struct {
	Name                *string
	AllowedLoginMethods *[]string
	RequireMFA          *bool
	RequireSSO          *bool
	SessionMaxLifetime  *DurationChange
	SessionIdleTimeout  *DurationChange
	LoginsDisabled      *bool
}

func (up OrganizationUpdate) apply(o *org.Organization) error {
	if up.Name != nil {
		o.Name = trimmed(*up.Name)
	}
	if up.AllowedLoginMethods != nil {
		ms, err := project.ParseMethods(*up.AllowedLoginMethods)
		if err != nil {
			return fault.InvalidField("allowed_login_methods", err.Error())
		}
		if len(ms) == 0 {
			// Turning every method off is what logins_disabled is for.
			return fault.InvalidField("allowed_login_methods", "allow at least one login method (use logins_disabled to stop all logins)")
		}
		o.Policy.AllowedLoginMethods = ms
	}
	setBool(&o.Policy.RequireMFA, up.RequireMFA)
	setBool(&o.Policy.RequireSSO, up.RequireSSO)
	setBool(&o.Policy.LoginsDisabled, up.LoginsDisabled)
	if up.SessionMaxLifetime != nil {
		o.Policy.SessionMaxLifetime = up.SessionMaxLifetime.Value
	}
	if up.SessionIdleTimeout != nil {
		o.Policy.SessionIdleTimeout = up.SessionIdleTimeout.Value
	}
	return o.Validate()
}

// CreateOrganization creates an organization named by up.Name, with the
// default policy adjusted by up's other fields.
func (s *Service) CreateOrganization(ctx context.Context, actor audit.Actor, projectID id.Project, up OrganizationUpdate) (*org.Organization, error) {
	now := s.now()
	if up.Name == nil {
		return nil, fault.InvalidField("name", "is required")
	}
	o, err := org.New(projectID, *up.Name, now)
	if err != nil {
		return nil, fault.From(err)
	}
	if err := up.apply(o); err != nil {
		return nil, fault.From(err)
	}
	err = s.write(ctx, "create organization", func(w store.Writer) error {
		if err := w.CreateOrganization(ctx, o); err != nil {
			return missing(err, "project")
		}
		return w.InsertAuditEvent(ctx, event(now, projectID, o.ID, actor, "organization.created", "organization", string(o.ID), nil, orgSnapshot(o)))
	})
	if err != nil {
		return nil, err
	}
	return o, nil
}

// GetOrganization returns one organization of the project.
func (s *Service) GetOrganization(ctx context.Context, projectID id.Project, orgID string) (*org.Organization, error) {
	oid, err := parseID[id.Org](orgID, "organization")
	if err != nil {
		return nil, err
	}
	o, err := s.st.GetOrganization(ctx, projectID, oid)
	if err != nil {
		return nil, s.classify("get organization", missing(err, "organization"))
	}
	return o, nil
}

// ListOrganizations lists the project's organizations in creation order.
func (s *Service) ListOrganizations(ctx context.Context, projectID id.Project, page store.Page) ([]*org.Organization, error) {
	os, err := s.st.ListOrganizations(ctx, projectID, clampPage(page))
	if err != nil {
		return nil, s.classify("list organizations", err)
	}
	return os, nil
}

// UpdateOrganization changes an organization's name and policy.
func (s *Service) UpdateOrganization(ctx context.Context, actor audit.Actor, projectID id.Project, orgID string, up OrganizationUpdate) (*org.Organization, error) {
	oid, err := parseID[id.Org](orgID, "organization")
	if err != nil {
		return nil, err
	}
	now := s.now()
	var out *org.Organization
	err = s.write(ctx, "update organization", func(w store.Writer) error {
		// Read under the row lock: a PATCH writes every policy field back, so
		// two concurrent ones must not each restore the other's old values.
		if err := w.LockOrganization(ctx, projectID, oid); err != nil {
			return missing(err, "organization")
		}
		o, err := w.GetOrganization(ctx, projectID, oid)
		if err != nil {
			return missing(err, "organization")
		}
		before := orgSnapshot(o)
		if err := up.apply(o); err != nil {
			return err
		}
		// A request that changes nothing writes nothing and records nothing.
		if unchanged(before, orgSnapshot(o)) {
			out = o
			return nil
		}
		o.UpdatedAt = now
		if err := w.UpdateOrganization(ctx, o); err != nil {
			return missing(err, "organization")
		}
		out = o
		return w.InsertAuditEvent(ctx, event(now, projectID, o.ID, actor, "organization.updated", "organization", string(o.ID), before, orgSnapshot(o)))
	})
	return out, err
}

// DeleteOrganization deletes an organization with its users, custom roles and
// role assignments.
func (s *Service) DeleteOrganization(ctx context.Context, actor audit.Actor, projectID id.Project, orgID string) error {
	oid, err := parseID[id.Org](orgID, "organization")
	if err != nil {
		return err
	}
	now := s.now()
	return s.write(ctx, "delete organization", func(w store.Writer) error {
		o, err := w.GetOrganization(ctx, projectID, oid)
		if err != nil {
			return missing(err, "organization")
		}
		if err := w.DeleteOrganization(ctx, projectID, oid); err != nil {
			return missing(err, "organization")
		}
		return w.InsertAuditEvent(ctx, event(now, projectID, oid, actor, "organization.deleted", "organization", string(oid), orgSnapshot(o), nil))
	})
}
