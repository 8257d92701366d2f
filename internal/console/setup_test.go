package console_test

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse/internal/audit"
	"github.com/gatehouse-auth/gatehouse/internal/console"
	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/tenancy"
)

// The first staff member a setup link creates is a user like any other:
// the Staff organization counts them, and the audit trail records
// user.created and role.assigned as for every user the tenancy layer
// creates (the command line's AddStaff, say). A refused link creates
// nobody and records nothing; a wrong link says nothing about the email.
func TestSetupCreatesTheFirstStaffLikeAnyUser(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, s *stack) {
		ctx := context.Background()
		link, err := s.con.NewSetupLink(ctx)
		if err != nil {
			t.Fatal(err)
		}
		other, err := s.con.NewSetupLink(ctx)
		if err != nil {
			t.Fatal(err)
		}
		token := link[strings.Index(link, console.SetupTokenPrefix):]
		otherToken := other[strings.Index(other, console.SetupTokenPrefix):]
		cs, err := s.con.Settings(ctx)
		if err != nil {
			t.Fatal(err)
		}
		members := func() int64 {
			t.Helper()
			o, err := s.ten.GetOrganization(ctx, cs.ProjectID, string(cs.StaffOrgID))
			if err != nil {
				t.Fatal(err)
			}
			return o.MemberCount
		}
		events := func(typ string, userID id.User) []*audit.Event {
			t.Helper()
			evs, err := s.ten.ListAuditEvents(ctx, cs.ProjectID, tenancy.AuditFilter{Type: typ}, store.Page{})
			if err != nil {
				t.Fatal(err)
			}
			return slices.DeleteFunc(evs, func(e *audit.Event) bool { return e.ResourceID != string(userID) })
		}
		after := func(e *audit.Event) map[string]any {
			t.Helper()
			var d struct {
				After map[string]any `json:"after"`
			}
			if err := json.Unmarshal(e.Details, &d); err != nil {
				t.Fatal(err)
			}
			return d.After
		}

		u, err := s.con.CompleteSetup(ctx, token, "first@vendor.example")
		if err != nil {
			t.Fatal(err)
		}
		if n := members(); n != 1 {
			t.Fatalf("Staff organization counts %d members after setup, want 1", n)
		}
		created, assigned := events("user.created", u.ID), events("role.assigned", u.ID)
		if len(created) != 1 || len(assigned) != 1 || created[0].Actor != audit.System("console-setup") ||
			created[0].OrganizationID != cs.StaffOrgID || after(assigned[0])["role_key"] != "owner" {
			t.Fatalf("setup's audit trail: created %+v, assigned %+v", created, assigned)
		}

		// Baseline for the shape: a staff member the command line adds.
		cli, err := s.con.AddStaff(ctx, audit.System("cli"), "second@vendor.example")
		if err != nil {
			t.Fatal(err)
		}
		cliCreated, cliAssigned := events("user.created", cli.ID), events("role.assigned", cli.ID)
		if len(cliCreated) != 1 || len(cliAssigned) != 1 {
			t.Fatalf("AddStaff's audit trail: %+v %+v", cliCreated, cliAssigned)
		}
		for what, pair := range map[string][2]*audit.Event{"user.created": {created[0], cliCreated[0]}, "role.assigned": {assigned[0], cliAssigned[0]}} {
			got, want := slices.Sorted(maps.Keys(after(pair[0]))), slices.Sorted(maps.Keys(after(pair[1])))
			if !slices.Equal(got, want) {
				t.Errorf("%s records %v at setup, %v for any other user", what, got, want)
			}
		}

		// Refused: the other link once there is staff, and a wrong link
		// naming an existing staff email (email_taken would tell).
		if _, err := s.con.CompleteSetup(ctx, otherToken, "third@vendor.example"); !errors.Is(err, console.ErrSetupDone) {
			t.Fatalf("second link after setup: %v", err)
		}
		if _, err := s.con.CompleteSetup(ctx, console.SetupTokenPrefix+"AAAAAAAAAAAAAAAAAAAAAAAAAA", "first@vendor.example"); !errors.Is(err, console.ErrSetupInvalid) {
			t.Fatalf("a wrong link with a staff email: %v", err)
		}
		if n := members(); n != 2 {
			t.Fatalf("refused setups changed the member count to %d", n)
		}
		if evs, _ := s.ten.ListAuditEvents(ctx, cs.ProjectID, tenancy.AuditFilter{Type: "user.created"}, store.Page{}); len(evs) != 2 {
			t.Fatalf("refused setups recorded users: %d user.created events", len(evs))
		}
	})
}
