package tenancy_test

import (
	"context"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/audit"
	"github.com/gatehouse-auth/gatehouse/internal/fault"
	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/tenancy"
	"github.com/gatehouse-auth/gatehouse/internal/testclock"
	"github.com/gatehouse-auth/gatehouse/internal/testdb"
)

// clock is the shared settable test clock.
type clock = testclock.Clock

func engines(t *testing.T, fn func(t *testing.T, st store.Store)) {
	for _, eng := range testdb.Engines() {
		t.Run(eng.Name, func(t *testing.T) {
			t.Parallel()
			fn(t, eng.Open(t))
		})
	}
}

func TestCreateProject(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, st store.Store) {
		ctx := context.Background()
		clk := testclock.New(time.Date(2026, 3, 4, 5, 6, 7, 891234567, time.FixedZone("X", 3600)))
		svc := tenancy.New(st, tenancy.WithClock(clk.Now))
		p, k, secret, err := svc.CreateProject(ctx, audit.System("cli"), tenancy.ProjectInput{
			Name: "Acme", RedirectURIs: []string{"https://app.example.com/cb"}, AutoCreateOrganizations: true,
		})
		if err != nil {
			t.Fatal(err)
		}
		// Stored times are UTC with microsecond precision.
		want := time.Date(2026, 3, 4, 4, 6, 7, 891234000, time.UTC)
		if !p.CreatedAt.Equal(want) || p.CreatedAt.Location() != time.UTC {
			t.Fatalf("created_at = %v, want %v", p.CreatedAt, want)
		}
		got, err := svc.GetProject(ctx, p.ID)
		if err != nil || !got.AutoCreateOrganizations || len(got.RedirectURIs) != 1 || !got.CreatedAt.Equal(want) {
			t.Fatalf("stored project = %+v, %v", got, err)
		}
		roles, err := svc.ListRoles(ctx, p.ID, "", store.Page{Limit: 10})
		if err != nil || len(roles) != 3 {
			t.Fatalf("built-in roles = %v, %v", roles, err)
		}
		authed, err := svc.AuthenticateSecretKey(ctx, secret)
		if err != nil || authed.ID != k.ID || authed.ProjectID != p.ID {
			t.Fatalf("first key does not authenticate: %v, %v", authed, err)
		}
		events, err := svc.ListAuditEvents(ctx, p.ID, tenancy.AuditFilter{}, store.Page{Limit: 50})
		if err != nil {
			t.Fatal(err)
		}
		types := map[string]int{}
		for _, e := range events {
			types[e.Type]++
			if e.Actor != audit.System("cli") {
				t.Fatalf("actor = %+v", e.Actor)
			}
		}
		if types["project.created"] != 1 || types["role.created"] != 3 || types["secret_key.created"] != 1 {
			t.Fatalf("events = %v", types)
		}
		ps, err := svc.ListProjects(ctx, store.Page{Limit: 10})
		if err != nil || len(ps) != 1 || ps[0].ID != p.ID {
			t.Fatalf("projects = %v, %v", ps, err)
		}

		if _, _, _, err := svc.CreateProject(ctx, audit.System("cli"), tenancy.ProjectInput{Name: " "}); fault.KindOf(err) != fault.Invalid {
			t.Fatalf("blank name: %v", err)
		}
		if _, _, _, err := svc.CreateProject(ctx, audit.System("cli"), tenancy.ProjectInput{Name: "x", RedirectURIs: []string{"http://evil.example/cb"}}); fault.KindOf(err) != fault.Invalid {
			t.Fatalf("http redirect: %v", err)
		}
		if ps, _ := svc.ListProjects(ctx, store.Page{Limit: 10}); len(ps) != 1 {
			t.Fatalf("refused projects were stored: %d", len(ps))
		}
	})
}

