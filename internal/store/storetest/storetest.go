// Package storetest is the conformance suite every store.Store implementation
// must pass. Each case runs in parallel on a shared database and creates its
// own projects, so cases never see each other's rows; every case also proves
// that another project (and, where it applies, another organization) can
// neither read nor change the rows it created.
package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// Run runs the whole suite against the stores returned by open. open is
// called once per case; returning the same store every time is the expected
// use (cases isolate themselves by project).
func Run(t *testing.T, open func(t testing.TB) store.Store) {
	cases := []testCase{
		{"Project/RoundTrip", testProjectRoundTrip},
		{"Project/NotFound", testProjectNotFound},
		{"Project/ListPagination", testProjectList},

		{"Organization/RoundTrip", testOrgRoundTrip},
		{"Organization/OtherTenant", testOrgOtherTenant},
		{"Organization/NotFound", testOrgNotFound},
		{"Organization/ListPagination", testOrgList},
		{"Organization/UpdateKeepsMemberCount", testOrgUpdateKeepsMemberCount},
		{"Organization/DeleteCascades", testOrgDeleteCascades},
		{"Organization/LockOtherTenant", testOrgLockOtherTenant},

		{"User/RoundTrip", testUserRoundTrip},
		{"User/TimesRoundTripInUTC", testUserTimesUTC},
		{"User/OtherTenant", testUserOtherTenant},
		{"User/NotFound", testUserNotFound},
		{"User/EmailUniquePerOrganization", testUserEmailUnique},
		{"User/UpdateEmailConflict", testUserUpdateEmailConflict},
		{"User/MemberCount", testUserMemberCount},
		{"User/CreateInOtherProjectsOrg", testUserCreateForeignOrg},
		{"User/ListPagination", testUserList},
		{"User/ListFilters", testUserListFilters},
		{"User/UpdateCannotMoveOrganization", testUserUpdateCannotMove},

		{"Permission/RoundTrip", testPermissionRoundTrip},
		{"Permission/OtherTenant", testPermissionOtherTenant},
		{"Permission/KeyUniquePerProject", testPermissionKeyUnique},
		{"Permission/ListPagination", testPermissionList},
		{"Permission/DeleteRemovesFromRoles", testPermissionDeleteFromRoles},

		{"Role/RoundTrip", testRoleRoundTrip},
		{"Role/UnknownPermission", testRoleUnknownPermission},
		{"Role/ForeignPermission", testRoleForeignPermission},
		{"Role/OtherTenant", testRoleOtherTenant},
		{"Role/KeyUniqueness", testRoleKeyUnique},
		{"Role/CustomRolesScopedToOrganization", testRoleCustomScoped},
		{"Role/CustomRoleInOtherProjectsOrg", testRoleCustomForeignOrg},
		{"Role/ListPagination", testRoleList},
		{"Role/DeleteRemovesAssignments", testRoleDeleteAssignments},
		{"Role/UpdateCannotMoveOrganization", testRoleUpdateCannotMove},

		{"Assignment/AssignIsIdempotent", testAssignIdempotent},
		{"Assignment/RoleKeysOfUsers", testRoleKeysOfUsers},
		{"Role/CountWithKeyAndProjectLock", testRoleKeyCountAndProjectLock},
		{"Assignment/Refusals", testAssignRefusals},
		{"Assignment/Unassign", testUnassign},
		{"Assignment/CountRoleMembers", testCountRoleMembers},
		{"Assignment/DeleteUserRemovesAssignments", testDeleteUserAssignments},

		{"Audit/RoundTrip", testAuditRoundTrip},
		{"Audit/Filters", testAuditFilters},
		{"Audit/Pagination", testAuditPagination},
		{"Audit/TimesInOtherZones", testAuditTimesInOtherZones},

		{"SecretKey/RoundTrip", testSecretKeyRoundTrip},
		{"SecretKey/OtherTenant", testSecretKeyOtherTenant},
		{"SecretKey/RevokeAndTouch", testSecretKeyRevokeTouch},
		{"SecretKey/ListPagination", testSecretKeyList},
		{"SecretKey/HashUnique", testSecretKeyHashUnique},

		{"Tx/ErrorRollsBack", testTxErrorRollsBack},
		{"Tx/PanicRollsBack", testTxPanicRollsBack},
		{"Tx/ReadsOwnWrites", testTxReadsOwnWrites},
		{"Tx/UncommittedInvisible", testTxUncommittedInvisible},
		{"Tx/Ping", testPing},

		{"Concurrency/MemberCount", testConcurrentMemberCount},
		{"Concurrency/DuplicateEmail", testConcurrentDuplicateEmail},
		{"Concurrency/LockOrganization", testLockOrganization},
	}
	// Capabilities added after the tenancy core register their cases in their own files.
	cases = append(cases, signingKeyCases()...)
	cases = append(cases, sessionCases()...)
	cases = append(cases, usageCases()...)
	cases = append(cases, loginCases()...)
	cases = append(cases, mailCases()...)
	cases = append(cases, credentialCases()...)
	cases = append(cases, oauthCases()...)
	cases = append(cases, inviteCases()...)
	cases = append(cases, domainCases()...)
	cases = append(cases, consoleCases()...)
	cases = append(cases, userSearchCases()...)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			st := open(t)
			c.fn(&env{t: t, st: st, ctx: t.Context(), clk: newClock()})
		})
	}
}

// testCase is one named conformance case.
type testCase struct {
	name string
	fn   func(e *env)
}

// env is what one case works with.
type env struct {
	t   *testing.T
	st  store.Store
	ctx context.Context
	clk *clock
}

// write runs fn in a transaction and fails the case if it does not commit.
func (e *env) write(fn func(w store.Writer) error) {
	e.t.Helper()
	if err := e.st.Write(e.ctx, fn); err != nil {
		e.t.Fatalf("Write: %v", err)
	}
}

// writeErr runs fn in a transaction and returns the transaction's error.
func (e *env) writeErr(fn func(w store.Writer) error) error {
	return e.st.Write(e.ctx, fn)
}

// clock hands out strictly increasing times, a millisecond apart, so IDs made
// from them sort in creation order. The start carries microseconds, which
// every engine must keep.
type clock struct{ next time.Time }

func newClock() *clock {
	return &clock{next: time.Now().UTC().Truncate(time.Microsecond)}
}

// now returns the next instant. Cases are single-goroutine except where they
// take times up front, so no lock is needed.
func (c *clock) now() time.Time {
	t := c.next
	c.next = c.next.Add(time.Millisecond)
	return t
}

// wantErr fails unless err is (or wraps) target.
func wantErr(t testing.TB, err, target error, what string) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("%s: got error %v, want %v", what, err, target)
	}
}

// noErr fails on any error.
func noErr(t testing.TB, err error, what string) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// notFoundOrEmpty accepts either answer that leaks nothing about another
// tenant's data: ErrNotFound, or success with an empty result.
func notFoundOrEmpty(t testing.TB, err error, n int, what string) {
	t.Helper()
	if errors.Is(err, store.ErrNotFound) {
		return
	}
	if err != nil {
		t.Fatalf("%s: got error %v, want ErrNotFound or an empty result", what, err)
	}
	if n != 0 {
		t.Fatalf("%s: got %d rows of another tenant, want none", what, n)
	}
}
