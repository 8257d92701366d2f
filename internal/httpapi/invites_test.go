package httpapi_test

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/id"
)

var inviteLinkRe = regexp.MustCompile(`http://gatehouse\.test/p/(proj_[0-9a-z]+)/invite/(gh_inv_[A-Z2-7]+)`)

// inviteLink returns the link of the newest invite email to the address and
// how many invite emails the project has sent it.
func (c *client) inviteLink(to string) (string, int) {
	c.t.Helper()
	ms, err := c.e.st.ListMail(context.Background(), id.Project(c.projectID), 100)
	if err != nil {
		c.t.Fatalf("outbox: %v", err)
	}
	link, n := "", 0
	for _, m := range ms { // newest first
		if m.To != to || m.Template != "invite" {
			continue
		}
		if n == 0 {
			match := inviteLinkRe.FindStringSubmatch(m.Text)
			if match == nil || match[1] != c.projectID {
				c.t.Fatalf("invite email without this project's link:\n%s", m.Text)
			}
			link = match[0]
		}
		n++
	}
	return link, n
}

// snapshotInvite reads A's invite and invite list.
func snapshotInvite(a *client, inviteID string) string {
	a.t.Helper()
	return string(a.do(http.MethodGet, "/api/v1/invites/"+inviteID, nil).want(http.StatusOK).body) +
		mustJSON(a.t, a.listAll("/api/v1/invites", 200))
}

func TestInviteLifecycle(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, e *env) {
		a := e.project("Acme")
		org := a.newOrg("Southwest")
		r := a.do(http.MethodPost, "/api/v1/invites", map[string]any{"organization_id": org, "email": "Ann@Example.com"}).want(http.StatusCreated)
		if strings.Contains(string(r.body), "gh_inv_") {
			t.Fatalf("the response shows the link's token: %s", r.body)
		}
		inv := r.obj()
		for field, want := range map[string]any{
			"organization_id": org, "email": "ann@example.com", "role": "member", "status": "pending",
			"accepted_at": nil, "revoked_at": nil, "accepted_user_id": nil, "send_count": float64(1),
		} {
			if inv[field] != want {
				t.Fatalf("%s = %v, want %v: %s", field, inv[field], want, r.body)
			}
		}
		if by := inv["invited_by"].(map[string]any); by["type"] != "secret_key" || by["id"] != a.keyID {
			t.Fatalf("invited_by %v", by)
		}
		invID := inv["id"].(string)
		link, n := a.inviteLink("ann@example.com")
		if n != 1 || !strings.HasPrefix(link, "http://gatehouse.test/p/"+a.projectID+"/invite/gh_inv_") {
			t.Fatalf("%d invite emails, link %q", n, link)
		}

		got := a.do(http.MethodGet, "/api/v1/invites/"+invID, nil).want(http.StatusOK).obj()
		if got["email"] != "ann@example.com" || got["expires_at"] != inv["expires_at"] {
			t.Fatalf("get: %v", got)
		}
		other := a.newOrg("Best Buy")
		a.do(http.MethodPost, "/api/v1/invites", map[string]any{"organization_id": other, "email": "ann@example.com", "role": "admin"}).want(http.StatusCreated)
		if l := ids(a.listAll("/api/v1/invites?organization_id="+org+"&status=pending", 1)); len(l) != 1 || l[0] != invID {
			t.Fatalf("pending invites of the organization: %v", l)
		}
		if l := a.listAll("/api/v1/invites", 1); len(l) != 2 {
			t.Fatalf("all invites: %d", len(l))
		}
		if l := a.listAll("/api/v1/invites?status=expired", 10); len(l) != 0 {
			t.Fatalf("expired invites: %v", l)
		}
		if l := a.listAll("/api/v1/invites?organization_id=org_malformed", 10); len(l) != 0 {
			t.Fatalf("invites of a malformed organization ID: %v", l)
		}

		resent := a.do(http.MethodPost, "/api/v1/invites/"+invID+"/resend", nil).want(http.StatusOK).obj()
		if resent["send_count"] != float64(2) || resent["status"] != "pending" {
			t.Fatalf("resent: %v", resent)
		}
		newLink, n := a.inviteLink("ann@example.com")
		if n != 3 || newLink == link {
			t.Fatalf("after a resend: %d invite emails to ann, link changed: %v", n, newLink != link)
		}

		a.do(http.MethodDelete, "/api/v1/invites/"+invID, nil).want(http.StatusNoContent)
		revoked := a.do(http.MethodGet, "/api/v1/invites/"+invID, nil).want(http.StatusOK).obj()
		if revoked["status"] != "revoked" || revoked["revoked_at"] == nil {
			t.Fatalf("revoked: %v", revoked)
		}
		p := a.do(http.MethodDelete, "/api/v1/invites/"+invID, nil).problem(http.StatusConflict, "invite_not_pending")
		if !strings.Contains(p["detail"].(string), "revoked") {
			t.Fatalf("detail %v", p["detail"])
		}
		a.do(http.MethodPost, "/api/v1/invites/"+invID+"/resend", nil).problem(http.StatusConflict, "invite_not_pending")
		if _, n := a.inviteLink("ann@example.com"); n != 3 {
			t.Fatalf("refused resend sent an email")
		}

		var events struct{ Data []map[string]any }
		a.do(http.MethodGet, "/api/v1/audit-events?organization_id="+org, nil).want(http.StatusOK).into(&events)
		var types []string
		for _, ev := range events.Data {
			if ev["resource_id"] == invID {
				types = append(types, ev["event_type"].(string))
			}
		}
		if strings.Join(types, " ") != "invite.revoked invite.resent invite.created" {
			t.Fatalf("audit events of the invite: %v", types)
		}
	})
}

