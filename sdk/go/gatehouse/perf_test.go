//go:build unix

package gatehouse

import (
	"context"
	"crypto/ecdsa"
	"crypto/sha256"
	"encoding/base64"
	"math"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
)

// cpuTime is the CPU time this process has used, user and system: unlike
// wall time it does not grow while other processes hold the cores.
func cpuTime(t *testing.T) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// perOp runs f n times and returns CPU and wall time per call.
func perOp(t *testing.T, n int, f func()) (cpu, wall float64) {
	c0, w0 := cpuTime(t), time.Now()
	for range n {
		f()
	}
	return float64(cpuTime(t)-c0) / float64(n), float64(time.Since(w0)) / float64(n)
}

// inlineVerify is a bare handler that verifies the bearer token itself.
func inlineVerify(v *Verifier) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		if _, err := v.Verify(r.Context(), token); err != nil {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		_, _ = w.Write([]byte("ok"))
	})
}

// TestVerifyCostNearRawECDSA holds Verify to within 1.2× of a bare
// crypto/ecdsa verification of the same signature, and reports the
// middleware next to a bare handler. It runs only with GATEHOUSE_SDK_PERF=1:
//
//	GATEHOUSE_SDK_PERF=1 go test -run CostNear -v ./gatehouse
//
// Subject and baseline alternate for several rounds, each timed by process
// CPU time, and the cheapest round of each counts, so other load on the
// machine skews neither side.
func TestVerifyCostNearRawECDSA(t *testing.T) {
	if os.Getenv("GATEHOUSE_SDK_PERF") != "1" {
		t.Skip("set GATEHOUSE_SDK_PERF=1 to measure")
	}
	ti := newTestIssuer(t)
	k := ti.publish("key_01jd8x3k5m7q9s1v3x5z7b9d1f")
	v := ti.verifier()
	token := sign(t, k, accessHeader("key_01jd8x3k5m7q9s1v3x5z7b9d1f"), ti.claims())
	ctx := context.Background()

	dot := strings.LastIndexByte(token, '.')
	digest := sha256.Sum256([]byte(token[:dot]))
	sig, _ := base64.RawURLEncoding.DecodeString(token[dot+1:])
	r, s := new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])
	pub := &k.PublicKey

	req := httptest.NewRequest(http.MethodGet, "/invoices", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	protected := RequireAuth(v)(RequirePermission("invoices.read")(okHandler))
	serve := func(h http.Handler) func() {
		return func() {
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			if w.Code != http.StatusOK {
				t.Fatalf("status %d", w.Code)
			}
		}
	}

	pairs := []struct {
		name              string
		n                 int
		subject, baseline func()
	}{
		{"Verify / crypto/ecdsa.Verify", 2000, func() {
			if _, err := v.Verify(ctx, token); err != nil {
				t.Fatal(err)
			}
		}, func() {
			if !ecdsa.Verify(pub, digest[:], r, s) {
				t.Fatal("rejected")
			}
		}},
		{"Middleware / bare handler", 2000, serve(protected), serve(okHandler)},
		// What the middleware adds beyond the verification itself: the
		// baseline handler verifies the header's token inline.
		{"Middleware / bare handler calling Verify", 2000, serve(protected), serve(inlineVerify(v))},
	}
	var verifyRatio float64
	for i, p := range pairs {
		p.subject() // warm up
		p.baseline()
		subCPU, baseCPU, subWall, baseWall := math.Inf(1), math.Inf(1), math.Inf(1), math.Inf(1)
		for range 7 {
			c, w := perOp(t, p.n, p.baseline)
			baseCPU, baseWall = min(baseCPU, c), min(baseWall, w)
			c, w = perOp(t, p.n, p.subject)
			subCPU, subWall = min(subCPU, c), min(subWall, w)
		}
		t.Logf("%s: CPU %.0f / %.0f ns/op = %.3f; wall %.0f / %.0f ns/op = %.3f",
			p.name, subCPU, baseCPU, subCPU/baseCPU, subWall, baseWall, subWall/baseWall)
		if i == 0 {
			verifyRatio = subCPU / baseCPU
		}
	}
	if verifyRatio > 1.2 {
		t.Fatalf("Verify costs %.2f× a raw ECDSA verification, want ≤ 1.2×", verifyRatio)
	}
}
