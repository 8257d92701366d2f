package flow_test

import (
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/login"
	"github.com/gatehouse-auth/gatehouse/internal/login/flow"
	"github.com/gatehouse-auth/gatehouse/internal/mail"
	"github.com/gatehouse-auth/gatehouse/internal/rbac"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/tenancy"
)

func ptr[T any](v T) *T { return &v }

func TestSignUpWithCode(t *testing.T) {
	engines(t, func(t *testing.T, w *world) {
		b, v := w.loginByCode("New.Person@Example.com", login.AuthRequest{})
		want(t, v, login.StepCreateOrg)
		if !v.CanCreateOrg || v.Email != "new.person@example.com" {
			t.Fatalf("create_org view = %+v", v)
		}
		v = b.submit(login.Input{Action: login.ActionCreateOrg, OrgName: "  "})
		want(t, v, login.StepCreateOrg)
		if v.FieldErrors["org_name"] == "" {
			t.Fatalf("an empty organization name was accepted: %+v", v)
		}
		want(t, b.submit(login.Input{Action: login.ActionCreateOrg, OrgName: "Person's Shop"}), login.StepDone)
		s, tok := b.complete()
		if tok == "" || s.ProjectID != w.p.ID {
			t.Fatalf("session %+v token %q", s, tok)
		}
		o, err := w.st.GetOrganization(w.ctx, w.p.ID, s.OrgID)
		if err != nil || o.Name != "Person's Shop" {
			t.Fatalf("new organization %+v, %v", o, err)
		}
		u, err := w.st.GetUser(w.ctx, w.p.ID, s.UserID)
		if err != nil || u.Email != "new.person@example.com" || !u.EmailVerified || u.LastLoginAt == nil || u.OrganizationID != o.ID {
			t.Fatalf("new user %+v, %v", u, err)
		}
		roles, err := w.st.ListUserRoles(w.ctx, w.p.ID, u.ID)
		if err != nil || len(roles) != 1 || roles[0].Key != rbac.RoleOwner {
			t.Fatalf("the creator's roles = %v, %v; want owner", roles, err)
		}
		if !s.Facts.EmailVerified || !s.Facts.Has(login.FactorEmailCode) || s.Facts.Has(login.FactorPassword) {
			t.Fatalf("session facts = %+v", s.Facts)
		}
		// The attempt is single use.
		_, err = w.svc.Load(w.ctx, w.p.ID, b.cookie)
		isErr(t, err, flow.ErrGone, "Load after Complete")
		_, _, err = w.svc.Complete(w.ctx, b.a, b.c)
		isErr(t, err, flow.ErrGone, "a second Complete")
	})
}

func TestLogInWithMagicLink(t *testing.T) {
	engines(t, func(t *testing.T, w *world) {
		o := w.org("Acme", nil)
		u := w.user(o, "pat@example.com", "")
		b := w.start(login.AuthRequest{})
		v := b.submit(login.Input{Action: login.ActionEmail, Email: "pat@example.com"})
		want(t, v, login.StepVerifyEmail)
		if !v.CodeSent || !v.CodeAvailable || !v.PasswordAvailable {
			t.Fatalf("verify view = %+v", v)
		}
		m, _, token := w.mailTo("pat@example.com")
		if m.Template != mail.TemplateLoginCode {
			t.Fatalf("template = %s", m.Template)
		}
		got, err := w.svc.VerifyLink(w.ctx, w.p.ID, token, b.c)
		if err != nil || got != b.a.ID {
			t.Fatalf("VerifyLink = %s, %v; want %s", got, err, b.a.ID)
		}
		want(t, b.view(), login.StepDone)
		s, _ := b.complete()
		if s.UserID != u.ID || s.OrgID != o.ID || !s.Facts.Has(login.FactorMagicLink) {
			t.Fatalf("session %+v", s)
		}
		// Replaying the link is refused, and does not reopen anything.
		_, err = w.svc.VerifyLink(w.ctx, w.p.ID, token, b.c)
		isErr(t, err, flow.ErrInvalidLink, "replayed magic link")
	})
}

