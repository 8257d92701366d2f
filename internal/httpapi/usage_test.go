package httpapi_test

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestUsageAPI(t *testing.T) {
	t.Parallel()
	sessionEngines(t, func(t *testing.T, e *sessionEnv) {
		a, b := e.project("Usage"), e.project("Other")
		month := time.Now().UTC().Format("2006-01")
		orgID, quiet := a.newOrg("Customer"), a.newOrg("Quiet customer")
		u1 := a.newUser(orgID, "one@example.com", nil)["id"].(string)
		u2 := a.newUser(orgID, "two@example.com", nil)["id"].(string)
		a.newUser(orgID, "never@example.com", nil)
		gone := a.newUser(orgID, "gone@example.com", nil)["id"].(string)
		a.do(http.MethodPatch, "/api/v1/users/"+gone, map[string]any{"status": "deactivated"}).want(http.StatusOK)
		e.login(a, u1)
		e.login(a, u1)
		e.login(a, u2)
		bOrg := b.newOrg("B's customer")
		e.login(b, b.newUser(bOrg, "b@example.com", nil)["id"].(string))

		var got struct {
			OrganizationID     string `json:"organization_id"`
			OrganizationName   string `json:"organization_name"`
			Month              string `json:"month"`
			Seats              int64  `json:"seats"`
			MonthlyActiveUsers int64  `json:"monthly_active_users"`
		}
		a.do(http.MethodGet, "/api/v1/organizations/"+orgID+"/usage?month="+month, nil).want(http.StatusOK).into(&got)
		if got.OrganizationID != orgID || got.OrganizationName != "Customer" || got.Month != month || got.Seats != 3 || got.MonthlyActiveUsers != 2 {
			t.Fatalf("usage: %+v, want 3 seats and 2 monthly active users in %s", got, month)
		}
		// Without a month: the current one (read again in case the month
		// turned during the test).
		a.do(http.MethodGet, "/api/v1/organizations/"+orgID+"/usage", nil).want(http.StatusOK).into(&got)
		if now := time.Now().UTC().Format("2006-01"); got.Month != month && got.Month != now {
			t.Fatalf("default month %q, want %q", got.Month, now)
		}
		a.do(http.MethodGet, "/api/v1/organizations/"+orgID+"/usage?month=2001-01", nil).want(http.StatusOK).into(&got)
		if got.Month != "2001-01" || got.MonthlyActiveUsers != 0 || got.Seats != 3 {
			t.Fatalf("usage in another month: %+v", got)
		}

		for _, m := range []string{"2026-13", "2026-1", "nov", "2026-11-01"} {
			r := a.do(http.MethodGet, "/api/v1/organizations/"+orgID+"/usage?month="+m, nil)
			r.problem(http.StatusBadRequest, "invalid_request")
			if !strings.Contains(string(r.body), `"location":"query.month"`) {
				t.Fatalf("month %q: the error does not point at the query parameter: %s", m, r.body)
			}
			a.do(http.MethodGet, "/api/v1/usage?month="+m, nil).problem(http.StatusBadRequest, "invalid_request")
		}
		// Another project's organization, and no organization at all, are
		// not found alike.
		b.do(http.MethodGet, "/api/v1/organizations/"+orgID+"/usage", nil).problem(http.StatusNotFound, "not_found")
		a.do(http.MethodGet, "/api/v1/organizations/"+bOrg+"/usage", nil).problem(http.StatusNotFound, "not_found")
		a.do(http.MethodGet, "/api/v1/organizations/org_nonsense/usage", nil).problem(http.StatusNotFound, "not_found")

		// The listing walks every organization of the project, one per page.
		rows := a.listAll("/api/v1/usage?month="+month, 1)
		want := map[string][2]float64{orgID: {3, 2}, quiet: {0, 0}}
		if len(rows) != len(want) {
			t.Fatalf("listed %d organizations, want %d: %v", len(rows), len(want), rows)
		}
		for _, r := range rows {
			w, ok := want[r["organization_id"].(string)]
			if !ok || r["seats"] != w[0] || r["monthly_active_users"] != w[1] || r["month"] != month {
				t.Fatalf("listed usage %v", r)
			}
		}
		bRows := b.listAll("/api/v1/usage?month="+month, 50)
		if len(bRows) != 1 || bRows[0]["organization_id"] != bOrg || bRows[0]["monthly_active_users"] != float64(1) {
			t.Fatalf("B's usage: %v", bRows)
		}
		a.do(http.MethodGet, "/api/v1/usage?page_token=nonsense", nil).problem(http.StatusBadRequest, "invalid_page_token")
	})
}
