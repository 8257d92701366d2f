package fault_test

import (
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/fault"
	"github.com/gatehouse-auth/gatehouse/internal/project"
)

func TestClassification(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		err    error
		kind   fault.Kind
		code   string
		status int
	}{
		{"field error becomes invalid", fmt.Errorf("wrapped: %w", &project.FieldError{Field: "name", Message: "must not be empty"}), fault.Invalid, fault.CodeInvalidRequest, http.StatusBadRequest},
		{"wrapped not found keeps its class", fmt.Errorf("op: %w", fault.NewNotFound("user")), fault.NotFound, fault.CodeNotFound, http.StatusNotFound},
		{"last owner is a 409", fault.NewFailedPrecondition(fault.CodeLastOwner, "x"), fault.FailedPrecondition, fault.CodeLastOwner, http.StatusConflict},
		{"duplicate email", fault.NewConflict(fault.CodeEmailTaken, "x"), fault.Conflict, fault.CodeEmailTaken, http.StatusConflict},
		{"unauthenticated", fault.NewUnauthenticated("x"), fault.Unauthenticated, fault.CodeUnauthenticated, http.StatusUnauthorized},
		{"too large", fault.NewTooLarge("x"), fault.TooLarge, fault.CodeTooLarge, http.StatusRequestEntityTooLarge},
		{"throttled is a 429", fault.NewThrottled("x", time.Minute), fault.Throttled, fault.CodeThrottled, http.StatusTooManyRequests},
		{"plain error is internal", errors.New("disk on fire"), fault.Internal, fault.CodeInternal, http.StatusInternalServerError},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			fe := fault.From(c.err)
			if fe.Kind != c.kind || fe.Code != c.code || fe.Kind.HTTPStatus() != c.status {
				t.Fatalf("got kind %v code %q status %d, want %v %q %d", fe.Kind, fe.Code, fe.Kind.HTTPStatus(), c.kind, c.code, c.status)
			}
		})
	}
}

func TestFieldErrorKeepsField(t *testing.T) {
	t.Parallel()
	fe := fault.From(&project.FieldError{Field: "email", Message: "bad"})
	if len(fe.Fields) != 1 || fe.Fields[0].Field != "email" || fe.Fields[0].Message != "bad" {
		t.Fatalf("fields = %+v", fe.Fields)
	}
}

func TestInternalHidesCause(t *testing.T) {
	t.Parallel()
	fe := fault.From(errors.New("password=hunter2 in connection string"))
	if fe.Message != "internal error" {
		t.Fatalf("message leaks cause: %q", fe.Message)
	}
	if !errors.Is(fe, fe.Err) {
		t.Fatal("cause must stay reachable for logs")
	}
	if fault.From(nil) != nil || fault.CodeOf(nil) != "" {
		t.Fatal("nil must stay nil")
	}
}
