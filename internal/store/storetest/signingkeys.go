package storetest

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// signingKeyCases are the conformance cases of this capability.
func signingKeyCases() []testCase {
	return []testCase{
		{"SigningKey/RoundTrip", testSigningKeyRoundTrip},
		{"SigningKey/OtherTenant", testSigningKeyOtherTenant},
		{"SigningKey/Lifecycle", testSigningKeyLifecycle},
		{"SigningKey/OneCurrentOneNext", testSigningKeyOneCurrentOneNext},
		{"SigningKey/UnknownProject", testSigningKeyUnknownProject},
	}
}

// newSigningKey builds (without storing) a key; the store treats the JWK and
// the sealed private key as opaque, so stand-ins do.
func (e *env) newSigningKey(p id.Project, state store.SigningKeyState) *store.SigningKey {
	now := e.clk.now()
	k := &store.SigningKey{
		ID:         id.New[id.SigningKey](now),
		ProjectID:  p,
		Algorithm:  "ES256",
		State:      state,
		PrivateKey: []byte(rand.Text()),
		CreatedAt:  now,
	}
	k.PublicJWK = json.RawMessage(fmt.Sprintf(`{"kty":"EC","crv":"P-256","kid":%q,"x":%q,"y":%q}`, k.ID, rand.Text(), rand.Text()))
	if state == store.SigningKeyCurrent {
		k.ActivatedAt = tm(now)
	}
	return k
}

func (e *env) createSigningKey(p id.Project, state store.SigningKeyState) *store.SigningKey {
	e.t.Helper()
	k := e.newSigningKey(p, state)
	e.write(func(w store.Writer) error { return w.CreateSigningKey(e.ctx, k) })
	return k
}

func (e *env) getSigningKey(p id.Project, k id.SigningKey) *store.SigningKey {
	e.t.Helper()
	got, err := e.st.GetSigningKey(e.ctx, p, k)
	noErr(e.t, err, "GetSigningKey")
	return got
}

func (e *env) signingKeys(p id.Project) []*store.SigningKey {
	e.t.Helper()
	got, err := e.st.ListSigningKeys(e.ctx, p)
	noErr(e.t, err, "ListSigningKeys")
	return got
}

// sameKeys is same for signing keys. The shared comparer options cannot tell
// an erased private key from an empty JSON document, so an erased key is
// marked before comparing; nil and empty count as the same erasure.
func sameKeys[T *store.SigningKey | []*store.SigningKey](t testing.TB, want, got T, what string) {
	t.Helper()
	same(t, markErased(want), markErased(got), what)
}

func markErased(v any) any {
	mark := func(k *store.SigningKey) *store.SigningKey {
		if k == nil {
			return nil
		}
		c := *k
		if len(c.PrivateKey) == 0 {
			c.PrivateKey = []byte("<erased>")
		}
		return &c
	}
	switch v := v.(type) {
	case *store.SigningKey:
		return mark(v)
	case []*store.SigningKey:
		out := make([]*store.SigningKey, 0, len(v))
		for _, k := range v {
			out = append(out, mark(k))
		}
		return out
	}
	return v
}

func testSigningKeyRoundTrip(e *env) {
	a, _ := e.tenants()
	sameKeys(e.t, []*store.SigningKey{}, e.signingKeys(a.P.ID), "keys of a new project")
	cur := e.createSigningKey(a.P.ID, store.SigningKeyCurrent)
	next := e.createSigningKey(a.P.ID, store.SigningKeyNext)
	sameKeys(e.t, cur, e.getSigningKey(a.P.ID, cur.ID), "current key")
	sameKeys(e.t, next, e.getSigningKey(a.P.ID, next.ID), "next key")
	sameKeys(e.t, []*store.SigningKey{cur, next}, e.signingKeys(a.P.ID), "listed keys")

	// Inside a transaction the writer reads the same rows.
	e.write(func(w store.Writer) error {
		got, err := w.ListSigningKeys(e.ctx, a.P.ID)
		noErr(e.t, err, "ListSigningKeys in a transaction")
		sameKeys(e.t, []*store.SigningKey{cur, next}, got, "keys listed in a transaction")
		return nil
	})

	_, err := e.st.GetSigningKey(e.ctx, a.P.ID, id.New[id.SigningKey](e.clk.now()))
	wantErr(e.t, err, store.ErrNotFound, "GetSigningKey unknown")
	dup := e.newSigningKey(a.P.ID, store.SigningKeyRetired)
	dup.ID = cur.ID
	err = e.writeErr(func(w store.Writer) error { return w.CreateSigningKey(e.ctx, dup) })
	wantErr(e.t, err, store.ErrConflict, "CreateSigningKey with a taken ID")
	sameKeys(e.t, cur, e.getSigningKey(a.P.ID, cur.ID), "current key after a refused duplicate")
}

