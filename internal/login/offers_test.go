package login

import (
	"slices"
	"testing"

	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/org"
	"github.com/gatehouse-auth/gatehouse/internal/project"
)

// Organizations that let people join by domain.
var (
	orgJoin       = testOrg("Joinable", func(o *org.Organization) { o.Policy.JoinByDomain = true })
	orgJoinPwOnly = testOrg("Joinable Password Only", func(o *org.Organization) {
		o.Policy.JoinByDomain = true
		o.Policy.AllowedLoginMethods = []project.LoginMethod{project.MethodPassword}
	})
	orgJoinOff = testOrg("Joinable Switched Off", func(o *org.Organization) {
		o.Policy.JoinByDomain = true
		o.Policy.LoginsDisabled = true
	})
)

func inviteTo(o *org.Organization, role string) Offer {
	return Offer{Kind: OfferInvite, Org: o, InviteID: id.Invite("inv_" + string(o.ID)[4:]), RoleKey: role, RoleName: role}
}

func domainOf(o *org.Organization) Offer {
	return Offer{Kind: OfferDomain, Org: o, RoleKey: "member", RoleName: "Member"}
}

type offerCase struct {
	name    string
	p       *project.Project
	facts   Facts
	choices Choices
	hint    id.Org
	invite  id.Invite
	cands   []Candidate
	offers  []Offer

	step   Step
	target *org.Organization // existing account
	join   *Offer            // the offer the login ends in
	reason string
	orgs   []*org.Organization
	offer  []Offer // offers listed on choose_org
	create bool
}

