package httpapi_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"
)

func TestDomainLifecycle(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, e *env) {
		c := e.project("Acme")
		org := c.newOrg("Southwest")
		other := c.newOrg("Elsewhere")

		d := c.do(http.MethodPost, "/api/v1/domains", map[string]any{"organization_id": org, "domain": " Example.COM. "}).want(http.StatusCreated).obj()
		did := d["id"].(string)
		v := d["verification"].(map[string]any)
		if d["name"] != "example.com" || d["status"] != "pending" || d["organization_id"] != org || d["verified_at"] != nil || d["last_checked_at"] != nil {
			t.Fatalf("created domain: %v", d)
		}
		if v["record_type"] != "TXT" || v["record_name"] != "_gatehouse-challenge.example.com" || !strings.HasPrefix(v["record_value"].(string), "gatehouse-domain-verification=") {
			t.Fatalf("verification record: %v", v)
		}
		c.do(http.MethodPost, "/api/v1/domains", map[string]any{"organization_id": other, "domain": "other.example"}).want(http.StatusCreated)

		// Not published yet: 409, and the check is saved on the domain.
		p := c.do(http.MethodPost, "/api/v1/domains/"+did+"/verify", nil).problem(http.StatusConflict, "domain_not_verified")
		if !strings.Contains(p["detail"].(string), "_gatehouse-challenge.example.com") {
			t.Fatalf("detail does not name the record: %v", p["detail"])
		}
		got := c.do(http.MethodGet, "/api/v1/domains/"+did, nil).want(http.StatusOK).obj()
		if got["status"] != "pending" || got["last_checked_at"] == nil || !strings.Contains(got["last_error"].(string), "NXDOMAIN") {
			t.Fatalf("after a failed check: %v", got)
		}

		e.dns.SetTXT(v["record_name"].(string), v["record_value"].(string))
		ok := c.do(http.MethodPost, "/api/v1/domains/"+did+"/verify", nil).want(http.StatusOK).obj()
		if ok["status"] != "verified" || ok["verified_at"] == nil || ok["last_error"] != "" {
			t.Fatalf("verified: %v", ok)
		}

		if rows := c.listAll("/api/v1/domains?organization_id="+org, 1); !slices.Equal(ids(rows), []string{did}) {
			t.Fatalf("organization's domains: %v", ids(rows))
		}
		if rows := c.listAll("/api/v1/domains", 1); len(rows) != 2 {
			t.Fatalf("project's domains: %d, want 2", len(rows))
		}

		c.do(http.MethodDelete, "/api/v1/domains/"+did, nil).want(http.StatusNoContent)
		c.do(http.MethodGet, "/api/v1/domains/"+did, nil).problem(http.StatusNotFound, "not_found")
		c.do(http.MethodDelete, "/api/v1/domains/"+did, nil).problem(http.StatusNotFound, "not_found")

		var types []string
		for _, ev := range c.listAll("/api/v1/audit-events?organization_id="+org, 50) {
			if ev["resource_id"] == did {
				types = append(types, ev["event_type"].(string))
			}
		}
		slices.Reverse(types)
		if !slices.Equal(types, []string{"domain.created", "domain.verification_failed", "domain.verified", "domain.deleted"}) {
			t.Fatalf("audit events: %v", types)
		}
	})
}

func TestDomainRefusals(t *testing.T) {
	t.Parallel()
	e := newEnv(t, testdbSQLite(t))
	c := e.project("Acme")
	org := c.newOrg("Southwest")
	rival := c.newOrg("Rival")
	add := func(orgID, name string) *resp {
		return c.do(http.MethodPost, "/api/v1/domains", map[string]any{"organization_id": orgID, "domain": name})
	}

	p := add(org, "gmail.com").problem(http.StatusBadRequest, "public_email_domain")
	if !strings.Contains(p["detail"].(string), "public email provider") {
		t.Fatalf("detail: %v", p["detail"])
	}
	for _, bad := range []string{"", "localhost", "192.0.2.1", "ada@example.com", "https://example.com", "co.uk"} {
		add(org, bad).problem(http.StatusBadRequest, "invalid_request")
	}
	add("org_unknown", "example.com").problem(http.StatusNotFound, "not_found")

	mine := add(org, "example.com").want(http.StatusCreated).obj()
	add(org, "EXAMPLE.com").problem(http.StatusConflict, "domain_exists")
	theirs := add(rival, "example.com").want(http.StatusCreated).obj()

	rec := mine["verification"].(map[string]any)
	e.dns.SetTXT(rec["record_name"].(string), rec["record_value"].(string), theirs["verification"].(map[string]any)["record_value"].(string))
	c.do(http.MethodPost, "/api/v1/domains/"+mine["id"].(string)+"/verify", nil).want(http.StatusOK)
	c.do(http.MethodPost, "/api/v1/domains/"+theirs["id"].(string)+"/verify", nil).problem(http.StatusConflict, "domain_taken")
	add(c.newOrg("Third"), "example.com").problem(http.StatusConflict, "domain_taken")

	for _, ref := range []string{"nope", "dom_01jd8x3k5m7q9s1v3x5z7b9d1f", org} {
		c.do(http.MethodGet, "/api/v1/domains/"+ref, nil).problem(http.StatusNotFound, "not_found")
		c.do(http.MethodPost, "/api/v1/domains/"+ref+"/verify", nil).problem(http.StatusNotFound, "not_found")
	}
}
