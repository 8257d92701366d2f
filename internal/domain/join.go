package domain

import (
	"context"
	"errors"
	"fmt"

	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/org"
	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// JoinableOrgs are the organizations an email may join by its domain: the
// organization that verified exactly the email's domain (a subdomain's
// address does not match its parent), when its policy enables joining by
// domain. The caller must have proven the email first. It reads through r so
// that the login flow can call it inside its own transaction.
func (s *Service) JoinableOrgs(ctx context.Context, r store.Reader, projectID id.Project, email string) ([]*org.Organization, error) {
	name := EmailDomain(email)
	if name == "" {
		return nil, nil
	}
	d, err := r.GetVerifiedDomainByName(ctx, projectID, name)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("joinable organizations of %s: %w", name, err)
	}
	o, err := r.GetOrganization(ctx, projectID, d.OrgID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("joinable organizations of %s: %w", name, err)
	}
	if !o.Policy.JoinByDomain {
		return nil, nil
	}
	return []*org.Organization{o}, nil
}
