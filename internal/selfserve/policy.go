package selfserve

import (
	"context"
	"slices"

	"github.com/gatehouse-auth/gatehouse/internal/fault"
	"github.com/gatehouse-auth/gatehouse/internal/org"
	"github.com/gatehouse-auth/gatehouse/internal/project"
	"github.com/gatehouse-auth/gatehouse/internal/session"
	"github.com/gatehouse-auth/gatehouse/internal/tenancy"
)

// Overview is the organization's front page: its settings, the app's, and
// what it is billed on.
type Overview struct {
	Org     *org.Organization
	Project *project.Project
	// Seats is the number of members; Usage, when the usage service answers,
	// has this month's active users too.
	Seats int64
	Usage *session.Usage
}

// Organization returns the member's organization with its project.
func (s *Service) Organization(ctx context.Context, m Member) (*Overview, error) {
	if err := requireAdmin(m); err != nil {
		return nil, err
	}
	o, err := s.d.Tenancy.GetOrganization(ctx, m.ProjectID, string(m.OrgID))
	if err != nil {
		return nil, s.internal("get organization", err)
	}
	p, err := s.d.Tenancy.GetProject(ctx, m.ProjectID)
	if err != nil {
		return nil, s.internal("get project", err)
	}
	ov := &Overview{Org: o, Project: p, Seats: o.MemberCount}
	if s.d.Sessions != nil {
		// Usage is a courtesy on this page: without it the member count
		// still answers "how many seats".
		if u, err := s.d.Sessions.Usage(ctx, m.ProjectID, string(m.OrgID), ""); err == nil {
			ov.Usage = u
		} else {
			s.log.DebugContext(ctx, "organization usage unavailable", "org", m.OrgID, "err", err)
		}
	}
	return ov, nil
}

// Settings is a partial change of the organization's name and login
// policy; nil fields stay as they are.
type Settings struct {
	Name *string
	// AllowedLoginMethods must be among the methods the project enables.
	AllowedLoginMethods *[]string
	RequireMFA          *bool
	RequireSSO          *bool
	SessionMaxLifetime  *tenancy.DurationChange
	SessionIdleTimeout  *tenancy.DurationChange
	// LoginsDisabled is the vendor's kill switch: setting it to true here is
	// refused (forbidden); an organization stops its logins by asking the
	// app's vendor.
	LoginsDisabled *bool
	// JoinByDomain lets people with a verified email at one of the
	// organization's verified domains join by themselves, with the role
	// JoinRoleKey ("" is member; never owner).
	JoinByDomain *bool
	JoinRoleKey  *string
}

// UpdateSettings changes the organization's name and login policy within
// what the project enables. A policy that would lock every admin out is
// refused by the tenancy layer (admin_lockout).
func (s *Service) UpdateSettings(ctx context.Context, m Member, in Settings) (*org.Organization, error) {
	if err := requireAdmin(m); err != nil {
		return nil, err
	}
	if in.LoginsDisabled != nil && *in.LoginsDisabled {
		return nil, fault.NewForbidden("only the app's vendor can turn off every login of an organization")
	}
	up := tenancy.OrganizationUpdate{
		Name: in.Name, RequireMFA: in.RequireMFA, RequireSSO: in.RequireSSO,
		SessionMaxLifetime: in.SessionMaxLifetime, SessionIdleTimeout: in.SessionIdleTimeout,
		JoinByDomain: in.JoinByDomain, JoinRoleKey: in.JoinRoleKey,
	}
	if in.AllowedLoginMethods != nil {
		p, err := s.d.Tenancy.GetProject(ctx, m.ProjectID)
		if err != nil {
			return nil, s.internal("get project", err)
		}
		ms, err := project.ParseMethods(*in.AllowedLoginMethods)
		if err != nil {
			return nil, fault.InvalidField("allowed_login_methods", err.Error())
		}
		for _, lm := range ms {
			if !slices.Contains(p.EnabledLoginMethods, lm) {
				return nil, fault.InvalidField("allowed_login_methods", string(lm)+" is not enabled for this app")
			}
		}
		up.AllowedLoginMethods = in.AllowedLoginMethods
	}
	o, err := s.d.Tenancy.UpdateOrganization(ctx, m.actor(), m.ProjectID, string(m.OrgID), up)
	if err != nil {
		return nil, s.internal("update organization", err)
	}
	return o, nil
}
