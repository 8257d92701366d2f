package web

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse/internal/audit"
	"github.com/gatehouse-auth/gatehouse/internal/rbac"
	"github.com/gatehouse-auth/gatehouse/internal/tenancy"
	"github.com/gatehouse-auth/gatehouse/internal/user"
)

// memberRoleForm is what a browser sends from a member's role form with
// exactly the boxes of keys checked (unchecked boxes send nothing).
func memberRoleForm(t *testing.T, page *response, userID string, keys ...string) url.Values {
	t.Helper()
	_, vals := formValues(t, page, "change-role-"+userID)
	vals["role"] = keys
	return vals
}

// TestSelfServeMembersSetRoles: the members page shows every role a member
// holds, checked; the owner saves a different set and the member ends with
// exactly that set. Posts without the session's token or from another site
// change nothing; an admin sees no form for an owner, and a crafted post
// against the owner is refused.
func TestSelfServeMembersSetRoles(t *testing.T) {
	t.Parallel()
	e := newSSEnv(t)
	on := true
	if _, err := e.ten.UpdateProject(e.ctx, audit.System("test"), e.project.ID, tenancy.ProjectUpdate{AllowCustomRoles: &on}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.ten.CreateRole(e.ctx, audit.System("test"), e.project.ID, tenancy.RoleInput{OrganizationID: string(e.org.ID), Key: "billing", Name: "Billing"}); err != nil {
		t.Fatal(err)
	}
	owner := e.user("owner@southwest.test")
	crew := e.user("crew@southwest.test", rbac.RoleAdmin, "billing")
	cid := string(crew.ID)
	rolesOf := func(u *user.User) []string {
		t.Helper()
		rs, err := e.ten.ListUserRoles(e.ctx, e.project.ID, string(u.ID))
		if err != nil {
			t.Fatal(err)
		}
		return rbac.Keys(rs)
	}
	b, _ := e.signIn(owner)
	post := func(b *browser, vals url.Values, headers map[string]string) *response {
		t.Helper()
		req := b.request("POST", e.path("/org/members"), vals, "")
		for k, v := range headers {
			req.Header.Set(k, v)
		}
		return b.navigate(req)
	}
	sameOrigin := map[string]string{"Sec-Fetch-Site": "same-origin", "Origin": e.srv.URL}

	r := b.get(e.path("/org/members"))
	if got := r.Doc.byID("roles-" + cid).Text(); got != "admin, billing" {
		t.Fatalf("crew's roles read %q", got)
	}
	for key, want := range map[string]bool{"admin": true, "billing": true, "member": false, "owner": false} {
		box := r.Doc.byID("role-" + cid + "-" + key)
		if box == nil || box.has("checked") != want {
			t.Fatalf("crew's %s box: %v, want checked=%v", key, box, want)
		}
	}

	// Without the session's token, or from another site: nothing changes.
	noToken := memberRoleForm(t, r, cid, "member")
	noToken.Del("csrf_token")
	if res := post(b, noToken, map[string]string{"Sec-Fetch-Site": "same-origin"}); res.Status != http.StatusForbidden {
		t.Fatalf("a post without the token: %d", res.Status)
	}
	if res := post(b, memberRoleForm(t, r, cid, "member"), map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"}); res.Status != http.StatusForbidden {
		t.Fatalf("a cross-site post: %d", res.Status)
	}
	if got := rolesOf(crew); !slices.Equal(got, []string{"admin", "billing"}) {
		t.Fatalf("refused posts left crew with %v", got)
	}

	// Nothing checked is refused beside the form, and changes nothing.
	res := post(b, memberRoleForm(t, r, cid), sameOrigin)
	if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "at least one role") {
		t.Fatalf("an empty set: %d\n%s", res.Status, res.Body)
	}
	if got := rolesOf(crew); !slices.Equal(got, []string{"admin", "billing"}) {
		t.Fatalf("the empty set left crew with %v", got)
	}

	// Baseline: admin off, member on, billing kept.
	res = post(b, memberRoleForm(t, r, cid, "member", "billing"), sameOrigin)
	if res.Status != http.StatusOK || res.Doc.byID("notice") == nil {
		t.Fatalf("saving crew's roles: %d\n%s", res.Status, res.Body)
	}
	if got := rolesOf(crew); !slices.Equal(got, []string{"billing", "member"}) {
		t.Fatalf("crew holds %v, want billing and member", got)
	}
	if !res.Doc.byID("role-"+cid+"-member").has("checked") || res.Doc.byID("role-"+cid+"-admin").has("checked") {
		t.Fatal("the page does not show crew's new roles checked")
	}

	// An admin (who is no owner) sees the owner's roles but no form for
	// them, and is not offered the owner role for anyone.
	admin := e.user("admin@southwest.test", rbac.RoleAdmin)
	ab, _ := e.signIn(admin)
	ar := ab.get(e.path("/org/members"))
	oid := string(owner.ID)
	if ar.Doc.byID("roles-"+oid).Text() != "owner" || ar.Doc.byID("form-role-"+oid) != nil {
		t.Fatal("an admin is offered the owner's roles form")
	}
	if ar.Doc.byID("role-"+cid+"-owner") != nil || ar.Doc.byID("role-"+cid+"-member") == nil {
		t.Fatal("an admin's role choices are wrong")
	}
	// A crafted post against the owner, with the admin's valid token.
	crafted := memberRoleForm(t, ar, cid, "owner", "admin")
	crafted.Set("user_id", oid)
	if res := post(ab, crafted, sameOrigin); res.Status != http.StatusForbidden {
		t.Fatalf("an admin changing the owner's roles: %d", res.Status)
	}
	if got := rolesOf(owner); !slices.Equal(got, []string{"owner"}) {
		t.Fatalf("the owner now holds %v", got)
	}
}
