package web

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/login"
	"github.com/gatehouse-auth/gatehouse/internal/login/flow"
)

// loginPage shows the current step of the browser's login attempt, or
// finishes the login when nothing is missing (for example after a magic
// link proved the email in this same browser).
func (h *Handler) loginPage(w http.ResponseWriter, r *http.Request) {
	projectID, ok := projectFrom(r)
	if !ok {
		h.notFound(w)
		return
	}
	cookie := read(r, attemptCookieName(string(projectID)))
	a, ok := h.loadAttempt(w, r, projectID, cookie)
	if !ok {
		return
	}
	v, err := h.o.Login.View(r.Context(), a)
	if err != nil {
		h.internalError(w, r, h.projectBrand(r.Context(), projectID), "view login attempt", err)
		return
	}
	h.show(w, r, projectID, a, cookie, v, http.StatusOK)
}

// loginPost applies one action to the attempt. After it, the browser is sent
// back to GET (Post/Redirect/Get), unless the answer is about this very
// submission: field errors (422), throttling (429) or a notice (200) are
// rendered directly, because a fresh GET would no longer know them.
func (h *Handler) loginPost(w http.ResponseWriter, r *http.Request) {
	projectID, ok := projectFrom(r)
	if !ok {
		h.notFound(w)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		h.pages.message(w, http.StatusBadRequest, h.projectBrand(r.Context(), projectID), "Request refused", "This form could not be read",
			"Return to the previous page and try again.")
		return
	}
	cookie := read(r, attemptCookieName(string(projectID)))
	if cookie != "" && !validFormToken(cookie, loginPurpose(projectID), r.PostFormValue("csrf_token")) {
		h.pages.message(w, http.StatusForbidden, h.projectBrand(r.Context(), projectID), "Request refused",
			"This form has expired",
			"The page you submitted is out of date or did not come from this site. Go back, reload the page and try again.")
		return
	}
	a, ok := h.loadAttempt(w, r, projectID, cookie)
	if !ok {
		return
	}
	in := login.Input{
		Action:      login.Action(r.PostFormValue("action")),
		Email:       trimmed(r, "email"),
		Code:        trimmed(r, "code"),
		Password:    r.PostFormValue("password"),
		NewPassword: r.PostFormValue("new_password"),
		OrgName:     trimmed(r, "org_name"),
		OrgID:       id.Org(trimmed(r, "org_id")),
	}
	v, err := h.o.Login.Submit(r.Context(), a, in, h.client(r))
	if errors.Is(err, flow.ErrGone) {
		h.expired(w, r, projectID)
		return
	}
	if err != nil {
		h.internalError(w, r, h.projectBrand(r.Context(), projectID), "submit login action", err)
		return
	}
	switch {
	case v.Step == login.StepDone:
		h.complete(w, r, projectID, a)
	case v.ThrottledFor > 0:
		w.Header().Set("Retry-After", fmt.Sprint(int((v.ThrottledFor+time.Second-1)/time.Second)))
		h.show(w, r, projectID, a, cookie, v, http.StatusTooManyRequests)
	case len(v.FieldErrors) > 0:
		if v.Step == login.StepIdentify && v.Email == "" {
			// Keep what the person typed so they can correct it.
			v.Email = in.Email
		}
		h.show(w, r, projectID, a, cookie, v, http.StatusUnprocessableEntity)
	case v.Notice != "":
		h.show(w, r, projectID, a, cookie, v, http.StatusOK)
	default:
		redirect(w, r, loginPath(projectID))
	}
}

// loadAttempt finds the browser's attempt; when there is none (never
// started, expired, finished) it shows the friendly expired page.
func (h *Handler) loadAttempt(w http.ResponseWriter, r *http.Request, projectID id.Project, cookie string) (*flow.Attempt, bool) {
	if cookie == "" {
		h.expired(w, r, projectID)
		return nil, false
	}
	a, err := h.o.Login.Load(r.Context(), projectID, cookie)
	if errors.Is(err, flow.ErrGone) {
		h.cookies.clear(w, attemptCookieName(string(projectID)), string(projectID))
		h.expired(w, r, projectID)
		return nil, false
	}
	if err != nil {
		h.internalError(w, r, h.projectBrand(r.Context(), projectID), "load login attempt", err)
		return nil, false
	}
	return a, true
}

func (h *Handler) expired(w http.ResponseWriter, r *http.Request, projectID id.Project) {
	h.pages.message(w, http.StatusGone, h.projectBrand(r.Context(), projectID), "Sign-in expired",
		"This sign-in expired",
		"Sign-ins are only valid for a short time, and each can be used once. Return to the app and start again.")
}

// show renders the view's step, or finishes the login when it is done.
func (h *Handler) show(w http.ResponseWriter, r *http.Request, projectID id.Project, a *flow.Attempt, cookie string, v *login.View, status int) {
	if v.Step == login.StepDone {
		h.complete(w, r, projectID, a)
		return
	}
	p := stepPage(v)
	h.projectBrand(r.Context(), projectID).apply(p)
	p.FormAction = loginPath(projectID)
	p.CSRF = formToken(cookie, loginPurpose(projectID))
	// Any POST on this page may end the login with a redirect to the app.
	h.pages.render(w, status, p, doneOrigin(a.Request))
}