func TestInviteRefusals(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, e *env) {
		a := e.project("Acme")
		org := a.newOrg("Southwest")
		a.newUser(org, "member@example.com", nil)
		a.do(http.MethodPost, "/api/v1/invites", map[string]any{"organization_id": org, "email": "pending@example.com"}).want(http.StatusCreated)

		p := a.do(http.MethodPost, "/api/v1/invites", map[string]any{"organization_id": org, "email": "member@example.com"}).problem(http.StatusConflict, "already_member")
		if !strings.Contains(p["detail"].(string), "already has an account") {
			t.Fatalf("already_member detail: %v", p["detail"])
		}
		p = a.do(http.MethodPost, "/api/v1/invites", map[string]any{"organization_id": org, "email": "pending@example.com"}).problem(http.StatusConflict, "invite_exists")
		if !strings.Contains(p["detail"].(string), "resend it instead") {
			t.Fatalf("invite_exists detail: %v", p["detail"])
		}
		p = a.do(http.MethodPost, "/api/v1/invites", map[string]any{"organization_id": org, "email": "x@example.com", "role": "nope"}).problem(http.StatusBadRequest, "invalid_request")
		if errs, _ := p["errors"].([]any); len(errs) != 1 || errs[0].(map[string]any)["location"] != "body.role" {
			t.Fatalf("unknown role errors: %v", p["errors"])
		}
		a.do(http.MethodPost, "/api/v1/invites", map[string]any{"organization_id": org, "email": "not an email"}).problem(http.StatusBadRequest, "invalid_request")
		a.do(http.MethodPost, "/api/v1/invites", map[string]any{"organization_id": org}).problem(http.StatusBadRequest, "invalid_request")
		a.do(http.MethodPost, "/api/v1/invites", map[string]any{"organization_id": "org_nope", "email": "x@example.com"}).problem(http.StatusNotFound, "not_found")
		a.do(http.MethodGet, "/api/v1/invites?status=bogus", nil).problem(http.StatusBadRequest, "invalid_request")
		for _, bad := range []string{"inv_nope", "nope", string(id.New[id.Invite](time.Now()))} {
			a.do(http.MethodGet, "/api/v1/invites/"+bad, nil).problem(http.StatusNotFound, "not_found")
			a.do(http.MethodDelete, "/api/v1/invites/"+bad, nil).problem(http.StatusNotFound, "not_found")
			a.do(http.MethodPost, "/api/v1/invites/"+bad+"/resend", nil).problem(http.StatusNotFound, "not_found")
		}
		if l := a.listAll("/api/v1/invites", 50); len(l) != 1 {
			t.Fatalf("refused creates left %d invites", len(l))
		}
	})
}
