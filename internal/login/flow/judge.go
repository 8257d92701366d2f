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
	res   login.StepResult
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
	sit := &situation{p: p}
	if a.st.Facts.Email != "" {
		if sit.cands, err = candidates(ctx, r, a.ProjectID, a.st.Facts.Email); err != nil {
			return nil, err
		}
	}
	sit.res = login.Next(login.Inputs{Project: p, Facts: a.st.Facts, Choices: a.st.Choices,
		OrgHint: a.Request.OrganizationHint, Candidates: sit.cands})
	return sit, nil
}

// candidates are the email's accounts in the project with their
// organizations and whether each has a password.
func candidates(ctx context.Context, r store.Reader, projectID id.Project, email string) ([]login.Candidate, error) {
	us, err := r.ListUsers(ctx, projectID, store.UserFilter{Email: email}, store.Page{Limit: maxAccounts})
	if err != nil {
		return nil, fmt.Errorf("accounts of the email: %w", err)
	}
	orgs := map[id.Org]*org.Organization{}
	out := make([]login.Candidate, 0, len(us))
	for _, u := range us {
		o := orgs[u.OrganizationID]
		if o == nil {
			if o, err = r.GetOrganization(ctx, projectID, u.OrganizationID); err != nil {
				return nil, fmt.Errorf("organization of an account: %w", err)
			}
			orgs[o.ID] = o
		}
		_, err := r.GetPasswordHash(ctx, projectID, u.ID)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, fmt.Errorf("password of an account: %w", err)
		}
		out = append(out, login.Candidate{User: u, Org: o, HasPassword: err == nil})
	}
	return out, nil
}
