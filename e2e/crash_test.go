package e2e

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// listAll pages through a list endpoint and returns every row.
func listAll(t *testing.T, c *client, path string) []map[string]any {
	t.Helper()
	var all []map[string]any
	token := ""
	for {
		sep := "?"
		if strings.Contains(path, "?") {
			sep = "&"
		}
		r := c.must(http.StatusOK, "GET", path+sep+"limit=200&page_token="+url.QueryEscape(token), nil)
		all = append(all, r.list(t)...)
		token, _ = r.json(t)["next_page_token"].(string)
		if token == "" {
			return all
		}
	}
}

// TestKillDuringWritesLosesNothingAcknowledged SIGKILLs a server while
// clients create users, restarts it on the same data, and checks that every
// user whose creation was answered 201 exists, and that the organization's
// member count agrees with its users.
func TestKillDuringWritesLosesNothingAcknowledged(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, d deployment) {
		p := createProject(t, d, "", "Crash test")
		srv := startChild(t, d)
		c := newClient(t, srv.url(), p.SecretKey)
		c.http.Timeout = 5 * time.Second
		orgID := c.must(http.StatusCreated, "POST", "/organizations", map[string]any{"name": "Crash Corp"}).str(t, "id")

		const workers, killAfter = 8, 200
		var (
			mu     sync.Mutex
			acked  []string
			failed []string
			wg     sync.WaitGroup
		)
		stop := make(chan struct{})
		enough := make(chan struct{})
		var enoughOnce sync.Once
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; ; i++ {
					select {
					case <-stop:
						return
					default:
					}
					r, err := c.do("POST", "/users", map[string]any{
						"organization_id": orgID, "email": fmt.Sprintf("w%d-%d@crash.example", w, i),
					})
					if err != nil {
						continue // the server is gone (or going): not acknowledged
					}
					mu.Lock()
					if r.status == http.StatusCreated {
						acked = append(acked, r.str(t, "id"))
						if len(acked) >= killAfter {
							enoughOnce.Do(func() { close(enough) })
						}
					} else {
						failed = append(failed, fmt.Sprintf("%d %s", r.status, r.body))
					}
					mu.Unlock()
				}
			}()
		}
		select {
		case <-enough:
		case <-time.After(60 * time.Second):
			t.Log("fewer acknowledged writes than planned before the kill")
		}
		srv.signal(t, syscall.SIGKILL) // mid-stream: writers are still busy
		close(stop)
		wg.Wait()

		mu.Lock()
		defer mu.Unlock()
		if len(failed) > 0 {
			t.Fatalf("%d requests failed before the kill, e.g. %s", len(failed), failed[0])
		}
		if len(acked) < killAfter {
			t.Fatalf("only %d writes were acknowledged", len(acked))
		}

		again := startChild(t, d)
		c2 := newClient(t, again.url(), p.SecretKey)
		users := listAll(t, c2, "/users?organization_id="+orgID)
		present := map[string]bool{}
		for _, u := range users {
			present[u["id"].(string)] = true
		}
		var lost []string
		for _, id := range acked {
			if !present[id] {
				lost = append(lost, id)
			}
		}
		if len(lost) > 0 {
			t.Fatalf("%d of %d acknowledged users are gone after kill -9, e.g. %s", len(lost), len(acked), lost[0])
		}
		// At most the requests in flight at the kill may have committed
		// without an answer.
		if extra := len(users) - len(acked); extra < 0 || extra > workers {
			t.Fatalf("%d users present, %d acknowledged: %d unexplained", len(users), len(acked), extra)
		}
		if n := c2.must(http.StatusOK, "GET", "/organizations/"+orgID, nil).json(t)["member_count"]; n != float64(len(users)) {
			t.Fatalf("member_count = %v after the crash, but the organization has %d users", n, len(users))
		}
		for _, out := range []string{srv.stderr.String(), again.stderr.String()} {
			if strings.Contains(out, "database is locked") {
				t.Fatal("the server logged \"database is locked\"")
			}
		}
		t.Logf("%s: %d writes acknowledged before SIGKILL, all present after restart (%d rows)", d.engine, len(acked), len(users))
	})
}