func offerCases() []offerCase {
	std := proj(both, false, true)
	closed := proj(both, false, false)
	inv := inviteTo(orgB, "admin")
	invA := inviteTo(orgA, "member")
	dom := domainOf(orgJoin)
	pwWith := func(f Facts) Facts {
		f.Proofs = append(slices.Clone(f.Proofs), Proof{Factor: FactorPassword, At: t0})
		return f
	}
	return []offerCase{
		// Invitations in an ordinary login.
		{name: "invite only after the email is proven", p: std, facts: unproven, offers: []Offer{inv}, step: StepVerifyEmail},
		{name: "invite not offered to a password proof", p: std, facts: byPw, choices: Choices{PasswordUsers: pwUsersOf(orgA)}, cands: []Candidate{account(orgA, true)}, offers: []Offer{inv}, step: StepDone, target: orgA},
		{name: "invite listed for a proven email", p: closed, facts: byCode, offers: []Offer{inv}, step: StepChooseOrg, offer: []Offer{inv}},
		{name: "invite listed next to an account", p: std, facts: byCode, cands: []Candidate{account(orgA, false)}, offers: []Offer{inv}, step: StepChooseOrg, orgs: []*org.Organization{orgA}, offer: []Offer{inv}, create: true},
		{name: "invite chosen", p: closed, facts: byLink, choices: Choices{OrgID: orgB.ID}, offers: []Offer{inv}, step: StepDone, join: &inv},
		{name: "account chosen over the invite", p: std, facts: byCode, choices: Choices{OrgID: orgA.ID}, cands: []Candidate{account(orgA, false)}, offers: []Offer{inv}, step: StepDone, target: orgA},
		{name: "chose an org neither account nor offer", p: closed, facts: byCode, choices: Choices{OrgID: orgOff.ID}, offers: []Offer{inv}, step: StepChooseOrg, offer: []Offer{inv}},
		{name: "invite to an org where the email has a user is not offered", p: std, facts: byCode, cands: []Candidate{account(orgA, false)}, offers: []Offer{invA}, step: StepDone, target: orgA},
		{name: "invite to an org with a deactivated user is not offered", p: std, facts: byCode, cands: []Candidate{deactivated(account(orgA, false))}, offers: []Offer{invA}, step: StepBlocked, reason: "user_deactivated"},
		{name: "auto-create waits for the choice when invited", p: proj(both, true, false), facts: byCode, offers: []Offer{inv}, step: StepChooseOrg, offer: []Offer{inv}},
		{name: "invite to a disabled org: blocked once chosen", p: closed, facts: byCode, choices: Choices{OrgID: orgOff.ID}, offers: []Offer{inviteTo(orgOff, "member")}, step: StepBlocked, reason: "logins_disabled"},
		{name: "invite to an SSO org: blocked once chosen", p: closed, facts: byCode, choices: Choices{OrgID: orgSSO.ID}, offers: []Offer{inviteTo(orgSSO, "member")}, step: StepBlocked, reason: "sso_required"},
		{name: "invite to a password-only org: choose a password", p: closed, facts: byCode, choices: Choices{OrgID: orgPwOnly.ID}, offers: []Offer{inviteTo(orgPwOnly, "member")}, step: StepSetPassword, join: ptrOffer(inviteTo(orgPwOnly, "member"))},
		{name: "invite to a password-only org, password chosen", p: closed, facts: pwWith(byCode), choices: Choices{OrgID: orgPwOnly.ID, PasswordSetFor: NewUserTarget}, offers: []Offer{inviteTo(orgPwOnly, "member")}, step: StepDone, join: ptrOffer(inviteTo(orgPwOnly, "member"))},
		{name: "invite to a SAML-only org", p: closed, facts: byCode, choices: Choices{OrgID: orgSAMLOnly.ID}, offers: []Offer{inviteTo(orgSAMLOnly, "member")}, step: StepBlocked, reason: ReasonMethodAllowed},

		// The invitation that started the attempt.
		{name: "invite link: straight into the invitation", p: std, facts: byCode, hint: orgB.ID, invite: inv.InviteID, offers: []Offer{inv}, step: StepDone, join: &inv},
		{name: "invite link: restricted to its org", p: std, facts: byCode, hint: orgB.ID, invite: inv.InviteID, cands: []Candidate{account(orgA, false)}, offers: []Offer{inv, domainOf(orgJoin)}, step: StepDone, join: &inv},
		{name: "invite link: email not proven yet", p: std, facts: unproven, hint: orgB.ID, invite: inv.InviteID, offers: []Offer{inv}, step: StepVerifyEmail},
		{name: "invite link: a password proof of another account is not enough", p: std, facts: byPw, hint: orgB.ID, invite: inv.InviteID, choices: Choices{PasswordUsers: pwUsersOf(orgA)}, cands: []Candidate{account(orgA, true)}, offers: []Offer{inv}, step: StepVerifyEmail},
		{name: "invite link: another email proven (no such invite for it)", p: std, facts: byCode, hint: orgB.ID, invite: inv.InviteID, step: StepBlocked, reason: ReasonInviteInvalid},
		{name: "invite link: another invitation to the same org does not stand in", p: std, facts: byCode, hint: orgB.ID, invite: inv.InviteID, offers: []Offer{{Kind: OfferInvite, Org: orgB, InviteID: "inv_other", RoleKey: "member"}}, step: StepBlocked, reason: ReasonInviteInvalid},
		{name: "invite link: the domain does not stand in for the invitation", p: std, facts: byCode, hint: orgJoin.ID, invite: inviteTo(orgJoin, "admin").InviteID, offers: []Offer{dom}, step: StepBlocked, reason: ReasonInviteInvalid},
		{name: "invite link: already a member there: into the account", p: std, facts: byCode, hint: orgB.ID, invite: inv.InviteID, cands: []Candidate{account(orgB, false)}, offers: []Offer{inv}, step: StepDone, target: orgB},
		{name: "invite link: deactivated there", p: std, facts: byCode, hint: orgB.ID, invite: inv.InviteID, cands: []Candidate{deactivated(account(orgB, false))}, offers: []Offer{inv}, step: StepBlocked, reason: "user_deactivated"},
		{name: "invite link: no creating an org instead", p: std, facts: byCode, hint: orgB.ID, invite: inv.InviteID, choices: Choices{NewOrgName: "Elsewhere", CreatingOrg: true}, offers: []Offer{inv}, step: StepDone, join: &inv},
		{name: "invite link: org disabled logins", p: std, facts: byCode, hint: orgOff.ID, invite: inviteTo(orgOff, "member").InviteID, offers: []Offer{inviteTo(orgOff, "member")}, step: StepBlocked, reason: "logins_disabled"},

		// Joining by domain.
		{name: "domain join only after the email is proven", p: std, facts: unproven, offers: []Offer{dom}, step: StepVerifyEmail},
		{name: "domain join not offered to a password proof", p: std, facts: byPw, choices: Choices{PasswordUsers: pwUsersOf(orgA)}, cands: []Candidate{account(orgA, true)}, offers: []Offer{dom}, step: StepDone, target: orgA},
		{name: "domain join not offered to a password proof, two accounts", p: std, facts: byPw, choices: Choices{PasswordUsers: pwUsersOf(orgA, orgB)}, cands: []Candidate{account(orgA, true), account(orgB, true)}, offers: []Offer{dom}, step: StepChooseOrg, orgs: []*org.Organization{orgA, orgB}, create: true},
		{name: "domain join listed", p: std, facts: byCode, offers: []Offer{dom}, step: StepChooseOrg, offer: []Offer{dom}, create: true},
		{name: "domain join chosen", p: std, facts: byCode, choices: Choices{OrgID: orgJoin.ID}, offers: []Offer{dom}, step: StepDone, join: &dom},
		{name: "domain join not offered where the email has a user", p: std, facts: byCode, cands: []Candidate{account(orgJoin, false)}, offers: []Offer{dom}, step: StepDone, target: orgJoin},
		{name: "invite outranks the domain in the same org", p: std, facts: byCode, offers: []Offer{dom, inviteTo(orgJoin, "admin")}, step: StepChooseOrg, offer: []Offer{inviteTo(orgJoin, "admin")}, create: true},
		// An organization hint comes from a link any site can make: joining
		// waits for the person's choice (only the invitation page's form
		// counts as one).
		{name: "hint at a joinable org: the person chooses", p: std, facts: byCode, hint: orgJoin.ID, offers: []Offer{dom, inv}, step: StepChooseOrg, offer: []Offer{dom}},
		{name: "hint at a joinable org, chosen", p: std, facts: byCode, hint: orgJoin.ID, choices: Choices{OrgID: orgJoin.ID}, offers: []Offer{dom, inv}, step: StepDone, join: &dom},
		{name: "hint at an inviting org without the invitation page: the person chooses", p: std, facts: byCode, hint: orgB.ID, offers: []Offer{inv}, step: StepChooseOrg, offer: []Offer{inv}},
		{name: "switch: hint at an inviting org next to an account elsewhere", p: std, facts: byCode, hint: orgB.ID, cands: []Candidate{account(orgA, false)}, offers: []Offer{inv}, step: StepChooseOrg, offer: []Offer{inv}},
		{name: "hint elsewhere: the domain is not offered", p: std, facts: byCode, hint: orgA.ID, offers: []Offer{dom}, step: StepBlocked, reason: ReasonNoAccount},
		{name: "domain join into a disabled org", p: std, facts: byCode, choices: Choices{OrgID: orgJoinOff.ID}, offers: []Offer{domainOf(orgJoinOff)}, step: StepBlocked, reason: "logins_disabled"},
		{name: "domain join into a password-only org: choose a password", p: std, facts: byCode, choices: Choices{OrgID: orgJoinPwOnly.ID}, offers: []Offer{domainOf(orgJoinPwOnly)}, step: StepSetPassword, join: ptrOffer(domainOf(orgJoinPwOnly))},
		{name: "domain join with a reset: set the password first", p: std, facts: byCode, choices: Choices{OrgID: orgJoin.ID, Reset: true}, offers: []Offer{dom}, step: StepSetPassword, join: &dom},

		// Switching organizations: a new attempt seeded with the browser
		// session's facts and restricted to the target. A password proof
		// of the other account is in the facts but proves no one here: the
		// person proves the email (or, on the page, picks the password).
		{name: "switch: code proof satisfies the target", p: std, facts: byCode, hint: orgB.ID, cands: []Candidate{account(orgA, false), account(orgB, false)}, step: StepDone, target: orgB},
		{name: "switch: target requires a password, only a code proven", p: std, facts: byCode, hint: orgPwOnly.ID, cands: []Candidate{account(orgA, false), account(orgPwOnly, true)}, step: StepPassword, target: orgPwOnly},
		{name: "switch: target requires a password the user never set", p: std, facts: byCode, hint: orgPwOnly.ID, cands: []Candidate{account(orgA, false), account(orgPwOnly, false)}, step: StepSetPassword, target: orgPwOnly},
		{name: "switch: the other account's password proves nothing here", p: std, facts: pwWith(Facts{Email: email}), hint: orgPwOnly.ID, cands: []Candidate{account(orgA, true), account(orgPwOnly, true)}, step: StepVerifyEmail},
		{name: "switch: password-only session, email-only target", p: std, facts: pwWith(Facts{Email: email}), hint: orgMailOnly.ID, cands: []Candidate{account(orgA, true), account(orgMailOnly, true)}, step: StepVerifyEmail},
		{name: "switch: target disabled", p: std, facts: byCode, hint: orgOff.ID, cands: []Candidate{account(orgA, false), account(orgOff, false)}, step: StepBlocked, reason: "logins_disabled"},
		{name: "switch: target needs MFA", p: std, facts: byCode, hint: orgMFA.ID, cands: []Candidate{account(orgA, false), account(orgMFA, false)}, step: StepBlocked, reason: "mfa_required"},
		{name: "switch: deactivated at the target", p: std, facts: byCode, hint: orgB.ID, cands: []Candidate{account(orgA, false), deactivated(account(orgB, false))}, step: StepBlocked, reason: "user_deactivated"},
		{name: "switch: no account at the target", p: std, facts: byCode, hint: orgB.ID, cands: []Candidate{account(orgA, false)}, step: StepBlocked, reason: ReasonNoAccount},
	}
}

