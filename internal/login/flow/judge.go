package flow

import (
	"context"
	"errors"
	"fmt"
	"github.com/gatehouse-auth/gatehouse/internal/login"

	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/org"
	"github.com/gatehouse-auth/gatehouse/internal/project"
	"github.com/gatehouse-auth/gatehouse/internal/rbac"
	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// situation is an attempt with everything Next judged it against.
type situation struct {
	p     *project.Project
	cands []login.Candidate
	// hashes are the candidates' password hashes by user, read with them so
	// the password check does not read them again.
	hashes map[id.User]string
	// offers are the organizations the proven email may join; read only
	// once the email is proven (offered says whether they were).
	offers  []login.Offer
	offered bool
	res     login.StepResult
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
	if err := s.decide(ctx, r, a, sit); err != nil {
		return nil, err
	}
	return sit, nil
}

// decide asks Next about a with the accounts in sit, reading the email's
// offers first when the email is proven and they were not read yet.
func (s *Service) decide(ctx context.Context, r store.Reader, a *Attempt, sit *situation) error {
	if a.st.Facts.EmailVerified && !sit.offered {
		var err error
		if sit.offers, err = s.offers(ctx, r, a, sit.cands); err != nil {
			return err
		}
		sit.offered = true
	}
	sit.res = login.Next(login.Inputs{Project: sit.p, Facts: a.st.Facts, Choices: a.st.Choices,
		OrgHint: a.Request.OrganizationHint, Invite: a.Request.Invite, Candidates: sit.cands, Offers: sit.offers})
	return nil
}

// offers are the email's pending invitations and the organizations its
// domain lets it join, with their organizations and role names. Only
// invitations to this very address count: Pending matches the normalised
// email exactly.
func (s *Service) offers(ctx context.Context, r store.Reader, a *Attempt, cands []login.Candidate) ([]login.Offer, error) {
	projectID, email := a.ProjectID, a.st.Facts.Email
	orgs := map[id.Org]*org.Organization{}
	for _, c := range cands {
		orgs[c.Org.ID] = c.Org
	}
	var out []login.Offer
	if s.d.Invites != nil {
		invs, err := s.d.Invites.Pending(ctx, r, projectID, email)
		if err != nil {
			return nil, fmt.Errorf("invitations of the email: %w", err)
		}
		for _, inv := range invs {
			if linkReplaced(a, inv) {
				continue
			}
			o := orgs[inv.OrgID]
			if o == nil {
				if o, err = r.GetOrganization(ctx, projectID, inv.OrgID); errors.Is(err, store.ErrNotFound) {
					continue
				} else if err != nil {
					return nil, fmt.Errorf("organization of an invitation: %w", err)
				}
				orgs[o.ID] = o
			}
			name, err := roleName(ctx, r, projectID, o.ID, inv.RoleKey)
			if err != nil {
				return nil, err
			}
			out = append(out, login.Offer{Kind: login.OfferInvite, Org: o, InviteID: inv.ID, RoleKey: inv.RoleKey, RoleName: name})
		}
	}
	if s.d.Domains != nil {
		joinable, err := s.d.Domains.JoinableOrgs(ctx, r, projectID, email)
		if err != nil {
			return nil, fmt.Errorf("organizations the email's domain may join: %w", err)
		}
		for _, o := range joinable {
			// The domain service answers for the organization's policy
			// as it read it; the flag is checked here again so a stale or
			// careless answer never lets anyone in.
			if !o.Policy.JoinByDomain {
				continue
			}
			key := joinRole(o)
			name, err := roleName(ctx, r, projectID, o.ID, key)
			if err != nil {
				return nil, err
			}
			out = append(out, login.Offer{Kind: login.OfferDomain, Org: o, RoleKey: key, RoleName: name})
		}
	}
	return out, nil
}

// joinRole is the role people who join o by its domain get.
func joinRole(o *org.Organization) string {
	if o.Policy.JoinRoleKey != "" {
		return o.Policy.JoinRoleKey
	}
	return rbac.RoleMember
}

// roleName names a role for people; its key when it no longer exists
// (creating the user will then refuse it).
func roleName(ctx context.Context, r store.Reader, projectID id.Project, orgID id.Org, key string) (string, error) {
	role, err := r.GetRoleByKey(ctx, projectID, orgID, key)
	if errors.Is(err, store.ErrNotFound) {
		return key, nil
	}
	if err != nil {
		return "", fmt.Errorf("role %s: %w", key, err)
	}
	if role.Name == "" {
		return key, nil
	}
	return role.Name, nil
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
