// Package flow runs login attempts: it stores each attempt server-side,
// records what the person proves (email code, magic link, password) and
// chooses (organization, new organization, new password), asks login.Next
// what is missing, and when nothing is, creates the account if new and the
// session in one transaction. Sign-up and log-in are the same flow.
package flow

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/gatehouse-auth/gatehouse/internal/login"
	"log/slog"
	"strings"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/domain"
	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/invite"
	"github.com/gatehouse-auth/gatehouse/internal/mail"
	"github.com/gatehouse-auth/gatehouse/internal/password"
	"github.com/gatehouse-auth/gatehouse/internal/session"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/tenancy"
	"github.com/gatehouse-auth/gatehouse/internal/throttle"
)

// Lifetimes and limits of the flow.
const (
	// AttemptLifetime bounds a whole login, from the email form to the session.
	AttemptLifetime = 30 * time.Minute
	// CodeLifetime bounds an email code and its magic link.
	CodeLifetime = 10 * time.Minute
	// MaxCodeGuesses wrong codes kill the code; a new one must be sent.
	MaxCodeGuesses = 5
	// maxPruneBatch is the most rows the store deletes in one statement
	// (its largest page).
	maxPruneBatch = 1000
)

// Prefixes of the secrets the flow hands out.
const (
	CookiePrefix = "gh_la_"
	LinkPrefix   = "gh_ml_"
)

// Errors of the Service.
var (
	// ErrGone: the attempt is unknown, expired, finished, or another
	// project's. The browser must start again from the app.
	ErrGone = errors.New("login attempt expired or already used")
	// ErrInvalidLink: the magic link is unknown, used, expired or replaced.
	ErrInvalidLink = errors.New("sign-in link invalid, used or expired")
	// ErrOtherBrowser: a magic link was opened outside the browser that
	// started its attempt (VerifyLinkFrom); nothing was changed.
	ErrOtherBrowser = errors.New("sign-in link opened in another browser")
	// ErrNotDone: Complete was called while a step is still missing.
	ErrNotDone = errors.New("login attempt is not finished")
	// ErrBusy: the same attempt is being completed by another request.
	ErrBusy = errors.New("login attempt is being completed")
	// ErrNotSwitchable: Switch was given a session whose facts cannot
	// seed another login (an impersonation, or one without an email).
	ErrNotSwitchable = errors.New("session cannot seed an organization switch")
	// ErrThrottled: the client opened too many attempts recently (Start).
	// The error is a *ThrottledError saying how long to wait.
	ErrThrottled = errors.New("too many sign-ins started")
)

// ThrottledError is Start's refusal when the client's budget of new
// attempts is spent; errors.Is(err, ErrThrottled) holds.
type ThrottledError struct {
	// RetryAfter is how long until the client may start again (at least
	// one second).
	RetryAfter time.Duration
}

func (e *ThrottledError) Error() string {
	return fmt.Sprintf("%v: retry after %v", ErrThrottled, e.RetryAfter)
}

func (e *ThrottledError) Unwrap() error { return ErrThrottled }

// Deps are the components the Service works with.
type Deps struct {
	Store    store.Store
	Tenancy  *tenancy.Service
	Sessions *session.Service
	Outbox   *mail.Outbox
	// Mailer is poked after a commit that queued an email; may be nil.
	Mailer   *mail.Worker
	Hasher   *password.Hasher
	Throttle *throttle.Limiter
	// Invites and Domains offer the organizations a proven email may join
	// (its pending invitations, its verified domain); nil offers none.
	Invites *invite.Service
	Domains *domain.Service
	// PublicURL is the server's base URL, for magic links.
	PublicURL string
	Clock     func() time.Time
	Logger    *slog.Logger
}

// Service runs login attempts: it records what people prove and choose and
// asks Next what is missing.
type Service struct {
	d   Deps
	log *slog.Logger
}

// NewService returns a Service over d.
func NewService(d Deps) *Service {
	if d.Clock == nil {
		d.Clock = time.Now
	}
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	d.PublicURL = strings.TrimRight(d.PublicURL, "/")
	return &Service{d: d, log: d.Logger}
}

