package httpapi_test

import (
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse/internal/session"
)

// TestCrossProjectSweep calls every operation of the served OpenAPI document
// with project B's key and project A's IDs. Every ID of A must be answered as
// not found, lists must not show A's rows, and A's data must be unchanged.
// Operations are enumerated from the document, so a new endpoint is covered
// (or fails here until the sweep knows how to fill it in).
func TestCrossProjectSweep(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, e *env) {
		a, b := e.project("Project A"), e.project("Project B")
		for _, c := range []*client{a, b} {
			c.do(http.MethodPatch, "/api/v1/project", map[string]any{"allow_custom_roles": true}).want(http.StatusOK)
		}
		aOrg := a.newOrg("A's customer")
		aOwner := a.newUser(aOrg, "owner@a.example", nil)["id"].(string)
		aMember := a.newUser(aOrg, "member@a.example", nil)["id"].(string)
		aPerm := a.do(http.MethodPost, "/api/v1/permissions", map[string]any{"key": "a.read"}).want(http.StatusCreated).str("id")
		aRole := a.do(http.MethodPost, "/api/v1/roles", map[string]any{"key": "a_role", "name": "A role", "permissions": []string{"a.read"}}).want(http.StatusCreated).str("id")
		aCustom := a.do(http.MethodPost, "/api/v1/roles", map[string]any{"organization_id": aOrg, "key": "a_custom", "name": "A custom"}).want(http.StatusCreated).str("id")
		a.do(http.MethodPost, "/api/v1/users/"+aOwner+"/roles", map[string]any{"role_id": aRole}).want(http.StatusOK)
		a.do(http.MethodPost, "/api/v1/users/"+aMember+"/roles", map[string]any{"role_id": aCustom}).want(http.StatusOK)
		aOwnerRole := a.roleID("owner")
		aSession := (&sessionEnv{env: e, sess: session.New(e.st, make([]byte, 32))}).login(a, aOwner)
		aClient := a.do(http.MethodPost, "/api/v1/oauth-clients", map[string]any{"name": "A app", "redirect_uris": []string{"https://a.example/cb"}}).want(http.StatusCreated).str("id")
		// A's pending invite, with A's custom role: a resend or revoke that
		// crossed projects would show in its send count or status.
		aInvite := a.do(http.MethodPost, "/api/v1/invites", map[string]any{"organization_id": aOrg, "email": "invitee@a.example", "role": "a_custom"}).want(http.StatusCreated).str("id")
		// A's domain claim, with its proof published: a verify that crossed
		// projects would succeed and show.
		aDomainBody := a.do(http.MethodPost, "/api/v1/domains", map[string]any{"organization_id": aOrg, "domain": "a-domain.example"}).want(http.StatusCreated).obj()
		aDomain := aDomainBody["id"].(string)
		aRecord := aDomainBody["verification"].(map[string]any)
		e.dns.SetTXT(aRecord["record_name"].(string), aRecord["record_value"].(string))

		secrets := []string{a.projectID, aOrg, aOwner, aMember, aPerm, aRole, aCustom, aOwnerRole, a.keyID, aClient, aSession, "https://a.example/cb", "owner@a.example", "member@a.example", "a_custom", "a.read", aDomain, "a-domain.example"}
		before := snapshotA(a, aOrg, aOwner, aMember, aPerm, aRole, aCustom) + snapshotClient(a, aClient) + snapshotDomain(a, aDomain)

		secrets = append(secrets, aInvite, "invitee@a.example")
		beforeInvite := snapshotInvite(a, aInvite)

		bOrg := b.newOrg("B's customer")
		bUser := b.newUser(bOrg, "someone@b.example", nil)["id"].(string)

		substitutions := []map[string]string{
			{"organizations": aOrg, "users": aOwner, "permissions": aPerm, "roles": aRole, "secret-keys": a.keyID, "role_id": aRole, "client_id": aClient, "sessions": aSession, "domains": aDomain},
			{"organizations": aOrg, "users": aMember, "permissions": aPerm, "roles": aCustom, "secret-keys": a.keyID, "role_id": aCustom, "client_id": aClient, "sessions": aSession, "domains": aDomain},
			{"users": aOwner, "roles": aOwnerRole, "role_id": aOwnerRole},
		}
		substitutions[0]["invites"], substitutions[1]["invites"] = aInvite, aInvite
		doc := e.spec()
		paths := doc["paths"].(map[string]any)
		covered := 0
		for _, sub := range substitutions {
			for tmpl, item := range paths {
				for method, raw := range item.(map[string]any) {
					op := raw.(map[string]any)
					method = strings.ToUpper(method)
					path, hasParams, ok := fillPath(tmpl, sub)
					if !ok {
						if sub["organizations"] == "" {
							continue // the third set covers only users and roles
						}
						t.Fatalf("%s %s: the sweep does not know which of A's IDs to use; extend fillPath", method, tmpl)
					}
					query := fillQuery(op, aOrg, a.keyID, "owner@a.example")
					body, ok := sweepBody(method, tmpl, aOrg, aRole)
					if !ok {
						t.Fatalf("%s %s: the sweep has no request body for this operation; add one to sweepBody", method, tmpl)
					}
					r := b.do(method, "/api/v1"+path+query, body)
					covered++
					switch {
					case hasParams:
						r.problem(http.StatusNotFound, "not_found")
					case method == http.MethodPost && tmpl == "/invites":
						// An invite to A's organization.
						r.problem(http.StatusNotFound, "not_found")
					case method == http.MethodPost && (tmpl == "/users" || tmpl == "/roles" || tmpl == "/domains"):
						// Creates that name A's organization.
						r.problem(http.StatusNotFound, "not_found")
					default:
						if r.status >= 300 {
							t.Fatalf("%s %s: status %d: %s", method, path, r.status, r.body)
						}
					}
					for _, s := range secrets {
						if strings.Contains(string(r.body), s) {
							t.Fatalf("%s %s%s: response shows A's %q: %s", method, path, query, s, r.body)
						}
					}
				}
			}
		}
		// B's own user with A's roles, and B's own organization in A's role lookups.
		b.do(http.MethodPost, "/api/v1/users/"+bUser+"/roles", map[string]any{"role_id": aRole}).problem(http.StatusNotFound, "not_found")
		b.do(http.MethodPost, "/api/v1/users/"+bUser+"/roles", map[string]any{"role_id": aCustom}).problem(http.StatusNotFound, "not_found")
		b.do(http.MethodPost, "/api/v1/users/"+bUser+"/roles", map[string]any{"role_key": "a_custom"}).problem(http.StatusNotFound, "not_found")
		b.do(http.MethodDelete, "/api/v1/users/"+bUser+"/roles/"+aOwnerRole, nil).problem(http.StatusNotFound, "not_found")
		b.do(http.MethodPost, "/api/v1/roles", map[string]any{"key": "x", "name": "X", "permissions": []string{"a.read"}}).problem(http.StatusBadRequest, "invalid_request")

		if after := snapshotInvite(a, aInvite); after != beforeInvite {
			t.Fatalf("project B changed project A's invite:\nbefore %s\nafter  %s", beforeInvite, after)
		}
		if covered < 3*20 {
			t.Fatalf("only %d calls made", covered)
		}
		if after := snapshotA(a, aOrg, aOwner, aMember, aPerm, aRole, aCustom) + snapshotClient(a, aClient) + snapshotDomain(a, aDomain); after != before {
			t.Fatalf("project B changed project A's data:\nbefore %s\nafter  %s", before, after)
		}
	})
}

