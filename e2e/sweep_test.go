package e2e

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// ssRoute is one self-serve page with its POST actions, as the code of
// internal/web registers them.
type ssRoute struct {
	path    string
	actions []string
}

// selfServeRoutes reads every ssPage literal of internal/web's self-serve
// files, so a page or action added there is seen by the sweep without
// anyone remembering to list it.
func selfServeRoutes(t *testing.T) []ssRoute {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("..", "internal", "web", "*.go"))
	if err != nil || len(files) == 0 {
		t.Fatalf("cannot find internal/web: %v", err)
	}
	var out []ssRoute
	fset := token.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(file, func(n ast.Node) bool {
			lit, ok := n.(*ast.CompositeLit)
			if !ok {
				return true
			}
			if id, ok := lit.Type.(*ast.Ident); !ok || id.Name != "ssPage" {
				return true
			}
			var r ssRoute
			for _, e := range lit.Elts {
				kv, ok := e.(*ast.KeyValueExpr)
				if !ok {
					continue
				}
				switch kv.Key.(*ast.Ident).Name {
				case "path":
					r.path = stringLit(t, fset, kv.Value)
				case "actions":
					m, ok := kv.Value.(*ast.CompositeLit)
					if !ok {
						t.Fatalf("%s: the sweep reads actions only from a map literal", fset.Position(kv.Pos()))
					}
					for _, a := range m.Elts {
						r.actions = append(r.actions, stringLit(t, fset, a.(*ast.KeyValueExpr).Key))
					}
				}
			}
			if r.path == "" {
				t.Fatalf("%s: an ssPage without a literal path", fset.Position(lit.Pos()))
			}
			sort.Strings(r.actions)
			out = append(out, r)
			return true
		})
		// Any other route of the project's pages under /account or /org
		// would escape the sweep.
		ast.Inspect(file, func(n ast.Node) bool {
			if b, ok := n.(*ast.BasicLit); ok && b.Kind == token.STRING {
				s, _ := strconv.Unquote(b.Value)
				if strings.Contains(s, "{project}/account") || strings.Contains(s, "{project}/org") {
					t.Errorf("%s: route %q is registered outside the self-serve pages list; add it to the sweep", fset.Position(b.Pos()), s)
				}
			}
			return true
		})
	}
	if len(out) == 0 {
		t.Fatal("no self-serve pages found in internal/web")
	}
	return out
}

func stringLit(t *testing.T, fset *token.FileSet, e ast.Expr) string {
	t.Helper()
	b, ok := e.(*ast.BasicLit)
	if !ok || b.Kind != token.STRING {
		t.Fatalf("%s: the sweep needs a string literal here", fset.Position(e.Pos()))
	}
	s, _ := strconv.Unquote(b.Value)
	return s
}

// sweepTarget is B's resource a self-serve action is aimed at: the form
// field naming it and the ID. An empty field means the action has no
// target of its own (it acts on the signed-in member's own account or
// organization), so it is sent with B's organization smuggled in and must
// change nothing of B's.
type sweepTarget struct{ field, id string }

