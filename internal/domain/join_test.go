package domain_test

import (
	"testing"

	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/org"
	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// allowJoin turns joining by domain on or off through the store, as the
// organization settings do.
func (e *env) allowJoin(p id.Project, o *org.Organization, on bool) {
	e.t.Helper()
	err := e.st.Write(e.ctx, func(w store.Writer) error {
		cur, err := w.GetOrganization(e.ctx, p, o.ID)
		if err != nil {
			return err
		}
		cur.Policy.JoinByDomain = on
		return w.UpdateOrganization(e.ctx, cur)
	})
	if err != nil {
		e.t.Fatalf("set join by domain: %v", err)
	}
}

func (e *env) joinable(p id.Project, email string) []id.Org {
	e.t.Helper()
	os, err := e.svc.JoinableOrgs(e.ctx, e.st, p, email)
	if err != nil {
		e.t.Fatalf("JoinableOrgs(%s): %v", email, err)
	}
	out := []id.Org{}
	for _, o := range os {
		out = append(out, o.ID)
	}
	return out
}

func TestJoinableOrgs(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, e *env) {
		p, acme, rival := e.project("Acme")
		pb, bOrg, _ := e.project("Other project")
		mine := e.add(p, acme, "example.com")
		e.add(p, rival, "example.com") // pending: gives no right to join
		e.add(p, acme, "pending.example")
		e.publish(mine)
		e.verify(mine)

		// Joining by domain is off until the organization turns it on.
		if got := e.joinable(p, "ada@example.com"); len(got) != 0 {
			t.Fatalf("joinable with the policy off: %v", got)
		}
		e.allowJoin(p, acme, true)
		e.allowJoin(p, rival, true)
		for _, email := range []string{"ada@example.com", "Ada@EXAMPLE.com"} {
			if got := e.joinable(p, email); len(got) != 1 || got[0] != acme.ID {
				t.Fatalf("joinable(%s) = %v, want only %s", email, got, acme.ID)
			}
		}
		// Only the exact verified name matches.
		for _, email := range []string{
			"ada@eng.example.com", "ada@example.com.evil.test", "ada@notexample.com",
			"ada@pending.example", "example.com", "ada@example.com@evil.test", "",
		} {
			if got := e.joinable(p, email); len(got) != 0 {
				t.Fatalf("joinable(%q) = %v, want none", email, got)
			}
		}
		// Another project's organizations never appear.
		e.allowJoin(pb, bOrg, true)
		if got := e.joinable(pb, "ada@example.com"); len(got) != 0 {
			t.Fatalf("another project sees %v", got)
		}
		e.allowJoin(p, acme, false)
		if got := e.joinable(p, "ada@example.com"); len(got) != 0 {
			t.Fatalf("joinable after turning the policy off: %v", got)
		}
	})
}
