// Package login holds what a login proves and what it needs: the facts a
// login attempt records, the pure next-step function that turns facts,
// choices and policy into the missing step, the policy check repeated at
// every refresh, and the types the hosted pages render. The service that
// runs attempts is package flow.
package login

import (
	"slices"

	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/org"
	"github.com/gatehouse-auth/gatehouse/internal/project"
	"github.com/gatehouse-auth/gatehouse/internal/user"
)

// Step is what a login attempt needs next; the hosted pages render one page
// per step and nothing else.
type Step string

// The steps of the login flow.
const (
	StepIdentify    Step = "identify"     // ask for the email
	StepVerifyEmail Step = "verify_email" // prove the email with a code or link
	StepPassword    Step = "password"     // prove a password
	StepChooseOrg   Step = "choose_org"   // pick one of several organizations
	StepCreateOrg   Step = "create_org"   // name a new organization
	StepSetPassword Step = "set_password" // choose a (new) password
	StepBlocked     Step = "blocked"      // policy refuses this login
	StepDone        Step = "done"         // a session may be created
)

// NewUserTarget is the PasswordSetFor value of a password chosen for a user
// that Complete has yet to create.
const NewUserTarget = "new"

// Choices are what the person decided during the attempt. Like Facts they
// are recorded, never judged: Next decides what they lead to.
type Choices struct {
	// UsePassword: the person asked to sign in with a password rather than
	// an email code.
	UsePassword bool `json:"use_password,omitempty"`
	// Reset: the person asked to reset a forgotten password.
	Reset bool `json:"reset,omitempty"`
	// PasswordUsers are the users whose password matched: the email counts
	// as proven for them only.
	PasswordUsers []id.User `json:"password_users,omitempty"`
	// OrgID is the organization picked among the person's accounts and
	// offers (an organization is offered only where the email has no
	// account, so the organization alone says which).
	OrgID id.Org `json:"org_id,omitempty"`
	// CreatingOrg: the person asked to create an organization.
	CreatingOrg bool `json:"creating_org,omitempty"`
	// NewOrgName names the organization to create.
	NewOrgName string `json:"new_org_name,omitempty"`
	// PasswordSetFor is the user whose new password was chosen in this
	// attempt, or NewUserTarget.
	PasswordSetFor string `json:"password_set_for,omitempty"`
}

// Candidate is one account the email has in the project.
type Candidate struct {
	User *user.User
	Org  *org.Organization
	// HasPassword: the user has enrolled a password.
	HasPassword bool
}

// OfferKind says why an organization where the email has no account is
// offered.
type OfferKind string

// The kinds of offer.
const (
	// OfferInvite: a pending invitation of the email to the organization.
	OfferInvite OfferKind = "invite"
	// OfferDomain: the email's domain is a verified domain of the
	// organization, which lets people join by domain.
	OfferDomain OfferKind = "domain"
)

// Offer is an organization the email may join as a new user.
type Offer struct {
	Kind OfferKind
	Org  *org.Organization
	// InviteID is the invitation (OfferInvite).
	InviteID id.Invite
	// RoleKey is the role the new user gets; RoleName names it for people.
	RoleKey  string
	RoleName string
}

// Inputs is everything Next judges. It is plain data so Next stays pure.
type Inputs struct {
	Project *project.Project
	Facts   Facts
	Choices Choices
	// OrgHint restricts the login to one organization (and preselects it).
	OrgHint id.Org
	// Invite is the invitation whose link started the attempt, if any
	// (the caller also sets OrgHint to its organization).
	Invite id.Invite
	// Candidates are every user of the project with Facts.Email, any
	// status, with their organization and enrolled factors.
	Candidates []Candidate
	// Offers are the email's pending invitations and the organizations its
	// domain lets it join. Next considers them only once the email itself
	// is proven (code or link): a password proves one account, not the
	// mailbox an invitation was sent to.
	Offers []Offer
}

// Target is the account a login will end in: an existing user, a new user
// in an existing organization (an offer), or a new user in a new
// organization.
type Target struct {
	// Existing account (nil for a new one).
	Candidate *Candidate
	// Offer: a new user joins this organization.
	Offer *Offer
	// New account: the organization to create and whether it was made for
	// the person automatically (auto-create mode).
	NewOrgName string
	Auto       bool
}

// IsNew reports whether Complete has to create the user (and, without an
// offer, the organization).
func (t Target) IsNew() bool { return t.Candidate == nil }

// UserKey is the user's ID, or NewUserTarget for a new account.
func (t Target) UserKey() string {
	if t.Candidate == nil {
		return NewUserTarget
	}
	return string(t.Candidate.User.ID)
}

// StepResult is Next's answer.
type StepResult struct {
	Step Step
	// Target is set from the moment the account is decided.
	Target *Target
	// Orgs are the accounts to choose from (StepChooseOrg).
	Orgs []Candidate
	// Offers are the organizations to join to choose from (StepChooseOrg).
	Offers []Offer
	// CanCreateOrg: the person may create an organization instead.
	CanCreateOrg bool
	// Blocked says why (StepBlocked).
	Blocked *Refusal
	// EmailMethod and PasswordMethod: the project enables these methods.
	EmailMethod, PasswordMethod bool
}