func TestSecretKeyUseIsThrottled(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, st store.Store) {
		ctx := context.Background()
		clk := testclock.New(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
		svc := tenancy.New(st, tenancy.WithClock(clk.Now))
		p, k, secret, err := svc.CreateProject(ctx, audit.System("test"), tenancy.ProjectInput{Name: "Acme"})
		if err != nil {
			t.Fatal(err)
		}
		lastUsed := func() time.Time {
			t.Helper()
			got, err := svc.GetSecretKey(ctx, p.ID, string(k.ID))
			if err != nil || got.LastUsedAt == nil {
				t.Fatalf("key = %+v, %v", got, err)
			}
			return got.LastUsedAt.UTC()
		}
		first := clk.Now()
		if _, err := svc.AuthenticateSecretKey(ctx, secret); err != nil {
			t.Fatal(err)
		}
		if !lastUsed().Equal(first) {
			t.Fatalf("last_used_at = %v, want %v", lastUsed(), first)
		}
		clk.Advance(30 * time.Second)
		if _, err := svc.AuthenticateSecretKey(ctx, secret); err != nil {
			t.Fatal(err)
		}
		if !lastUsed().Equal(first) {
			t.Fatalf("use within a minute was written: %v", lastUsed())
		}
		clk.Advance(31 * time.Second)
		if _, err := svc.AuthenticateSecretKey(ctx, secret); err != nil {
			t.Fatal(err)
		}
		if !lastUsed().Equal(clk.Now()) {
			t.Fatalf("use after a minute not written: %v, want %v", lastUsed(), clk.Now())
		}

		// Attack cases next to the accepted baseline above.
		for name, s := range map[string]string{
			"empty": "", "wrong prefix": "gh_rt_" + secret[6:], "truncated": secret[:len(secret)-1],
			"other secret": "gh_sk_" + secret[6:len(secret)-1] + "0",
		} {
			if _, err := svc.AuthenticateSecretKey(ctx, s); fault.KindOf(err) != fault.Unauthenticated {
				t.Fatalf("%s: err = %v, want unauthenticated", name, err)
			}
		}
		if _, err := svc.RevokeSecretKey(ctx, audit.System("test"), p.ID, string(k.ID)); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.AuthenticateSecretKey(ctx, secret); fault.KindOf(err) != fault.Unauthenticated {
			t.Fatalf("revoked key: err = %v", err)
		}
	})
}

// A change that fails leaves neither the change nor its audit event.
func TestFailedChangeWritesNoEvent(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, st store.Store) {
		ctx := context.Background()
		svc := tenancy.New(st)
		actor := audit.System("test")
		p, _, _, err := svc.CreateProject(ctx, actor, tenancy.ProjectInput{Name: "Acme"})
		if err != nil {
			t.Fatal(err)
		}
		name := "Org"
		o, err := svc.CreateOrganization(ctx, actor, p.ID, tenancy.OrganizationUpdate{Name: &name})
		if err != nil {
			t.Fatal(err)
		}
		u, _, err := svc.CreateUser(ctx, actor, p.ID, tenancy.UserInput{OrganizationID: string(o.ID), Email: "a@example.com"})
		if err != nil {
			t.Fatal(err)
		}
		count := func() int {
			es, err := svc.ListAuditEvents(ctx, p.ID, tenancy.AuditFilter{}, store.Page{Limit: 500})
			if err != nil {
				t.Fatal(err)
			}
			return len(es)
		}
		n := count()
		type check struct {
			name string
			err  error
			code string
		}
		var checks []check
		_, _, err = svc.CreateUser(ctx, actor, p.ID, tenancy.UserInput{OrganizationID: string(o.ID), Email: "A@example.com"})
		checks = append(checks, check{"duplicate email", err, fault.CodeEmailTaken})
		err = svc.DeleteUser(ctx, actor, p.ID, string(u.ID))
		checks = append(checks, check{"last owner", err, fault.CodeLastOwner})
		_, err = svc.UpdateOrganization(ctx, actor, p.ID, string(id.New[id.Org](time.Now())), tenancy.OrganizationUpdate{Name: &name})
		checks = append(checks, check{"unknown organization", err, fault.CodeNotFound})
		_, err = svc.UpdateOrganization(ctx, actor, p.ID, string(o.ID), tenancy.OrganizationUpdate{AllowedLoginMethods: &[]string{"fax"}})
		checks = append(checks, check{"bad policy", err, fault.CodeInvalidRequest})
		err = svc.UnassignRole(ctx, actor, p.ID, string(u.ID), "role_malformed")
		checks = append(checks, check{"malformed role id", err, fault.CodeNotFound})
		for _, c := range checks {
			if fault.CodeOf(c.err) != c.code {
				t.Errorf("%s: err = %v, want code %s", c.name, c.err, c.code)
			}
		}
		if got := count(); got != n {
			t.Fatalf("failed changes wrote %d audit events", got-n)
		}
	})
}
