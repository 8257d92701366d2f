package session

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/audit"
	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/login"
	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// NewSession is what a finished login hands over.
type NewSession struct {
	ProjectID id.Project
	OrgID     id.Org
	UserID    id.User
	Facts     login.Facts
	UserAgent string
	IP        string
}

// Bounds of what is kept of the client's self-description.
const (
	maxUserAgent = 512
	maxIP        = 64
)

// randomToken is a prefix and 32 random bytes, base64url: the browser
// cookie, which the store finds by its hash.
func randomToken(prefix string) string {
	b := make([]byte, 32)
	// crypto/rand.Read never fails (it aborts the program rather than
	// return weak randomness).
	_, _ = rand.Read(b)
	return prefix + base64.RawURLEncoding.EncodeToString(b)
}

func encodeFacts(f login.Facts) (json.RawMessage, error) {
	b, err := json.Marshal(f)
	if err != nil {
		return nil, fmt.Errorf("encode facts: %w", err)
	}
	return b, nil
}

func clip(s string, n int) string {
	s = strings.ToValidUTF8(s, "")
	if len(s) <= n {
		return s
	}
	// Cut on a rune boundary.
	for n > 0 && !isRuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }

// Create mints the hosted pages' browser session for a finished login,
// inside the caller's transaction w, and returns it with the cookie value
// (gh_bs_…). Lifetimes come from the organization's policy or the project's
// defaults. The facts are judged by login.Permits here too: a session is
// never minted against current policy, whichever caller asks.
func (s *Service) Create(ctx context.Context, w store.Writer, in NewSession) (*Session, string, error) {
	if len(in.Facts.Proofs) == 0 {
		return nil, "", errors.New("create session: the facts prove nothing")
	}
	if in.Facts.Has(login.FactorImpersonation) {
		// Only Impersonate mints such sessions, with their one-hour bound
		// and the staff member's name on them.
		return nil, "", errors.New("create session: an impersonation is started with Impersonate")
	}
	p, err := w.GetProject(ctx, in.ProjectID)
	if err != nil {
		return nil, "", fmt.Errorf("create session: %w", err)
	}
	o, err := w.GetOrganization(ctx, in.ProjectID, in.OrgID)
	if err != nil {
		return nil, "", fmt.Errorf("create session: %w", err)
	}
	u, err := w.GetUser(ctx, in.ProjectID, in.UserID)
	if err != nil {
		return nil, "", fmt.Errorf("create session: %w", err)
	}
	if u.OrganizationID != o.ID {
		return nil, "", fmt.Errorf("create session: user %s is not in organization %s: %w", u.ID, o.ID, store.ErrNotFound)
	}
	if r := login.Permits(in.Facts, p, o, u); r != nil {
		return nil, "", fmt.Errorf("%w: %w", ErrRefused, r)
	}
	facts, err := encodeFacts(in.Facts)
	if err != nil {
		return nil, "", fmt.Errorf("create session: %w", err)
	}
	now := s.now()
	maxLife, idle := lifetimes(p, o)
	expires := now.Add(maxLife)
	token := randomToken(BrowserTokenPrefix)
	rec := &store.SessionRecord{
		ID: id.New[id.Session](now), ProjectID: p.ID, OrgID: o.ID, UserID: u.ID, Facts: facts,
		BrowserTokenHash: hashToken(token),
		CreatedAt:        now, LastActiveAt: now, ExpiresAt: expires, IdleExpiresAt: earliest(now.Add(idle), expires),
		UserAgent: clip(in.UserAgent, maxUserAgent), IP: clip(in.IP, maxIP),
	}
	if err := w.CreateSession(ctx, rec); err != nil {
		return nil, "", fmt.Errorf("create session: %w", err)
	}
	actor := audit.Actor{Type: audit.ActorUser, ID: string(u.ID)}
	if err := w.InsertAuditEvent(ctx, event(now, p.ID, o.ID, actor, "session.created", "session", string(rec.ID), nil, snapshot(rec))); err != nil {
		return nil, "", fmt.Errorf("create session: %w", err)
	}
	if err := recordActive(ctx, w, rec, now); err != nil {
		return nil, "", fmt.Errorf("create session: %w", err)
	}
	sess, err := fromRecord(rec)
	if err != nil {
		return nil, "", err
	}
	return sess, token, nil
}

