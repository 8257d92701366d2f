package web

import (
	"errors"
	"net/http"

	"github.com/gatehouse-auth/gatehouse/internal/console"
	"github.com/gatehouse-auth/gatehouse/internal/fault"
)

// consoleSetupView is the setup page's view model.
type consoleSetupView struct {
	Email string
	Error string
}

// consoleSetup is the one-time link a fresh server logs while the console
// has no staff: it asks for the first staff member's email, creates that
// person as an owner of the staff, and sends them to the console project's
// ordinary sign-in with the email filled in. The link itself is the secret;
// the form posts back to it (behind the cross-origin check) and carries a
// token keyed by it, so a foreign page cannot submit it.
func (h *Handler) consoleSetup(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	token := r.PathValue("token")
	cp := h.o.Console.ProjectID(ctx)
	if err := h.o.Console.CheckSetup(ctx, token); err != nil {
		h.setupRefused(w, r, err)
		return
	}
	p := &page{Page: "console_setup", Title: "Set up the console", ProjectName: console.ProjectName,
		FormAction: console.SetupPath(token), CSRF: formToken(token, "console setup"), Errors: map[string]string{}}
	v := &consoleSetupView{}
	p.Data = v
	if r.Method != http.MethodPost {
		h.pages.render(w, http.StatusOK, p)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil || !validFormToken(token, "console setup", r.PostFormValue("csrf_token")) {
		h.pages.message(w, http.StatusForbidden, brand{Name: console.ProjectName}, "Request refused", "This form has expired",
			"Open the setup link from the server's log again and try once more.")
		return
	}
	v.Email = trimmed(r, "email")
	u, err := h.o.Console.CompleteSetup(ctx, token, v.Email)
	if err != nil {
		if fe, ok := fault.As(err); ok && fe.Kind != fault.Internal {
			v.Error = sentence(fe.Message)
			if len(fe.Fields) > 0 {
				v.Error = sentence(fe.Fields[0].Message)
			}
			h.pages.render(w, http.StatusUnprocessableEntity, p)
			return
		}
		h.setupRefused(w, r, err)
		return
	}
	h.log.InfoContext(ctx, "first console staff member created", "user_id", u.ID)
	redirect(w, r, console.SignInPath(cp, consoleBase(cp)+"/", u.Email))
}

// setupRefused answers a setup link that cannot be used.
func (h *Handler) setupRefused(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case errors.Is(err, console.ErrSetupDone):
		cp := h.o.Console.ProjectID(r.Context())
		h.pages.render(w, http.StatusGone, &page{Page: "message", Title: "Console already set up", ProjectName: console.ProjectName,
			Heading: "The console is already set up", Paragraphs: []string{
				"Setup links only work while the console has no staff. Sign in instead, or ask an owner of the staff to invite you.",
			}, ContinueURL: console.SignInPath(cp, consoleBase(cp)+"/", "")})
	case errors.Is(err, console.ErrSetupInvalid):
		h.pages.message(w, http.StatusNotFound, brand{Name: console.ProjectName}, "Setup link not valid", "This setup link does not work",
			"It may have been used already or be more than a day old. Restart the server to log a new one while the console has no staff, or add the first staff member with: gatehouse console add-staff --email you@example.com")
	default:
		h.internalError(w, r, brand{Name: console.ProjectName}, "console setup", err)
	}
}
