package web

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/audit"
	"github.com/gatehouse-auth/gatehouse/internal/fault"
	"github.com/gatehouse-auth/gatehouse/internal/invite"
	"github.com/gatehouse-auth/gatehouse/internal/project"
	"github.com/gatehouse-auth/gatehouse/internal/rbac"
	"github.com/gatehouse-auth/gatehouse/internal/selfserve"
	"github.com/gatehouse-auth/gatehouse/internal/tenancy"
	"github.com/gatehouse-auth/gatehouse/internal/user"
)

// The organization pages, for the organization's owners and admins.

type overviewView struct {
	Name      string
	ID        string
	Seats     int64
	Active    int64
	HasUsage  bool
	Month     string
	CreatedAt time.Time
}

func orgOverviewPage() *ssPage {
	return &ssPage{
		path: "/org", name: "org_overview", title: "Organization", admin: true, fields: []string{"name"},
		load: func(c *ssCtx) (any, error) {
			ov, err := c.svc.Organization(c.ctx, c.m)
			if err != nil {
				return nil, err
			}
			v := overviewView{Name: ov.Org.Name, ID: string(ov.Org.ID), Seats: ov.Seats, CreatedAt: ov.Org.CreatedAt}
			if u := ov.Usage; u != nil {
				v.HasUsage, v.Seats, v.Active, v.Month = true, u.Seats, u.MonthlyActiveUsers, u.Month
			}
			return v, nil
		},
		actions: map[string]func(*ssCtx) (string, error){
			"rename": func(c *ssCtx) (string, error) {
				name := c.form("name")
				_, err := c.svc.UpdateSettings(c.ctx, c.m, selfserve.Settings{Name: &name})
				return "org_saved", err
			},
		},
	}
}

// roleOption is a choice of role in a form.
type roleOption struct {
	Key  string
	Name string
}

// roleOptions are the roles an admin may hand out: everything the
// organization sees, without owner unless the admin is an owner.
func roleOptions(c *ssCtx) ([]roleOption, error) {
	rs, err := c.svc.ListRoles(c.ctx, c.m)
	if err != nil {
		return nil, err
	}
	var out []roleOption
	for _, r := range rs.Roles {
		if r.Key == rbac.RoleOwner && !c.m.IsOwner() {
			continue
		}
		out = append(out, roleOption{Key: r.Key, Name: r.Name})
	}
	return out, nil
}

type memberView struct {
	ID     string
	Email  string
	Name   string
	Active bool
	Roles  string
	// Choices are the roles the viewer may set, each checked when the
	// member holds it.
	Choices []roleChoice
	Owner   bool
	Self    bool
	// Manageable is false for owners when the viewer is only an admin.
	Manageable bool
}

type roleChoice struct {
	Key     string
	Name    string
	Checked bool
}

type membersView struct {
	Members []memberView
	Roles   []roleOption
	Search  string
	Next    string
}

func orgMembersPage() *ssPage {
	return &ssPage{
		path: "/org/members", name: "org_members", title: "Members", admin: true,
		load: func(c *ssCtx) (any, error) {
			q := c.r.URL.Query()
			rows, next, err := c.svc.ListMembers(c.ctx, c.m, q.Get("q"), c.pageOf())
			if err != nil {
				return nil, err
			}
			opts, err := roleOptions(c)
			if err != nil {
				return nil, err
			}
			v := membersView{Roles: opts, Search: q.Get("q"), Next: next}
			for _, r := range rows {
				owner := slices.Contains(r.Roles, rbac.RoleOwner)
				choices := make([]roleChoice, len(opts))
				for i, o := range opts {
					choices[i] = roleChoice{Key: o.Key, Name: o.Name, Checked: slices.Contains(r.Roles, o.Key)}
				}
				v.Members = append(v.Members, memberView{
					ID: string(r.User.ID), Email: r.User.Email, Name: r.User.DisplayName,
					Active: r.User.Status == user.StatusActive, Roles: strings.Join(r.Roles, ", "), Choices: choices,
					Owner: owner, Self: r.User.ID == c.m.UserID, Manageable: !owner || c.m.IsOwner(),
				})
			}
			return v, nil
		},
		actions: map[string]func(*ssCtx) (string, error){
			"change_role": func(c *ssCtx) (string, error) {
				// Every checked role: the member ends with exactly these.
				_, err := c.svc.SetRoles(c.ctx, c.m, c.form("user_id"), c.r.PostForm["role"])
				return "role_changed", err
			},
			"deactivate": func(c *ssCtx) (string, error) {
				_, err := c.svc.SetMemberStatus(c.ctx, c.m, c.form("user_id"), false)
				return "deactivated", err
			},
			"reactivate": func(c *ssCtx) (string, error) {
				_, err := c.svc.SetMemberStatus(c.ctx, c.m, c.form("user_id"), true)
				return "reactivated", err
			},
			"remove": func(c *ssCtx) (string, error) {
				return "removed", c.svc.RemoveMember(c.ctx, c.m, c.form("user_id"))
			},
		},
	}
}

