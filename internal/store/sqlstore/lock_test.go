package sqlstore_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/rbac"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/testdb"
	"github.com/gatehouse-auth/gatehouse/internal/user"
)

// The last-owner rule as services implement it: lock the organization, count
// its owners, and step down only if another owner remains. Two owners
// stepping down at the same moment must leave exactly one; without a real
// lock both would count two and the organization would end up ownerless.
func TestLockOrganizationSerialisesMembershipChanges(t *testing.T) {
	t.Parallel()
	for _, e := range testdb.Engines() {
		t.Run(e.Name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			db := e.Open(t)
			p := seedProject(t, db)
			o := seedOrg(t, db, p)
			now := time.Now()
			owner := rbac.BuiltinRoles(p.ID, now)[0]
			users := []*user.User{newUser(t, o, "one@example.com"), newUser(t, o, "two@example.com")}
			if err := db.Write(ctx, func(w store.Writer) error {
				if err := w.CreateRole(ctx, owner); err != nil {
					return err
				}
				for _, u := range users {
					if err := w.CreateUser(ctx, u); err != nil {
						return err
					}
					if err := w.AssignRole(ctx, &rbac.Assignment{ProjectID: p.ID, OrganizationID: o.ID, UserID: u.ID, RoleID: owner.ID, CreatedAt: now}); err != nil {
						return err
					}
				}
				return nil
			}); err != nil {
				t.Fatal(err)
			}

			var wg sync.WaitGroup
			stepped := make(chan bool, len(users))
			for _, u := range users {
				wg.Go(func() {
					err := db.Write(ctx, func(w store.Writer) error {
						if err := w.LockOrganization(ctx, p.ID, o.ID); err != nil {
							return err
						}
						n, err := w.CountRoleMembers(ctx, p.ID, o.ID, owner.ID)
						if err != nil {
							return err
						}
						// Widen the window in which an unserialised peer
						// would read the same count.
						time.Sleep(100 * time.Millisecond)
						if n < 2 {
							stepped <- false
							return nil
						}
						stepped <- true
						return w.UnassignRole(ctx, p.ID, u.ID, owner.ID)
					})
					if err != nil {
						t.Errorf("step down: %v", err)
					}
				})
			}
			wg.Wait()
			close(stepped)
			downs := 0
			for s := range stepped {
				if s {
					downs++
				}
			}
			n, err := db.CountRoleMembers(ctx, p.ID, o.ID, owner.ID)
			if err != nil {
				t.Fatal(err)
			}
			if downs != 1 || n != 1 {
				t.Fatalf("%d owners stepped down and %d remain; want 1 and 1", downs, n)
			}
		})
	}
}

// Filters combine: each combination returns exactly the matching events,
// whichever index-led query serves it.
func TestAuditFiltersCombine(t *testing.T) {
	t.Parallel()
	for _, e := range testdb.Engines() {
		t.Run(e.Name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			db := e.Open(t)
			p := seedProject(t, db)
			orgs := []string{string(seedOrg(t, db, p).ID), string(seedOrg(t, db, p).ID)}
			base := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
			type key struct{ org, actor, typ string }
			var all []key
			if err := db.Write(ctx, func(w store.Writer) error {
				i := 0
				for _, org := range orgs {
					for _, actor := range []string{"user_a", "user_b"} {
						for _, typ := range []string{"user.created", "user.deleted"} {
							ev := newEvent(p.ID, org, actor, typ, base.Add(time.Duration(i)*time.Second))
							if err := w.InsertAuditEvent(ctx, ev); err != nil {
								return err
							}
							all = append(all, key{org, actor, typ})
							i++
						}
					}
				}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			for _, org := range append(orgs, "") {
				for _, actor := range []string{"user_a", "user_b", ""} {
					for _, typ := range []string{"user.created", "user.deleted", ""} {
						want := 0
						for _, k := range all {
							if (org == "" || k.org == org) && (actor == "" || k.actor == actor) && (typ == "" || k.typ == typ) {
								want++
							}
						}
						f := auditFilter(org, actor, typ)
						f.Since = base.Add(-time.Second)
						got, err := db.ListAuditEvents(ctx, p.ID, f, store.Page{Limit: 100})
						if err != nil {
							t.Fatal(err)
						}
						name := fmt.Sprintf("org=%q actor=%q type=%q", org, actor, typ)
						if len(got) != want {
							t.Errorf("%s: %d events, want %d", name, len(got), want)
						}
						for _, ev := range got {
							if (org != "" && string(ev.OrganizationID) != org) || (actor != "" && ev.Actor.ID != actor) || (typ != "" && ev.Type != typ) {
								t.Errorf("%s: unexpected event %+v", name, ev)
							}
						}
					}
				}
			}
		})
	}
}