func TestPasswordLogIn(t *testing.T) {
	engines(t, func(t *testing.T, w *world) {
		o := w.org("Acme", nil)
		u := w.user(o, "pat@example.com", "correct horse battery")
		b := w.start(login.AuthRequest{LoginHint: "Pat@Example.com"})
		v := b.view()
		want(t, v, login.StepIdentify)
		if v.Email != "pat@example.com" {
			t.Fatalf("login_hint not prefilled: %q", v.Email)
		}
		want(t, b.submit(login.Input{Action: login.ActionEmail, Email: "pat@example.com"}), login.StepVerifyEmail)
		want(t, b.submit(login.Input{Action: login.ActionUsePassword}), login.StepPassword)
		v = b.submit(login.Input{Action: login.ActionPassword, Password: "wrong horse battery"})
		want(t, v, login.StepPassword)
		if v.FieldErrors["password"] != "Incorrect email or password." {
			t.Fatalf("wrong password answer = %v", v.FieldErrors)
		}
		want(t, b.submit(login.Input{Action: login.ActionPassword, Password: "correct horse battery"}), login.StepDone)
		s, _ := b.complete()
		if s.UserID != u.ID || !s.Facts.Has(login.FactorPassword) || s.Facts.EmailVerified {
			t.Fatalf("session %+v", s)
		}
		got, _ := w.st.GetUser(w.ctx, w.p.ID, u.ID)
		if got.EmailVerified {
			t.Fatalf("a password login marked the email verified")
		}
	})
}

func TestTwoOrganizationsChoose(t *testing.T) {
	engines(t, func(t *testing.T, w *world) {
		a, bo := w.org("Acme", nil), w.org("Bravo", nil)
		w.user(a, "pat@example.com", "")
		ub := w.user(bo, "pat@example.com", "")
		b, v := w.loginByCode("pat@example.com", login.AuthRequest{})
		want(t, v, login.StepChooseOrg)
		if len(v.Orgs) != 2 || v.Orgs[0].ID != a.ID || v.Orgs[1].ID != bo.ID || v.Orgs[0].Kind != "member" || !v.CanCreateOrg {
			t.Fatalf("choices = %+v", v)
		}
		// An organization that is not offered cannot be chosen.
		other := w.org("Other", nil)
		v = b.submit(login.Input{Action: login.ActionChooseOrg, OrgID: other.ID})
		want(t, v, login.StepChooseOrg)
		if v.FieldErrors["org_id"] == "" {
			t.Fatalf("choosing an unoffered org: %+v", v)
		}
		want(t, b.submit(login.Input{Action: login.ActionChooseOrg, OrgID: bo.ID}), login.StepDone)
		s, _ := b.complete()
		if s.UserID != ub.ID || s.OrgID != bo.ID {
			t.Fatalf("session %+v, want user %s", s, ub.ID)
		}
	})
}

func TestOrganizationHintRestricts(t *testing.T) {
	engines(t, func(t *testing.T, w *world) {
		a, bo := w.org("Acme", nil), w.org("Bravo", nil)
		w.user(a, "pat@example.com", "")
		ub := w.user(bo, "pat@example.com", "")
		b, v := w.loginByCode("pat@example.com", login.AuthRequest{OrganizationHint: bo.ID})
		want(t, v, login.StepDone)
		s, _ := b.complete()
		if s.UserID != ub.ID {
			t.Fatalf("hint ignored: %+v", s)
		}
		_, v = w.loginByCode("pat@example.com", login.AuthRequest{OrganizationHint: w.org("Cobalt", nil).ID})
		want(t, v, login.StepBlocked)
		if v.Blocked.Reason != login.ReasonNoAccount {
			t.Fatalf("blocked = %+v", v.Blocked)
		}
	})
}

func TestAutoCreate(t *testing.T) {
	engines(t, func(t *testing.T, w *world) {
		w.p = w.project("B2C", func(up *tenancy.ProjectUpdate) { up.AutoCreateOrganizations = ptr(true) })
		b, v := w.loginByCode("solo@example.com", login.AuthRequest{})
		want(t, v, login.StepDone)
		s, _ := b.complete()
		o, err := w.st.GetOrganization(w.ctx, w.p.ID, s.OrgID)
		if err != nil || o.Name != "solo@example.com" || o.MemberCount != 1 {
			t.Fatalf("auto-created org %+v, %v", o, err)
		}
		// The next login goes straight into the same account.
		b2, v := w.loginByCode("solo@example.com", login.AuthRequest{})
		want(t, v, login.StepDone)
		s2, _ := b2.complete()
		if s2.UserID != s.UserID || s2.OrgID != s.OrgID {
			t.Fatalf("second login created another account: %+v vs %+v", s2, s)
		}
		orgs, err := w.st.ListOrganizations(w.ctx, w.p.ID, store.Page{Limit: 10})
		if err != nil || len(orgs) != 1 {
			t.Fatalf("organizations = %d, %v; want 1", len(orgs), err)
		}
	})
}

