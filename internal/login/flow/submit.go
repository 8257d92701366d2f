package flow

import (
	"context"
	"errors"
	"fmt"
	"github.com/gatehouse-auth/gatehouse/internal/login"
	"slices"
	"strings"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/project"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/user"
)

// saveTries bounds how often Submit starts over when another request
// changed the same attempt in between (a double click, two tabs).
const saveTries = 5

// turn is one Submit in progress: the attempt, what Next said before the
// action, and what the action wants written and shown.
type turn struct {
	a   *Attempt
	sit *situation
	c   login.Client
	v   *login.View // field errors, notice, throttling for the answer
	// mail is an email to queue in the transaction that saves the attempt.
	mail *outgoing
	// rehash are password hashes to upgrade in the same transaction.
	rehash map[string]string
	// asked remembers throttle answers across the tries of one Submit.
	asked map[string]time.Duration
	// forgive are throttle counts to clear in the same transaction.
	forgive []limit
}

// Submit applies one action and returns the attempt's next step. Wrong
// codes, passwords, names and throttling come back as View.FieldErrors and
// View.ThrottledFor, not as errors.
func (s *Service) Submit(ctx context.Context, a *Attempt, in login.Input, c login.Client) (*login.View, error) {
	asked := map[string]time.Duration{}
	for try := 1; ; try++ {
		v, err := s.submitOnce(ctx, a, in, c, asked)
		if errors.Is(err, store.ErrConflict) && try < saveTries {
			continue
		}
		return v, err
	}
}