// TestAuthorizationSweep: members of organization A — a plain member and an
// admin — try every self-serve page and action on organization B's users,
// invitations, domains, sessions and roles, and a secret key of another
// project tries every backend API operation on B's resources. Everything is
// refused and a snapshot of B taken through the API before and after is
// identical.
func TestAuthorizationSweep(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, d deployment) {
		s := newLoginStack(t, d)
		api := s.api(t)
		api.must(http.StatusOK, "PATCH", "/project", map[string]any{"allow_custom_roles": true})
		api.must(http.StatusCreated, "POST", "/permissions", map[string]any{"key": "ledger.read"})

		orgA, orgB := apiOrg(t, api, "Alpha"), apiOrg(t, api, "Bravo")
		apiUser(t, api, orgA, "owner@alpha.example") // the first member is the owner
		aMember := apiUser(t, api, orgA, "member@alpha.example")
		apiUser(t, api, orgA, "admin@alpha.example", "admin")
		bAdmin := apiUser(t, api, orgB, "admin@bravo.example", "admin")
		bUser := apiUser(t, api, orgB, "crew@bravo.example")
		bRole := api.must(http.StatusCreated, "POST", "/roles", map[string]any{"organization_id": orgB, "key": "bravo_pilot", "name": "Bravo pilot", "permissions": []string{"ledger.read"}}).str(t, "id")
		api.must(http.StatusOK, "POST", "/users/"+bUser+"/roles", map[string]any{"role_id": bRole})
		bInvite := api.must(http.StatusCreated, "POST", "/invites", map[string]any{"organization_id": orgB, "email": "next@bravo.example"}).str(t, "id")
		bDomain := api.must(http.StatusCreated, "POST", "/domains", map[string]any{"organization_id": orgB, "domain": "bravo.example"}).str(t, "id")
		bravo := newPerson(t, s.public)
		s.signIn(t, bravo, "admin@bravo.example", "/account", "")
		bSessions := api.must(http.StatusOK, "GET", "/sessions?user_id="+bAdmin, nil).list(t)
		if len(bSessions) != 1 {
			t.Fatalf("B's admin has sessions %v", bSessions)
		}
		bSession := bSessions[0]["id"].(string)

		before := snapshot(t, api, orgB)
		secrets := []string{orgB, bAdmin, bUser, bRole, bInvite, bDomain, bSession, "admin@bravo.example", "crew@bravo.example", "next@bravo.example", "Bravo"}

		// Every self-serve page and action, as A's member and A's admin.
		targets := map[string]sweepTarget{
			"/account save":                    {},
			"/account/password change":         {},
			"/account/sessions revoke":         {"session_id", bSession},
			"/account/sessions signout_others": {},
			"/org rename":                      {},
			"/org/members change_role":         {"user_id", bUser},
			"/org/members deactivate":          {"user_id", bUser},
			"/org/members reactivate":          {"user_id", bUser},
			"/org/members remove":              {"user_id", bUser},
			"/org/invites invite":              {},
			"/org/invites revoke":              {"invite_id", bInvite},
			"/org/invites resend":              {"invite_id", bInvite},
			"/org/roles create":                {},
			"/org/roles update":                {"role_id", bRole},
			"/org/roles delete":                {"role_id", bRole},
			"/org/domains add":                 {},
			"/org/domains verify":              {"domain_id", bDomain},
			"/org/domains delete":              {"domain_id", bDomain},
			"/org/policy save":                 {},
			"/org/sessions revoke":             {"session_id", bSession},
		}
		routes := selfServeRoutes(t)
		covered := map[string]bool{}
		for _, r := range routes {
			for _, a := range r.actions {
				key := r.path + " " + a
				if _, ok := targets[key]; !ok {
					t.Errorf("self-serve action %q is not in the sweep: add it with the B resource it could be aimed at", key)
				}
				covered[key] = true
			}
		}
		for key := range targets {
			if !covered[key] {
				t.Errorf("the sweep lists %q, which internal/web no longer registers", key)
			}
		}
		if t.Failed() {
			return
		}
		tried := 0

		for _, who := range []string{"member@alpha.example", "admin@alpha.example"} {
			p := newPerson(t, s.public)
			s.signIn(t, p, who, "/account", "")
			admin := strings.HasPrefix(who, "admin")
			for _, r := range routes {
				adminPage := strings.HasPrefix(r.path, "/org")
				// GET, with B's IDs and email in every query parameter a
				// page reads.
				q := url.Values{"q": {"bravo"}, "after": {bUser}, "organization_id": {orgB}, "user_id": {bUser}}
				g := p.get(s.path(r.path + "?" + q.Encode()))
				switch {
				case adminPage && !admin:
					if g.status != http.StatusForbidden {
						t.Errorf("%s GET %s: %d, want 403", who, r.path, g.status)
					}
				case g.status != http.StatusOK:
					t.Errorf("%s GET %s: %d, want 200 (their own page)", who, r.path, g.status)
				}
				for _, sec := range secrets {
					if strings.Contains(g.body, sec) {
						t.Errorf("%s GET %s shows B's %q", who, r.path, sec)
					}
				}
				for _, a := range r.actions {
					tg := targets[r.path+" "+a]
					fields := []string{"action", a, "organization_id", orgB,
						// Valid-looking values so a refusal is about B, not
						// about the form.
						"display_name", "Mallory", "name", "Mallory", "email", "mallory@alpha.example",
						"role", "member", "key", "mallory", "domain", "alpha-mallory.example",
						"methods", "email", "current_password", "wrong password 123", "new_password", "another long passphrase 9"}
					if tg.field != "" {
						fields = append(fields, tg.field, tg.id)
					}
					res := p.post(s.path(r.path), fields...)
					tried++
					switch {
					case adminPage && !admin:
						if res.status != http.StatusForbidden {
							t.Errorf("%s POST %s %s: %d, want 403", who, r.path, a, res.status)
						}
					case tg.field != "":
						if res.status != http.StatusForbidden && res.status != http.StatusNotFound {
							t.Errorf("%s POST %s %s on B's %s: %d, want 403 or 404:\n%s", who, r.path, a, tg.field, res.status, res.body)
						}
					}
					for _, sec := range secrets {
						if strings.Contains(res.body, sec) {
							t.Errorf("%s POST %s %s shows B's %q", who, r.path, a, sec)
						}
					}
				}
			}
			if admin {
				// Baseline: the same forms aimed at A's own resources work.
				if res := p.post(s.path("/org/members"), "action", "change_role", "user_id", aMember, "role", "admin"); res.status != http.StatusOK || !strings.Contains(res.body, `id="notice"`) {
					t.Errorf("A's admin changing A's member's role: %d:\n%s", res.status, res.body)
				}
				if res := p.post(s.path("/org/sessions"), "action", "revoke", "session_id", "sess_nonexistent"); res.status != http.StatusNotFound {
					t.Errorf("revoking an unknown session: %d, want 404", res.status)
				}
				// B's custom role handed out inside A, by key.
				for _, f := range [][]string{
					{"/org/invites", "action", "invite", "email", "x@alpha.example", "role", "bravo_pilot"},
					{"/org/members", "action", "change_role", "user_id", aMember, "role", "bravo_pilot"},
				} {
					if res := p.post(s.path(f[0]), f[1:]...); res.status < 400 || res.status >= 500 {
						t.Errorf("admin of A used B's role %v: %d", f, res.status)
					}
				}
				if inv := api.must(http.StatusOK, "GET", "/invites?organization_id="+orgA, nil).list(t); slices.ContainsFunc(inv, func(i map[string]any) bool { return i["role"] == "bravo_pilot" }) {
					t.Error("an invitation in A carries B's custom role")
				}
			}
		}

		if want := 2 * len(targets); tried != want {
			t.Fatalf("the sweep tried %d self-serve actions, want %d", tried, want)
		}
		t.Logf("self-serve: %d pages, %d actions, each as A's member and A's admin", len(routes), len(targets))

		// Every backend API operation with another project's key.
		other := createProject(t, d, s.public, "Other")
		foreign := newClient(t, s.srv.url, other.SecretKey)
		ownKeys := api.must(http.StatusOK, "GET", "/secret-keys", nil).list(t)
		ownPerms := api.must(http.StatusOK, "GET", "/permissions", nil).list(t)
		ids := map[string]string{
			"organizations": orgB, "users": bUser, "invites": bInvite, "domains": bDomain, "sessions": bSession,
			"roles": bRole, "permissions": ownPerms[0]["id"].(string), "secret-keys": ownKeys[0]["id"].(string),
			"oauth-clients": s.project.ClientID,
		}
		ops := apiOperations(t, api)
		t.Logf("API: %d operations", len(ops))
		for _, op := range ops {
			call, ok := apiSweep[op.id]
			if !ok {
				t.Errorf("API operation %s (%s %s) is not in the sweep: add how it could reach B's resources", op.id, op.method, op.path)
				continue
			}
			if call.own {
				continue
			}
			res := strings.SplitN(strings.TrimPrefix(op.path, "/"), "/", 2)[0]
			path := strings.NewReplacer("{id}", ids[res], "{client_id}", ids[res], "{role_id}", bRole).Replace(op.path)
			if strings.Contains(path, "{") {
				t.Errorf("%s %s: the sweep does not know what to put in this path", op.method, op.path)
				continue
			}
			path += strings.NewReplacer("ORG", orgB, "USER", bUser).Replace(call.query)
			var body any
			if call.body != "" {
				body = strings.NewReplacer("ORG", orgB, "USER", bUser, "ROLE", bRole).Replace(call.body)
			}
			r, err := foreign.do(op.method, path, body)
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case r.status == http.StatusNotFound || r.status == http.StatusForbidden:
			case call.emptyList && r.status == http.StatusOK && len(r.list(t)) == 0:
			case call.ownList && r.status == http.StatusOK:
				// Only the key's own project's rows; the check below
				// proves none of B's is among them.
			default:
				t.Errorf("%s %s with another project's key: %d, want 404: %s", op.method, path, r.status, r.body)
			}
			for _, sec := range secrets {
				if strings.Contains(string(r.body), sec) {
					t.Errorf("%s %s with another project's key shows B's %q", op.method, path, sec)
				}
			}
		}

		if diff := cmp.Diff(before, snapshot(t, api, orgB)); diff != "" {
			t.Fatalf("organization B changed during the sweep (-before +after):\n%s", diff)
		}
		// B's admin is still signed in.
		if a := bravo.get(s.path("/account")); a.status != http.StatusOK || !strings.Contains(a.body, "admin@bravo.example") {
			t.Fatalf("B's admin lost their session: %d", a.status)
		}
	})
}

