package flow

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/audit"
	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/login"
	"github.com/gatehouse-auth/gatehouse/internal/session"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/tenancy"
	"github.com/gatehouse-auth/gatehouse/internal/user"
)

// creatingLease is how long one Complete owns the creation of a new
// account before another may take over (after a crash in between).
const creatingLease = time.Minute

// actor is who creates the accounts of sign-ups in the audit log.
var actor = audit.System("login")

// Complete finishes an attempt whose step is done: it creates the
// organization and user when they are new, records the login on the user,
// mints the session in the same transaction, and marks the attempt used.
//
// The attempt is judged once, inside the transaction and under its lock,
// from the caller's copy, which the pages hold fresh from Submit or View:
// if the stored attempt moved on since, the version check of the final save
// refuses the whole transaction. Then, and whenever the copy does not end
// in an existing account, the transaction runs again on the stored row.
func (s *Service) Complete(ctx context.Context, a *Attempt, c login.Client) (*session.Session, string, error) {
	if a == nil || a.row == nil {
		return nil, "", ErrGone
	}
	cur, fromCopy, created := a, true, false
	for {
		sess, token, fresh, target, err := s.completeTx(ctx, cur, c, fromCopy, !created)
		switch {
		case errors.Is(err, errReadAgain):
			fromCopy = false
			continue
		case errors.Is(err, errNewAccount):
			// Accounts are made through the tenancy service, which commits
			// on its own; the session then follows in a transaction that
			// finds the login ending in an existing account.
			if cur, err = s.createAccount(ctx, fresh, target); err != nil {
				return nil, "", err
			}
			fromCopy, created = true, true
			continue
		case err != nil:
			return nil, "", err
		}
		a.CompletedAt, a.SessionID = &sess.CreatedAt, sess.ID
		return sess, token, nil
	}
}

var (
	// errReadAgain: Complete judged the caller's copy of the attempt and
	// must decide on the stored row instead.
	errReadAgain = errors.New("login attempt to be read again")
	// errNewAccount: the login ends in an account that must be created
	// before the session.
	errNewAccount = errors.New("login ends in a new account")
)

// completeTx is one run of Complete's transaction. With fromCopy it judges
// a's state as the caller holds it and finishes only a login into an
// existing account whose stored version is still a's; anything else comes
// back as errReadAgain. Otherwise it reads the attempt again under the lock:
// a login that ends in a new account then comes back as errNewAccount, with
// the attempt as read and its target, when newOK, and as ErrNotDone when not.
func (s *Service) completeTx(ctx context.Context, a *Attempt, c login.Client, fromCopy, newOK bool) (
	sess *session.Session, token string, judged *Attempt, target *login.Target, err error) {
	err = s.d.Store.Write(ctx, func(w store.Writer) error {
		if err := w.LockLoginAttempt(ctx, a.ProjectID, a.ID); err != nil {
			return ErrGone
		}
		var (
			fresh *Attempt
			err   error
		)
		if fromCopy {
			fresh, err = s.copyOf(a)
		} else {
			fresh, err = s.reload(ctx, w, a)
		}
		if err != nil {
			return err
		}
		sit, err := s.judge(ctx, w, fresh)
		if err != nil {
			return err
		}
		if fromCopy && (sit.res.Step != login.StepDone || sit.res.Target.IsNew()) {
			return errReadAgain
		}
		if sit.res.Step != login.StepDone {
			return ErrNotDone
		}
		if sit.res.Target.IsNew() {
			if !newOK {
				return ErrNotDone
			}
			judged, target = fresh, sit.res.Target
			return errNewAccount
		}
		sess, token, err = s.finish(ctx, w, fresh, sit.res.Target.Candidate, c)
		if fromCopy && errors.Is(err, store.ErrConflict) {
			return errReadAgain
		}
		return err
	})
	return sess, token, judged, target, err
}

// copyOf decodes the row the caller's attempt was last read or saved as
// into an attempt Complete may change freely, refused like a reload would
// refuse that row.
func (s *Service) copyOf(a *Attempt) (*Attempt, error) {
	if a.CompletedAt != nil {
		return nil, ErrGone
	}
	row := *a.row
	return s.live(&row, a.cookie)
}

// finish runs inside Complete's transaction.
func (s *Service) finish(ctx context.Context, w store.Writer, a *Attempt, cand *login.Candidate, c login.Client) (*session.Session, string, error) {
	now := s.now()
	u := *cand.User
	facts := sessionFacts(a.st, u.ID)
	if a.st.NewPasswordHash != "" && a.st.Choices.PasswordSetFor == string(u.ID) {
		if err := w.SetPasswordHash(ctx, a.ProjectID, u.ID, a.st.NewPasswordHash, now); err != nil {
			return nil, "", fmt.Errorf("store new password: %w", err)
		}
		if a.st.Choices.Reset {
			if err := s.endOtherSessions(ctx, w, a.ProjectID, &u, now); err != nil {
				return nil, "", err
			}
		}
	}
	if err := s.acceptOnLogin(ctx, w, a, &u, cand.Org.ID, now); err != nil {
		return nil, "", err
	}
	u.LastLoginAt = &now
	if facts.EmailVerified && !u.EmailVerified {
		u.EmailVerified, u.UpdatedAt = true, now
	}
	if err := w.UpdateUser(ctx, &u); err != nil {
		return nil, "", fmt.Errorf("record login on user: %w", err)
	}
	sess, token, err := s.d.Sessions.Create(ctx, w, session.NewSession{
		ProjectID: a.ProjectID, OrgID: cand.Org.ID, UserID: u.ID, Facts: facts,
		UserAgent: c.UserAgent, IP: c.IP,
	})
	if err != nil {
		return nil, "", err
	}
	a.CompletedAt, a.SessionID = &now, sess.ID
	a.st.NewPasswordHash, a.st.Code, a.st.LinkExpiresAt = "", nil, nil
	a.row.LinkHash = nil
	if err := s.save(ctx, w, a); err != nil {
		return nil, "", err
	}
	return sess, token, nil
}

