package login

import (
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/id"
)

// Action is what a person did on a page.
type Action string

// The actions the pages send.
const (
	ActionEmail       Action = "email"        // identify: the email address
	ActionCode        Action = "code"         // verify_email: the 6-digit code
	ActionResend      Action = "resend"       // verify_email: send a new code and link
	ActionUsePassword Action = "use_password" // verify_email (or identify with an email): switch to the password
	ActionUseCode     Action = "use_code"     // password: switch to an email code
	ActionPassword    Action = "password"     // password: the password
	ActionForgot      Action = "forgot"       // password: reset it by email
	ActionChooseOrg   Action = "choose_org"   // choose_org: one of the listed organizations
	ActionNewOrg      Action = "new_org"      // choose_org: create one instead
	ActionCreateOrg   Action = "create_org"   // create_org: its name
	ActionSetPassword Action = "set_password" // set_password: the new password
	ActionRestart     Action = "restart"      // any step: start over with another email
)

// Input is one submitted form.
type Input struct {
	Action      Action
	Email       string
	Code        string
	Password    string
	NewPassword string
	OrgName     string
	OrgID       id.Org
}

// Client is who submitted it, for throttling and the session record.
type Client struct {
	IP        string
	UserAgent string
}

// OrgChoice is one organization offered on the choose_org step.
type OrgChoice struct {
	ID   id.Org
	Name string
	// Kind is why it is offered: "member" (the email has an account there),
	// "invite" (an invitation, InviteID, as RoleName) or "domain" (the
	// email's verified domain lets it join, as RoleName).
	Kind     string
	InviteID id.Invite
	RoleName string
}

// Kinds of OrgChoice.
const (
	ChoiceMember = "member"
	ChoiceInvite = string(OfferInvite)
	ChoiceDomain = string(OfferDomain)
)

// View is everything a page needs to render the attempt's current step.
type View struct {
	Step        Step
	AttemptID   id.LoginAttempt
	ProjectName string
	Email       string
	// CodeSent: a code (and link) is waiting to be used.
	CodeSent bool
	// PasswordAvailable and CodeAvailable: the project offers these methods.
	PasswordAvailable bool
	CodeAvailable     bool
	Orgs              []OrgChoice
	CanCreateOrg      bool
	// CanSignUp: a person without an account may create one here (the
	// project lets people create organizations or creates them itself).
	CanSignUp bool
	// Reset: the person is resetting a forgotten password.
	Reset bool
	// FieldErrors maps a field (email, code, password, new_password,
	// org_name, org_id) to a message for the person.
	FieldErrors map[string]string
	Notice      string
	Blocked     *Refusal
	// ThrottledFor > 0: the person must wait that long before trying again.
	ThrottledFor time.Duration
}
