package console_test

import (
	"context"
	"testing"

	"github.com/gatehouse-auth/gatehouse/internal/audit"
	"github.com/gatehouse-auth/gatehouse/internal/tenancy"
	"github.com/gatehouse-auth/gatehouse/internal/user"
)

// TestIsActiveStaff is what every use of an impersonation asks: only an
// active member of the Staff organization may still act; a deactivated
// staff member, another console-project user, a customer's user and a
// malformed ID may not.
func TestIsActiveStaff(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, s *stack) {
		ctx := context.Background()
		alice := s.staff("alice@vendor.example")
		bob, err := s.con.AddStaff(ctx, audit.System("cli"), "bob@vendor.example")
		if err != nil {
			t.Fatal(err)
		}
		cs, err := s.con.Settings(ctx)
		if err != nil {
			t.Fatal(err)
		}
		other := "Contractors"
		o, err := s.ten.CreateOrganization(ctx, audit.System("test"), cs.ProjectID, tenancy.OrganizationUpdate{Name: &other})
		if err != nil {
			t.Fatal(err)
		}
		outsider, _, err := s.ten.CreateUser(ctx, audit.System("test"), cs.ProjectID, tenancy.UserInput{OrganizationID: string(o.ID), Email: "eve@vendor.example"})
		if err != nil {
			t.Fatal(err)
		}
		p, _, _, err := s.ten.CreateProject(ctx, audit.System("test"), tenancy.ProjectInput{Name: "Acme"})
		if err != nil {
			t.Fatal(err)
		}
		name := "Acme customer"
		co, err := s.ten.CreateOrganization(ctx, audit.System("test"), p.ID, tenancy.OrganizationUpdate{Name: &name})
		if err != nil {
			t.Fatal(err)
		}
		customer, _, err := s.ten.CreateUser(ctx, audit.System("test"), p.ID, tenancy.UserInput{OrganizationID: string(co.ID), Email: "mallory@acme.example"})
		if err != nil {
			t.Fatal(err)
		}
		deactivated := string(user.StatusDeactivated)
		if _, err := s.ten.UpdateUser(ctx, audit.System("test"), cs.ProjectID, string(bob.ID), tenancy.UserUpdate{Status: &deactivated}); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			who  string
			id   string
			want bool
		}{
			{"active staff", string(alice.UserID), true},
			{"deactivated staff", string(bob.ID), false},
			{"console user outside Staff", string(outsider.ID), false},
			{"a customer's user", string(customer.ID), false},
			{"malformed ID", "not-a-user", false},
		} {
			got, err := s.con.IsActiveStaff(ctx, c.id)
			if err != nil || got != c.want {
				t.Errorf("%s: IsActiveStaff = %v, %v; want %v", c.who, got, err, c.want)
			}
		}
	})
}
