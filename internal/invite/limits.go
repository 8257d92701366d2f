package invite

import (
	"context"
	"fmt"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/fault"
	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/throttle"
)

// Every resend emails someone who has not asked for it, so resends are
// limited: a person gets at most a handful of copies of one invitation, and
// an organization cannot turn Gatehouse into a mailer. Treat these as
// constants.
var (
	// ResendPerInvite: resends of one invite (key: the invite ID).
	ResendPerInvite = throttle.Rule{Name: "invite_resend", Limit: 5, Window: time.Hour}
	// ResendPerOrg: resends of all the invites of one organization (key:
	// the organization ID).
	ResendPerOrg = throttle.Rule{Name: "invite_resend_org", Limit: 30, Window: time.Hour}
	// SendsPerAddress: invitation emails (creates and resends) to one
	// address from one organization (key: organization ID and email), so
	// revoking and inviting again cannot flood anyone either.
	SendsPerAddress = throttle.Rule{Name: "invite_address", Limit: 10, Window: time.Hour}
	// CreatesPerOrg: invitations one organization creates (key: the
	// organization ID); generous, for an admin inviting a whole team.
	CreatesPerOrg = throttle.Rule{Name: "invite_create_org", Limit: 200, Window: time.Hour}
)

// addressKey is the SendsPerAddress key of an email at an organization.
func addressKey(orgID id.Org, email string) string { return string(orgID) + "\x00" + email }

// allowCreate counts an invitation of email to orgID against the
// organization's and the address's budgets, before anything is changed or
// sent. An organization of another project (or none) is not found rather
// than counted.
func (s *Service) allowCreate(ctx context.Context, projectID id.Project, orgID id.Org, email string) error {
	if s.limiter == nil {
		return nil
	}
	if _, err := s.st.GetOrganization(ctx, projectID, orgID); err != nil {
		return s.classify("create invite", store.NotFoundAs(err, "organization"))
	}
	d, err := s.limiter.AllowAll(ctx, projectID,
		throttle.Limit{Rule: SendsPerAddress, Key: addressKey(orgID, email)},
		throttle.Limit{Rule: CreatesPerOrg, Key: string(orgID)})
	if err != nil {
		return s.classify("create invite", err)
	}
	if !d.Allowed {
		return fault.NewThrottled(fmt.Sprintf("too many invitations recently (at most %d emails an hour to one address, %d invitations per organization); try again in %s",
			SendsPerAddress.Limit, CreatesPerOrg.Limit, fault.WaitText(d.RetryAfter)), d.RetryAfter)
	}
	return nil
}

// allowResend counts a resend of the invite against its own budget and its
// organization's, before anything is changed or sent. The invite is read
// first so that an unknown ID is not found rather than counted; the count
// runs in a transaction of its own, outside the resend's.
func (s *Service) allowResend(ctx context.Context, projectID id.Project, inviteID id.Invite) error {
	if s.limiter == nil {
		return nil
	}
	r, err := s.st.GetInvite(ctx, projectID, inviteID)
	if err != nil {
		return s.classify("resend invite", store.NotFoundAs(err, "invite"))
	}
	if Status(r.Status) != StatusPending {
		// Refused anyway; a client retrying it must not spend the budget.
		return notPending(r, "resent")
	}
	d, err := s.limiter.AllowAll(ctx, projectID,
		throttle.Limit{Rule: ResendPerInvite, Key: string(r.ID)},
		throttle.Limit{Rule: ResendPerOrg, Key: string(r.OrgID)},
		throttle.Limit{Rule: SendsPerAddress, Key: addressKey(r.OrgID, r.Email)})
	if err != nil {
		return s.classify("resend invite", err)
	}
	if !d.Allowed {
		return fault.NewThrottled(fmt.Sprintf("invitations have been resent too often recently (at most %d an hour per invitation, %d per organization); try again in %s",
			ResendPerInvite.Limit, ResendPerOrg.Limit, fault.WaitText(d.RetryAfter)), d.RetryAfter)
	}
	return nil
}
