package gatehouse

import (
	"encoding/json"
	"testing"
)

// FuzzParseClaims holds the claims reader to encoding/json: whatever it
// accepts must be valid JSON, and the string claims it reads must be what
// encoding/json reads.
func FuzzParseClaims(f *testing.F) {
	for _, seed := range []string{
		`{"iss":"https://a/p/proj_1","sub":"user_1","aud":["cli_1","cli_2"],"exp":1790000000,"org":{"id":"org_1","name":"A\u00e9"}}`,
		`{"sub":"a\"b\\c\/d\u2028","aud":"cli_1","email_verified":false,"iat":1.5e9,"x":[1,{"y":null},"z",true]}`,
		`{"roles":[],"permissions":["a","b"],"act":{"sub":"user_2","email":"e@x","more":{}},"nbf":null}`,
		` { "sub" : "s" , "exp" : -1 } `,
		`{"exp":01}`, `{"sub":"a","sub":"b"}`, `{"sub":"a"} x`, `{"a":tru}`, `{"a":"\ud800"}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var c Claims
		seen, err := parseClaims(data, &c)
		if err != nil {
			return
		}
		if !json.Valid(data) {
			t.Fatalf("accepted invalid JSON %q", data)
		}
		var m map[string]any
		if err := json.Unmarshal(data, &m); err != nil {
			t.Fatalf("accepted %q that encoding/json refuses: %v", data, err)
		}
		for name, got := range map[string]string{"iss": c.Issuer, "sub": c.Subject, "sid": c.SessionID,
			"client_id": c.ClientID, "org_id": c.OrgID, "email": c.Email, "name": c.Name, "jti": c.JTI} {
			if seen&claimBits[name] == 0 {
				continue
			}
			if want, _ := m[name].(string); want != got {
				t.Fatalf("%s = %q, encoding/json reads %q (input %q)", name, got, want, data)
			}
		}
	})
}

func TestParseHeaderRejectsDuplicates(t *testing.T) {
	for _, h := range []string{`{"alg":"ES256","alg":"none"}`, `{"kid":"a","kid":"b"}`, `{"alg":"ES256"}x`, `{"alg":1}`} {
		if _, err := parseHeader([]byte(h)); err == nil {
			t.Errorf("header %s accepted", h)
		}
	}
	if h, err := parseHeader([]byte(`{"alg":"ES256","typ":"at+jwt","kid":"key_1","x5u":"ignored"}`)); err != nil ||
		h.alg != "ES256" || h.typ != "at+jwt" || h.kid != "key_1" || h.crit {
		t.Fatalf("header = %+v, %v", h, err)
	}
}
