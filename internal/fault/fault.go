// Package fault classifies errors for every surface of Gatehouse.
//
// The domain layer returns *Error values that say what kind of failure
// happened (bad input, missing row, conflict, …) with a stable machine code and
// a message safe to show to the caller. Each surface (the backend API, the
// hosted pages, the CLI) maps the kind to its own presentation in one place,
// so a rule never has to be re-explained per surface. Anything that is not an
// *Error is an internal failure whose details must not reach the caller.
package fault

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/project"
)

// Kind says what class of failure an error is.
type Kind int

// The kinds of failure.
const (
	// Internal is an unexpected failure; its cause is logged, never shown.
	Internal Kind = iota
	// Invalid means the input is wrong; Fields say which parts.
	Invalid
	// Unauthenticated means no valid credential was presented.
	Unauthenticated
	// PermissionDenied means the credential may not do this.
	PermissionDenied
	// NotFound means the resource does not exist or is not visible to the caller.
	NotFound
	// Conflict means the change collides with existing state (duplicates).
	Conflict
	// FailedPrecondition means a rule forbids the change in the current state
	// (e.g. removing an organization's last owner).
	FailedPrecondition
	// TooLarge means the request exceeds a size limit.
	TooLarge
	// Throttled means the caller has done this too often recently;
	// RetryAfter says when it may try again.
	Throttled
)

// String names the kind.
func (k Kind) String() string {
	switch k {
	case Invalid:
		return "invalid"
	case Unauthenticated:
		return "unauthenticated"
	case PermissionDenied:
		return "permission_denied"
	case NotFound:
		return "not_found"
	case Conflict:
		return "conflict"
	case FailedPrecondition:
		return "failed_precondition"
	case TooLarge:
		return "too_large"
	case Throttled:
		return "throttled"
	default:
		return "internal"
	}
}

// HTTPStatus is the status code every HTTP surface uses for the kind.
// FailedPrecondition maps to 409 Conflict: the request is well-formed but
// clashes with the resource's current state, which the client can change.
func (k Kind) HTTPStatus() int {
	switch k {
	case Invalid:
		return http.StatusBadRequest
	case Unauthenticated:
		return http.StatusUnauthorized
	case PermissionDenied:
		return http.StatusForbidden
	case NotFound:
		return http.StatusNotFound
	case Conflict, FailedPrecondition:
		return http.StatusConflict
	case TooLarge:
		return http.StatusRequestEntityTooLarge
	case Throttled:
		return http.StatusTooManyRequests
	default:
		return http.StatusInternalServerError
	}
}

// Stable machine codes. Clients may branch on them; never change one.
const (
	CodeInvalidRequest     = "invalid_request"
	CodeInvalidPageToken   = "invalid_page_token"
	CodeUnauthenticated    = "unauthenticated"
	CodePermissionDenied   = "permission_denied"
	CodeNotFound           = "not_found"
	CodeConflict           = "conflict"
	CodeEmailTaken         = "email_taken"
	CodeRoleKeyTaken       = "role_key_taken"
	CodePermissionKeyTaken = "permission_key_taken"
	CodeLastOwner          = "last_owner"
	CodeBuiltinRole        = "builtin_role"
	CodeCustomRolesOff     = "custom_roles_disabled"
	CodeTooLarge           = "request_too_large"
	CodeUnsupportedMedia   = "unsupported_media_type"
	CodeThrottled          = "throttled"
	CodeInternal           = "internal"
)

// CodeForbidden is a stable code too: the signed-in person's role does not
// allow the action (a member acting as an admin, an admin as an owner).
const CodeForbidden = "forbidden"

// FieldViolation says what is wrong with one input field.
type FieldViolation struct {
	// Field is the input's name as the caller wrote it (a JSON field name,
	// a query parameter).
	Field   string
	Message string
	// Value is the offending value, echoed to help debugging; nil to omit.
	Value any
}

// Error is a classified failure.
type Error struct {
	Kind    Kind
	Code    string
	Message string
	Fields  []FieldViolation
	// Err is the underlying cause, for logs only.
	Err error
	// RetryAfter is how long a Throttled caller must wait; surfaces send it
	// as Retry-After.
	RetryAfter time.Duration
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return e.Code + ": " + e.Message
}

// Unwrap exposes the cause.
func (e *Error) Unwrap() error { return e.Err }

// InvalidInput reports bad input with per-field details.
func InvalidInput(message string, fields ...FieldViolation) *Error {
	return &Error{Kind: Invalid, Code: CodeInvalidRequest, Message: message, Fields: fields}
}

// InvalidField reports one bad field.
func InvalidField(field, message string) *Error {
	return InvalidInput(field+": "+message, FieldViolation{Field: field, Message: message})
}

