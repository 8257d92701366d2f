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
// client IP, a login attempt ID, or a pair of them (PairKey), as each rule
// says. Treat these as constants.
//
// Rules that count failures (the password and code rules) are asked before
// the check, so a guess is never judged once the budget is spent, and the
// flow resets the account's buckets when the secret turns out right: what
// remains counted is the failures since the last success.
var (
	// PasswordPerAccountIP: wrong passwords for one email from one client IP
	// (key: PairKey(email, ip)). This is the limit a person who mistypes
	// meets, and the one an attacker meets first.
	PasswordPerAccountIP = Rule{Name: "password_account_ip", Limit: 10, Window: 15 * time.Minute}
	// PasswordPerAccount: wrong passwords for one email from all IPs
	// together (key: the normalised email, whether or not an account has
	// it). A ceiling for attackers with many addresses: 100 an hour caps
	// online guessing at 2,400 a day, far below what a password that passed
	// Check needs, and is high enough that locking a person out costs a
	// sustained stream of requests.
	PasswordPerAccount = Rule{Name: "password_account_all", Limit: 100, Window: time.Hour}
	// PasswordPerIP: password tries from one client IP across accounts
	// (password spraying); high enough for an office behind one NAT.
	PasswordPerIP = Rule{Name: "password_ip", Limit: 50, Window: 15 * time.Minute}
	// CodePerAttempt: wrong email codes for one code sent (key: attempt ID
	// and send time). The fifth wrong code ends the code: a 6-digit code then
	// has at most a 5 in 10^6 chance. The window outlives any attempt.
	CodePerAttempt = Rule{Name: "code_attempt", Limit: 5, Window: time.Hour}
	// CodePerAccount: wrong email codes for one email across attempts and
	// IPs (key: the normalised email). New attempts from new addresses do
	// not buy more guesses: at most 240 a day, a 1 in 4,000 chance.
	CodePerAccount = Rule{Name: "code_account", Limit: 10, Window: time.Hour}
	// CodePerIP: code guesses from one client IP across attempts, so
	// opening new attempts does not buy more guesses.
	CodePerIP = Rule{Name: "code_ip", Limit: 50, Window: 15 * time.Minute}
	// SendPerEmailIP: login codes, links and reset emails sent to one
	// address at the request of one client IP (key: PairKey(email, ip)).
	SendPerEmailIP = Rule{Name: "send_email_ip", Limit: 5, Window: 15 * time.Minute}
	// SendPerEmail: emails sent to one address whoever asks (key: the
	// normalised email): keeps Gatehouse from being used to flood an inbox,
	// and is high enough that keeping a person from getting a code takes a
	// sustained stream of requests from several addresses.
	SendPerEmail = Rule{Name: "send_email_all", Limit: 30, Window: time.Hour}
	// SendPerIP: emails requested from one client IP, across addresses.
	SendPerIP = Rule{Name: "send_ip", Limit: 30, Window: 15 * time.Minute}
	// ResetPerAccount: password reset emails for one address (key: the
	// normalised email), within the send limits.
	ResetPerAccount = Rule{Name: "reset_account", Limit: 20, Window: time.Hour}
	// StartPerIP: login attempts opened from one client IP, so the
	// attempts table cannot be flooded. A person opens one per sign-in.
	StartPerIP = Rule{Name: "start_ip", Limit: 60, Window: time.Minute}
)

// Rules returns the predefined rules, for documentation and tests.
func Rules() []Rule {
	return []Rule{PasswordPerAccountIP, PasswordPerAccount, PasswordPerIP, CodePerAttempt, CodePerAccount, CodePerIP,
		SendPerEmailIP, SendPerEmail, SendPerIP, ResetPerAccount, StartPerIP}
}

// PairKey is the key of a rule counted per two things at once, e.g. an
// email and a client IP. It is empty when either part is, which the login
// flow treats as "this limit does not apply".
func PairKey(a, b string) string {
	if strings.TrimSpace(a) == "" || strings.TrimSpace(b) == "" {
		return ""
	}
	// A line break occurs in neither a normalised email nor an IP, so two
	// different pairs never share a key.
	return a + "\n" + b
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
	return l.AllowAll(ctx, projectID, Limit{Rule: rule, Key: key})
}

// Limit is one rule applied to one key.
type Limit struct {
	Rule Rule
	Key  string
}

// AllowAll is Allow for several limits at once, in one transaction of its
// own: it counts a hit on each in order and stops at the first that
// refuses, whose Decision it returns. The limits after it are not counted,
// so list narrow limits (per IP) before wide ones (per email from anywhere)
// and one client's refused requests do not use up what everyone shares.
// When all allow, Remaining is the smallest of theirs.
func (l *Limiter) AllowAll(ctx context.Context, projectID id.Project, ls ...Limit) (Decision, error) {
	buckets := make([]string, len(ls))
	for i, lim := range ls {
		b, err := bucket(lim.Rule, lim.Key)
		if err != nil {
			return Decision{}, err
		}
		buckets[i] = b
	}
	now := l.now()
	var dec Decision
	err := l.st.Write(ctx, func(w store.Writer) error {
		dec = Decision{Allowed: true, Remaining: -1}
		for i, lim := range ls {
			count, start, err := w.HitThrottle(ctx, projectID, buckets[i], now, lim.Rule.Window)
			if err != nil {
				return fmt.Errorf("throttle %s: %w", lim.Rule.Name, err)
			}
			if count > lim.Rule.Limit {
				dec = refusal(lim.Rule, start, now)
				return nil
			}
			if left := lim.Rule.Limit - count; dec.Remaining < 0 || left < dec.Remaining {
				dec.Remaining = left
			}
		}
		return nil
	})
	if err != nil {
		return Decision{}, err
	}
	dec.Remaining = max(dec.Remaining, 0)
	return dec, nil
}

func refusal(rule Rule, start, now time.Time) Decision {
	retry := start.Add(rule.Window).Sub(now)
	if retry <= 0 {
		// The clock moved between the statement and here; never tell a
		// refused caller to retry at once.
		retry = time.Second
	}
	return Decision{Allowed: false, RetryAfter: retry}
}

// Reset forgets key's hits under rule, e.g. the account's wrong passwords
// after a successful login or a password reset.
func (l *Limiter) Reset(ctx context.Context, projectID id.Project, rule Rule, key string) error {
	return l.st.Write(ctx, func(w store.Writer) error { return l.ResetIn(ctx, w, projectID, rule, key) })
}

// ResetIn is Reset inside the caller's transaction: the hits are forgotten
// only if it commits, and it costs no commit of its own.
func (l *Limiter) ResetIn(ctx context.Context, w store.Writer, projectID id.Project, rule Rule, key string) error {
	b, err := bucket(rule, key)
	if err != nil {
		return err
	}
	return w.ResetThrottle(ctx, projectID, b)
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