func TestOrgRequiresPasswordAfterCode(t *testing.T) {
	engines(t, func(t *testing.T, w *world) {
		o := w.org("Strict", &tenancy.OrganizationUpdate{AllowedLoginMethods: &[]string{"password"}})
		u := w.user(o, "pat@example.com", "correct horse battery")
		b, v := w.loginByCode("pat@example.com", login.AuthRequest{})
		want(t, v, login.StepPassword)
		// The code alone does not make a session.
		_, _, err := w.svc.Complete(w.ctx, b.a, b.c)
		isErr(t, err, flow.ErrNotDone, "Complete before the password")
		want(t, b.submit(login.Input{Action: login.ActionPassword, Password: "correct horse battery"}), login.StepDone)
		s, _ := b.complete()
		if s.UserID != u.ID || !s.Facts.Has(login.FactorPassword) {
			t.Fatalf("session %+v", s)
		}
	})
}

func TestOrgWithLoginsDisabledBlocked(t *testing.T) {
	engines(t, func(t *testing.T, w *world) {
		o := w.org("Frozen", &tenancy.OrganizationUpdate{LoginsDisabled: ptr(true)})
		w.user(o, "pat@example.com", "correct horse battery")
		b, v := w.loginByCode("pat@example.com", login.AuthRequest{})
		want(t, v, login.StepBlocked)
		if v.Blocked == nil || v.Blocked.Reason != "logins_disabled" || v.Blocked.Message == "" {
			t.Fatalf("blocked = %+v", v.Blocked)
		}
		_, _, err := w.svc.Complete(w.ctx, b.a, b.c)
		isErr(t, err, flow.ErrNotDone, "Complete of a blocked login")
		// Baseline: the same person logs in once the switch is off.
		if _, err := w.ten.UpdateOrganization(w.ctx, actorTest, w.p.ID, string(o.ID), tenancy.OrganizationUpdate{LoginsDisabled: ptr(false)}); err != nil {
			t.Fatal(err)
		}
		want(t, b.view(), login.StepDone)
		b.complete()
	})
}

func TestUnknownEmailLooksKnown(t *testing.T) {
	engines(t, func(t *testing.T, w *world) {
		w.user(w.org("Acme", nil), "known@example.com", "correct horse battery")
		run := func(email string) []*login.View {
			b := w.start(login.AuthRequest{})
			vs := []*login.View{b.submit(login.Input{Action: login.ActionEmail, Email: email})}
			vs = append(vs, b.submit(login.Input{Action: login.ActionResend}))
			vs = append(vs, b.submit(login.Input{Action: login.ActionCode, Code: "12345x"}))
			vs = append(vs, b.submit(login.Input{Action: login.ActionUsePassword}))
			vs = append(vs, b.submit(login.Input{Action: login.ActionPassword, Password: "not the password"}))
			vs = append(vs, b.submit(login.Input{Action: login.ActionForgot}))
			return vs
		}
		known, unknown := run("known@example.com"), run("nobody@example.com")
		for i := range known {
			k, u := *known[i], *unknown[i]
			k.AttemptID, u.AttemptID, k.Email, u.Email = "", "", "", ""
			k.Notice = stripEmail(k.Notice, "known@example.com")
			u.Notice = stripEmail(u.Notice, "nobody@example.com")
			if !sameView(k, u) {
				t.Fatalf("view %d differs:\nknown   %+v\nunknown %+v", i, k, u)
			}
		}
		// A code (and a reset code) went to both.
		if w.mailCount("known@example.com") != 3 || w.mailCount("nobody@example.com") != 3 {
			t.Fatalf("emails: known %d, unknown %d; want 3 each", w.mailCount("known@example.com"), w.mailCount("nobody@example.com"))
		}
	})
}

func TestOtherProjectCannotUseAttempt(t *testing.T) {
	engines(t, func(t *testing.T, w *world) {
		b := w.start(login.AuthRequest{})
		want(t, b.submit(login.Input{Action: login.ActionEmail, Email: "pat@example.com"}), login.StepVerifyEmail)
		_, _, token := w.mailTo("pat@example.com")
		mine := w.p
		other := w.project("Other", nil)
		_, err := w.svc.Load(w.ctx, other.ID, b.cookie)
		isErr(t, err, flow.ErrGone, "Load in another project")
		_, err = w.svc.VerifyLink(w.ctx, other.ID, token, b.c)
		isErr(t, err, flow.ErrInvalidLink, "VerifyLink in another project")
		_, err = w.svc.Load(w.ctx, mine.ID, "gh_la_"+"NOTACOOKIE")
		isErr(t, err, flow.ErrGone, "Load of an unknown cookie")
		// Baseline: in its own project the link works.
		if _, err := w.svc.VerifyLink(w.ctx, mine.ID, token, b.c); err != nil {
			t.Fatalf("VerifyLink in its project: %v", err)
		}
	})
}