func testSigningKeyOtherTenant(e *env) {
	a, b := e.tenants()
	cur := e.createSigningKey(a.P.ID, store.SigningKeyCurrent)
	next := e.createSigningKey(a.P.ID, store.SigningKeyNext)
	theirs := e.createSigningKey(b.P.ID, store.SigningKeyCurrent)

	for _, k := range []*store.SigningKey{cur, next} {
		_, err := e.st.GetSigningKey(e.ctx, b.P.ID, k.ID)
		wantErr(e.t, err, store.ErrNotFound, "GetSigningKey from another project")
	}
	sameKeys(e.t, []*store.SigningKey{theirs}, e.signingKeys(b.P.ID), "the other project's keys")

	at := e.clk.now()
	err := e.writeErr(func(w store.Writer) error { return w.RetireSigningKey(e.ctx, b.P.ID, cur.ID, at) })
	wantErr(e.t, err, store.ErrNotFound, "RetireSigningKey from another project")
	// B has no current key once its own is retired, so only the project
	// scope can stop it from activating A's next key.
	e.write(func(w store.Writer) error { return w.RetireSigningKey(e.ctx, b.P.ID, theirs.ID, at) })
	err = e.writeErr(func(w store.Writer) error { return w.ActivateSigningKey(e.ctx, b.P.ID, next.ID, at) })
	wantErr(e.t, err, store.ErrNotFound, "ActivateSigningKey from another project")
	for _, k := range []*store.SigningKey{cur, next} {
		err = e.writeErr(func(w store.Writer) error { return w.DeleteSigningKey(e.ctx, b.P.ID, k.ID) })
		wantErr(e.t, err, store.ErrNotFound, "DeleteSigningKey from another project")
	}
	sameKeys(e.t, []*store.SigningKey{cur, next}, e.signingKeys(a.P.ID), "keys after other-tenant attempts")

	// A key row naming project A cannot be created by way of B's ID clash.
	clash := e.newSigningKey(b.P.ID, store.SigningKeyNext)
	clash.ID = next.ID
	err = e.writeErr(func(w store.Writer) error { return w.CreateSigningKey(e.ctx, clash) })
	wantErr(e.t, err, store.ErrConflict, "CreateSigningKey in B with A's key ID")
	sameKeys(e.t, next, e.getSigningKey(a.P.ID, next.ID), "A's next key after the clash")
}

