package login

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/org"
	"github.com/gatehouse-auth/gatehouse/internal/project"
	"github.com/gatehouse-auth/gatehouse/internal/user"
)

const email = "pat@example.com"

var t0 = time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)

// Organizations of the table, by policy.
var (
	orgA      = testOrg("Acme", nil)
	orgB      = testOrg("Bravo", nil)
	orgPwOnly = testOrg("Password Only", func(o *org.Organization) {
		o.Policy.AllowedLoginMethods = []project.LoginMethod{project.MethodPassword}
	})
	orgMailOnly = testOrg("Email Only", func(o *org.Organization) { o.Policy.AllowedLoginMethods = []project.LoginMethod{project.MethodEmail} })
	orgSAMLOnly = testOrg("SAML Only", func(o *org.Organization) { o.Policy.AllowedLoginMethods = []project.LoginMethod{project.MethodSAML} })
	orgOff      = testOrg("Switched Off", func(o *org.Organization) { o.Policy.LoginsDisabled = true })
	orgSSO      = testOrg("Needs SSO", func(o *org.Organization) { o.Policy.RequireSSO = true })
	orgMFA      = testOrg("Needs MFA", func(o *org.Organization) { o.Policy.RequireMFA = true })
)

var projectID = id.New[id.Project](t0)

func testOrg(name string, f func(*org.Organization)) *org.Organization {
	o, err := org.New(projectID, name, t0)
	if err != nil {
		panic(err)
	}
	if f != nil {
		f(o)
	}
	return o
}

// account is a candidate of the email at o.
func account(o *org.Organization, hasPassword bool) Candidate {
	u, err := user.New(projectID, o.ID, email, "", t0)
	if err != nil {
		panic(err)
	}
	// Stable per organization, so a case can name the user by its org.
	u.ID = id.User("user_" + string(o.ID)[4:])
	return Candidate{User: u, Org: o, HasPassword: hasPassword}
}

func deactivated(c Candidate) Candidate {
	u := *c.User
	u.Status = user.StatusDeactivated
	c.User = &u
	return c
}

func userOf(o *org.Organization) id.User { return account(o, false).User.ID }

// Projects of the table.
func proj(methods []project.LoginMethod, auto, selfServe bool) *project.Project {
	return &project.Project{ID: projectID, Name: "Shop", EnabledLoginMethods: methods,
		AutoCreateOrganizations: auto, SelfServeCreateOrganizations: selfServe}
}

var (
	both      = []project.LoginMethod{project.MethodEmail, project.MethodPassword}
	emailOnly = []project.LoginMethod{project.MethodEmail}
	pwOnly    = []project.LoginMethod{project.MethodPassword}
	noneOurs  = []project.LoginMethod{project.MethodGoogle}
)

var (
	unproven  = Facts{Email: email}
	byCode    = Facts{Email: email, EmailVerified: true, Proofs: []Proof{{Factor: FactorEmailCode, At: t0}}}
	byLink    = Facts{Email: email, EmailVerified: true, Proofs: []Proof{{Factor: FactorMagicLink, At: t0}}}
	byPw      = Facts{Email: email, Proofs: []Proof{{Factor: FactorPassword, At: t0}}}
	noEmail   = Facts{}
	pwUsersOf = func(os ...*org.Organization) []id.User {
		out := []id.User{}
		for _, o := range os {
			out = append(out, userOf(o))
		}
		return out
	}
)

type nextCase struct {
	name    string
	p       *project.Project
	facts   Facts
	choices Choices
	hint    id.Org
	cands   []Candidate

	step      Step
	target    *org.Organization // existing account's organization
	newOrg    string            // a new organization's name ("" for none)
	auto      bool
	reason    string
	orgs      []*org.Organization
	canCreate bool
}

