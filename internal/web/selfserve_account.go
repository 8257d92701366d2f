package web

import (
	"strings"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/selfserve"
)

// The account pages: every signed-in user's own profile, password and
// sessions.

type accountView struct {
	Email       string
	DisplayName string
	Roles       string
	OrgName     string
}

func accountProfilePage() *ssPage {
	return &ssPage{
		path: "/account", name: "account_profile", title: "Your profile", fields: []string{"display_name"},
		load: func(c *ssCtx) (any, error) {
			a, err := c.svc.Account(c.ctx, c.m)
			if err != nil {
				return nil, err
			}
			v := accountView{Email: a.User.Email, DisplayName: a.User.DisplayName, Roles: strings.Join(a.Roles, ", ")}
			if c.grant.Org != nil {
				v.OrgName = c.grant.Org.Name
			}
			return v, nil
		},
		actions: map[string]func(*ssCtx) (string, error){
			"save": func(c *ssCtx) (string, error) {
				_, err := c.svc.UpdateProfile(c.ctx, c.m, c.form("display_name"))
				return "profile_saved", err
			},
		},
	}
}

type passwordView struct {
	HasPassword      bool
	PasswordsEnabled bool
	Impersonated     bool
	Email            string
}

func accountPasswordPage() *ssPage {
	return &ssPage{
		path: "/account/password", name: "account_password", title: "Your password",
		fields: []string{"current_password", "new_password"},
		load: func(c *ssCtx) (any, error) {
			a, err := c.svc.Account(c.ctx, c.m)
			if err != nil {
				return nil, err
			}
			return passwordView{HasPassword: a.HasPassword, PasswordsEnabled: a.PasswordsEnabled, Impersonated: c.m.Impersonated, Email: a.User.Email}, nil
		},
		actions: map[string]func(*ssCtx) (string, error){
			"change": func(c *ssCtx) (string, error) {
				// Passwords are taken as typed: spaces are part of them.
				_, err := c.svc.ChangePassword(c.ctx, c.m, c.r.PostFormValue("current_password"), c.r.PostFormValue("new_password"))
				// Never echo passwords back into the page.
				c.r.PostForm.Del("current_password")
				c.r.PostForm.Del("new_password")
				return "password_changed", err
			},
		},
	}
}

// sessionView is one session row.
type sessionView struct {
	ID         string
	Email      string
	Current    bool
	Created    time.Time
	LastActive time.Time
	Expires    time.Time
	UserAgent  string
	IP         string
	// App is "" for the hosted pages' own session, else the OAuth client.
	App string
}

type sessionsView struct {
	Sessions []sessionView
	Next     string
}

func sessionViews(rows []selfserve.SessionRow, next string) sessionsView {
	v := sessionsView{Next: next}
	for _, r := range rows {
		s := r.Session
		v.Sessions = append(v.Sessions, sessionView{
			ID: string(s.ID), Email: r.Email, Current: r.Current, Created: s.CreatedAt, LastActive: s.LastActiveAt,
			Expires: earlier(s.ExpiresAt, s.IdleExpiresAt), UserAgent: s.UserAgent, IP: s.IP, App: string(s.ClientID),
		})
	}
	return v
}

func earlier(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func accountSessionsPage() *ssPage {
	return &ssPage{
		path: "/account/sessions", name: "account_sessions", title: "Your sessions",
		load: func(c *ssCtx) (any, error) {
			rows, next, err := c.svc.ListOwnSessions(c.ctx, c.m, c.pageOf())
			if err != nil {
				return nil, err
			}
			return sessionViews(rows, next), nil
		},
		actions: map[string]func(*ssCtx) (string, error){
			"revoke": func(c *ssCtx) (string, error) {
				return "session_revoked", c.svc.RevokeOwnSession(c.ctx, c.m, c.form("session_id"))
			},
			"signout_others": func(c *ssCtx) (string, error) {
				_, err := c.svc.SignOutOthers(c.ctx, c.m)
				return "others_signed_out", err
			},
		},
	}
}
