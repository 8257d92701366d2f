package web

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
)

// browser is a cookie-keeping HTTP client that behaves like a browser
// without JavaScript: it follows redirects on the Gatehouse server itself and
// stops at the first redirect elsewhere (the app), sends Sec-Fetch-Site the
// way Chromium does, and checks every page it receives.
type browser struct {
	t    *testing.T
	base *url.URL
	c    *http.Client
	// chain holds every response of the last navigation, redirects
	// included, for assertions on headers and cookies along the way.
	chain []*response
	// header is added to every request (e.g. a proxy's X-Forwarded-For).
	header http.Header
}

type response struct {
	Status  int
	Header  http.Header
	Body    string
	URL     *url.URL
	Doc     *node
	Cookies []*http.Cookie
}

func newBrowser(t *testing.T, base string) *browser {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	return &browser{t: t, base: u, c: &http.Client{
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

func (b *browser) abs(path string) *url.URL {
	u, err := b.base.Parse(path)
	if err != nil {
		b.t.Fatalf("bad URL %q: %v", path, err)
	}
	return u
}

// raw sends one request without following redirects.
func (b *browser) raw(req *http.Request) *response {
	b.t.Helper()
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	r := &response{Status: resp.StatusCode, Header: resp.Header, Body: string(body), URL: req.URL, Cookies: resp.Cookies()}
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		r.Doc = checkPage(b.t, r.Body)
		checkPageHeaders(b.t, r)
	}
	return r
}

// navigate performs req and follows redirects that stay on the server.
func (b *browser) navigate(req *http.Request) *response {
	b.t.Helper()
	r := b.raw(req)
	b.chain = []*response{r}
	for i := 0; i < 10 && r.Status >= 300 && r.Status < 400; i++ {
		loc, err := req.URL.Parse(r.Header.Get("Location"))
		if err != nil {
			b.t.Fatalf("bad Location %q", r.Header.Get("Location"))
		}
		if loc.Host != b.base.Host {
			break
		}
		req = b.request("GET", loc.String(), nil, "none")
		r = b.raw(req)
		b.chain = append(b.chain, r)
	}
	return r
}

// request builds a request the way a browser would for a navigation:
// site is the Sec-Fetch-Site value ("" sends none).
func (b *browser) request(method, target string, form url.Values, site string) *http.Request {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, b.abs(target).String(), body)
	if err != nil {
		b.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if site != "" {
		req.Header.Set("Sec-Fetch-Site", site)
	}
	req.Header.Set("User-Agent", "gatehouse-web-test")
	for k, v := range b.header {
		req.Header[k] = v
	}
	return req
}

func (b *browser) get(target string) *response {
	b.t.Helper()
	return b.navigate(b.request("GET", target, nil, "none"))
}

// submit posts the form containing the element with id (a submit button or
// any field), with the fields it carries plus extra, as a same-origin
// browser form submission. The clicked button's name/value is included.
func (b *browser) submit(page *response, elemID string, extra map[string]string) *response {
	b.t.Helper()
	form, vals := formValues(b.t, page, elemID)
	for k, v := range extra {
		vals.Set(k, v)
	}
	action := page.URL.ResolveReference(&url.URL{Path: form.Attr["action"]})
	req := b.request("POST", action.String(), vals, "same-origin")
	req.Header.Set("Origin", b.base.Scheme+"://"+b.base.Host)
	return b.navigate(req)
}

// formValues collects what a browser would send for the form containing
// the element with elemID, clicking that element if it is a button.
func formValues(t *testing.T, page *response, elemID string) (*node, url.Values) {
	t.Helper()
	if page.Doc == nil {
		t.Fatalf("not an HTML page (status %d): %s", page.Status, page.Body)
	}
	el := page.Doc.byID(elemID)
	if el == nil {
		t.Fatalf("page %s has no #%s:\n%s", pageName(page), elemID, page.Body)
	}
	form := el
	if form.Tag != "form" {
		form = el.form()
	}
	if form == nil {
		t.Fatalf("#%s is not in a form", elemID)
	}
	vals := url.Values{}
	for _, in := range form.tags("input") {
		if in.Attr["name"] != "" && in.Attr["value"] != "" {
			vals.Set(in.Attr["name"], in.Attr["value"])
		}
	}
	if el.Tag == "button" && el.Attr["name"] != "" {
		vals.Set(el.Attr["name"], el.Attr["value"])
	}
	return form, vals
}

// pageName is the data-page of the response's <main>, or "".
func pageName(r *response) string {
	if r.Doc == nil {
		return ""
	}
	if m := r.Doc.tags("main"); len(m) == 1 {
		return m[0].Attr["data-page"]
	}
	return ""
}

// cookie returns the jar's cookie of that name for path on the server.
func (b *browser) cookie(path, name string) string {
	for _, c := range b.c.Jar.Cookies(b.abs(path)) {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}

// checkPageHeaders asserts the security headers every page must carry.
func checkPageHeaders(t *testing.T, r *response) {
	t.Helper()
	csp := r.Header.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'none'", "style-src 'self'", "frame-ancestors 'none'", "base-uri 'none'", "form-action 'self'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("%s: CSP %q lacks %q", r.URL.Path, csp, want)
		}
	}
	for k, v := range map[string]string{"Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY", "Cache-Control": "no-store"} {
		if r.Header.Get(k) != v {
			t.Errorf("%s: %s = %q, want %q", r.URL.Path, k, r.Header.Get(k), v)
		}
	}
}

// setCookie finds the last Set-Cookie of that name in the last navigation.
func (b *browser) setCookie(name string) *http.Cookie {
	var found *http.Cookie
	for _, r := range b.chain {
		for _, c := range r.Cookies {
			if c.Name == name {
				found = c
			}
		}
	}
	return found
}
