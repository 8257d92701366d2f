package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/fault"
	"github.com/gatehouse-auth/gatehouse/internal/oidc"
	"github.com/gatehouse-auth/gatehouse/internal/project"
	"github.com/gatehouse-auth/gatehouse/internal/secretkey"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/tenancy"
)

// Projects, a project's settings, its OAuth clients and its secret keys.

type consoleProjectRow struct {
	ID        string
	Name      string
	IsConsole bool
	CreatedAt time.Time
}

type consoleProjectsView struct {
	Projects []consoleProjectRow
	// ShowConsole lists the console's own project too (?all=1).
	ShowConsole bool
	HiddenCount int
}

func consoleProjectsPage() *cPage {
	return &cPage{
		path: "/{$}", name: "console_projects", title: "Projects", section: "projects",
		fields: []string{"name"},
		load: func(c *cCtx) (any, error) {
			ps, err := c.con.ListProjects(c.ctx, c.st, store.Page{})
			if err != nil {
				return nil, err
			}
			v := &consoleProjectsView{ShowConsole: c.r.URL.Query().Get("all") == "1"}
			for _, p := range ps {
				isConsole := p.ID == c.cp
				if isConsole && !v.ShowConsole {
					v.HiddenCount++
					continue
				}
				v.Projects = append(v.Projects, consoleProjectRow{ID: string(p.ID), Name: p.Name, IsConsole: isConsole, CreatedAt: p.CreatedAt})
			}
			return v, nil
		},
		actions: map[string]func(c *cCtx) (cResult, error){
			"create": func(c *cCtx) (cResult, error) {
				p, key, secret, err := c.con.CreateProject(c.ctx, c.st, tenancy.ProjectInput{
					Name: c.form("name"), AutoCreateOrganizations: c.checked("auto_create_organizations"),
				})
				if err != nil {
					return cResult{}, err
				}
				return cResult{secret: &secretView{
					Heading: "Project created", What: "Secret key of " + p.Name, ID: string(key.ID), Secret: secret,
					Next: consoleBase(c.cp) + "/projects/" + string(p.ID),
				}}, nil
			},
		},
	}
}

// consoleMethod is one login method checkbox.
type consoleMethod struct {
	Value   string
	Label   string
	Checked bool
}

var consoleMethodLabels = map[project.LoginMethod]string{
	project.MethodEmail: "Email code and magic link", project.MethodPassword: "Password",
	project.MethodGoogle: "Google", project.MethodMicrosoft: "Microsoft", project.MethodGitHub: "GitHub",
	project.MethodSAML: "SAML single sign-on", project.MethodOIDC: "OpenID Connect single sign-on",
	project.MethodPasskey: "Passkeys",
}

type consoleSettingsView struct {
	ID                 string
	Name               string
	Methods            []consoleMethod
	TrustedOrigins     string
	MaxLifetimeMinutes string
	// MaxLifetimeWords and IdleTimeoutWords say the stored values in days,
	// hours and minutes, which a number of minutes hides.
	MaxLifetimeWords, IdleTimeoutWords string
	IdleTimeoutMinutes                 string
	AutoCreate, SelfServe, CustomRoles bool
	BrandColor, LogoURL, AppURL        string
}

func joinLines(vs []string) string {
	out := ""
	for i, v := range vs {
		if i > 0 {
			out += "\n"
		}
		out += v
	}
	return out
}

