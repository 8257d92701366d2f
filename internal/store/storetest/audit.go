package storetest

import (
	"fmt"
	"slices"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/audit"
	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/store"
)

func (e *env) insertEvents(evs ...*audit.Event) {
	e.t.Helper()
	e.write(func(w store.Writer) error {
		for _, ev := range evs {
			if err := w.InsertAuditEvent(e.ctx, ev); err != nil {
				return err
			}
		}
		return nil
	})
}

// newestFirst returns evs in the order listings must use.
func newestFirst(evs []*audit.Event) []*audit.Event {
	out := slices.Clone(evs)
	slices.SortFunc(out, func(x, y *audit.Event) int {
		if c := y.OccurredAt.Compare(x.OccurredAt); c != 0 {
			return c
		}
		return -1 * compareStrings(string(x.ID), string(y.ID))
	})
	return out
}

func compareStrings(x, y string) int {
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}

func testAuditRoundTrip(e *env) {
	a, b := e.tenants()
	u := e.createUser(a.Org, "actor@example.com")
	key := e.newKey(a.P.ID, "ci")
	t1, t2 := e.clk.now(), e.clk.now()
	full := &audit.Event{
		ID: id.New[id.AuditEvent](t1), ProjectID: a.P.ID, OrganizationID: a.Org.ID,
		Actor: audit.Actor{Type: audit.ActorSecretKey, ID: string(key.ID)},
		Type:  "user.updated", ResourceType: "user", ResourceID: string(u.ID),
		Details: audit.Details(
			map[string]any{"display_name": "Old", "status": "active"},
			map[string]any{"display_name": "New — ✓", "status": "deactivated", "tags": []string{"a", "b"}, "n": 3},
		),
		OccurredAt: t1,
	}
	projectLevel := &audit.Event{
		ID: id.New[id.AuditEvent](t2), ProjectID: a.P.ID,
		Actor: audit.Actor{Type: audit.ActorUser, ID: string(u.ID)},
		Type:  "secret_key.created", ResourceType: "secret_key", ResourceID: string(key.ID),
		Details: audit.Details(nil, nil), OccurredAt: t2,
	}
	theirs := e.newEvent(b.P.ID, b.Org.ID, "organization.created", string(b.Org.ID), e.clk.now())
	e.insertEvents(full, projectLevel, theirs)

	got, err := e.st.ListAuditEvents(e.ctx, a.P.ID, audit.Filter{}, store.Page{Limit: 10})
	noErr(e.t, err, "ListAuditEvents")
	same(e.t, []*audit.Event{projectLevel, full}, got, "audit events, newest first")

	// The other project sees only its own events, whatever it filters on.
	for _, f := range []audit.Filter{{}, {OrganizationID: a.Org.ID}, {ActorID: string(key.ID)}, {Type: "user.updated"}} {
		got, err := e.st.ListAuditEvents(e.ctx, b.P.ID, f, store.Page{Limit: 10})
		if err != nil {
			wantErr(e.t, err, store.ErrNotFound, fmt.Sprintf("ListAuditEvents from another project with %+v", f))
			continue
		}
		for _, ev := range got {
			if ev.ProjectID != b.P.ID {
				e.t.Fatalf("project B's audit listing with %+v returned event %s of %s", f, ev.ID, ev.ProjectID)
			}
		}
		if f == (audit.Filter{}) {
			same(e.t, []*audit.Event{theirs}, got, "project B's audit events")
		}
	}
}

