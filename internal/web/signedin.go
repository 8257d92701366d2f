package web

import (
	"net/http"
	"slices"

	"github.com/gatehouse-auth/gatehouse/internal/fault"
)

// What the signed-in pages (self-serve settings and console) share in
// handling a form post.

// refusal is a signed-in page's answer to a form it will not act on.
type refusal struct {
	status               int
	title, heading, text string
}

// refusedUnknownAction answers a form whose action the page does not have.
var refusedUnknownAction = &refusal{http.StatusBadRequest, "Request refused", "Unknown action",
	"This form asked for something this page does not do. Reload the page and try again."}

// readSignedForm reads a signed-in page's form post of at most limit bytes
// and checks its form token against the session cookie and purpose; nil
// means the form may be acted on.
func readSignedForm(w http.ResponseWriter, r *http.Request, limit int64, cookie, purpose string) *refusal {
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	if err := r.ParseForm(); err != nil {
		return &refusal{http.StatusBadRequest, "Request refused", "This form could not be read",
			"Return to the previous page and try again."}
	}
	if !validFormToken(cookie, purpose, r.PostFormValue("csrf_token")) {
		return &refusal{http.StatusForbidden, "Request refused", "This form has expired",
			"The page you submitted is out of date or did not come from this site. Go back, reload the page and try again."}
	}
	return nil
}

// placeFailure shows why a signed-in page's action was refused: beside each
// field it names that the page shows (into errs), else at the top of pg; it
// returns the status to answer with (422 for invalid input).
func placeFailure(fe *fault.Error, fields []string, errs map[string]string, pg *page) int {
	status := fe.Kind.HTTPStatus()
	if fe.Kind == fault.Invalid {
		status = http.StatusUnprocessableEntity
	}
	shown := false
	for _, f := range fe.Fields {
		if slices.Contains(fields, f.Field) {
			errs[f.Field] = f.Message
			shown = true
		}
	}
	if !shown {
		pg.OtherErrors = append(pg.OtherErrors, sentence(fe.Message))
	}
	return status
}
