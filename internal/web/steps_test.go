package web

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse/internal/audit"
	"github.com/gatehouse-auth/gatehouse/internal/org"
	"github.com/gatehouse-auth/gatehouse/internal/tenancy"
)

// account creates an organization with one user of that email.
func (e *env) account(orgName, email string) *org.Organization {
	e.t.Helper()
	ctx := context.Background()
	name := orgName
	o, err := e.ten.CreateOrganization(ctx, audit.System("test"), e.project.ID, tenancy.OrganizationUpdate{Name: &name})
	if err != nil {
		e.t.Fatal(err)
	}
	if _, _, err := e.ten.CreateUser(ctx, audit.System("test"), e.project.ID, tenancy.UserInput{OrganizationID: string(o.ID), Email: email}); err != nil {
		e.t.Fatal(err)
	}
	return o
}

func TestWrongCodeShowsErrorBesideField(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser()
	r := b.submit(b.get(e.authorizeURL(nil)), "submit", map[string]string{"email": "ada@example.com"})
	good := e.latestCode("ada@example.com")
	bad := "000000"
	if good == bad {
		bad = "111111"
	}
	r = b.submit(r, "submit", map[string]string{"code": bad})
	if r.Status != http.StatusUnprocessableEntity || pageName(r) != "verify_email" {
		t.Fatalf("wrong code: %d %q", r.Status, pageName(r))
	}
	in := wantInput(t, r.Doc, "code", map[string]string{"aria-invalid": "true", "aria-describedby": "code-error"})
	if errEl := r.Doc.byID("code-error"); errEl == nil || errEl.Text() == "" || errEl.Parent != in.Parent {
		t.Fatal("error not beside the code field")
	}
	// Baseline: the right code goes on, with a redirect (PRG).
	r = b.submit(r, "submit", map[string]string{"code": good})
	if b.chain[0].Status != http.StatusSeeOther || pageName(r) == "verify_email" {
		t.Fatalf("right code: %d then %q", b.chain[0].Status, pageName(r))
	}

	t.Run("malformed email", func(t *testing.T) {
		b := e.browser()
		r := b.submit(b.get(e.authorizeURL(nil)), "submit", map[string]string{"email": "not an email"})
		if r.Status != http.StatusUnprocessableEntity || r.Doc.byID("email-error") == nil {
			t.Fatalf("status %d", r.Status)
		}
		wantInput(t, r.Doc, "email", map[string]string{"aria-invalid": "true", "value": "not an email"})
	})
}

func TestPasswordStepsAndReset(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.account("Alpha", "ada@example.com")
	b := e.browser()

	// Forgot password: password step → reset by email → set a new password.
	r := b.submit(b.get(e.authorizeURL(nil)), "submit", map[string]string{"email": "ada@example.com"})
	if pageName(r) != "verify_email" || r.Doc.byID("use-password") == nil {
		t.Fatalf("verify_email without use-password: %q", pageName(r))
	}
	r = b.submit(r, "use-password", nil)
	if pageName(r) != "password" {
		t.Fatalf("use password led to %q", pageName(r))
	}
	checkStep(t, r)
	r = b.submit(r, "forgot", nil)
	f := &driver{e: e, b: b, email: "ada@example.com", password: testPassword}
	q := callback(t, f.run(r))
	if q.Get("code") == "" || !slices.Contains(f.seen, "set_password") {
		t.Fatalf("reset flow: %v, steps %v", q, f.seen)
	}

	// Now the password works on its own.
	b2 := e.browser()
	r = b2.submit(b2.get(e.authorizeURL(nil)), "submit", map[string]string{"email": "ada@example.com"})
	r = b2.submit(r, "use-password", nil)
	wrong := b2.submit(r, "submit", map[string]string{"password": "not the password at all"})
	if wrong.Status != http.StatusUnprocessableEntity || wrong.Doc.byID("password-error") == nil {
		t.Fatalf("wrong password: %d", wrong.Status)
	}
	r = b2.submit(wrong, "submit", map[string]string{"password": testPassword})
	f = &driver{e: e, b: b2, email: "ada@example.com", password: testPassword}
	if q := callback(t, f.run(r)); q.Get("code") == "" {
		t.Fatalf("password login: %v", q)
	}
}

