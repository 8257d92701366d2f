package web

import (
	"slices"
	"strconv"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/domain"
	"github.com/gatehouse-auth/gatehouse/internal/fault"
	"github.com/gatehouse-auth/gatehouse/internal/invite"
	"github.com/gatehouse-auth/gatehouse/internal/org"
	"github.com/gatehouse-auth/gatehouse/internal/rbac"
	"github.com/gatehouse-auth/gatehouse/internal/session"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/tenancy"
	"github.com/gatehouse-auth/gatehouse/internal/user"
)

// A project's organizations: list and create, and one organization's
// policy, members, invitations, domains and usage.

type consoleOrgsView struct {
	Orgs []*org.Organization
	// Next is the link to the next page, "" on the last one.
	Next string
}

// listPageSize is how many rows one page of a console list shows.
const listPageSize = 100

func consoleOrgsPage() *cPage {
	return &cPage{
		path: "/projects/{pid}/orgs", name: "console_orgs", title: "Organizations", section: "orgs",
		fields: []string{"name"},
		load: func(c *cCtx) (any, error) {
			os, err := c.con.ListOrganizations(c.ctx, c.st, c.pid(), store.Page{After: c.r.URL.Query().Get("after"), Limit: listPageSize})
			if err != nil {
				return nil, err
			}
			v := &consoleOrgsView{Orgs: os}
			if len(os) == listPageSize {
				v.Next = c.projectPath("/orgs") + "?after=" + string(os[len(os)-1].ID)
			}
			return v, nil
		},
		actions: map[string]func(c *cCtx) (cResult, error){
			"create": func(c *cCtx) (cResult, error) {
				name := c.form("name")
				o, err := c.con.CreateOrganization(c.ctx, c.st, c.pid(), tenancy.OrganizationUpdate{Name: &name})
				if err != nil {
					return cResult{}, err
				}
				return cResult{notice: "org_created", to: c.projectPath("/orgs/" + string(o.ID))}, nil
			},
		},
	}
}

type consoleInviteRow struct {
	I     *invite.Invite
	State string
}

type consoleOrgView struct {
	O       *org.Organization
	Methods []consoleMethod
	// MaxLifetimeMinutes and IdleTimeoutMinutes are "" when the project's
	// default applies.
	MaxLifetimeMinutes string
	IdleTimeoutMinutes string
	Roles              []*rbac.Role
	Members            []*user.User
	Invites            []consoleInviteRow
	InvitesError       string
	Domains            []*domain.Domain
	DomainsError       string
	Usage              *session.Usage
	UsageError         string
}

func minutesOf(d *time.Duration) string {
	if d == nil {
		return ""
	}
	return strconv.FormatInt(int64(*d/time.Minute), 10)
}

// unavailable is what a section shows when its service cannot answer
// (not on this server yet, or failing): the rest of the page still works.
func unavailable(err error) string {
	fe := fault.From(consoleFault(err))
	if fe.Kind == fault.Internal {
		return "This section could not be loaded."
	}
	return sentence(fe.Message)
}

