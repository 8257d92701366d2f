package cli

import (
	"fmt"

	"github.com/gatehouse-auth/gatehouse/internal/audit"
	"github.com/gatehouse-auth/gatehouse/internal/console"
	"github.com/gatehouse-auth/gatehouse/internal/tenancy"
)

type consoleCmd struct {
	// AddStaff is the way in for whoever runs the server: it needs no
	// browser and works with or without serve running.
	AddStaff consoleAddStaffCmd `cmd:"" name:"add-staff" help:"Make someone an owner of the console's staff (creates the console project on first use) and print the console's address."`
}

type consoleAddStaffCmd struct {
	projectFlags `embed:""`

	Email string `name:"email" required:"" placeholder:"EMAIL" help:"Work email of the staff member; they sign in with it."`
}

// staffOutput is what add-staff prints with --json.
type staffOutput struct {
	UserID     string `json:"user_id"`
	Email      string `json:"email"`
	ProjectID  string `json:"console_project_id"`
	ConsoleURL string `json:"console_url"`
}

func (c *consoleAddStaffCmd) Run(e *env) error {
	return c.withService(e, func(svc *tenancy.Service, public string) error {
		con := console.New(console.Deps{Store: svc.Store(), Tenancy: svc, PublicURL: public})
		u, err := con.AddStaff(e.ctx, audit.System("cli"), c.Email)
		if err != nil {
			return fmt.Errorf("add staff: %w", err)
		}
		out := staffOutput{UserID: string(u.ID), Email: u.Email, ProjectID: string(u.ProjectID), ConsoleURL: con.URL(u.ProjectID)}
		if c.JSON {
			return writeJSON(e.stdout, out)
		}
		_, err = fmt.Fprintf(e.stdout, `Staff account created for %s (owner of the console's staff).

Sign in to the console at:

  %s

A sign-in code is sent to that email (with no SMTP server configured, it is in
the server's log and the development inbox).
`, out.Email, out.ConsoleURL)
		return err
	})
}
