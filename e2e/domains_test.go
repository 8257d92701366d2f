package e2e

import (
	"html"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse/internal/dnstest"
	"github.com/gatehouse-auth/gatehouse/internal/server"
)

// TestVerifiedDomainsAndJoining: domains are verified against a real DNS
// server (in-process, named by the server's DNS setting) through the API
// and on the organization's domains page; a missing or wrong record is
// refused saying what was found, a public email provider is refused
// outright. With join by domain on, a newcomer at the verified domain who
// proves their email is offered the organization and joins with the join
// role; a domain still pending offers nothing.
func TestVerifiedDomainsAndJoining(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, d deployment) {
		dns := dnstest.Start(t)
		s := newOrgStack(t, d, func(c *server.Config) { c.DNSServer = dns.Addr() })
		api := s.api(t)
		acme := apiOrg(t, api, "Acme Rockets")

		// Through the API.
		dom := api.must(http.StatusCreated, "POST", "/domains", map[string]any{"organization_id": acme, "domain": "Acme-Rockets.example."}).json(t)
		ver, _ := dom["verification"].(map[string]any)
		if dom["name"] != "acme-rockets.example" || dom["status"] != "pending" || ver == nil ||
			ver["record_name"] != "_gatehouse-challenge.acme-rockets.example" || !strings.HasPrefix(ver["record_value"].(string), "gatehouse-domain-verification=") {
			t.Fatalf("claimed domain: %v", dom)
		}
		domID, recName, recValue := dom["id"].(string), ver["record_name"].(string), ver["record_value"].(string)

		notYet := api.must(http.StatusConflict, "POST", "/domains/"+domID+"/verify", nil)
		if code := notYet.str(t, "code"); code != "domain_not_verified" {
			t.Fatalf("verifying without a record: code %q: %s", code, notYet.body)
		}
		if e := api.must(http.StatusOK, "GET", "/domains/"+domID, nil).str(t, "last_error"); !strings.Contains(e, "no TXT record found at "+recName) {
			t.Fatalf("last_error without a record: %q", e)
		}
		dns.SetTXT(recName, "v=spf1 -all", "gatehouse-domain-verification=someone-elses-claim")
		api.must(http.StatusConflict, "POST", "/domains/"+domID+"/verify", nil)
		if e := api.must(http.StatusOK, "GET", "/domains/"+domID, nil).str(t, "last_error"); !strings.Contains(e, "do not contain the expected value") || !strings.Contains(e, "someone-elses-claim") {
			t.Fatalf("last_error with a wrong record should say what was found: %q", e)
		}
		dns.SetTXT(recName, "v=spf1 -all", recValue)
		if v := api.must(http.StatusOK, "POST", "/domains/"+domID+"/verify", nil).json(t); v["status"] != "verified" || v["verified_at"] == nil {
			t.Fatalf("verified domain: %v", v)
		}
		for _, public := range []string{"gmail.com", "yahoo.co.uk", "mail.outlook.com"} {
			r := api.must(http.StatusBadRequest, "POST", "/domains", map[string]any{"organization_id": acme, "domain": public})
			if code := r.str(t, "code"); code != "public_email_domain" {
				t.Fatalf("claiming %s: code %q: %s", public, code, r.body)
			}
		}

		// On the organization's domains page.
		beta := apiOrg(t, api, "Beta Boats")
		apiUser(t, api, beta, "admin@beta-boats.example", "admin")
		admin := newPerson(t, s.public)
		s.signIn(t, admin, "admin@beta-boats.example", "/org/domains", "")
		refused := admin.post(s.path("/org/domains"), "action", "add", "domain", "gmail.com")
		if refused.status != http.StatusUnprocessableEntity || !strings.Contains(refused.body, `id="domain-name-error"`) {
			t.Fatalf("a public provider on the page: %d, want 422 with the error beside the field:\n%s", refused.status, refused.body)
		}
		added := admin.post(s.path("/org/domains"), "action", "add", "domain", "beta-boats.example")
		list := api.must(http.StatusOK, "GET", "/domains?organization_id="+beta, nil).list(t)
		if len(list) != 1 {
			t.Fatalf("after adding on the page the API lists %v", list)
		}
		betaID := list[0]["id"].(string)
		value := elementText(added.body, "domain-"+betaID+"-record-value")
		name := elementText(added.body, "domain-"+betaID+"-record-name")
		if name != "_gatehouse-challenge.beta-boats.example" || !strings.HasPrefix(value, "gatehouse-domain-verification=") {
			t.Fatalf("the page shows record %q = %q:\n%s", name, value, added.body)
		}
		dns.SetTXT(name, "gatehouse-domain-verification=stale")
		admin.open(s.path("/org/domains"))
		wrong := admin.post(s.path("/org/domains"), "action", "verify", "domain_id", betaID)
		if !strings.Contains(html.UnescapeString(elementText(wrong.body, "domain-"+betaID+"-error")), "stale") ||
			elementText(wrong.body, "domain-"+betaID+"-status") != "Pending" {
			t.Fatalf("a wrong record on the page must say what was found:\n%s", wrong.body)
		}
		dns.SetTXT(name, value)
		right := admin.post(s.path("/org/domains"), "action", "verify", "domain_id", betaID)
		if elementText(right.body, "domain-"+betaID+"-status") != "Verified" {
			t.Fatalf("verifying the right record on the page:\n%s", right.body)
		}

		// Join by domain: a newcomer at acme-rockets.example is offered
		// Acme Rockets and joins with the join role.
		api.must(http.StatusOK, "PATCH", "/organizations/"+acme, map[string]any{"join_by_domain": true, "join_role": "admin"})
		a := newApp(t, s.project)
		newbie := newPerson(t, s.public)
		newbie.open(a.authURL())
		s.proveEmail(t, newbie, "wernher@acme-rockets.example")
		if !newbie.has("join-"+acme) || !strings.Contains(newbie.page, "Join Acme Rockets") {
			t.Fatalf("a proven email at the verified domain is not offered the organization:\n%s", newbie.page)
		}
		newbie.submit("form-choose-org", "choose_org", "org_id", acme)
		c := s.accessClaims(t, a.finish(t, newbie.landed).oauth)
		if c.OrgID != acme || !slices.Contains(c.Roles, "admin") || c.Email != "wernher@acme-rockets.example" {
			t.Fatalf("joined by domain: org %s roles %v email %s, want Acme Rockets with the join role admin", c.OrgID, c.Roles, c.Email)
		}

		// A subdomain is not the domain.
		sub := newPerson(t, s.public)
		sub.open(a.authURL())
		s.proveEmail(t, sub, "intern@eng.acme-rockets.example")
		if sub.has("join-" + acme) {
			t.Fatalf("an address at a subdomain was offered the organization:\n%s", sub.page)
		}

		// A pending claim with join by domain on offers nothing.
		gamma := apiOrg(t, api, "Gamma Gliders")
		api.must(http.StatusCreated, "POST", "/domains", map[string]any{"organization_id": gamma, "domain": "gamma-gliders.example"})
		api.must(http.StatusOK, "PATCH", "/organizations/"+gamma, map[string]any{"join_by_domain": true})
		pend := newPerson(t, s.public)
		pend.open(a.authURL())
		s.proveEmail(t, pend, "pilot@gamma-gliders.example")
		if pend.has("join-"+gamma) || strings.Contains(pend.page, "Gamma Gliders") {
			t.Fatalf("a pending domain offered its organization:\n%s", pend.page)
		}
	})
}

// elementText is the text inside the element with this id ("" when none),
// for elements without nested tags.
func elementText(page, elementID string) string {
	re := regexp.MustCompile(`id="` + regexp.QuoteMeta(elementID) + `"[^>]*>([^<]*)<`)
	if m := re.FindStringSubmatch(page); m != nil {
		return strings.TrimSpace(html.UnescapeString(m[1]))
	}
	return ""
}
