// Package publicurl derives the externally visible URLs of a Gatehouse
// server: its base URL, a project's issuer and the backend API's base URL.
// Every surface (CLI, API, OpenID Provider, pages) builds them here so they
// always agree.
package publicurl

import (
	"fmt"
	"net"
	"net/url"
	"strings"

	"github.com/gatehouse-auth/gatehouse/internal/id"
)

// APIPath is where the backend API is mounted.
const APIPath = "/api/v1"

// Normalize validates a configured public URL (absolute http or https, no
// query or fragment) and returns it without a trailing slash.
func Normalize(s string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil {
		return "", fmt.Errorf("public URL %q: %w", s, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("public URL %q must be an absolute http:// or https:// URL", s)
	}
	if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return "", fmt.Errorf("public URL %q must not contain credentials, a query or a fragment", s)
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	return u.String(), nil
}

// FromAddr returns the default public URL for a listen address: loopback and
// wildcard addresses become http://localhost:<port> (what a browser on the
// same machine uses), anything else http://<host>:<port>.
func FromAddr(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "http://" + addr
	}
	switch {
	case host == "" || host == "localhost":
		host = "localhost"
	default:
		if ip := net.ParseIP(host); ip != nil && (ip.IsLoopback() || ip.IsUnspecified()) {
			host = "localhost"
		}
	}
	return "http://" + net.JoinHostPort(host, port)
}

// Issuer is a project's OpenID Provider issuer: <public-url>/p/<project-id>.
func Issuer(publicURL string, projectID id.Project) string {
	return strings.TrimRight(publicURL, "/") + "/p/" + string(projectID)
}

// APIBaseURL is the backend API's base URL: <public-url>/api/v1.
func APIBaseURL(publicURL string) string {
	return strings.TrimRight(publicURL, "/") + APIPath
}

// OpenAPIURL is where the server publishes its OpenAPI document.
func OpenAPIURL(publicURL string) string {
	return APIBaseURL(publicURL) + "/openapi.json"
}
