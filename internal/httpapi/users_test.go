package httpapi_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// newOrg creates an organization and returns its ID.
func (c *client) newOrg(name string) string {
	c.t.Helper()
	return c.do(http.MethodPost, "/api/v1/organizations", map[string]any{"name": name}).want(http.StatusCreated).str("id")
}

// newUser creates a user and returns the response object.
func (c *client) newUser(orgID, email string, extra map[string]any) map[string]any {
	c.t.Helper()
	body := map[string]any{"organization_id": orgID, "email": email}
	for k, v := range extra {
		body[k] = v
	}
	return c.do(http.MethodPost, "/api/v1/users", body).want(http.StatusCreated).obj()
}

func rolesOf(u map[string]any) []string {
	var out []string
	for _, r := range u["roles"].([]any) {
		out = append(out, r.(string))
	}
	return out
}

func TestUserLifecycle(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, e *env) {
		c := e.project("Acme")
		org := c.newOrg("Southwest")
		first := c.newUser(org, "  Ada@Example.COM ", map[string]any{"display_name": "Ada"})
		if first["email"] != "ada@example.com" || first["display_name"] != "Ada" || first["status"] != "active" ||
			first["email_verified"] != false || first["organization_id"] != org || first["last_login_at"] != nil {
			t.Fatalf("created user: %v", first)
		}
		// The first member of an organization becomes its owner, later ones members.
		if r := rolesOf(first); len(r) != 1 || r[0] != "owner" {
			t.Fatalf("first user's roles = %v, want [owner]", r)
		}
		second := c.newUser(org, "bob@example.com", nil)
		if r := rolesOf(second); len(r) != 1 || r[0] != "member" {
			t.Fatalf("second user's roles = %v, want [member]", r)
		}
		third := c.newUser(org, "cy@example.com", map[string]any{"roles": []string{"admin", "member"}, "email_verified": true})
		if r := rolesOf(third); len(r) != 2 || r[0] != "admin" || r[1] != "member" || third["email_verified"] != true {
			t.Fatalf("third user = %v, want admin+member, verified", third)
		}
		if mc := c.do(http.MethodGet, "/api/v1/organizations/"+org, nil).want(http.StatusOK).obj()["member_count"]; mc != 3.0 {
			t.Fatalf("member_count = %v, want 3", mc)
		}

		// The list shows each user's roles too (read in one batch for the page).
		listed := c.do(http.MethodGet, "/api/v1/users?organization_id="+org, nil).want(http.StatusOK).obj()["data"].([]any)
		if len(listed) != 3 {
			t.Fatalf("listed %d users, want 3", len(listed))
		}
		// Creation order, each user with its roles.
		wantRoles := []string{"owner", "member", "admin,member"}
		for i, row := range listed {
			u := row.(map[string]any)
			if got := strings.Join(rolesOf(u), ","); got != wantRoles[i] {
				t.Fatalf("listed user %d (%v) roles = %q, want %q", i, u["email"], got, wantRoles[i])
			}
		}

		uid := first["id"].(string)
		got := c.do(http.MethodGet, "/api/v1/users/"+uid, nil).want(http.StatusOK).obj()
		if got["email"] != "ada@example.com" || rolesOf(got)[0] != "owner" {
			t.Fatalf("get user = %v", got)
		}
		up := c.do(http.MethodPatch, "/api/v1/users/"+uid, map[string]any{"display_name": "Ada L.", "email_verified": true}).want(http.StatusOK).obj()
		if up["display_name"] != "Ada L." || up["email_verified"] != true || up["email"] != "ada@example.com" {
			t.Fatalf("patched = %v", up)
		}
		// A new address is unverified unless the caller says otherwise.
		up = c.do(http.MethodPatch, "/api/v1/users/"+uid, map[string]any{"email": "ADA@new.example"}).want(http.StatusOK).obj()
		if up["email"] != "ada@new.example" || up["email_verified"] != false {
			t.Fatalf("email change = %v", up)
		}

		// Filters.
		other := c.newOrg("Best Buy")
		sameEmail := c.newUser(other, "bob@example.com", nil) // same email, other organization: allowed
		all := c.listAll("/api/v1/users", 2)
		if len(all) != 4 {
			t.Fatalf("listed %d users, want 4", len(all))
		}
		inOrg := c.listAll("/api/v1/users?organization_id="+org, 50)
		if len(inOrg) != 3 {
			t.Fatalf("organization filter: %d users, want 3", len(inOrg))
		}
		byEmail := c.listAll("/api/v1/users?email="+url.QueryEscape("BOB@example.com"), 50)
		if len(byEmail) != 2 {
			t.Fatalf("email filter: %d users, want 2", len(byEmail))
		}
		both := c.listAll("/api/v1/users?email=bob@example.com&organization_id="+other, 50)
		if len(both) != 1 || both[0]["id"] != sameEmail["id"] {
			t.Fatalf("combined filter = %v", both)
		}
		if rows := c.listAll("/api/v1/users?organization_id=not-an-id", 50); len(rows) != 0 {
			t.Fatalf("malformed organization filter matched %d users", len(rows))
		}

		c.do(http.MethodDelete, "/api/v1/users/"+second["id"].(string), nil).want(http.StatusNoContent)
		c.do(http.MethodGet, "/api/v1/users/"+second["id"].(string), nil).problem(http.StatusNotFound, "not_found")
		if mc := c.do(http.MethodGet, "/api/v1/organizations/"+org, nil).want(http.StatusOK).obj()["member_count"]; mc != 2.0 {
			t.Fatalf("member_count after delete = %v, want 2", mc)
		}
		types := auditTypes(c, "")
		if types["user.created"] != 4 || types["user.updated"] != 2 || types["user.deleted"] != 1 || types["role.assigned"] != 5 {
			t.Fatalf("audit events = %v", types)
		}
	})
}

