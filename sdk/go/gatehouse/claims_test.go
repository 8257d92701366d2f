package gatehouse

import (
	"context"
	"testing"
)

func TestImpersonatedFollowsTheActClaim(t *testing.T) {
	ti := newTestIssuer(t)
	k := ti.publish("key_a")
	v := ti.verifier()

	// The user's own token: no act claim, not impersonated.
	own, err := v.Verify(context.Background(), sign(t, k, accessHeader("key_a"), ti.claims()))
	if err != nil {
		t.Fatal(err)
	}
	if own.Impersonated() || own.Act != nil {
		t.Fatalf("a token without act reads as impersonated: %+v", own.Act)
	}

	// A staff member acting as the user.
	claims := ti.claims()
	claims["act"] = map[string]any{"sub": "user_01jd8x3k5m7q9s1v3x5z7b9d1g", "email": "support@vendor.example"}
	claims["amr"] = []string{"imp"}
	imp, err := v.Verify(context.Background(), sign(t, k, accessHeader("key_a"), claims))
	if err != nil {
		t.Fatal(err)
	}
	if !imp.Impersonated() || imp.Act.Subject != "user_01jd8x3k5m7q9s1v3x5z7b9d1g" || imp.Act.Email != "support@vendor.example" {
		t.Fatalf("impersonated token: %v %+v", imp.Impersonated(), imp.Act)
	}

	// "act": null is absent.
	claims["act"] = nil
	none, err := v.Verify(context.Background(), sign(t, k, accessHeader("key_a"), claims))
	if err != nil {
		t.Fatal(err)
	}
	if none.Impersonated() {
		t.Fatalf("act null reads as impersonated")
	}
	var nilClaims *Claims
	if nilClaims.Impersonated() {
		t.Fatalf("nil claims read as impersonated")
	}
}