func testAuditFilters(e *env) {
	a, b := e.tenants()
	base := e.clk.now().Truncate(time.Second).Add(time.Hour)
	actors := []string{"sk_one", "user_two", "cli"}
	types := []string{"organization.updated", "user.created"}
	orgs := []id.Org{a.Org.ID, a.Org2.ID, ""}
	var evs []*audit.Event
	for i := range 12 {
		ev := e.newEvent(a.P.ID, orgs[i%3], types[i%2], fmt.Sprintf("res%d", i), base.Add(time.Duration(i)*time.Second))
		ev.Actor = audit.Actor{Type: audit.ActorSystem, ID: actors[(i/2)%3]}
		evs = append(evs, ev)
	}
	// The other project's events share times, actors and types.
	var theirs []*audit.Event
	for i := range 4 {
		ev := e.newEvent(b.P.ID, b.Org.ID, types[i%2], "theirs", base.Add(time.Duration(i)*time.Second))
		ev.Actor = audit.Actor{Type: audit.ActorSystem, ID: actors[i%3]}
		theirs = append(theirs, ev)
	}
	e.insertEvents(append(slices.Clone(evs), theirs...)...)

	for _, c := range []struct {
		name string
		f    audit.Filter
		keep func(i int, ev *audit.Event) bool
	}{
		{"none", audit.Filter{}, func(int, *audit.Event) bool { return true }},
		{"organization", audit.Filter{OrganizationID: a.Org2.ID}, func(_ int, ev *audit.Event) bool { return ev.OrganizationID == a.Org2.ID }},
		{"actor", audit.Filter{ActorID: "user_two"}, func(_ int, ev *audit.Event) bool { return ev.Actor.ID == "user_two" }},
		{"type", audit.Filter{Type: "user.created"}, func(_ int, ev *audit.Event) bool { return ev.Type == "user.created" }},
		{"since inclusive", audit.Filter{Since: base.Add(7 * time.Second)}, func(i int, _ *audit.Event) bool { return i >= 7 }},
		{"until exclusive", audit.Filter{Until: base.Add(3 * time.Second)}, func(i int, _ *audit.Event) bool { return i < 3 }},
		{"time range", audit.Filter{Since: base.Add(2 * time.Second), Until: base.Add(9 * time.Second)}, func(i int, _ *audit.Event) bool { return i >= 2 && i < 9 }},
		{"range in another zone", audit.Filter{
			Since: base.Add(2 * time.Second).In(time.FixedZone("x", -9*3600)),
			Until: base.Add(4*time.Second + time.Microsecond).In(time.FixedZone("y", 3*3600)),
		}, func(i int, _ *audit.Event) bool { return i >= 2 && i <= 4 }},
		{"everything at once", audit.Filter{OrganizationID: a.Org.ID, ActorID: "cli", Type: "organization.updated", Since: base, Until: base.Add(time.Minute)},
			func(_ int, ev *audit.Event) bool {
				return ev.OrganizationID == a.Org.ID && ev.Actor.ID == "cli" && ev.Type == "organization.updated"
			}},
		{"nothing matches", audit.Filter{Type: "no.such"}, func(int, *audit.Event) bool { return false }},
		{"other project's organization", audit.Filter{OrganizationID: b.Org.ID}, func(int, *audit.Event) bool { return false }},
	} {
		var want []*audit.Event
		for i, ev := range evs {
			if c.keep(i, ev) {
				want = append(want, ev)
			}
		}
		got := pages(e.t, 2, true, func(pg store.Page) ([]*audit.Event, error) {
			return e.st.ListAuditEvents(e.ctx, a.P.ID, c.f, pg)
		}, eventID)
		same(e.t, newestFirst(want), got, "audit events filtered by "+c.name)
	}
}

func testAuditPagination(e *env) {
	a, b := e.tenants()
	var evs []*audit.Event
	for i := range 9 {
		evs = append(evs, e.newEvent(a.P.ID, a.Org.ID, "organization.updated", fmt.Sprint(i), e.clk.now()))
		if i%3 == 0 {
			evs2 := e.newEvent(b.P.ID, b.Org.ID, "organization.updated", fmt.Sprint(i), e.clk.now())
			e.insertEvents(evs2)
		}
	}
	e.insertEvents(evs...)
	want := newestFirst(evs)
	for _, limit := range []int{1, 2, 4, 9, 30} {
		got := pages(e.t, limit, true, func(pg store.Page) ([]*audit.Event, error) {
			return e.st.ListAuditEvents(e.ctx, a.P.ID, audit.Filter{}, pg)
		}, eventID)
		same(e.t, want, got, fmt.Sprintf("all pages of audit events, limit %d", limit))
	}
	got, err := e.st.ListAuditEvents(e.ctx, a.P.ID, audit.Filter{}, store.Page{After: string(want[3].ID), Limit: 3})
	noErr(e.t, err, "ListAuditEvents after a middle ID")
	same(e.t, want[4:7], got, "page of older events after a middle ID")
}

// testAuditTimesInOtherZones: events recorded with times in other zones
// compare as instants in filters and come back in UTC.
func testAuditTimesInOtherZones(e *env) {
	a, _ := e.tenants()
	base := e.clk.now().Truncate(time.Second).Add(2 * time.Hour)
	zones := []*time.Location{time.FixedZone("plus14", 14*3600), time.FixedZone("minus11", -11*3600), time.UTC}
	var evs []*audit.Event
	for i := range 6 {
		at := base.Add(time.Duration(i) * time.Minute).In(zones[i%len(zones)])
		evs = append(evs, e.newEvent(a.P.ID, a.Org.ID, "user.updated", fmt.Sprint(i), at))
	}
	e.insertEvents(evs...)
	want := make([]*audit.Event, len(evs))
	for i, ev := range evs {
		c := *ev
		c.OccurredAt = ev.OccurredAt.UTC()
		want[i] = &c
	}
	got, err := e.st.ListAuditEvents(e.ctx, a.P.ID, audit.Filter{Since: base.Add(time.Minute), Until: base.Add(4 * time.Minute)}, store.Page{Limit: 10})
	noErr(e.t, err, "ListAuditEvents")
	same(e.t, newestFirst(want[1:4]), got, "events with zoned times in a UTC range")
}
