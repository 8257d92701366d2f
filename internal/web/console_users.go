package web

import (
	"net/url"

	"github.com/gatehouse-auth/gatehouse/internal/console"
	"github.com/gatehouse-auth/gatehouse/internal/fault"
	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/org"
	"github.com/gatehouse-auth/gatehouse/internal/rbac"
	"github.com/gatehouse-auth/gatehouse/internal/session"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/tenancy"
	"github.com/gatehouse-auth/gatehouse/internal/user"
)

// A project's users: search by email or organization, and one user's
// roles, status, sessions and impersonation.

type consoleUsersView struct {
	Users []*user.User
	Email string
	OrgID string
	// Next is the link to the next page, "" on the last one.
	Next string
}

func consoleUsersPage() *cPage {
	return &cPage{
		path: "/projects/{pid}/users", name: "console_users", title: "Users", section: "users",
		load: func(c *cCtx) (any, error) {
			q := c.r.URL.Query()
			v := &consoleUsersView{Email: q.Get("email"), OrgID: q.Get("org")}
			us, err := c.con.ListUsers(c.ctx, c.st, c.pid(), tenancy.UserListFilter{OrganizationID: v.OrgID, Email: v.Email},
				store.Page{After: q.Get("after"), Limit: listPageSize})
			if err != nil {
				return nil, err
			}
			v.Users = us
			if len(us) == listPageSize {
				next := url.Values{"after": {string(us[len(us)-1].ID)}}
				if v.Email != "" {
					next.Set("email", v.Email)
				}
				if v.OrgID != "" {
					next.Set("org", v.OrgID)
				}
				v.Next = c.projectPath("/users") + "?" + next.Encode()
			}
			return v, nil
		},
	}
}

type consoleUserView struct {
	U        *user.User
	Org      *org.Organization
	Roles    []*rbac.Role
	Assign   []*rbac.Role
	Sessions []*session.Session
	// AppURL is where an impersonation lands ("" means the account page).
	AppURL string
	// CanImpersonate is false for the console's own staff.
	CanImpersonate bool
}

func consoleUserPage() *cPage {
	return &cPage{
		path: "/projects/{pid}/users/{uid}", name: "console_user", title: "User", section: "users",
		fields: []string{"role", "reason"},
		toApp:  true,
		load: func(c *cCtx) (any, error) {
			u, roles, err := c.con.GetUser(c.ctx, c.st, c.pid(), c.r.PathValue("uid"))
			if err != nil {
				return nil, err
			}
			v := &consoleUserView{U: u, Roles: roles, AppURL: c.proj.AppURL, CanImpersonate: c.pid() != c.cp}
			if v.Org, err = c.con.GetOrganization(c.ctx, c.st, c.pid(), string(u.OrganizationID)); err != nil {
				return nil, err
			}
			all, err := c.con.ListRoles(c.ctx, c.st, c.pid(), string(u.OrganizationID))
			if err != nil {
				return nil, err
			}
			held := map[id.Role]bool{}
			for _, r := range roles {
				held[r.ID] = true
			}
			for _, r := range all {
				if !held[r.ID] {
					v.Assign = append(v.Assign, r)
				}
			}
			v.Sessions, err = c.con.ListUserSessions(c.ctx, c.st, c.pid(), u.ID)
			return v, err
		},
		actions: map[string]func(c *cCtx) (cResult, error){
			"assign_role": func(c *cCtx) (cResult, error) {
				_, err := c.con.AssignRole(c.ctx, c.st, c.pid(), c.r.PathValue("uid"), c.form("role"))
				return cResult{notice: "role_assigned"}, err
			},
			"unassign_role": func(c *cCtx) (cResult, error) {
				return cResult{notice: "role_unassigned"}, c.con.UnassignRole(c.ctx, c.st, c.pid(), c.r.PathValue("uid"), c.form("role_id"))
			},
			"deactivate": func(c *cCtx) (cResult, error) {
				_, err := c.con.SetUserStatus(c.ctx, c.st, c.pid(), c.r.PathValue("uid"), user.StatusDeactivated)
				return cResult{notice: "user_deactivated"}, err
			},
			"reactivate": func(c *cCtx) (cResult, error) {
				_, err := c.con.SetUserStatus(c.ctx, c.st, c.pid(), c.r.PathValue("uid"), user.StatusActive)
				return cResult{notice: "user_reactivated"}, err
			},
			"revoke_sessions": func(c *cCtx) (cResult, error) {
				uid, err := id.Parse[id.User](c.r.PathValue("uid"))
				if err != nil {
					return cResult{}, fault.NewNotFound("user")
				}
				_, err = c.con.RevokeUserSessions(c.ctx, c.st, c.pid(), uid)
				return cResult{notice: "sessions_revoked"}, err
			},
			"revoke_session": func(c *cCtx) (cResult, error) {
				sid, err := id.Parse[id.Session](c.form("session_id"))
				if err != nil {
					return cResult{}, fault.NewNotFound("session")
				}
				return cResult{notice: "session_revoked"}, c.con.RevokeSession(c.ctx, c.st, c.pid(), sid)
			},
			"impersonate": func(c *cCtx) (cResult, error) {
				cl := c.h.client(c.r)
				sess, token, err := c.con.Impersonate(c.ctx, c.st, c.pid(), c.r.PathValue("uid"), console.ImpersonationInput{
					Reason: c.r.PostFormValue("reason"), UserAgent: cl.UserAgent, IP: cl.IP,
				})
				if err != nil {
					return cResult{}, err
				}
				pid := string(c.pid())
				c.h.cookies.set(c.w, sessionCookieName(pid), pid, token, sess.ExpiresAt)
				to := c.proj.AppURL
				if to == "" {
					to = "/p/" + pid + "/account"
				}
				return cResult{to: to}, nil
			},
		},
	}
}
