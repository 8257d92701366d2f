package httpapi_test

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"testing"
)

func TestPaginationWalksEveryRowOnce(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, e *env) {
		c := e.project("Acme")
		org := c.newOrg("Big")
		want := map[string]bool{}
		for i := range 23 {
			want[c.newUser(org, fmt.Sprintf("u%02d@example.com", i), nil)["id"].(string)] = true
		}
		for _, limit := range []int{1, 5, 23, 200} {
			rows := c.listAll("/api/v1/users", limit)
			seen := map[string]bool{}
			for _, id := range ids(rows) {
				if seen[id] {
					t.Fatalf("limit %d: %s listed twice", limit, id)
				}
				seen[id] = true
			}
			if len(seen) != len(want) {
				t.Fatalf("limit %d: %d rows, want %d", limit, len(seen), len(want))
			}
			for i := 1; i < len(rows); i++ {
				if rows[i-1]["id"].(string) >= rows[i]["id"].(string) {
					t.Fatalf("limit %d: rows out of order", limit)
				}
			}
		}
		var page struct {
			Data          []map[string]any `json:"data"`
			NextPageToken string           `json:"next_page_token"`
		}
		c.do(http.MethodGet, "/api/v1/users?limit=23", nil).want(http.StatusOK).into(&page)
		if len(page.Data) != 23 || page.NextPageToken != "" {
			t.Fatalf("an exactly full last page must end the list: %d rows, token %q", len(page.Data), page.NextPageToken)
		}
		c.do(http.MethodGet, "/api/v1/users", nil).want(http.StatusOK).into(&page)
		if len(page.Data) != 23 {
			t.Fatalf("default page has %d rows, want all 23 (default limit 50)", len(page.Data))
		}

		// Audit events are newest first and paginate the same way.
		events := c.listAll("/api/v1/audit-events", 7)
		all := c.listAll("/api/v1/audit-events", 200)
		if len(events) != len(all) || len(all) < 46 {
			t.Fatalf("audit pages: %d vs %d rows", len(events), len(all))
		}
		for i := 1; i < len(events); i++ {
			if events[i-1]["id"].(string) <= events[i]["id"].(string) {
				t.Fatalf("audit events not newest first at %d", i)
			}
		}

		// Tampered tokens are refused, valid ones from another list too.
		c.do(http.MethodGet, "/api/v1/users?limit=5", nil).want(http.StatusOK).into(&page)
		token := page.NextPageToken
		for name, bad := range map[string]string{
			"not base64":      "!!!",
			"flipped":         token[:len(token)-2] + "xx",
			"wrong version":   base64.RawURLEncoding.EncodeToString([]byte("v9:" + page.Data[4]["id"].(string))),
			"sql":             base64.RawURLEncoding.EncodeToString([]byte("v1:' OR 1=1 --")),
			"other list's id": base64.RawURLEncoding.EncodeToString([]byte("v1:" + org)),
		} {
			t.Logf("case %s", name)
			c.do(http.MethodGet, "/api/v1/users?limit=5&page_token="+bad, nil).problem(http.StatusBadRequest, "invalid_page_token")
		}
	})
}

func TestAuditEvents(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, e *env) {
		c := e.project("Acme")
		org := c.newOrg("Southwest")
		other := c.newOrg("Best Buy")
		c.do(http.MethodPatch, "/api/v1/organizations/"+org, map[string]any{"name": "SWA", "join_by_domain": true}).want(http.StatusOK)
		u := c.newUser(org, "ada@example.com", nil)["id"].(string)

		ev := c.listAll("/api/v1/audit-events?event_type=organization.updated", 50)
		if len(ev) != 1 {
			t.Fatalf("%d organization.updated events, want 1", len(ev))
		}
		x := ev[0]
		actor := x["actor"].(map[string]any)
		if actor["type"] != "secret_key" || actor["id"] != c.keyID || x["resource_type"] != "organization" ||
			x["resource_id"] != org || x["organization_id"] != org {
			t.Fatalf("event = %v", x)
		}
		d := x["details"].(map[string]any)
		before, after := d["before"].(map[string]any), d["after"].(map[string]any)
		if before["name"] != "Southwest" || after["name"] != "SWA" || before["join_by_domain"] != false || after["join_by_domain"] != true {
			t.Fatalf("details = %v", d)
		}

		// Filters.
		for _, ev := range c.listAll("/api/v1/audit-events?organization_id="+org, 50) {
			if ev["organization_id"] != org {
				t.Fatalf("organization filter leaked %v", ev)
			}
		}
		if n := len(c.listAll("/api/v1/audit-events?organization_id="+other, 50)); n != 1 {
			t.Fatalf("other organization has %d events, want 1 (created)", n)
		}
		if n := len(c.listAll("/api/v1/audit-events?actor_id="+c.keyID, 200)); n < 5 {
			t.Fatalf("actor filter: %d events", n)
		}
		if n := len(c.listAll("/api/v1/audit-events?actor_id=sk_someoneelse", 200)); n != 0 {
			t.Fatalf("unknown actor matched %d events", n)
		}
		created := c.listAll("/api/v1/audit-events?event_type=user.created", 50)
		if len(created) != 1 || created[0]["resource_id"] != u {
			t.Fatalf("user.created = %v", created)
		}
		at := created[0]["occurred_at"].(string)
		if n := len(c.listAll("/api/v1/audit-events?event_type=user.created&since="+at, 50)); n != 1 {
			t.Fatalf("since is inclusive: %d events", n)
		}
		if n := len(c.listAll("/api/v1/audit-events?event_type=user.created&until="+at, 50)); n != 0 {
			t.Fatalf("until is exclusive: %d events", n)
		}
		if n := len(c.listAll("/api/v1/audit-events?since=2000-01-01T00:00:00Z&until=2001-01-01T00:00:00Z", 50)); n != 0 {
			t.Fatalf("old window: %d events", n)
		}
		c.do(http.MethodGet, "/api/v1/audit-events?since=yesterday", nil).problem(http.StatusBadRequest, "invalid_request")
		c.do(http.MethodGet, "/api/v1/audit-events?since=2026-01-02T00:00:00Z&until=2026-01-01T00:00:00Z", nil).problem(http.StatusBadRequest, "invalid_request")
	})
}