var pathParam = regexp.MustCompile(`\{([a-z_]+)\}`)

// fillPath substitutes A's IDs into a path template: {id} by the resource
// named in the segment before it, other parameters by their name.
func fillPath(tmpl string, sub map[string]string) (string, bool, bool) {
	segs := strings.Split(strings.TrimPrefix(tmpl, "/"), "/")
	has := false
	for i, s := range segs {
		m := pathParam.FindStringSubmatch(s)
		if m == nil {
			continue
		}
		has = true
		key := m[1]
		if key == "id" && i > 0 {
			key = segs[i-1]
		}
		v, ok := sub[key]
		if !ok {
			return "", true, false
		}
		segs[i] = v
	}
	return "/" + strings.Join(segs, "/"), has, true
}

// fillQuery sets every filter the operation declares that can name A's data.
func fillQuery(op map[string]any, orgID, actorID, email string) string {
	values := url.Values{}
	params, _ := op["parameters"].([]any)
	for _, raw := range params {
		p := raw.(map[string]any)
		if p["in"] != "query" {
			continue
		}
		switch p["name"] {
		case "organization_id":
			values.Set("organization_id", orgID)
		case "actor_id":
			values.Set("actor_id", actorID)
		case "email":
			values.Set("email", email)
		}
	}
	if len(values) == 0 {
		return ""
	}
	return "?" + values.Encode()
}