// ResetRevokeReason is the revoke reason of the sessions a password reset
// ends.
const ResetRevokeReason = "password_reset"

// endOtherSessions ends every live session of a user whose password was
// just reset: whoever knew the old password may hold one. It runs before
// the new session is created, in the same transaction, so that one stays.
// The event has the shape of the session service's bulk revocations.
func (s *Service) endOtherSessions(ctx context.Context, w store.Writer, projectID id.Project, u *user.User, now time.Time) error {
	n, err := w.RevokeUserSessions(ctx, projectID, u.ID, now, ResetRevokeReason)
	if err != nil {
		return fmt.Errorf("end sessions after password reset: %w", err)
	}
	if n == 0 {
		return nil
	}
	err = w.InsertAuditEvent(ctx, &audit.Event{
		ID: id.New[id.AuditEvent](now), ProjectID: projectID, OrganizationID: u.OrganizationID,
		Actor: audit.Actor{Type: audit.ActorUser, ID: string(u.ID)}, Type: "session.revoked",
		ResourceType: "user", ResourceID: string(u.ID),
		Details:    audit.Details(nil, map[string]any{"revoked_sessions": n, "reason": ResetRevokeReason}),
		OccurredAt: now,
	})
	if err != nil {
		return fmt.Errorf("record sessions ended by password reset: %w", err)
	}
	return nil
}

// sessionFacts are the facts the session keeps: a password proof counts
// only for the user whose password it was.
func sessionFacts(st state, uid id.User) login.Facts {
	f := st.Facts
	pwOK := slices.Contains(st.Choices.PasswordUsers, uid) || st.Choices.PasswordSetFor == string(uid)
	f.Proofs = []login.Proof{}
	for _, p := range st.Facts.Proofs {
		if p.Factor != login.FactorPassword || pwOK {
			f.Proofs = append(f.Proofs, p)
		}
	}
	return f
}

// createAccount creates the new organization (the person becomes its owner)
// and user through the tenancy service, once: the attempt records each as
// it is made, and a lease keeps a concurrent Complete from making a second.
func (s *Service) createAccount(ctx context.Context, a *Attempt, t *login.Target) (*Attempt, error) {
	claim := rand.Text()
	a, err := s.update(ctx, a, func(a *Attempt) error {
		cr := a.st.Creating
		if cr != nil && s.now().Sub(cr.Since) < creatingLease {
			return ErrBusy
		}
		if cr == nil {
			cr = &creating{}
		}
		cr.Since, cr.Claim = s.now(), claim
		a.st.Creating = cr
		return nil
	})
	if err != nil {
		return nil, err
	}
	if t.Offer != nil {
		if a, err = s.join(ctx, a, t.Offer, claim); err != nil {
			return nil, err
		}
	}
	if a.st.Creating.OrgID == "" {
		name := t.NewOrgName
		o, err := s.d.Tenancy.CreateOrganization(ctx, actor, a.ProjectID, tenancy.OrganizationUpdate{Name: &name})
		if err != nil {
			return nil, fmt.Errorf("create organization: %w", err)
		}
		if a, err = s.claimed(ctx, a, claim, func(cr *creating) { cr.OrgID = o.ID }); err != nil {
			return nil, err
		}
	}
	if a.st.Creating.UserID == "" {
		u, _, err := s.d.Tenancy.CreateUser(ctx, actor, a.ProjectID, tenancy.UserInput{
			OrganizationID: string(a.st.Creating.OrgID), Email: a.st.Facts.Email, EmailVerified: a.st.Facts.EmailVerified,
		})
		if err != nil {
			return nil, fmt.Errorf("create user: %w", err)
		}
		if a, err = s.claimed(ctx, a, claim, func(cr *creating) { cr.UserID = u.ID }); err != nil {
			return nil, err
		}
	}
	// From here on the login is into an existing account like any other.
	return s.update(ctx, a, func(a *Attempt) error {
		ch := &a.st.Choices
		ch.OrgID, ch.NewOrgName, ch.CreatingOrg = a.st.Creating.OrgID, "", false
		if ch.PasswordSetFor == login.NewUserTarget {
			ch.PasswordSetFor = string(a.st.Creating.UserID)
		}
		return nil
	})
}

// claimed records progress of createAccount while this call holds the lease.
func (s *Service) claimed(ctx context.Context, a *Attempt, claim string, fn func(*creating)) (*Attempt, error) {
	return s.update(ctx, a, func(a *Attempt) error {
		if a.st.Creating == nil || a.st.Creating.Claim != claim {
			return ErrBusy
		}
		fn(a.st.Creating)
		return nil
	})
}

// update changes the attempt under its lock, reading it afresh first.
func (s *Service) update(ctx context.Context, a *Attempt, fn func(*Attempt) error) (*Attempt, error) {
	var out *Attempt
	err := s.d.Store.Write(ctx, func(w store.Writer) error {
		if err := w.LockLoginAttempt(ctx, a.ProjectID, a.ID); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return ErrGone
			}
			return err
		}
		fresh, err := s.reload(ctx, w, a)
		if err != nil {
			return err
		}
		if err := fn(fresh); err != nil {
			return err
		}
		out = fresh
		return s.save(ctx, w, fresh)
	})
	return out, err
}