func (s *Service) now() time.Time { return s.d.Clock().UTC().Truncate(time.Microsecond) }

// Attempt is one login in progress, as the pages see it.
type Attempt struct {
	ID        id.LoginAttempt
	ProjectID id.Project
	Request   login.AuthRequest
	Facts     login.Facts
	Choices   login.Choices
	// OrgID and UserID are the account the login ends in, once decided
	// (new accounts get theirs in Complete).
	OrgID       id.Org
	UserID      id.User
	CreatedAt   time.Time
	UpdatedAt   time.Time
	ExpiresAt   time.Time
	CompletedAt *time.Time
	SessionID   id.Session

	// cookie is the browser's secret: it keys the email code's MAC, so the
	// stored code cannot be brute-forced from a copy of the database alone.
	cookie string
	st     state
	row    *store.LoginAttempt
	// loaded: row is as Load has just read it. The first call that uses the
	// attempt takes it instead of reading it again in the same request.
	loaded bool
}

// state is the JSON document stored with the attempt.
type state struct {
	Facts   login.Facts   `json:"facts"`
	Choices login.Choices `json:"choices"`
	Code    *pendingCode  `json:"code,omitempty"`
	// LinkExpiresAt is the expiry of the outstanding magic link.
	LinkExpiresAt *time.Time `json:"link_expires_at,omitempty"`
	// NewPasswordHash is the password chosen in set_password, written to
	// the user when the login completes.
	NewPasswordHash string `json:"new_password_hash,omitempty"`
	// Creating records the account Complete is creating, so a repeated or
	// concurrent Complete never creates a second one.
	Creating *creating `json:"creating,omitempty"`
	// AcceptInvite is an invitation to mark accepted with the session: the
	// person it invited turned out to have an account there already.
	AcceptInvite id.Invite `json:"accept_invite,omitempty"`
}

type pendingCode struct {
	MAC       []byte    `json:"mac"`
	ExpiresAt time.Time `json:"expires_at"`
	Wrong     int       `json:"wrong"`
	SentAt    time.Time `json:"sent_at"`
	Reset     bool      `json:"reset,omitempty"`
}

type creating struct {
	Since  time.Time `json:"since"`
	Claim  string    `json:"claim"`
	OrgID  id.Org    `json:"org_id,omitempty"`
	UserID id.User   `json:"user_id,omitempty"`
}

// hashSecret is how cookies and link tokens are stored.
func hashSecret(s string) store.SecretHash {
	h := sha256.Sum256([]byte(s))
	return h[:]
}

// Start opens an attempt for an authorization request and returns the
// cookie value that binds it to the browser.
func (s *Service) Start(ctx context.Context, projectID id.Project, req login.AuthRequest, c login.Client) (*Attempt, string, error) {
	return s.start(ctx, projectID, req, c, login.Facts{})
}

// Switch opens an attempt for a person who holds a session in the project
// and asks for another organization (req.OrganizationHint): it starts
// from what that session proved (the email, whether the email was proven,
// the factors and when), so Next ends at once when those facts satisfy the
// target's policy and otherwise asks only for what is missing. A password
// proof of the session's user proves nothing about the target's user.
// Facts never cross projects: a session of another project is refused
// (ErrGone), and so is one a staff member started as the user
// (ErrNotSwitchable): an impersonation proves nothing the user did.
func (s *Service) Switch(ctx context.Context, projectID id.Project, req login.AuthRequest, from *session.Session, c login.Client) (*Attempt, string, error) {
	if from == nil || from.ProjectID != projectID {
		return nil, "", fmt.Errorf("switch organization in project %s: %w", projectID, ErrGone)
	}
	if !CanSwitchFrom(from) {
		return nil, "", fmt.Errorf("switch organization in project %s: %w", projectID, ErrNotSwitchable)
	}
	f := login.Facts{Email: from.Facts.Email, EmailVerified: from.Facts.EmailVerified, Proofs: []login.Proof{}}
	for _, p := range from.Facts.Proofs {
		if p.Factor.Method() != "" {
			f.Proofs = append(f.Proofs, p)
		}
	}
	return s.start(ctx, projectID, req, c, f)
}

