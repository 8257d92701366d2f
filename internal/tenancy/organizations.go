package tenancy

import (
	"context"
	"slices"
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
	// LoginsDisabled is the kill switch: only callers MaySetLoginsDisabled
	// accepts may change it, and turning it on ends every session of the
	// organization in the same transaction.
	LoginsDisabled *bool
	// JoinByDomain lets people with a verified email at one of the
	// organization's verified domains join it at login, as JoinRoleKey
	// ("" resets it to member). The role must be one the organization sees
	// and never owner.
	JoinByDomain *bool
	JoinRoleKey  *string
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
	setBool(&o.Policy.JoinByDomain, up.JoinByDomain)
	if up.JoinRoleKey != nil {
		o.Policy.JoinRoleKey = trimmed(*up.JoinRoleKey)
		if o.Policy.JoinRoleKey == "" {
			o.Policy.JoinRoleKey = org.DefaultJoinRoleKey
		}
	}
	return o.Validate()
}

// checkPolicy applies the rules that need the store, inside the write
// transaction (under the organization's lock for an update): the join role
// must exist when it is set or joining is turned on, and the policy must
// leave an admin able to sign in. before is nil for a new organization.
func (s *Service) checkPolicy(ctx context.Context, w store.Writer, up OrganizationUpdate, before, after *org.Organization) error {
	joinTurnedOn := after.Policy.JoinByDomain && (before == nil || !before.Policy.JoinByDomain)
	if up.JoinRoleKey != nil || joinTurnedOn {
		if err := checkJoinRole(ctx, w, after.ProjectID, after.ID, after.Policy.JoinRole()); err != nil {
			return err
		}
	}
	p, err := w.GetProject(ctx, after.ProjectID)
	if err != nil {
		return store.NotFoundAs(err, "project")
	}
	return checkLockout(p, before, after)
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
	if up.LoginsDisabled != nil && *up.LoginsDisabled && !MaySetLoginsDisabled(actor) {
		return nil, killSwitchRefused()
	}
	err = s.write(ctx, "create organization", func(w store.Writer) error {
		if err := s.checkPolicy(ctx, w, up, nil, o); err != nil {
			return err
		}
		if err := w.CreateOrganization(ctx, o); err != nil {
			return store.NotFoundAs(err, "project")
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
	oid, err := fault.ParseID[id.Org](orgID, "organization")
	if err != nil {
		return nil, err
	}
	o, err := s.st.GetOrganization(ctx, projectID, oid)
	if err != nil {
		return nil, s.classify("get organization", store.NotFoundAs(err, "organization"))
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

// UpdateOrganization changes an organization's name and policy. Under the
// organization's lock it refuses a policy that would leave no owner or admin
// able to sign in (CodeAdminLockout), a kill-switch change by a caller
// MaySetLoginsDisabled refuses, and a join role the organization does not
// see; turning the kill switch on revokes the organization's sessions in the
// same transaction.
func (s *Service) UpdateOrganization(ctx context.Context, actor audit.Actor, projectID id.Project, orgID string, up OrganizationUpdate) (*org.Organization, error) {
	oid, err := fault.ParseID[id.Org](orgID, "organization")
	if err != nil {
		return nil, err
	}
	now := s.now()
	var out *org.Organization
	err = s.write(ctx, "update organization", func(w store.Writer) error {
		// Read under the row lock: a PATCH writes every policy field back, so
		// two concurrent ones must not each restore the other's old values.
		if err := w.LockOrganization(ctx, projectID, oid); err != nil {
			return store.NotFoundAs(err, "organization")
		}
		o, err := w.GetOrganization(ctx, projectID, oid)
		if err != nil {
			return store.NotFoundAs(err, "organization")
		}
		before := orgSnapshot(o)
		prev := *o
		prev.Policy.AllowedLoginMethods = slices.Clone(o.Policy.AllowedLoginMethods)
		if err := up.apply(o); err != nil {
			return err
		}
		// A request that changes nothing writes nothing and records nothing.
		if unchanged(before, orgSnapshot(o)) {
			out = o
			return nil
		}
		if o.Policy.LoginsDisabled != prev.Policy.LoginsDisabled && !MaySetLoginsDisabled(actor) {
			return killSwitchRefused()
		}
		if err := s.checkPolicy(ctx, w, up, &prev, o); err != nil {
			return err
		}
		o.UpdatedAt = now
		if err := w.UpdateOrganization(ctx, o); err != nil {
			return store.NotFoundAs(err, "organization")
		}
		out = o
		if err := w.InsertAuditEvent(ctx, event(now, projectID, o.ID, actor, "organization.updated", "organization", string(o.ID), before, orgSnapshot(o))); err != nil {
			return err
		}
		return applyKillSwitch(ctx, w, &prev, o, actor)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func killSwitchRefused() error {
	return fault.NewPermissionDenied(CodeKillSwitchVendorOnly,
		"only the app's vendor can turn all logins of an organization off or on")
}

// DeleteOrganization deletes an organization with its users, custom roles and
// role assignments.
func (s *Service) DeleteOrganization(ctx context.Context, actor audit.Actor, projectID id.Project, orgID string) error {
	oid, err := fault.ParseID[id.Org](orgID, "organization")
	if err != nil {
		return err
	}
	now := s.now()
	return s.write(ctx, "delete organization", func(w store.Writer) error {
		o, err := w.GetOrganization(ctx, projectID, oid)
		if err != nil {
			return store.NotFoundAs(err, "organization")
		}
		if err := w.DeleteOrganization(ctx, projectID, oid); err != nil {
			return store.NotFoundAs(err, "organization")
		}
		return w.InsertAuditEvent(ctx, event(now, projectID, oid, actor, "organization.deleted", "organization", string(oid), orgSnapshot(o), nil))
	})
}
