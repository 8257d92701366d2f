package storetest

import (
	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/secretkey"
	"github.com/gatehouse-auth/gatehouse/internal/store"
)

func (e *env) createKey(p id.Project, name string) (*secretkey.Key, string) {
	e.t.Helper()
	k, secret := secretkey.Generate(p, name, e.clk.now())
	e.write(func(w store.Writer) error { return w.CreateSecretKey(e.ctx, k) })
	return k, secret
}

func (e *env) getKey(p id.Project, k id.SecretKey) *secretkey.Key {
	e.t.Helper()
	got, err := e.st.GetSecretKey(e.ctx, p, k)
	noErr(e.t, err, "GetSecretKey")
	return got
}

func testSecretKeyRoundTrip(e *env) {
	a, _ := e.tenants()
	k, secret := e.createKey(a.P.ID, "backend")
	same(e.t, k, e.getKey(a.P.ID, k.ID), "created key")
	got, err := e.st.GetSecretKeyByHash(e.ctx, secretkey.Hash(secret))
	noErr(e.t, err, "GetSecretKeyByHash")
	same(e.t, k, got, "key by hash")

	// A secret one character off, or another key's shape, finds nothing.
	wrong := secret[:len(secret)-1] + "x"
	if wrong == secret {
		wrong = secret[:len(secret)-1] + "y"
	}
	_, err = e.st.GetSecretKeyByHash(e.ctx, secretkey.Hash(wrong))
	wantErr(e.t, err, store.ErrNotFound, "GetSecretKeyByHash of a wrong secret")
	_, err = e.st.GetSecretKeyByHash(e.ctx, nil)
	wantErr(e.t, err, store.ErrNotFound, "GetSecretKeyByHash of nothing")
	_, err = e.st.GetSecretKey(e.ctx, a.P.ID, id.New[id.SecretKey](e.clk.now()))
	wantErr(e.t, err, store.ErrNotFound, "GetSecretKey unknown")
}

func testSecretKeyOtherTenant(e *env) {
	a, b := e.tenants()
	k, secret := e.createKey(a.P.ID, "victim")
	theirs, theirSecret := e.createKey(b.P.ID, "theirs")
	before := e.getKey(a.P.ID, k.ID)

	_, err := e.st.GetSecretKey(e.ctx, b.P.ID, k.ID)
	wantErr(e.t, err, store.ErrNotFound, "GetSecretKey from another project")
	now := e.clk.now()
	err = e.writeErr(func(w store.Writer) error { return w.RevokeSecretKey(e.ctx, b.P.ID, k.ID, now) })
	wantErr(e.t, err, store.ErrNotFound, "RevokeSecretKey from another project")
	err = e.writeErr(func(w store.Writer) error { return w.TouchSecretKey(e.ctx, b.P.ID, k.ID, now) })
	wantErr(e.t, err, store.ErrNotFound, "TouchSecretKey from another project")
	list, err := e.st.ListSecretKeys(e.ctx, b.P.ID, store.Page{Limit: 100})
	noErr(e.t, err, "ListSecretKeys of the other project")
	same(e.t, []*secretkey.Key{theirs}, list, "the other project's keys")
	same(e.t, before, e.getKey(a.P.ID, k.ID), "key after other-tenant attempts")

	// The hash lookup decides the project: each secret finds its own key.
	got, err := e.st.GetSecretKeyByHash(e.ctx, secretkey.Hash(secret))
	noErr(e.t, err, "GetSecretKeyByHash A")
	same(e.t, before, got, "A's key by hash")
	got, err = e.st.GetSecretKeyByHash(e.ctx, secretkey.Hash(theirSecret))
	noErr(e.t, err, "GetSecretKeyByHash B")
	same(e.t, theirs, got, "B's key by hash")
}

