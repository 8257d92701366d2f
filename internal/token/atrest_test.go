package token_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/x509"
	"os"
	"path/filepath"
	"testing"

	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/store/sqlstore"
)

// The private key is in the database only sealed: neither its DER encoding
// nor its scalar appears in the column, and the sealed value does not open
// as another row's.
func TestPrivateKeySealedAtRest(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		p := e.project("Acme")
		kids := e.jwks(e.iss, p).kids()
		for n, kid := range kids {
			k, err := e.st.GetSigningKey(e.ctx, p, id.SigningKey(kid))
			noErr(t, err, "GetSigningKey")
			for _, secret := range clearForms(t, e.privateKey(p, kid)) { // opens with its own AAD
				if bytes.Contains(k.PrivateKey, secret) {
					t.Fatalf("key %s: the private_key column holds the key in clear", kid)
				}
			}
			other := kids[1-n]
			if _, err := e.sealer.Open(k.PrivateKey, []byte("signing_keys.private_key:"+other)); err == nil {
				t.Fatalf("key %s opened with row %s's associated data", kid, other)
			}
			if _, err := e.sealer.Open(k.PrivateKey, []byte("signing_keys.public_jwk:"+kid)); err == nil {
				t.Fatalf("key %s opened with another column's associated data", kid)
			}
		}
	})
}

// clearForms are the encodings a leaked private key would show up in.
func clearForms(t testing.TB, priv *ecdsa.PrivateKey) [][]byte {
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	noErr(t, err, "MarshalPKCS8PrivateKey")
	scalar, err := priv.Bytes()
	noErr(t, err, "private key bytes")
	return [][]byte{der, scalar}
}

// Nowhere in the SQLite files (database and write-ahead log) is a private
// key in clear.
func TestPrivateKeyNotInDatabaseFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	db, err := sqlstore.Open(context.Background(), sqlstore.Config{URL: "sqlite:" + filepath.Join(dir, "gh.db")})
	noErr(t, err, "open")
	t.Cleanup(func() { db.Close() })
	noErr(t, db.Migrate(context.Background()), "migrate")
	e := newEnv(t, db)
	p := e.project("Acme")
	kids := e.jwks(e.iss, p).kids()

	var files []byte
	for _, name := range []string{"gh.db", "gh.db-wal"} {
		if b, err := os.ReadFile(filepath.Join(dir, name)); err == nil {
			files = append(files, b...)
		}
	}
	if !bytes.Contains(files, []byte(kids[0])) {
		t.Fatal("the database files do not hold the keys at all: the scan would prove nothing")
	}
	for _, kid := range kids {
		for _, secret := range clearForms(t, e.privateKey(p, kid)) {
			if bytes.Contains(files, secret) {
				t.Fatalf("key %s: the database files hold the key in clear", kid)
			}
		}
	}
}
