package session

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/audit"
	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/store"
)

func sameHash(a, b store.TokenHash) bool {
	return len(a) == len(b) && len(a) > 0 && subtle.ConstantTimeCompare(a, b) == 1
}

// Refresh rotates a refresh token and returns the session's grant with the
// successor. Its cost is one read by primary key (session, user,
// organization, project, roles and permissions in one statement) and one
// conditional UPDATE; the caller then signs one access token.
//
//   - A malformed token, or one whose tag is not authentic, is ErrInvalid
//     before any database work: it proves nothing about its session.
//   - A token of another project or another client is ErrInvalid, and the
//     session is left alone: the presenter is not its owner.
//   - An expired (absolute or idle, under current policy) or revoked
//     session is ErrInvalid.
//   - Current policy refusing the session's facts revokes it: ErrRefused.
//   - The current token rotates. The previous one within Grace of the
//     rotation gets the same successor again, with no write. Any other
//     token of the session, of whatever age, is reuse: the session is
//     revoked and ErrReused returned.
func (s *Service) Refresh(ctx context.Context, projectID id.Project, clientID id.Client, refreshToken string) (*Grant, error) {
	sid, ok := s.keys.parse(refreshToken)
	if !ok || clientID == "" {
		return nil, ErrInvalid
	}
	hash := hashToken(refreshToken)
	next := s.keys.successor(sid, refreshToken)
	nextHash := hashToken(next)
	now := s.now()
	for range 2 {
		acc, err := s.st.SessionAccess(ctx, projectID, sid)
		if errors.Is(err, store.ErrNotFound) {
			return nil, ErrInvalid
		}
		if err != nil {
			return nil, fmt.Errorf("refresh: %w", err)
		}
		rec := acc.Session
		if rec.ClientID != clientID || rec.RevokedAt != nil {
			return nil, ErrInvalid
		}
		if !sameHash(hash, rec.RefreshHash) {
			return s.replay(ctx, acc, hash, nextHash, next, now)
		}
		sess, abs, err := s.judge(ctx, acc, now)
		if err != nil {
			return nil, err
		}
		_, idleFor := lifetimes(acc.Project, acc.Org)
		idle := earliest(now.Add(idleFor), abs)
		rot := store.RefreshRotation{ProjectID: projectID, SessionID: rec.ID, OldHash: hash, NewHash: nextHash, At: now, IdleExpiresAt: idle}
		var active *store.SessionRecord
		if countsAsActive(rec, now) {
			active = rec
		}
		ok, err := s.rotate(ctx, rot, active)
		if err != nil {
			return nil, fmt.Errorf("refresh: %w", err)
		}
		if ok {
			sess.LastActiveAt, sess.IdleExpiresAt = now, idle
			return grantOf(sess, acc, next), nil
		}
		// Another refresh of the same token won the race (or the session was
		// revoked meanwhile): read again and judge the token as rotated.
	}
	// The current hash never returns to a rotated token's, so a second lost
	// race only happens when the row changes under us twice; refuse.
	return nil, ErrInvalid
}

// rotate applies r. When active is set (the session's first use in a new
// month), the user is recorded as active in the same transaction; otherwise
// the rotation is one autocommitted statement where the store offers it.
func (s *Service) rotate(ctx context.Context, r store.RefreshRotation, active *store.SessionRecord) (bool, error) {
	if s.rotator != nil && active == nil {
		return s.rotator.RotateRefreshToken(ctx, r)
	}
	var ok bool
	err := s.st.Write(ctx, func(w store.Writer) error {
		var err error
		if ok, err = w.RotateRefreshToken(ctx, r); err != nil || !ok || active == nil {
			return err
		}
		return recordActive(ctx, w, active, r.At)
	})
	return ok, err
}

// replay handles an authentic token of the session that is not its current
// one, so it has been rotated (the tag proves Gatehouse minted it for this
// session, and every token of a chain but the current one has been
// replaced). Within the grace, when it is the previous token and its
// successor is the current one, the same successor is returned; anything
// else is reuse and ends the session. The caller has ruled out revoked
// sessions and other clients.
func (s *Service) replay(ctx context.Context, acc *store.SessionAccess, hash, nextHash store.TokenHash, next string, now time.Time) (*Grant, error) {
	rec := acc.Session
	if abs, idle := deadlines(rec, acc.Project, acc.Org); !now.Before(abs) || !now.Before(idle) {
		// An ended session has nothing left to protect.
		return nil, ErrInvalid
	}
	inGrace := rec.RefreshedAt != nil && now.Sub(*rec.RefreshedAt) <= Grace
	if inGrace && sameHash(hash, rec.PrevRefreshHash) && sameHash(nextHash, rec.RefreshHash) {
		sess, _, err := s.judge(ctx, acc, now)
		if err != nil {
			return nil, err
		}
		return grantOf(sess, acc, next), nil
	}
	if err := s.revokeRecord(ctx, rec, now, ReasonReused, audit.System("session")); err != nil {
		return nil, err
	}
	s.log.Warn("refresh token reused; session revoked", "project_id", rec.ProjectID, "session_id", rec.ID, "user_id", rec.UserID)
	return nil, ErrReused
}

// RevokeRefreshToken ends the session of a refresh token at its client's
// request (RFC 7009). Any authentic token of the session, current or
// rotated, ends it: the session is the grant. A token that is malformed,
// not authentic, of an unknown or already revoked session, or issued to
// another client is answered with nil and changes nothing, so a client
// learns nothing about tokens that are not its own.
func (s *Service) RevokeRefreshToken(ctx context.Context, projectID id.Project, clientID id.Client, token string) error {
	sid, ok := s.keys.parse(token)
	if !ok || clientID == "" {
		return nil
	}
	rec, err := s.st.GetSession(ctx, projectID, sid)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("revoke refresh token: %w", err)
	}
	if rec.ClientID != clientID || rec.RevokedAt != nil {
		return nil
	}
	if imp := rec.Impersonation; imp != nil {
		// The app signs the impersonation out: all of it ends, recorded as
		// the staff member's (it is their session, not the user's).
		return s.endImpersonation(ctx, rec, ReasonImpersonationEnded, audit.Actor{Type: audit.ActorStaff, ID: imp.StaffUserID})
	}
	return s.revokeRecord(ctx, rec, s.now(), ReasonTokenRevoked, audit.Actor{Type: audit.ActorUser, ID: string(rec.UserID)})
}
