package invite

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/gatehouse-auth/gatehouse/internal/audit"
	"github.com/gatehouse-auth/gatehouse/internal/fault"
	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/rbac"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/user"
)

// Create invites in.Email to in.OrgID with the role in.RoleKey and emails
// the link. It refuses an email that already has a user in the organization
// (already_member) and a second pending invite for the same email and
// organization (invite_exists: resend that one instead).
func (s *Service) Create(ctx context.Context, actor audit.Actor, projectID id.Project, in Input) (*Invite, error) {
	if strings.TrimSpace(in.OrgID) == "" {
		return nil, fault.InvalidField("organization_id", "is required: an invite is to one organization")
	}
	oid, err := fault.ParseID[id.Org](strings.TrimSpace(in.OrgID), "organization")
	if err != nil {
		return nil, err
	}
	email, err := user.NormalizeEmail(in.Email)
	if err != nil {
		return nil, fault.From(err)
	}
	roleKey := strings.TrimSpace(in.RoleKey)
	if roleKey == "" {
		roleKey = rbac.RoleMember
	}
	if err := s.allowCreate(ctx, projectID, oid, email); err != nil {
		return nil, err
	}
	now := s.now()
	token, hash := newToken()
	var out *store.InviteRecord
	err = s.write(ctx, "create invite", func(w store.Writer) error {
		o, err := w.GetOrganization(ctx, projectID, oid)
		if err != nil {
			return store.NotFoundAs(err, "organization")
		}
		// Serialise with other invites and sign-ups to the organization, so
		// two concurrent invites of one email cannot both pass the checks.
		if err := w.LockOrganization(ctx, projectID, oid); err != nil {
			return fmt.Errorf("lock organization: %w", err)
		}
		role, err := w.GetRoleByKey(ctx, projectID, oid, roleKey)
		if errors.Is(err, store.ErrNotFound) {
			return fault.InvalidInput("role: unknown role "+fmt.Sprintf("%q", roleKey),
				fault.FieldViolation{Field: "role", Message: "no project-wide role or custom role of the organization has this key", Value: roleKey})
		}
		if err != nil {
			return fmt.Errorf("role %s: %w", roleKey, err)
		}
		if err := s.checkInvitable(ctx, w, projectID, oid, email, ""); err != nil {
			return err
		}
		r := &store.InviteRecord{
			ID: id.New[id.Invite](now), ProjectID: projectID, OrgID: oid, Email: email,
			RoleID: role.ID, RoleKey: role.Key, InvitedBy: actor, Status: string(StatusPending),
			TokenHash: hash, ExpiresAt: now.Add(s.ttl), CreatedAt: now, UpdatedAt: now,
			SendCount: 1, LastSentAt: now,
		}
		if err := w.CreateInvite(ctx, r); err != nil {
			return store.NotFoundAs(err, "organization")
		}
		if err := w.InsertAuditEvent(ctx, event(now, r, actor, "invite.created", nil, snapshot(r))); err != nil {
			return fmt.Errorf("audit invite: %w", err)
		}
		if err := s.send(ctx, w, r, o.Name, role.Name, token); err != nil {
			return err
		}
		out = r
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.sent()
	return fromRecord(out), nil
}

// checkInvitable refuses an email that already has a user in the
// organization, or another pending, unexpired invite there (other than
// except, the invite being resent).
func (s *Service) checkInvitable(ctx context.Context, r store.Reader, projectID id.Project, orgID id.Org, email string, except id.Invite) error {
	_, err := r.GetUserByEmail(ctx, projectID, orgID, email)
	if err == nil {
		return fault.NewConflict(CodeAlreadyMember,
			"this email already has an account in the organization (active or deactivated); there is nothing to invite it to")
	}
	if !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("member lookup: %w", err)
	}
	pending, err := r.ListPendingInvitesByEmail(ctx, projectID, email, s.now())
	if err != nil {
		return fmt.Errorf("pending invites: %w", err)
	}
	for _, p := range pending {
		if p.OrgID == orgID && p.ID != except {
			return fault.NewConflict(CodeInviteExists,
				"a pending invite for this email to the organization already exists ("+string(p.ID)+"); resend it instead")
		}
	}
	return nil
}

// Get returns one invite of the project.
func (s *Service) Get(ctx context.Context, projectID id.Project, inviteID string) (*Invite, error) {
	iid, err := fault.ParseID[id.Invite](inviteID, "invite")
	if err != nil {
		return nil, err
	}
	r, err := s.st.GetInvite(ctx, projectID, iid)
	if err != nil {
		return nil, s.classify("get invite", store.NotFoundAs(err, "invite"))
	}
	return fromRecord(r), nil
}

// List lists the project's invites in creation order.
func (s *Service) List(ctx context.Context, projectID id.Project, f Filter, page store.Page) ([]*Invite, error) {
	sf := store.InviteFilter{OrgID: f.OrgID}
	now := s.now()
	switch f.Status {
	case "":
	case StatusPending:
		sf.Status, sf.ExpiresAfter = string(StatusPending), now
	case StatusExpired:
		sf.Status, sf.ExpiresUntil = string(StatusPending), now
	case StatusAccepted, StatusRevoked:
		sf.Status = string(f.Status)
	default:
		return nil, fault.InvalidField("status", "must be pending, expired, accepted or revoked")
	}
	if page.Limit <= 0 || page.Limit > MaxPageSize {
		page.Limit = MaxPageSize
	}
	rs, err := s.st.ListInvites(ctx, projectID, sf, page)
	if err != nil {
		return nil, s.classify("list invites", err)
	}
	return fromRecords(rs), nil
}

// Revoke revokes a pending invite, expired or not: its link stops working.
// An accepted or revoked invite is refused (invite_not_pending).
func (s *Service) Revoke(ctx context.Context, actor audit.Actor, projectID id.Project, inviteID string) (*Invite, error) {
	iid, err := fault.ParseID[id.Invite](inviteID, "invite")
	if err != nil {
		return nil, err
	}
	now := s.now()
	var out *store.InviteRecord
	err = s.write(ctx, "revoke invite", func(w store.Writer) error {
		r, err := w.GetInvite(ctx, projectID, iid)
		if err != nil {
			return store.NotFoundAs(err, "invite")
		}
		if Status(r.Status) != StatusPending {
			return notPending(r, "revoked")
		}
		before := snapshot(r)
		r.Status, r.RevokedAt, r.UpdatedAt = string(StatusRevoked), &now, now
		if err := s.update(ctx, w, r); err != nil {
			return err
		}
		out = r
		return w.InsertAuditEvent(ctx, event(now, r, actor, "invite.revoked", before, snapshot(r)))
	})
	if err != nil {
		return nil, err
	}
	return fromRecord(out), nil
}

// Resend emails a pending invite again with a new link: the previous link
// stops working, the expiry starts over and SendCount grows. An expired
// invite can be resent, which makes it pending again; an accepted or
// revoked one cannot (invite_not_pending). The email is checked again: an
// address that has joined the organization since is refused
// (already_member), as is one with a newer pending invite (invite_exists).
// Resends are limited per invite and per organization (throttled, see
// ResendPerInvite and ResendPerOrg).
func (s *Service) Resend(ctx context.Context, actor audit.Actor, projectID id.Project, inviteID string) (*Invite, error) {
	iid, err := fault.ParseID[id.Invite](inviteID, "invite")
	if err != nil {
		return nil, err
	}
	if err := s.allowResend(ctx, projectID, iid); err != nil {
		return nil, err
	}
	now := s.now()
	token, hash := newToken()
	var out *store.InviteRecord
	err = s.write(ctx, "resend invite", func(w store.Writer) error {
		r, err := w.GetInvite(ctx, projectID, iid)
		if err != nil {
			return store.NotFoundAs(err, "invite")
		}
		if err := w.LockOrganization(ctx, projectID, r.OrgID); err != nil {
			return fmt.Errorf("lock organization: %w", err)
		}
		if r, err = w.GetInvite(ctx, projectID, iid); err != nil {
			return store.NotFoundAs(err, "invite")
		}
		if Status(r.Status) != StatusPending {
			return notPending(r, "resent")
		}
		if err := s.checkInvitable(ctx, w, projectID, r.OrgID, r.Email, r.ID); err != nil {
			return err
		}
		o, err := w.GetOrganization(ctx, projectID, r.OrgID)
		if err != nil {
			return store.NotFoundAs(err, "organization")
		}
		role, err := w.GetRole(ctx, projectID, r.RoleID)
		if err != nil {
			return store.NotFoundAs(err, "role")
		}
		before := snapshot(r)
		r.TokenHash, r.ExpiresAt, r.UpdatedAt = hash, now.Add(s.ttl), now
		r.SendCount, r.LastSentAt = r.SendCount+1, now
		if err := s.update(ctx, w, r); err != nil {
			return err
		}
		if err := w.InsertAuditEvent(ctx, event(now, r, actor, "invite.resent", before, snapshot(r))); err != nil {
			return fmt.Errorf("audit invite: %w", err)
		}
		if err := s.send(ctx, w, r, o.Name, role.Name, token); err != nil {
			return err
		}
		out = r
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.sent()
	return fromRecord(out), nil
}

// update writes a pending invite's change; a concurrent acceptance or
// revocation that got there first turns it into invite_not_pending.
func (s *Service) update(ctx context.Context, w store.Writer, r *store.InviteRecord) error {
	err := w.UpdateInvite(ctx, r, string(StatusPending))
	if errors.Is(err, store.ErrNotFound) {
		return fault.NewConflict(CodeNotPending, "the invite is no longer pending")
	}
	if err != nil {
		return fmt.Errorf("update invite: %w", err)
	}
	return nil
}

func notPending(r *store.InviteRecord, verb string) error {
	return fault.NewConflict(CodeNotPending,
		"only a pending or expired invite can be "+verb+"; this one is "+r.Status)
}

// sent pokes the email worker once a transaction that queued an invite's
// email has committed.
func (s *Service) sent() {
	if s.mailer != nil {
		s.mailer.Poke()
	}
}
