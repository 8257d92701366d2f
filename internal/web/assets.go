package web

import (
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"net/http"
)

//go:embed assets/style.css
var styleCSS []byte

// assets serves the stylesheet. Its URL carries a hash of the content so it
// can be cached for a long time and still change with each release.
type assets struct {
	version string
}

func newAssets() *assets {
	sum := sha256.Sum256(styleCSS)
	return &assets{version: hex.EncodeToString(sum[:6])}
}

func (a *assets) styleURL() string { return "/assets/style.css?v=" + a.version }

func (a *assets) serve(w http.ResponseWriter, r *http.Request) {
	if r.PathValue("file") != "style.css" {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/css; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	h.Set("ETag", `"`+a.version+`"`)
	if r.Header.Get("If-None-Match") == `"`+a.version+`"` {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	_, _ = w.Write(styleCSS)
}