// Refusal reasons Next adds to those of Permits.
const (
	ReasonNoMethod      = "no_method"
	ReasonNoAccount     = "no_account"
	ReasonMethodAllowed = "method_not_allowed"
	// ReasonInviteInvalid: the invitation that started the attempt is not
	// for the proven email, or is no longer pending.
	ReasonInviteInvalid = "invite_invalid"
)

// Next decides what an attempt is missing. It is the single place where the
// login flow's rules live; actions only record facts and choices.
func Next(in Inputs) StepResult {
	p := in.Project
	r := StepResult{
		EmailMethod:    slices.Contains(p.EnabledLoginMethods, project.MethodEmail),
		PasswordMethod: slices.Contains(p.EnabledLoginMethods, project.MethodPassword),
	}
	if !r.EmailMethod && !r.PasswordMethod {
		return r.block(ReasonNoMethod, p.Name+" does not offer signing in with email or password")
	}
	if in.Facts.Email == "" {
		r.Step = StepIdentify
		return r
	}
	c := in.Choices
	proven := in.Facts.EmailVerified
	if !proven && len(c.PasswordUsers) == 0 {
		switch {
		case c.Reset && r.PasswordMethod:
			r.Step = StepVerifyEmail
		case r.PasswordMethod && (c.UsePassword || !r.EmailMethod):
			r.Step = StepPassword
		default:
			r.Step = StepVerifyEmail
		}
		return r
	}

	// Accounts the person has proven they may enter: every account of the
	// email once the email is proven, otherwise those whose password matched.
	var active, deactivated []Candidate
	for _, cand := range in.Candidates {
		if in.OrgHint != "" && cand.Org.ID != in.OrgHint {
			continue
		}
		if !proven && !slices.Contains(c.PasswordUsers, cand.User.ID) {
			continue
		}
		if cand.User.Status == user.StatusActive {
			active = append(active, cand)
		} else {
			deactivated = append(deactivated, cand)
		}
	}
	offers := offered(in, proven)
	canCreate := p.SelfServeCreateOrganizations && in.OrgHint == "" && in.Invite == ""

	var t Target
	chosen := slices.IndexFunc(active, func(x Candidate) bool { return x.Org.ID == c.OrgID })
	chosenOffer := slices.IndexFunc(offers, func(x Offer) bool { return x.Org.ID == c.OrgID })
	switch {
	case c.OrgID != "" && chosen >= 0:
		t.Candidate = &active[chosen]
	case c.OrgID != "" && chosenOffer >= 0:
		t.Offer = &offers[chosenOffer]
	case c.NewOrgName != "" && canCreate:
		t.NewOrgName = c.NewOrgName
	case c.CreatingOrg && canCreate:
		r.Step, r.CanCreateOrg = StepCreateOrg, true
		return r
	case len(offers) == 1 && len(active) == 0 && in.Invite != "":
		// The person accepted this invitation on its page (a form posted
		// from this site): that was their choice. An organization hint is
		// not: any site can link to a sign-in naming an organization.
		t.Offer = &offers[0]
	case len(offers) > 0:
		// Joining an organization is the person's decision, never made for
		// them: offers are always listed, next to their accounts, and one
		// is taken only when the person picks it.
		r.Step, r.Orgs, r.Offers, r.CanCreateOrg = StepChooseOrg, active, offers, canCreate
		return r
	case len(active) == 1:
		t.Candidate = &active[0]
	case len(active) > 1:
		r.Step, r.Orgs, r.CanCreateOrg = StepChooseOrg, active, canCreate
		return r
	case len(deactivated) > 0:
		return r.block("user_deactivated", "this account has been deactivated")
	case in.Invite != "" && !proven:
		// Only the mailbox the invitation went to may accept it.
		r.Step = StepVerifyEmail
		return r
	case in.Invite != "":
		return r.block(ReasonInviteInvalid, "this invitation is not for "+in.Facts.Email+", or it is no longer valid; sign in with the address it was sent to, or ask for a new invitation")
	case in.OrgHint != "":
		return r.block(ReasonNoAccount, "there is no account for "+in.Facts.Email+" at this organization; ask its administrators for an invitation")
	case p.AutoCreateOrganizations:
		t.NewOrgName, t.Auto = autoOrgName(in.Facts.Email), true
	case canCreate:
		r.Step, r.CanCreateOrg = StepCreateOrg, true
		return r
	default:
		return r.block(ReasonNoAccount, "there is no account for "+in.Facts.Email+"; ask your organization's administrators for an invitation")
	}
	r.Target = &t
	switch {
	case t.Offer != nil:
		return r.joining(in, t.Offer)
	case t.IsNew():
		return r.newAccount(in, t)
	}
	return r.existingAccount(in, t.Candidate)
}