func testSecretKeyRevokeTouch(e *env) {
	a, _ := e.tenants()
	k, secret := e.createKey(a.P.ID, "rotating")
	other, _ := e.createKey(a.P.ID, "untouched")

	used := e.clk.now()
	e.write(func(w store.Writer) error { return w.TouchSecretKey(e.ctx, a.P.ID, k.ID, used) })
	want := *k
	want.LastUsedAt = tm(used)
	same(e.t, &want, e.getKey(a.P.ID, k.ID), "touched key")
	used2 := e.clk.now()
	e.write(func(w store.Writer) error { return w.TouchSecretKey(e.ctx, a.P.ID, k.ID, used2) })
	want.LastUsedAt = tm(used2)
	same(e.t, &want, e.getKey(a.P.ID, k.ID), "touched again")

	revoked := e.clk.now()
	e.write(func(w store.Writer) error { return w.RevokeSecretKey(e.ctx, a.P.ID, k.ID, revoked) })
	want.RevokedAt = tm(revoked)
	same(e.t, &want, e.getKey(a.P.ID, k.ID), "revoked key")
	if e.getKey(a.P.ID, k.ID).Active() {
		e.t.Fatalf("revoked key is still active")
	}
	// The authentication lookup must not hand back a revoked key as active:
	// either it hides it or it shows the revocation.
	got, err := e.st.GetSecretKeyByHash(e.ctx, secretkey.Hash(secret))
	if err == nil {
		same(e.t, &want, got, "revoked key by hash")
	} else {
		wantErr(e.t, err, store.ErrNotFound, "GetSecretKeyByHash of a revoked key")
	}
	same(e.t, other, e.getKey(a.P.ID, other.ID), "sibling key after revoke")

	ghost := id.New[id.SecretKey](e.clk.now())
	err = e.writeErr(func(w store.Writer) error { return w.RevokeSecretKey(e.ctx, a.P.ID, ghost, revoked) })
	wantErr(e.t, err, store.ErrNotFound, "RevokeSecretKey unknown")
	err = e.writeErr(func(w store.Writer) error { return w.TouchSecretKey(e.ctx, a.P.ID, ghost, revoked) })
	wantErr(e.t, err, store.ErrNotFound, "TouchSecretKey unknown")
}

func testSecretKeyList(e *env) {
	a, b := e.tenants()
	var mine []*secretkey.Key
	for range 5 {
		k, _ := e.createKey(a.P.ID, "k")
		e.createKey(b.P.ID, "k")
		mine = append(mine, k)
	}
	for _, limit := range []int{1, 2, 5, 10} {
		got := pages(e.t, limit, false, func(pg store.Page) ([]*secretkey.Key, error) {
			return e.st.ListSecretKeys(e.ctx, a.P.ID, pg)
		}, keyID)
		same(e.t, mine, got, "all pages of keys")
	}
	got, err := e.st.ListSecretKeys(e.ctx, a.P.ID, store.Page{After: string(mine[1].ID), Limit: 2})
	noErr(e.t, err, "ListSecretKeys after a middle ID")
	same(e.t, mine[2:4], got, "page after a middle ID")
}

// testSecretKeyHashUnique: a hash identifies at most one key, across
// projects, so authentication can never pick between two.
func testSecretKeyHashUnique(e *env) {
	a, b := e.tenants()
	k, secret := e.createKey(a.P.ID, "original")
	for _, p := range []*tenant{a, b} {
		dup := e.newKey(p.P.ID, "copy")
		dup.Hash = secretkey.Hash(secret)
		err := e.writeErr(func(w store.Writer) error { return w.CreateSecretKey(e.ctx, dup) })
		wantErr(e.t, err, store.ErrConflict, "CreateSecretKey with a taken hash in "+string(p.P.ID))
	}
	got, err := e.st.GetSecretKeyByHash(e.ctx, secretkey.Hash(secret))
	noErr(e.t, err, "GetSecretKeyByHash")
	same(e.t, k, got, "key by hash after refused copies")
	list, err := e.st.ListSecretKeys(e.ctx, b.P.ID, store.Page{Limit: 10})
	noErr(e.t, err, "ListSecretKeys of the other project")
	same(e.t, []*secretkey.Key{}, list, "the other project's keys")
}