func TestChooseAmongOrganizations(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.account("Southwest", "sam@example.com")
	beta := e.account("Best Buy", "sam@example.com")
	b := e.browser()
	r := b.submit(b.get(e.authorizeURL(nil)), "submit", map[string]string{"email": "sam@example.com"})
	r = b.submit(r, "submit", map[string]string{"code": e.latestCode("sam@example.com")})
	if pageName(r) != "choose_org" {
		t.Fatalf("at %q", pageName(r))
	}
	for _, name := range []string{"Southwest", "Best Buy"} {
		if len(r.Doc.all(func(n *node) bool { return n.Tag == "button" && n.Text() == name })) != 1 {
			t.Errorf("no button for %s", name)
		}
	}
	r = b.submit(r, "org-"+string(beta.ID), nil)
	f := &driver{e: e, b: b, email: "sam@example.com", password: testPassword}
	if q := callback(t, f.run(r)); q.Get("code") == "" {
		t.Fatalf("callback %v", q)
	}
	t.Run("organization hint of another org asks again", func(t *testing.T) {
		r := b.get(e.authorizeURL(map[string]string{"organization_id": string(beta.ID)}))
		if callback(t, r).Get("code") == "" {
			t.Fatal("baseline: the session's own organization should skip the pages")
		}
		other := e.account("Third", "zed@example.com")
		r = b.get(e.authorizeURL(map[string]string{"organization_id": string(other.ID)}))
		if r.Status != 200 || pageName(r) == "" {
			t.Fatalf("hint for another org reused the session: %d %q", r.Status, r.Header.Get("Location"))
		}
	})
}

func TestBlockedStep(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	o := e.account("Frozen", "fay@example.com")
	off := true
	if _, err := e.ten.UpdateOrganization(context.Background(), audit.System("test"), e.project.ID, string(o.ID), tenancy.OrganizationUpdate{LoginsDisabled: &off}); err != nil {
		t.Fatal(err)
	}
	b := e.browser()
	r := b.submit(b.get(e.authorizeURL(nil)), "submit", map[string]string{"email": "fay@example.com"})
	r = b.submit(r, "submit", map[string]string{"code": e.latestCode("fay@example.com")})
	if pageName(r) != "blocked" || !strings.Contains(r.Doc.byID("refusal").Text(), "disabled") {
		t.Fatalf("at %q:\n%s", pageName(r), r.Body)
	}
	if r.Doc.byID("restart") == nil {
		t.Error("blocked page offers no way out")
	}
	r = b.submit(r, "restart", nil)
	if pageName(r) != "identify" {
		t.Errorf("restart led to %q", pageName(r))
	}
}

func TestResendNoticeThenThrottled(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser()
	r := b.submit(b.get(e.authorizeURL(nil)), "submit", map[string]string{"email": "rex@example.com"})
	r = b.submit(r, "resend", nil)
	if r.Status != http.StatusOK || pageName(r) != "verify_email" || r.Doc.byID("notice") == nil {
		t.Fatalf("resend: %d %q without a notice", r.Status, pageName(r))
	}
	if r.Doc.byID("throttled") != nil {
		t.Fatal("baseline: the first resend is not throttled")
	}
	for i := 0; i < 10 && r.Status != http.StatusTooManyRequests; i++ {
		r = b.submit(r, "resend", nil)
	}
	if r.Status != http.StatusTooManyRequests || r.Header.Get("Retry-After") == "" || pageName(r) != "verify_email" {
		t.Fatalf("resending without end: %d, Retry-After %q", r.Status, r.Header.Get("Retry-After"))
	}
	msg := r.Doc.byID("throttled")
	if msg == nil {
		msg = r.Doc.byID("code-error")
	}
	if msg == nil || !strings.Contains(msg.Text(), "minute") {
		t.Errorf("no wait message:\n%s", r.Body)
	}
	if strings.Count(r.Body, "minute") > 1 {
		t.Errorf("the wait is announced more than once:\n%s", r.Body)
	}
}

func TestNewPersonSteps(t *testing.T) {
	t.Parallel()
	t.Run("self-serve organizations", func(t *testing.T) {
		e := newEnv(t)
		b := e.browser()
		f := &driver{e: e, b: b, email: "new@example.com", password: testPassword, orgName: "Newco"}
		if q := callback(t, f.run(b.get(e.authorizeURL(nil)))); q.Get("code") == "" {
			t.Fatalf("callback %v", q)
		}
		if !slices.Contains(f.seen, "create_org") {
			t.Errorf("a new person was not asked to name an organization: %v", f.seen)
		}
	})
	t.Run("auto-create organizations", func(t *testing.T) {
		e := newEnv(t, func(c *envConfig) { c.autoCreate = true })
		b := e.browser()
		f := &driver{e: e, b: b, email: "solo@example.com", password: testPassword}
		if q := callback(t, f.run(b.get(e.authorizeURL(nil)))); q.Get("code") == "" {
			t.Fatalf("callback %v", q)
		}
		if slices.Contains(f.seen, "create_org") || slices.Contains(f.seen, "choose_org") {
			t.Errorf("auto-create showed an organization step: %v", f.seen)
		}
	})
}