func (s *Service) submitOnce(ctx context.Context, a *Attempt, in login.Input, c login.Client, asked map[string]time.Duration) (*login.View, error) {
	cur, err := s.current(ctx, a)
	if err != nil {
		return nil, err
	}
	sit, err := s.judge(ctx, s.d.Store, cur)
	if err != nil {
		return nil, err
	}
	t := &turn{a: cur, sit: sit, c: c, v: &login.View{FieldErrors: map[string]string{}}, asked: asked}
	if err := s.act(ctx, t, in); err != nil {
		return nil, err
	}
	err = s.d.Store.Write(ctx, func(w store.Writer) error {
		if err := w.LockLoginAttempt(ctx, cur.ProjectID, cur.ID); err != nil {
			return fmt.Errorf("lock login attempt: %w", err)
		}
		if err := s.save(ctx, w, cur); err != nil {
			return err
		}
		for _, l := range t.forgive {
			if err := s.d.Throttle.ResetIn(ctx, w, cur.ProjectID, l.rule, l.key); err != nil {
				return fmt.Errorf("clear throttle %s: %w", l.rule.Name, err)
			}
		}
		for uid, h := range t.rehash {
			if err := w.SetPasswordHash(ctx, cur.ProjectID, id.User(uid), h, s.now()); err != nil {
				return fmt.Errorf("upgrade password hash: %w", err)
			}
		}
		if t.mail != nil {
			if _, err := s.d.Outbox.Enqueue(ctx, w, cur.ProjectID, t.mail.to, t.mail.template, t.mail.data); err != nil {
				return fmt.Errorf("queue sign-in email: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if t.mail != nil && s.d.Mailer != nil {
		s.d.Mailer.Poke()
	}
	// The email's accounts did not change in this submit (identify judged
	// again when it set the email), so Next runs over the same inputs; the
	// offers are read now if this submit proved the email.
	after := &situation{p: t.sit.p, cands: t.sit.cands, offers: t.sit.offers, offered: t.sit.offered}
	if err := s.decide(ctx, s.d.Store, cur, after); err != nil {
		return nil, err
	}
	*a = *cur
	v := s.view(cur, after)
	v.FieldErrors, v.Notice, v.ThrottledFor = t.v.FieldErrors, t.v.Notice, t.v.ThrottledFor
	return v, nil
}

// act records what the action proves or chooses. An action that does not
// belong to the current step changes nothing: the page shows the step again.
func (s *Service) act(ctx context.Context, t *turn, in login.Input) error {
	step := t.sit.res.Step
	st := &t.a.st
	switch {
	case in.Action == login.ActionRestart:
		t.a.st = state{Facts: login.Facts{Proofs: []login.Proof{}}}
		t.a.row.LinkHash = nil
	case step == login.StepIdentify && (in.Action == login.ActionEmail || in.Action == login.ActionUsePassword || in.Action == login.ActionPassword):
		return s.identify(ctx, t, in)
	case step == login.StepVerifyEmail && in.Action == login.ActionCode:
		return s.checkCode(ctx, t, in.Code)
	case step == login.StepVerifyEmail && in.Action == login.ActionResend:
		return s.sendCode(ctx, t)
	case step == login.StepVerifyEmail && in.Action == login.ActionUsePassword && t.sit.res.PasswordMethod:
		st.Choices.UsePassword, st.Choices.Reset = true, false
	case step == login.StepPassword && in.Action == login.ActionUseCode && t.sit.res.EmailMethod:
		st.Choices.UsePassword = false
		// A proven email needs no code: the password step is the
		// organization's requirement, not a choice.
		if st.Facts.EmailVerified {
			return nil
		}
		if st.Code == nil || !st.Code.usable(s.now()) || st.Code.Reset {
			return s.sendCode(ctx, t)
		}
	case step == login.StepPassword && in.Action == login.ActionPassword:
		return s.checkPassword(ctx, t, in.Password)
	case step == login.StepPassword && in.Action == login.ActionForgot:
		return s.forgot(ctx, t)
	case step == login.StepChooseOrg && in.Action == login.ActionChooseOrg:
		if !slices.ContainsFunc(t.sit.res.Orgs, func(c login.Candidate) bool { return c.Org.ID == in.OrgID }) &&
			!slices.ContainsFunc(t.sit.res.Offers, func(o login.Offer) bool { return o.Org.ID == in.OrgID }) {
			t.v.FieldErrors["org_id"] = "Choose one of the organizations listed."
			return nil
		}
		st.Choices.OrgID, st.Choices.CreatingOrg, st.Choices.NewOrgName = in.OrgID, false, ""
	case step == login.StepChooseOrg && in.Action == login.ActionNewOrg && t.sit.res.CanCreateOrg:
		st.Choices.CreatingOrg = true
	case (step == login.StepCreateOrg || step == login.StepChooseOrg) && in.Action == login.ActionCreateOrg && t.sit.res.CanCreateOrg:
		if err := project.ValidateName("org_name", in.OrgName); err != nil {
			t.v.FieldErrors["org_name"] = "The organization name " + fieldMessage(err)
			st.Choices.CreatingOrg = true
			return nil
		}
		st.Choices.OrgID, st.Choices.CreatingOrg, st.Choices.NewOrgName = "", true, strings.TrimSpace(in.OrgName)
	case step == login.StepSetPassword && in.Action == login.ActionSetPassword:
		return s.setPassword(ctx, t, in.NewPassword)
	}
	return nil
}

// identify records the email and starts proving it: a code goes out at once
// when the project offers codes, unless the person asked for the password.
func (s *Service) identify(ctx context.Context, t *turn, in login.Input) error {
	e, err := user.NormalizeEmail(in.Email)
	if err != nil {
		t.v.FieldErrors["email"] = "Enter an email address like name@example.com."
		return nil
	}
	st := &t.a.st
	st.Facts.Email = e
	// Judge again with the email's accounts: the password check needs them.
	// The project was read moments ago in this request.
	if t.sit, err = s.judgeIn(ctx, s.d.Store, t.a, t.sit.p); err != nil {
		return err
	}
	res := t.sit.res
	switch {
	case in.Action == login.ActionPassword && res.PasswordMethod:
		st.Choices.UsePassword = true
		return s.checkPassword(ctx, t, in.Password)
	case in.Action == login.ActionUsePassword && res.PasswordMethod:
		st.Choices.UsePassword = true
	case res.EmailMethod:
		return s.sendCode(ctx, t)
	}
	return nil
}

func fieldMessage(err error) string {
	var fe *project.FieldError
	if errors.As(err, &fe) {
		return fe.Message + "."
	}
	return "is not valid."
}
