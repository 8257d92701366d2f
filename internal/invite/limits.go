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
)

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
	d, err := s.limiter.AllowAll(ctx, projectID,
		throttle.Limit{Rule: ResendPerInvite, Key: string(r.ID)},
		throttle.Limit{Rule: ResendPerOrg, Key: string(r.OrgID)})
	if err != nil {
		return s.classify("resend invite", err)
	}
	if !d.Allowed {
		return fault.NewThrottled(fmt.Sprintf("invitations have been resent too often recently (at most %d an hour per invitation, %d per organization); try again in %s",
			ResendPerInvite.Limit, ResendPerOrg.Limit, fault.WaitText(d.RetryAfter)), d.RetryAfter)
	}
	return nil
}
