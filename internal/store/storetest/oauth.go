package storetest

import (
	"sync"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/oidc/oauth"
	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// oauthCases are the conformance cases of this capability.
func oauthCases() []testCase {
	return []testCase{
		{"OAuthClient/RoundTrip", testOAuthClientRoundTrip},
		{"OAuthClient/OtherTenant", testOAuthClientOtherTenant},
		{"OAuthClient/ListPagination", testOAuthClientList},
		{"OAuthClient/DeleteCascadesCodes", testOAuthClientDeleteCascades},
		{"AuthorizationCode/RoundTrip", testAuthCodeRoundTrip},
		{"AuthorizationCode/OtherTenant", testAuthCodeOtherTenant},
		{"AuthorizationCode/SingleUseUnderConcurrency", testAuthCodeConcurrentUse},
		{"AuthorizationCode/DeleteExpired", testAuthCodeDeleteExpired},
	}
}

func (e *env) newOAuthClient(p id.Project, typ oauth.ClientType) (*oauth.Client, string) {
	now := e.clk.now()
	c := &oauth.Client{
		ID: id.New[id.Client](now), ProjectID: p, Name: "App " + string(typ), Type: typ,
		RedirectURIs:           []string{"https://app.example.com/callback", "http://localhost:3000/cb"},
		PostLogoutRedirectURIs: []string{"https://app.example.com/"},
		CreatedAt:              now, UpdatedAt: now,
	}
	secret := ""
	if typ == oauth.Confidential {
		secret = oauth.NewSecret()
		c.SecretHash = oauth.Hash(secret)
	}
	return c, secret
}

func (e *env) createOAuthClient(p id.Project, typ oauth.ClientType) (*oauth.Client, string) {
	e.t.Helper()
	c, secret := e.newOAuthClient(p, typ)
	e.write(func(w store.Writer) error { return w.CreateOAuthClient(e.ctx, c) })
	return c, secret
}

func (e *env) getOAuthClient(p id.Project, c id.Client) *oauth.Client {
	e.t.Helper()
	got, err := e.st.GetOAuthClient(e.ctx, p, c)
	noErr(e.t, err, "GetOAuthClient")
	return got
}

func (e *env) newCode(c *oauth.Client) (*oauth.Code, string) {
	now := e.clk.now()
	value := oauth.NewCode()
	return &oauth.Code{
		Hash: oauth.Hash(value), ProjectID: c.ProjectID, ClientID: c.ID, SessionID: id.New[id.Session](now),
		RedirectURI: c.RedirectURIs[0], CodeChallenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
		CodeChallengeMethod: "S256", Nonce: "n-0S6_WzA2Mj", Scope: []string{"openid", "email", "offline_access"},
		CreatedAt: now, ExpiresAt: now.Add(oauth.CodeLifetime),
	}, value
}

func (e *env) createCode(c *oauth.Client) (*oauth.Code, string) {
	e.t.Helper()
	code, value := e.newCode(c)
	e.write(func(w store.Writer) error { return w.CreateAuthorizationCode(e.ctx, code) })
	return code, value
}

func testOAuthClientRoundTrip(e *env) {
	a, _ := e.tenants()
	conf, secret := e.createOAuthClient(a.P.ID, oauth.Confidential)
	got := e.getOAuthClient(a.P.ID, conf.ID)
	same(e.t, conf, got, "confidential client")
	if !got.VerifySecret(secret) || got.VerifySecret(secret+"x") {
		e.t.Fatalf("stored secret hash does not verify exactly the secret")
	}
	pub, _ := e.createOAuthClient(a.P.ID, oauth.Public)
	got = e.getOAuthClient(a.P.ID, pub.ID)
	same(e.t, pub, got, "public client")
	if got.SecretHash != nil || got.VerifySecret("") {
		e.t.Fatalf("public client has a secret: %x", got.SecretHash)
	}

	// Update writes name, secret and URIs, never the type or the project.
	upd := *conf
	upd.Name = "Renamed"
	newSecret := oauth.NewSecret()
	upd.SecretHash = oauth.Hash(newSecret)
	upd.RedirectURIs = []string{"https://app.example.com/other"}
	upd.PostLogoutRedirectURIs = nil
	upd.UpdatedAt = e.clk.now()
	upd.Type = oauth.Public
	e.write(func(w store.Writer) error { return w.UpdateOAuthClient(e.ctx, &upd) })
	want := upd
	want.Type = oauth.Confidential
	want.PostLogoutRedirectURIs = []string{}
	same(e.t, &want, e.getOAuthClient(a.P.ID, conf.ID), "updated client")

	ghost := id.New[id.Client](e.clk.now())
	_, err := e.st.GetOAuthClient(e.ctx, a.P.ID, ghost)
	wantErr(e.t, err, store.ErrNotFound, "GetOAuthClient unknown")
	dup := *pub
	err = e.writeErr(func(w store.Writer) error { return w.CreateOAuthClient(e.ctx, &dup) })
	wantErr(e.t, err, store.ErrConflict, "CreateOAuthClient duplicate ID")
	orphan, _ := e.newOAuthClient(id.New[id.Project](e.clk.now()), oauth.Public)
	err = e.writeErr(func(w store.Writer) error { return w.CreateOAuthClient(e.ctx, orphan) })
	wantErr(e.t, err, store.ErrNotFound, "CreateOAuthClient in a missing project")

	e.write(func(w store.Writer) error { return w.DeleteOAuthClient(e.ctx, a.P.ID, pub.ID) })
	_, err = e.st.GetOAuthClient(e.ctx, a.P.ID, pub.ID)
	wantErr(e.t, err, store.ErrNotFound, "GetOAuthClient after delete")
	err = e.writeErr(func(w store.Writer) error { return w.DeleteOAuthClient(e.ctx, a.P.ID, pub.ID) })
	wantErr(e.t, err, store.ErrNotFound, "DeleteOAuthClient twice")
}

func testOAuthClientOtherTenant(e *env) {
	a, b := e.tenants()
	c, _ := e.createOAuthClient(a.P.ID, oauth.Confidential)
	theirs, _ := e.createOAuthClient(b.P.ID, oauth.Public)
	before := e.getOAuthClient(a.P.ID, c.ID)

	_, err := e.st.GetOAuthClient(e.ctx, b.P.ID, c.ID)
	wantErr(e.t, err, store.ErrNotFound, "GetOAuthClient from another project")
	hijack := *before
	hijack.ProjectID = b.P.ID
	hijack.Name = "hijacked"
	hijack.RedirectURIs = []string{"https://evil.example/cb"}
	err = e.writeErr(func(w store.Writer) error { return w.UpdateOAuthClient(e.ctx, &hijack) })
	wantErr(e.t, err, store.ErrNotFound, "UpdateOAuthClient from another project")
	err = e.writeErr(func(w store.Writer) error { return w.DeleteOAuthClient(e.ctx, b.P.ID, c.ID) })
	wantErr(e.t, err, store.ErrNotFound, "DeleteOAuthClient from another project")
	list, err := e.st.ListOAuthClients(e.ctx, b.P.ID, store.Page{Limit: 100})
	noErr(e.t, err, "ListOAuthClients of the other project")
	same(e.t, []*oauth.Client{theirs}, list, "the other project's clients")
	same(e.t, before, e.getOAuthClient(a.P.ID, c.ID), "client after other-tenant attempts")
}

func testOAuthClientList(e *env) {
	a, b := e.tenants()
	var mine []*oauth.Client
	for i := range 5 {
		typ := oauth.Public
		if i%2 == 0 {
			typ = oauth.Confidential
		}
		c, _ := e.createOAuthClient(a.P.ID, typ)
		e.createOAuthClient(b.P.ID, typ)
		mine = append(mine, c)
	}
	for _, limit := range []int{1, 2, 5, 10} {
		got := pages(e.t, limit, false, func(pg store.Page) ([]*oauth.Client, error) {
			return e.st.ListOAuthClients(e.ctx, a.P.ID, pg)
		}, func(c *oauth.Client) string { return string(c.ID) })
		same(e.t, mine, got, "all pages of clients")
	}
	got, err := e.st.ListOAuthClients(e.ctx, a.P.ID, store.Page{After: string(mine[1].ID), Limit: 2})
	noErr(e.t, err, "ListOAuthClients after a middle ID")
	same(e.t, mine[2:4], got, "page after a middle ID")
}

func testOAuthClientDeleteCascades(e *env) {
	a, _ := e.tenants()
	c, _ := e.createOAuthClient(a.P.ID, oauth.Confidential)
	sibling, _ := e.createOAuthClient(a.P.ID, oauth.Confidential)
	code, _ := e.createCode(c)
	kept, _ := e.createCode(sibling)
	e.write(func(w store.Writer) error { return w.DeleteOAuthClient(e.ctx, a.P.ID, c.ID) })
	_, err := e.st.GetAuthorizationCode(e.ctx, a.P.ID, code.Hash)
	wantErr(e.t, err, store.ErrNotFound, "code of a deleted client")
	got, err := e.st.GetAuthorizationCode(e.ctx, a.P.ID, kept.Hash)
	noErr(e.t, err, "code of the sibling client")
	same(e.t, kept, got, "sibling's code")
}

func testAuthCodeRoundTrip(e *env) {
	a, _ := e.tenants()
	c, _ := e.createOAuthClient(a.P.ID, oauth.Public)
	code, value := e.createCode(c)
	got, err := e.st.GetAuthorizationCode(e.ctx, a.P.ID, oauth.Hash(value))
	noErr(e.t, err, "GetAuthorizationCode")
	same(e.t, code, got, "created code")

	at := e.clk.now()
	var used *oauth.Code
	var first bool
	e.write(func(w store.Writer) error {
		var err error
		used, first, err = w.UseAuthorizationCode(e.ctx, a.P.ID, code.Hash, at)
		return err
	})
	want := *code
	want.UsedAt = tm(at)
	if !first {
		e.t.Fatalf("first use reported as a reuse")
	}
	same(e.t, &want, used, "used code")

	// The second use reports the first use time, and changes nothing.
	e.write(func(w store.Writer) error {
		var err error
		used, first, err = w.UseAuthorizationCode(e.ctx, a.P.ID, code.Hash, e.clk.now())
		return err
	})
	if first {
		e.t.Fatalf("second use reported as first")
	}
	same(e.t, &want, used, "reused code")

	granted := id.New[id.Session](e.clk.now())
	e.write(func(w store.Writer) error { return w.SetAuthorizationCodeGrant(e.ctx, a.P.ID, code.Hash, granted) })
	want.GrantedSessionID = granted
	got, err = e.st.GetAuthorizationCode(e.ctx, a.P.ID, code.Hash)
	noErr(e.t, err, "GetAuthorizationCode after grant")
	same(e.t, &want, got, "granted code")
	err = e.writeErr(func(w store.Writer) error {
		return w.SetAuthorizationCodeGrant(e.ctx, a.P.ID, oauth.Hash(oauth.NewCode()), granted)
	})
	wantErr(e.t, err, store.ErrNotFound, "SetAuthorizationCodeGrant unknown")

	err = e.writeErr(func(w store.Writer) error {
		_, _, err := w.UseAuthorizationCode(e.ctx, a.P.ID, oauth.Hash(oauth.NewCode()), e.clk.now())
		return err
	})
	wantErr(e.t, err, store.ErrNotFound, "UseAuthorizationCode unknown")
	dup, _ := e.newCode(c)
	dup.Hash = code.Hash
	err = e.writeErr(func(w store.Writer) error { return w.CreateAuthorizationCode(e.ctx, dup) })
	wantErr(e.t, err, store.ErrConflict, "CreateAuthorizationCode with a taken hash")
	noClient, _ := e.newCode(c)
	noClient.ClientID = id.New[id.Client](e.clk.now())
	err = e.writeErr(func(w store.Writer) error { return w.CreateAuthorizationCode(e.ctx, noClient) })
	wantErr(e.t, err, store.ErrNotFound, "CreateAuthorizationCode for an unknown client")
}

func testAuthCodeOtherTenant(e *env) {
	a, b := e.tenants()
	c, _ := e.createOAuthClient(a.P.ID, oauth.Confidential)
	code, _ := e.createCode(c)
	theirClient, _ := e.createOAuthClient(b.P.ID, oauth.Confidential)

	_, err := e.st.GetAuthorizationCode(e.ctx, b.P.ID, code.Hash)
	wantErr(e.t, err, store.ErrNotFound, "GetAuthorizationCode from another project")
	err = e.writeErr(func(w store.Writer) error {
		_, _, err := w.UseAuthorizationCode(e.ctx, b.P.ID, code.Hash, e.clk.now())
		return err
	})
	wantErr(e.t, err, store.ErrNotFound, "UseAuthorizationCode from another project")
	err = e.writeErr(func(w store.Writer) error {
		_, err := w.DeleteAuthorizationCodesExpiredBefore(e.ctx, b.P.ID, e.clk.now().Add(time.Hour))
		return err
	})
	noErr(e.t, err, "DeleteAuthorizationCodesExpiredBefore of the other project")
	err = e.writeErr(func(w store.Writer) error {
		return w.SetAuthorizationCodeGrant(e.ctx, b.P.ID, code.Hash, id.New[id.Session](e.clk.now()))
	})
	wantErr(e.t, err, store.ErrNotFound, "SetAuthorizationCodeGrant from another project")

	// A code of project B naming A's client is refused: the client is not B's.
	foreign, _ := e.newCode(c)
	foreign.ProjectID = b.P.ID
	err = e.writeErr(func(w store.Writer) error { return w.CreateAuthorizationCode(e.ctx, foreign) })
	wantErr(e.t, err, store.ErrNotFound, "CreateAuthorizationCode with another project's client")
	_, err = e.st.GetAuthorizationCode(e.ctx, b.P.ID, foreign.Hash)
	wantErr(e.t, err, store.ErrNotFound, "refused foreign code")
	e.createCode(theirClient)

	got, err := e.st.GetAuthorizationCode(e.ctx, a.P.ID, code.Hash)
	noErr(e.t, err, "GetAuthorizationCode after other-tenant attempts")
	same(e.t, code, got, "A's code untouched")
}

func testAuthCodeConcurrentUse(e *env) {
	a, _ := e.tenants()
	c, _ := e.createOAuthClient(a.P.ID, oauth.Public)
	code, _ := e.createCode(c)
	const n = 8
	at := e.clk.now()
	var wg sync.WaitGroup
	firsts := make([]bool, n)
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			errs[i] = e.st.Write(e.ctx, func(w store.Writer) error {
				_, f, err := w.UseAuthorizationCode(e.ctx, a.P.ID, code.Hash, at)
				firsts[i] = f
				return err
			})
		})
	}
	wg.Wait()
	wins := 0
	for i := range n {
		noErr(e.t, errs[i], "concurrent UseAuthorizationCode")
		if firsts[i] {
			wins++
		}
	}
	if wins != 1 {
		e.t.Fatalf("%d concurrent exchanges of one code saw a first use, want exactly 1", wins)
	}
}

