package flow

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/gatehouse-auth/gatehouse/internal/login"
	"github.com/gatehouse-auth/gatehouse/internal/user"
)

// View returns the attempt's current step.
func (s *Service) View(ctx context.Context, a *Attempt) (*login.View, error) {
	cur, err := s.current(ctx, a)
	if err != nil {
		return nil, err
	}
	sit, err := s.judge(ctx, s.d.Store, cur)
	if err != nil {
		return nil, err
	}
	*a = *cur
	return s.view(cur, sit), nil
}

func (s *Service) view(a *Attempt, sit *situation) *login.View {
	r := sit.res
	v := &login.View{
		Step: r.Step, AttemptID: a.ID, ProjectName: sit.p.Name, Email: a.st.Facts.Email,
		CodeSent:          a.st.Code != nil && a.st.Code.usable(s.now()),
		PasswordAvailable: r.PasswordMethod, CodeAvailable: r.EmailMethod,
		CanCreateOrg: r.CanCreateOrg, Reset: a.st.Choices.Reset, Blocked: sentence(r.Blocked),
		CanSignUp:   sit.p.SelfServeCreateOrganizations || sit.p.AutoCreateOrganizations,
		FieldErrors: map[string]string{},
	}
	if v.Email == "" && a.Request.LoginHint != "" {
		// The hint only prefills the form; it proves nothing.
		if e, err := user.NormalizeEmail(a.Request.LoginHint); err == nil {
			v.Email = e
		}
	}
	for _, c := range r.Orgs {
		v.Orgs = append(v.Orgs, login.OrgChoice{ID: c.Org.ID, Name: c.Org.Name, Kind: login.ChoiceMember})
	}
	for _, o := range r.Offers {
		v.Orgs = append(v.Orgs, login.OrgChoice{ID: o.Org.ID, Name: o.Org.Name, Kind: string(o.Kind), InviteID: o.InviteID, RoleName: o.RoleName})
	}
	return v
}

// usable reports whether the code can still be guessed.
func (c *pendingCode) usable(now time.Time) bool {
	return c.Wrong < MaxCodeGuesses && now.Before(c.ExpiresAt)
}

// waitMessage tells a throttled person how long to wait, in words that say
// nothing about whether the account exists.
func waitMessage(d time.Duration) string {
	secs := int((d + time.Second - 1) / time.Second)
	if secs <= 60 {
		return fmt.Sprintf("Too many attempts. Wait %d seconds and try again.", max(secs, 1))
	}
	return fmt.Sprintf("Too many attempts. Wait %d minutes and try again.", (secs+59)/60)
}

// sentence turns a refusal's message (written to be wrapped in errors and
// logs) into what a page shows: a capitalised sentence.
func sentence(r *login.Refusal) *login.Refusal {
	if r == nil || r.Message == "" {
		return r
	}
	m := []rune(r.Message)
	m[0] = unicode.ToUpper(m[0])
	msg := string(m)
	if !strings.HasSuffix(msg, ".") {
		msg += "."
	}
	return &login.Refusal{Reason: r.Reason, Message: msg}
}