// CanSwitchFrom reports whether a session's facts may seed a switch: it
// names an email and is the user's own (not an impersonation).
func CanSwitchFrom(from *session.Session) bool {
	return from != nil && from.Facts.Email != "" && from.Impersonator == nil && !from.Facts.Has(login.FactorImpersonation)
}

func (s *Service) start(ctx context.Context, projectID id.Project, req login.AuthRequest, c login.Client, seed login.Facts) (*Attempt, string, error) {
	if err := s.allowStart(ctx, projectID, c); err != nil {
		return nil, "", err
	}
	now := s.now()
	cookie := CookiePrefix + rand.Text()
	if req.Scope == nil {
		req.Scope = []string{}
	}
	reqJSON, err := json.Marshal(req)
	if err != nil {
		return nil, "", fmt.Errorf("encode authorization request: %w", err)
	}
	a := &Attempt{ID: id.New[id.LoginAttempt](now), ProjectID: projectID, Request: req, cookie: cookie,
		CreatedAt: now, UpdatedAt: now, ExpiresAt: now.Add(AttemptLifetime)}
	a.st.Facts = seed
	if a.st.Facts.Proofs == nil {
		a.st.Facts.Proofs = []login.Proof{}
	}
	a.sync()
	stJSON, err := json.Marshal(a.st)
	if err != nil {
		return nil, "", fmt.Errorf("encode attempt state: %w", err)
	}
	a.row = &store.LoginAttempt{ID: a.ID, ProjectID: projectID, CookieHash: hashSecret(cookie),
		Request: reqJSON, State: stJSON, Version: 1, CreatedAt: now, UpdatedAt: now, ExpiresAt: a.ExpiresAt}
	err = s.d.Store.Write(ctx, func(w store.Writer) error { return w.CreateLoginAttempt(ctx, a.row) })
	if errors.Is(err, store.ErrNotFound) {
		return nil, "", fmt.Errorf("start login in project %s: %w", projectID, ErrGone)
	}
	if err != nil {
		return nil, "", fmt.Errorf("start login: %w", err)
	}
	s.log.Debug("login attempt started", "project", projectID, "attempt", a.ID, "ip", c.IP)
	return a, cookie, nil
}

// allowStart counts a new attempt against the client's budget, so one
// client cannot fill the attempts table. A client without a known IP is
// not counted: there is nothing to key it by.
func (s *Service) allowStart(ctx context.Context, projectID id.Project, c login.Client) error {
	if s.d.Throttle == nil || strings.TrimSpace(c.IP) == "" {
		return nil
	}
	d, err := s.d.Throttle.Allow(ctx, projectID, throttle.StartPerIP, c.IP)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("start login in project %s: %w", projectID, ErrGone)
	}
	if err != nil {
		return fmt.Errorf("start login: %w", err)
	}
	if !d.Allowed {
		return &ThrottledError{RetryAfter: max(d.RetryAfter, time.Second)}
	}
	return nil
}

// Load finds the browser's attempt by its cookie.
func (s *Service) Load(ctx context.Context, projectID id.Project, cookie string) (*Attempt, error) {
	if !strings.HasPrefix(cookie, CookiePrefix) {
		return nil, ErrGone
	}
	row, err := s.d.Store.GetLoginAttemptByCookie(ctx, projectID, hashSecret(cookie))
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrGone
	}
	if err != nil {
		return nil, fmt.Errorf("load login attempt: %w", err)
	}
	a, err := s.live(row, cookie)
	if err != nil {
		return nil, err
	}
	a.loaded = true
	return a, nil
}

