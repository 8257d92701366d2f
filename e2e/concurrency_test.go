package e2e

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestConcurrentAPIWrites has many clients create users at once while the
// CLI creates projects in the same database. On SQLite every write must still
// succeed: no 5xx, no "database is locked" in any response or log line.
func TestConcurrentAPIWrites(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, d deployment) {
		srv := start(t, d)
		p := createProject(t, d, srv.main.PublicURL(), "Busy")
		c := newClient(t, srv.url, p.SecretKey)
		const clients, perClient = 16, 50
		orgs := make([]string, 4)
		for i := range orgs {
			orgs[i] = c.must(http.StatusCreated, "POST", "/organizations", map[string]any{"name": fmt.Sprintf("Org %d", i)}).str(t, "id")
		}

		var (
			mu       sync.Mutex
			problems []string
			wg       sync.WaitGroup
		)
		began := time.Now()
		for w := range clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range perClient {
					org := orgs[(w+i)%len(orgs)]
					r, err := c.do("POST", "/users", map[string]any{
						"organization_id": org,
						"email":           fmt.Sprintf("client%d-user%d@busy.example", w, i),
						"display_name":    fmt.Sprintf("User %d/%d", w, i),
					})
					if err != nil || r.status != http.StatusCreated || strings.Contains(string(r.body), "locked") {
						mu.Lock()
						problems = append(problems, fmt.Sprintf("%v %d %s", err, r.status, r.body))
						mu.Unlock()
					}
				}
			}()
		}
		// Meanwhile the CLI writes the same database through its own
		// connections, as `gatehouse project create` does next to a running
		// server.
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 3 {
				if _, err := runProjectCreate(d, srv.main.PublicURL(), fmt.Sprintf("Created during the load %d", i)); err != nil {
					mu.Lock()
					problems = append(problems, err.Error())
					mu.Unlock()
				}
			}
		}()
		wg.Wait()
		took := time.Since(began)
		if len(problems) > 0 {
			t.Fatalf("%d of %d concurrent creates failed, e.g. %s", len(problems), clients*perClient, problems[0])
		}
		if strings.Contains(srv.logs.String(), "database is locked") || strings.Contains(srv.logs.String(), `"status":5`) {
			t.Fatal("the server logged \"database is locked\" or a 5xx")
		}
		total := 0
		for _, org := range orgs {
			n := c.must(http.StatusOK, "GET", "/organizations/"+org, nil).json(t)["member_count"].(float64)
			total += int(n)
		}
		if total != clients*perClient {
			t.Fatalf("member counts add up to %d, want %d", total, clients*perClient)
		}
		t.Logf("%s: %d clients x %d user creates in %v (%.0f creates/s)", d.engine, clients, perClient,
			took.Round(time.Millisecond), float64(clients*perClient)/took.Seconds())
	})
}
