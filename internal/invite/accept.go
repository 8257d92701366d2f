package invite

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/audit"
	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/user"
)

// The login flow's side of invites: find the invite of a link or of a
// proven email, and accept it in the transaction that makes the member.

// FindByToken returns the pending, unexpired invite of a link's token in the
// project; ErrInvalid for anything else (unknown, another project's,
// accepted, revoked, replaced by a resend, expired), all alike.
func (s *Service) FindByToken(ctx context.Context, projectID id.Project, token string) (*Invite, error) {
	if !strings.HasPrefix(token, TokenPrefix) || len(token) > 128 {
		return nil, ErrInvalid
	}
	r, err := s.st.GetInviteByTokenHash(ctx, projectID, hashToken(token))
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrInvalid
	}
	if err != nil {
		return nil, fmt.Errorf("find invite by token: %w", err)
	}
	inv := fromRecord(r)
	if inv.State(s.now()) != StatusPending {
		return nil, ErrInvalid
	}
	return inv, nil
}

// Pending returns the pending, unexpired invites of an email in the
// project, every organization's, read through r (the caller's transaction
// or the store). An address that is not an email has none.
func (s *Service) Pending(ctx context.Context, r store.Reader, projectID id.Project, email string) ([]*Invite, error) {
	e, err := user.NormalizeEmail(email)
	if err != nil {
		return []*Invite{}, nil
	}
	rs, err := r.ListPendingInvitesByEmail(ctx, projectID, e, s.now())
	if err != nil {
		return nil, fmt.Errorf("pending invites: %w", err)
	}
	return fromRecords(rs), nil
}

// Accept marks the invite accepted by u inside the caller's transaction w
// and records invite.accepted with u as the actor. u must be the invited
// email's user at the invited organization (ErrWrongUser otherwise); the
// caller creates that user, or finds it, and gives it inv.RoleID. The
// invite is read again in w: if it is no longer pending at now (accepted,
// revoked, expired or resent since the caller read it) the answer is
// ErrInvalid and nothing is written.
func (s *Service) Accept(ctx context.Context, w store.Writer, inv *Invite, u *user.User, now time.Time) error {
	if inv == nil || u == nil {
		return errors.New("accept invite: no invite or no user")
	}
	if u.ProjectID != inv.ProjectID || u.OrganizationID != inv.OrgID || u.Email != inv.Email {
		return fmt.Errorf("accept invite %s as user %s: %w", inv.ID, u.ID, ErrWrongUser)
	}
	now = now.UTC().Truncate(time.Microsecond)
	r, err := w.GetInvite(ctx, inv.ProjectID, inv.ID)
	if errors.Is(err, store.ErrNotFound) {
		return ErrInvalid
	}
	if err != nil {
		return fmt.Errorf("accept invite %s: %w", inv.ID, err)
	}
	if r.OrgID != inv.OrgID || fromRecord(r).State(now) != StatusPending {
		return ErrInvalid
	}
	// Resent since the caller read it: the link the caller knew of was
	// replaced and no longer accepts the invitation.
	if r.SendCount != inv.SendCount {
		return ErrInvalid
	}
	before := snapshot(r)
	r.Status, r.AcceptedAt, r.AcceptedUserID, r.UpdatedAt = string(StatusAccepted), &now, u.ID, now
	if err := w.UpdateInvite(ctx, r, string(StatusPending)); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return ErrInvalid
		}
		return fmt.Errorf("accept invite %s: %w", inv.ID, err)
	}
	actor := audit.Actor{Type: audit.ActorUser, ID: string(u.ID)}
	if err := w.InsertAuditEvent(ctx, event(now, r, actor, "invite.accepted", before, snapshot(r))); err != nil {
		return fmt.Errorf("audit invite: %w", err)
	}
	*inv = *fromRecord(r)
	return nil
}
