package sqlstore_test

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/audit"
	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/project"
	"github.com/gatehouse-auth/gatehouse/internal/rbac"
	"github.com/gatehouse-auth/gatehouse/internal/secretkey"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/testdb"
)

// A quick check of the mapping layer on both engines: values come back equal
// to what was written (times included), lists are non-nil, and the other
// project sees nothing. The full contract is covered by storetest.
func TestRoundTrip(t *testing.T) {
	t.Parallel()
	for _, e := range testdb.Engines() {
		t.Run(e.Name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			db := e.Open(t)
			p := seedProject(t, db)
			other := seedProject(t, db)
			gotP, err := db.GetProject(ctx, p.ID)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(gotP, p) {
				t.Fatalf("project:\n got %+v\nwant %+v", gotP, p)
			}
			if len(gotP.RedirectURIs) != 0 || gotP.RedirectURIs == nil {
				t.Fatalf("redirect URIs = %#v, want empty non-nil", gotP.RedirectURIs)
			}

			o := seedOrg(t, db, p)
			o.Policy.AllowedLoginMethods = []project.LoginMethod{}
			d := 90 * time.Minute
			o.Policy.SessionIdleTimeout = &d
			o.UpdatedAt = time.Now().Add(time.Second)
			if err := db.Write(ctx, func(w store.Writer) error { return w.UpdateOrganization(ctx, o) }); err != nil {
				t.Fatal(err)
			}
			u := newUser(t, o, "Ada@Example.com")
			now := time.Now()
			u.LastLoginAt = &now
			if err := db.Write(ctx, func(w store.Writer) error { return w.CreateUser(ctx, u) }); err != nil {
				t.Fatal(err)
			}
			dup := newUser(t, o, "ada@example.com")
			if err := db.Write(ctx, func(w store.Writer) error { return w.CreateUser(ctx, dup) }); !errors.Is(err, store.ErrConflict) {
				t.Fatalf("duplicate email: err = %v, want ErrConflict", err)
			}
			gotO, err := db.GetOrganization(ctx, p.ID, o.ID)
			if err != nil {
				t.Fatal(err)
			}
			o.MemberCount = 1
			if !reflect.DeepEqual(gotO, o) {
				t.Fatalf("organization:\n got %+v\nwant %+v", gotO, o)
			}
			gotU, err := db.GetUserByEmail(ctx, p.ID, o.ID, "ada@example.com")
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(gotU, u) {
				t.Fatalf("user:\n got %+v\nwant %+v", gotU, u)
			}
			if _, err := db.GetUser(ctx, other.ID, u.ID); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("user from other project: err = %v, want ErrNotFound", err)
			}
			if err := db.Write(ctx, func(w store.Writer) error { return w.DeleteUser(ctx, other.ID, u.ID) }); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("delete from other project: err = %v, want ErrNotFound", err)
			}

			k, secret := secretkey.Generate(p.ID, "ci", time.Now())
			if err := db.Write(ctx, func(w store.Writer) error { return w.CreateSecretKey(ctx, k) }); err != nil {
				t.Fatal(err)
			}
			gotK, err := db.GetSecretKeyByHash(ctx, secretkey.Hash(secret))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(gotK, k) {
				t.Fatalf("secret key:\n got %+v\nwant %+v", gotK, k)
			}

			perm := &rbac.Permission{ID: id.New[id.Permission](now), ProjectID: p.ID, Key: "invoices.read", CreatedAt: now}
			roles := rbac.BuiltinRoles(p.ID, now)
			roles[0].Permissions = []string{"invoices.read"}
			if err := db.Write(ctx, func(w store.Writer) error {
				if err := w.CreatePermission(ctx, perm); err != nil {
					return err
				}
				for _, r := range roles {
					if err := w.CreateRole(ctx, r); err != nil {
						return err
					}
				}
				return w.AssignRole(ctx, &rbac.Assignment{ProjectID: p.ID, OrganizationID: o.ID, UserID: u.ID, RoleID: roles[0].ID, CreatedAt: now})
			}); err != nil {
				t.Fatal(err)
			}
			listed, err := db.ListRoles(ctx, p.ID, "", store.Page{Limit: 10})
			if err != nil {
				t.Fatal(err)
			}
			if len(listed) != 3 {
				t.Fatalf("listed %d roles, want 3", len(listed))
			}
			for _, want := range roles {
				found := false
				for _, got := range listed {
					if got.ID == want.ID {
						found = true
						if !reflect.DeepEqual(got, want) {
							t.Errorf("role:\n got %+v\nwant %+v", got, want)
						}
					}
				}
				if !found {
					t.Errorf("role %s not listed", want.Key)
				}
			}
			mine, err := db.ListUserRoles(ctx, p.ID, u.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(mine) != 1 || !reflect.DeepEqual(mine[0].Permissions, []string{"invoices.read"}) {
				t.Fatalf("user roles = %+v", mine)
			}

			ev := &audit.Event{
				ID: id.New[id.AuditEvent](now), ProjectID: p.ID, OrganizationID: o.ID,
				Actor: audit.System("test"), Type: "user.created", ResourceType: "user",
				ResourceID: string(u.ID), Details: audit.Details(nil, map[string]string{"email": u.Email}),
				OccurredAt: now,
			}
			if err := db.Write(ctx, func(w store.Writer) error { return w.InsertAuditEvent(ctx, ev) }); err != nil {
				t.Fatal(err)
			}
			evs, err := db.ListAuditEvents(ctx, p.ID, audit.Filter{OrganizationID: o.ID, Since: now, Until: now.Add(time.Second)}, store.Page{})
			if err != nil {
				t.Fatal(err)
			}
			if len(evs) != 1 || !reflect.DeepEqual(evs[0], ev) {
				t.Fatalf("audit events:\n got %+v\nwant %+v", evs, ev)
			}
			evs, err = db.ListAuditEvents(ctx, p.ID, audit.Filter{Until: now}, store.Page{})
			if err != nil || len(evs) != 0 {
				t.Fatalf("audit events before the event: %v, %v", evs, err)
			}
		})
	}
}
