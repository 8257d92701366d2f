package login

import (
	"slices"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/org"
	"github.com/gatehouse-auth/gatehouse/internal/project"
	"github.com/gatehouse-auth/gatehouse/internal/user"
)

// Factor is one way a person proved something during a login attempt.
type Factor string

// The factors Gatehouse knows today.
const (
	FactorEmailCode Factor = "email_code" // a 6-digit code sent by email
	FactorMagicLink Factor = "magic_link" // a single-use link sent by email
	FactorPassword  Factor = "password"   // the user's password
	// FactorImpersonation is no proof by the user: a console staff member
	// started the session as the user (session.Impersonate). It belongs to
	// no login method, so no login policy can require or forbid it; the
	// user's status and the organization's kill switch still apply.
	FactorImpersonation Factor = "impersonation"
)

// Method is the login method a factor belongs to (what organization policy
// allows or forbids).
func (f Factor) Method() project.LoginMethod {
	switch f {
	case FactorEmailCode, FactorMagicLink:
		return project.MethodEmail
	case FactorPassword:
		return project.MethodPassword
	}
	return ""
}

// AMR is the RFC 8176 authentication method reference for the factor.
func (f Factor) AMR() string {
	switch f {
	case FactorPassword:
		return "pwd"
	case FactorEmailCode:
		return "otp"
	case FactorMagicLink:
		return "email"
	case FactorImpersonation:
		// Not registered in RFC 8176; the act claim names who acted.
		return "imp"
	}
	return string(f)
}

// Proof records that a factor was satisfied, when.
type Proof struct {
	Factor Factor    `json:"factor"`
	At     time.Time `json:"at"`
}

// Facts is what a login proved: never a decision, only evidence. A session
// keeps the facts it was minted from so that current policy can judge them
// again at every refresh.
type Facts struct {
	// Email is the normalised email the person identified with.
	Email string `json:"email"`
	// EmailVerified: the email was proven in this login (code or link).
	EmailVerified bool `json:"email_verified"`
	// Proofs are the factors satisfied, in order.
	Proofs []Proof `json:"proofs"`
}

// Has reports whether factor f was satisfied.
func (f Facts) Has(factor Factor) bool {
	return slices.ContainsFunc(f.Proofs, func(p Proof) bool { return p.Factor == factor })
}

// AMR lists the RFC 8176 method references of the proofs, without repeats.
func (f Facts) AMR() []string {
	out := []string{}
	for _, p := range f.Proofs {
		if a := p.Factor.AMR(); !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	return out
}

// AuthTime is when the person last proved a factor (zero without proofs).
func (f Facts) AuthTime() time.Time {
	var t time.Time
	for _, p := range f.Proofs {
		if p.At.After(t) {
			t = p.At
		}
	}
	return t
}

// AuthRequest is the OAuth 2.0 / OpenID Connect authorization request that
// started a login attempt. The OpenID Provider validates it before any login
// attempt exists; the attempt carries it to the end so the authorization
// response goes back to exactly the client and redirect URI that asked.
type AuthRequest struct {
	ClientID            id.Client `json:"client_id"`
	RedirectURI         string    `json:"redirect_uri"`
	State               string    `json:"state,omitempty"`
	Nonce               string    `json:"nonce,omitempty"`
	Scope               []string  `json:"scope"`
	CodeChallenge       string    `json:"code_challenge,omitempty"`
	CodeChallengeMethod string    `json:"code_challenge_method,omitempty"`
	// Prompt is "", "login" (always ask again) or "none" (never show a page).
	Prompt string `json:"prompt,omitempty"`
	// LoginHint prefills the email.
	LoginHint string `json:"login_hint,omitempty"`
	// OrganizationHint preselects the organization and restricts the login
	// to it (organization_id parameter).
	OrganizationHint id.Org `json:"organization_hint,omitempty"`
	// MaxAge is the max_age parameter in seconds: an existing session whose
	// last authentication is older must not be reused. nil when absent.
	MaxAge *int64 `json:"max_age,omitempty"`
	// ReturnTo is where a sign-in that no app asked for (no ClientID: the
	// project's own pages, an invitation) sends the browser when it is done:
	// a path under the project's pages, or the project's app URL.
	ReturnTo string `json:"return_to,omitempty"`
	// Invite is the invitation whose link started the attempt: the login
	// is restricted to its organization (OrganizationHint) and ends in an
	// account there or in this invitation, never in another.
	Invite id.Invite `json:"invite,omitempty"`
	// InviteSend is which send of the invitation the link came from (its
	// SendCount when the link was used): a resend replaces the link, and an
	// attempt started from the replaced one no longer accepts it.
	InviteSend int `json:"invite_send,omitempty"`
}

// HasClient reports whether an app's authorization request started the
// attempt; otherwise it ends by sending the browser to ReturnTo.
func (r AuthRequest) HasClient() bool { return r.ClientID != "" }

// Refusal is why current policy does not let facts log a user in.
type Refusal struct {
	// Reason is a stable code: user_deactivated, logins_disabled,
	// method_not_allowed, mfa_required, sso_required.
	Reason  string
	Message string
}

func (r *Refusal) Error() string { return r.Reason + ": " + r.Message }

// Permits judges the facts of an existing session (or a finished login)
// against current policy: the project's enabled methods, the organization's
// policy and the user's status. nil means the session may go on. It is the
// check every refresh and organization switch repeats, so a policy change
// reaches sessions that already exist.
func Permits(f Facts, p *project.Project, o *org.Organization, u *user.User) *Refusal {
	if u.Status != user.StatusActive {
		return &Refusal{Reason: "user_deactivated", Message: "this account has been deactivated"}
	}
	if o.Policy.LoginsDisabled {
		return &Refusal{Reason: "logins_disabled", Message: "logins are disabled for " + o.Name}
	}
	// A staff member acting as the user is no way of signing in: the rules
	// below judge how the user proves who they are, which an impersonation
	// does not claim. Deactivation and the kill switch above still end it.
	if f.Has(FactorImpersonation) {
		return nil
	}
	if o.Policy.RequireSSO {
		return &Refusal{Reason: "sso_required", Message: o.Name + " requires single sign-on, which is not available yet"}
	}
	if o.Policy.RequireMFA {
		return &Refusal{Reason: "mfa_required", Message: o.Name + " requires multi-factor authentication, which is not available yet"}
	}
	allowed := o.EffectiveLoginMethods(p)
	for _, pr := range f.Proofs {
		if slices.Contains(allowed, pr.Factor.Method()) {
			return nil
		}
	}
	return &Refusal{Reason: "method_not_allowed", Message: o.Name + " does not allow the way you signed in"}
}
