package selfserve_test

import (
	"testing"

	"github.com/gatehouse-auth/gatehouse/internal/audit"
	"github.com/gatehouse-auth/gatehouse/internal/selfserve"
	"github.com/gatehouse-auth/gatehouse/internal/session"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/tenancy"
)

// TestImpersonatedChangesAreTheStaffMembers: what a staff member does while
// signed in as a user is recorded in the organization's audit log as the
// staff member's, so the log tells it apart from what the user did.
func TestImpersonatedChangesAreTheStaffMembers(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, e *env) {
		w := newWorld(t, e)
		staff := audit.Actor{Type: audit.ActorStaff, ID: "user_01jd8x3k5m7q9s1v3x5z7b9d1f"}
		_, tok, err := e.sessions.Impersonate(e.ctx, session.Impersonation{
			ProjectID: w.p1.ID, UserID: w.ownerBUser.ID, Staff: staff, StaffEmail: "support@vendor.example", Reason: "ticket 4711",
		})
		fatalIf(t, err)
		g, err := e.sessions.Authenticate(e.ctx, w.p1.ID, tok)
		fatalIf(t, err)
		imp := selfserve.FromGrant(g)
		if !imp.Impersonated || imp.StaffUserID != staff.ID {
			t.Fatalf("member of an impersonated session: %+v", imp)
		}
		if _, err := e.svc.UpdateProfile(e.ctx, imp, "Changed by support"); err != nil {
			t.Fatal(err)
		}
		// Baseline: the user's own change is the user's.
		if _, err := e.svc.UpdateProfile(e.ctx, w.ownerB, "Changed by the owner"); err != nil {
			t.Fatal(err)
		}
		evs, err := e.ten.ListAuditEvents(e.ctx, w.p1.ID, tenancy.AuditFilter{OrganizationID: string(w.orgB.ID), Type: "user.updated"}, store.Page{Limit: 10})
		fatalIf(t, err)
		if len(evs) != 2 {
			t.Fatalf("%d user.updated events, want 2", len(evs))
		}
		// Newest first: the owner's own change, then the staff member's.
		if evs[0].Actor != (audit.Actor{Type: audit.ActorUser, ID: string(w.ownerBUser.ID)}) || evs[1].Actor != staff {
			t.Fatalf("actors %+v and %+v, want the owner then the staff member", evs[0].Actor, evs[1].Actor)
		}
	})
}
