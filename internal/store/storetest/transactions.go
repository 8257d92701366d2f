package storetest

import (
	"context"
	"errors"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/audit"
	"github.com/gatehouse-auth/gatehouse/internal/org"
	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// changeWithEvent creates an organization, a user in an existing one and the
// audit event for it: the shape of every service write.
func (e *env) changeWithEvent(w store.Writer, o *org.Organization, existing *org.Organization) (*audit.Event, error) {
	if err := w.CreateOrganization(e.ctx, o); err != nil {
		return nil, err
	}
	if err := w.CreateUser(e.ctx, e.newUser(existing, "in-tx@example.com")); err != nil {
		return nil, err
	}
	ev := e.newEvent(o.ProjectID, o.ID, "organization.created", string(o.ID), o.CreatedAt)
	return ev, w.InsertAuditEvent(e.ctx, ev)
}

// requireNoTrace fails if the organization, the user written beside it or any
// audit event of the organization exists.
func (e *env) requireNoTrace(o *org.Organization, existing *org.Organization) {
	e.t.Helper()
	_, err := e.st.GetOrganization(e.ctx, o.ProjectID, o.ID)
	wantErr(e.t, err, store.ErrNotFound, "organization of a rolled-back transaction")
	_, err = e.st.GetUserByEmail(e.ctx, existing.ProjectID, existing.ID, "in-tx@example.com")
	wantErr(e.t, err, store.ErrNotFound, "user of a rolled-back transaction")
	if n := e.getOrg(existing.ProjectID, existing.ID).MemberCount; n != 0 {
		e.t.Fatalf("member_count %d after a rolled-back transaction, want 0", n)
	}
	evs, err := e.st.ListAuditEvents(e.ctx, o.ProjectID, audit.Filter{OrganizationID: o.ID}, store.Page{Limit: 10})
	noErr(e.t, err, "ListAuditEvents")
	if len(evs) != 0 {
		e.t.Fatalf("a rolled-back transaction left %d audit events", len(evs))
	}
}

func testTxErrorRollsBack(e *env) {
	a, _ := e.tenants()
	o, err := org.New(a.P.ID, "Never", e.clk.now())
	noErr(e.t, err, "org.New")
	changedMind := errors.New("changed my mind")
	err = e.writeErr(func(w store.Writer) error {
		if _, err := e.changeWithEvent(w, o, a.Org); err != nil {
			return err
		}
		return changedMind
	})
	wantErr(e.t, err, changedMind, "Write returns fn's error")
	e.requireNoTrace(o, a.Org)

	// The same change committed leaves both the row and its event.
	var ev *audit.Event
	e.write(func(w store.Writer) error {
		var err error
		ev, err = e.changeWithEvent(w, o, a.Org)
		return err
	})
	e.getOrg(a.P.ID, o.ID)
	evs, err := e.st.ListAuditEvents(e.ctx, a.P.ID, audit.Filter{OrganizationID: o.ID}, store.Page{Limit: 10})
	noErr(e.t, err, "ListAuditEvents")
	same(e.t, []*audit.Event{ev}, evs, "audit event of a committed transaction")
}

// testTxPanicRollsBack: the contract does not say what Write does when fn
// panics; the least a caller needs is that nothing is committed, that the
// panic does not vanish (it propagates, or Write reports an error), and that
// the store keeps working (no connection or write lock is leaked).
func testTxPanicRollsBack(e *env) {
	a, _ := e.tenants()
	o, err := org.New(a.P.ID, "Panicked", e.clk.now())
	noErr(e.t, err, "org.New")
	var recovered any
	func() {
		defer func() { recovered = recover() }()
		err = e.st.Write(e.ctx, func(w store.Writer) error {
			if _, err := e.changeWithEvent(w, o, a.Org); err != nil {
				return err
			}
			panic("boom inside a transaction")
		})
	}()
	if recovered == nil && err == nil {
		e.t.Fatalf("Write swallowed a panic in fn and reported success")
	}
	e.requireNoTrace(o, a.Org)

	ctx, cancel := context.WithTimeout(e.ctx, 15*time.Second)
	defer cancel()
	o2, err := org.New(a.P.ID, "After the panic", e.clk.now())
	noErr(e.t, err, "org.New")
	err = e.st.Write(ctx, func(w store.Writer) error { return w.CreateOrganization(ctx, o2) })
	noErr(e.t, err, "Write after a panicking Write")
}

func testTxReadsOwnWrites(e *env) {
	a, b := e.tenants()
	o, err := org.New(a.P.ID, "Fresh", e.clk.now())
	noErr(e.t, err, "org.New")
	u := e.newUser(o, "first@example.com")
	e.write(func(w store.Writer) error {
		if err := w.CreateOrganization(e.ctx, o); err != nil {
			return err
		}
		if err := w.CreateUser(e.ctx, u); err != nil {
			return err
		}
		got, err := w.GetOrganization(e.ctx, a.P.ID, o.ID)
		if err != nil {
			return err
		}
		if got.MemberCount != 1 {
			e.t.Errorf("member_count inside the transaction: %d, want 1", got.MemberCount)
		}
		byEmail, err := w.GetUserByEmail(e.ctx, a.P.ID, o.ID, u.Email)
		if err != nil {
			return err
		}
		same(e.t, u, byEmail, "user read back in its transaction")
		list, err := w.ListUsers(e.ctx, a.P.ID, store.UserFilter{OrganizationID: o.ID}, store.Page{Limit: 10})
		if err != nil {
			return err
		}
		same(e.t, []string{userID(u)}, ids(list, userID), "users listed in their transaction")
		// Tenant scoping holds inside transactions too.
		if _, err := w.GetUser(e.ctx, b.P.ID, u.ID); !errors.Is(err, store.ErrNotFound) {
			e.t.Errorf("GetUser from another project inside a transaction: %v, want ErrNotFound", err)
		}
		return nil
	})
	same(e.t, u, e.getUser(a.P.ID, u.ID), "committed user")
}

// testTxUncommittedInvisible: a reader outside an open write transaction sees
// neither its rows nor waits for it.
func testTxUncommittedInvisible(e *env) {
	a, _ := e.tenants()
	o, err := org.New(a.P.ID, "Pending", e.clk.now())
	noErr(e.t, err, "org.New")
	written, release, done := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	go func() {
		done <- e.st.Write(e.ctx, func(w store.Writer) error {
			if err := w.CreateOrganization(e.ctx, o); err != nil {
				return err
			}
			close(written)
			<-release
			return nil
		})
	}()
	select {
	case <-written:
	case err := <-done:
		e.t.Fatalf("write transaction ended early: %v", err)
	case <-time.After(20 * time.Second):
		e.t.Fatalf("write transaction did not start")
	}
	read := make(chan error, 1)
	go func() {
		_, err := e.st.GetOrganization(e.ctx, a.P.ID, o.ID)
		read <- err
	}()
	select {
	case err := <-read:
		close(release)
		wantErr(e.t, err, store.ErrNotFound, "reading an uncommitted organization")
	case <-time.After(10 * time.Second):
		close(release)
		e.t.Fatalf("a read waited more than 10s for an open write transaction")
	}
	noErr(e.t, <-done, "committing the write")
	e.getOrg(a.P.ID, o.ID)
}

func testPing(e *env) {
	noErr(e.t, e.st.Ping(e.ctx), "Ping")
	if eng := e.st.Engine(); eng != "sqlite" && eng != "postgres" {
		e.t.Fatalf("Engine() = %q, want sqlite or postgres", eng)
	}
}