// live decodes a row that may still be used.
func (s *Service) live(row *store.LoginAttempt, cookie string) (*Attempt, error) {
	if row.CompletedAt != nil || !s.now().Before(row.ExpiresAt) {
		return nil, ErrGone
	}
	a := &Attempt{ID: row.ID, ProjectID: row.ProjectID, cookie: cookie, row: row,
		CreatedAt: row.CreatedAt, UpdatedAt: row.UpdatedAt, ExpiresAt: row.ExpiresAt,
		CompletedAt: row.CompletedAt, SessionID: row.SessionID}
	if err := json.Unmarshal(row.Request, &a.Request); err != nil {
		return nil, fmt.Errorf("decode login attempt %s request: %w", row.ID, err)
	}
	if err := json.Unmarshal(row.State, &a.st); err != nil {
		return nil, fmt.Errorf("decode login attempt %s state: %w", row.ID, err)
	}
	a.sync()
	return a, nil
}

// sync copies the state into the exported fields.
func (a *Attempt) sync() {
	a.Facts, a.Choices = a.st.Facts, a.st.Choices
	a.OrgID, a.UserID = a.st.Choices.OrgID, ""
	if cr := a.st.Creating; cr != nil {
		a.OrgID, a.UserID = cr.OrgID, cr.UserID
	}
}

// reload reads the attempt again: the caller's copy may be stale.
func (s *Service) reload(ctx context.Context, r store.Reader, a *Attempt) (*Attempt, error) {
	if a == nil || a.row == nil {
		return nil, ErrGone
	}
	row, err := r.GetLoginAttempt(ctx, a.ProjectID, a.ID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrGone
	}
	if err != nil {
		return nil, fmt.Errorf("reload login attempt: %w", err)
	}
	return s.live(row, a.cookie)
}

// current is the attempt as stored: the row Load has just read, once, and
// otherwise the row read again, since the caller's copy may be stale. A
// write based on either is refused if the row changed (see save).
func (s *Service) current(ctx context.Context, a *Attempt) (*Attempt, error) {
	if a != nil && a.row != nil && a.loaded {
		a.loaded = false
		row := *a.row
		return s.live(&row, a.cookie)
	}
	return s.reload(ctx, s.d.Store, a)
}

// save writes the attempt's state in w, refusing a stale version.
func (s *Service) save(ctx context.Context, w store.Writer, a *Attempt) error {
	b, err := json.Marshal(a.st)
	if err != nil {
		return fmt.Errorf("encode attempt state: %w", err)
	}
	a.row.State = b
	a.row.UpdatedAt = s.now()
	a.row.CompletedAt, a.row.SessionID = a.CompletedAt, a.SessionID
	if err := w.UpdateLoginAttempt(ctx, a.row); err != nil {
		return fmt.Errorf("save login attempt: %w", err)
	}
	a.UpdatedAt = a.row.UpdatedAt
	a.sync()
	return nil
}

// Prune deletes the attempts of any project that expired before now
// (maintenance; finished attempts stay until they expire too), limit at a
// time so no transaction grows large, batch after batch until one comes
// back short or ctx ends. It returns how many it deleted in all, also when
// it stops with an error.
func (s *Service) Prune(ctx context.Context, limit int) (int64, error) {
	if limit < 1 {
		return 0, fmt.Errorf("prune login attempts: batch limit %d is not positive", limit)
	}
	// The store deletes at most a page of rows per statement whatever it
	// is asked: a larger limit would make every batch look like the last.
	limit = min(limit, maxPruneBatch)
	// Everything expired when the call began; attempts expiring while it
	// runs wait for the next call, so a steady stream cannot keep it going.
	before := s.now()
	var total int64
	for {
		if err := ctx.Err(); err != nil {
			return total, fmt.Errorf("prune login attempts: %w", err)
		}
		var n int64
		err := s.d.Store.Write(ctx, func(w store.Writer) error {
			var err error
			n, err = w.DeleteExpiredLoginAttempts(ctx, before, limit)
			return err
		})
		if err != nil {
			return total, fmt.Errorf("prune login attempts: %w", err)
		}
		total += n
		if n < int64(limit) {
			return total, nil
		}
	}
}
