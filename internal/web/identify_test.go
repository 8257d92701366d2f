package web

import (
	"context"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse/internal/audit"
	"github.com/gatehouse-auth/gatehouse/internal/tenancy"
)

// TestIdentifyOffersSignUpOnlyWhereItExists: the first page promises
// account creation only when a newcomer could actually create one; in a
// project where accounts come only from invitations (like the console) it
// asks for the account's email instead.
func TestIdentifyOffersSignUpOnlyWhereItExists(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	if body := e.browser().get(e.authorizeURL(nil)).Body; !strings.Contains(body, "or to create an account") {
		t.Fatalf("a project with self-serve organizations should offer sign-up:\n%s", body)
	}
	off := false
	if _, err := e.ten.UpdateProject(context.Background(), audit.System("test"), e.project.ID, tenancy.ProjectUpdate{
		SelfServeCreateOrganizations: &off, AutoCreateOrganizations: &off,
	}); err != nil {
		t.Fatal(err)
	}
	body := e.browser().get(e.authorizeURL(nil)).Body
	if strings.Contains(body, "create an account") || !strings.Contains(body, "email address of your account") {
		t.Fatalf("a project without sign-up must not promise one:\n%s", body)
	}
}
