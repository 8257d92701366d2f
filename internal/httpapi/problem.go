package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/gatehouse-auth/gatehouse/internal/fault"
)

// Problem is an RFC 9457 problem document with Gatehouse's stable code.
type Problem struct {
	Type   string `json:"type" doc:"A URI reference identifying the problem type; about:blank means the status says it all." example:"about:blank"`
	Title  string `json:"title" doc:"A short summary of the problem type (the HTTP status text)." example:"Conflict"`
	Status int    `json:"status" doc:"The HTTP status code." example:"409"`
	Detail string `json:"detail" doc:"A human-readable explanation of this occurrence." example:"a user with this email already exists in the organization"`
	Code   string `json:"code" doc:"A stable machine-readable error code; see the error table in the API guide." example:"email_taken"`
	// Errors lists the offending inputs of a 400.
	Errors []*ProblemField `json:"errors,omitempty" doc:"The offending inputs, for invalid requests."`
}

// ProblemField says what is wrong with one input.
type ProblemField struct {
	Location string `json:"location" doc:"Where the input is: body.<field>, query.<param> or path.<param>." example:"body.email"`
	Message  string `json:"message" doc:"What is wrong with it." example:"must be an email address like name@example.com"`
	Value    any    `json:"value,omitempty" doc:"The value received, when it helps."`
}

// Error returns the detail.
func (p *Problem) Error() string { return p.Detail }

// GetStatus is the HTTP status (huma.StatusError).
func (p *Problem) GetStatus() int { return p.Status }

// ContentType makes huma answer with application/problem+json.
func (p *Problem) ContentType(ct string) string {
	if ct == "application/json" {
		return "application/problem+json"
	}
	return ct
}

// codeForStatus names errors produced by huma itself (request decoding and
// schema validation), which carry only a status.
func codeForStatus(status int) string {
	switch status {
	case http.StatusBadRequest:
		return fault.CodeInvalidRequest
	case http.StatusUnauthorized:
		return fault.CodeUnauthenticated
	case http.StatusForbidden:
		return fault.CodePermissionDenied
	case http.StatusNotFound:
		return fault.CodeNotFound
	case http.StatusMethodNotAllowed:
		return "method_not_allowed"
	case http.StatusNotAcceptable:
		return "not_acceptable"
	case http.StatusConflict:
		return fault.CodeConflict
	case http.StatusRequestEntityTooLarge:
		return fault.CodeTooLarge
	case http.StatusUnsupportedMediaType:
		return fault.CodeUnsupportedMedia
	case http.StatusRequestTimeout:
		return "request_timeout"
	case http.StatusTooManyRequests:
		return fault.CodeThrottled
	case 0:
		return ""
	default:
		return fault.CodeInternal
	}
}

// maxEchoedValue bounds the input echoed back in a field error (huma echoes a
// whole unparsable body otherwise).
const maxEchoedValue = 200

// newHumaError builds the errors huma produces while decoding and validating
// a request. Validation failures are 422 in huma and 400 here: the API has one
// status for bad input.
func newHumaError(status int, msg string, errs ...error) huma.StatusError {
	if status == http.StatusUnprocessableEntity {
		status = http.StatusBadRequest
	}
	p := &Problem{Type: "about:blank", Title: http.StatusText(status), Status: status, Detail: msg, Code: codeForStatus(status)}
	for _, e := range errs {
		if e == nil {
			continue
		}
		f := &ProblemField{Message: e.Error()}
		var d huma.ErrorDetailer
		if errors.As(e, &d) {
			ed := d.ErrorDetail()
			f = &ProblemField{Location: ed.Location, Message: ed.Message, Value: ed.Value}
		}
		f.Value = echoable(f.Location, f.Value)
		p.Errors = append(p.Errors, f)
	}
	if status == http.StatusBadRequest && len(p.Errors) > 0 {
		first := p.Errors[0]
		p.Detail = fmt.Sprintf("the request is invalid: %s (%s)", first.Message, first.Location)
		if strings.HasPrefix(first.Location, "body") && strings.Contains(first.Message, "invalid character") {
			p.Detail = "the request body is not valid JSON: " + first.Message
		}
	}
	return p
}

// echoable returns the part of an offending value that is safe and useful
// to send back: short scalars only. The whole body (malformed JSON, or an
// object holding an unexpected property) is never echoed: it may be large
// and may hold secrets such as passwords.
func echoable(location string, v any) any {
	if location == "body" {
		return nil
	}
	switch x := v.(type) {
	case string:
		if len(x) > maxEchoedValue {
			return x[:maxEchoedValue] + "…"
		}
		return x
	case bool, float64, float32, int, int64, int32, uint, uint64, uint32:
		return x
	default:
		return nil
	}
}

// init replaces huma's error constructor. huma exposes it only as a package
// variable; setting it once here, before any request, gives huma's own
// errors (malformed JSON, schema violations, oversized bodies) the same
// problem shape and stable codes as ours. Nothing else in the process
// builds huma errors.
func init() {
	huma.NewError = newHumaError
}

// problemFrom turns a domain error into a problem, logging internal failures
// (whose cause is never shown).
func problemFrom(log *slog.Logger, err error) *Problem {
	var p *Problem
	if errors.As(err, &p) {
		return p
	}
	fe := fault.From(err)
	if fe.Kind == fault.Internal {
		log.Error("backend API request failed", "err", err)
	}
	status := fe.Kind.HTTPStatus()
	out := &Problem{Type: "about:blank", Title: http.StatusText(status), Status: status, Detail: fe.Message, Code: fe.Code}
	for _, f := range fe.Fields {
		loc := f.Field
		if !strings.Contains(loc, ".") {
			loc = "body." + loc
		}
		out.Errors = append(out.Errors, &ProblemField{Location: loc, Message: f.Message, Value: f.Value})
	}
	return out
}

// writeProblem answers outside huma (authentication, routing, size and media
// type checks) in the same shape.
func writeProblem(w http.ResponseWriter, p *Problem) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}

func simpleProblem(status int, code, detail string) *Problem {
	return &Problem{Type: "about:blank", Title: http.StatusText(status), Status: status, Detail: detail, Code: code}
}