// apiCall is how the sweep calls one API operation with another project's
// key: own operations act on the key's own project and cannot name B;
// query and body name B's organization (ORG), user (USER) and role (ROLE).
type apiCall struct {
	own       bool
	query     string
	body      string
	emptyList bool // a filtered list may answer 200 with nothing in it
	ownList   bool // a list that also holds the key's own project's rows
}

var apiSweep = map[string]apiCall{
	"getProject": {own: true}, "updateProject": {own: true},
	"createOrganization": {own: true}, "listOrganizations": {own: true},
	"createPermission": {own: true}, "listPermissions": {own: true},
	"createSecretKey": {own: true}, "listSecretKeys": {own: true},
	"createOAuthClient": {own: true}, "listOAuthClients": {own: true},
	"listUsage": {own: true},

	"getOrganization": {}, "deleteOrganization": {},
	"updateOrganization":         {body: `{"name":"Pwned","logins_disabled":true}`},
	"revokeOrganizationSessions": {},
	"getOrganizationUsage":       {},
	"createUser":                 {body: `{"organization_id":"ORG","email":"mallory@bravo.example"}`},
	"listUsers":                  {query: "?organization_id=ORG", emptyList: true},
	"getUser":                    {}, "deleteUser": {},
	"updateUser":         {body: `{"display_name":"Pwned"}`},
	"assignUserRole":     {body: `{"role_key":"admin"}`},
	"listUserRoles":      {},
	"unassignUserRole":   {},
	"revokeUserSessions": {},
	"createInvite":       {body: `{"organization_id":"ORG","email":"mallory@bravo.example"}`},
	"listInvites":        {query: "?organization_id=ORG", emptyList: true},
	"getInvite":          {}, "revokeInvite": {}, "resendInvite": {},
	"createDomain": {body: `{"organization_id":"ORG","domain":"mallory.example"}`},
	"listDomains":  {query: "?organization_id=ORG", emptyList: true},
	"getDomain":    {}, "verifyDomain": {}, "deleteDomain": {},
	"listSessions": {query: "?organization_id=ORG&user_id=USER", emptyList: true},
	"getSession":   {}, "revokeSession": {},
	"createRole": {body: `{"organization_id":"ORG","key":"mallory","name":"Mallory"}`},
	"listRoles":  {query: "?organization_id=ORG", ownList: true},
	"getRole":    {}, "deleteRole": {},
	"updateRole":    {body: `{"name":"Pwned"}`},
	"getPermission": {}, "deletePermission": {},
	"updatePermission": {body: `{"description":"Pwned"}`},
	"getSecretKey":     {}, "revokeSecretKey": {},
	"getOAuthClient": {}, "deleteOAuthClient": {}, "rotateOAuthClientSecret": {},
	"updateOAuthClient": {body: `{"name":"Pwned"}`},
	"listAuditEvents":   {query: "?organization_id=ORG", emptyList: true},
}