func nextCases() []nextCase {
	std := proj(both, false, true)
	return []nextCase{
		// Identify and proof, per project methods.
		{name: "no email yet", p: std, facts: noEmail, step: StepIdentify},
		{name: "no email yet, email-only project", p: proj(emailOnly, false, false), facts: noEmail, step: StepIdentify},
		{name: "project offers neither email nor password", p: proj(noneOurs, false, true), facts: unproven, step: StepBlocked, reason: ReasonNoMethod},
		{name: "project offers nothing, even before the email", p: proj(noneOurs, true, true), facts: noEmail, step: StepBlocked, reason: ReasonNoMethod},
		{name: "both methods: code first", p: std, facts: unproven, cands: []Candidate{account(orgA, true)}, step: StepVerifyEmail},
		{name: "both methods: unknown email looks the same", p: std, facts: unproven, step: StepVerifyEmail},
		{name: "both methods: person chose password", p: std, facts: unproven, choices: Choices{UsePassword: true}, cands: []Candidate{account(orgA, true)}, step: StepPassword},
		{name: "both methods: password chosen for unknown email looks the same", p: std, facts: unproven, choices: Choices{UsePassword: true}, step: StepPassword},
		{name: "email-only project ignores a password choice", p: proj(emailOnly, false, true), facts: unproven, choices: Choices{UsePassword: true}, step: StepVerifyEmail},
		{name: "password-only project asks for the password", p: proj(pwOnly, false, true), facts: unproven, cands: []Candidate{account(orgA, true)}, step: StepPassword},
		{name: "password-only project, unknown email, same step", p: proj(pwOnly, false, true), facts: unproven, step: StepPassword},
		{name: "reset asks for the email proof", p: std, facts: unproven, choices: Choices{Reset: true, UsePassword: true}, cands: []Candidate{account(orgA, true)}, step: StepVerifyEmail},
		{name: "reset in a password-only project proves the email", p: proj(pwOnly, false, true), facts: unproven, choices: Choices{Reset: true}, step: StepVerifyEmail},
		{name: "reset means nothing without passwords", p: proj(emailOnly, false, true), facts: unproven, choices: Choices{Reset: true}, step: StepVerifyEmail},

		// One account.
		{name: "code proves the only account", p: std, facts: byCode, cands: []Candidate{account(orgA, false)}, step: StepDone, target: orgA},
		{name: "link proves the only account", p: std, facts: byLink, cands: []Candidate{account(orgA, true)}, step: StepDone, target: orgA},
		{name: "password proves its account", p: std, facts: byPw, choices: Choices{PasswordUsers: pwUsersOf(orgA)}, cands: []Candidate{account(orgA, true)}, step: StepDone, target: orgA},
		{name: "email-only project, code", p: proj(emailOnly, false, false), facts: byCode, cands: []Candidate{account(orgA, false)}, step: StepDone, target: orgA},
		{name: "password-only project, password", p: proj(pwOnly, false, false), facts: byPw, choices: Choices{PasswordUsers: pwUsersOf(orgA)}, cands: []Candidate{account(orgA, true)}, step: StepDone, target: orgA},
		{name: "password-only project, code alone is not enough", p: proj(pwOnly, false, false), facts: byCode, cands: []Candidate{account(orgA, true)}, step: StepPassword, target: orgA},
		{name: "password-only project, code and no password yet: set one", p: proj(pwOnly, false, false), facts: byCode, cands: []Candidate{account(orgA, false)}, step: StepSetPassword, target: orgA},

		// Organization policy after the account is known.
		{name: "org allows only password: code then password", p: std, facts: byCode, cands: []Candidate{account(orgPwOnly, true)}, step: StepPassword, target: orgPwOnly},
		{name: "org allows only password, user has none: set one", p: std, facts: byCode, cands: []Candidate{account(orgPwOnly, false)}, step: StepSetPassword, target: orgPwOnly},
		{name: "org allows only password, password set in this attempt", p: std, facts: byCode, choices: Choices{PasswordSetFor: string(userOf(orgPwOnly))}, cands: []Candidate{account(orgPwOnly, false)}, step: StepDone, target: orgPwOnly},
		{name: "org allows only password, a password set for someone else does not count", p: std, facts: byCode, choices: Choices{PasswordSetFor: string(userOf(orgA))}, cands: []Candidate{account(orgPwOnly, true)}, step: StepPassword, target: orgPwOnly},
		{name: "org allows only password, password proven", p: std, facts: byPw, choices: Choices{PasswordUsers: pwUsersOf(orgPwOnly)}, cands: []Candidate{account(orgPwOnly, true)}, step: StepDone, target: orgPwOnly},
		{name: "org allows only email, password proven: prove the email", p: std, facts: byPw, choices: Choices{PasswordUsers: pwUsersOf(orgMailOnly)}, cands: []Candidate{account(orgMailOnly, true)}, step: StepVerifyEmail, target: orgMailOnly},
		{name: "org allows only email, code", p: std, facts: byCode, cands: []Candidate{account(orgMailOnly, true)}, step: StepDone, target: orgMailOnly},
		{name: "org allows only email, but the project only password", p: proj(pwOnly, false, false), facts: byPw, choices: Choices{PasswordUsers: pwUsersOf(orgMailOnly)}, cands: []Candidate{account(orgMailOnly, true)}, step: StepBlocked, reason: ReasonMethodAllowed},
		{name: "org allows only password, but the project only email", p: proj(emailOnly, false, false), facts: byCode, cands: []Candidate{account(orgPwOnly, true)}, step: StepBlocked, reason: ReasonMethodAllowed},
		{name: "org allows only SAML", p: std, facts: byCode, cands: []Candidate{account(orgSAMLOnly, true)}, step: StepBlocked, reason: ReasonMethodAllowed},
		{name: "org logins disabled", p: std, facts: byCode, cands: []Candidate{account(orgOff, true)}, step: StepBlocked, reason: "logins_disabled"},
		{name: "org logins disabled, even with the password", p: std, facts: byPw, choices: Choices{PasswordUsers: pwUsersOf(orgOff)}, cands: []Candidate{account(orgOff, true)}, step: StepBlocked, reason: "logins_disabled"},
		{name: "org requires SSO", p: std, facts: byCode, cands: []Candidate{account(orgSSO, true)}, step: StepBlocked, reason: "sso_required"},
		{name: "org requires MFA", p: std, facts: byPw, choices: Choices{PasswordUsers: pwUsersOf(orgMFA)}, cands: []Candidate{account(orgMFA, true)}, step: StepBlocked, reason: "mfa_required"},
		{name: "only account deactivated", p: std, facts: byCode, cands: []Candidate{deactivated(account(orgA, true))}, step: StepBlocked, reason: "user_deactivated"},
		{name: "only account deactivated, auto-create does not make another", p: proj(both, true, true), facts: byCode, cands: []Candidate{deactivated(account(orgA, true))}, step: StepBlocked, reason: "user_deactivated"},
		{name: "deactivated account next to an active one: straight in", p: std, facts: byCode, cands: []Candidate{deactivated(account(orgA, true)), account(orgB, false)}, step: StepDone, target: orgB},

		// Several accounts.
		{name: "two accounts: choose", p: std, facts: byCode, cands: []Candidate{account(orgA, false), account(orgB, false)}, step: StepChooseOrg, orgs: []*org.Organization{orgA, orgB}, canCreate: true},
		{name: "two accounts, no self-serve: choose without create", p: proj(both, false, false), facts: byCode, cands: []Candidate{account(orgA, false), account(orgB, false)}, step: StepChooseOrg, orgs: []*org.Organization{orgA, orgB}},
		{name: "two accounts, chose B", p: std, facts: byCode, choices: Choices{OrgID: orgB.ID}, cands: []Candidate{account(orgA, false), account(orgB, false)}, step: StepDone, target: orgB},
		{name: "two accounts, chose an org without an account: choose again", p: std, facts: byCode, choices: Choices{OrgID: orgOff.ID}, cands: []Candidate{account(orgA, false), account(orgB, false)}, step: StepChooseOrg, orgs: []*org.Organization{orgA, orgB}, canCreate: true},
		{name: "two accounts, chose one whose logins are disabled", p: std, facts: byCode, choices: Choices{OrgID: orgOff.ID}, cands: []Candidate{account(orgA, false), account(orgOff, false)}, step: StepBlocked, reason: "logins_disabled"},
		{name: "two accounts, chose the password-only one", p: std, facts: byCode, choices: Choices{OrgID: orgPwOnly.ID}, cands: []Candidate{account(orgA, false), account(orgPwOnly, true)}, step: StepPassword, target: orgPwOnly},
		{name: "password matched one of two accounts: straight in", p: std, facts: byPw, choices: Choices{PasswordUsers: pwUsersOf(orgB)}, cands: []Candidate{account(orgA, true), account(orgB, true)}, step: StepDone, target: orgB},
		{name: "password matched both accounts: choose", p: std, facts: byPw, choices: Choices{PasswordUsers: pwUsersOf(orgA, orgB)}, cands: []Candidate{account(orgA, true), account(orgB, true)}, step: StepChooseOrg, orgs: []*org.Organization{orgA, orgB}, canCreate: true},
		{name: "password proves nothing about the other account", p: std, facts: byPw, choices: Choices{PasswordUsers: pwUsersOf(orgB), OrgID: orgA.ID}, cands: []Candidate{account(orgA, true), account(orgB, true)}, step: StepDone, target: orgB},
		{name: "two accounts, one deactivated, both listed? only the active", p: std, facts: byCode, cands: []Candidate{account(orgA, false), deactivated(account(orgB, false)), account(orgMailOnly, false)}, step: StepChooseOrg, orgs: []*org.Organization{orgA, orgMailOnly}, canCreate: true},
		{name: "auto-create with two accounts: choose", p: proj(both, true, false), facts: byCode, cands: []Candidate{account(orgA, false), account(orgB, false)}, step: StepChooseOrg, orgs: []*org.Organization{orgA, orgB}},

		// No account yet.
		{name: "no account, self-serve: create an org", p: std, facts: byCode, step: StepCreateOrg, canCreate: true},
		{name: "no account, no self-serve: blocked", p: proj(both, false, false), facts: byCode, step: StepBlocked, reason: ReasonNoAccount},
		{name: "no account, named the new org", p: std, facts: byCode, choices: Choices{NewOrgName: "Pat's Shop"}, step: StepDone, newOrg: "Pat's Shop"},
		{name: "new org named but self-serve turned off meanwhile", p: proj(both, false, false), facts: byCode, choices: Choices{NewOrgName: "Pat's Shop"}, step: StepBlocked, reason: ReasonNoAccount},
		{name: "auto-create: straight into a new one-user org", p: proj(both, true, false), facts: byCode, step: StepDone, newOrg: email, auto: true},
		{name: "auto-create with self-serve too: still no org step", p: proj(both, true, true), facts: byLink, step: StepDone, newOrg: email, auto: true},
		{name: "auto-create with an account: straight into it", p: proj(both, true, false), facts: byCode, cands: []Candidate{account(orgA, false)}, step: StepDone, target: orgA},
		{name: "auto-create, password-only project: choose a password", p: proj(pwOnly, true, false), facts: byCode, choices: Choices{Reset: true}, step: StepSetPassword, newOrg: email, auto: true},
		{name: "auto-create, password-only project, password chosen", p: proj(pwOnly, true, false), facts: byCode, choices: Choices{Reset: true, PasswordSetFor: NewUserTarget}, step: StepDone, newOrg: email, auto: true},
		{name: "create org in a password-only project needs a password", p: proj(pwOnly, false, true), facts: byCode, choices: Choices{NewOrgName: "Pat's Shop"}, step: StepSetPassword, newOrg: "Pat's Shop"},
		{name: "new org in email-only project, no password step", p: proj(emailOnly, false, true), facts: byCode, choices: Choices{NewOrgName: "Pat's Shop"}, step: StepDone, newOrg: "Pat's Shop"},

		// Asking to create next to existing accounts.
		{name: "asked to create next to two accounts", p: std, facts: byCode, choices: Choices{CreatingOrg: true}, cands: []Candidate{account(orgA, false), account(orgB, false)}, step: StepCreateOrg, canCreate: true},
		{name: "asked to create without self-serve: choose", p: proj(both, false, false), facts: byCode, choices: Choices{CreatingOrg: true}, cands: []Candidate{account(orgA, false), account(orgB, false)}, step: StepChooseOrg, orgs: []*org.Organization{orgA, orgB}},
		{name: "named a new org next to two accounts", p: std, facts: byCode, choices: Choices{NewOrgName: "Third"}, cands: []Candidate{account(orgA, false), account(orgB, false)}, step: StepDone, newOrg: "Third"},
		{name: "a new org needs the email proven, not just a password", p: std, facts: byPw, choices: Choices{PasswordUsers: pwUsersOf(orgA), NewOrgName: "Third"}, cands: []Candidate{account(orgA, true)}, step: StepVerifyEmail, newOrg: "Third"},

		// Organization hint.
		{name: "hint preselects among two", p: std, facts: byCode, hint: orgB.ID, cands: []Candidate{account(orgA, false), account(orgB, false)}, step: StepDone, target: orgB},
		{name: "hint restricts: no account there", p: std, facts: byCode, hint: orgB.ID, cands: []Candidate{account(orgA, false)}, step: StepBlocked, reason: ReasonNoAccount},
		{name: "hint restricts auto-create too", p: proj(both, true, true), facts: byCode, hint: orgB.ID, step: StepBlocked, reason: ReasonNoAccount},
		{name: "hint forbids creating an org", p: std, facts: byCode, hint: orgB.ID, choices: Choices{NewOrgName: "Elsewhere", CreatingOrg: true}, cands: []Candidate{account(orgB, false)}, step: StepDone, target: orgB},
		{name: "hint outranks a choice of another org", p: std, facts: byCode, hint: orgB.ID, choices: Choices{OrgID: orgA.ID}, cands: []Candidate{account(orgA, false), account(orgB, false)}, step: StepDone, target: orgB},
		{name: "hint with password proof of another account", p: std, facts: byPw, hint: orgB.ID, choices: Choices{PasswordUsers: pwUsersOf(orgA)}, cands: []Candidate{account(orgA, true), account(orgB, true)}, step: StepBlocked, reason: ReasonNoAccount},
		{name: "hint at a deactivated account", p: std, facts: byCode, hint: orgB.ID, cands: []Candidate{account(orgA, false), deactivated(account(orgB, false))}, step: StepBlocked, reason: "user_deactivated"},
		{name: "hint at a disabled org", p: std, facts: byCode, hint: orgOff.ID, cands: []Candidate{account(orgOff, false)}, step: StepBlocked, reason: "logins_disabled"},

		// Reset.
		{name: "reset, email proven: set the new password", p: std, facts: byCode, choices: Choices{Reset: true}, cands: []Candidate{account(orgA, true)}, step: StepSetPassword, target: orgA},
		{name: "reset, new password set: done", p: std, facts: byCode, choices: Choices{Reset: true, PasswordSetFor: string(userOf(orgA))}, cands: []Candidate{account(orgA, true)}, step: StepDone, target: orgA},
		{name: "reset with two accounts: choose first", p: std, facts: byCode, choices: Choices{Reset: true}, cands: []Candidate{account(orgA, true), account(orgB, true)}, step: StepChooseOrg, orgs: []*org.Organization{orgA, orgB}, canCreate: true},
		{name: "reset for an email-only org: nothing to set", p: std, facts: byCode, choices: Choices{Reset: true}, cands: []Candidate{account(orgMailOnly, true)}, step: StepDone, target: orgMailOnly},
		{name: "reset at a disabled org stays blocked", p: std, facts: byCode, choices: Choices{Reset: true}, cands: []Candidate{account(orgOff, true)}, step: StepBlocked, reason: "logins_disabled"},
		{name: "reset of an unknown email: sign-up with a password", p: std, facts: byCode, choices: Choices{Reset: true, NewOrgName: "Pat's Shop"}, step: StepSetPassword, newOrg: "Pat's Shop"},
		{name: "reset of an unknown email, password chosen", p: std, facts: byCode, choices: Choices{Reset: true, NewOrgName: "Pat's Shop", PasswordSetFor: NewUserTarget}, step: StepDone, newOrg: "Pat's Shop"},
		{name: "reset after a password proof still proves the email", p: std, facts: byPw, choices: Choices{Reset: true, PasswordUsers: pwUsersOf(orgA)}, cands: []Candidate{account(orgA, true)}, step: StepVerifyEmail, target: orgA},
	}
}

