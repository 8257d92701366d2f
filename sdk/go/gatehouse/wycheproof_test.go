package gatehouse

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io/fs"
	"testing"

	"github.com/c2sp/wycheproof"
)

func loadVectors(t *testing.T, name string, v any) {
	t.Helper()
	b, err := fs.ReadFile(wycheproof.TestVectors, name)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatal(err)
	}
}

// TestWycheproofECDSAP256P1363 runs every ECDSA P-256/SHA-256 vector in the
// r||s encoding JWS uses through the signature check Verify uses. The file
// marks no vector "acceptable"; one would fail the test until decided.
func TestWycheproofECDSAP256P1363(t *testing.T) {
	var file struct {
		NumberOfTests int `json:"numberOfTests"`
		TestGroups    []struct {
			PublicKey struct {
				Uncompressed string `json:"uncompressed"`
			} `json:"publicKey"`
			SHA   string `json:"sha"`
			Tests []struct {
				TcID    int    `json:"tcId"`
				Comment string `json:"comment"`
				Msg     string `json:"msg"`
				Sig     string `json:"sig"`
				Result  string `json:"result"`
			} `json:"tests"`
		} `json:"testGroups"`
	}
	loadVectors(t, "ecdsa_secp256r1_sha256_p1363_test.json", &file)
	ran, valid := 0, 0
	for _, g := range file.TestGroups {
		if g.SHA != "SHA-256" {
			t.Fatalf("unexpected hash %s", g.SHA)
		}
		point, _ := hex.DecodeString(g.PublicKey.Uncompressed)
		pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), point)
		if err != nil {
			t.Fatalf("public key: %v", err)
		}
		for _, tc := range g.Tests {
			msg, err1 := hex.DecodeString(tc.Msg)
			sig, err2 := hex.DecodeString(tc.Sig)
			if err1 != nil || err2 != nil {
				t.Fatalf("tcId %d: bad hex", tc.TcID)
			}
			got := verifyES256(pub, msg, sig)
			switch tc.Result {
			case "valid":
				valid++
				if !got {
					t.Errorf("tcId %d (%s): valid signature rejected", tc.TcID, tc.Comment)
				}
			case "invalid":
				if got {
					t.Errorf("tcId %d (%s): invalid signature accepted", tc.TcID, tc.Comment)
				}
			default:
				t.Errorf("tcId %d (%s): result %q has no decision here", tc.TcID, tc.Comment, tc.Result)
			}
			ran++
		}
	}
	if ran != file.NumberOfTests || ran < 250 || valid == 0 {
		t.Fatalf("ran %d of %d vectors (%d valid)", ran, file.NumberOfTests, valid)
	}
	t.Logf("%d vectors, %d valid", ran, valid)
}

// jwsVector is a JWS test of the JSON Web Signature and JSON Web Key files.
type jwsVector struct {
	TcID    int      `json:"tcId"`
	Comment string   `json:"comment"`
	JWS     any      `json:"jws"` // compact string, or an object for JSON serialization
	Result  string   `json:"result"`
	Flags   []string `json:"flags"`
}

// verifyVector runs a JWS through the same parsing and signature check as
// Verify, against keys parsed from JWKs the way the fetched key set is. The
// typ and claims checks are left out: the vectors sign "foo", not claims.
func verifyVector(set *keySet, v jwsVector) error {
	compact, ok := v.JWS.(string)
	if !ok {
		return fail(ErrMalformed, "not a compact JWS")
	}
	j, err := splitES256(compact)
	if err != nil {
		return err
	}
	return checkSignature(context.Background(), j, func(_ context.Context, kid string) (*ecdsa.PublicKey, error) {
		if pub := set.keys[kid]; pub != nil {
			return pub, nil
		}
		return nil, fail(ErrUnknownKey, "no key")
	})
}

// checkVector requires the expected result for ES256 vectors. This verifier
// implements ES256 only (Gatehouse signs nothing else), so a "valid" vector
// for another algorithm must be refused, never accepted.
func checkVector(t *testing.T, set *keySet, v jwsVector) (es256 bool) {
	t.Helper()
	err := verifyVector(set, v)
	compact, _ := v.JWS.(string)
	h, herr := splitHeader(compact)
	es256 = herr == nil && h.alg == "ES256"
	switch {
	case v.Result == "valid" && es256:
		if err != nil {
			t.Errorf("tcId %d (%s): valid ES256 JWS rejected: %v", v.TcID, v.Comment, err)
		}
	case v.Result == "valid":
		// Refused as ErrAlgorithm; a few are also spelled in a way strict
		// base64url refuses first (tcId 372: "valid" for lenient decoders).
		if !errors.Is(err, ErrAlgorithm) && !errors.Is(err, ErrMalformed) {
			t.Errorf("tcId %d (%s): valid %s JWS: err = %v, want it refused", v.TcID, v.Comment, h.alg, err)
		}
	case v.Result == "invalid":
		if err == nil {
			t.Errorf("tcId %d (%s): invalid JWS accepted", v.TcID, v.Comment)
		}
	default:
		t.Errorf("tcId %d (%s): result %q has no decision here", v.TcID, v.Comment, v.Result)
	}
	return es256
}

// splitHeader reads the alg of a vector, to know which expectation applies.
func splitHeader(compact string) (header, error) {
	for i := range len(compact) {
		if compact[i] == '.' {
			b, err := b64.DecodeString(compact[:i])
			if err != nil {
				return header{}, err
			}
			return parseHeader(b)
		}
	}
	return header{}, errJSON
}

func TestWycheproofJSONWebSignature(t *testing.T) {
	var file struct {
		TestGroups []struct {
			Comment string          `json:"comment"`
			Public  json.RawMessage `json:"public"`
			Tests   []jwsVector     `json:"tests"`
		} `json:"testGroups"`
	}
	loadVectors(t, "json_web_signature_test.json", &file)
	ran, es256Valid := 0, 0
	for _, g := range file.TestGroups {
		var set jwkSet
		if len(g.Public) > 0 {
			var k jwk
			if err := json.Unmarshal(g.Public, &k); err != nil {
				t.Fatal(err)
			}
			set.Keys = []jwk{k}
		}
		ks := set.keySet()
		for _, v := range g.Tests {
			if checkVector(t, ks, v) && v.Result == "valid" {
				es256Valid++
			}
			ran++
		}
	}
	if ran < 400 || es256Valid < 2 {
		t.Fatalf("ran %d vectors, %d valid ES256", ran, es256Valid)
	}
	t.Logf("%d vectors, %d valid ES256", ran, es256Valid)
}

func TestWycheproofJSONWebKey(t *testing.T) {
	var file struct {
		TestGroups []struct {
			Comment string `json:"comment"`
			Private jwkSet `json:"private"`
			Public  jwkSet `json:"public"`
			Tests   []jwsVector
		} `json:"testGroups"`
	}
	loadVectors(t, "json_web_key_test.json", &file)
	ran := 0
	for _, g := range file.TestGroups {
		set := g.Public
		if len(set.Keys) == 0 {
			set = g.Private // only the public members are read
		}
		ks := set.keySet()
		for _, v := range g.Tests {
			if v.JWS == nil {
				continue // key-only vectors (JWE, key parsing) have nothing to verify
			}
			checkVector(t, ks, v)
			ran++
		}
	}
	if ran == 0 {
		t.Fatal("no JWS vectors in the JSON Web Key file")
	}
	t.Logf("%d vectors", ran)
}