func ptrOffer(o Offer) *Offer { return &o }

func TestNextOffers(t *testing.T) {
	for _, tc := range offerCases() {
		t.Run(tc.name, func(t *testing.T) {
			got := Next(Inputs{Project: tc.p, Facts: tc.facts, Choices: tc.choices, OrgHint: tc.hint, Invite: tc.invite,
				Candidates: tc.cands, Offers: tc.offers})
			if got.Step != tc.step {
				t.Fatalf("step = %s (%s), want %s", got.Step, describe(got), tc.step)
			}
			switch {
			case tc.reason != "":
				if got.Blocked == nil || got.Blocked.Reason != tc.reason || got.Blocked.Message == "" || got.Target != nil {
					t.Fatalf("blocked = %+v (%s), want reason %s with a message", got.Blocked, describe(got), tc.reason)
				}
			case got.Blocked != nil:
				t.Fatalf("unexpected refusal %+v", got.Blocked)
			}
			switch {
			case tc.target != nil:
				if got.Target == nil || got.Target.Candidate == nil || got.Target.Candidate.Org.ID != tc.target.ID {
					t.Fatalf("target = %s, want the account at %s", describe(got), tc.target.Name)
				}
			case tc.join != nil:
				if got.Target == nil || got.Target.Offer == nil || got.Target.Offer.Org.ID != tc.join.Org.ID ||
					got.Target.Offer.Kind != tc.join.Kind || got.Target.Offer.InviteID != tc.join.InviteID {
					t.Fatalf("target = %s, want to join %s by %s", describe(got), tc.join.Org.Name, tc.join.Kind)
				}
				if !got.Target.IsNew() || got.Target.UserKey() != NewUserTarget {
					t.Fatalf("joining target is not a new user: %+v", got.Target)
				}
			case got.Target != nil && got.Step != StepVerifyEmail && got.Step != StepPassword:
				t.Fatalf("target = %s, want none", describe(got))
			}
			var orgs []id.Org
			for _, c := range got.Orgs {
				orgs = append(orgs, c.Org.ID)
			}
			var wantOrgs []id.Org
			for _, o := range tc.orgs {
				wantOrgs = append(wantOrgs, o.ID)
			}
			if !slices.Equal(orgs, wantOrgs) {
				t.Fatalf("orgs = %v, want %v", orgs, wantOrgs)
			}
			key := func(o Offer) string { return string(o.Kind) + ":" + string(o.Org.ID) + ":" + string(o.InviteID) }
			var offers, wantOffers []string
			for _, o := range got.Offers {
				offers = append(offers, key(o))
			}
			for _, o := range tc.offer {
				wantOffers = append(wantOffers, key(o))
			}
			if !slices.Equal(offers, wantOffers) {
				t.Fatalf("offers = %v, want %v", offers, wantOffers)
			}
			if got.CanCreateOrg != tc.create {
				t.Fatalf("can create org = %v, want %v", got.CanCreateOrg, tc.create)
			}
		})
	}
}

