package flow

import (
	"context"
	"errors"
	"fmt"
	"github.com/gatehouse-auth/gatehouse/internal/login"
	"slices"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/password"
	"github.com/gatehouse-auth/gatehouse/internal/project"
	"github.com/gatehouse-auth/gatehouse/internal/throttle"
	"github.com/gatehouse-auth/gatehouse/internal/user"
)

// The one answer to a wrong password, whether or not the email has an
// account, so the page tells an attacker nothing.
const wrongPassword = "Incorrect email or password."

// busyWait is how long a person waits when every password-hashing slot is
// taken: a short retry beats a pile-up of requests.
const busyWait = time.Second

// checkPassword checks the password against every active account of the
// email whose organization allows passwords (or only the account already
// chosen). Matching accounts count as proven; the others do not.
func (s *Service) checkPassword(ctx context.Context, t *turn, pw string) error {
	st := &t.a.st
	if pw == "" {
		// Nothing is checked, so nothing is counted.
		t.v.FieldErrors["password"] = "Enter your password."
		return nil
	}
	// Asked before any hash is checked: once a budget is spent, not even
	// the right password is judged. Each try counts here; a right one
	// clears the account's counts below, so what stays counted are the
	// failures since the last success.
	wait, err := s.throttled(ctx, t, s.passwordLimits(t)...)
	if err != nil {
		return err
	}
	if wait > 0 {
		t.v.ThrottledFor, t.v.FieldErrors["password"] = wait, waitMessage(wait)
		return nil
	}
	var check []login.Candidate
	if tg := t.sit.res.Target; tg != nil && !tg.IsNew() {
		check = []login.Candidate{*tg.Candidate}
	} else {
		for _, c := range t.sit.cands {
			if c.User.Status == user.StatusActive && slices.Contains(c.Org.EffectiveLoginMethods(t.sit.p), project.MethodPassword) &&
				(t.a.Request.OrganizationHint == "" || c.Org.ID == t.a.Request.OrganizationHint) {
				check = append(check, c)
			}
		}
	}
	matched, checked, err := s.verifyAll(ctx, t, check, pw)
	if errors.Is(err, password.ErrBusy) {
		t.v.ThrottledFor, t.v.FieldErrors["password"] = busyWait, "Too many sign-ins at once. Try again in a moment."
		return nil
	}
	if err != nil {
		return err
	}
	if checked == 0 {
		// No hash to check: spend the same time as a check would.
		if err := s.d.Hasher.Dummy(ctx, pw); errors.Is(err, password.ErrBusy) {
			t.v.ThrottledFor, t.v.FieldErrors["password"] = busyWait, "Too many sign-ins at once. Try again in a moment."
			return nil
		}
	}
	if len(matched) == 0 {
		t.v.FieldErrors["password"] = wrongPassword
		return nil
	}
	for _, u := range matched {
		if !slices.Contains(st.Choices.PasswordUsers, u) {
			st.Choices.PasswordUsers = append(st.Choices.PasswordUsers, u)
		}
	}
	st.Facts.Proofs = append(st.Facts.Proofs, login.Proof{Factor: login.FactorPassword, At: s.now()})
	// A right password is not a failure: take its try back from the
	// account's buckets, and with it the failures before it, so a person
	// who signs in often, or after a few typos, starts afresh. The IP's
	// bucket keeps the try, or one known password would buy an address
	// unlimited guesses at other accounts.
	s.forgive(t, throttle.PasswordPerAccount, st.Facts.Email)
	s.forgive(t, throttle.PasswordPerAccountIP, throttle.PairKey(st.Facts.Email, t.c.IP))
	return nil
}

// passwordLimits are the budgets a password try is counted against.
func (s *Service) passwordLimits(t *turn) []limit {
	e := t.a.st.Facts.Email
	return []limit{
		{throttle.PasswordPerAccountIP, throttle.PairKey(e, t.c.IP)},
		{throttle.PasswordPerIP, t.c.IP},
		{throttle.PasswordPerAccount, e},
	}
}

// verifyAll checks pw against each account's hash (as judge read it, in
// this same request) and queues upgrades of hashes made with old parameters.
func (s *Service) verifyAll(ctx context.Context, t *turn, check []login.Candidate, pw string) (matched []id.User, checked int, err error) {
	for _, c := range check {
		h, ok := t.sit.hashes[c.User.ID]
		if !ok {
			continue
		}
		checked++
		ok, rehash, err := s.d.Hasher.Verify(ctx, pw, h)
		if err != nil {
			return nil, 0, err
		}
		if !ok {
			continue
		}
		matched = append(matched, c.User.ID)
		if rehash {
			nh, err := s.d.Hasher.Hash(ctx, pw)
			if err != nil {
				// The login goes on with the old hash; the next one upgrades it.
				s.log.Warn("password rehash failed", "user", c.User.ID, "err", err)
				continue
			}
			if t.rehash == nil {
				t.rehash = map[string]string{}
			}
			t.rehash[string(c.User.ID)] = nh
		}
	}
	return matched, checked, nil
}

// setPassword records the new password of the account the login ends in;
// Complete writes it with the session.
func (s *Service) setPassword(ctx context.Context, t *turn, pw string) error {
	tg := t.sit.res.Target
	if tg == nil {
		return nil
	}
	st := &t.a.st
	if err := password.Check(pw, st.Facts.Email, t.sit.p.Name); err != nil {
		var weak *password.Weak
		if errors.As(err, &weak) {
			t.v.FieldErrors["new_password"] = weak.Message
			return nil
		}
		return fmt.Errorf("judge new password: %w", err)
	}
	h, err := s.d.Hasher.Hash(ctx, pw)
	if errors.Is(err, password.ErrBusy) {
		t.v.ThrottledFor, t.v.FieldErrors["new_password"] = busyWait, "Too many sign-ins at once. Try again in a moment."
		return nil
	}
	if err != nil {
		return fmt.Errorf("hash new password: %w", err)
	}
	st.NewPasswordHash, st.Choices.PasswordSetFor = h, tg.UserKey()
	st.Facts.Proofs = append(st.Facts.Proofs, login.Proof{Factor: login.FactorPassword, At: s.now()})
	return nil
}