func TestUserDuplicateEmail(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, e *env) {
		c := e.project("Acme")
		org := c.newOrg("Southwest")
		c.newUser(org, "ada@example.com", nil)
		bob := c.newUser(org, "bob@example.com", nil)
		before := auditTypes(c, "")

		c.do(http.MethodPost, "/api/v1/users", map[string]any{"organization_id": org, "email": "ADA@Example.com"}).problem(http.StatusConflict, "email_taken")
		c.do(http.MethodPatch, "/api/v1/users/"+bob["id"].(string), map[string]any{"email": "Ada@example.com"}).problem(http.StatusConflict, "email_taken")

		if got := c.do(http.MethodGet, "/api/v1/users/"+bob["id"].(string), nil).want(http.StatusOK).obj(); got["email"] != "bob@example.com" {
			t.Fatalf("refused change applied: %v", got)
		}
		if n := len(c.listAll("/api/v1/users", 50)); n != 2 {
			t.Fatalf("%d users after refused create, want 2", n)
		}
		after := auditTypes(c, "")
		if len(after) != len(before) || after["user.created"] != before["user.created"] || after["user.updated"] != before["user.updated"] {
			t.Fatalf("a refused change wrote audit events: before %v after %v", before, after)
		}
	})
}

func TestUserBadInput(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, e *env) {
		c := e.project("Acme")
		org := c.newOrg("Southwest")
		u := c.newUser(org, "ada@example.com", nil)
		uid := u["id"].(string)
		cases := []struct {
			name, method, path string
			body               any
			code               string
			location           string
		}{
			{"no organization", http.MethodPost, "/api/v1/users", map[string]any{"email": "x@example.com"}, "invalid_request", "body"},
			{"empty organization", http.MethodPost, "/api/v1/users", map[string]any{"organization_id": "", "email": "x@example.com"}, "invalid_request", "body.organization_id"},
			{"bad email", http.MethodPost, "/api/v1/users", map[string]any{"organization_id": org, "email": "not an email"}, "invalid_request", "body.email"},
			{"display name address", http.MethodPost, "/api/v1/users", map[string]any{"organization_id": org, "email": "Ada <ada@x.example>"}, "invalid_request", "body.email"},
			{"unknown role", http.MethodPost, "/api/v1/users", map[string]any{"organization_id": org, "email": "x@example.com", "roles": []string{"wizard"}}, "invalid_request", "body.roles"},
			{"bad status", http.MethodPatch, "/api/v1/users/" + uid, map[string]any{"status": "banned"}, "invalid_request", "body.status"},
			{"bad email patch", http.MethodPatch, "/api/v1/users/" + uid, map[string]any{"email": "nope"}, "invalid_request", "body.email"},
			{"control chars", http.MethodPatch, "/api/v1/users/" + uid, map[string]any{"display_name": "a\nb"}, "invalid_request", "body.display_name"},
		}
		for _, tc := range cases {
			t.Logf("case %s", tc.name)
			p := c.do(tc.method, tc.path, tc.body).problem(http.StatusBadRequest, tc.code)
			found := false
			for _, fe := range p["errors"].([]any) {
				if fe.(map[string]any)["location"] == tc.location {
					found = true
				}
			}
			if !found {
				t.Errorf("%s: no error at %s: %v", tc.name, tc.location, p)
			}
		}
		// A user cannot be created in an organization that does not exist.
		c.do(http.MethodPost, "/api/v1/users", map[string]any{"organization_id": "org_01jd8x3k5m7q9s1v3x5z7b9d1f", "email": "x@example.com"}).problem(http.StatusNotFound, "not_found")
		if n := len(c.listAll("/api/v1/users", 50)); n != 1 {
			t.Fatalf("%d users after refused creates, want 1", n)
		}
		if got := c.do(http.MethodGet, "/api/v1/users/"+uid, nil).want(http.StatusOK).obj(); got["status"] != "active" || got["email"] != "ada@example.com" {
			t.Fatalf("refused patch applied: %v", got)
		}
	})
}
