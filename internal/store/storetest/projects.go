package storetest

import (
	"slices"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/project"
	"github.com/gatehouse-auth/gatehouse/internal/store"
)

func testProjectRoundTrip(e *env) {
	a, b := e.tenants()
	p, err := project.New("  Acme prod  ", e.clk.now())
	noErr(e.t, err, "project.New")
	p.EnabledLoginMethods = []project.LoginMethod{project.MethodEmail, project.MethodGoogle, project.MethodPasskey}
	p.RedirectURIs = []string{"https://app.example.com/callback", "http://localhost:3000/cb"}
	p.TrustedOrigins = []string{"https://app.example.com"}
	p.AutoCreateOrganizations = true
	p.SelfServeCreateOrganizations = false
	p.AllowCustomRoles = true
	p.SessionMaxLifetime = 90*time.Minute + time.Second
	p.SessionIdleTimeout = 15 * time.Minute
	p.BrandColor = "#1a73e8"
	p.LogoURL = "https://cdn.example.com/logo.svg"
	p.AppURL = "https://app.example.com/home"
	e.write(func(w store.Writer) error { return w.CreateProject(e.ctx, p) })

	got, err := e.st.GetProject(e.ctx, p.ID)
	noErr(e.t, err, "GetProject")
	same(e.t, p, got, "created project")

	// Inside a transaction the same row is visible.
	e.write(func(w store.Writer) error {
		got, err := w.GetProject(e.ctx, p.ID)
		if err != nil {
			return err
		}
		same(e.t, p, got, "project read in a transaction")
		return nil
	})

	upd := *p
	upd.Name = "Acme production"
	upd.EnabledLoginMethods = []project.LoginMethod{project.MethodSAML}
	upd.RedirectURIs = []string{}
	upd.TrustedOrigins = []string{"https://a.example.com", "https://b.example.com"}
	upd.AutoCreateOrganizations = false
	upd.SelfServeCreateOrganizations = true
	upd.AllowCustomRoles = false
	upd.SessionMaxLifetime = 24 * time.Hour
	upd.SessionIdleTimeout = time.Hour
	upd.BrandColor, upd.LogoURL, upd.AppURL = "", "", "http://localhost:3000/"
	upd.UpdatedAt = e.clk.now()
	e.write(func(w store.Writer) error { return w.UpdateProject(e.ctx, &upd) })
	got, err = e.st.GetProject(e.ctx, p.ID)
	noErr(e.t, err, "GetProject after update")
	same(e.t, &upd, got, "updated project")

	// The other projects are untouched by the update.
	for _, other := range []*project.Project{a.P, b.P} {
		got, err := e.st.GetProject(e.ctx, other.ID)
		noErr(e.t, err, "GetProject other")
		same(e.t, other, got, "other project")
	}
}

func testProjectNotFound(e *env) {
	unknown := id.New[id.Project](e.clk.now())
	_, err := e.st.GetProject(e.ctx, unknown)
	wantErr(e.t, err, store.ErrNotFound, "GetProject unknown")

	p, err := project.New("Ghost", e.clk.now())
	noErr(e.t, err, "project.New")
	err = e.writeErr(func(w store.Writer) error { return w.UpdateProject(e.ctx, p) })
	wantErr(e.t, err, store.ErrNotFound, "UpdateProject unknown")
	_, err = e.st.GetProject(e.ctx, p.ID)
	wantErr(e.t, err, store.ErrNotFound, "GetProject after update of unknown")
}

func testProjectList(e *env) {
	var mine []*project.Project
	for i := range 5 {
		p, err := project.New("Listed "+string(rune('A'+i)), e.clk.now())
		noErr(e.t, err, "project.New")
		mine = append(mine, p)
	}
	e.write(func(w store.Writer) error {
		for _, p := range mine {
			if err := w.CreateProject(e.ctx, p); err != nil {
				return err
			}
		}
		return nil
	})
	// Other cases create projects concurrently, so walk from just before our
	// first one and check ours all appear, in order, with every field.
	first := mine[0]
	got, err := e.st.ListProjects(e.ctx, store.Page{After: string(first.ID), Limit: 1000})
	noErr(e.t, err, "ListProjects")
	if slices.ContainsFunc(got, func(p *project.Project) bool { return p.ID == first.ID }) {
		e.t.Fatalf("ListProjects after %s returned that project itself", first.ID)
	}
	seen := pages(e.t, 2, false, func(pg store.Page) ([]*project.Project, error) {
		if pg.After == "" {
			pg.After = string(first.ID)
		}
		return e.st.ListProjects(e.ctx, pg)
	}, projectID)
	var ours []*project.Project
	for _, p := range seen {
		if slices.ContainsFunc(mine, func(m *project.Project) bool { return m.ID == p.ID }) {
			ours = append(ours, p)
		}
	}
	same(e.t, mine[1:], ours, "our projects in ListProjects")

	// The very first page starts at the smallest ID.
	firstPage, err := e.st.ListProjects(e.ctx, store.Page{Limit: 3})
	noErr(e.t, err, "ListProjects first page")
	ids := ids(firstPage, projectID)
	if !slices.Equal(ids, sortedCopy(ids, false)) || len(ids) == 0 || ids[0] > string(first.ID) {
		e.t.Fatalf("first page of projects %v is not the start of the ascending list", ids)
	}
}
