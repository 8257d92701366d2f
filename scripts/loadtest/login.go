package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/argon2"

	"github.com/gatehouse-auth/gatehouse/internal/password"
	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// The login flow throttles password guesses per account (10 per 15 min)
// and per client IP (50 per 15 min), and it counts every guess, right or
// wrong. A load of real logins therefore comes from many accounts and many
// addresses: every login uses the next account, and the next of
// loginSources loopback addresses (127.0.1.1 …), each a client of its own.
const (
	// overloadTries is how many passwords one attempt submits in the
	// overload run before a fresh attempt takes over.
	overloadTries = 8
	loginAccounts = 600
	loginSources  = 250
	loginPassword = "plover-quartz-lantern-97"
)

var csrfField = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// errBusy is a 429 caused by the KDF cap (password.ErrBusy), told apart
// from a throttle 429 by the page's message.
var errBusy = errors.New("429: KDF slots busy")

type loginTarget struct {
	base, project, clientID string
	emails                  []string
	clients                 []*http.Client
	next                    atomic.Uint64
}

func newLoginTarget(ctx context.Context, e *env) (*loginTarget, error) {
	t, err := newTenant(ctx, e, "Password load", loginAccounts, []string{"password"})
	if err != nil {
		return nil, err
	}
	// Every account gets the same hash (one argon2id run instead of 600):
	// verifying it costs the same as verifying 600 different ones.
	enc, err := password.NewHasher().Hash(ctx, loginPassword)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	err = e.db.Write(ctx, func(w store.Writer) error {
		for _, u := range t.users {
			if err := w.SetPasswordHash(ctx, t.project.ID, u.ID, enc, now); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("set passwords: %w", err)
	}
	lt := &loginTarget{base: e.base, project: string(t.project.ID), clientID: string(t.clientID)}
	for _, u := range t.users {
		lt.emails = append(lt.emails, u.Email)
	}
	for i := range loginSources {
		src := &net.TCPAddr{IP: net.IPv4(127, 0, 1, byte(1+i))}
		lt.clients = append(lt.clients, newClient(4, src))
	}
	return lt, nil
}

// attempt is one browser's login attempt: its client, cookie and form token.
type attempt struct {
	c      *http.Client
	cookie *http.Cookie
	csrf   string
	email  string
}

// start opens a login attempt the way a browser does: the app's redirect
// to the authorization endpoint, the login page, and the email step.
func (lt *loginTarget) start(ctx context.Context) (*attempt, error) {
	n := lt.next.Add(1)
	a := &attempt{c: lt.clients[n%uint64(len(lt.clients))], email: lt.emails[n%uint64(len(lt.emails))]}
	q := url.Values{"response_type": {"code"}, "client_id": {lt.clientID}, "redirect_uri": {redirectURI},
		"scope": {"openid email"}, "state": {"s"}, "nonce": {"n"}}
	resp, body, err := a.do(ctx, http.MethodGet, lt.base+"/p/"+lt.project+"/oauth/authorize?"+q.Encode(), nil)
	if err != nil {
		return nil, err
	}
	for _, ck := range resp.Cookies() {
		if ck.Name == "gh_attempt_"+lt.project {
			a.cookie = &http.Cookie{Name: ck.Name, Value: ck.Value}
		}
	}
	if a.cookie == nil {
		return nil, fmt.Errorf("authorize: status %d, no attempt cookie: %.200s", resp.StatusCode, body)
	}
	resp, body, err = a.do(ctx, http.MethodGet, lt.base+"/p/"+lt.project+"/login", nil)
	if err != nil {
		return nil, err
	}
	m := csrfField.FindSubmatch(body)
	if resp.StatusCode != http.StatusOK || m == nil {
		return nil, fmt.Errorf("login page: status %d: %.200s", resp.StatusCode, body)
	}
	a.csrf = string(m[1])
	resp, body, err = a.post(ctx, lt, url.Values{"action": {"email"}, "email": {a.email}})
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusSeeOther {
		return nil, fmt.Errorf("email step: status %d: %.200s", resp.StatusCode, body)
	}
	return a, nil
}

// password submits the password; nil means the login finished with a
// redirect carrying an authorization code.
func (a *attempt) password(ctx context.Context, lt *loginTarget) error {
	resp, body, err := a.post(ctx, lt, url.Values{"action": {"password"}, "password": {loginPassword}})
	if err != nil {
		return err
	}
	switch loc := resp.Header.Get("Location"); {
	case resp.StatusCode == http.StatusSeeOther && strings.HasPrefix(loc, redirectURI+"?") && strings.Contains(loc, "code="):
		return nil
	case resp.StatusCode == http.StatusTooManyRequests && resp.Header.Get("Retry-After") != "" &&
		strings.Contains(string(body), "Too many sign-ins at once"):
		return errBusy
	default:
		return fmt.Errorf("password step: status %d (Retry-After %q): %.300s", resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}
}

func (a *attempt) post(ctx context.Context, lt *loginTarget, form url.Values) (*http.Response, []byte, error) {
	form.Set("csrf_token", a.csrf)
	return a.do(ctx, http.MethodPost, lt.base+"/p/"+lt.project+"/login", strings.NewReader(form.Encode()))
}

func (a *attempt) do(ctx context.Context, method, u string, body io.Reader) (*http.Response, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return nil, nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if a.cookie != nil {
		req.AddCookie(a.cookie)
	}
	resp, err := a.c.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	return resp, raw, err
}

// fullLogin is one whole password login: four requests and one argon2id.
func (lt *loginTarget) fullLogin(ctx context.Context, _ int) error {
	a, err := lt.start(ctx)
	if err != nil {
		return err
	}
	return a.password(ctx, lt)
}

// rawArgon2 is the baseline: argon2id at the hasher's parameters, nothing else.
func rawArgon2() step {
	p := password.OWASP()
	salt := make([]byte, p.SaltLen)
	return func(context.Context, int) error {
		_ = argon2.IDKey([]byte(loginPassword), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
		return nil
	}
}

// passwordStep submits the password of an attempt started beforehand,
// so only the password request is timed: what a person waits for after
// pressing "Sign in". When the prepared attempts run out it starts one
// inline (and counts it, since that run then times more than the step).
func (lt *loginTarget) passwordStep(ready chan *attempt, inline *atomic.Int64) step {
	return func(ctx context.Context, _ int) error {
		var a *attempt
		select {
		case a = <-ready:
		default:
			inline.Add(1)
			var err error
			if a, err = lt.start(ctx); err != nil {
				return err
			}
		}
		return a.password(ctx, lt)
	}
}

// prepare starts n attempts up to the password step, 8 at a time.
func (lt *loginTarget) prepare(ctx context.Context, n int) (chan *attempt, error) {
	ready := make(chan *attempt, n)
	errs := make([]error, 8)
	var wg sync.WaitGroup
	for g := range errs {
		wg.Go(func() {
			for i := g; i < n && errs[g] == nil; i += len(errs) {
				a, err := lt.start(ctx)
				if err != nil {
					errs[g] = err
					return
				}
				ready <- a
			}
		})
	}
	wg.Wait()
	return ready, errors.Join(errs...)
}

func runLogin(ctx context.Context, o options, e *env) error {
	start := time.Now()
	lt, err := newLoginTarget(ctx, e)
	if err != nil {
		return err
	}
	conc := o.loginConc
	if conc <= 0 {
		conc = 2 * runtime.GOMAXPROCS(0)
	}
	// Enough prepared attempts for ~110 passwords/s, above what two cores
	// can hash at OWASP cost.
	n := int((o.warmup + time.Duration(o.rounds)*o.duration).Seconds() * 110)
	ready, err := lt.prepare(ctx, n)
	if err != nil {
		return err
	}
	if err := analyze(ctx, o, e); err != nil {
		return err
	}
	fmt.Printf("\n== password step: %d accounts, %d client addresses, %d attempts started beforehand (set up in %s); %d workers\n",
		loginAccounts, loginSources, n, time.Since(start).Round(time.Millisecond), conc)
	var inline atomic.Int64
	err = compare(ctx, o, e, conc,
		target{"gatehouse password POST /login", lt.passwordStep(ready, &inline)},
		target{"raw argon2id (same params)", rawArgon2()}, profileName(o.cpuprofile, "password"))
	if err != nil {
		return err
	}
	if k := inline.Load(); k > 0 {
		fmt.Printf("note: %d password requests started their attempt inline (the prepared ones ran out)\n", k)
	}
	fmt.Printf("\n== full password login: one login = 4 requests (authorize, login page, email, password) + 1 argon2id; %d workers\n", conc)
	err = compare(ctx, o, e, conc,
		target{"gatehouse full password login", lt.fullLogin},
		target{"raw argon2id (same params)", rawArgon2()}, profileName(o.cpuprofile, "login"))
	if err != nil {
		return err
	}
	return overload(ctx, o, lt)
}

// overload submits passwords from many more workers than the hasher has
// slots: the excess must be answered 429 with Retry-After within the
// queue timeout, while completed logins keep the KDF busy.
func overload(ctx context.Context, o options, lt *loginTarget) error {
	fmt.Printf("\n== password overload: %d workers submitting passwords (KDF cap %d, queue timeout %s)\n",
		o.overload, runtime.GOMAXPROCS(0), password.DefaultQueueTimeout)
	var (
		mu       sync.Mutex
		busyLat  []time.Duration
		busy     atomic.Int64
		attempts = make([]*attempt, o.overload)
		tries    = make([]int, o.overload)
		// deadline is set just before the run; answers after it are not counted.
		deadline time.Time
	)
	fn := func(ctx context.Context, w int) error {
		if attempts[w] == nil {
			a, err := lt.start(ctx)
			if err != nil {
				return err
			}
			attempts[w], tries[w] = a, 0
		}
		t := time.Now()
		err := attempts[w].password(ctx, lt)
		tries[w]++
		if errors.Is(err, errBusy) && time.Now().Before(deadline) {
			busy.Add(1)
			mu.Lock()
			busyLat = append(busyLat, time.Since(t))
			mu.Unlock()
			// Submit again at once (an impatient person, not one who
			// honours Retry-After), on the same attempt while its account
			// stays below the throttle's 10 guesses.
			if tries[w] < overloadTries {
				return err
			}
		}
		attempts[w] = nil
		return err
	}
	deadline = time.Now().Add(o.duration)
	r := drive(ctx, "logins completed", o.duration, o.overload, fn, func() time.Duration { return 0 })
	printHeader()
	printResult(r)
	slices.Sort(busyLat)
	b := result{name: "answered 429 (KDF busy)", ok: len(busyLat), elapsed: o.duration, lat: busyLat}
	printResult(b)
	other := r.errs - int(busy.Load())
	fmt.Printf("other failures: %d\n", max(other, 0))
	return nil
}
