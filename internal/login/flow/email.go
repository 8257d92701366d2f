package flow

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"github.com/gatehouse-auth/gatehouse/internal/login"
	"math/big"
	"net/url"
	"strings"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/mail"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/throttle"
)

// outgoing is an email to queue with the attempt's next save.
type outgoing struct {
	to       string
	template mail.Template
	data     mail.CodeData
}

// sendCode issues a new code and magic link for the attempt's email,
// replacing any earlier pair. It is the same for an email with accounts and
// one without (which is a sign-up), so the answer reveals nothing.
func (s *Service) sendCode(ctx context.Context, t *turn, extra ...limit) error {
	st := &t.a.st
	limits := append([]limit{
		{throttle.SendPerEmailIP, throttle.PairKey(st.Facts.Email, t.c.IP)},
		{throttle.SendPerIP, t.c.IP},
	}, extra...)
	limits = append(limits, limit{throttle.SendPerEmail, st.Facts.Email})
	wait, err := s.throttled(ctx, t, limits...)
	if err != nil {
		return err
	}
	if wait > 0 {
		t.v.ThrottledFor, t.v.FieldErrors["code"] = wait, waitMessage(wait)
		return nil
	}
	if t.a.cookie == "" {
		return errors.New("send sign-in code: attempt loaded without its cookie")
	}
	code, err := sixDigits()
	if err != nil {
		return err
	}
	token := LinkPrefix + rand.Text()
	now := s.now()
	if st.Code != nil {
		t.v.Notice = "We sent a new code to " + st.Facts.Email + ". Earlier codes and links no longer work."
	}
	expires := now.Add(CodeLifetime)
	st.Code = &pendingCode{MAC: codeMAC(t.a, code), ExpiresAt: expires, SentAt: now, Reset: st.Choices.Reset}
	st.LinkExpiresAt = &expires
	t.a.row.LinkHash = hashSecret(token)
	tpl := mail.TemplateLoginCode
	if st.Choices.Reset {
		tpl = mail.TemplatePasswordReset
	}
	t.mail = &outgoing{to: st.Facts.Email, template: tpl, data: mail.CodeData{
		ProjectName: t.sit.p.Name, Email: st.Facts.Email, Code: code,
		Link: s.linkURL(t.a.ProjectID, token), ExpiresIn: CodeLifetime, BrandColor: t.sit.p.BrandColor, LogoURL: t.sit.p.LogoURL,
	}}
	return nil
}

// linkURL is where the email's magic link points.
func (s *Service) linkURL(projectID id.Project, token string) string {
	return s.d.PublicURL + "/p/" + url.PathEscape(string(projectID)) + "/login/link?token=" + url.QueryEscape(token)
}

// sixDigits draws a uniformly random 6-digit code.
func sixDigits() (string, error) {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		return "", fmt.Errorf("draw code: %w", err)
	}
	return fmt.Sprintf("%06d", n.Int64()), nil
}

// codeMAC binds a code to its attempt and keys it with the browser's cookie,
// which the database never holds: six digits hashed alone would fall to a
// million guesses offline.
func codeMAC(a *Attempt, code string) []byte {
	m := hmac.New(sha256.New, []byte(a.cookie))
	m.Write([]byte(string(a.ID) + ":" + code))
	return m.Sum(nil)
}

// checkCode judges a typed code. Only guesses at a live code count against
// the throttle: the answers about a missing, dead or expired code reveal
// nothing and cost nothing.
func (s *Service) checkCode(ctx context.Context, t *turn, typed string) error {
	code := strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' {
			return -1
		}
		return r
	}, typed)
	st := &t.a.st
	pc := st.Code
	switch {
	case pc == nil:
		t.v.FieldErrors["code"] = "No code is waiting for this sign-in. Send a new code."
		return nil
	case pc.Wrong >= MaxCodeGuesses:
		t.v.FieldErrors["code"] = "This code can no longer be used. Send a new code."
		return nil
	case !s.now().Before(pc.ExpiresAt):
		t.v.FieldErrors["code"] = "This code has expired. Send a new code."
		return nil
	case !sixDigitsRe(code):
		t.v.FieldErrors["code"] = "Enter the 6-digit code from the email."
		return nil
	}
	// The per-attempt budget is per code sent: MaxCodeGuesses already kills
	// a code, and a fresh code (bounded by the send limits) must be usable.
	// The per-account budget is what new attempts from new addresses cannot
	// renew. It is keyed by the typed email, so it refuses alike whether or
	// not the email has an account. Asked before the code is compared: a
	// spent budget refuses even the right code.
	key := fmt.Sprintf("%s/%d", t.a.ID, pc.SentAt.UnixMicro())
	wait, err := s.throttled(ctx, t, limit{throttle.CodePerAttempt, key},
		limit{throttle.CodePerIP, t.c.IP}, limit{throttle.CodePerAccount, st.Facts.Email})
	if err != nil {
		return err
	}
	if wait > 0 {
		t.v.ThrottledFor, t.v.FieldErrors["code"] = wait, waitMessage(wait)
		return nil
	}
	if hmac.Equal(codeMAC(t.a, code), pc.MAC) {
		s.proveEmail(t.a, login.FactorEmailCode)
		// Only the owner of the mailbox types the right code: a person
		// signing in often is not held to the failure budget.
		s.forgive(t, throttle.CodePerAccount, st.Facts.Email)
		return nil
	}
	pc.Wrong++
	if pc.Wrong >= MaxCodeGuesses {
		t.v.FieldErrors["code"] = "That code is not right, and it can no longer be used. Send a new code."
	} else {
		t.v.FieldErrors["code"] = "That code is not right. Check the email and try again."
	}
	return nil
}

