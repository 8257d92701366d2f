package web

import (
	"net/url"
	"strings"

	"github.com/gatehouse-auth/gatehouse/internal/audit"
	"github.com/gatehouse-auth/gatehouse/internal/console"
	"github.com/gatehouse-auth/gatehouse/internal/rbac"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/tenancy"
)

// Roles and permissions, the audit log, and the staff list.

type consoleRoleRow struct {
	R *rbac.Role
	// Perms is the role's permission set, one key per line, for editing.
	Perms string
}

type consoleRolesView struct {
	Roles       []consoleRoleRow
	Permissions []*rbac.Permission
	// OrgID shows that organization's custom roles too (?org=).
	OrgID string
}

func consoleRolesPage() *cPage {
	return &cPage{
		path: "/projects/{pid}/roles", name: "console_roles", title: "Roles & permissions", section: "roles",
		fields: []string{"key", "name", "description", "permissions", "organization_id"},
		load: func(c *cCtx) (any, error) {
			v := &consoleRolesView{OrgID: strings.TrimSpace(c.r.URL.Query().Get("org"))}
			rs, err := c.con.ListRoles(c.ctx, c.st, c.pid(), v.OrgID)
			if err != nil {
				return nil, err
			}
			for _, r := range rs {
				v.Roles = append(v.Roles, consoleRoleRow{R: r, Perms: strings.Join(r.Permissions, "\n")})
			}
			v.Permissions, err = c.con.ListPermissions(c.ctx, c.st, c.pid())
			return v, err
		},
		actions: map[string]func(c *cCtx) (cResult, error){
			"create_role": func(c *cCtx) (cResult, error) {
				orgID := c.form("organization_id")
				_, err := c.con.CreateRole(c.ctx, c.st, c.pid(), tenancy.RoleInput{
					OrganizationID: orgID, Key: c.form("key"), Name: c.form("name"), Description: c.form("description"), Permissions: c.lines("permissions"),
				})
				to := ""
				if orgID != "" {
					to = c.projectPath("/roles") + "?org=" + url.QueryEscape(orgID)
				}
				return cResult{notice: "role_created", to: to}, err
			},
			"update_role": func(c *cCtx) (cResult, error) {
				name, desc, perms := c.form("name"), c.form("description"), c.lines("permissions")
				_, err := c.con.UpdateRole(c.ctx, c.st, c.pid(), c.form("role_id"), tenancy.RoleUpdate{Name: &name, Description: &desc, Permissions: &perms})
				return cResult{notice: "role_saved"}, err
			},
			"delete_role": func(c *cCtx) (cResult, error) {
				return cResult{notice: "role_deleted"}, c.con.DeleteRole(c.ctx, c.st, c.pid(), c.form("role_id"))
			},
			"create_permission": func(c *cCtx) (cResult, error) {
				_, err := c.con.CreatePermission(c.ctx, c.st, c.pid(), tenancy.PermissionInput{Key: c.form("key"), Description: c.form("description")})
				return cResult{notice: "permission_created"}, err
			},
			"delete_permission": func(c *cCtx) (cResult, error) {
				return cResult{notice: "permission_deleted"}, c.con.DeletePermission(c.ctx, c.st, c.pid(), c.form("permission_id"))
			},
		},
	}
}

type consoleAuditView struct {
	Events []*audit.Event
	OrgID  string
	Type   string
	// Next is the link to the next (older) page, "" on the last one.
	Next string
}

// auditPageSize is how many events one page of the audit log shows.
const auditPageSize = 100

func consoleAuditPage() *cPage {
	return &cPage{
		path: "/projects/{pid}/audit", name: "console_audit", title: "Audit log", section: "audit",
		load: func(c *cCtx) (any, error) {
			q := c.r.URL.Query()
			v := &consoleAuditView{OrgID: strings.TrimSpace(q.Get("org")), Type: strings.TrimSpace(q.Get("type"))}
			es, err := c.con.ListAuditEvents(c.ctx, c.st, c.pid(), tenancy.AuditFilter{OrganizationID: v.OrgID, Type: v.Type},
				store.Page{After: q.Get("after"), Limit: auditPageSize})
			if err != nil {
				return nil, err
			}
			v.Events = es
			if len(es) == auditPageSize {
				next := q
				next.Set("after", string(es[len(es)-1].ID))
				next.Del("notice")
				v.Next = c.projectPath("/audit") + "?" + next.Encode()
			}
			return v, nil
		},
	}
}

type consoleStaffView struct {
	Staff []console.StaffMember
	Me    string
}

func consoleStaffPage() *cPage {
	return &cPage{
		path: "/staff", name: "console_staff", title: "Staff", section: "staff",
		fields: []string{"email", "role"},
		load: func(c *cCtx) (any, error) {
			ms, err := c.con.ListStaff(c.ctx, c.st)
			return &consoleStaffView{Staff: ms, Me: string(c.st.UserID)}, err
		},
		actions: map[string]func(c *cCtx) (cResult, error){
			"invite": func(c *cCtx) (cResult, error) {
				_, err := c.con.InviteStaff(c.ctx, c.st, c.form("email"), c.form("role"))
				return cResult{notice: "staff_invited"}, err
			},
		},
	}
}
