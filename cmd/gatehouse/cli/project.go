package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/audit"
	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/oidc"
	"github.com/gatehouse-auth/gatehouse/internal/project"
	"github.com/gatehouse-auth/gatehouse/internal/server/publicurl"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/tenancy"
)

type projectCmd struct {
	Create projectCreateCmd `cmd:"" help:"Create a project with its built-in roles and a first secret key (shown once)."`
	List   projectListCmd   `cmd:"" help:"List projects."`
	// CreateKey is the way back in when every secret key of a project has
	// been revoked or lost, since the API itself needs a key.
	CreateKey projectCreateKeyCmd `cmd:"" name:"create-key" help:"Create another secret key for a project (shown once), e.g. after every key was revoked or lost."`
}

// projectFlags are shared by the project subcommands.
type projectFlags struct {
	databaseFlags `embed:""`
	urlFlags      `embed:""`
	LogLevel      string `name:"log-level" env:"GATEHOUSE_LOG_LEVEL" default:"warn" enum:"debug,info,warn,error" help:"Minimum log level on standard error."`
	JSON          bool   `name:"json" help:"Print JSON instead of text."`
}

type projectCreateCmd struct {
	projectFlags `embed:""`

	Name                    string   `name:"name" required:"" help:"Project name, e.g. \"Acme (production)\"."`
	RedirectURIs            []string `name:"redirect-uri" sep:"none" placeholder:"URI" help:"Allowed OAuth redirect URI (repeatable); also registers a default confidential OAuth client with these URIs, whose client_id and client_secret are printed once."`
	AutoCreateOrganizations bool     `name:"auto-create-organizations" help:"Give each new sign-up its own one-person organization (B2C style)."`
}

// projectOutput is what project commands print; project_id, issuer,
// api_base_url and secret_key are a stable interface for scripts.
type projectOutput struct {
	ProjectID   string `json:"project_id"`
	Name        string `json:"name"`
	Issuer      string `json:"issuer"`
	APIBaseURL  string `json:"api_base_url"`
	SecretKey   string `json:"secret_key,omitempty"`
	SecretKeyID string `json:"secret_key_id,omitempty"`
	// ClientID and ClientSecret name the default OAuth client that
	// --redirect-uri registers; the secret is shown only at creation.
	ClientID                string    `json:"client_id,omitempty"`
	ClientSecret            string    `json:"client_secret,omitempty"`
	RedirectURIs            []string  `json:"redirect_uris"`
	AutoCreateOrganizations bool      `json:"auto_create_organizations"`
	CreatedAt               time.Time `json:"created_at"`
}

func newProjectOutput(p *project.Project, public string) projectOutput {
	redirects := p.RedirectURIs
	if redirects == nil {
		redirects = []string{}
	}
	return projectOutput{
		ProjectID:               string(p.ID),
		Name:                    p.Name,
		Issuer:                  publicurl.Issuer(public, p.ID),
		APIBaseURL:              publicurl.APIBaseURL(public),
		RedirectURIs:            redirects,
		AutoCreateOrganizations: p.AutoCreateOrganizations,
		CreatedAt:               p.CreatedAt.UTC(),
	}
}

func (c *projectFlags) service(e *env) (*tenancy.Service, func() error, string, error) {
	public, err := c.publicURL()
	if err != nil {
		return nil, nil, "", err
	}
	log, err := logFlags{LogLevel: c.LogLevel, LogFormat: "text"}.logger(e.stderr)
	if err != nil {
		return nil, nil, "", err
	}
	db, err := openDB(e.ctx, c.databaseFlags, log)
	if err != nil {
		return nil, nil, "", err
	}
	return tenancy.New(db, tenancy.WithLogger(log)), db.Close, public, nil
}

// withService opens the database, runs fn with a service over it, and closes
// the database, reporting a failure to close when fn succeeded.
func (c *projectFlags) withService(e *env, fn func(svc *tenancy.Service, public string) error) (err error) {
	svc, closeDB, public, err := c.service(e)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := closeDB(); cerr != nil && err == nil {
			err = fmt.Errorf("close database: %w", cerr)
		}
	}()
	return fn(svc, public)
}

