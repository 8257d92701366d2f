// Package throttle limits guessable steps (passwords, email codes, resets)
// and mail sending with fixed-window counters kept in the database, so every
// Gatehouse instance sharing it counts the same hits.
//
// A caller asks before the step: Allow counts the hit and says whether it
// may go ahead. Keys are hashed before they reach the database, so the
// table holds no email addresses or IP addresses.
package throttle

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// Rule allows Limit hits per key in a window of Window that opens at the
// first hit. Name is part of the stored bucket, so two rules never share a
// count; renaming a rule starts its counts afresh.
type Rule struct {
	Name   string
	Limit  int
	Window time.Duration
}

// The rules the login flow uses. Keys are a normalised email address, a
// user ID, a client IP or a login attempt ID, as each rule says. Treat these
// as constants.
var (
	// PasswordPerAccount: password guesses against one account (key: the
	// normalised email, whether or not an account has it). Ten wrong
	// guesses in 15 minutes cap an online attack at ~1,000 a day, far below
	// what a password that passed Check needs, while a person who mistypes
	// a few times is never stopped.
	PasswordPerAccount = Rule{Name: "password_account", Limit: 10, Window: 15 * time.Minute}
	// PasswordPerIP: password guesses from one client IP across accounts
	// (password spraying); high enough for an office behind one NAT.
	PasswordPerIP = Rule{Name: "password_ip", Limit: 50, Window: 15 * time.Minute}
	// CodePerAttempt: wrong email codes for one login attempt (key: attempt
	// ID). The fifth wrong code ends the attempt: a 6-digit code then has at
	// most a 5 in 10^6 chance. The window outlives any attempt.
	CodePerAttempt = Rule{Name: "code_attempt", Limit: 5, Window: time.Hour}
	// CodePerIP: code and magic-link guesses from one client IP across
	// attempts, so opening new attempts does not buy more guesses.
	CodePerIP = Rule{Name: "code_ip", Limit: 50, Window: 15 * time.Minute}
	// SendPerEmail: login codes, links and reset emails sent to one address
	// (key: normalised email): keeps Gatehouse from being used to flood an
	// inbox.
	SendPerEmail = Rule{Name: "send_email", Limit: 5, Window: 15 * time.Minute}
	// SendPerIP: emails requested from one client IP, across addresses.
	SendPerIP = Rule{Name: "send_ip", Limit: 30, Window: 15 * time.Minute}
	// ResetPerAccount: password reset requests for one account (key:
	// normalised email).
	ResetPerAccount = Rule{Name: "reset_account", Limit: 5, Window: time.Hour}
)

// Rules returns the predefined rules, for documentation and tests.
func Rules() []Rule {
	return []Rule{PasswordPerAccount, PasswordPerIP, CodePerAttempt, CodePerIP, SendPerEmail, SendPerIP, ResetPerAccount}
}

func (r Rule) validate() error {
	switch {
	case r.Name == "" || strings.ContainsRune(r.Name, ':'):
		return fmt.Errorf("throttle: rule name %q is empty or contains ':'", r.Name)
	case r.Limit < 1:
		return fmt.Errorf("throttle: rule %s: limit %d is not positive", r.Name, r.Limit)
	case r.Window <= 0:
		return fmt.Errorf("throttle: rule %s: window %v is not positive", r.Name, r.Window)
	}
	return nil
}

// Decision is Allow's answer.
type Decision struct {
	Allowed bool
	// RetryAfter is how long until the window ends and the key may try
	// again; zero when Allowed.
	RetryAfter time.Duration
	// Remaining is how many more hits the window allows after this one.
	Remaining int
}

// Limiter counts hits in the store.
type Limiter struct {
	st  store.Store
	now func() time.Time
}

// Option configures a Limiter.
type Option func(*Limiter)

// WithClock sets the time source (default time.Now).
func WithClock(now func() time.Time) Option { return func(l *Limiter) { l.now = now } }

// New returns a Limiter over st.
func New(st store.Store, opts ...Option) *Limiter {
	l := &Limiter{st: st, now: time.Now}
	for _, o := range opts {
		o(l)
	}
	return l
}

// ErrEmptyKey: Allow or Reset was given no key. Counting every caller in
// one shared bucket would lock everyone out at once.
var ErrEmptyKey = errors.New("throttle: empty key")

// Allow counts one hit of key under rule in the project and says whether
// the step may proceed. Hits keep counting while refused, but the window
// does not move: the key is free again when the window that opened at its
// first hit ends. Each call is one statement in its own transaction, so it
// is not undone when the caller's own transaction rolls back.
func (l *Limiter) Allow(ctx context.Context, projectID id.Project, rule Rule, key string) (Decision, error) {
	b, err := bucket(rule, key)
	if err != nil {
		return Decision{}, err
	}
	now := l.now()
	var count int
	var start time.Time
	err = l.st.Write(ctx, func(w store.Writer) error {
		var err error
		count, start, err = w.HitThrottle(ctx, projectID, b, now, rule.Window)
		return err
	})
	if err != nil {
		return Decision{}, fmt.Errorf("throttle %s: %w", rule.Name, err)
	}
	if count <= rule.Limit {
		return Decision{Allowed: true, Remaining: rule.Limit - count}, nil
	}
	retry := start.Add(rule.Window).Sub(now)
	if retry <= 0 {
		// The clock moved between the statement and here; never tell a
		// refused caller to retry at once.
		retry = time.Second
	}
	return Decision{Allowed: false, RetryAfter: retry}, nil
}

// Reset forgets key's hits under rule, e.g. the account's wrong passwords
// after a successful login or a password reset.
func (l *Limiter) Reset(ctx context.Context, projectID id.Project, rule Rule, key string) error {
	b, err := bucket(rule, key)
	if err != nil {
		return err
	}
	return l.st.Write(ctx, func(w store.Writer) error { return w.ResetThrottle(ctx, projectID, b) })
}

// Prune deletes, in every project, the counters whose window opened more
// than olderThan ago; pass at least the longest window in use. Run it
// periodically from one place; nothing depends on it but table size.
func (l *Limiter) Prune(ctx context.Context, olderThan time.Duration) (int64, error) {
	before := l.now().Add(-olderThan)
	var n int64
	err := l.st.Write(ctx, func(w store.Writer) error {
		var err error
		n, err = w.PruneThrottle(ctx, before)
		return err
	})
	return n, err
}

// bucket is "<rule>:<base64url(SHA-256(key))>". The key is trimmed and
// lower-cased first, so "Alice@Example.com " and "alice@example.com" share
// a count; hashing keeps emails and IPs out of the table.
func bucket(rule Rule, key string) (string, error) {
	if err := rule.validate(); err != nil {
		return "", err
	}
	key = strings.ToLower(strings.TrimSpace(key))
	if key == "" {
		return "", ErrEmptyKey
	}
	sum := sha256.Sum256([]byte(key))
	return rule.Name + ":" + base64.RawURLEncoding.EncodeToString(sum[:]), nil
}