// TestNextJoinPolicyMatrix is TestNextPolicyMatrix for the logins that end
// in a new user of an existing organization (an invitation chosen or
// opened, a domain chosen or hinted) and for switching organizations (the
// facts of another account's session, restricted to the target): Next never
// says done unless Permits accepts the facts the session would keep, and
// never offers anything to a person whose email is not proven.
func TestNextJoinPolicyMatrix(t *testing.T) {
	methodSets := [][]project.LoginMethod{both, emailOnly, pwOnly, noneOurs,
		{project.MethodEmail, project.MethodSAML}, {project.MethodPassword, project.MethodGoogle}}
	withPw := func(f Facts) Facts {
		f.Proofs = append(slices.Clone(f.Proofs), Proof{Factor: FactorPassword, At: t0})
		return f
	}
	type proof struct {
		name  string
		facts Facts
		// setPw: the person chose the new user's password in this attempt.
		setPw bool
	}
	proofs := []proof{{"code", byCode, false}, {"link", byLink, false}, {"password", byPw, false},
		{"code+new password", withPw(byCode), true}, {"other account's password", withPw(Facts{Email: email}), false}}
	kinds := []string{"invite chosen", "invite link", "domain chosen", "domain hinted", "switch"}
	n := 0
	for _, pm := range methodSets {
		for _, om := range methodSets {
			for _, pr := range proofs {
				for _, kind := range kinds {
					for _, flags := range []struct{ off, sso, mfa bool }{{}, {off: true}, {sso: true}, {mfa: true}} {
						for _, hasPw := range []bool{false, true} {
							o := testOrg("Matrix", func(o *org.Organization) {
								o.Policy.AllowedLoginMethods = om
								o.Policy.LoginsDisabled, o.Policy.RequireSSO, o.Policy.RequireMFA = flags.off, flags.sso, flags.mfa
								o.Policy.JoinByDomain = true
							})
							p := proj(pm, false, true)
							in := Inputs{Project: p, Facts: pr.facts}
							if pr.setPw {
								in.Choices.PasswordSetFor = NewUserTarget
							}
							other := account(orgA, true)
							switch kind {
							case "invite chosen":
								in.Offers, in.Choices.OrgID = []Offer{inviteTo(o, "member")}, o.ID
							case "invite link":
								in.Offers, in.OrgHint, in.Invite = []Offer{inviteTo(o, "member")}, o.ID, inviteTo(o, "member").InviteID
								in.Candidates = []Candidate{other}
							case "domain chosen":
								in.Offers, in.Choices.OrgID = []Offer{domainOf(o)}, o.ID
							case "domain hinted":
								// A hint alone never joins: the person picks
								// the organization, then its policy applies.
								in.Offers, in.OrgHint = []Offer{domainOf(o)}, o.ID
								if got := Next(in); got.Step == StepDone || got.Step == StepSetPassword || (got.Target != nil && got.Target.Offer != nil) {
									t.Errorf("%s %s: joined without a choice: step %s", kind, pr.name, got.Step)
								}
								in.Choices.OrgID = o.ID
							case "switch":
								target := account(o, hasPw)
								in.Candidates, in.OrgHint = []Candidate{other, target}, o.ID
								if pr.setPw {
									in.Choices.PasswordSetFor = string(target.User.ID)
								}
							}
							got := Next(in)
							n++
							if got.Step == StepDone {
								if got.Target == nil {
									t.Fatalf("%s %s: done without a target", kind, pr.name)
								}
								// The session keeps a password proof only for the
								// user whose password it proved (flow's sessionFacts).
								kept := Facts{Email: pr.facts.Email, EmailVerified: pr.facts.EmailVerified}
								for _, x := range pr.facts.Proofs {
									if x.Factor != FactorPassword || pr.setPw {
										kept.Proofs = append(kept.Proofs, x)
									}
								}
								u := account(o, false).User
								if ref := Permits(kept, p, o, u); ref != nil {
									t.Errorf("project %v org %v %s %s %+v: done, but Permits refuses: %v", pm, om, kind, pr.name, flags, ref)
								}
							}
							if !pr.facts.EmailVerified && kind != "switch" && (got.Step == StepDone || got.Step == StepChooseOrg || got.Step == StepSetPassword) {
								t.Errorf("%s %s (email not proven): step %s", kind, pr.name, got.Step)
							}
							if (flags.off || flags.sso || flags.mfa) && pr.facts.EmailVerified && got.Step != StepBlocked {
								t.Errorf("project %v org %v %s %s %+v: step %s, want blocked", pm, om, kind, pr.name, flags, got.Step)
							}
							if got.Step == StepBlocked && (got.Blocked == nil || got.Blocked.Message == "") {
								t.Errorf("blocked without a message: %+v", got)
							}
						}
					}
				}
			}
		}
	}
	if n < 4000 {
		t.Fatalf("matrix ran %d cases", n)
	}
}
