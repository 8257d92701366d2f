package web

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/project"
)

// brand is how a project's pages look: its name, its brand stylesheet
// (from the brand colour) and its logo. The zero value is Gatehouse's own
// look, for pages of no (or an unknown) project.
type brand struct {
	Name string
	// CSS is the URL of the project's brand stylesheet, versioned by its
	// content; "" when the project has no brand colour.
	CSS string
	// Logo is the project's logo URL, "" for none.
	Logo string
}

// brandOf is the brand of a project already read.
func brandOf(p *project.Project) brand {
	b := brand{Name: p.Name, Logo: p.LogoURL}
	if css := brandStylesheet(p.BrandColor); css != "" {
		b.CSS = brandCSSPath(p.ID) + "?v=" + cssVersion(css)
	}
	return b
}

// projectBrand reads a project's brand for a page that has no project in
// hand; the zero brand when the project does not exist.
func (h *Handler) projectBrand(ctx context.Context, projectID id.Project) brand {
	if h.o.Tenancy == nil {
		return brand{}
	}
	p, err := h.o.Tenancy.GetProject(ctx, projectID)
	if err != nil {
		return brand{}
	}
	return brandOf(p)
}

// requestBrand is the brand of the project named in the request's path,
// for answers given before anything of the project was read; the zero
// brand for a malformed or unknown project.
func (h *Handler) requestBrand(r *http.Request) brand {
	projectID, ok := projectFrom(r)
	if !ok {
		return brand{}
	}
	return h.projectBrand(r.Context(), projectID)
}

// apply puts the brand on a page (keeping a name the page already has when
// the brand has none).
func (b brand) apply(p *page) *page {
	if b.Name != "" {
		p.ProjectName = b.Name
	}
	p.BrandCSS, p.LogoURL = b.CSS, b.Logo
	return p
}

func brandCSSPath(projectID id.Project) string { return "/p/" + string(projectID) + "/brand.css" }

func cssVersion(css string) string {
	sum := sha256.Sum256([]byte(css))
	return hex.EncodeToString(sum[:6])
}

// brandCSS serves GET /p/{project}/brand.css: the project's colour as the
// custom properties the shared stylesheet is written against. It is a file
// rather than a style attribute because the pages' CSP allows stylesheets
// from this origin only. Pages link it with a version of its content, so a
// new colour shows at once while browsers revalidate cheaply (ETag).
func (h *Handler) brandCSS(w http.ResponseWriter, r *http.Request) {
	projectID, ok := projectFrom(r)
	if !ok || h.o.Tenancy == nil {
		http.NotFound(w, r)
		return
	}
	p, err := h.o.Tenancy.GetProject(r.Context(), projectID)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	css := brandStylesheet(p.BrandColor)
	if css == "" {
		css = "/* No brand colour: the default stylesheet applies. */\n"
	}
	etag := `"` + cssVersion(css) + `"`
	hd := w.Header()
	hd.Set("Content-Type", "text/css; charset=utf-8")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Cache-Control", "public, max-age=300")
	hd.Set("ETag", etag)
	if r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	_, _ = w.Write([]byte(css))
}

// brandStylesheet sets --brand and --brand-ink (the text on it) for light
// and dark schemes; "" without a valid colour. In the dark scheme a dark
// colour is lightened so links stay readable on the dark background.
func brandStylesheet(color string) string {
	c, err := project.NormalizeBrandColor(color)
	if err != nil || c == "" {
		return ""
	}
	rgb := parseHex(c)
	dark := rgb
	if luminance(rgb) < 0.2 {
		dark = mix(rgb, [3]float64{255, 255, 255}, 0.45)
	}
	return fmt.Sprintf(":root {\n  --brand: %s;\n  --brand-ink: %s;\n}\n"+
		"@media (prefers-color-scheme: dark) {\n  :root {\n    --brand: %s;\n    --brand-ink: %s;\n  }\n}\n",
		c, inkOn(rgb), toHex(dark), inkOn(dark))
}

func parseHex(c string) [3]float64 {
	var out [3]float64
	for i := range out {
		v, _ := strconv.ParseUint(c[1+2*i:3+2*i], 16, 8)
		out[i] = float64(v)
	}
	return out
}

func toHex(c [3]float64) string {
	var b strings.Builder
	b.WriteByte('#')
	for _, v := range c {
		fmt.Fprintf(&b, "%02x", int(math.Round(math.Max(0, math.Min(255, v)))))
	}
	return b.String()
}

func mix(a, b [3]float64, t float64) [3]float64 {
	var out [3]float64
	for i := range out {
		out[i] = a[i] + (b[i]-a[i])*t
	}
	return out
}

// luminance is the WCAG relative luminance of an sRGB colour.
func luminance(c [3]float64) float64 {
	var l [3]float64
	for i, v := range c {
		s := v / 255
		if s <= 0.03928 {
			l[i] = s / 12.92
		} else {
			l[i] = math.Pow((s+0.055)/1.055, 2.4)
		}
	}
	return 0.2126*l[0] + 0.7152*l[1] + 0.0722*l[2]
}

// inkOn picks white or near-black text, whichever contrasts more with c.
func inkOn(c [3]float64) string {
	l := luminance(c)
	white := 1.05 / (l + 0.05)
	black := (l + 0.05) / (luminance([3]float64{13, 17, 23}) + 0.05)
	if white >= black {
		return "#ffffff"
	}
	return "#0d1117"
}