// sweepBody is a valid request body for each operation that takes one,
// naming A's IDs where the operation refers to other resources.
func sweepBody(method, tmpl, aOrg, aRole string) (any, bool) {
	if method != http.MethodPost && method != http.MethodPatch && method != http.MethodPut {
		return nil, true
	}
	bodies := map[string]any{
		"POST /organizations":                           map[string]any{"name": "B org"},
		"PATCH /organizations/{id}":                     map[string]any{"name": "hijacked", "logins_disabled": true},
		"POST /users":                                   map[string]any{"organization_id": aOrg, "email": "intruder@b.example"},
		"PATCH /users/{id}":                             map[string]any{"display_name": "hijacked", "status": "deactivated"},
		"POST /users/{id}/roles":                        map[string]any{"role_id": aRole},
		"POST /permissions":                             map[string]any{"key": "b.perm." + strings.ToLower(randSuffix())},
		"PATCH /permissions/{id}":                       map[string]any{"description": "hijacked"},
		"POST /roles":                                   map[string]any{"organization_id": aOrg, "key": "b_role", "name": "B role"},
		"PATCH /roles/{id}":                             map[string]any{"name": "hijacked", "permissions": []string{}},
		"POST /secret-keys":                             map[string]any{"name": "B key"},
		"PATCH /project":                                map[string]any{"name": "Project B"},
		"POST /users/{id}/sessions/revoke":              nil,
		"POST /organizations/{id}/sessions/revoke":      nil,
		"POST /oauth-clients":                           map[string]any{"name": "B app", "redirect_uris": []string{"https://b.example/cb"}},
		"PATCH /oauth-clients/{client_id}":              map[string]any{"name": "hijacked", "redirect_uris": []string{"https://evil.example/cb"}},
		"POST /oauth-clients/{client_id}/rotate-secret": map[string]any{},
		"POST /invites":                                 map[string]any{"organization_id": aOrg, "email": "intruder@b.example", "role": "a_custom"},
		"POST /invites/{id}/resend":                     nil,
		"POST /domains":                                 map[string]any{"organization_id": aOrg, "domain": "b-domain.example"},
		"POST /domains/{id}/verify":                     nil,
	}
	b, ok := bodies[method+" "+tmpl]
	return b, ok
}

// snapshotA reads everything of project A that the sweep could touch.
func snapshotA(a *client, org, owner, member, perm, role, custom string) string {
	a.t.Helper()
	var sb strings.Builder
	for _, p := range []string{
		"/api/v1/project", "/api/v1/organizations/" + org, "/api/v1/users/" + owner, "/api/v1/users/" + member,
		"/api/v1/users/" + owner + "/roles", "/api/v1/users/" + member + "/roles",
		"/api/v1/permissions/" + perm, "/api/v1/roles/" + role, "/api/v1/roles/" + custom,
	} {
		sb.Write(a.do(http.MethodGet, p, nil).want(http.StatusOK).body)
	}
	for _, p := range []string{"/api/v1/organizations", "/api/v1/users", "/api/v1/permissions", "/api/v1/roles?organization_id=" + org, "/api/v1/audit-events"} {
		sb.WriteString(mustJSON(a.t, a.listAll(p, 200)))
	}
	keys := a.listAll("/api/v1/secret-keys", 200)
	for _, k := range keys {
		delete(k, "last_used_at") // A's own reads above touch its key
	}
	slices.SortFunc(keys, func(x, y map[string]any) int { return strings.Compare(x["id"].(string), y["id"].(string)) })
	sb.WriteString(mustJSON(a.t, keys))
	return sb.String()
}

// snapshotDomain reads A's domain and domain list.
func snapshotDomain(a *client, domainID string) string {
	a.t.Helper()
	return string(a.do(http.MethodGet, "/api/v1/domains/"+domainID, nil).want(http.StatusOK).body) +
		mustJSON(a.t, a.listAll("/api/v1/domains", 200))
}

// snapshotClient reads A's OAuth client and client list.
func snapshotClient(a *client, clientID string) string {
	a.t.Helper()
	return string(a.do(http.MethodGet, "/api/v1/oauth-clients/"+clientID, nil).want(http.StatusOK).body) +
		mustJSON(a.t, a.listAll("/api/v1/oauth-clients", 200))
}
