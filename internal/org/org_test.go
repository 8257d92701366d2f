package org

import (
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/project"
)

func TestEffectiveLoginMethodsIntersectsProjectAndOrganization(t *testing.T) {
	now := time.Now()
	p, err := project.New("Acme", now)
	if err != nil {
		t.Fatal(err)
	}
	p.EnabledLoginMethods = []project.LoginMethod{project.MethodEmail, project.MethodPassword, project.MethodSAML}
	o, err := New(p.ID, "Southwest", now)
	if err != nil {
		t.Fatal(err)
	}
	// By default the organization restricts nothing: the project decides.
	if got := o.EffectiveLoginMethods(p); len(got) != 3 {
		t.Fatalf("default effective methods = %v, want the project's three", got)
	}
	o.Policy.AllowedLoginMethods = []project.LoginMethod{project.MethodSAML, project.MethodPasskey}
	got := o.EffectiveLoginMethods(p)
	if len(got) != 1 || got[0] != project.MethodSAML {
		t.Fatalf("effective methods = %v, want [saml]: passkey is off in the project", got)
	}
}

func TestPolicyBounds(t *testing.T) {
	o, err := New(id.New[id.Project](time.Now()), "Southwest", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	short := 30 * time.Second
	o.Policy.SessionIdleTimeout = &short
	if err := o.Validate(); err == nil {
		t.Fatal("a 30-second idle timeout was accepted")
	}
	ok := time.Hour
	o.Policy.SessionIdleTimeout = &ok
	if err := o.Validate(); err != nil {
		t.Fatalf("a one-hour idle timeout was refused: %v", err)
	}
}
