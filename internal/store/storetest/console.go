package storetest

import (
	"crypto/rand"
	"crypto/sha256"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// consoleCases are the conformance cases of the console capability.
func consoleCases() []testCase {
	return []testCase{
		{"Console/SettingsWrittenOnce", testConsoleSettingsOnce},
		{"Console/SetupTokenLifecycle", testConsoleSetupToken},
		{"Console/SetupTokenOtherTenant", testConsoleSetupTokenOtherTenant},
	}
}

func newSetupHash() store.TokenHash {
	sum := sha256.Sum256([]byte(rand.Text()))
	return sum[:]
}

// The settings row is the one place every instance agrees on which project is
// the console: the first insert wins and every later one is a conflict that
// changes nothing. This is the only case that writes it, so it owns the row
// in the suite's shared database.
func testConsoleSettingsOnce(e *env) {
	a, b := e.tenants()
	err := e.writeErr(func(w store.Writer) error {
		return w.InsertConsoleSettings(e.ctx, &store.ConsoleSettings{ProjectID: id.New[id.Project](e.clk.now()), StaffOrgID: a.Org.ID, CreatedAt: e.clk.now()})
	})
	wantErr(e.t, err, store.ErrNotFound, "console settings naming a project that does not exist")

	want := &store.ConsoleSettings{ProjectID: a.P.ID, StaffOrgID: a.Org.ID, CreatedAt: e.clk.now()}
	e.write(func(w store.Writer) error { return w.InsertConsoleSettings(e.ctx, want) })
	got, err := e.st.GetConsoleSettings(e.ctx)
	noErr(e.t, err, "GetConsoleSettings")
	same(e.t, want, got, "console settings")

	err = e.writeErr(func(w store.Writer) error {
		return w.InsertConsoleSettings(e.ctx, &store.ConsoleSettings{ProjectID: b.P.ID, StaffOrgID: b.Org.ID, CreatedAt: e.clk.now()})
	})
	wantErr(e.t, err, store.ErrConflict, "second console project")
	got, err = e.st.GetConsoleSettings(e.ctx)
	noErr(e.t, err, "GetConsoleSettings after the refused insert")
	same(e.t, want, got, "console settings after the refused insert")
}

func testConsoleSetupToken(e *env) {
	a, _ := e.tenants()
	now := e.clk.now()
	tok := &store.ConsoleSetupToken{Hash: newSetupHash(), ProjectID: a.P.ID, CreatedAt: now, ExpiresAt: now.Add(24 * time.Hour)}
	e.write(func(w store.Writer) error { return w.CreateConsoleSetupToken(e.ctx, tok) })
	got, err := e.st.GetConsoleSetupToken(e.ctx, a.P.ID, tok.Hash)
	noErr(e.t, err, "GetConsoleSetupToken")
	same(e.t, tok, got, "setup token")

	err = e.writeErr(func(w store.Writer) error {
		return w.CreateConsoleSetupToken(e.ctx, &store.ConsoleSetupToken{Hash: tok.Hash, ProjectID: a.P.ID, CreatedAt: now, ExpiresAt: now.Add(time.Hour)})
	})
	wantErr(e.t, err, store.ErrConflict, "duplicate setup token hash")
	err = e.writeErr(func(w store.Writer) error {
		return w.CreateConsoleSetupToken(e.ctx, &store.ConsoleSetupToken{Hash: newSetupHash(), ProjectID: id.New[id.Project](now), CreatedAt: now, ExpiresAt: now.Add(time.Hour)})
	})
	wantErr(e.t, err, store.ErrNotFound, "setup token of a project that does not exist")

	// Expired: refused at its expiry instant and after, and stays unused.
	err = e.writeErr(func(w store.Writer) error { return w.UseConsoleSetupToken(e.ctx, a.P.ID, tok.Hash, tok.ExpiresAt) })
	wantErr(e.t, err, store.ErrNotFound, "use at expiry")
	_, err = e.st.GetConsoleSetupToken(e.ctx, a.P.ID, newSetupHash())
	wantErr(e.t, err, store.ErrNotFound, "unknown hash")

	used := now.Add(time.Minute)
	e.write(func(w store.Writer) error { return w.UseConsoleSetupToken(e.ctx, a.P.ID, tok.Hash, used) })
	err = e.writeErr(func(w store.Writer) error {
		return w.UseConsoleSetupToken(e.ctx, a.P.ID, tok.Hash, used.Add(time.Second))
	})
	wantErr(e.t, err, store.ErrNotFound, "second use")
	got, err = e.st.GetConsoleSetupToken(e.ctx, a.P.ID, tok.Hash)
	noErr(e.t, err, "GetConsoleSetupToken after use")
	tok.UsedAt = tm(used)
	same(e.t, tok, got, "used setup token")
}

// Another project can neither read nor spend a project's setup link.
func testConsoleSetupTokenOtherTenant(e *env) {
	a, b := e.tenants()
	now := e.clk.now()
	tok := &store.ConsoleSetupToken{Hash: newSetupHash(), ProjectID: a.P.ID, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
	e.write(func(w store.Writer) error { return w.CreateConsoleSetupToken(e.ctx, tok) })

	_, err := e.st.GetConsoleSetupToken(e.ctx, b.P.ID, tok.Hash)
	wantErr(e.t, err, store.ErrNotFound, "read from another project")
	err = e.writeErr(func(w store.Writer) error { return w.UseConsoleSetupToken(e.ctx, b.P.ID, tok.Hash, now) })
	wantErr(e.t, err, store.ErrNotFound, "use from another project")
	got, err := e.st.GetConsoleSetupToken(e.ctx, a.P.ID, tok.Hash)
	noErr(e.t, err, "GetConsoleSetupToken")
	if got.UsedAt != nil {
		e.t.Fatal("another project's attempt spent the link")
	}
}