func (c *projectCreateCmd) Run(e *env) error {
	// Refuse a list the default client would refuse before the project
	// exists, so a failure never leaves a project without its client.
	if len(c.RedirectURIs) > 0 {
		if err := oidc.CheckRedirectURIs(c.RedirectURIs); err != nil {
			return fmt.Errorf("create project: %w", err)
		}
	}
	return c.withService(e, func(svc *tenancy.Service, public string) error {
		p, key, secret, err := svc.CreateProject(e.ctx, audit.System("cli"), tenancy.ProjectInput{
			Name:                    c.Name,
			RedirectURIs:            c.RedirectURIs,
			AutoCreateOrganizations: c.AutoCreateOrganizations,
		})
		if err != nil {
			return fmt.Errorf("create project: %w", err)
		}
		out := newProjectOutput(p, public)
		out.SecretKey, out.SecretKeyID = secret, string(key.ID)
		if len(c.RedirectURIs) > 0 {
			client, clientSecret, err := oidc.NewClients(svc.Store()).Create(e.ctx, audit.System("cli"), p.ID, oidc.ClientInput{
				Name: "Default client", Type: "confidential", RedirectURIs: c.RedirectURIs,
			})
			if err != nil {
				return fmt.Errorf("create the default OAuth client of %s: %w", p.ID, err)
			}
			out.ClientID, out.ClientSecret = string(client.ID), clientSecret
		}
		if c.JSON {
			return writeJSON(e.stdout, out)
		}
		_, err = fmt.Fprintf(e.stdout, `Project created.

	  Project ID:    %s
	  Name:          %s
	  Issuer:        %s
	  API base URL:  %s
	  Secret key:    %s
	`, out.ProjectID, out.Name, out.Issuer, out.APIBaseURL, secret)
		if err != nil {
			return err
		}
		if out.ClientID != "" {
			_, err = fmt.Fprintf(e.stdout, `	  Client ID:     %s
	  Client secret: %s
	`, out.ClientID, out.ClientSecret)
			if err != nil {
				return err
			}
		}
		_, err = fmt.Fprintf(e.stdout, `
	The secret key and client secret are shown only this once: store them now. Try it:

	  export GATEHOUSE_SECRET_KEY=%s
	  curl -H "Authorization: Bearer $GATEHOUSE_SECRET_KEY" %s/organizations
	`, secret, out.APIBaseURL)
		return err
	})
}

type projectListCmd struct {
	projectFlags `embed:""`
}

func (c *projectListCmd) Run(e *env) error {
	return c.withService(e, func(svc *tenancy.Service, public string) error {
		outs := []projectOutput{}
		page := store.Page{Limit: 100}
		for {
			ps, err := svc.ListProjects(e.ctx, page)
			if err != nil {
				return fmt.Errorf("list projects: %w", err)
			}
			for _, p := range ps {
				outs = append(outs, newProjectOutput(p, public))
			}
			if len(ps) == 0 {
				break
			}
			page.After = string(ps[len(ps)-1].ID)
		}
		if c.JSON {
			return writeJSON(e.stdout, outs)
		}
		if len(outs) == 0 {
			_, err := fmt.Fprintln(e.stdout, `No projects yet. Create one with: gatehouse project create --name "My app"`)
			return err
		}
		tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "PROJECT ID\tNAME\tCREATED\tISSUER")
		for _, o := range outs {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", o.ProjectID, o.Name, o.CreatedAt.Format(time.RFC3339), o.Issuer)
		}
		return tw.Flush()
	})
}

type projectCreateKeyCmd struct {
	projectFlags `embed:""`

	Project string `name:"project" required:"" placeholder:"PROJECT_ID" help:"The project (proj_…)."`
	Name    string `name:"name" default:"created by the CLI" help:"A name to tell the key apart in lists."`
}

// secretKeyOutput is what create-key prints; secret_key is shown only here.
type secretKeyOutput struct {
	ProjectID   string    `json:"project_id"`
	APIBaseURL  string    `json:"api_base_url"`
	SecretKey   string    `json:"secret_key"`
	SecretKeyID string    `json:"secret_key_id"`
	Name        string    `json:"name"`
	CreatedAt   time.Time `json:"created_at"`
}

func (c *projectCreateKeyCmd) Run(e *env) error {
	return c.withService(e, func(svc *tenancy.Service, public string) error {
		pid, err := id.Parse[id.Project](c.Project)
		if err != nil {
			return fmt.Errorf("--project: %w", err)
		}
		key, secret, err := svc.CreateSecretKey(e.ctx, audit.System("cli"), pid, c.Name)
		if err != nil {
			return fmt.Errorf("create secret key for %s: %w", pid, err)
		}
		out := secretKeyOutput{
			ProjectID: string(pid), APIBaseURL: publicurl.APIBaseURL(public), SecretKey: secret,
			SecretKeyID: string(key.ID), Name: key.Name, CreatedAt: key.CreatedAt.UTC(),
		}
		if c.JSON {
			return writeJSON(e.stdout, out)
		}
		_, err = fmt.Fprintf(e.stdout, `Secret key created for %s.

	  Secret key ID:  %s
	  Secret key:     %s

	The secret key is shown only this once: store it now.
	`, out.ProjectID, out.SecretKeyID, secret)
		return err
	})
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("write JSON: %w", err)
	}
	return nil
}