type inviteView struct {
	ID        string
	Email     string
	Role      string
	State     string
	Pending   bool
	ExpiresAt time.Time
	SentAt    time.Time
	Sends     int
}

type invitesView struct {
	Invites []inviteView
	Roles   []roleOption
}

func orgInvitesPage() *ssPage {
	return &ssPage{
		path: "/org/invites", name: "org_invites", title: "Invites", admin: true, fields: []string{"email", "role"},
		load: func(c *ssCtx) (any, error) {
			invs, err := c.svc.ListInvites(c.ctx, c.m, "", c.pageOf())
			if err != nil {
				return nil, err
			}
			opts, err := roleOptions(c)
			if err != nil {
				return nil, err
			}
			now := c.h.now()
			v := invitesView{Roles: opts}
			for _, i := range invs {
				st := i.State(now)
				v.Invites = append(v.Invites, inviteView{ID: string(i.ID), Email: i.Email, Role: i.RoleKey, State: string(st),
					Pending: st == invite.StatusPending, ExpiresAt: i.ExpiresAt, SentAt: i.LastSentAt, Sends: i.SendCount})
			}
			return v, nil
		},
		actions: map[string]func(*ssCtx) (string, error){
			"invite": func(c *ssCtx) (string, error) {
				_, err := c.svc.CreateInvite(c.ctx, c.m, c.form("email"), c.form("role"))
				return "invited", err
			},
			"revoke": func(c *ssCtx) (string, error) {
				_, err := c.svc.RevokeInvite(c.ctx, c.m, c.form("invite_id"))
				return "invite_revoked", err
			},
			"resend": func(c *ssCtx) (string, error) {
				_, err := c.svc.ResendInvite(c.ctx, c.m, c.form("invite_id"))
				return "invite_resent", err
			},
		},
	}
}

type roleView struct {
	ID          string
	Key         string
	Name        string
	Description string
	Permissions []string
	// Perms are the project's permissions, checked when the role has them.
	Perms   []permView
	Custom  bool
	Builtin bool
}

type permView struct {
	Key         string
	Description string
	Checked     bool
}

type rolesView struct {
	Roles []roleView
	// NewPerms are the permissions of the form that adds a role, checked
	// as submitted.
	NewPerms    []permView
	CustomRoles bool
}

func orgRolesPage() *ssPage {
	return &ssPage{
		path: "/org/roles", name: "org_roles", title: "Roles", admin: true,
		fields: []string{"key", "name", "description", "permissions"},
		load: func(c *ssCtx) (any, error) {
			rs, err := c.svc.ListRoles(c.ctx, c.m)
			if err != nil {
				return nil, err
			}
			perms := func(have []string) []permView {
				out := make([]permView, 0, len(rs.Permissions))
				for _, p := range rs.Permissions {
					out = append(out, permView{Key: p.Key, Description: p.Description, Checked: slices.Contains(have, p.Key)})
				}
				return out
			}
			v := rolesView{CustomRoles: rs.CustomRoles, NewPerms: perms(c.r.PostForm["permissions"])}
			for _, r := range rs.Roles {
				rv := roleView{ID: string(r.ID), Key: r.Key, Name: r.Name, Description: r.Description,
					Permissions: r.Permissions, Custom: r.OrganizationID != "", Builtin: r.Builtin}
				if rv.Custom {
					rv.Perms = perms(r.Permissions)
				}
				v.Roles = append(v.Roles, rv)
			}
			return v, nil
		},
		actions: map[string]func(*ssCtx) (string, error){
			"create": func(c *ssCtx) (string, error) {
				_, err := c.svc.CreateRole(c.ctx, c.m, selfserve.RoleInput{
					Key: c.form("key"), Name: c.form("name"), Description: c.form("description"), Permissions: c.r.PostForm["permissions"],
				})
				return "role_created", err
			},
			"update": func(c *ssCtx) (string, error) {
				_, err := c.svc.UpdateRole(c.ctx, c.m, c.form("role_id"), selfserve.RoleInput{
					Name: c.form("name"), Description: c.form("description"), Permissions: c.r.PostForm["permissions"],
				})
				return "role_saved", err
			},
			"delete": func(c *ssCtx) (string, error) {
				return "role_deleted", c.svc.DeleteRole(c.ctx, c.m, c.form("role_id"))
			},
		},
	}
}