// InvalidCode reports bad input with a specific code (e.g. invalid_page_token).
func InvalidCode(code, message string, fields ...FieldViolation) *Error {
	return &Error{Kind: Invalid, Code: code, Message: message, Fields: fields}
}

// NewUnauthenticated reports a missing or unusable credential.
func NewUnauthenticated(message string) *Error {
	return &Error{Kind: Unauthenticated, Code: CodeUnauthenticated, Message: message}
}

// NewPermissionDenied reports a forbidden action.
func NewPermissionDenied(code, message string) *Error {
	return &Error{Kind: PermissionDenied, Code: code, Message: message}
}

// NewForbidden reports an action the signed-in person's role does not
// allow (code forbidden).
func NewForbidden(message string) *Error {
	return &Error{Kind: PermissionDenied, Code: CodeForbidden, Message: message}
}

// NewNotFound reports a missing resource; what names it ("organization").
// The message never contains the ID asked for, so nothing about other tenants
// is echoed back.
func NewNotFound(what string) *Error {
	return &Error{Kind: NotFound, Code: CodeNotFound, Message: what + " not found"}
}

// NewConflict reports a duplicate.
func NewConflict(code, message string) *Error {
	return &Error{Kind: Conflict, Code: code, Message: message}
}

// NewFailedPrecondition reports a change forbidden by a rule in the current state.
func NewFailedPrecondition(code, message string) *Error {
	return &Error{Kind: FailedPrecondition, Code: code, Message: message}
}

// NewTooLarge reports an oversized request.
func NewTooLarge(message string) *Error {
	return &Error{Kind: TooLarge, Code: CodeTooLarge, Message: message}
}

// NewThrottled reports an action refused because it was done too often
// recently; it may be tried again after retryAfter (at least a second).
func NewThrottled(message string, retryAfter time.Duration) *Error {
	return &Error{Kind: Throttled, Code: CodeThrottled, Message: message, RetryAfter: max(retryAfter, time.Second)}
}

// RetryAfterSeconds is d as a Retry-After value: whole seconds, rounded up.
func RetryAfterSeconds(d time.Duration) string {
	return strconv.Itoa(int((max(d, time.Second) + time.Second - 1) / time.Second))
}

// WaitText says how long a wait is in words for a message ("5 minutes"),
// rounded up to the unit shown.
func WaitText(d time.Duration) string {
	plural := func(n int, unit string) string {
		if n == 1 {
			return "1 " + unit
		}
		return strconv.Itoa(n) + " " + unit + "s"
	}
	switch {
	case d <= time.Minute:
		return plural(int((max(d, time.Second)+time.Second-1)/time.Second), "second")
	case d <= time.Hour:
		return plural(int((d+time.Minute-1)/time.Minute), "minute")
	default:
		return plural(int((d+time.Hour-1)/time.Hour), "hour")
	}
}

// NewInternal wraps an unexpected error; the message shown stays generic.
func NewInternal(err error) *Error {
	return &Error{Kind: Internal, Code: CodeInternal, Message: "internal error", Err: err}
}

// As finds a classified error in err's chain. Domain validation errors
// (*project.FieldError) count as Invalid for their field.
func As(err error) (*Error, bool) {
	if err == nil {
		return nil, false
	}
	var fe *Error
	if errors.As(err, &fe) {
		return fe, true
	}
	var pe *project.FieldError
	if errors.As(err, &pe) {
		return InvalidField(pe.Field, pe.Message), true
	}
	return nil, false
}

// From classifies any error: a classified error as is, anything else Internal.
// It returns nil for nil.
func From(err error) *Error {
	if err == nil {
		return nil
	}
	if fe, ok := As(err); ok {
		return fe
	}
	return NewInternal(err)
}

// KindOf returns the kind of err (Internal for unclassified errors).
func KindOf(err error) Kind { return From(err).Kind }

// CodeOf returns the machine code of err ("" for nil).
func CodeOf(err error) string {
	if err == nil {
		return ""
	}
	return From(err).Code
}

// Is reports whether err is classified as kind k.
func Is(err error, k Kind) bool { return err != nil && KindOf(err) == k }

// Classify is how a domain service finishes an operation: an error that
// already is a fault is kept; anything else becomes an internal error whose
// cause is logged once, naming the component and the operation.
func Classify(log *slog.Logger, component, op string, err error) error {
	if err == nil {
		return nil
	}
	if fe, ok := As(err); ok {
		return fe
	}
	log.Error(component+" operation failed", "op", op, "err", err)
	return NewInternal(fmt.Errorf("%s: %w", op, err))
}

// ParseID parses a caller-supplied ID. A malformed ID gets exactly the
// answer of an unknown one (not found), so callers cannot probe what exists.
func ParseID[T id.Kind](s, what string) (T, error) {
	v, err := id.Parse[T](s)
	if err != nil {
		return "", NewNotFound(what)
	}
	return v, nil
}