type apiOp struct{ id, method, path string }

// apiOperations lists the server's API operations from its OpenAPI
// document.
func apiOperations(t *testing.T, api *client) []apiOp {
	t.Helper()
	var doc struct {
		Paths map[string]map[string]struct {
			OperationID string `json:"operationId"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(api.must(http.StatusOK, "GET", "/openapi.json", nil).body, &doc); err != nil {
		t.Fatal(err)
	}
	var out []apiOp
	for path, ops := range doc.Paths {
		for method, op := range ops {
			out = append(out, apiOp{id: op.OperationID, method: strings.ToUpper(method), path: path})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].path+out[i].method < out[j].path+out[j].method })
	if len(out) < 40 {
		t.Fatalf("the OpenAPI document lists only %d operations", len(out))
	}
	return out
}

// snapshot is everything the project's own key can read about org, plus
// the project-wide resources an attacker could touch: compared before and
// after the sweep.
func snapshot(t *testing.T, api *client, org string) map[string]string {
	t.Helper()
	out := map[string]string{}
	get := func(name, path string) {
		out[name] = string(api.must(http.StatusOK, "GET", path, nil).body)
	}
	get("organization", "/organizations/"+org)
	get("users", "/users?organization_id="+org+"&limit=200")
	get("invites", "/invites?organization_id="+org+"&limit=200")
	get("domains", "/domains?organization_id="+org+"&limit=200")
	get("roles", "/roles?organization_id="+org+"&limit=200")
	get("sessions", "/sessions?organization_id="+org+"&limit=200")
	get("audit", "/audit-events?organization_id="+org+"&limit=200")
	get("permissions", "/permissions?limit=200")
	get("oauth-clients", "/oauth-clients?limit=200")
	get("secret-keys", "/secret-keys?limit=200")
	var users struct{ Data []map[string]any }
	_ = json.Unmarshal([]byte(out["users"]), &users)
	for _, u := range users.Data {
		id := u["id"].(string)
		get("roles of "+id, "/users/"+id+"/roles")
	}
	return out
}