func consoleOrgPage() *cPage {
	return &cPage{
		path: "/projects/{pid}/orgs/{oid}", name: "console_org", title: "Organization", section: "orgs",
		fields: []string{"name", "allowed_login_methods", "session_max_lifetime_seconds", "session_idle_timeout_seconds",
			"join_role", "email", "role", "domain"},
		load: func(c *cCtx) (any, error) {
			o, err := c.con.GetOrganization(c.ctx, c.st, c.pid(), c.r.PathValue("oid"))
			if err != nil {
				return nil, err
			}
			v := &consoleOrgView{O: o, MaxLifetimeMinutes: minutesOf(o.Policy.SessionMaxLifetime), IdleTimeoutMinutes: minutesOf(o.Policy.SessionIdleTimeout)}
			// Only the methods the project enables can be used, so only
			// they are offered; the rest of the stored list is kept on save.
			for _, m := range c.proj.EnabledLoginMethods {
				v.Methods = append(v.Methods, consoleMethod{Value: string(m), Label: consoleMethodLabels[m], Checked: containsMethod(o.Policy.AllowedLoginMethods, m)})
			}
			if v.Roles, err = c.con.ListRoles(c.ctx, c.st, c.pid(), string(o.ID)); err != nil {
				return nil, err
			}
			if v.Members, err = c.con.ListUsers(c.ctx, c.st, c.pid(), tenancy.UserListFilter{OrganizationID: string(o.ID)}, store.Page{Limit: listPageSize}); err != nil {
				return nil, err
			}
			now := c.h.now()
			if is, err := c.con.ListInvites(c.ctx, c.st, c.pid(), o.ID); err != nil {
				v.InvitesError = unavailable(err)
			} else {
				for _, i := range is {
					v.Invites = append(v.Invites, consoleInviteRow{I: i, State: string(i.State(now))})
				}
			}
			if v.Domains, err = c.con.ListDomains(c.ctx, c.st, c.pid(), string(o.ID)); err != nil {
				v.DomainsError = unavailable(err)
			}
			if v.Usage, err = c.con.Usage(c.ctx, c.st, c.pid(), string(o.ID), ""); err != nil {
				v.UsageError = unavailable(err)
			}
			return v, nil
		},
		actions: map[string]func(c *cCtx) (cResult, error){
			"policy": func(c *cCtx) (cResult, error) {
				up := tenancy.OrganizationUpdate{}
				name := c.form("name")
				methods, err := c.allowedMethods()
				if err != nil {
					return cResult{}, err
				}
				mfa, sso, off, join := c.checked("require_mfa"), c.checked("require_sso"), c.checked("logins_disabled"), c.checked("join_by_domain")
				joinRole := c.form("join_role")
				up.Name, up.AllowedLoginMethods, up.RequireMFA, up.RequireSSO, up.LoginsDisabled = &name, &methods, &mfa, &sso, &off
				up.JoinByDomain, up.JoinRoleKey = &join, &joinRole
				if up.SessionMaxLifetime, err = optionalMinutes(c, "session_max_lifetime_minutes", "session_max_lifetime_seconds"); err != nil {
					return cResult{}, err
				}
				if up.SessionIdleTimeout, err = optionalMinutes(c, "session_idle_timeout_minutes", "session_idle_timeout_seconds"); err != nil {
					return cResult{}, err
				}
				_, err = c.con.UpdateOrganization(c.ctx, c.st, c.pid(), c.r.PathValue("oid"), up)
				return cResult{notice: "policy_saved"}, err
			},
			"invite": func(c *cCtx) (cResult, error) {
				_, err := c.con.CreateInvite(c.ctx, c.st, c.pid(), invite.Input{OrgID: c.r.PathValue("oid"), Email: c.form("email"), RoleKey: c.form("role")})
				return cResult{notice: "invite_sent"}, err
			},
			"revoke_invite": func(c *cCtx) (cResult, error) {
				_, err := c.con.RevokeInvite(c.ctx, c.st, c.pid(), c.form("invite_id"))
				return cResult{notice: "invite_revoked"}, err
			},
			"resend_invite": func(c *cCtx) (cResult, error) {
				_, err := c.con.ResendInvite(c.ctx, c.st, c.pid(), c.form("invite_id"))
				return cResult{notice: "invite_resent"}, err
			},
			"add_domain": func(c *cCtx) (cResult, error) {
				_, err := c.con.AddDomain(c.ctx, c.st, c.pid(), c.r.PathValue("oid"), c.form("domain"))
				return cResult{notice: "domain_added"}, err
			},
			"verify_domain": func(c *cCtx) (cResult, error) {
				_, err := c.con.VerifyDomain(c.ctx, c.st, c.pid(), c.form("domain_id"))
				return cResult{notice: "domain_verified"}, err
			},
			"delete_domain": func(c *cCtx) (cResult, error) {
				return cResult{notice: "domain_deleted"}, c.con.DeleteDomain(c.ctx, c.st, c.pid(), c.form("domain_id"))
			},
		},
	}
}

// allowedMethods is an organization's allowed sign-in methods after a save
// of the policy form: the boxes checked among the methods the project
// enables, plus every stored method the project does not enable (the form
// does not show those, and a save must not drop them: they apply again if
// the project enables the method later).
func (c *cCtx) allowedMethods() ([]string, error) {
	out := []string{}
	for _, m := range c.r.PostForm["allowed_login_methods"] {
		if !slices.Contains(out, m) {
			out = append(out, m)
		}
	}
	o, err := c.con.GetOrganization(c.ctx, c.st, c.pid(), c.r.PathValue("oid"))
	if err != nil {
		return nil, err
	}
	for _, m := range o.Policy.AllowedLoginMethods {
		if !containsMethod(c.proj.EnabledLoginMethods, m) && !slices.Contains(out, string(m)) {
			out = append(out, string(m))
		}
	}
	return out, nil
}

// optionalMinutes reads an override in minutes: empty resets it to the
// project's default.
func optionalMinutes(c *cCtx, key, errField string) (*tenancy.DurationChange, error) {
	if c.form(key) == "" {
		return &tenancy.DurationChange{}, nil
	}
	d, err := minutesField(c, key, errField)
	if err != nil {
		return nil, err
	}
	return &tenancy.DurationChange{Value: &d}, nil
}