func TestAttemptExpires(t *testing.T) {
	engines(t, func(t *testing.T, w *world) {
		b := w.start(login.AuthRequest{})
		w.clk.Advance(flow.AttemptLifetime - 2*time.Second)
		want(t, b.submit(login.Input{Action: login.ActionEmail, Email: "pat@example.com"}), login.StepVerifyEmail)
		w.clk.Advance(2 * time.Second)
		_, err := w.svc.Load(w.ctx, w.p.ID, b.cookie)
		isErr(t, err, flow.ErrGone, "Load after the attempt expired")
	})
}

func stripEmail(s, email string) string {
	out := []rune{}
	for i := 0; i < len(s); {
		if len(s)-i >= len(email) && s[i:i+len(email)] == email {
			i += len(email)
			continue
		}
		out = append(out, rune(s[i]))
		i++
	}
	return string(out)
}

func sameView(a, b login.View) bool {
	if len(a.FieldErrors) != len(b.FieldErrors) {
		return false
	}
	for k, v := range a.FieldErrors {
		if b.FieldErrors[k] != v {
			return false
		}
	}
	a.FieldErrors, b.FieldErrors = nil, nil
	if !slices.Equal(a.Orgs, b.Orgs) {
		return false
	}
	a.Orgs, b.Orgs = nil, nil
	return reflect.DeepEqual(a, b)
}

func TestPruneRemovesOnlyExpired(t *testing.T) {
	engines(t, func(t *testing.T, w *world) {
		old := w.start(login.AuthRequest{})
		w.clk.Advance(flow.AttemptLifetime / 2)
		live := w.start(login.AuthRequest{})
		w.clk.Advance(flow.AttemptLifetime/2 + time.Second)
		n, err := w.svc.Prune(w.ctx, 100)
		if err != nil || n < 1 {
			t.Fatalf("Prune = %d, %v", n, err)
		}
		if _, err := w.st.GetLoginAttempt(w.ctx, w.p.ID, old.a.ID); err == nil {
			t.Fatalf("expired attempt survived Prune")
		}
		if _, err := w.svc.Load(w.ctx, w.p.ID, live.cookie); err != nil {
			t.Fatalf("live attempt after Prune: %v", err)
		}
	})
}

func TestDeactivatedUserBlocked(t *testing.T) {
	engines(t, func(t *testing.T, w *world) {
		o := w.org("Acme", nil)
		w.user(o, "owner@example.com", "") // the first member is the owner
		u := w.user(o, "pat@example.com", "correct horse battery")
		deactivate := func(status string) {
			if _, err := w.ten.UpdateUser(w.ctx, actorTest, w.p.ID, string(u.ID), tenancy.UserUpdate{Status: &status}); err != nil {
				t.Fatal(err)
			}
		}
		deactivate("deactivated")
		b, v := w.loginByCode("pat@example.com", login.AuthRequest{})
		want(t, v, login.StepBlocked)
		if v.Blocked.Reason != "user_deactivated" {
			t.Fatalf("blocked = %+v", v.Blocked)
		}
		// A password does not get a deactivated account in either.
		b2 := w.start(login.AuthRequest{})
		b2.submit(login.Input{Action: login.ActionUsePassword, Email: "pat@example.com"})
		v = b2.submit(login.Input{Action: login.ActionPassword, Password: "correct horse battery"})
		if v.Step != login.StepPassword || v.FieldErrors["password"] != "Incorrect email or password." {
			t.Fatalf("password of a deactivated account: %+v", v)
		}
		// Baseline: reactivated, the same attempt goes through.
		deactivate("active")
		want(t, b.view(), login.StepDone)
		s, _ := b.complete()
		if s.UserID != u.ID {
			t.Fatalf("session %+v", s)
		}
	})
}

func TestBlockedMessageIsASentence(t *testing.T) {
	engines(t, func(t *testing.T, w *world) {
		w.user(w.org("Frozen", &tenancy.OrganizationUpdate{LoginsDisabled: ptr(true)}), "pat@example.com", "")
		_, v := w.loginByCode("pat@example.com", login.AuthRequest{})
		want(t, v, login.StepBlocked)
		if v.Blocked.Message != "Logins are disabled for Frozen." {
			t.Fatalf("message = %q", v.Blocked.Message)
		}
	})
}