func TestNext(t *testing.T) {
	for _, tc := range nextCases() {
		t.Run(tc.name, func(t *testing.T) {
			got := Next(Inputs{Project: tc.p, Facts: tc.facts, Choices: tc.choices, OrgHint: tc.hint, Candidates: tc.cands})
			if got.Step != tc.step {
				t.Fatalf("step = %s (%s), want %s", got.Step, describe(got), tc.step)
			}
			checkResult(t, tc, got)
		})
	}
}

func checkResult(t *testing.T, tc nextCase, got StepResult) {
	t.Helper()
	switch {
	case tc.reason != "":
		if got.Blocked == nil || got.Blocked.Reason != tc.reason || got.Blocked.Message == "" {
			t.Fatalf("blocked = %+v, want reason %s with a message", got.Blocked, tc.reason)
		}
		if got.Target != nil {
			t.Fatalf("a blocked result names target %s", describe(got))
		}
	case got.Blocked != nil:
		t.Fatalf("unexpected refusal %+v", got.Blocked)
	}
	if tc.target != nil || tc.newOrg != "" {
		if got.Target == nil {
			t.Fatalf("no target, want %v/%q", tc.target, tc.newOrg)
		}
	}
	if tc.target != nil && (got.Target.IsNew() || got.Target.Candidate.Org.ID != tc.target.ID) {
		t.Fatalf("target = %s, want the account at %s", describe(got), tc.target.Name)
	}
	if tc.newOrg != "" && (!got.Target.IsNew() || got.Target.NewOrgName != tc.newOrg || got.Target.Auto != tc.auto) {
		t.Fatalf("target = %s, want a new org %q (auto %v)", describe(got), tc.newOrg, tc.auto)
	}
	if tc.target == nil && tc.newOrg == "" && got.Target != nil {
		t.Fatalf("target = %s, want none yet", describe(got))
	}
	var orgs []id.Org
	for _, c := range got.Orgs {
		orgs = append(orgs, c.Org.ID)
	}
	var want []id.Org
	for _, o := range tc.orgs {
		want = append(want, o.ID)
	}
	if !slices.Equal(orgs, want) {
		t.Fatalf("orgs = %v, want %v", orgs, want)
	}
	if got.CanCreateOrg != tc.canCreate {
		t.Fatalf("can create org = %v, want %v", got.CanCreateOrg, tc.canCreate)
	}
}

