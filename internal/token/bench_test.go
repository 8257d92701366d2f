package token_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/testdb"
	"github.com/gatehouse-auth/gatehouse/internal/token"
)

// The benchmarks pair each Issuer operation with the bare crypto/ecdsa P-256
// operation it is built on, measured in the same run; the ratio is the cost
// of the JWT around the signature (claims JSON, base64url, hashing, the key
// cache lookup). docs/tokens.md records the figures.

func benchEnv(b *testing.B) (*env, string) {
	e := newEnv(b, testdb.SQLite(b))
	e.iss = token.NewIssuer(e.st, e.sealer) // the real clock: tokens stay valid for the run
	p := e.project("Bench")
	jwt := e.accessToken(e.iss, p) // loads and caches the keys
	return e, jwt
}

func BenchmarkSign(b *testing.B) {
	b.Run("ecdsa-P256-raw", func(b *testing.B) {
		priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			b.Fatal(err)
		}
		digest := sha256.Sum256([]byte("header.payload"))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := ecdsa.SignASN1(rand.Reader, priv, digest[:]); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("AccessToken", func(b *testing.B) {
		e, jwt := benchEnv(b)
		p := projectOf(b, e, jwt)
		c := accessClaims(p)
		b.ReportAllocs()
		for b.Loop() {
			if _, _, err := e.iss.AccessToken(context.Background(), p, c); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkVerify(b *testing.B) {
	b.Run("ecdsa-P256-raw", func(b *testing.B) {
		priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			b.Fatal(err)
		}
		digest := sha256.Sum256([]byte("header.payload"))
		sig, err := ecdsa.SignASN1(rand.Reader, priv, digest[:])
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if !ecdsa.VerifyASN1(&priv.PublicKey, digest[:], sig) {
				b.Fatal("verify failed")
			}
		}
	})
	b.Run("VerifyAccessToken", func(b *testing.B) {
		e, jwt := benchEnv(b)
		p := projectOf(b, e, jwt)
		iss := issuerURL(p)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := e.iss.VerifyAccessToken(context.Background(), p, iss, jwt); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// projectOf reads the project back from a token's issuer.
func projectOf(b *testing.B, e *env, jwt string) id.Project {
	_, c := parts(b, jwt)
	return id.Project(strings.TrimPrefix(c["iss"].(string), "https://auth.example.com/p/"))
}

// BenchmarkPaired alternates batches of the raw operation and of the
// Issuer's and reports the ratio of their total times: on a shared, busy
// machine, load that drifts between two separate benchmarks cancels out when
// both sides are measured in turn, and the thread CPU-time ratio leaves out
// the time spent waiting for a core altogether. (ns/op here counts one
// iteration = one batch of each side.)
func BenchmarkPaired(b *testing.B) {
	e, jwt := benchEnv(b)
	p := projectOf(b, e, jwt)
	iss := issuerURL(p)
	c := accessClaims(p)
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		b.Fatal(err)
	}
	digest := sha256.Sum256([]byte("header.payload"))
	sig, err := ecdsa.SignASN1(rand.Reader, priv, digest[:])
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	// pair runs batches of the raw operation and of the Issuer's in turn,
	// on one locked OS thread, adding up wall time and the thread's CPU time
	// of each side.
	pair := func(b *testing.B, raw, ours func()) {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		const batch = 25
		var rawWall, oursWall, rawCPU, oursCPU time.Duration
		cpuOK := true
		measure := func(f func(), wall, cpu *time.Duration) {
			c0, ok0 := threadCPU()
			t0 := time.Now()
			for range batch {
				f()
			}
			*wall += time.Since(t0)
			c1, ok1 := threadCPU()
			*cpu += c1 - c0
			cpuOK = cpuOK && ok0 && ok1
		}
		n := 0
		for b.Loop() {
			measure(raw, &rawWall, &rawCPU)
			measure(ours, &oursWall, &oursCPU)
			n += batch
		}
		b.ReportMetric(float64(rawWall.Nanoseconds())/float64(n), "raw-ns/op")
		b.ReportMetric(float64(oursWall.Nanoseconds())/float64(n), "issuer-ns/op")
		b.ReportMetric(float64(oursWall)/float64(rawWall), "x-raw-wall")
		if cpuOK && rawCPU > 0 {
			b.ReportMetric(float64(oursCPU)/float64(rawCPU), "x-raw-cpu")
		}
	}
	b.Run("sign", func(b *testing.B) {
		pair(b, func() {
			if _, err := ecdsa.SignASN1(rand.Reader, priv, digest[:]); err != nil {
				b.Fatal(err)
			}
		}, func() {
			if _, _, err := e.iss.AccessToken(ctx, p, c); err != nil {
				b.Fatal(err)
			}
		})
	})
	b.Run("verify", func(b *testing.B) {
		pair(b, func() {
			if !ecdsa.VerifyASN1(&priv.PublicKey, digest[:], sig) {
				b.Fatal("verify failed")
			}
		}, func() {
			if _, err := e.iss.VerifyAccessToken(ctx, p, iss, jwt); err != nil {
				b.Fatal(err)
			}
		})
	})
}