func testAuthCodeDeleteExpired(e *env) {
	a, b := e.tenants()
	c, _ := e.createOAuthClient(a.P.ID, oauth.Public)
	old, _ := e.createCode(c)
	theirClient, _ := e.createOAuthClient(b.P.ID, oauth.Public)
	theirs, _ := e.createCode(theirClient)
	// Both expire before the cut; only A's may go.
	cut := theirs.ExpiresAt.Add(time.Millisecond)
	fresh, _ := e.newCode(c)
	fresh.ExpiresAt = cut.Add(time.Minute)
	e.write(func(w store.Writer) error { return w.CreateAuthorizationCode(e.ctx, fresh) })

	var n int64
	e.write(func(w store.Writer) error {
		var err error
		n, err = w.DeleteAuthorizationCodesExpiredBefore(e.ctx, a.P.ID, cut)
		return err
	})
	if n != 1 {
		e.t.Fatalf("deleted %d codes, want 1", n)
	}
	_, err := e.st.GetAuthorizationCode(e.ctx, a.P.ID, old.Hash)
	wantErr(e.t, err, store.ErrNotFound, "expired code after purge")
	_, err = e.st.GetAuthorizationCode(e.ctx, a.P.ID, fresh.Hash)
	noErr(e.t, err, "fresh code after purge")
	_, err = e.st.GetAuthorizationCode(e.ctx, b.P.ID, theirs.Hash)
	noErr(e.t, err, "the other project's expired code is not this project's to purge")
}