func consoleSettingsPage() *cPage {
	return &cPage{
		path: "/projects/{pid}", name: "console_settings", title: "Settings", section: "settings",
		fields: []string{"name", "enabled_login_methods", "trusted_origins",
			"session_max_lifetime_seconds", "session_idle_timeout_seconds", "brand_color", "logo_url", "app_url"},
		load: func(c *cCtx) (any, error) {
			p := c.proj
			v := &consoleSettingsView{ID: string(p.ID), Name: p.Name, TrustedOrigins: joinLines(p.TrustedOrigins),
				MaxLifetimeMinutes: strconv.FormatInt(int64(p.SessionMaxLifetime/time.Minute), 10),
				IdleTimeoutMinutes: strconv.FormatInt(int64(p.SessionIdleTimeout/time.Minute), 10),
				AutoCreate:         p.AutoCreateOrganizations, SelfServe: p.SelfServeCreateOrganizations, CustomRoles: p.AllowCustomRoles,
				BrandColor: p.BrandColor, LogoURL: p.LogoURL, AppURL: p.AppURL,
				MaxLifetimeWords: spanWords(p.SessionMaxLifetime), IdleTimeoutWords: spanWords(p.SessionIdleTimeout)}
			enabled := p.EnabledLoginMethods
			if f := c.r.PostForm; c.r.Method == http.MethodPost && f != nil {
				// Answering a refused save: show what was typed, not what is stored.
				v.Name, v.TrustedOrigins = f.Get("name"), f.Get("trusted_origins")
				v.MaxLifetimeMinutes, v.IdleTimeoutMinutes = f.Get("session_max_lifetime_minutes"), f.Get("session_idle_timeout_minutes")
				v.AutoCreate, v.SelfServe, v.CustomRoles = f.Get("auto_create_organizations") != "", f.Get("self_serve_create_organizations") != "", f.Get("allow_custom_roles") != ""
				v.BrandColor, v.LogoURL, v.AppURL = f.Get("brand_color"), f.Get("logo_url"), f.Get("app_url")
				enabled = nil
				for _, m := range f["enabled_login_methods"] {
					enabled = append(enabled, project.LoginMethod(m))
				}
			}
			for _, m := range project.AllMethods {
				v.Methods = append(v.Methods, consoleMethod{Value: string(m), Label: consoleMethodLabels[m], Checked: containsMethod(enabled, m)})
			}
			return v, nil
		},
		actions: map[string]func(c *cCtx) (cResult, error){
			"save": func(c *cCtx) (cResult, error) {
				maxLife, err := minutesField(c, "session_max_lifetime_minutes", "session_max_lifetime_seconds")
				if err != nil {
					return cResult{}, err
				}
				idle, err := minutesField(c, "session_idle_timeout_minutes", "session_idle_timeout_seconds")
				if err != nil {
					return cResult{}, err
				}
				name, methods := c.form("name"), c.r.PostForm["enabled_login_methods"]
				if methods == nil {
					methods = []string{}
				}
				// The project's own redirect_uris are not on the page: sign-in
				// checks each OAuth client's, so saving leaves them as they are.
				origins := c.lines("trusted_origins")
				autoCreate, selfServe, custom := c.checked("auto_create_organizations"), c.checked("self_serve_create_organizations"), c.checked("allow_custom_roles")
				color, logo, app := c.form("brand_color"), c.form("logo_url"), c.form("app_url")
				_, err = c.con.UpdateProject(c.ctx, c.st, c.pid(), tenancy.ProjectUpdate{
					Name: &name, EnabledLoginMethods: &methods, TrustedOrigins: &origins,
					AutoCreateOrganizations: &autoCreate, SelfServeCreateOrganizations: &selfServe, AllowCustomRoles: &custom,
					SessionMaxLifetime: &maxLife, SessionIdleTimeout: &idle,
					BrandColor: &color, LogoURL: &logo, AppURL: &app,
				})
				return cResult{notice: "settings_saved"}, err
			},
		},
	}
}

func containsMethod(ms []project.LoginMethod, m project.LoginMethod) bool {
	for _, x := range ms {
		if x == m {
			return true
		}
	}
	return false
}

// spanWords says a duration in days, hours and minutes ("30 days",
// "1 day 12 hours").
func spanWords(d time.Duration) string {
	parts := []string{}
	for _, u := range []struct {
		d    time.Duration
		name string
	}{{24 * time.Hour, "day"}, {time.Hour, "hour"}, {time.Minute, "minute"}} {
		n := int64(d / u.d)
		d -= time.Duration(n) * u.d
		switch {
		case n == 1:
			parts = append(parts, "1 "+u.name)
		case n > 1:
			parts = append(parts, strconv.FormatInt(n, 10)+" "+u.name+"s")
		}
	}
	return strings.Join(parts, " ")
}

