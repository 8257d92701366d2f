package flow

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/fault"
	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/invite"
	"github.com/gatehouse-auth/gatehouse/internal/login"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/tenancy"
	"github.com/gatehouse-auth/gatehouse/internal/user"
)

// codeInviteGone is the fault code of an invitation that stopped being
// pending between the page and the creation of its user.
const codeInviteGone = "invite_invalid"

// join creates the user an offer lets the person become, under the lease
// createAccount holds: in the offer's organization, with its role, the
// email verified (Next offers nothing to an unproven email). An
// invitation is accepted in the transaction that creates the user, so one
// never exists without the other. When the email already has a user there
// (made meanwhile by an administrator or another tab) the login goes on
// into that account and the invitation is accepted with the session.
func (s *Service) join(ctx context.Context, a *Attempt, off *login.Offer, claim string) (*Attempt, error) {
	var err error
	if a.st.Creating.OrgID == "" {
		if a, err = s.claimed(ctx, a, claim, func(cr *creating) { cr.OrgID = off.Org.ID }); err != nil {
			return nil, err
		}
	}
	if a.st.Creating.UserID != "" {
		return a, nil
	}
	in := tenancy.UserInput{
		OrganizationID: string(a.st.Creating.OrgID), Email: a.st.Facts.Email,
		EmailVerified: a.st.Facts.EmailVerified, Roles: []string{off.RoleKey},
	}
	if off.Kind == login.OfferInvite {
		in.InTransaction = func(ctx context.Context, w store.Writer, u *user.User) error {
			inv, err := s.pendingInvite(ctx, w, a, off.InviteID, u)
			if err != nil {
				return err
			}
			if inv == nil {
				return fault.NewFailedPrecondition(codeInviteGone, "the invitation is no longer valid")
			}
			if err := s.d.Invites.Accept(ctx, w, inv, u, s.now()); errors.Is(err, invite.ErrInvalid) {
				return fault.NewFailedPrecondition(codeInviteGone, "the invitation is no longer valid")
			} else if err != nil {
				return err
			}
			return nil
		}
	}
	u, _, err := s.d.Tenancy.CreateUser(ctx, actor, a.ProjectID, in)
	switch {
	case fault.CodeOf(err) == fault.CodeEmailTaken:
		existing, gerr := s.d.Store.GetUserByEmail(ctx, a.ProjectID, a.st.Creating.OrgID, a.st.Facts.Email)
		if gerr != nil {
			return nil, fmt.Errorf("user who joined meanwhile: %w", gerr)
		}
		return s.update(ctx, a, func(a *Attempt) error {
			if a.st.Creating == nil || a.st.Creating.Claim != claim {
				return ErrBusy
			}
			a.st.Creating.UserID, a.st.AcceptInvite = existing.ID, off.InviteID
			return nil
		})
	case fault.CodeOf(err) == codeInviteGone:
		// Revoked or used since the page showed it: nothing was created.
		// Give the lease back so the person's next step is not "busy".
		if _, rerr := s.claimed(ctx, a, claim, func(cr *creating) { cr.Since, cr.OrgID = time.Time{}, "" }); rerr != nil {
			return nil, rerr
		}
		return nil, ErrNotDone
	case err != nil:
		return nil, fmt.Errorf("create user joining %s: %w", off.Org.ID, err)
	}
	return s.claimed(ctx, a, claim, func(cr *creating) { cr.UserID = u.ID })
}

// pendingInvite is the invitation inviteID if it is still pending for u's
// email at u's organization and, when its link started the attempt, that
// link was not replaced by a resend; else nil.
func (s *Service) pendingInvite(ctx context.Context, r store.Reader, a *Attempt, inviteID id.Invite, u *user.User) (*invite.Invite, error) {
	projectID := a.ProjectID
	if s.d.Invites == nil || inviteID == "" {
		return nil, nil
	}
	invs, err := s.d.Invites.Pending(ctx, r, projectID, u.Email)
	if err != nil {
		return nil, fmt.Errorf("pending invitations: %w", err)
	}
	for _, inv := range invs {
		if inv.ID == inviteID && inv.OrgID == u.OrganizationID && inv.ProjectID == projectID {
			if linkReplaced(a, inv) {
				return nil, nil
			}
			return inv, nil
		}
	}
	return nil, nil
}

// linkReplaced reports whether inv's link started the attempt and was
// resent since: the old link stops working, so the invitation is no longer
// this attempt's to accept (the new link starts another).
func linkReplaced(a *Attempt, inv *invite.Invite) bool {
	req := a.Request
	return req.Invite == inv.ID && req.InviteSend != 0 && req.InviteSend != inv.SendCount
}

// acceptOnLogin runs in Complete's transaction: a login through an
// invitation that ends in an account the email already had there marks the
// invitation accepted, so it stops being offered and cannot be used again.
// Only a proven email accepts an invitation.
func (s *Service) acceptOnLogin(ctx context.Context, w store.Writer, a *Attempt, u *user.User, orgID id.Org, now time.Time) error {
	inviteID := a.st.AcceptInvite
	if inviteID == "" {
		inviteID = a.Request.Invite
	}
	if inviteID == "" || !a.st.Facts.EmailVerified || u.OrganizationID != orgID {
		return nil
	}
	inv, err := s.pendingInvite(ctx, w, a, inviteID, u)
	if err != nil || inv == nil {
		return err
	}
	if err := s.d.Invites.Accept(ctx, w, inv, u, now); err != nil {
		return fmt.Errorf("accept invitation %s: %w", inv.ID, err)
	}
	return nil
}