func describe(r StepResult) string {
	switch {
	case r.Blocked != nil:
		return "blocked " + r.Blocked.Reason
	case r.Target == nil:
		return "no target"
	case r.Target.Offer != nil:
		return fmt.Sprintf("joining %s by %s", r.Target.Offer.Org.Name, r.Target.Offer.Kind)
	case r.Target.IsNew():
		return fmt.Sprintf("new org %q auto=%v", r.Target.NewOrgName, r.Target.Auto)
	}
	return "account at " + r.Target.Candidate.Org.Name
}

// TestNextPolicyMatrix crosses every project method set with every
// organization method set and proof, and checks Next never lets a login end
// in done unless Permits accepts the facts the session would keep.
func TestNextPolicyMatrix(t *testing.T) {
	methodSets := [][]project.LoginMethod{both, emailOnly, pwOnly, noneOurs,
		{project.MethodEmail, project.MethodSAML}, {project.MethodPassword, project.MethodGoogle}}
	type proof struct {
		name  string
		facts Facts
		pw    bool
	}
	proofs := []proof{{"code", byCode, false}, {"link", byLink, false}, {"password", byPw, true},
		{"code+password", Facts{Email: email, EmailVerified: true, Proofs: append(slices.Clone(byCode.Proofs), byPw.Proofs...)}, true}}
	n := 0
	for _, pm := range methodSets {
		for _, om := range methodSets {
			for _, pr := range proofs {
				for _, hasPw := range []bool{false, true} {
					for _, flags := range []struct{ off, sso, mfa, deact bool }{{}, {off: true}, {sso: true}, {mfa: true}, {deact: true}} {
						o := testOrg("Matrix", func(o *org.Organization) {
							o.Policy.AllowedLoginMethods = om
							o.Policy.LoginsDisabled, o.Policy.RequireSSO, o.Policy.RequireMFA = flags.off, flags.sso, flags.mfa
						})
						c := account(o, hasPw)
						if flags.deact {
							c = deactivated(c)
						}
						ch := Choices{}
						if pr.pw {
							ch.PasswordUsers = []id.User{c.User.ID}
						}
						p := proj(pm, false, true)
						got := Next(Inputs{Project: p, Facts: pr.facts, Choices: ch, Candidates: []Candidate{c}})
						n++
						ref := Permits(pr.facts, p, o, c.User)
						if got.Step == StepDone && ref != nil {
							t.Errorf("project %v org %v %s pw=%v %+v: done, but Permits refuses: %v", pm, om, pr.name, hasPw, flags, ref)
						}
						if flags.off || flags.sso || flags.mfa || flags.deact {
							if got.Step != StepBlocked {
								t.Errorf("project %v org %v %s %+v: step %s, want blocked", pm, om, pr.name, flags, got.Step)
							}
						}
						if got.Step == StepBlocked && (got.Blocked == nil || got.Blocked.Message == "") {
							t.Errorf("blocked without a message: %+v", got)
						}
					}
				}
			}
		}
	}
	if n < 1000 {
		t.Fatalf("matrix ran %d cases", n)
	}
}