type domainView struct {
	ID          string
	Name        string
	Verified    bool
	RecordName  string
	RecordValue string
	LastError   string
	VerifiedAt  time.Time
	CheckedAt   time.Time
}

func orgDomainsPage() *ssPage {
	return &ssPage{
		path: "/org/domains", name: "org_domains", title: "Domains", admin: true, fields: []string{"domain", "name"},
		load: func(c *ssCtx) (any, error) {
			ds, err := c.svc.ListDomains(c.ctx, c.m, c.pageOf())
			if err != nil {
				return nil, err
			}
			var v []domainView
			for _, d := range ds {
				dv := domainView{ID: string(d.ID), Name: d.Name, Verified: d.Status == "verified",
					RecordName: d.RecordName(), RecordValue: d.RecordValue(), LastError: d.LastError}
				if d.VerifiedAt != nil {
					dv.VerifiedAt = *d.VerifiedAt
				}
				if d.LastCheckedAt != nil {
					dv.CheckedAt = *d.LastCheckedAt
				}
				v = append(v, dv)
			}
			return v, nil
		},
		actions: map[string]func(*ssCtx) (string, error){
			"add": func(c *ssCtx) (string, error) {
				_, err := c.svc.AddDomain(c.ctx, c.m, c.form("domain"))
				return "domain_added", err
			},
			"verify": func(c *ssCtx) (string, error) {
				_, err := c.svc.VerifyDomain(c.ctx, c.m, c.form("domain_id"))
				if fault.CodeOf(err) == "domain_not_verified" {
					// What the lookup found is kept on the domain and
					// shown beside it.
					return "domain_pending", nil
				}
				return "domain_verified", err
			},
			"delete": func(c *ssCtx) (string, error) {
				return "domain_deleted", c.svc.DeleteDomain(c.ctx, c.m, c.form("domain_id"))
			},
		},
	}
}

// methodLabels name the login methods for people.
var methodLabels = map[project.LoginMethod]string{
	project.MethodEmail:     "Email code or link",
	project.MethodPassword:  "Password",
	project.MethodGoogle:    "Google",
	project.MethodMicrosoft: "Microsoft",
	project.MethodGitHub:    "GitHub",
	project.MethodSAML:      "SAML single sign-on",
	project.MethodOIDC:      "OpenID Connect single sign-on",
	project.MethodPasskey:   "Passkey",
}

type methodOption struct {
	Key     string
	Label   string
	Checked bool
}

type policyView struct {
	Methods        []methodOption
	RequireMFA     bool
	RequireSSO     bool
	MaxHours       string
	IdleMinutes    string
	DefaultHours   string
	DefaultMinutes string
	LoginsDisabled bool
	JoinByDomain   bool
	JoinRole       string
	// JoinRoles are the roles people who join by domain may get: any the
	// organization sees but owner.
	JoinRoles []roleOption
}

func orgPolicyPage() *ssPage {
	return &ssPage{
		path: "/org/policy", name: "org_policy", title: "Login policy", admin: true,
		fields: []string{"allowed_login_methods", "session_max_hours", "session_idle_minutes", "join_role"},
		load: func(c *ssCtx) (any, error) {
			ov, err := c.svc.Organization(c.ctx, c.m)
			if err != nil {
				return nil, err
			}
			o, p := ov.Org, ov.Project
			v := policyView{RequireMFA: o.Policy.RequireMFA, RequireSSO: o.Policy.RequireSSO, LoginsDisabled: o.Policy.LoginsDisabled,
				DefaultHours: hours(p.SessionMaxLifetime), DefaultMinutes: minutes(p.SessionIdleTimeout),
				JoinByDomain: o.Policy.JoinByDomain, JoinRole: o.Policy.JoinRoleKey}
			if v.JoinRole == "" {
				v.JoinRole = rbac.RoleMember
			}
			rs, err := c.svc.ListRoles(c.ctx, c.m)
			if err != nil {
				return nil, err
			}
			for _, r := range rs.Roles {
				if r.Key != rbac.RoleOwner {
					v.JoinRoles = append(v.JoinRoles, roleOption{Key: r.Key, Name: r.Name})
				}
			}
			if d := o.Policy.SessionMaxLifetime; d != nil {
				v.MaxHours = hours(*d)
			}
			if d := o.Policy.SessionIdleTimeout; d != nil {
				v.IdleMinutes = minutes(*d)
			}
			for _, m := range p.EnabledLoginMethods {
				v.Methods = append(v.Methods, methodOption{Key: string(m), Label: methodLabels[m], Checked: slices.Contains(o.Policy.AllowedLoginMethods, m)})
			}
			return v, nil
		},
		actions: map[string]func(*ssCtx) (string, error){
			"save": func(c *ssCtx) (string, error) {
				in, err := policyInput(c)
				if err != nil {
					return "", err
				}
				_, err = c.svc.UpdateSettings(c.ctx, c.m, in)
				return "policy_saved", err
			},
		},
	}
}

