package flow

import (
	"context"
	"errors"
	"fmt"
	"github.com/gatehouse-auth/gatehouse/internal/login"

	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/org"
	"github.com/gatehouse-auth/gatehouse/internal/project"
	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// situation is an attempt with everything Next judged it against.
type situation struct {
	p     *project.Project
	cands []login.Candidate
	// hashes are the candidates' password hashes by user, read with them so
	// the password check does not read them again.
	hashes map[id.User]string
	res    login.StepResult
}

// maxAccounts bounds the accounts one email can have in a project that a
// login considers (one per organization).
const maxAccounts = 1000

// judge loads the project and the email's accounts and asks Next.
func (s *Service) judge(ctx context.Context, r store.Reader, a *Attempt) (*situation, error) {
	p, err := r.GetProject(ctx, a.ProjectID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrGone
	}
	if err != nil {
		return nil, fmt.Errorf("project of login attempt: %w", err)
	}
	return s.judgeIn(ctx, r, a, p)
}

// judgeIn is judge with the project already read in the same request.
func (s *Service) judgeIn(ctx context.Context, r store.Reader, a *Attempt, p *project.Project) (*situation, error) {
	sit := &situation{p: p}
	if a.st.Facts.Email != "" {
		var err error
		if sit.cands, sit.hashes, err = candidates(ctx, r, a.ProjectID, a.st.Facts.Email); err != nil {
			return nil, err
		}
	}
	sit.res = login.Next(login.Inputs{Project: p, Facts: a.st.Facts, Choices: a.st.Choices,
		OrgHint: a.Request.OrganizationHint, Candidates: sit.cands})
	return sit, nil
}

// candidates are the email's accounts in the project with their
// organizations and whether each has a password, and the hashes of those
// that have one.
func candidates(ctx context.Context, r store.Reader, projectID id.Project, email string) ([]login.Candidate, map[id.User]string, error) {
	us, err := r.ListUsers(ctx, projectID, store.UserFilter{Email: email}, store.Page{Limit: maxAccounts})
	if err != nil {
		return nil, nil, fmt.Errorf("accounts of the email: %w", err)
	}
	hashes := map[id.User]string{}
	orgs := map[id.Org]*org.Organization{}
	out := make([]login.Candidate, 0, len(us))
	for _, u := range us {
		o := orgs[u.OrganizationID]
		if o == nil {
			if o, err = r.GetOrganization(ctx, projectID, u.OrganizationID); err != nil {
				return nil, nil, fmt.Errorf("organization of an account: %w", err)
			}
			orgs[o.ID] = o
		}
		h, err := r.GetPasswordHash(ctx, projectID, u.ID)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, nil, fmt.Errorf("password of an account: %w", err)
		}
		if err == nil {
			hashes[u.ID] = h
		}
		out = append(out, login.Candidate{User: u, Org: o, HasPassword: err == nil})
	}
	return out, hashes, nil
}
