package session

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/audit"
	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// successor derives the token that replaces tok. Deriving it (instead of
// drawing it at random) lets every concurrent refresh of one token compute
// the same successor without storing any token in plaintext.
func (s *Service) successor(tok string) string {
	m := hmac.New(sha256.New, s.refreshKey)
	m.Write([]byte(tok))
	return RefreshTokenPrefix + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func sameHash(a, b store.TokenHash) bool {
	return len(a) == len(b) && len(a) > 0 && subtle.ConstantTimeCompare(a, b) == 1
}

// Refresh rotates a refresh token and returns the session's grant with the
// successor. Its cost is one indexed read (session, user, organization,
// project, roles and permissions in one statement) and one conditional
// UPDATE; the caller then signs one access token.
//
//   - A token of another project or another client is ErrInvalid, and the
//     session is left alone: the presenter is not its owner.
//   - An expired (absolute or idle, under current policy) or revoked
//     session is ErrInvalid.
//   - Current policy refusing the session's facts revokes it: ErrRefused.
//   - The previous token within Grace of the rotation gets the same
//     successor again, with no write. Outside the grace it is reuse: the
//     session is revoked and ErrReused returned.
func (s *Service) Refresh(ctx context.Context, projectID id.Project, clientID id.Client, refreshToken string) (*Grant, error) {
	if !plausible(refreshToken, RefreshTokenPrefix) || clientID == "" {
		return nil, ErrInvalid
	}
	hash := hashToken(refreshToken)
	acc, err := s.st.SessionAccessByRefreshHash(ctx, projectID, hash)
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrInvalid
	}
	if err != nil {
		return nil, fmt.Errorf("refresh: %w", err)
	}
	next := s.successor(refreshToken)
	nextHash := hashToken(next)
	now := s.now()
	for range 2 {
		rec := acc.Session
		if rec.ClientID != clientID {
			return nil, ErrInvalid
		}
		if sameHash(hash, rec.PrevRefreshHash) {
			return s.replay(ctx, acc, nextHash, next, now)
		}
		sess, abs, err := s.judge(ctx, acc, now)
		if err != nil {
			return nil, err
		}
		_, idleFor := lifetimes(acc.Project, acc.Org)
		idle := earliest(now.Add(idleFor), abs)
		rot := store.RefreshRotation{ProjectID: projectID, SessionID: rec.ID, OldHash: hash, NewHash: nextHash, At: now, IdleExpiresAt: idle}
		ok, err := s.rotate(ctx, rot)
		if err != nil {
			return nil, fmt.Errorf("refresh: %w", err)
		}
		if ok {
			sess.LastActiveAt, sess.IdleExpiresAt = now, idle
			return grantOf(sess, acc, next), nil
		}
		// Another refresh of the same token won the race (or the session was
		// revoked meanwhile): read again and judge the token as previous.
		acc, err = s.st.SessionAccessByRefreshHash(ctx, projectID, hash)
		if errors.Is(err, store.ErrNotFound) {
			return nil, ErrInvalid
		}
		if err != nil {
			return nil, fmt.Errorf("refresh: %w", err)
		}
	}
	// Two lost races for one token means it was rotated again meanwhile.
	return nil, ErrInvalid
}

func (s *Service) rotate(ctx context.Context, r store.RefreshRotation) (bool, error) {
	if s.rotator != nil {
		return s.rotator.RotateRefreshToken(ctx, r)
	}
	var ok bool
	err := s.st.Write(ctx, func(w store.Writer) error {
		var err error
		ok, err = w.RotateRefreshToken(ctx, r)
		return err
	})
	return ok, err
}

// replay handles a presented token that has already been rotated: within
// the grace, when its successor is the current token, the same successor is
// returned; anything else is reuse and ends the session.
func (s *Service) replay(ctx context.Context, acc *store.SessionAccess, nextHash store.TokenHash, next string, now time.Time) (*Grant, error) {
	rec := acc.Session
	if rec.RevokedAt != nil {
		return nil, ErrInvalid
	}
	inGrace := rec.RefreshedAt != nil && now.Sub(*rec.RefreshedAt) <= Grace
	if inGrace && sameHash(nextHash, rec.RefreshHash) {
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
// request (RFC 7009). A token that is unknown, malformed, already revoked,
// or issued to another client is answered with nil and changes nothing, so
// a client learns nothing about tokens that are not its own.
func (s *Service) RevokeRefreshToken(ctx context.Context, projectID id.Project, clientID id.Client, token string) error {
	if !plausible(token, RefreshTokenPrefix) || clientID == "" {
		return nil
	}
	acc, err := s.st.SessionAccessByRefreshHash(ctx, projectID, hashToken(token))
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("revoke refresh token: %w", err)
	}
	rec := acc.Session
	if rec.ClientID != clientID || rec.RevokedAt != nil {
		return nil
	}
	return s.revokeRecord(ctx, rec, s.now(), ReasonTokenRevoked, audit.Actor{Type: audit.ActorUser, ID: string(rec.UserID)})
}