// policyInput reads the policy form. Empty lifetimes go back to the app's
// defaults.
func policyInput(c *ssCtx) (selfserve.Settings, error) {
	methods := c.r.PostForm["methods"]
	if methods == nil {
		methods = []string{}
	}
	mfa, sso, join := c.form("require_mfa") == "on", c.form("require_sso") == "on", c.form("join_by_domain") == "on"
	joinRole := c.form("join_role")
	in := selfserve.Settings{AllowedLoginMethods: &methods, RequireMFA: &mfa, RequireSSO: &sso, JoinByDomain: &join, JoinRoleKey: &joinRole}
	maxLife, err := durationField(c.form("session_max_hours"), "session_max_hours", time.Hour)
	if err != nil {
		return in, err
	}
	idle, err := durationField(c.form("session_idle_minutes"), "session_idle_minutes", time.Minute)
	if err != nil {
		return in, err
	}
	in.SessionMaxLifetime, in.SessionIdleTimeout = maxLife, idle
	return in, nil
}

func durationField(s, field string, unit time.Duration) (*tenancy.DurationChange, error) {
	if s == "" {
		return &tenancy.DurationChange{}, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n <= 0 || n > 366*24*int(time.Hour/unit) {
		return nil, fault.InvalidField(field, "enter a whole number, or leave empty for the app's default")
	}
	d := time.Duration(n) * unit
	return &tenancy.DurationChange{Value: &d}, nil
}

func hours(d time.Duration) string   { return strconv.FormatInt(int64(d/time.Hour), 10) }
func minutes(d time.Duration) string { return strconv.FormatInt(int64(d/time.Minute), 10) }

func orgSessionsPage() *ssPage {
	return &ssPage{
		path: "/org/sessions", name: "org_sessions", title: "Active sessions", admin: true,
		load: func(c *ssCtx) (any, error) {
			rows, next, err := c.svc.ListOrgSessions(c.ctx, c.m, c.pageOf())
			if err != nil {
				return nil, err
			}
			return sessionViews(rows, next), nil
		},
		actions: map[string]func(*ssCtx) (string, error){
			"revoke": func(c *ssCtx) (string, error) {
				return "session_revoked", c.svc.RevokeOrgSession(c.ctx, c.m, c.form("session_id"))
			},
		},
	}
}

type eventView struct {
	ID       string
	When     time.Time
	Type     string
	Actor    string
	Resource string
}

type auditView struct {
	Events []eventView
	Next   string
}

func orgAuditPage() *ssPage {
	return &ssPage{
		path: "/org/audit", name: "org_audit", title: "Audit log", admin: true,
		load: func(c *ssCtx) (any, error) {
			es, next, err := c.svc.ListAudit(c.ctx, c.m, c.pageOf())
			if err != nil {
				return nil, err
			}
			v := auditView{Next: next}
			names := map[string]string{}
			for _, e := range es {
				v.Events = append(v.Events, eventView{ID: string(e.ID), When: e.OccurredAt, Type: e.Type,
					Actor: actorName(c, names, e.Actor), Resource: resourceName(c, names, e.ResourceType, e.ResourceID)})
			}
			return v, nil
		},
	}
}

// actorName names an audit actor for people: a member of the organization
// by email, anyone else (the vendor's keys, staff, Gatehouse itself) by
// kind and ID.
func actorName(c *ssCtx, cache map[string]string, a audit.Actor) string {
	name := string(a.Type) + " " + a.ID
	if a.Type != audit.ActorUser {
		return name
	}
	if n, ok := cache[a.ID]; ok {
		return n
	}
	if row, err := c.svc.GetMember(c.ctx, c.m, a.ID); err == nil {
		name = row.User.Email
	}
	cache[a.ID] = name
	return name
}

// resourceName names what an event is about: a member by email, anything
// else by type and ID.
func resourceName(c *ssCtx, cache map[string]string, typ, rid string) string {
	if typ == "user" {
		return actorName(c, cache, audit.Actor{Type: audit.ActorUser, ID: rid})
	}
	return typ + " " + rid
}
