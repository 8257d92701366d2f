package session

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gatehouse-auth/gatehouse/internal/audit"
	"github.com/gatehouse-auth/gatehouse/internal/fault"
	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/login"
	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// MaxImpersonation bounds an impersonated session's whole life.
const MaxImpersonation = time.Hour

// Bounds of the reason a staff member gives for impersonating someone, and
// of the staff member's email (RFC 5321's longest path).
const (
	minReason     = 3
	maxReason     = 500
	maxStaffEmail = 254
)

// ReasonImpersonationEnded is the revoke reason of an ended impersonation.
const ReasonImpersonationEnded = "impersonation_ended"

// Impersonation is a staff member's request to act as a user.
type Impersonation struct {
	ProjectID id.Project
	UserID    id.User
	// Staff is the staff member (audit.ActorStaff, their user ID in the
	// console project); StaffEmail is shown to the applications in the act
	// claim.
	Staff      audit.Actor
	StaffEmail string
	// Reason is why, in the staff member's words (3–500 characters); it is
	// kept on the session and in the audit log.
	Reason        string
	UserAgent, IP string
}

func (in *Impersonation) validate() error {
	var bad []fault.FieldViolation
	if n := utf8.RuneCountInString(in.Reason); n < minReason || n > maxReason {
		bad = append(bad, fault.FieldViolation{Field: "reason", Message: fmt.Sprintf("give a reason of %d to %d characters", minReason, maxReason)})
	}
	if in.Staff.Type != audit.ActorStaff || in.Staff.ID == "" {
		bad = append(bad, fault.FieldViolation{Field: "staff", Message: "only a staff member can impersonate a user"})
	}
	if in.StaffEmail == "" || len(in.StaffEmail) > maxStaffEmail {
		bad = append(bad, fault.FieldViolation{Field: "staff_email", Message: "the staff member's email is required"})
	}
	if len(bad) > 0 {
		return fault.InvalidInput("cannot start the impersonation", bad...)
	}
	return nil
}

// Impersonate starts a hosted-pages browser session as in.UserID for a
// staff member and returns it with its cookie value (gh_bs_…).
//
// The session records no proof of the user's (its facts hold one
// login.FactorImpersonation proof, amr "imp") and names the staff member, so
// every token minted from it carries the act claim. It ends at the earlier of
// MaxImpersonation from now and the organization's session lifetime, and no
// refresh, of it or of any client session derived from it, goes past that.
// Current policy judges it like any session: a deactivated user or an
// organization whose logins are disabled cannot be impersonated, now or at
// any later use. The start is audited in the user's project, in the same
// transaction, with the staff member as actor. Impersonated sessions are not
// counted as the user's activity (monthly active users).
func (s *Service) Impersonate(ctx context.Context, in Impersonation) (*Session, string, error) {
	in.Reason, in.StaffEmail = strings.TrimSpace(in.Reason), strings.TrimSpace(in.StaffEmail)
	if err := in.validate(); err != nil {
		return nil, "", err
	}
	now := s.now()
	token := randomToken(BrowserTokenPrefix)
	var rec *store.SessionRecord
	err := s.st.Write(ctx, func(w store.Writer) error {
		p, err := w.GetProject(ctx, in.ProjectID)
		if errors.Is(err, store.ErrNotFound) {
			return fault.NewNotFound("project")
		}
		if err != nil {
			return err
		}
		u, err := w.GetUser(ctx, in.ProjectID, in.UserID)
		if errors.Is(err, store.ErrNotFound) {
			return fault.NewNotFound("user")
		}
		if err != nil {
			return err
		}
		o, err := w.GetOrganization(ctx, in.ProjectID, u.OrganizationID)
		if err != nil {
			return err
		}
		facts := login.Facts{Email: u.Email, Proofs: []login.Proof{{Factor: login.FactorImpersonation, At: now}}}
		if r := login.Permits(facts, p, o, u); r != nil {
			return fault.NewFailedPrecondition(r.Reason, "cannot impersonate this user: "+r.Message)
		}
		raw, err := encodeFacts(facts)
		if err != nil {
			return err
		}
		maxLife, idle := lifetimes(p, o)
		expires := now.Add(min(MaxImpersonation, maxLife))
		sid := id.New[id.Session](now)
		rec = &store.SessionRecord{
			ID: sid, ProjectID: p.ID, OrgID: o.ID, UserID: u.ID, Facts: raw,
			BrowserTokenHash: hashToken(token),
			CreatedAt:        now, LastActiveAt: now, ExpiresAt: expires, IdleExpiresAt: earliest(now.Add(idle), expires),
			UserAgent: clip(in.UserAgent, maxUserAgent), IP: clip(in.IP, maxIP),
			Impersonation: &store.Impersonation{StaffUserID: in.Staff.ID, StaffEmail: in.StaffEmail, Reason: in.Reason, OriginID: sid},
		}
		if err := w.CreateSession(ctx, rec); err != nil {
			return err
		}
		after := snapshot(rec)
		after["reason"], after["staff_email"] = in.Reason, in.StaffEmail
		return w.InsertAuditEvent(ctx, event(now, p.ID, o.ID, in.Staff, "impersonation.started", "session", string(rec.ID), nil, after))
	})
	if err != nil {
		return nil, "", s.internal("impersonate", err)
	}
	sess, err := fromRecord(rec)
	if err != nil {
		return nil, "", s.internal("impersonate", err)
	}
	return sess, token, nil
}

// EndImpersonation ends an impersonation, given any of its sessions: the
// browser session it started as and every client session derived from it
// are revoked (reason impersonation_ended) in one transaction, with one
// "impersonation.ended" audit event whose actor comes from WithActor (the
// console passes the staff member). Ending an ended impersonation changes
// nothing; a session that is not an impersonation is refused.
func (s *Service) EndImpersonation(ctx context.Context, projectID id.Project, sessionID id.Session) error {
	rec, err := s.st.GetSession(ctx, projectID, sessionID)
	if errors.Is(err, store.ErrNotFound) {
		return fault.NewNotFound("session")
	}
	if err != nil {
		return s.internal("end impersonation", err)
	}
	if rec.Impersonation == nil {
		return fault.NewFailedPrecondition("not_impersonation", "this session is not an impersonation")
	}
	if err := s.endImpersonation(ctx, rec, ReasonImpersonationEnded, actorOf(ctx)); err != nil {
		return s.internal("end impersonation", err)
	}
	return nil
}

// endImpersonation revokes every session of rec's impersonation (rec must
// be one) for reason, with one impersonation.ended event by actor, in one
// transaction; nothing when they are all revoked already.
func (s *Service) endImpersonation(ctx context.Context, rec *store.SessionRecord, reason string, actor audit.Actor) error {
	imp, now := rec.Impersonation, s.now()
	return s.st.Write(ctx, func(w store.Writer) error {
		n, err := w.RevokeImpersonation(ctx, rec.ProjectID, imp.OriginID, now, reason)
		if err != nil || n == 0 {
			return err
		}
		return w.InsertAuditEvent(ctx, event(now, rec.ProjectID, rec.OrgID, actor, "impersonation.ended", "session", string(imp.OriginID),
			nil, map[string]any{
				"user_id": rec.UserID, "staff_user_id": imp.StaffUserID, "staff_email": imp.StaffEmail,
				"revoked_sessions": n, "reason": reason,
			}))
	})
}