// minutesField reads a whole number of minutes; errField is the name the
// domain reports errors under, which the page shows beside this input.
func minutesField(c *cCtx, key, errField string) (time.Duration, error) {
	n, err := strconv.ParseInt(c.form(key), 10, 64)
	if err != nil || n < 1 || n > 10*365*24*60 {
		return 0, fault.InvalidField(errField, "enter a whole number of minutes")
	}
	return time.Duration(n) * time.Minute, nil
}

type consoleClientsView struct {
	Clients []*oidc.Client
}

func consoleClientsPage() *cPage {
	return &cPage{
		path: "/projects/{pid}/clients", name: "console_clients", title: "OAuth clients", section: "clients",
		fields: []string{"name", "type", "redirect_uris", "post_logout_redirect_uris"},
		load: func(c *cCtx) (any, error) {
			cs, err := c.con.ListClients(c.ctx, c.st, c.pid())
			return &consoleClientsView{Clients: cs}, err
		},
		actions: map[string]func(c *cCtx) (cResult, error){
			"create": func(c *cCtx) (cResult, error) {
				cl, secret, err := c.con.CreateClient(c.ctx, c.st, c.pid(), oidc.ClientInput{
					Name: c.form("name"), Type: c.form("type"),
					RedirectURIs: c.lines("redirect_uris"), PostLogoutRedirectURIs: c.lines("post_logout_redirect_uris"),
				})
				if err != nil {
					return cResult{}, err
				}
				if secret == "" {
					return cResult{notice: "client_created", to: c.projectPath("/clients")}, nil
				}
				return cResult{secret: &secretView{Heading: "OAuth client created", What: "Client secret of " + cl.Name,
					ID: string(cl.ID), Secret: secret, Next: c.projectPath("/clients")}}, nil
			},
			"rotate": func(c *cCtx) (cResult, error) {
				cl, secret, err := c.con.RotateClientSecret(c.ctx, c.st, c.pid(), c.form("client_id"))
				if err != nil {
					return cResult{}, err
				}
				return cResult{secret: &secretView{Heading: "Client secret replaced", What: "New client secret of " + cl.Name,
					ID: string(cl.ID), Secret: secret, Next: c.projectPath("/clients")}}, nil
			},
			"delete": func(c *cCtx) (cResult, error) {
				return cResult{notice: "client_deleted"}, c.con.DeleteClient(c.ctx, c.st, c.pid(), c.form("client_id"))
			},
		},
	}
}

type consoleKeysView struct {
	Keys []*secretkey.Key
}

func consoleKeysPage() *cPage {
	return &cPage{
		path: "/projects/{pid}/keys", name: "console_keys", title: "Secret keys", section: "keys",
		fields: []string{"name"},
		load: func(c *cCtx) (any, error) {
			ks, err := c.con.ListSecretKeys(c.ctx, c.st, c.pid())
			return &consoleKeysView{Keys: ks}, err
		},
		actions: map[string]func(c *cCtx) (cResult, error){
			"create": func(c *cCtx) (cResult, error) {
				k, secret, err := c.con.CreateSecretKey(c.ctx, c.st, c.pid(), c.form("name"))
				if err != nil {
					return cResult{}, err
				}
				return cResult{secret: &secretView{Heading: "Secret key created", What: "Secret key " + k.Name,
					ID: string(k.ID), Secret: secret, Next: c.projectPath("/keys")}}, nil
			},
			"revoke": func(c *cCtx) (cResult, error) {
				_, err := c.con.RevokeSecretKey(c.ctx, c.st, c.pid(), c.form("key_id"))
				return cResult{notice: "key_revoked"}, err
			},
		},
	}
}