func testSigningKeyLifecycle(e *env) {
	a, _ := e.tenants()
	old := e.createSigningKey(a.P.ID, store.SigningKeyCurrent)
	next := e.createSigningKey(a.P.ID, store.SigningKeyNext)

	at := e.clk.now()
	err := e.writeErr(func(w store.Writer) error { return w.ActivateSigningKey(e.ctx, a.P.ID, next.ID, at) })
	wantErr(e.t, err, store.ErrConflict, "ActivateSigningKey while another key is current")
	sameKeys(e.t, next, e.getSigningKey(a.P.ID, next.ID), "next key after a refused activation")

	// Rotation: the old key retires (its private half erased), the next one
	// becomes current, a new next arrives; all in one transaction.
	fresh := e.newSigningKey(a.P.ID, store.SigningKeyNext)
	e.write(func(w store.Writer) error {
		if err := w.RetireSigningKey(e.ctx, a.P.ID, old.ID, at); err != nil {
			return err
		}
		if err := w.ActivateSigningKey(e.ctx, a.P.ID, next.ID, at); err != nil {
			return err
		}
		return w.CreateSigningKey(e.ctx, fresh)
	})
	wantOld := *old
	wantOld.State, wantOld.RetiredAt, wantOld.PrivateKey = store.SigningKeyRetired, tm(at), nil
	wantNext := *next
	wantNext.State, wantNext.ActivatedAt = store.SigningKeyCurrent, tm(at)
	sameKeys(e.t, []*store.SigningKey{&wantOld, &wantNext, fresh}, e.signingKeys(a.P.ID), "keys after rotation")

	err = e.writeErr(func(w store.Writer) error { return w.ActivateSigningKey(e.ctx, a.P.ID, next.ID, e.clk.now()) })
	wantErr(e.t, err, store.ErrNotFound, "ActivateSigningKey of the current key")
	err = e.writeErr(func(w store.Writer) error { return w.ActivateSigningKey(e.ctx, a.P.ID, old.ID, e.clk.now()) })
	wantErr(e.t, err, store.ErrNotFound, "ActivateSigningKey of a retired key")
	err = e.writeErr(func(w store.Writer) error { return w.RetireSigningKey(e.ctx, a.P.ID, old.ID, e.clk.now()) })
	wantErr(e.t, err, store.ErrNotFound, "RetireSigningKey twice")
	sameKeys(e.t, &wantOld, e.getSigningKey(a.P.ID, old.ID), "retired key keeps its first retirement")

	// A next key can be retired too (e.g. discarded), and then deleted.
	e.write(func(w store.Writer) error { return w.RetireSigningKey(e.ctx, a.P.ID, fresh.ID, at) })
	e.write(func(w store.Writer) error { return w.DeleteSigningKey(e.ctx, a.P.ID, old.ID) })
	e.write(func(w store.Writer) error { return w.DeleteSigningKey(e.ctx, a.P.ID, fresh.ID) })
	sameKeys(e.t, []*store.SigningKey{&wantNext}, e.signingKeys(a.P.ID), "keys after deletions")
	err = e.writeErr(func(w store.Writer) error { return w.DeleteSigningKey(e.ctx, a.P.ID, old.ID) })
	wantErr(e.t, err, store.ErrNotFound, "DeleteSigningKey twice")
	_, err = e.st.GetSigningKey(e.ctx, a.P.ID, old.ID)
	wantErr(e.t, err, store.ErrNotFound, "GetSigningKey of a deleted key")
}

func testSigningKeyOneCurrentOneNext(e *env) {
	a, b := e.tenants()
	cur := e.createSigningKey(a.P.ID, store.SigningKeyCurrent)
	next := e.createSigningKey(a.P.ID, store.SigningKeyNext)
	for _, state := range []store.SigningKeyState{store.SigningKeyCurrent, store.SigningKeyNext} {
		second := e.newSigningKey(a.P.ID, state)
		err := e.writeErr(func(w store.Writer) error { return w.CreateSigningKey(e.ctx, second) })
		wantErr(e.t, err, store.ErrConflict, "a second "+string(state)+" key")
	}
	// Any number of retired keys, and the other project has its own pair.
	r1 := e.createSigningKey(a.P.ID, store.SigningKeyRetired)
	r2 := e.createSigningKey(a.P.ID, store.SigningKeyRetired)
	bc := e.createSigningKey(b.P.ID, store.SigningKeyCurrent)
	bn := e.createSigningKey(b.P.ID, store.SigningKeyNext)
	sameKeys(e.t, []*store.SigningKey{cur, next, r1, r2}, e.signingKeys(a.P.ID), "A's keys")
	sameKeys(e.t, []*store.SigningKey{bc, bn}, e.signingKeys(b.P.ID), "B's keys")
}

func testSigningKeyUnknownProject(e *env) {
	ghost := id.New[id.Project](e.clk.now())
	k := e.newSigningKey(ghost, store.SigningKeyCurrent)
	err := e.writeErr(func(w store.Writer) error { return w.CreateSigningKey(e.ctx, k) })
	wantErr(e.t, err, store.ErrNotFound, "CreateSigningKey in a project that does not exist")
	sameKeys(e.t, []*store.SigningKey{}, e.signingKeys(ghost), "keys of a project that does not exist")
}
