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
	// OrgID is the organization picked among the person's accounts.
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

// Inputs is everything Next judges. It is plain data so Next stays pure.
type Inputs struct {
	Project *project.Project
	Facts   Facts
	Choices Choices
	// OrgHint restricts the login to one organization (and preselects it).
	OrgHint id.Org
	// Candidates are every user of the project with Facts.Email, any
	// status, with their organization and enrolled factors.
	Candidates []Candidate
}

// Target is the account a login will end in: an existing user, or a new
// user in a new organization.
type Target struct {
	// Existing account (nil for a new one).
	Candidate *Candidate
	// New account: the organization to create and whether it was made for
	// the person automatically (auto-create mode).
	NewOrgName string
	Auto       bool
}

// IsNew reports whether Complete has to create the organization and user.
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
	canCreate := p.SelfServeCreateOrganizations && in.OrgHint == ""

	var t Target
	chosen := slices.IndexFunc(active, func(x Candidate) bool { return x.Org.ID == c.OrgID })
	switch {
	case c.OrgID != "" && chosen >= 0:
		t.Candidate = &active[chosen]
	case c.NewOrgName != "" && canCreate:
		t.NewOrgName = c.NewOrgName
	case c.CreatingOrg && canCreate:
		r.Step, r.CanCreateOrg = StepCreateOrg, true
		return r
	case len(active) == 1:
		t.Candidate = &active[0]
	case len(active) > 1:
		r.Step, r.Orgs, r.CanCreateOrg = StepChooseOrg, active, canCreate
		return r
	case len(deactivated) > 0:
		return r.block("user_deactivated", "this account has been deactivated")
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
	if t.IsNew() {
		return r.newAccount(in, t)
	}
	return r.existingAccount(in, t.Candidate)
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