// Authenticate resolves the hosted pages' browser cookie to a live session
// that current policy still allows. Activity is written at most once a
// minute. A refused session is revoked (ErrRefused).
func (s *Service) Authenticate(ctx context.Context, projectID id.Project, browserToken string) (*Grant, error) {
	if !plausible(browserToken, BrowserTokenPrefix) {
		return nil, ErrInvalid
	}
	acc, err := s.st.SessionAccessByBrowserHash(ctx, projectID, hashToken(browserToken))
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrInvalid
	}
	if err != nil {
		return nil, fmt.Errorf("authenticate session: %w", err)
	}
	now := s.now()
	sess, abs, err := s.judge(ctx, acc, now)
	if err != nil {
		return nil, err
	}
	// The first use in a new month counts the user as active in it, and is
	// written whatever the throttle says.
	newMonth := countsAsActive(acc.Session, now)
	if newMonth || now.Sub(sess.LastActiveAt) >= touchEvery {
		_, idleFor := lifetimes(acc.Project, acc.Org)
		idle := earliest(now.Add(idleFor), abs)
		err := s.st.Write(ctx, func(w store.Writer) error {
			if err := w.TouchSession(ctx, projectID, sess.ID, now, idle); err != nil {
				return err
			}
			if newMonth {
				return recordActive(ctx, w, acc.Session, now)
			}
			return nil
		})
		if err != nil {
			// Activity is bookkeeping: the session stays usable.
			s.log.Warn("recording session activity failed", "session_id", sess.ID, "err", err)
		} else {
			sess.LastActiveAt, sess.IdleExpiresAt = now, idle
		}
	}
	return grantOf(sess, acc, ""), nil
}

// plausible rejects what cannot be a token before any database work.
func plausible(tok, prefix string) bool {
	return strings.HasPrefix(tok, prefix) && len(tok) <= 128
}

// judge checks that a session is live and allowed under current policy and
// returns it with its absolute end. A refusal revokes the session.
func (s *Service) judge(ctx context.Context, acc *store.SessionAccess, now time.Time) (*Session, time.Time, error) {
	rec := acc.Session
	abs, idle := deadlines(rec, acc.Project, acc.Org)
	if rec.RevokedAt != nil || !now.Before(idle) {
		return nil, abs, ErrInvalid
	}
	sess, err := fromRecord(rec)
	if err != nil {
		return nil, abs, err
	}
	if sess.Facts.Has(login.FactorImpersonation) && rec.Impersonation == nil {
		// Policy waives the login-method rules for an impersonation; facts
		// claiming one without its staff member and bound are no session.
		s.log.Error("session claims an impersonation it does not record", "session_id", rec.ID)
		return nil, abs, ErrInvalid
	}
	if imp := rec.Impersonation; imp != nil && s.staffActive != nil {
		ok, err := s.staffActive(ctx, imp.StaffUserID)
		if err != nil {
			return nil, abs, fmt.Errorf("check the impersonating staff member: %w", err)
		}
		if !ok {
			// The whole impersonation ends, the app sessions made from it too.
			if err := s.endImpersonation(ctx, rec, ReasonStaffRemoved, audit.System("session")); err != nil {
				return nil, abs, fmt.Errorf("end impersonation: %w", err)
			}
			return nil, abs, fmt.Errorf("%w: %w", ErrRefused, &login.Refusal{Reason: ReasonStaffRemoved,
				Message: "the staff member behind this impersonation no longer has console access"})
		}
	}
	if r := login.Permits(sess.Facts, acc.Project, acc.Org, acc.User); r != nil {
		if err := s.revokeRecord(ctx, rec, now, r.Reason, audit.System("session")); err != nil {
			return nil, abs, err
		}
		return nil, abs, fmt.Errorf("%w: %w", ErrRefused, r)
	}
	return sess, abs, nil
}