// offered are the offers the person may take: none until the email is
// proven, only in the hinted organization, only the attempt's own
// invitation when it has one, never where the email already has a user
// (of any status: a deactivated person does not join again), and one per
// organization (an invitation outranks the domain).
func offered(in Inputs, proven bool) []Offer {
	if !proven {
		return nil
	}
	var out []Offer
	for _, o := range in.Offers {
		switch {
		case in.OrgHint != "" && o.Org.ID != in.OrgHint:
		case in.Invite != "" && (o.Kind != OfferInvite || o.InviteID != in.Invite):
		case slices.ContainsFunc(in.Candidates, func(c Candidate) bool { return c.Org.ID == o.Org.ID }):
		default:
			if i := slices.IndexFunc(out, func(x Offer) bool { return x.Org.ID == o.Org.ID }); i >= 0 {
				if out[i].Kind != OfferInvite && o.Kind == OfferInvite {
					out[i] = o
				}
				continue
			}
			out = append(out, o)
		}
	}
	return out
}

// newAccount: the organization will be created with the default policy, so
// the project's methods decide. A new account always needs the email proven.
func (r StepResult) newAccount(in Inputs, t Target) StepResult {
	c := in.Choices
	switch {
	case !in.Facts.EmailVerified:
		r.Step = StepVerifyEmail
	case c.Reset && r.PasswordMethod && c.PasswordSetFor != NewUserTarget:
		r.Step = StepSetPassword
	case r.EmailMethod || c.PasswordSetFor == NewUserTarget:
		r.Step = StepDone
	default:
		// A password-only project: the new account needs its password.
		r.Step = StepSetPassword
	}
	return r
}

// joining applies the organization's policy to the new user an offer
// creates: the organization's methods, not the project's defaults, decide.
func (r StepResult) joining(in Inputs, off *Offer) StepResult {
	o, c := off.Org, in.Choices
	newcomer := &user.User{Status: user.StatusActive}
	if ref := Permits(Facts{Proofs: []Proof{{Factor: FactorEmailCode}, {Factor: FactorPassword}}}, in.Project, o, newcomer); ref != nil && ref.Reason != ReasonMethodAllowed {
		return r.block(ref.Reason, ref.Message)
	}
	allowed := o.EffectiveLoginMethods(in.Project)
	emailOK := slices.Contains(allowed, project.MethodEmail)
	passwordOK := slices.Contains(allowed, project.MethodPassword)
	switch {
	case !emailOK && !passwordOK:
		return r.block(ReasonMethodAllowed, o.Name+" does not allow signing in with email or password")
	case !in.Facts.EmailVerified:
		r.Step = StepVerifyEmail
	case c.Reset && passwordOK && c.PasswordSetFor != NewUserTarget:
		r.Step = StepSetPassword
	case emailOK || c.PasswordSetFor == NewUserTarget:
		r.Step = StepDone
	default:
		// The organization requires a password: the newcomer chooses one.
		r.Step = StepSetPassword
	}
	return r
}

// existingAccount applies the organization's policy to one user.
func (r StepResult) existingAccount(in Inputs, cand *Candidate) StepResult {
	u, o, c := cand.User, cand.Org, in.Choices
	// Permits owns the status and kill-switch rules (and their messages);
	// judged here with every factor so only those rules can refuse.
	if ref := Permits(Facts{Proofs: []Proof{{Factor: FactorEmailCode}, {Factor: FactorPassword}}}, in.Project, o, u); ref != nil && ref.Reason != ReasonMethodAllowed {
		return r.block(ref.Reason, ref.Message)
	}
	allowed := o.EffectiveLoginMethods(in.Project)
	emailOK := slices.Contains(allowed, project.MethodEmail)
	passwordOK := slices.Contains(allowed, project.MethodPassword)
	if !emailOK && !passwordOK {
		return r.block(ReasonMethodAllowed, o.Name+" does not allow signing in with email or password")
	}
	proven := in.Facts.EmailVerified
	passwordProven := slices.Contains(c.PasswordUsers, u.ID) || c.PasswordSetFor == string(u.ID)
	switch {
	case c.Reset && passwordOK && !proven:
		r.Step = StepVerifyEmail
	case c.Reset && passwordOK && c.PasswordSetFor != string(u.ID):
		r.Step = StepSetPassword
	case (emailOK && proven) || (passwordOK && passwordProven):
		r.Step = StepDone
	case passwordOK && proven && !cand.HasPassword:
		// The organization requires a password the user never chose: the
		// proven email lets them choose one now.
		r.Step = StepSetPassword
	case passwordOK:
		r.Step = StepPassword
	default:
		// Only email is allowed and only a password was proven.
		r.Step = StepVerifyEmail
	}
	return r
}

func (r StepResult) block(reason, message string) StepResult {
	r.Step, r.Target, r.Blocked = StepBlocked, nil, &Refusal{Reason: reason, Message: message}
	return r
}

// autoOrgName names the one-user organization of auto-create mode after
// the person's email, within the 200-character limit on names.
func autoOrgName(email string) string {
	rs := []rune(email)
	if len(rs) > 200 {
		rs = rs[:200]
	}
	return string(rs)
}