// doneOrigin is the origin a finished login redirects to: the app's
// redirect URI, or for a sign-in no app asked for, its return address
// (a path here, or the project's app URL).
func doneOrigin(req login.AuthRequest) string {
	if req.HasClient() {
		return sourceOrigin(req.RedirectURI)
	}
	return sourceOrigin(req.ReturnTo)
}

// complete mints the session, sets the browser-session cookie and sends the
// browser back to the app with an authorization code, or, when no app asked
// for the sign-in, to its return address. The cookie replaces any session
// the browser held (after switching organizations, say) without ending it.
func (h *Handler) complete(w http.ResponseWriter, r *http.Request, projectID id.Project, a *flow.Attempt) {
	ctx := r.Context()
	sess, browserToken, err := h.o.Login.Complete(ctx, a, h.client(r))
	switch {
	case errors.Is(err, flow.ErrGone):
		h.expired(w, r, projectID)
		return
	case errors.Is(err, flow.ErrNotDone):
		// Something changed since the step said done (a policy, another
		// tab): show whatever the attempt needs now.
		redirect(w, r, loginPath(projectID))
		return
	case errors.Is(err, flow.ErrBusy):
		h.pages.message(w, http.StatusConflict, h.projectBrand(ctx, projectID), "Signing you in",
			"You are already being signed in",
			"This sign-in is finishing in another tab or request. Return to the app; you should be signed in there.")
		return
	}
	if err != nil {
		h.internalError(w, r, h.projectBrand(ctx, projectID), "complete login", err)
		return
	}
	h.cookies.clear(w, attemptCookieName(string(projectID)), string(projectID))
	h.cookies.set(w, sessionCookieName(string(projectID)), string(projectID), browserToken, sess.ExpiresAt)
	req := a.Request
	if !req.HasClient() {
		to := req.ReturnTo
		if to == "" {
			to = accountPath(projectID)
		}
		redirect(w, r, to)
		return
	}
	to, err := h.o.OIDC.IssueCode(ctx, &req, projectID, sess)
	if err != nil {
		h.internalError(w, r, h.projectBrand(ctx, projectID), "issue authorization code", err)
		return
	}
	redirect(w, r, to)
}

// stepPage turns the login service's view into what the step's template
// shows.
func stepPage(v *login.View) *page {
	p := &page{
		Page:              string(v.Step),
		ProjectName:       v.ProjectName,
		Email:             v.Email,
		CodeSent:          v.CodeSent,
		PasswordAvailable: v.PasswordAvailable,
		CodeAvailable:     v.CodeAvailable,
		CanCreateOrg:      v.CanCreateOrg,
		CanSignUp:         v.CanSignUp,
		Reset:             v.Reset,
		Errors:            map[string]string{},
		Notice:            v.Notice,
	}
	for k, m := range v.FieldErrors {
		p.Errors[k] = m
	}
	for _, o := range v.Orgs {
		p.Orgs = append(p.Orgs, orgChoice{ID: string(o.ID), Name: o.Name, Kind: o.Kind, InviteID: string(o.InviteID), Role: o.RoleName})
	}
	if v.ThrottledFor > 0 && len(v.FieldErrors) == 0 {
		// The flow usually says it beside the field that was throttled;
		// otherwise it goes at the top, once.
		p.Throttled = humanDuration(v.ThrottledFor)
	}
	if v.Blocked != nil {
		p.Blocked = v.Blocked.Message
	}
	p.Title = stepTitles[v.Step]
	if p.Title == "" {
		p.Title = "Sign in"
	}
	return p
}

var stepTitles = map[login.Step]string{
	login.StepIdentify:    "Sign in",
	login.StepVerifyEmail: "Check your email",
	login.StepPassword:    "Enter your password",
	login.StepChooseOrg:   "Choose an organization",
	login.StepCreateOrg:   "Create your organization",
	login.StepSetPassword: "Choose a password",
	login.StepBlocked:     "You can't sign in",
}

// humanDuration rounds up to what a person reads comfortably.
func humanDuration(d time.Duration) string {
	switch {
	case d <= time.Second:
		return "1 second"
	case d < time.Minute:
		return fmt.Sprintf("%d seconds", int((d+time.Second-1)/time.Second))
	case d < 2*time.Minute:
		return "1 minute"
	default:
		return fmt.Sprintf("%d minutes", int((d+time.Minute-1)/time.Minute))
	}
}

// HasMemberOrgs and HasJoinOrgs tell choose_org which of its two lists to
// show: the person's accounts, and the organizations they may join.
func (p *page) HasMemberOrgs() bool { return p.countOrgs(true) > 0 }

// HasJoinOrgs: see HasMemberOrgs.
func (p *page) HasJoinOrgs() bool { return p.countOrgs(false) > 0 }

func (p *page) countOrgs(member bool) int {
	n := 0
	for _, o := range p.Orgs {
		if (o.Kind == login.ChoiceMember || o.Kind == "") == member {
			n++
		}
	}
	return n
}

// ElemID is the choice's element id on choose_org: org-<org_id> for an
// account, invite-<invite_id> for an invitation, join-<org_id> for a join
// by domain.
func (c orgChoice) ElemID() string {
	switch c.Kind {
	case login.ChoiceInvite:
		return "invite-" + c.InviteID
	case login.ChoiceDomain:
		return "join-" + c.ID
	}
	return "org-" + c.ID
}
