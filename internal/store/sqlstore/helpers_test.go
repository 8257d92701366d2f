package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/audit"
	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/org"
	"github.com/gatehouse-auth/gatehouse/internal/project"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/user"
)

func seedProject(t testing.TB, s store.Store) *project.Project {
	t.Helper()
	p, err := project.New("Acme", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Write(context.Background(), func(w store.Writer) error { return w.CreateProject(context.Background(), p) }); err != nil {
		t.Fatalf("CreateProject: %v", err)
	}
	return p
}

func seedOrg(t testing.TB, s store.Store, p *project.Project) *org.Organization {
	t.Helper()
	o, err := org.New(p.ID, "Southwest", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Write(context.Background(), func(w store.Writer) error { return w.CreateOrganization(context.Background(), o) }); err != nil {
		t.Fatalf("CreateOrganization: %v", err)
	}
	return o
}

func newUser(t testing.TB, o *org.Organization, email string) *user.User {
	t.Helper()
	u, err := user.New(o.ProjectID, o.ID, email, "Ada", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func newEvent(projectID id.Project, orgID, actor, typ string, at time.Time) *audit.Event {
	return &audit.Event{
		ID: id.New[id.AuditEvent](at), ProjectID: projectID, OrganizationID: id.Org(orgID),
		Actor: audit.Actor{Type: audit.ActorUser, ID: actor}, Type: typ,
		ResourceType: "user", ResourceID: "user_x", Details: audit.Details(nil, nil), OccurredAt: at,
	}
}

func auditFilter(orgID, actor, typ string) audit.Filter {
	return audit.Filter{OrganizationID: id.Org(orgID), ActorID: actor, Type: typ}
}