func sixDigitsRe(s string) bool {
	if len(s) != 6 {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// proveEmail records the proof; the code and the link die together, so
// neither can be used again.
func (s *Service) proveEmail(a *Attempt, f login.Factor) {
	st := &a.st
	st.Facts.EmailVerified = true
	st.Facts.Proofs = append(st.Facts.Proofs, login.Proof{Factor: f, At: s.now()})
	st.Code, st.LinkExpiresAt = nil, nil
	a.row.LinkHash = nil
}

// forgot starts a password reset: the email is proven again by a code or
// link (the reset template), then set_password follows.
func (s *Service) forgot(ctx context.Context, t *turn) error {
	if !t.sit.res.PasswordMethod {
		return nil
	}
	st := &t.a.st
	st.Choices.Reset, st.Choices.UsePassword = true, false
	if st.Facts.EmailVerified {
		return nil
	}
	return s.sendCode(ctx, t, limit{throttle.ResetPerAccount, st.Facts.Email})
}

// VerifyLink lands a magic link: it proves the email of the link's attempt
// (and only that attempt) and kills the link and code. The caller decides
// whether this browser may continue that attempt.
//
// Proving an attempt from any browser lets someone who started an attempt
// with another person's address get in when that person clicks the link;
// VerifyLinkFrom closes that by requiring the attempt's own browser.
func (s *Service) VerifyLink(ctx context.Context, projectID id.Project, token string, c login.Client) (id.LoginAttempt, error) {
	return s.verifyLink(ctx, projectID, token, "", c)
}

// VerifyLinkFrom is VerifyLink for the browser holding cookie only: opened
// anywhere else it returns ErrOtherBrowser and leaves the link unused, so the
// person can open it where they started or type the code there.
func (s *Service) VerifyLinkFrom(ctx context.Context, projectID id.Project, token, cookie string, c login.Client) (id.LoginAttempt, error) {
	if cookie == "" {
		cookie = CookiePrefix + "none"
	}
	return s.verifyLink(ctx, projectID, token, cookie, c)
}

func (s *Service) verifyLink(ctx context.Context, projectID id.Project, token, cookie string, c login.Client) (id.LoginAttempt, error) {
	if !strings.HasPrefix(token, LinkPrefix) {
		return "", ErrInvalidLink
	}
	h := hashSecret(token)
	for try := 1; ; try++ {
		row, err := s.d.Store.GetLoginAttemptByLink(ctx, projectID, h)
		if errors.Is(err, store.ErrNotFound) {
			return "", ErrInvalidLink
		}
		if err != nil {
			return "", fmt.Errorf("find magic link: %w", err)
		}
		a, err := s.live(row, "")
		if err != nil {
			return "", err
		}
		if a.st.LinkExpiresAt == nil || !s.now().Before(*a.st.LinkExpiresAt) {
			return "", ErrInvalidLink
		}
		if cookie != "" && !hmac.Equal(hashSecret(cookie), row.CookieHash) {
			return "", ErrOtherBrowser
		}
		s.proveEmail(a, login.FactorMagicLink)
		err = s.d.Store.Write(ctx, func(w store.Writer) error {
			if err := w.LockLoginAttempt(ctx, projectID, a.ID); err != nil {
				return err
			}
			return s.save(ctx, w, a)
		})
		if errors.Is(err, store.ErrConflict) && try < saveTries {
			// Changed in between: look again, the link may be gone.
			continue
		}
		if err != nil {
			return "", fmt.Errorf("verify magic link: %w", err)
		}
		s.log.Debug("magic link verified", "project", projectID, "attempt", a.ID, "ip", c.IP)
		return a.ID, nil
	}
}

// limit is one throttle rule applied to one key.
type limit struct {
	rule throttle.Rule
	key  string
}

// forgive clears a key's count under rule after the secret it limits was
// right. It happens in the transaction that saves the attempt, so it costs
// no commit of its own and is undone with that save.
func (s *Service) forgive(t *turn, rule throttle.Rule, key string) {
	if s.d.Throttle == nil || key == "" {
		return
	}
	t.forgive = append(t.forgive, limit{rule, key})
}

// throttled counts one hit on each limit in turn, in one transaction, and
// returns how long to wait when one is exhausted (0 when all allow it). It
// stops at the first refusal: a request one limit refuses is not counted by
// the ones after it, so callers list the narrow limits (per IP, per email
// and IP) before the wide per-email ceilings, and one client's refused
// requests cannot use up the ceiling everyone shares. Limits without a key
// do not apply. A Submit that starts over after a concurrent change reuses
// its first answer, so it is counted once.
func (s *Service) throttled(ctx context.Context, t *turn, ls ...limit) (time.Duration, error) {
	if s.d.Throttle == nil {
		return 0, nil
	}
	var (
		ask  []throttle.Limit
		memo strings.Builder
	)
	for _, l := range ls {
		if l.key == "" {
			continue
		}
		ask = append(ask, throttle.Limit{Rule: l.rule, Key: l.key})
		memo.WriteString(l.rule.Name + "\x00" + l.key + "\x00")
	}
	if len(ask) == 0 {
		return 0, nil
	}
	if d, seen := t.asked[memo.String()]; seen {
		return d, nil
	}
	dec, err := s.d.Throttle.AllowAll(ctx, t.a.ProjectID, ask...)
	if err != nil {
		return 0, err
	}
	var d time.Duration
	if !dec.Allowed {
		d = max(dec.RetryAfter, time.Second)
	}
	t.asked[memo.String()] = d
	return d, nil
}