// revokeRecord revokes one session and records why, in one transaction;
// revoking a revoked session changes nothing.
func (s *Service) revokeRecord(ctx context.Context, rec *store.SessionRecord, now time.Time, reason string, actor audit.Actor) error {
	err := s.st.Write(ctx, func(w store.Writer) error {
		changed, err := w.RevokeSession(ctx, rec.ProjectID, rec.ID, now, reason)
		if err != nil || !changed {
			return err
		}
		before := snapshot(rec)
		after := *rec
		after.RevokedAt, after.RevokeReason = &now, reason
		return w.InsertAuditEvent(ctx, event(now, rec.ProjectID, rec.OrgID, actor, "session.revoked", "session", string(rec.ID), before, snapshot(&after)))
	})
	if err != nil {
		return fmt.Errorf("revoke session %s: %w", rec.ID, err)
	}
	return nil
}

// GrantForCode issues the first refresh token of a session for the client
// exchanging an authorization code. The first client binds the session
// itself; any later exchange (another client, or the same one again) gets a
// session of its own copied from the same facts, which ends no later than
// the original. The facts are judged again first.
func (s *Service) GrantForCode(ctx context.Context, projectID id.Project, sessionID id.Session, clientID id.Client) (*Grant, error) {
	if clientID == "" {
		return nil, errors.New("grant for code: no client")
	}
	acc, err := s.st.SessionAccess(ctx, projectID, sessionID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrInvalid
	}
	if err != nil {
		return nil, fmt.Errorf("grant for code: %w", err)
	}
	now := s.now()
	sess, abs, err := s.judge(ctx, acc, now)
	if err != nil {
		return nil, err
	}
	_, idleFor := lifetimes(acc.Project, acc.Org)
	idle := earliest(now.Add(idleFor), abs)
	var (
		out   *store.SessionRecord
		token string
	)
	err = s.st.Write(ctx, func(w store.Writer) error {
		// A refresh token names its session, so it is minted for whichever
		// session ends up holding it: this one, or the copy below.
		token = s.keys.first(sessionID)
		ok, err := w.IssueFirstRefresh(ctx, store.FirstRefresh{
			ProjectID: projectID, SessionID: sessionID, ClientID: clientID, Hash: hashToken(token), At: now, IdleExpiresAt: idle,
		})
		if err != nil {
			return err
		}
		if ok {
			r := *acc.Session
			r.ClientID, r.RefreshHash, r.RefreshedAt, r.LastActiveAt, r.IdleExpiresAt = clientID, hashToken(token), &now, now, idle
			out = &r
			if countsAsActive(acc.Session, now) {
				return recordActive(ctx, w, acc.Session, now)
			}
			return nil
		}
		// Revoked since it was read: nothing to copy. An impersonation's
		// copy stays one (same staff member, same end), so it can neither
		// outlive the impersonation nor be counted as the user's activity.
		cur, err := w.GetSession(ctx, projectID, sessionID)
		if err != nil {
			return err
		}
		if cur.RevokedAt != nil {
			return ErrInvalid
		}
		copyID := id.New[id.Session](now)
		token = s.keys.first(copyID)
		out = &store.SessionRecord{
			ID: copyID, ProjectID: projectID, OrgID: cur.OrgID, UserID: cur.UserID, ClientID: clientID,
			Facts: cur.Facts, RefreshHash: hashToken(token), RefreshedAt: &now,
			CreatedAt: now, LastActiveAt: now, ExpiresAt: abs, IdleExpiresAt: idle,
			UserAgent: cur.UserAgent, IP: cur.IP, Impersonation: cur.Impersonation,
		}
		if err := w.CreateSession(ctx, out); err != nil {
			return err
		}
		if err := recordActive(ctx, w, out, now); err != nil {
			return err
		}
		after := snapshot(out)
		after["copied_from"] = cur.ID
		return w.InsertAuditEvent(ctx, event(now, projectID, cur.OrgID, audit.Actor{Type: audit.ActorUser, ID: string(cur.UserID)},
			"session.created", "session", string(out.ID), nil, after))
	})
	if errors.Is(err, ErrInvalid) {
		return nil, ErrInvalid
	}
	if err != nil {
		return nil, fmt.Errorf("grant for code: %w", err)
	}
	if sess, err = fromRecord(out); err != nil {
		return nil, err
	}
	return grantOf(sess, acc, token), nil
}
